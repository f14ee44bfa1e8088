// Figures derived from samples: serving figures, KV headroom, ledger sums, estimate beside
// actual, thresholds, and the names of the closed enums.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <cmath>
#include <cstdio>

namespace dw {

namespace {

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
    return buf;
}

constexpr const char* kMarkNames[kTelemetryMarkKindCount] = {"model_load", "model_unload",
                                                             "prefill", "decode", "other"};
constexpr const char* kCheckNames[kThresholdCheckCount] = {
    "gpu_utilization_low", "gpu_utilization_high", "p99_latency", "fragmentation"};

} // namespace

const char* telemetryMarkKindName(TelemetryMarkKind k) {
    const auto i = static_cast<size_t>(k);
    return i < size_t(kTelemetryMarkKindCount) ? kMarkNames[i] : "invalid";
}

bool telemetryMarkKindFromName(std::string_view name, TelemetryMarkKind& out) {
    for (int i = 0; i < kTelemetryMarkKindCount; ++i)
        if (name == kMarkNames[i]) {
            out = static_cast<TelemetryMarkKind>(i);
            return true;
        }
    return false;
}

const char* thresholdCheckName(ThresholdCheck c) {
    const auto i = static_cast<size_t>(c);
    return i < size_t(kThresholdCheckCount) ? kCheckNames[i] : "invalid";
}

ServingFigures servingFigures(const MetricsSnapshot& m) {
    ServingFigures f;
    f.generatedTokensTotal = m.generatedTokensTotal;
    f.promptTokensTotal = m.promptTokensTotal;
    f.generatedTokensPerSecond = m.generatedTokensPerSecond;
    f.promptTokensPerSecond = m.promptTokensPerSecond;
    f.ttftCount = m.timeToFirstToken.count;
    f.ttftSumSeconds = m.timeToFirstToken.sumSeconds;
    f.ttftWindowSamples = m.timeToFirstToken.windowSamples;
    f.ttftP50Seconds = m.timeToFirstToken.p50;
    f.ttftP99Seconds = m.timeToFirstToken.p99;
    f.itlWindowSamples = m.interTokenLatency.windowSamples;
    f.itlP50Seconds = m.interTokenLatency.p50;
    f.itlP99Seconds = m.interTokenLatency.p99;
    f.queuedRequests = m.queueDepth;
    f.runningSequences = m.runningSequences;
    f.kvBlocksUsed = m.kvBlocksUsed;
    f.kvBlocksFree = m.kvBlocksFree;
    f.kvBlocksCached = m.kvBlocksCached;
    return f;
}

KvHeadroom kvHeadroom(const EngineStats& stats, int64_t blockSize) {
    if (blockSize < 1)
        throw Error(ErrorCode::InvalidArgument,
                    "KV headroom: block size " + std::to_string(blockSize) + " is below 1");
    if (stats.kvBlocksTotal < 0 || stats.kvBlocksUsed < 0 || stats.kvBlocksFree < 0 ||
        stats.kvBlocksCached < 0 || stats.running < 0)
        throw Error(ErrorCode::InvalidArgument, "KV headroom: negative block counts (total " +
                                                    std::to_string(stats.kvBlocksTotal) +
                                                    ", used " + std::to_string(stats.kvBlocksUsed) +
                                                    ", free " + std::to_string(stats.kvBlocksFree) +
                                                    ", cached " +
                                                    std::to_string(stats.kvBlocksCached) + ")");
    KvHeadroom h;
    h.blockSize = blockSize;
    h.blocksTotal = stats.kvBlocksTotal;
    h.blocksUsed = stats.kvBlocksUsed;
    h.blocksFree = stats.kvBlocksFree;
    h.blocksCached = stats.kvBlocksCached;
    h.tokens = (stats.kvBlocksFree + stats.kvBlocksCached) * blockSize;
    if (stats.running > 0)
        h.blocksPerRunningSequence = double(stats.kvBlocksUsed) / double(stats.running);
    return h;
}

uint64_t ledgerCategoryBytes(const LedgerSnapshot& ledger, LedgerCategory category) {
    uint64_t n = 0;
    for (const auto& d : ledger.devices) n += d[category].current;
    return n;
}

uint64_t ledgerTotalBytes(const LedgerSnapshot& ledger) {
    uint64_t n = 0;
    for (const auto& d : ledger.devices) n += d.totalBytes;
    return n;
}

