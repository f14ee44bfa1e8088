// cpu::pagedAttention against a double-precision reference (obvious loops over the attended
// positions), over a shuffled block table with dropped blocks, GQA groups, a layer sliding
// window, long-context sinks + window and a soft cap. Key counts on both sides of the
// segment length, so one query's keys are split over threads; and bit-identical results for
// 1, 2 and 3 threads and for a query run alone or in a batch (the split over keys must not
// change the numbers a sequence gets).
#include "core/thread_pool.h"
#include "cpu/attention.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace dw;

namespace {

struct Case {
    int nHead = 4, nHeadKv = 1, dK = 64, dV = 48;
    int layerWindow = 0;
    float softcap = 0.0f;
    int64_t sinks = 0, lcWindow = 0; // long-context mode when lcWindow > 0
};

struct Setup {
    static constexpr int kBlock = 16;
    Case c;
    int64_t nPos = 0;
    std::vector<int32_t> blocks; // logical -> physical, -1 dropped
    std::vector<float> k, v;     // physical rows
    int64_t kStride = 0, vStride = 0;

    Setup(const Case& cs, int64_t positions, uint32_t seed) : c(cs), nPos(positions) {
        std::mt19937 rng(seed);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        const int64_t nBlocks = (nPos + kBlock - 1) / kBlock;
        blocks.resize(size_t(nBlocks));
        for (int64_t b = 0; b < nBlocks; ++b) blocks[size_t(b)] = int32_t(b);
        std::shuffle(blocks.begin(), blocks.end(), rng);
        kStride = int64_t(c.nHeadKv) * c.dK + 3; // padded rows
        vStride = int64_t(c.nHeadKv) * c.dV + 5;
        k.resize(size_t(nBlocks * kBlock * kStride));
        v.resize(size_t(nBlocks * kBlock * vStride));
        for (auto& x : k) x = nd(rng);
        for (auto& x : v) x = nd(rng);
        if (c.lcWindow > 0) // long-context mode drops the blocks wholly outside sinks + window
            for (int64_t b = 0; b < nBlocks; ++b) {
                const int64_t lo = b * kBlock, hi = lo + kBlock - 1;
                if (hi >= c.sinks && hi < nPos - 1 - c.lcWindow - kBlock && lo > 0) blocks[size_t(b)] = -1;
            }
    }
    cpu::KvPages pages() const { return {k.data(), kStride, v.data(), vStride, kBlock}; }
    cpu::AttentionParams params() const {
        cpu::AttentionParams p;
        p.nHead = c.nHead;
        p.nHeadKv = c.nHeadKv;
        p.headDimK = c.dK;
        p.headDimV = c.dV;
        p.scale = 1.0f / std::sqrt(float(c.dK));
        p.window = c.layerWindow;
        p.softcap = c.softcap;
        return p;
    }
    cpu::PagedQuery query(int64_t pos) const { return {pos, blocks.data(), c.sinks, c.lcWindow}; }

