// Per-row and element-wise ops against their CPU twins: rmsNorm, rope (Norm, Neox, YaRN,
// frequency factors), swiglu, geglu, gelu, softmax, add, scale, addRows, softcap, argmax.
#include "cpu/ops.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "deepwell/error.h"

#include <QtTest>

#include <climits>
#include <cmath>
#include <random>
#include <vector>

using namespace dw;
using namespace dw::cudatest;

namespace {

std::vector<float> uniform(int64_t n, float lo, float hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(rng);
    return v;
}

// Waits for the default stream and copies `count` floats back.
std::vector<float> download(const cuda::DeviceBuffer& b, size_t count) {
    cuda::synchronize(nullptr);
    return fromDevice<float>(b, count);
}

// CPU argmax: first maximum, NaN skipped, 0 when there is no non-NaN value.
int32_t cpuArgmax(const float* x, int64_t n) {
    int32_t best = -1;
    for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(x[i])) continue;
        if (best < 0 || x[i] > x[best]) best = int32_t(i);
    }
    return best < 0 ? 0 : best;
}

} // namespace

class TestCudaOps : public QObject {
    Q_OBJECT
private slots:
    void rmsNorm_data() {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<bool>("weighted");
        QTest::addColumn<bool>("inPlace");
        QTest::newRow("n=1") << qint64(1) << qint64(1) << true << false;
        QTest::newRow("n=7 rows=3 no weight") << qint64(7) << qint64(3) << false << false;
        QTest::newRow("n=640 rows=5 in place") << qint64(640) << qint64(5) << true << true;
        QTest::newRow("n=4099 rows=2") << qint64(4099) << qint64(2) << true << false;
    }

    void rmsNorm() {
        DW_REQUIRE_GPU();
        QFETCH(qint64, n);
        QFETCH(qint64, rows);
        QFETCH(bool, weighted);
        QFETCH(bool, inPlace);
        auto x = uniform(n * rows, -3.0f, 3.0f, 1);
        x[0] = 40.0f; // an outlier
        const auto w = uniform(n, 0.5f, 1.5f, 2);
        std::vector<float> ref(x.size());
        for (int64_t r = 0; r < rows; ++r)
            cpu::rmsNorm(x.data() + r * n, weighted ? w.data() : nullptr, ref.data() + r * n, n,
                         1e-6f);
        auto dx = poisonedOutput<float>(x.size());
        dx.upload(x.data(), x.size() * 4);
        auto dw = toDevice(w);
        auto dy = poisonedOutput<float>(x.size());
        float* out = inPlace ? dx.as<float>() : dy.as<float>();
        cuda::rmsNorm(dx.as<float>(), weighted ? dw.as<float>() : nullptr, out, n, rows, 1e-6f,
                      nullptr);
        const auto got = download(inPlace ? dx : dy, x.size());
        QCOMPARE(firstNonFinite(got), int64_t(-1));
        QVERIFY(guardIntact<float>(inPlace ? dx : dy, x.size()));
        QVERIFY2(maxRelError(ref, got) < 1e-5, qPrintable(QString::number(maxRelError(ref, got))));
    }

    void rope_data() {
        QTest::addColumn<bool>("neox");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("nRot");
        QTest::addColumn<int>("nHeads");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("yarn");
        QTest::addColumn<bool>("freqFactors");
        QTest::newRow("norm d=64 one token") << false << 64 << 64 << 4 << 1 << false << false;
        QTest::newRow("neox d=128 five tokens") << true << 128 << 128 << 3 << 5 << false << false;
        QTest::newRow("neox partial nRot=32 of 80") << true << 80 << 32 << 2 << 4 << false << false;
        QTest::newRow("norm YaRN d=64") << false << 64 << 64 << 16 << 3 << true << false;
        QTest::newRow("neox YaRN d=256 freq factors")
            << true << 256 << 256 << 1 << 2 << true << true;
        QTest::newRow("norm d=576 (MLA-sized) nRot=64")
            << false << 576 << 64 << 2 << 2 << false << false;
    }