uint64_t LedgerEstimate::total() const {
    uint64_t n = 0;
    for (uint64_t b : bytes) n += b;
    return n;
}

std::vector<EstimateRow> compareEstimate(const LedgerEstimate& estimate,
                                         const LedgerSnapshot& actual) {
    std::vector<EstimateRow> rows;
    for (int c = 0; c < kLedgerCategoryCount; ++c) {
        EstimateRow r;
        r.category = static_cast<LedgerCategory>(c);
        r.estimatedBytes = estimate.bytes[size_t(c)];
        r.actualBytes = ledgerCategoryBytes(actual, r.category);
        r.differenceBytes = int64_t(r.actualBytes) - int64_t(r.estimatedBytes);
        rows.push_back(r);
    }
    return rows;
}

void Thresholds::validate() const {
    auto check = [](const char* field, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) // also rejects NaN
            throw Error(ErrorCode::InvalidArgument, std::string("thresholds: ") + field + " = " +
                                                        fixed(v, 3) + " is outside [" +
                                                        fixed(lo, 2) + ", " + fixed(hi, 2) + "]");
    };
    check("gpuUtilizationLowPercent", gpuUtilizationLowPercent, 0.0, 100.0);
    check("gpuUtilizationHighPercent", gpuUtilizationHighPercent, 0.0, 100.0);
    check("p99LatencyMs", p99LatencyMs, 0.0, 1e9);
    check("fragmentationMax", fragmentationMax, 0.0, 1.0);
    if (gpuUtilizationLowPercent > gpuUtilizationHighPercent)
        throw Error(
            ErrorCode::InvalidArgument,
            "thresholds: gpuUtilizationLowPercent = " + fixed(gpuUtilizationLowPercent, 1) +
                " is above gpuUtilizationHighPercent = " + fixed(gpuUtilizationHighPercent, 1));
}

std::vector<ThresholdWarning> evaluateThresholds(const TelemetrySample& s, const Thresholds& t) {
    std::vector<ThresholdWarning> out;
    const bool busy = s.serving && s.serving->runningSequences > 0;
    for (const GpuSample& g : s.gpus) {
        if (!g.utilizationPercent) continue;
        const double u = *g.utilizationPercent;
        const std::string subject = "gpu:" + std::to_string(g.index);
        if (u > t.gpuUtilizationHighPercent) {
            out.push_back(
                {ThresholdCheck::GpuUtilizationHigh, subject, u, t.gpuUtilizationHighPercent,
                 "GPU " + std::to_string(g.index) + " utilization " + fixed(u, 0) + "% is above " +
                     fixed(t.gpuUtilizationHighPercent, 0) + "%: requests will queue"});
            continue;
        }
        // Low use only matters while the engine works on this GPU: idle or CPU-only runs
        // would warn all the time.
        const LedgerDeviceUsage* onGpu =
            s.memory ? s.memory->device(MemoryDevice::gpu(g.index)) : nullptr;
        if (busy && onGpu && onGpu->totalBytes > 0 && u < t.gpuUtilizationLowPercent)
            out.push_back({ThresholdCheck::GpuUtilizationLow, subject, u,
                           t.gpuUtilizationLowPercent,
                           "GPU " + std::to_string(g.index) + " utilization " + fixed(u, 0) +
                               "% is below " + fixed(t.gpuUtilizationLowPercent, 0) +
                               "% while generating: the GPU waits for the host"});
    }
    if (s.serving && s.serving->ttftWindowSamples > 0) {
        const double ms = s.serving->ttftP99Seconds * 1000.0;
        if (ms > t.p99LatencyMs)
            out.push_back({ThresholdCheck::P99Latency, "time to first token", ms, t.p99LatencyMs,
                           "P99 time to first token " + fixed(ms, 0) + " ms is above " +
                               fixed(t.p99LatencyMs, 0) + " ms"});
    }
    if (s.memory) {
        for (const PoolStats& p : s.memory->pools) {
            if (p.fragmentation > t.fragmentationMax)
                out.push_back({ThresholdCheck::Fragmentation, p.name + " (" + p.device.name() + ")",
                               p.fragmentation, t.fragmentationMax,
                               "pool '" + p.name + "' on " + p.device.name() + " is " +
                                   fixed(100.0 * p.fragmentation, 1) + "% fragmented (limit " +
                                   fixed(100.0 * t.fragmentationMax, 1) + "%)"});
        }
    }
    return out;
}

} // namespace dw