    // The reference: every position the query may see, in double precision.
    std::vector<double> reference(const float* q, int64_t pos) const {
        std::vector<double> out(size_t(c.nHead) * size_t(c.dV), 0.0);
        const int group = c.nHead / c.nHeadKv;
        for (int h = 0; h < c.nHead; ++h) {
            const int kvh = h / group;
            std::vector<double> s;
            std::vector<int64_t> rows;
            for (int64_t j = 0; j <= pos; ++j) {
                if (c.layerWindow > 0 && pos - j >= c.layerWindow) continue;
                if (c.lcWindow > 0 && j >= c.sinks && pos - j >= c.lcWindow) continue;
                const int32_t b = blocks[size_t(j / kBlock)];
                if (b < 0) continue;
                const int64_t row = int64_t(b) * kBlock + j % kBlock;
                double dot = 0.0;
                for (int d = 0; d < c.dK; ++d)
                    dot += double(q[h * c.dK + d]) * double(k[size_t(row * kStride + kvh * c.dK + d)]);
                dot /= std::sqrt(double(c.dK));
                if (c.softcap > 0.0f) dot = c.softcap * std::tanh(dot / c.softcap);
                s.push_back(dot);
                rows.push_back(row);
            }
            const double mx = *std::max_element(s.begin(), s.end());
            double sum = 0.0;
            for (double& x : s) sum += (x = std::exp(x - mx));
            for (size_t i = 0; i < s.size(); ++i)
                for (int d = 0; d < c.dV; ++d)
                    out[size_t(h * c.dV + d)] += s[i] / sum * double(v[size_t(rows[i] * vStride + kvh * c.dV + d)]);
        }
        return out;
    }
};

std::vector<float> randomQueries(const Case& c, int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> q(size_t(n * c.nHead * c.dK));
    for (auto& x : q) x = nd(rng);
    return q;
}

std::vector<float> run(const Setup& s, const float* q, const std::vector<int64_t>& positions, int threads) {
    ThreadPool pool(threads);
    std::vector<cpu::PagedQuery> qs;
    for (int64_t p : positions) qs.push_back(s.query(p));
    std::vector<float> out(positions.size() * size_t(s.c.nHead * s.c.dV));
    cpu::pagedAttention(q, qs.data(), int64_t(qs.size()), s.pages(), out.data(), s.params(), pool);
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Case)

class TestCpuAttention : public QObject {
    Q_OBJECT
private slots:
    void matchesReference_data() {
        QTest::addColumn<Case>("c");
        QTest::newRow("gqa 1 kv head") << Case{};
        QTest::newRow("gqa 2 kv heads") << Case{8, 2, 64, 64, 0, 0.0f, 0, 0};
        QTest::newRow("mha") << Case{3, 3, 40, 40, 0, 0.0f, 0, 0};
        QTest::newRow("mla-like group 16") << Case{16, 1, 96, 80, 0, 0.0f, 0, 0};
        // Head groups that the value sums split unevenly (4 heads per pass), and a value
        // head dim that is not a multiple of 8.
        QTest::newRow("group 13") << Case{13, 1, 32, 24, 0, 0.0f, 0, 0};
        QTest::newRow("group 7") << Case{7, 1, 64, 40, 0, 0.0f, 0, 0};
        QTest::newRow("group 6, odd value dim") << Case{6, 1, 48, 35, 0, 0.0f, 0, 0};
        QTest::newRow("layer window 100") << Case{4, 1, 64, 64, 100, 0.0f, 0, 0};
        QTest::newRow("soft cap") << Case{4, 2, 32, 32, 0, 20.0f, 0, 0};
        QTest::newRow("long context sinks + window") << Case{4, 1, 64, 64, 0, 0.0f, 4, 200};
    }
    void matchesReference() {
        QFETCH(Case, c);
        const Setup s(c, 700, 11);
        // Single queries (few units: keys split over threads) and a batch (whole units).
        const std::vector<std::vector<int64_t>> batches = {{0}, {127}, {128}, {699}, {5, 130, 300, 511, 699, 640, 257, 33}};
        for (const auto& positions : batches) {
            const auto q = randomQueries(c, int64_t(positions.size()), 5);
            const auto out = run(s, q.data(), positions, 2);
            for (size_t t = 0; t < positions.size(); ++t) {
                const auto ref = s.reference(q.data() + t * size_t(c.nHead * c.dK), positions[t]);
                for (size_t i = 0; i < ref.size(); ++i) {
                    const double got = out[t * ref.size() + i];
                    QVERIFY2(std::abs(got - ref[i]) <= 1e-5 + 1e-5 * std::abs(ref[i]),
                             qPrintable(QString("pos %1 element %2: %3 vs reference %4")
                                            .arg(positions[t]).arg(i).arg(got).arg(ref[i])));
                }
            }
        }
    }

    void sameNumbersAnyThreadsAloneOrBatched() {
        const Case c{8, 2, 64, 64, 0, 0.0f, 0, 0};
        const Setup s(c, 1000, 3);
        const std::vector<int64_t> positions = {999, 17, 500, 260, 128, 900, 3, 640};
        const auto q = randomQueries(c, int64_t(positions.size()), 9);
        const auto batched = run(s, q.data(), positions, 3);
        const size_t per = size_t(c.nHead * c.dV);
        for (int threads : {1, 2, 3}) {
            QVERIFY(run(s, q.data(), positions, threads) == batched);
            for (size_t t = 0; t < positions.size(); ++t) {
                const auto alone = run(s, q.data() + t * size_t(c.nHead * c.dK), {positions[t]}, threads);
                QVERIFY2(std::memcmp(alone.data(), batched.data() + t * per, per * sizeof(float)) == 0,
                         qPrintable(QString("position %1, %2 threads").arg(positions[t]).arg(threads)));
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestCpuAttention)
#include "tst_cpu_attention.moc"