    void rope() {
        DW_REQUIRE_GPU();
        QFETCH(bool, neox);
        QFETCH(int, headDim);
        QFETCH(int, nRot);
        QFETCH(int, nHeads);
        QFETCH(int, tokens);
        QFETCH(bool, yarn);
        QFETCH(bool, freqFactors);
        cpu::RopeConfig cfg;
        cfg.style = neox ? cpu::RopeStyle::Neox : cpu::RopeStyle::Norm;
        cfg.nRot = nRot;
        cfg.freqBase = neox ? 1000000.0f : 10000.0f;
        if (yarn) {
            cfg.freqScale = 1.0f / 40.0f;
            cfg.extFactor = 1.0f;
            cfg.attnFactor = 0.9f;
            cfg.nCtxOrig = 4096;
        }
        const auto ff = uniform(nRot / 2, 1.0f, 8.0f, 3);
        const std::vector<int32_t> allPos = {0, 1, 4095, 17, 8191};
        std::vector<int32_t> pos(allPos.begin(), allPos.begin() + tokens);
        const int64_t count = int64_t(tokens) * nHeads * headDim;
        const auto x = uniform(count, -2.0f, 2.0f, 4);
        std::vector<float> ref = x;
        if (freqFactors) cfg.freqFactors = ff.data();
        for (int t = 0; t < tokens; ++t)
            cpu::rope(ref.data() + int64_t(t) * nHeads * headDim, nHeads, headDim, pos[t], cfg);
        auto dx = poisonedOutput<float>(size_t(count));
        dx.upload(x.data(), x.size() * 4);
        auto dpos = toDevice(pos);
        auto dff = toDevice(ff);
        cuda::RopeConfig gcfg = cfg;
        gcfg.freqFactors = freqFactors ? dff.as<float>() : nullptr;
        cuda::rope(dx.as<float>(), tokens, nHeads, headDim, dpos.as<int32_t>(), gcfg, nullptr);
        const auto got = download(dx, size_t(count));
        QVERIFY(guardIntact<float>(dx, size_t(count)));
        QVERIFY2(maxRelError(ref, got) < 1e-5, qPrintable(QString::number(maxRelError(ref, got))));
        QVERIFY2(nmse(ref, got) < 1e-10, qPrintable(QString::number(nmse(ref, got))));
        if (nRot < headDim) // pass-through dims are untouched, bit for bit
            for (int64_t i = 0; i < count; ++i)
                if (i % headDim >= nRot) QCOMPARE(got[size_t(i)], x[size_t(i)]);
    }

    void activations_data() {
        QTest::addColumn<int>("kind"); // 0 swiglu, 1 geglu, 2 gelu
        QTest::addColumn<qint64>("n");
        QTest::addColumn<bool>("alias");
        const char* names[] = {"swiglu", "geglu", "gelu"};
        for (int kind = 0; kind < 3; ++kind) {
            QTest::newRow(QByteArray(names[kind]) + " n=1") << kind << qint64(1) << false;
            QTest::newRow(QByteArray(names[kind]) + " n=100003") << kind << qint64(100003) << false;
            QTest::newRow(QByteArray(names[kind]) + " n=4096 in place")
                << kind << qint64(4096) << true;
        }
    }

