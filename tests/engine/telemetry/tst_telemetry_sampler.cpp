// TelemetrySampler on a driven clock with a scripted GPU and model-free engine feeds: the ring
// stays bounded and ordered, figures flow from the feeds, interval rates and live tokens per
// joule are computed from them, marks are kept and dropped with the ring, warnings appear,
// an engine swap is handled, a missing driver still yields host figures, and the sampler's
// own thread samples until stopped.
#include "deepwell/error.h"
#include "engine/telemetry/scripted_telemetry.h"

#include <QtTest>

using namespace dw;
using namespace dw::test;

namespace {

TelemetrySamplerOptions optionsWith(const FakeClock& clock, size_t capacity = 600) {
    TelemetrySamplerOptions o;
    o.capacity = capacity;
    o.clock = clock.fn();
    return o;
}

} // namespace

class TestTelemetrySampler : public QObject {
    Q_OBJECT
private slots:
    void ringIsBounded() {
        FakeClock clock;
        TelemetrySampler sampler(optionsWith(clock, 5), nullptr);
        for (int i = 0; i < 8; ++i) {
            sampler.sampleNow();
            clock.advance(1.0);
        }
        const auto s = sampler.samples();
        QCOMPARE(s.size(), size_t(5));
        for (size_t i = 0; i < s.size(); ++i) QCOMPARE(s[i].seconds, 3.0 + double(i));
        QCOMPARE(sampler.latest()->seconds, 7.0);
        QCOMPARE(sampler.now(), 8.0);
        sampler.clear();
        QVERIFY(sampler.samples().empty() && !sampler.latest());
    }

    void figuresFlowFromTheFeeds() {
        FakeClock clock;
        FakeEngine engine(clock);
        auto gpu = std::make_shared<ScriptedGpu::Values>();
        LedgerAllocation weights(engine.ledger, MemoryDevice::gpu(0), LedgerCategory::Weights, 5000,
                                 "w");
        LedgerAllocation kv(engine.ledger, MemoryDevice::gpu(0), LedgerCategory::KvCache, 2000,
                            "kv");
        engine.stats.kvBlocksTotal = 10;
        engine.stats.kvBlocksFree = 7;
        engine.stats.kvBlocksUsed = 3;
        engine.stats.running = 1;
        TelemetrySampler sampler(optionsWith(clock), std::make_unique<ScriptedGpu>(gpu),
                                 engine.feeds());
        QVERIFY(sampler.gpuAvailable());

        const TelemetrySample a = sampler.sampleNow();
        QVERIFY(a.gpuAvailable);
        QCOMPARE(a.gpus.size(), size_t(1));
        QCOMPARE(a.gpus[0].powerWatts, std::optional<double>(200.0));
        QVERIFY(a.host.memoryTotalBytes); // the real /proc
        QVERIFY(a.serving && a.memory && a.headroom);
        QCOMPARE(ledgerCategoryBytes(*a.memory, LedgerCategory::Weights), uint64_t(5000));
        QCOMPARE(ledgerTotalBytes(*a.memory), uint64_t(7000));
        QVERIFY(a.memory->timeline.empty()); // events are not copied into the ring
        QCOMPARE(a.headroom->tokens, int64_t(7 * 16));
        QVERIFY(!a.tokensPerSecond && !a.ttftMeanSeconds && !a.tokensPerJoule); // first sample

        // Two seconds: 50 tokens, two first tokens after 0.2 s and 0.4 s.
        clock.advance(1.0);
        engine.metrics.recordGeneratedTokens(50, clock.now());
        engine.metrics.recordTimeToFirstToken(0.2);
        engine.metrics.recordTimeToFirstToken(0.4);
        clock.advance(1.0);
        const TelemetrySample b = sampler.sampleNow();
        QCOMPARE(b.serving->generatedTokensTotal, uint64_t(50));
        QCOMPARE(b.tokensPerSecond, std::optional<double>(25.0));
        QVERIFY(b.ttftMeanSeconds);
        QCOMPARE(*b.ttftMeanSeconds, 0.3);
        QCOMPARE(b.tokensPerJoule, std::optional<double>(50.0 / (200.0 * 2.0)));
        QCOMPARE(gpu->calls.load(), 2);

        // Nothing happened in the next second: 0 tokens/s is a figure, not a missing one.
        clock.advance(1.0);
        const TelemetrySample c = sampler.sampleNow();
        QCOMPARE(c.tokensPerSecond, std::optional<double>(0.0));
        QVERIFY(!c.ttftMeanSeconds);
    }

    void warningsAreRaised() {
        FakeClock clock;
        auto gpu = std::make_shared<ScriptedGpu::Values>();
        gpu->utilization = 97.0;
        TelemetrySamplerOptions o = optionsWith(clock);
        TelemetrySampler sampler(o, std::make_unique<ScriptedGpu>(gpu));
        auto s = sampler.sampleNow();
        QCOMPARE(s.warnings.size(), size_t(1));
        QCOMPARE(s.warnings[0].check, ThresholdCheck::GpuUtilizationHigh);
        o.thresholds.gpuUtilizationHighPercent = 99.0; // configurable
        TelemetrySampler relaxed(o, std::make_unique<ScriptedGpu>(gpu));
        QVERIFY(relaxed.sampleNow().warnings.empty());
    }

