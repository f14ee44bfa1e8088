// Telemetry of the real CPU engine on a synthetic model: the ledger adds up (categories sum
// to the tracked totals before, during and after a request), the estimate made before the
// engine was built matches what it recorded, KV blocks go back when the request ends, and
// the sampler carries the engine's figures and the fake GPU's side by side.
#include "deepwell/engine.h"
#include "deepwell/synth.h"
#include "deepwell/telemetry.h"

#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <mutex>

using namespace dw;

namespace {

void expectLedgerAddsUp(const LedgerSnapshot& l) {
    uint64_t all = 0;
    for (const LedgerDeviceUsage& d : l.devices) {
        uint64_t sum = 0;
        for (const auto& c : d.categories) sum += c.current;
        QCOMPARE(sum, d.totalBytes);
        all += d.totalBytes;
    }
    uint64_t byCategory = 0;
    for (int c = 0; c < kLedgerCategoryCount; ++c)
        byCategory += ledgerCategoryBytes(l, static_cast<LedgerCategory>(c));
    QCOMPARE(byCategory, all);
    QCOMPARE(ledgerTotalBytes(l), all);
}

const PoolStats* kvPool(const LedgerSnapshot& l) {
    for (const auto& p : l.pools)
        if (p.category == LedgerCategory::KvCache) return &p;
    return nullptr;
}

// Runs one greedy request to its end.
FinishEvent run(Engine& engine, int maxTokens) {
    RequestOptions r;
    r.tokens = {5, 9, 17, 33, 65, 129, 7, 11, 13, 19, 23, 29, 31, 37, 41, 43, 47, 53};
    r.generate.maxTokens = maxTokens;
    r.generate.ignoreEos = true;
    r.generate.sampling.temperature = 0.0f;
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<FinishEvent> done;
    RequestCallbacks cb;
    cb.onFinish = [&](const FinishEvent& e) {
        std::lock_guard<std::mutex> lock(mutex);
        done = e;
        cv.notify_all();
    };
    engine.submit(std::move(r), std::move(cb));
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(120), [&] { return done.has_value(); });
    return done.value_or(FinishEvent{FinishReason::Error, "timed out", {}, {}});
}

} // namespace

class TestTelemetryEngine : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<const Model> m_model;

    EngineOptions options() const {
        EngineOptions o;
        o.nThreads = 2;
        o.kvTokens = 1000; // not a multiple of the block size: 63 blocks of 16
        o.blockSize = 16;
        o.stepTokenBudget = 64;
        return o;
    }

