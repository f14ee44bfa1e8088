// Decode mat-vec against its CPU twins: the Q8_1 activation quantizers (36-byte blocks and
// the split layout), both quantized mat-vec kernels (vs a CPU Q8_1 dot of the same
// activation bytes, vs the float product of the dequantized weights, vs cpu::matmul) and
// the float-weight mat-vec.
#include "core/fp16.h"
#include "core/thread_pool.h"
#include "cpu/ops.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "deepwell/error.h"
#include "q8_1_reference.h"
#include "quant/quant.h"

#include <QtTest>

#include <cstring>
#include <vector>

using namespace dw;
using namespace dw::cudatest;

Q_DECLARE_METATYPE(dw::DType)

namespace {

struct Problem {
    DType type;
    int64_t k, n, t;
    size_t rowStride;
    std::vector<uint8_t> w; // host copy of the weights
    std::vector<float> x;   // [k, t]
};

Problem makeProblem(DType type, int64_t k, int64_t n, int64_t t, int pad, uint32_t seed) {
    Problem p{type, k, n, t, rowBytes(type, k) + size_t(pad), {}, {}};
    p.w = randomWeights(type, k, n, p.rowStride, seed);
    p.x = randomActivations(k * t, seed + 1);
    return p;
}

// y[t][r] = sum_j dequant(W)[r][j] * x[t][j], in double.
std::vector<double> floatReference(const Problem& p) {
    std::vector<double> y(size_t(p.t * p.n));
    std::vector<float> row(size_t(p.k));
    for (int64_t r = 0; r < p.n; ++r) {
        quant::dequantizeRow(p.type, p.w.data() + size_t(r) * p.rowStride, row.data(), p.k);
        for (int64_t t = 0; t < p.t; ++t) {
            double s = 0.0;
            for (int64_t j = 0; j < p.k; ++j) s += double(row[j]) * p.x[size_t(t * p.k + j)];
            y[size_t(t * p.n + r)] = s;
        }
    }
    return y;
}

std::vector<float> cpuMatmul(const Problem& p) {
    ThreadPool pool(2);
    cpu::MatmulScratch scratch;
    std::vector<float> y(size_t(p.t * p.n));
    cpu::matmul({p.type, p.k, p.n, p.w.data(), p.rowStride}, p.x.data(), p.t, y.data(), pool,
                scratch);
    return y;
}

void addShapes(DType t, int pad) {
    const int64_t blk = dtypeTraits(t).blockSize;
    // The kernels' step is 128 threads x one slice: 2048 values per step for every type.
    const int64_t oddK = blk == 32 ? 32 * 67 : 256 * 11;
    const QByteArray name(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
    auto row = [&](const char* what, int64_t k, int64_t n, int64_t tok, int pd) {
        QTest::newRow(name + " " + what) << t << qint64(k) << qint64(n) << qint64(tok) << pd;
    };
    row("k=1 block n=1 t=1", blk, 1, 1, 0);
    row("k=1 block n=257 t=8", blk, 257, 8, 0);
    row("odd k n=257 t=1", oddK, 257, 1, 0);
    row("odd k n=67 t=3", oddK, 67, 3, 0);
    row("k=4096 n=130 t=5", 4096, 130, 5, 0);
    row("k=4096 n=33 t=2 padded rows", 4096, 33, 2, pad);
    row("k=4096 n=64 t=4", 4096, 64, 4, 0);
    row("k=4096 n=17 t=7", 4096, 17, 7, 0);
}

} // namespace

class TestCudaMatVec : public QObject {
    Q_OBJECT
private slots:
    void quantizeQ8_1_data() {
        QTest::addColumn<qint64>("k");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("k=32 one row") << qint64(32) << qint64(1);
        QTest::newRow("k=4096 three rows") << qint64(4096) << qint64(3);
        QTest::newRow("k=2816 nine rows") << qint64(2816) << qint64(9);
    }

