#pragma once
// Test doubles for the sampler: a GPU source answering from settable values, a clock the test
// moves, and engine feeds from a real ServingMetrics recorder and MemoryLedger (no model).
#include "core/memory_ledger.h"
#include "deepwell/telemetry.h"
#include "telemetry/metrics.h"

#include <atomic>
#include <memory>

namespace dw::test {

class ScriptedGpu final : public GpuTelemetrySource {
public:
    struct Values {
        std::atomic<double> watts{200.0};
        std::atomic<double> utilization{80.0};
        std::atomic<int> calls{0};
    };
    explicit ScriptedGpu(std::shared_ptr<Values> v) : m_v(std::move(v)) {}
    bool available() const override { return true; }
    std::string whyUnavailable() const override { return {}; }
    int deviceCount() const override { return 1; }
    GpuSample sample(int index) override {
        ++m_v->calls;
        GpuSample g;
        g.index = index;
        g.name = "Scripted GPU";
        g.uuid = "GPU-scripted";
        g.powerWatts = m_v->watts.load();
        g.utilizationPercent = m_v->utilization.load();
        g.memoryUsedBytes = 3ull << 30;
        g.memoryTotalBytes = 8ull << 30;
        return g;
    }

private:
    std::shared_ptr<Values> m_v;
};

// Milliseconds since the steady clock's epoch, moved by the test.
struct FakeClock {
    std::shared_ptr<std::atomic<int64_t>> ms = std::make_shared<std::atomic<int64_t>>(0);
    std::chrono::steady_clock::time_point now() const {
        return std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(ms->load());
    }
    void advance(double seconds) { *ms += int64_t(seconds * 1000.0); }
    std::function<std::chrono::steady_clock::time_point()> fn() const {
        auto p = ms;
        return [p] {
            return std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(p->load());
        };
    }
};

// A model-free engine: the recorder and the ledger the real Engine owns, driven by the test.
struct FakeEngine {
    explicit FakeEngine(const FakeClock& c) : clock(c), metrics({}, c.now()) {}
    FakeClock clock;
    ServingMetrics metrics;
    MemoryLedger ledger;
    EngineStats stats;

    TelemetryFeeds feeds() {
        TelemetryFeeds f;
        f.metrics = [this] { return metrics.snapshot(clock.now()); };
        f.ledger = [this] { return ledger.snapshot(); };
        f.stats = [this] { return stats; };
        f.kvBlockSize = 16;
        return f;
    }
};

} // namespace dw::test
