// Derived figures: GPU energy by integrating sampled power (against integrals worked by hand),
// tokens per joule per reply and live, KV headroom, threshold warnings, ledger sums and the
// estimate set beside the ledger.
#include "core/memory_ledger.h"
#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <QtTest>

#include <cmath>

using namespace dw;

namespace {

// A sample at time t with one GPU per entry of `watts` (empty optional = no power figure).
TelemetrySample at(double t, std::vector<std::optional<double>> watts,
                   std::optional<uint64_t> generated = std::nullopt) {
    TelemetrySample s;
    s.seconds = t;
    s.gpuAvailable = !watts.empty();
    for (size_t i = 0; i < watts.size(); ++i) {
        GpuSample g;
        g.index = int(i);
        g.powerWatts = watts[i];
        s.gpus.push_back(g);
    }
    if (generated) {
        s.serving = ServingFigures{};
        s.serving->generatedTokensTotal = *generated;
    }
    return s;
}

// Power p(t) at t = 0, 1, ..., n-1 for one GPU.
template <typename Fn> std::vector<TelemetrySample> curve(int n, Fn p) {
    std::vector<TelemetrySample> v;
    for (int i = 0; i < n; ++i) v.push_back(at(i, {p(double(i))}));
    return v;
}

bool near(std::optional<double> got, double want) {
    return got && std::abs(*got - want) <= 1e-9 * std::max(1.0, std::abs(want));
}

} // namespace

class TestTelemetryAnalysis : public QObject {
    Q_OBJECT
private slots:
    void energy_data() {
        QTest::addColumn<int>("shape");
        QTest::addColumn<double>("from");
        QTest::addColumn<double>("to");
        QTest::addColumn<double>("joules");
        // shape 0: 200 W constant; 1: 100 + 10 t (linear, so trapezoids are exact);
        // 2: 100, 300, 100, 300, ... (a zig-zag)
        QTest::newRow("constant") << 0 << 2.0 << 7.0 << 1000.0;
        QTest::newRow("ramp") << 1 << 0.5 << 3.5 << 300.0 + 5.0 * (3.5 * 3.5 - 0.5 * 0.5);
        QTest::newRow("zig-zag whole") << 2 << 0.0 << 2.0 << 400.0;
        QTest::newRow("zig-zag off grid") << 2 << 0.5 << 1.5 << 250.0;
        QTest::newRow("inside one interval") << 2 << 0.25 << 0.75 << 100.0;
        QTest::newRow("empty span") << 0 << 3.0 << 3.0 << 0.0;
        QTest::newRow("held past the end") << 0 << 8.5 << 10.5 << 400.0; // samples end at 9
    }
    void energy() {
        QFETCH(int, shape);
        QFETCH(double, from);
        QFETCH(double, to);
        QFETCH(double, joules);
        const auto samples = curve(10, [&](double t) {
            if (shape == 0) return 200.0;
            if (shape == 1) return 100.0 + 10.0 * t;
            return int(t) % 2 ? 300.0 : 100.0;
        });
        const auto got = gpuEnergyJoules(samples, from, to);
        QVERIFY2(near(got, joules), got ? std::to_string(*got).c_str() : "unavailable");
    }

    void energyUnavailable() {
        auto samples = curve(5, [](double) { return 100.0; });
        QVERIFY(!gpuEnergyJoules(samples, 3.0, 7.5));             // 3.5 s past the last sample
        QVERIFY(gpuEnergyJoules(samples, 3.0, 7.5, -1, 4.0));     // unless held that long
        samples[2].gpus[0].powerWatts.reset();                    // a gap at t = 2
        QVERIFY(!gpuEnergyJoules(samples, 1.0, 3.0, -1, 0.5));    // more than the hold
        QVERIFY(near(gpuEnergyJoules(samples, 3.0, 4.0), 100.0)); // after the gap
        const std::vector<TelemetrySample> noGpu = {at(0, {}), at(1, {})};
        QVERIFY(!gpuEnergyJoules(noGpu, 0.0, 1.0));
        QVERIFY(!tokensPerJoule(noGpu, 0.0, 1.0, 100));   // unavailable, not 0
        QVERIFY(!tokensPerJoule(samples, 3.0, 3.0, 100)); // no energy in an empty span
        QVERIFY_THROWS_EXCEPTION(Error, gpuEnergyJoules(samples, 2.0, 1.0));
        QVERIFY_THROWS_EXCEPTION(Error, gpuEnergyJoules(samples, std::nan(""), 1.0));
    }