    void marks() {
        FakeClock clock;
        TelemetrySamplerOptions o = optionsWith(clock, 3);
        o.maxMarks = 3;
        TelemetrySampler sampler(o, nullptr);
        sampler.mark(TelemetryMarkKind::ModelLoad, "tiny-qwen3");
        clock.advance(0.5);
        sampler.sampleNow(); // after the mark: the mark stays while nothing has left the ring
        clock.advance(1.0);
        sampler.mark(TelemetryMarkKind::Prefill, "request 1");
        auto m = sampler.marks();
        QCOMPARE(m.size(), size_t(2));
        QCOMPARE(m[0].seconds, 0.0);
        QCOMPARE(m[0].kind, TelemetryMarkKind::ModelLoad);
        QCOMPARE(m[1].seconds, 1.5);
        QCOMPARE(m[1].label, std::string("request 1"));
        for (int i = 0; i < 3; ++i)
            sampler.mark(TelemetryMarkKind::Decode, std::string("d").append(std::to_string(i)));
        m = sampler.marks();
        QCOMPARE(m.size(), size_t(3)); // maxMarks: the oldest went first
        QCOMPARE(m.front().label, std::string("d0"));
        // Marks older than the oldest sample in the ring go with it.
        for (int i = 0; i < 3; ++i) {
            clock.advance(1.0);
            sampler.sampleNow();
        }
        QVERIFY(sampler.samples().front().seconds > 1.5);
        QVERIFY(sampler.marks().empty());
        QVERIFY_THROWS_EXCEPTION(Error, sampler.mark(static_cast<TelemetryMarkKind>(9), "bad"));
    }

    void engineSwap() {
        FakeClock clock;
        auto first = std::make_unique<FakeEngine>(clock);
        first->metrics.recordGeneratedTokens(500, clock.now());
        TelemetrySampler sampler(optionsWith(clock), nullptr, first->feeds());
        sampler.sampleNow();
        clock.advance(1.0);
        sampler.setFeeds({}); // the engine is about to go
        first.reset();
        const TelemetrySample none = sampler.sampleNow();
        QVERIFY(!none.serving && !none.memory && !none.headroom && !none.tokensPerSecond);
        FakeEngine second(clock);
        second.metrics.recordGeneratedTokens(20, clock.now());
        sampler.setFeeds(second.feeds());
        clock.advance(1.0);
        QVERIFY(!sampler.sampleNow().tokensPerSecond); // no interval across engines
        clock.advance(1.0);
        second.metrics.recordGeneratedTokens(30, clock.now());
        QCOMPARE(sampler.sampleNow().tokensPerSecond, std::optional<double>(30.0));
    }

    void noDriverStillShowsTheHost() {
        NvmlOptions nvml;
        nvml.libraryPath = "/nonexistent/libnvidia-ml.so.1";
        TelemetrySampler sampler(TelemetrySamplerOptions{}, std::make_unique<NvmlSource>(nvml));
        QVERIFY(!sampler.gpuAvailable());
        QCOMPARE(sampler.gpuUnavailableReason(),
                 std::string("no NVIDIA driver: /nonexistent/libnvidia-ml.so.1 not found"));
        const TelemetrySample s = sampler.sampleNow();
        QVERIFY(!s.gpuAvailable);
        QCOMPARE(s.gpuUnavailableReason, sampler.gpuUnavailableReason());
        QVERIFY(s.gpus.empty());
        QVERIFY(s.host.memoryTotalBytes && s.host.processResidentBytes && s.host.cpuCount > 0);
        TelemetrySampler noSource(TelemetrySamplerOptions{}, nullptr);
        QCOMPARE(noSource.gpuUnavailableReason(), std::string("no GPU telemetry source"));
    }

    void ownThread() {
        TelemetrySamplerOptions o;
        o.periodSeconds = 0.01;
        auto gpu = std::make_shared<ScriptedGpu::Values>();
        TelemetrySampler sampler(o, std::make_unique<ScriptedGpu>(gpu));
        QVERIFY(!sampler.running());
        sampler.start();
        sampler.start(); // idempotent
        QVERIFY(sampler.running());
        QTRY_VERIFY_WITH_TIMEOUT(sampler.samples().size() >= 3, 10000);
        sampler.stop();
        QVERIFY(!sampler.running());
        const size_t n = sampler.samples().size();
        const int calls = gpu->calls.load();
        QCOMPARE(size_t(calls), n);
        QTest::qWait(50);
        QCOMPARE(sampler.samples().size(), n); // nothing after stop()
        const auto s = sampler.samples();
        for (size_t i = 1; i < s.size(); ++i) QVERIFY(s[i].seconds > s[i - 1].seconds);
        sampler.start(); // restartable
        QTRY_VERIFY_WITH_TIMEOUT(sampler.samples().size() > n, 10000);
    } // the destructor stops the thread

    void badOptions_data() {
        QTest::addColumn<int>("which");
        QTest::newRow("capacity 1") << 0;
        QTest::newRow("period 0") << 1;
        QTest::newRow("efficiency window 1") << 2;
        QTest::newRow("no marks") << 3;
        QTest::newRow("thresholds") << 4;
    }
    void badOptions() {
        QFETCH(int, which);
        TelemetrySamplerOptions o;
        if (which == 0) o.capacity = 1;
        if (which == 1) o.periodSeconds = 0.0;
        if (which == 2) o.efficiencyWindow = 1;
        if (which == 3) o.maxMarks = 0;
        if (which == 4) o.thresholds.fragmentationMax = -0.1;
        QVERIFY_THROWS_EXCEPTION(Error, TelemetrySampler(o, nullptr));
    }
};

QTEST_GUILESS_MAIN(TestTelemetrySampler)
#include "tst_telemetry_sampler.moc"
