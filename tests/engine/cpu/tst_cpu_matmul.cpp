// cpu::matmul against a double-precision product of the dequantized weights and the same
// quantized activations, for every type with a dot product and awkward shapes: token counts
// on both sides of the switch from single dots to tiled kernels and past one token block,
// row counts that are not a multiple of the tile, padded row strides, row lengths with a
// partial vector (float types). And bit-identical results for 1, 2 and 3 threads, and for
// products run alone or in a batch (matmulBatch). ctest runs
// the suite again with DEEPWELL_ISA=avx2 and =scalar (tests/engine/cpu/CMakeLists.txt).
#include "core/thread_pool.h"
#include "cpu/ops.h"
#include "engine/quant/quant_test_util.h"
#include "quant/quant.h"

#include <QtTest>

#include <cmath>
#include <cstring>

using namespace dw;
using namespace dw::quant::test;

Q_DECLARE_METATYPE(dw::DType)

namespace {

const DType kTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                        DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                        DType::Q4_K, DType::Q5_K, DType::Q6_K};
constexpr int64_t kRows = 77;     // two full bands of 32 and a partial one
constexpr size_t kStridePad = 16; // bytes after every weight row

int64_t rowLength(DType t) {
    if (!dtypeTraits(t).quantized) return 200;         // 12.5 vectors of 16
    return dtypeTraits(t).blockSize == 32 ? 352 : 512; // 11 blocks (a chunk and a part), 2 super
}

struct Problem {
    DType type = DType::F32;
    int64_t k = 0, n = 0, tokens = 0;
    size_t stride = 0;
    std::vector<uint8_t> w;
    std::vector<float> x; // [k, tokens]

    cpu::MatView view() const {
        cpu::MatView v;
        v.type = type;
        v.k = k;
        v.n = n;
        v.data = w.data();
        v.rowStride = stride;
        return v;
    }
};

Problem makeProblem(DType t, int64_t n, int64_t tokens, uint32_t seed) {
    Problem p;
    p.type = t;
    p.k = rowLength(t);
    p.n = n;
    p.tokens = tokens;
    p.stride = rowBytes(t, p.k) + kStridePad;
    p.w.assign(p.stride * size_t(n), 0xee);
    std::mt19937 rng(seed);
    const int64_t units = p.k / dtypeTraits(t).blockSize;
    for (int64_t r = 0; r < n; ++r) {
        const auto row = randomWeightRow(t, units, rng);
        std::memcpy(p.w.data() + size_t(r) * p.stride, row.data(), row.size());
    }
    p.x.resize(size_t(p.k * tokens));
    for (int64_t tk = 0; tk < tokens; ++tk) { // tokens of different scales
        const auto xt = gaussian(p.k, seed + 1000 + uint32_t(tk), float(1 + tk % 7) * 0.5f);
        std::copy(xt.begin(), xt.end(), p.x.begin() + tk * p.k);
    }
    return p;
}

std::vector<float> run(const Problem& p, int threads) {
    ThreadPool pool(threads);
    cpu::MatmulScratch scratch;
    std::vector<float> y(size_t(p.n * p.tokens), -1.0f);
    cpu::matmul(p.view(), p.x.data(), p.tokens, y.data(), pool, scratch);
    return y;
}

} // namespace