    void energyPerGpu() {
        const std::vector<TelemetrySample> s = {at(0, {100.0, 50.0}), at(1, {100.0, 50.0}),
                                                at(2, {100.0, std::nullopt})};
        QVERIFY(near(gpuEnergyJoules(s, 0.0, 1.0), 150.0));    // the sum of both
        QVERIFY(near(gpuEnergyJoules(s, 0.0, 1.0, 1), 50.0));  // GPU 1 alone
        QVERIFY(near(gpuEnergyJoules(s, 0.0, 2.0, 0), 200.0)); // GPU 0 reports throughout
        QVERIFY(!gpuEnergyJoules(s, 0.0, 2.0, -1, 0.0));       // GPU 1 does not at t = 2
        QVERIFY(!gpuEnergyJoules(s, 0.0, 1.0, 7));             // no such GPU
    }

    void perReply() {
        const auto samples = curve(10, [](double) { return 250.0; });
        // 300 tokens in 1.2 s at 250 W = 300 J.
        QVERIFY(near(tokensPerJoule(samples, 4.4, 5.6, 300), 1.0));
    }

    void live() {
        std::vector<TelemetrySample> s;
        for (int i = 0; i < 6; ++i) s.push_back(at(i, {200.0}, uint64_t(100 * i)));
        // Last 5 samples: 400 tokens over 4 s at 200 W.
        QVERIFY(near(liveTokensPerJoule(s, 5), 0.5));
        QVERIFY(near(liveTokensPerJoule(s, 100), 500.0 / 1000.0)); // all there is
        QVERIFY(!liveTokensPerJoule(s, 1));
        // A new engine: the counter restarts; only the samples after the restart count.
        s.push_back(at(6, {200.0}, 10));
        s.push_back(at(7, {200.0}, 60));
        QVERIFY(near(liveTokensPerJoule(s, 10), 50.0 / 200.0));
        s.push_back(at(8, {200.0}));
        QVERIFY(!liveTokensPerJoule(s, 10)); // no serving feed now
        s.back().serving = ServingFigures{};
        s.back().serving->generatedTokensTotal = 60;
        QVERIFY(near(liveTokensPerJoule(s, 10), 50.0 / 400.0));
        s.back().gpus[0].powerWatts.reset();
        QVERIFY(!liveTokensPerJoule(s, 10));
    }

    void headroom() {
        EngineStats st;
        st.kvBlocksTotal = 100;
        st.kvBlocksUsed = 30;
        st.kvBlocksFree = 60;
        st.kvBlocksCached = 10;
        st.running = 3;
        const KvHeadroom h = kvHeadroom(st, 16);
        QCOMPARE(h.tokens, int64_t((60 + 10) * 16));
        QCOMPARE(h.blocksPerRunningSequence, std::optional<double>(10.0));
        QCOMPARE(h.blocksTotal, int64_t(100));
        st.running = 0;
        QVERIFY(!kvHeadroom(st, 16).blocksPerRunningSequence);
        QVERIFY_THROWS_EXCEPTION(Error, kvHeadroom(st, 0));
        st.kvBlocksFree = -1;
        QVERIFY_THROWS_EXCEPTION(Error, kvHeadroom(st, 16));
    }

    void thresholds_data() {
        QTest::addColumn<double>("util");
        QTest::addColumn<int>("running");
        QTest::addColumn<bool>("gpuMemory");
        QTest::addColumn<QString>("expected"); // check name or ""
        QTest::newRow("saturated") << 90.0 << 0 << false << "gpu_utilization_high";
        QTest::newRow("underused while generating") << 50.0 << 1 << true << "gpu_utilization_low";
        QTest::newRow("idle") << 50.0 << 0 << true << "";
        QTest::newRow("CPU run") << 50.0 << 1 << false << "";
        QTest::newRow("in band") << 75.0 << 2 << true << "";
        QTest::newRow("at the top") << 85.0 << 2 << true << "";
        QTest::newRow("at the bottom") << 70.0 << 2 << true << "";
    }
    void thresholds() {
        QFETCH(double, util);
        QFETCH(int, running);
        QFETCH(bool, gpuMemory);
        QFETCH(QString, expected);
        MemoryLedger ledger;
        LedgerAllocation a(ledger, gpuMemory ? MemoryDevice::gpu(0) : MemoryDevice::host(),
                           LedgerCategory::Weights, 1000, "w");
        TelemetrySample s = at(0, {300.0});
        s.gpus[0].utilizationPercent = util;
        s.serving = ServingFigures{};
        s.serving->runningSequences = uint64_t(running);
        s.memory = ledger.snapshot();
        const auto w = evaluateThresholds(s, Thresholds{});
        if (expected.isEmpty()) {
            QCOMPARE(w.size(), size_t(0));
            return;
        }
        QCOMPARE(w.size(), size_t(1));
        QCOMPARE(QString(thresholdCheckName(w[0].check)), expected);
        QCOMPARE(w[0].subject, std::string("gpu:0"));
        QCOMPARE(w[0].value, util);
        QCOMPARE(w[0].limit, expected.endsWith("high") ? 85.0 : 70.0);
        QVERIFY2(w[0].text.find(std::to_string(int(util)) + "%") != std::string::npos,
                 w[0].text.c_str());
    }

