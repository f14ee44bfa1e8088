// Serving metrics: percentiles against a sorted-array computation on seeded data, bucket
// counts against direct counting, sliding-window rates on a driven clock, counters, gauges,
// bad input, and a concurrent writer/reader run.
#include "deepwell/error.h"
#include "telemetry/metrics.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

using namespace dw;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// The reference: sort, then take rank ceil(p/100 * n) (1-based), computed in doubles.
double sortedPercentile(std::vector<double> v, int p) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()) / 100.0));
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

template <typename Fn> void expectInvalid(Fn fn, const char* needle) {
    try {
        fn();
        QFAIL("expected dw::Error");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void percentilesMatchSortedArray_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("window");
        QTest::addColumn<bool>("coarse"); // values rounded to 1 ms: many ties
        QTest::newRow("one sample") << 1 << 64 << false;
        QTest::newRow("two samples") << 2 << 64 << false;
        QTest::newRow("seven") << 7 << 64 << false;
        QTest::newRow("hundred") << 100 << 4096 << false;
        QTest::newRow("thousand ties") << 1000 << 4096 << true;
        QTest::newRow("exactly the window") << 257 << 257 << false;
        QTest::newRow("past the window") << 10000 << 1000 << false;
        QTest::newRow("past the window, ties") << 5003 << 999 << true;
    }
    void percentilesMatchSortedArray() {
        QFETCH(int, n);
        QFETCH(int, window);
        QFETCH(bool, coarse);
        ServingMetrics m(MetricsOptions{.latencyWindow = size_t(window)});
        std::mt19937 rng(static_cast<unsigned>(n * 31 + window));
        std::lognormal_distribution<double> dist(-3.0, 1.2);
        std::vector<double> all;
        double sum = 0.0;
        for (int i = 0; i < n; ++i) {
            double v = dist(rng);
            if (coarse) v = std::round(v * 1000.0) / 1000.0;
            all.push_back(v);
            sum += v;
            m.recordInterTokenLatency(v);
            m.recordTimeToFirstToken(v * 10.0);
        }
        const std::vector<double> recent(all.end() - std::min(n, window), all.end());
        const MetricsSnapshot s = m.snapshot();
        const LatencyStats& itl = s.interTokenLatency;
        QCOMPARE(itl.count, uint64_t(n));
        QCOMPARE(itl.windowSamples, uint64_t(recent.size()));
        QCOMPARE(itl.p50, sortedPercentile(recent, 50));
        QCOMPARE(itl.p95, sortedPercentile(recent, 95));
        QCOMPARE(itl.p99, sortedPercentile(recent, 99));
        QCOMPARE(itl.windowMax, *std::max_element(recent.begin(), recent.end()));
        QVERIFY(itl.p50 <= itl.p95 && itl.p95 <= itl.p99);
        QVERIFY(std::abs(itl.sumSeconds - sum) <= 1e-9 * sum);
        std::vector<double> recentTtft;
        for (double v : recent) recentTtft.push_back(v * 10.0);
        QCOMPARE(s.timeToFirstToken.p95, sortedPercentile(recentTtft, 95));
    }

    void percentileRanksAreExact() {
        // 100 samples 1..100: P50 = 50, P95 = 95, P99 = 99 by nearest rank (no interpolation).
        ServingMetrics m;
        for (int i = 100; i >= 1; --i) m.recordTimeToFirstToken(i);
        const auto s = m.snapshot().timeToFirstToken;
        QCOMPARE(s.p50, 50.0);
        QCOMPARE(s.p95, 95.0);
        QCOMPARE(s.p99, 99.0);
        const auto empty = ServingMetrics().snapshot().interTokenLatency;
        QCOMPARE(empty.windowSamples, uint64_t(0));
        QCOMPARE(empty.p99, 0.0);
    }

    void bucketsCountDirectly() {
        ServingMetrics m(MetricsOptions{.latencyWindow = 16});
        std::mt19937 rng(7);
        std::lognormal_distribution<double> dist(-4.5, 1.0);
        std::vector<double> values;
        for (int i = 0; i < 3000; ++i) values.push_back(dist(rng));
        const auto bounds = interTokenLatencyBuckets();
        for (double b : bounds) values.push_back(b); // on the bound: counted as <= bound
        values.push_back(0.0);
        values.push_back(100.0); // only in +Inf
        for (double v : values) m.recordInterTokenLatency(v);
        const LatencyStats s = m.snapshot().interTokenLatency;
        QCOMPARE(s.bucketBounds, bounds);
        QCOMPARE(s.bucketCounts.size(), bounds.size());
        for (size_t i = 0; i < bounds.size(); ++i) {
            const auto expected = std::count_if(values.begin(), values.end(),
                                                [&](double v) { return v <= bounds[i]; });
            QCOMPARE(s.bucketCounts[i], uint64_t(expected));
        }
        QCOMPARE(s.count, uint64_t(values.size()));
        QVERIFY(s.bucketCounts.back() < s.count);
        QCOMPARE(s.windowSamples, uint64_t(16));
    }

    void ratesOverASlidingWindow() {
        const Clock::time_point t0{};
        // 10 s window of 40 slots of 250 ms.
        ServingMetrics m(MetricsOptions{.rateWindowSeconds = 10.0, .rateSlots = 40}, t0);
        m.recordGeneratedTokens(100, t0 + milliseconds(1000));
        m.recordGeneratedTokens(200, t0 + milliseconds(5000));
        m.recordPromptTokens(4000, t0 + milliseconds(2100));

        auto s = m.snapshot(t0 + milliseconds(8000)); // window clipped at the epoch: 8 s
        QCOMPARE(s.rateWindowSeconds, 8.0);
        QCOMPARE(s.generatedTokensPerSecond, 300.0 / 8.0);
        QCOMPARE(s.promptTokensPerSecond, 4000.0 / 8.0);

        // At 12.1 s the oldest counted slot is #9 (starts 2.25 s): 1 s and 2.1 s are out.
        s = m.snapshot(t0 + milliseconds(12100));
        QCOMPARE(s.rateWindowSeconds, 9.85);
        QCOMPARE(s.generatedTokensPerSecond, 200.0 / 9.85);
        QCOMPARE(s.promptTokensPerSecond, 0.0);
        QCOMPARE(s.generatedTokensTotal, uint64_t(300));
        QCOMPARE(s.promptTokensTotal, uint64_t(4000));

        s = m.snapshot(t0 + std::chrono::seconds(100));
        QCOMPARE(s.generatedTokensPerSecond, 0.0);

        // An event whose slot already holds newer time (90 s and 100 s share slot 0) is
        // dropped from the rate, so it cannot wipe the newer count; it stays in the total.
        m.recordGeneratedTokens(50, t0 + milliseconds(100000));
        m.recordGeneratedTokens(999, t0 + milliseconds(90000));
        s = m.snapshot(t0 + milliseconds(100000));
        QCOMPARE(s.generatedTokensPerSecond, 50.0 / 9.75);
        QCOMPARE(s.generatedTokensTotal, uint64_t(300 + 50 + 999));
    }

    void firstMomentsUseOneSlotAtLeast() {
        const Clock::time_point t0{};
        ServingMetrics m(MetricsOptions{.rateWindowSeconds = 10.0, .rateSlots = 40}, t0);
        m.recordGeneratedTokens(5, t0 + milliseconds(1));
        const auto s = m.snapshot(t0 + milliseconds(2));
        QCOMPARE(s.rateWindowSeconds, 0.25);
        QCOMPARE(s.generatedTokensPerSecond, 20.0);
    }

    void gaugesCountersAndOutcomes() {
        ServingMetrics m;
        m.setQueueDepth(4);
        m.setRunningSequences(16);
        m.setKvBlocks(100, 50, 7);
        m.setQueueDepth(2); // gauges keep the last value
        m.recordPrefixLookup(true, 128);
        m.recordPrefixLookup(false, 0);
        m.recordPrefixLookup(false, 0);
        m.recordPrefixLookup(true, 16);
        m.recordRequestFinished(RequestOutcome::Stop);
        m.recordRequestFinished(RequestOutcome::Error);
        m.recordRequestFinished(RequestOutcome::Stop);
        const MetricsSnapshot s = m.snapshot();
        QCOMPARE(s.queueDepth, uint64_t(2));
        QCOMPARE(s.runningSequences, uint64_t(16));
        QCOMPARE(s.kvBlocksUsed, uint64_t(100));
        QCOMPARE(s.kvBlocksFree, uint64_t(50));
        QCOMPARE(s.kvBlocksCached, uint64_t(7));
        QCOMPARE(s.prefixLookups, uint64_t(4));
        QCOMPARE(s.prefixHits, uint64_t(2));
        QCOMPARE(s.prefixTokensReused, uint64_t(144));
        QCOMPARE(s.prefixHitRate(), 0.5);
        QCOMPARE(s.finished(RequestOutcome::Stop), uint64_t(2));
        QCOMPARE(s.finished(RequestOutcome::Length), uint64_t(0));
        QCOMPARE(s.finished(RequestOutcome::Cancelled), uint64_t(0));
        QCOMPARE(s.finished(RequestOutcome::Error), uint64_t(1));
        QCOMPARE(MetricsSnapshot().prefixHitRate(), 0.0);
        QCOMPARE(QString(requestOutcomeName(RequestOutcome::Cancelled)), "cancelled");
        QCOMPARE(QString(requestOutcomeName(static_cast<RequestOutcome>(4))), "invalid");
    }

    void badInputIsRejected() {
        ServingMetrics m;
        expectInvalid([&] { m.recordTimeToFirstToken(-0.5); }, "time to first token = -0.5");
        expectInvalid([&] { m.recordInterTokenLatency(std::nan("")); }, "inter-token latency");
        expectInvalid([&] { m.recordInterTokenLatency(HUGE_VAL); }, "finite");
        expectInvalid([&] { m.recordPrefixLookup(false, 3); }, "tokensReused = 3");
        expectInvalid([&] { m.recordRequestFinished(static_cast<RequestOutcome>(7)); },
                      "outcome = 7");
        const auto s = m.snapshot();
        QCOMPARE(s.timeToFirstToken.count, uint64_t(0));
        QCOMPARE(s.interTokenLatency.count, uint64_t(0));
        QCOMPARE(s.prefixLookups, uint64_t(0));
        expectInvalid([] { ServingMetrics bad(MetricsOptions{.latencyWindow = 0}); },
                      "latencyWindow = 0");
        expectInvalid([] { ServingMetrics bad(MetricsOptions{.rateWindowSeconds = -1.0}); },
                      "rateWindowSeconds");
        expectInvalid([] { ServingMetrics bad(MetricsOptions{.rateWindowSeconds = NAN}); },
                      "rateWindowSeconds");
        expectInvalid([] { ServingMetrics bad(MetricsOptions{.rateSlots = 0}); }, "rateSlots = 0");
    }

    // One engine thread records while two readers snapshot; the totals come out exact and
    // every snapshot is self-consistent (cumulative buckets never decrease, +Inf >= last).
    void concurrentRecordingAndSnapshots() {
        ServingMetrics m(MetricsOptions{.latencyWindow = 256});
        std::atomic<bool> done{false};
        std::atomic<int> inconsistent{0};
        auto reader = [&] {
            while (!done.load()) {
                const auto s = m.snapshot();
                const auto& c = s.interTokenLatency.bucketCounts;
                if (!std::is_sorted(c.begin(), c.end()) || c.back() > s.interTokenLatency.count ||
                    s.interTokenLatency.windowSamples > 256)
                    inconsistent.fetch_add(1);
            }
        };
        std::thread r1(reader), r2(reader);
        std::thread writer([&] {
            std::mt19937 rng(3);
            std::uniform_real_distribution<double> d(0.0, 0.2);
            for (int i = 0; i < 20000; ++i) {
                m.recordInterTokenLatency(d(rng));
                m.recordGeneratedTokens(1);
                if (i % 100 == 0) m.recordRequestFinished(RequestOutcome::Length);
            }
        });
        writer.join();
        done.store(true);
        r1.join();
        r2.join();
        QCOMPARE(inconsistent.load(), 0);
        const auto s = m.snapshot();
        QCOMPARE(s.interTokenLatency.count, uint64_t(20000));
        QCOMPARE(s.generatedTokensTotal, uint64_t(20000));
        QCOMPARE(s.finished(RequestOutcome::Length), uint64_t(200));
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