class TestCpuMatmul : public QObject {
    Q_OBJECT
private slots:
    void matchesReference_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<int>("tokens");
        for (DType t : kTypes) {
            for (int tokens : {1, 2, 3, 8, 9, 17, 64, 300}) {
                QTest::addRow("%s x %d", dtypeName(t).data(), tokens) << t << tokens;
            }
        }
    }
    // y[t][r] against sum_i w_ri a_ti in double, w the dequantized weights and a the
    // dequantized activation row as quantized for the product. The kernels form the same
    // integer sums, so what is left is float rounding (1e-5 of sum |w a|) and, for Q4_1 /
    // Q5_1, the rounding of Q8_1's s = d * sum(q) to a half, which multiplies the offsets.
    void matchesReference() {
        QFETCH(DType, type);
        QFETCH(int, tokens);
        const Problem p = makeProblem(type, kRows, tokens, uint32_t(type) * 31u + uint32_t(tokens));
        const std::vector<float> y = run(p, 2);

        const DType at = quant::vecDotType(type);
        const size_t actRow = rowBytes(at, p.k);
        std::vector<float> wv(size_t(p.k * p.n));
        for (int64_t r = 0; r < p.n; ++r)
            quant::dequantizeRow(type, p.w.data() + size_t(r) * p.stride, wv.data() + r * p.k, p.k);
        std::vector<uint8_t> act(actRow);
        std::vector<float> av(size_t(p.k));
        for (int64_t tk = 0; tk < tokens; ++tk) {
            quant::quantizeRow(at, p.x.data() + tk * p.k, act.data(), p.k);
            quant::dequantizeRow(at, act.data(), av.data(), p.k);
            for (int64_t r = 0; r < p.n; ++r) {
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < p.k; ++i) {
                    const double term = double(wv[size_t(r * p.k + i)]) * av[size_t(i)];
                    exact += term;
                    mag += std::fabs(term);
                }
                double sRounding = 0;
                if (at == DType::Q8_1) {
                    const size_t wb = dtypeTraits(type).blockBytes;
                    const uint8_t* wr = p.w.data() + size_t(r) * p.stride;
                    for (int64_t b = 0; b < p.k / 32; ++b) {
                        const uint8_t* ab = act.data() + size_t(b) * 36;
                        double sumQ = 0;
                        for (int j = 0; j < 32; ++j) sumQ += int8_t(ab[4 + j]);
                        uint16_t d, s, m;
                        std::memcpy(&d, ab, 2);
                        std::memcpy(&s, ab + 2, 2);
                        std::memcpy(&m, wr + size_t(b) * wb + 2, 2);
                        sRounding += std::fabs(fp16ToFp32(m)) *
                                     std::fabs(fp16ToFp32(s) - double(fp16ToFp32(d)) * sumQ);
                        mag += std::fabs(double(fp16ToFp32(m)) * fp16ToFp32(s));
                    }
                }
                const double bound = 1e-5 * mag + sRounding + 1e-30;
                const float got = y[size_t(tk * p.n + r)];
                QVERIFY2(std::fabs(double(got) - exact) <= bound,
                         qPrintable(QString("%1 token %2 row %3: %4 vs %5 (bound %6)")
                                        .arg(quant::isaName(quant::bestIsa()))
                                        .arg(tk)
                                        .arg(r)
                                        .arg(double(got), 0, 'g', 9)
                                        .arg(exact, 0, 'g', 9)
                                        .arg(bound)));
            }
        }
    }

    void threadsAgree_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<int>("tokens");
        for (DType t : kTypes) {
            for (int tokens : {3, 64})
                QTest::addRow("%s x %d", dtypeName(t).data(), tokens) << t << tokens;
        }
    }
    // The same bits for any number of threads (and for a second run).
    void threadsAgree() {
        QFETCH(DType, type);
        QFETCH(int, tokens);
        const Problem p = makeProblem(type, 333, tokens, 5);
        const std::vector<float> one = run(p, 1);
        for (int threads : {1, 2, 3}) {
            const std::vector<float> y = run(p, threads);
            QVERIFY2(std::memcmp(y.data(), one.data(), y.size() * sizeof(float)) == 0,
                     qPrintable(QString("%1 threads differ from 1").arg(threads)));
        }
    }

    void batchMatchesSingle_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<int>("tokens");
        for (DType t : kTypes) {
            for (int tokens : {1, 2, 3, 5})
                QTest::addRow("%s x %d", dtypeName(t).data(), tokens) << t << tokens;
        }
    }
    // matmulBatch gives every job the bits matmul gives it alone, for any thread count: jobs
    // sharing an input (quantized once), of other types on the same input (their own
    // activation format), with their own input, a job without tokens (left alone), batches
    // above and below kMatmulSerialBytes, decode and prefill sizes mixed.
    void batchMatchesSingle() {
        QFETCH(DType, type);
        QFETCH(int, tokens);
        const int64_t k = rowLength(type);
        // Matrices of `type` with the same row length: a large one (several pieces), a
        // small one, a single row; and two of other types on the same input.
        std::vector<Problem> mats;
        for (int64_t n : {int64_t(1000), int64_t(24), int64_t(1)})
            mats.push_back(makeProblem(type, n, tokens, uint32_t(n) + 7));
        for (DType other : {DType::Q8_0, DType::F16, DType::F32, DType::Q6_K}) {
            if (other != type && rowLength(other) == k)
                mats.push_back(makeProblem(other, 40, tokens, 3));
        }
        const Problem& shared = mats[0];                           // its x is the shared input
        const Problem own = makeProblem(type, 50, tokens + 4, 99); // prefill-sized, own x
        const Problem idle = makeProblem(type, 8, 1, 5);

        auto single = [](const Problem& p, const float* x, int64_t t) {
            ThreadPool pool(1);
            cpu::MatmulScratch scratch;
            std::vector<float> y(size_t(p.n * t));
            cpu::matmul(p.view(), x, t, y.data(), pool, scratch);
            return y;
        };
        std::vector<std::vector<float>> want;
        for (const Problem& p : mats) want.push_back(single(p, shared.x.data(), tokens));
        const std::vector<float> wantOwn = single(own, own.x.data(), own.tokens);

        for (int threads : {1, 2, 3}) {
            for (bool small : {false, true}) { // small: only the matrices below the serial size
                ThreadPool pool(threads);
                cpu::MatmulScratch scratch;
                std::vector<std::vector<float>> ys;
                for (const Problem& p : mats) ys.emplace_back(size_t(p.n * tokens), -1.0f);
                std::vector<float> yOwn(size_t(own.n * own.tokens), -1.0f), yIdle(8, -2.0f);
                std::vector<cpu::MatmulJob> jobs;
                for (size_t i = 0; i < mats.size(); ++i) {
                    if (small && i == 0) continue;
                    jobs.push_back({mats[i].view(), shared.x.data(), tokens, ys[i].data()});
                }
                if (!small) jobs.push_back({own.view(), own.x.data(), own.tokens, yOwn.data()});
                // among the others, so that a decode batch's row groups skip it
                jobs.insert(jobs.begin() + 1, {idle.view(), idle.x.data(), 0, yIdle.data()});
                cpu::matmulBatch(jobs.data(), jobs.size(), pool, scratch);
                for (size_t i = 0; i < mats.size(); ++i) {
                    if (small && i == 0) continue;
                    QVERIFY2(std::memcmp(ys[i].data(), want[i].data(), want[i].size() * 4) == 0,
                             qPrintable(QString("job %1 (%2), %3 threads%4")
                                            .arg(i)
                                            .arg(dtypeName(mats[i].type).data())
                                            .arg(threads)
                                            .arg(small ? ", small batch" : "")));
                }
                if (!small)
                    QVERIFY(std::memcmp(yOwn.data(), wantOwn.data(), wantOwn.size() * 4) == 0);
                for (float v : yIdle) QCOMPARE(v, -2.0f);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestCpuMatmul)
#include "tst_cpu_matmul.moc"