    // Same q and d bytes as the CPU model of the CUDA flavour; s within half rounding.
    void quantizeQ8_1() {
        DW_REQUIRE_GPU();
        QFETCH(qint64, k);
        QFETCH(qint64, rows);
        auto x = randomActivations(k * rows, 11);
        for (int i = 32; i < 64 && i < k * rows; ++i) x[size_t(i)] = 0.0f; // an all-zero block
        const auto ref = cudatest::quantizeQ8_1(x.data(), k, rows);
        auto dx = toDevice(x);
        auto dq = poisonedOutput<uint8_t>(ref.size());
        cuda::quantizeQ8_1(dx.as<float>(), dq.data(), k, rows, nullptr);
        cuda::synchronize(nullptr);
        const auto got = fromDevice<uint8_t>(dq, ref.size());
        QVERIFY(guardIntact<uint8_t>(dq, ref.size()));
        for (size_t b = 0; b < ref.size() / 36; ++b) {
            const uint8_t* r = ref.data() + b * 36;
            const uint8_t* g = got.data() + b * 36;
            QVERIFY2(std::memcmp(r + 4, g + 4, 32) == 0,
                     qPrintable(QString("q of block %1").arg(b)));
            QVERIFY2(std::memcmp(r, g, 2) == 0, qPrintable(QString("d of block %1").arg(b)));
            uint16_t rs, gs;
            std::memcpy(&rs, r + 2, 2);
            std::memcpy(&gs, g + 2, 2);
            const float a = fp16ToFp32(rs), c = fp16ToFp32(gs);
            QVERIFY2(std::fabs(a - c) <= 1e-3f * (1.0f + std::fabs(a)),
                     qPrintable(QString("s of block %1: %2 vs %3").arg(b).arg(a).arg(c)));
        }
    }

    void quantized_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("tokens");
        QTest::addColumn<int>("pad");
        for (DType t : quantizedTypes()) // padding that keeps each type's block alignment
            addShapes(t, dtypeTraits(t).blockBytes % 4 == 0 ? 16 : 6);
    }

    void quantized() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(qint64, n);
        QFETCH(qint64, tokens);
        QFETCH(int, pad);
        const Problem p = makeProblem(type, k, n, tokens, pad, uint32_t(k * 31 + n));
        auto dw = toDevice(p.w);
        auto dx = toDevice(p.x);
        const size_t qRow = cuda::q8_1RowBytes(k);
        cuda::DeviceBuffer dq(qRow * size_t(tokens));
        cuda::quantizeQ8_1(dx.as<float>(), dq.data(), k, tokens, nullptr);
        const cuda::MatView mv{type, k, n, dw.data(), p.rowStride};
        const size_t count = size_t(n * tokens);
        auto dy = poisonedOutput<float>(count);
        cuda::matVecQ8_1(mv, dq.data(), tokens, dy.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        const auto y = fromDevice<float>(dy, count);
        QCOMPARE(firstNonFinite(y), int64_t(-1)); // every output written
        QVERIFY(guardIntact<float>(dy, count));   // nothing written past the end

        // (1) The CPU Q8_1 dot of the very activation bytes the GPU produced.
        const auto xq = fromDevice<uint8_t>(dq, qRow * size_t(tokens));
        std::vector<double> same(count);
        for (int64_t t = 0; t < tokens; ++t)
            for (int64_t r = 0; r < n; ++r)
                same[size_t(t * n + r)] = dotQ8_1(type, p.w.data() + size_t(r) * p.rowStride,
                                                  xq.data() + size_t(t) * qRow, k);
        QVERIFY2(nmse(same, y) < 1e-9,
                 qPrintable(QString("NMSE vs Q8_1 reference %1").arg(nmse(same, y))));
        QVERIFY2(
            maxRelError(same, y) < 1e-5,
            qPrintable(QString("max rel error vs Q8_1 reference %1").arg(maxRelError(same, y))));
        // (2) The float product of the dequantized weights (activation rounding only).
        const auto exact = floatReference(p);
        QVERIFY2(nmse(exact, y) < 5e-4,
                 qPrintable(QString("NMSE vs float %1").arg(nmse(exact, y))));
        // (3) The CPU engine (Q8_0/Q8_1/Q8_K activations): see vsCpuEngine.
        const QString why =
            vsCpuEngine(cpuMatmul(p), y, n, rowNorms(type, p.w.data(), k, n, p.rowStride),
                        rowNorms(p.x.data(), k, tokens));
        QVERIFY2(why.isEmpty(), qPrintable(why));

        // Run twice: bit-identical.
        dy.fill(kPoison);
        cuda::matVecQ8_1(mv, dq.data(), tokens, dy.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(y, fromDevice<float>(dy, count)));
    }

    void quantizeQ8_1Split_data() { quantizeQ8_1_data(); }

