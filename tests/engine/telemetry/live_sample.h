#pragma once
// A live TelemetrySample with every kind of figure: GPUs from an NVML library (the fake, in
// tests), the real host, and the populated serving/ledger snapshots as engine feeds. Shared
// by the exposition test and the program whose output promtool checks.
#include "deepwell/telemetry.h"
#include "engine/telemetry/sample_snapshots.h"

#include <string>

namespace dw::test {

inline TelemetrySample liveSample(const std::string& nvmlLibrary, const SampleSnapshots& s) {
    NvmlOptions nvml;
    nvml.libraryPath = nvmlLibrary;
    EngineStats stats;
    stats.kvBlocksTotal = 512;
    stats.kvBlocksUsed = 120;
    stats.kvBlocksFree = 380;
    stats.kvBlocksCached = 12;
    stats.running = 8;
    TelemetryFeeds feeds;
    feeds.metrics = [s] { return s.metrics; };
    feeds.ledger = [s] { return s.ledger; };
    feeds.stats = [stats] { return stats; };
    feeds.kvBlockSize = 16;
    TelemetrySampler sampler(TelemetrySamplerOptions{}, std::make_unique<NvmlSource>(nvml), feeds);
    sampler.sampleNow();
    return sampler.sampleNow(); // the second has interval figures
}

} // namespace dw::test