    void activations() {
        DW_REQUIRE_GPU();
        QFETCH(int, kind);
        QFETCH(qint64, n);
        QFETCH(bool, alias);
        const auto g = uniform(n, -12.0f, 12.0f, 5);
        const auto u = uniform(n, -2.0f, 2.0f, 6);
        std::vector<float> ref(static_cast<size_t>(n));
        if (kind == 0)
            cpu::swiglu(g.data(), u.data(), ref.data(), n);
        else if (kind == 1)
            cpu::geglu(g.data(), u.data(), ref.data(), n);
        else
            for (int64_t i = 0; i < n; ++i) ref[size_t(i)] = cpu::gelu(g[size_t(i)]);
        auto dg = poisonedOutput<float>(size_t(n));
        dg.upload(g.data(), g.size() * 4);
        auto du = toDevice(u);
        auto dout = poisonedOutput<float>(size_t(n));
        float* out = alias ? dg.as<float>() : dout.as<float>();
        if (kind == 0)
            cuda::swiglu(dg.as<float>(), du.as<float>(), out, n, nullptr);
        else if (kind == 1)
            cuda::geglu(dg.as<float>(), du.as<float>(), out, n, nullptr);
        else
            cuda::gelu(dg.as<float>(), out, n, nullptr);
        const auto& buf = alias ? dg : dout;
        const auto got = download(buf, size_t(n));
        QVERIFY(guardIntact<float>(buf, size_t(n)));
        for (int64_t i = 0; i < n; ++i)
            QVERIFY2(std::fabs(got[size_t(i)] - ref[size_t(i)]) <=
                         1e-5f * (1.0f + std::fabs(ref[size_t(i)])),
                     qPrintable(QString("element %1: %2 vs %3")
                                    .arg(i)
                                    .arg(got[size_t(i)])
                                    .arg(ref[size_t(i)])));
    }

    void softmax_data() {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("n=1") << qint64(1) << qint64(1);
        QTest::newRow("n=5 rows=3") << qint64(5) << qint64(3);
        QTest::newRow("n=262144 (a vocab) rows=2") << qint64(262144) << qint64(2);
    }

    void softmax() {
        DW_REQUIRE_GPU();
        QFETCH(qint64, n);
        QFETCH(qint64, rows);
        auto x = uniform(n * rows, -30.0f, 30.0f, 7);
        x[0] = -1e30f; // very negative logits underflow to 0
        std::vector<float> ref = x;
        for (int64_t r = 0; r < rows; ++r) cpu::softmax(ref.data() + r * n, n);
        auto dx = poisonedOutput<float>(x.size());
        dx.upload(x.data(), x.size() * 4);
        cuda::softmax(dx.as<float>(), n, rows, nullptr);
        const auto got = download(dx, x.size());
        QVERIFY(guardIntact<float>(dx, x.size()));
        QCOMPARE(firstNonFinite(got), int64_t(-1));
        QVERIFY2(maxRelError(ref, got) < 1e-5, qPrintable(QString::number(maxRelError(ref, got))));
        for (int64_t r = 0; r < rows; ++r) {
            double sum = 0;
            for (int64_t i = 0; i < n; ++i) sum += got[size_t(r * n + i)];
            QVERIFY(std::fabs(sum - 1.0) < 1e-4);
        }
    }

    // Single IEEE operations: results equal the CPU's bit for bit.
    void addAndScale() {
        DW_REQUIRE_GPU();
        const int64_t n = 70001;
        const auto a = uniform(n, -5.0f, 5.0f, 8), b = uniform(n, -5.0f, 5.0f, 9);
        auto da = toDevice(a), db = toDevice(b);
        auto dout = poisonedOutput<float>(size_t(n));
        cuda::add(da.as<float>(), db.as<float>(), dout.as<float>(), n, nullptr);
        auto got = download(dout, size_t(n));
        QVERIFY(guardIntact<float>(dout, size_t(n)));
        for (int64_t i = 0; i < n; ++i) QCOMPARE(got[size_t(i)], a[size_t(i)] + b[size_t(i)]);
        cuda::scale(da.as<float>(), 0.125f, da.as<float>(), n, nullptr); // in place
        got = download(da, size_t(n));
        for (int64_t i = 0; i < n; ++i) QCOMPARE(got[size_t(i)], a[size_t(i)] * 0.125f);
    }