private slots:
    void initTestCase() {
        const std::string path = (m_dir.path() + "/m.gguf").toStdString();
        synth::writeSynthModel(synth::synthPreset("tiny-qwen3"), path);
        m_model = Model::load(path);
    }

    void ledgerAddsUp() {
        const LedgerEstimate estimate = estimateEngineMemory(*m_model, options());
        QCOMPARE(estimate.bytes[size_t(LedgerCategory::KvCache)],
                 m_model->kvBytesPerToken() * 63 * 16);
        Engine engine(m_model, options());
        const LedgerSnapshot before = engine.memory();
        expectLedgerAddsUp(before);
        QCOMPARE(ledgerCategoryBytes(before, LedgerCategory::Weights), m_model->weightBytes());
        for (const EstimateRow& row : compareEstimate(estimate, before)) {
            QVERIFY2(row.differenceBytes == 0,
                     ledgerCategoryName(row.category)); // estimate beside actual
            QCOMPARE(row.actualBytes, row.estimatedBytes);
        }
        QVERIFY(estimate.total() > 0);
        QCOMPARE(ledgerTotalBytes(before), estimate.total());

        const FinishEvent f = run(engine, 12);
        QCOMPARE(f.reason, FinishReason::Length);
        QCOMPARE(f.timings.generatedTokens, int64_t(12));
        expectLedgerAddsUp(engine.memory());
        // The request's blocks are released (kept only as reusable prefix cache).
        QTRY_COMPARE_WITH_TIMEOUT(engine.stats().kvBlocksUsed, int64_t(0), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            kvPool(engine.memory()) && kvPool(engine.memory())->usage.used == 0, 10000);
        const LedgerSnapshot after = engine.memory();
        expectLedgerAddsUp(after);
        // Nothing leaked per request (the forward pass's buffers aside: they stay at the largest
        // batch seen, recorded as activations).
        QCOMPARE(ledgerTotalBytes(after) - ledgerCategoryBytes(after, LedgerCategory::Activations),
                 ledgerTotalBytes(before) - ledgerCategoryBytes(before, LedgerCategory::Activations));
        QVERIFY(ledgerCategoryBytes(after, LedgerCategory::Activations) > 0);
        const KvHeadroom h = kvHeadroom(engine.stats(), engine.options().blockSize);
        QCOMPARE(h.blocksTotal, int64_t(63));
        QCOMPARE(h.tokens, int64_t(63 * 16)); // everything free or evictable again
    }

    void samplerCarriesEngineAndGpu() {
        Engine engine(m_model, options());
        NvmlOptions nvml;
        nvml.libraryPath = FAKE_NVML_PATH;
        TelemetrySamplerOptions o;
        o.efficiencyGpu = 0; // the fake's GPU 1 reports no power
        TelemetrySampler sampler(o, std::make_unique<NvmlSource>(nvml), engineFeeds(engine));
        sampler.mark(TelemetryMarkKind::ModelLoad, m_model->name());
        const TelemetrySample first = sampler.sampleNow();
        QVERIFY2(first.gpuAvailable, first.gpuUnavailableReason.c_str());
        sampler.mark(TelemetryMarkKind::Prefill, "request 1");
        const FinishEvent f = run(engine, 16);
        QCOMPARE(f.reason, FinishReason::Length);
        QTRY_COMPARE_WITH_TIMEOUT(engine.metrics().generatedTokensTotal, uint64_t(16), 10000);
        const TelemetrySample s = sampler.sampleNow();

        QCOMPARE(s.gpus.size(), size_t(2));
        QCOMPARE(s.gpus[0].powerWatts, std::optional<double>(250.0)); // from the fake driver
        QVERIFY(s.serving && s.memory && s.headroom);
        QCOMPARE(s.serving->generatedTokensTotal, uint64_t(16));
        QCOMPARE(s.serving->ttftCount, uint64_t(1));
        QCOMPARE(ledgerCategoryBytes(*s.memory, LedgerCategory::Weights), m_model->weightBytes());
        QCOMPARE(ledgerTotalBytes(*s.memory), ledgerTotalBytes(engine.memory()));
        QCOMPARE(s.headroom->blockSize, int64_t(16));
        QVERIFY(s.tokensPerSecond && *s.tokensPerSecond > 0.0);
        QVERIFY(s.ttftMeanSeconds && *s.ttftMeanSeconds > 0.0);
        // 16 tokens at the fake's constant 250 W over the span between the samples.
        QVERIFY(s.tokensPerJoule);
        QCOMPARE(*s.tokensPerJoule, 16.0 / (250.0 * (s.seconds - first.seconds)));
        QCOMPARE(sampler.marks().size(), size_t(2));

        const std::string text = prometheusText(engine.metrics(), engine.memory(), s);
        QVERIFY(text.find("deepwell_gpu_power_watts{gpu=\"0\"} 250\n") != std::string::npos);
        QVERIFY(text.find("deepwell_generated_tokens_total 16\n") != std::string::npos);

        sampler.setFeeds({}); // before the engine goes
    }

    void samplingWhileGenerating() {
        // The sampler's own thread reads the engine while its thread generates; every sample's
        // ledger adds up and the token counter only grows.
        Engine engine(m_model, options());
        TelemetrySamplerOptions o;
        o.periodSeconds = 0.01;
        TelemetrySampler sampler(o, nullptr, engineFeeds(engine));
        sampler.start();
        const FinishEvent f = run(engine, 48);
        QCOMPARE(f.reason, FinishReason::Length);
        QTRY_VERIFY_WITH_TIMEOUT(sampler.samples().size() >= 2, 10000);
        sampler.stop();
        sampler.setFeeds({});
        uint64_t lastTokens = 0;
        for (const TelemetrySample& s : sampler.samples()) {
            QVERIFY(s.memory && s.serving && s.headroom);
            expectLedgerAddsUp(*s.memory);
            QVERIFY(s.serving->generatedTokensTotal >= lastTokens);
            lastTokens = s.serving->generatedTokensTotal;
            QVERIFY(s.headroom->tokens <= 63 * 16);
        }
    }
};

QTEST_GUILESS_MAIN(TestTelemetryEngine)
#include "tst_telemetry_engine.moc"