    void latencyAndFragmentation() {
        MemoryLedger ledger;
        PoolRegistration good =
            ledger.registerPool("arena", MemoryDevice::host(), LedgerCategory::Scratch);
        good.update({1000, 0, 900}); // 10% fragmented
        PoolRegistration bad =
            ledger.registerPool("kv blocks", MemoryDevice::gpu(0), LedgerCategory::KvCache);
        bad.update({1000, 200, 600}); // 1 - 600/800 = 25%
        TelemetrySample s;
        s.memory = ledger.snapshot();
        s.serving = ServingFigures{};
        s.serving->ttftWindowSamples = 50;
        s.serving->ttftP99Seconds = 0.62;
        auto w = evaluateThresholds(s, Thresholds{});
        QCOMPARE(w.size(), size_t(2));
        QCOMPARE(w[0].check, ThresholdCheck::P99Latency);
        QCOMPARE(w[0].value, 620.0);
        QCOMPARE(w[0].limit, 500.0);
        QCOMPARE(w[1].check, ThresholdCheck::Fragmentation);
        QCOMPARE(w[1].subject, std::string("kv blocks (gpu:0)"));
        QCOMPARE(w[1].value, 0.25);
        QVERIFY2(w[1].text.find("25.0% fragmented (limit 15.0%)") != std::string::npos,
                 w[1].text.c_str());
        // Configurable: looser limits silence both; no window samples means no P99 figure.
        Thresholds loose;
        loose.p99LatencyMs = 700;
        loose.fragmentationMax = 0.3;
        QCOMPARE(evaluateThresholds(s, loose).size(), size_t(0));
        s.serving->ttftWindowSamples = 0;
        QCOMPARE(evaluateThresholds(s, Thresholds{}).size(), size_t(1));
    }

    void thresholdValidation() {
        Thresholds{}.validate();
        Thresholds t;
        t.gpuUtilizationLowPercent = 90;
        QVERIFY_THROWS_EXCEPTION(Error, t.validate());
        t = {};
        t.fragmentationMax = 1.5;
        QVERIFY_THROWS_EXCEPTION(Error, t.validate());
        t = {};
        t.p99LatencyMs = std::nan("");
        QVERIFY_THROWS_EXCEPTION(Error, t.validate());
        try {
            t = {};
            t.gpuUtilizationHighPercent = 120;
            t.validate();
            QFAIL("expected dw::Error");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find(
                         "gpuUtilizationHighPercent = 120.000 is outside [0.00, 100.00]") !=
                         std::string::npos,
                     e.what());
        }
    }

    void ledgerSumsAndEstimate() {
        MemoryLedger ledger;
        LedgerAllocation w1(ledger, MemoryDevice::host(), LedgerCategory::Weights, 700, "experts");
        LedgerAllocation w2(ledger, MemoryDevice::gpu(0), LedgerCategory::Weights, 500,
                            "attention");
        LedgerAllocation kv(ledger, MemoryDevice::gpu(0), LedgerCategory::KvCache, 300, "kv");
        const LedgerSnapshot snap = ledger.snapshot();
        QCOMPARE(ledgerCategoryBytes(snap, LedgerCategory::Weights), uint64_t(1200));
        QCOMPARE(ledgerCategoryBytes(snap, LedgerCategory::Vision), uint64_t(0));
        QCOMPARE(ledgerTotalBytes(snap), uint64_t(1500));

        LedgerEstimate e;
        e.bytes[size_t(LedgerCategory::Weights)] = 1000;
        e.bytes[size_t(LedgerCategory::KvCache)] = 300;
        e.bytes[size_t(LedgerCategory::Activations)] = 64;
        QCOMPARE(e.total(), uint64_t(1364));
        const auto rows = compareEstimate(e, snap);
        QCOMPARE(rows.size(), size_t(kLedgerCategoryCount));
        QCOMPARE(rows[0].category, LedgerCategory::Weights);
        QCOMPARE(rows[0].actualBytes, uint64_t(1200));
        QCOMPARE(rows[0].differenceBytes, int64_t(200));
        QCOMPARE(rows[1].differenceBytes, int64_t(0));
        QCOMPARE(rows[2].category, LedgerCategory::Activations);
        QCOMPARE(rows[2].differenceBytes, int64_t(-64)); // planned, never recorded
    }
};

QTEST_APPLESS_MAIN(TestTelemetryAnalysis)
#include "tst_telemetry_analysis.moc"