    // The bias of every token's row: one IEEE add each, bit for bit.
    void addRows() {
        DW_REQUIRE_GPU();
        const int64_t n = 1027, rows = 5;
        const auto y = uniform(n * rows, -5.0f, 5.0f, 12), b = uniform(n, -1.0f, 1.0f, 13);
        auto dy = poisonedOutput<float>(size_t(n * rows));
        dy.upload(y.data(), y.size() * 4);
        auto db = toDevice(b);
        cuda::addRows(dy.as<float>(), db.as<float>(), n, rows, nullptr);
        const auto got = download(dy, size_t(n * rows));
        QVERIFY(guardIntact<float>(dy, size_t(n * rows)));
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t i = 0; i < n; ++i)
                QCOMPARE(got[size_t(r * n + i)], y[size_t(r * n + i)] + b[size_t(i)]);
    }

    // cap * tanh(x / cap) as the CPU computes gemma's final soft-capping (tanhf may differ
    // from std::tanh in the last ulp).
    void softcap() {
        DW_REQUIRE_GPU();
        const int64_t n = 40000;
        auto x = uniform(n, -200.0f, 200.0f, 14);
        x[0] = 0.0f;
        x[1] = 1e30f;
        auto dx = poisonedOutput<float>(size_t(n));
        dx.upload(x.data(), x.size() * 4);
        cuda::softcap(dx.as<float>(), 30.0f, n, nullptr);
        const auto got = download(dx, size_t(n));
        QVERIFY(guardIntact<float>(dx, size_t(n)));
        for (int64_t i = 0; i < n; ++i) {
            const float ref = 30.0f * std::tanh(x[size_t(i)] / 30.0f);
            QVERIFY2(
                std::fabs(got[size_t(i)] - ref) <= 4e-6f * 30.0f,
                qPrintable(
                    QString("x = %1: %2 vs %3").arg(x[size_t(i)]).arg(got[size_t(i)]).arg(ref)));
        }
        QCOMPARE(got[0], 0.0f);
        QCOMPARE(got[1], 30.0f);
        QVERIFY_THROWS_EXCEPTION(dw::Error, cuda::softcap(dx.as<float>(), 0.0f, n, nullptr));
    }

    void argmax_data() {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<int>("pattern");
        // 0 random, 1 ties at several places, 2 all equal, 3 max at the end, 4 -inf and
        // NaN sprinkled, 5 all NaN, 6 all -inf
        QTest::newRow("n=1") << qint64(1) << 0;
        QTest::newRow("random n=262151") << qint64(262151) << 0;
        QTest::newRow("ties n=50000") << qint64(50000) << 1;
        QTest::newRow("all equal n=3000") << qint64(3000) << 2;
        QTest::newRow("max last n=1025") << qint64(1025) << 3;
        QTest::newRow("inf and NaN n=5000") << qint64(5000) << 4;
        QTest::newRow("all NaN n=100") << qint64(100) << 5;
        QTest::newRow("all -inf n=100") << qint64(100) << 6;
    }

    // Exact equality with the CPU loop, 3 rows at once.
    void argmax() {
        DW_REQUIRE_GPU();
        QFETCH(qint64, n);
        QFETCH(int, pattern);
        const int64_t rows = 3;
        auto x = uniform(n * rows, -10.0f, 10.0f, 10);
        for (int64_t r = 0; r < rows; ++r) {
            float* v = x.data() + r * n;
            switch (pattern) {
            case 1:
                for (int64_t i = 0; i < n; i += n / 7 + 1) v[i] = 50.0f;
                v[n - 1] = 50.0f;
                break;
            case 2:
                std::fill(v, v + n, 1.5f);
                break;
            case 3:
                v[n - 1] = 99.0f;
                break;
            case 4:
                for (int64_t i = 0; i < n; i += 3) v[i] = -INFINITY;
                for (int64_t i = 1; i < n; i += 5) v[i] = NAN;
                break;
            case 5:
                std::fill(v, v + n, NAN);
                break;
            case 6:
                std::fill(v, v + n, -INFINITY);
                break;
            default:
                break;
            }
        }
        auto dx = toDevice(x);
        auto dout = poisonedOutput<int32_t>(size_t(rows));
        cuda::argmax(dx.as<float>(), n, rows, dout.as<int32_t>(), nullptr);
        cuda::synchronize(nullptr);
        const auto got = fromDevice<int32_t>(dout, size_t(rows));
        QVERIFY(guardIntact<int32_t>(dout, size_t(rows)));
        for (int64_t r = 0; r < rows; ++r) QCOMPARE(got[size_t(r)], cpuArgmax(x.data() + r * n, n));
    }
};

QTEST_APPLESS_MAIN(TestCudaOps)
#include "tst_cuda_ops.moc"
