#pragma once
// A populated pair of snapshots (serving metrics + memory ledger) from seeded data, shared by
// the exposition test and the program whose output promtool checks.
#include "core/memory_ledger.h"
#include "telemetry/metrics.h"

#include <random>

namespace dw::test {

struct SampleSnapshots {
    MetricsSnapshot metrics;
    LedgerSnapshot ledger;
};

inline SampleSnapshots populatedSnapshots() {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point t0{};
    ServingMetrics metrics({}, t0);
    std::mt19937 rng(42);
    std::lognormal_distribution<double> ttft(-1.5, 1.0), itl(-4.0, 0.5);
    for (int i = 0; i < 300; ++i) metrics.recordTimeToFirstToken(ttft(rng));
    for (int i = 0; i < 5000; ++i) metrics.recordInterTokenLatency(itl(rng));
    metrics.recordTimeToFirstToken(0.5); // exactly on a bucket bound
    for (int s = 0; s < 20; ++s) {
        metrics.recordPromptTokens(512, t0 + std::chrono::milliseconds(400 * s));
        metrics.recordGeneratedTokens(32, t0 + std::chrono::milliseconds(400 * s + 100));
    }
    metrics.setQueueDepth(3);
    metrics.setRunningSequences(8);
    metrics.setKvBlocks(120, 380, 12);
    metrics.recordPrefixLookup(true, 256);
    metrics.recordPrefixLookup(false, 0);
    metrics.recordPrefixLookup(true, 64);
    for (int i = 0; i < 7; ++i) metrics.recordRequestFinished(RequestOutcome::Stop);
    metrics.recordRequestFinished(RequestOutcome::Length);
    metrics.recordRequestFinished(RequestOutcome::Cancelled);
    metrics.recordRequestFinished(RequestOutcome::Cancelled);

    MemoryLedger ledger;
    LedgerAllocation weights(ledger, MemoryDevice::gpu(0), LedgerCategory::Weights, 1 << 30,
                             "weights");
    LedgerAllocation kv(ledger, MemoryDevice::gpu(0), LedgerCategory::KvCache, 256 << 20, "kv");
    LedgerAllocation host(ledger, MemoryDevice::host(), LedgerCategory::Weights, 300 << 20,
                          "experts");
    { LedgerAllocation tmp(ledger, MemoryDevice::host(), LedgerCategory::Scratch, 4096, "tmp"); }
    PoolRegistration p1 =
        ledger.registerPool("kv blocks", MemoryDevice::gpu(0), LedgerCategory::KvCache);
    p1.update(PoolUsage{256 << 20, 64 << 20, 100 << 20});
    PoolRegistration p2 = ledger.registerPool("odd \"name\" \\ with\nnewline", MemoryDevice::host(),
                                              LedgerCategory::Scratch);
    p2.update(PoolUsage{1000, 0, 1000});
    PoolRegistration p3 =
        ledger.registerPool("kv blocks", MemoryDevice::gpu(0), LedgerCategory::KvCache);
    p3.update(PoolUsage{10, 5, 1});
    return {metrics.snapshot(t0 + std::chrono::seconds(8)), ledger.snapshot()};
}

} // namespace dw::test