    // Exactly quantizeQ8_1's bytes, rearranged (q of a row, then its (d, s) pairs).
    void quantizeQ8_1Split() {
        DW_REQUIRE_GPU();
        QFETCH(qint64, k);
        QFETCH(qint64, rows);
        auto x = randomActivations(k * rows, 11);
        for (int i = 32; i < 64 && i < k * rows; ++i) x[size_t(i)] = 0.0f;
        auto dx = toDevice(x);
        cuda::DeviceBuffer d36(cuda::q8_1RowBytes(k) * size_t(rows));
        cuda::quantizeQ8_1(dx.as<float>(), d36.data(), k, rows, nullptr);
        const size_t rb = cuda::q8_1SplitRowBytes(k);
        QCOMPARE(rb % 16, size_t(0));
        QVERIFY(rb >= size_t(k + k / 8));
        auto dq = poisonedOutput<uint8_t>(rb * size_t(rows));
        cuda::quantizeQ8_1Split(dx.as<float>(), dq.data(), k, rows, nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(guardIntact<uint8_t>(dq, rb * size_t(rows)));
        const auto split = fromDevice<uint8_t>(dq, rb * size_t(rows));
        const auto blocks = fromDevice<uint8_t>(d36, cuda::q8_1RowBytes(k) * size_t(rows));
        QVERIFY(fromSplitLayout(split, k, rows, rb) == blocks);
    }

    void quantizedSplit_data() { quantized_data(); }

    // The fast kernel: the same three checks as the old one, determinism, and matVec (which
    // quantizes and picks this kernel for a 16-byte aligned matrix) gives the same bits.
    void quantizedSplit() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(qint64, n);
        QFETCH(qint64, tokens);
        QFETCH(int, pad);
        const Problem p = makeProblem(type, k, n, tokens, pad, uint32_t(k * 37 + n));
        auto dw = toDevice(p.w);
        auto dx = toDevice(p.x);
        const size_t qRow = cuda::q8_1SplitRowBytes(k);
        cuda::DeviceBuffer dq(qRow * size_t(tokens));
        cuda::quantizeQ8_1Split(dx.as<float>(), dq.data(), k, tokens, nullptr);
        const cuda::MatView mv{type, k, n, dw.data(), p.rowStride};
        const size_t count = size_t(n * tokens);
        auto dy = poisonedOutput<float>(count);
        cuda::matVecQ8_1Split(mv, dq.data(), tokens, dy.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        const auto y = fromDevice<float>(dy, count);
        QCOMPARE(firstNonFinite(y), int64_t(-1));
        QVERIFY(guardIntact<float>(dy, count));

        // (1) The CPU Q8_1 dot of the very activation values the GPU produced.
        const auto xq =
            fromSplitLayout(fromDevice<uint8_t>(dq, qRow * size_t(tokens)), k, tokens, qRow);
        const size_t blkRow = cuda::q8_1RowBytes(k);
        std::vector<double> same(count);
        for (int64_t t = 0; t < tokens; ++t)
            for (int64_t r = 0; r < n; ++r)
                same[size_t(t * n + r)] = dotQ8_1(type, p.w.data() + size_t(r) * p.rowStride,
                                                  xq.data() + size_t(t) * blkRow, k);
        QVERIFY2(nmse(same, y) < 1e-9,
                 qPrintable(QString("NMSE vs Q8_1 reference %1").arg(nmse(same, y))));
        QVERIFY2(
            maxRelError(same, y) < 1e-5,
            qPrintable(QString("max rel error vs Q8_1 reference %1").arg(maxRelError(same, y))));
        // (2) The float product of the dequantized weights.
        const auto exact = floatReference(p);
        QVERIFY2(nmse(exact, y) < 5e-4,
                 qPrintable(QString("NMSE vs float %1").arg(nmse(exact, y))));
        // (3) The CPU engine.
        const QString why =
            vsCpuEngine(cpuMatmul(p), y, n, rowNorms(type, p.w.data(), k, n, p.rowStride),
                        rowNorms(p.x.data(), k, tokens));
        QVERIFY2(why.isEmpty(), qPrintable(why));

        dy.fill(kPoison); // run twice: bit-identical
        cuda::matVecQ8_1Split(mv, dq.data(), tokens, dy.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(y, fromDevice<float>(dy, count)));
        // A token alone gives the same bits as in company (the same steps per warp, summed
        // in the same order, for every token count).
        for (int64_t t = 0; t < tokens; ++t) {
            auto one = poisonedOutput<float>(size_t(n));
            cuda::matVecQ8_1Split(mv, static_cast<const uint8_t*>(dq.data()) + size_t(t) * qRow, 1,
                                  one.as<float>(), nullptr);
            cuda::synchronize(nullptr);
            const std::vector<float> part(y.begin() + t * n, y.begin() + (t + 1) * n);
            QVERIFY2(bitIdentical(part, fromDevice<float>(one, size_t(n))),
                     qPrintable(QString("token %1 alone differs").arg(t)));
        }
        cuda::DeviceBuffer scratch(cuda::matVecScratchBytes(mv, tokens));
        dy.fill(kPoison);
        cuda::matVec(mv, dx.as<float>(), tokens, dy.as<float>(), scratch.data(), scratch.bytes(),
                     nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(y, fromDevice<float>(dy, count)));
    }

    // matVec on a matrix that is not 16-byte aligned falls back to quantizeQ8_1 + the old
    // kernel (same bits as calling them directly); the split kernel refuses it.
    void matVecUnalignedFallsBack() {
        DW_REQUIRE_GPU();
        const DType type = DType::Q8_0;
        const int64_t k = 512, n = 40, tokens = 3;
        const Problem p = makeProblem(type, k, n, tokens, 0, 5);
        cuda::DeviceBuffer dw(p.w.size() + 2);
        dw.upload(p.w.data(), p.w.size(), 2); // 2-byte aligned: Q8_0's block alignment
        const void* data = static_cast<const uint8_t*>(dw.data()) + 2;
        auto dx = toDevice(p.x);
        const cuda::MatView mv{type, k, n, data, p.rowStride};
        cuda::DeviceBuffer dq(cuda::q8_1RowBytes(k) * size_t(tokens));
        cuda::quantizeQ8_1(dx.as<float>(), dq.data(), k, tokens, nullptr);
        const size_t count = size_t(n * tokens);
        auto direct = poisonedOutput<float>(count);
        cuda::matVecQ8_1(mv, dq.data(), tokens, direct.as<float>(), nullptr);
        cuda::DeviceBuffer scratch(cuda::matVecScratchBytes(mv, tokens));
        auto viaMatVec = poisonedOutput<float>(count);
        cuda::matVec(mv, dx.as<float>(), tokens, viaMatVec.as<float>(), scratch.data(),
                     scratch.bytes(), nullptr);
        cuda::synchronize(nullptr);
        const auto a = fromDevice<float>(direct, count);
        QCOMPARE(firstNonFinite(a), int64_t(-1));
        QVERIFY(bitIdentical(a, fromDevice<float>(viaMatVec, count)));
        QVERIFY_THROWS_EXCEPTION(
            Error, cuda::matVecQ8_1Split(mv, dq.data(), tokens, viaMatVec.as<float>(), nullptr));
    }

    void floatWeights_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("tokens");
        QTest::addColumn<int>("pad");
        for (DType t : floatTypes()) {
            const QByteArray name(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
            auto row = [&](const char* what, int64_t k, int64_t n, int64_t tok, int pd) {
                QTest::newRow(name + " " + what)
                    << t << qint64(k) << qint64(n) << qint64(tok) << pd;
            };
            row("k=1 n=1 t=1", 1, 1, 1, 0);
            row("k=7 n=257 t=3 (scalar path)", 7, 257, 3, 0);
            row("k=4096 n=130 t=8 (vector path)", 4096, 130, 8, 0);
            row("k=4100 n=33 t=2 (k % 8 != 0)", 4100, 33, 2, 0);
            row("k=4096 n=67 t=5 padded rows (scalar path)", 4096, 67, 5, 4);
            row("k=2048 n=64 t=4 16-byte padded rows", 2048, 64, 4, 16);
        }
    }

    void floatWeights() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(qint64, n);
        QFETCH(qint64, tokens);
        QFETCH(int, pad);
        const Problem p = makeProblem(type, k, n, tokens, pad, uint32_t(k + n));
        auto dw = toDevice(p.w);
        auto dx = toDevice(p.x);
        const cuda::MatView mv{type, k, n, dw.data(), p.rowStride};
        const size_t count = size_t(n * tokens);
        auto dy = poisonedOutput<float>(count);
        cuda::matVecFloat(mv, dx.as<float>(), tokens, dy.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        const auto y = fromDevice<float>(dy, count);
        QCOMPARE(firstNonFinite(y), int64_t(-1));
        QVERIFY(guardIntact<float>(dy, count));
        const auto exact = floatReference(p);
        QVERIFY2(nmse(exact, y) < 1e-10, qPrintable(QString("NMSE %1").arg(nmse(exact, y))));
        QVERIFY2(maxRelError(exact, y) < 1e-5,
                 qPrintable(QString("max rel error %1").arg(maxRelError(exact, y))));
        const auto cpu = cpuMatmul(p);
        QVERIFY2(nmse(cpu, y) < 1e-8,
                 qPrintable(QString("NMSE vs cpu::matmul %1").arg(nmse(cpu, y))));
        dy.fill(kPoison);
        cuda::matVec(mv, dx.as<float>(), tokens, dy.as<float>(), nullptr, 0, nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(y, fromDevice<float>(dy, count)));
    }
};

QTEST_APPLESS_MAIN(TestCudaMatVec)
#include "tst_cuda_matvec.moc"
