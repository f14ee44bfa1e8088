#pragma once
// Serving metrics as their readers see them (monitor panel, `deepwell-cli bench`, /metrics):
// plain values copied out of the recorder (engine/telemetry/metrics.h) under its lock.
// prometheusText() renders them, with the memory ledger, as Prometheus text format 0.0.4.
#include "deepwell/memory_ledger.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dw {

// How a request ended, for the per-outcome counters. Closed set; the names ("stop",
// "length", "cancelled", "error") are Prometheus label values. dw::FinishReason
// (generate.h) maps onto the first three; Error is a request that failed.
enum class RequestOutcome : uint8_t { Stop, Length, Cancelled, Error };
inline constexpr int kRequestOutcomeCount = 4;
const char* requestOutcomeName(RequestOutcome o); // "invalid" out of range

// One latency distribution, in seconds.
//
// Two views of the same samples:
//   - all-time cumulative buckets with fixed upper bounds (the Prometheus histogram: rates
//     and histogram_quantile() over any range are computed by Prometheus);
//   - exact percentiles of the most recent `windowSamples` samples (a ring of the last N,
//     N = MetricsOptions::latencyWindow), by the nearest-rank rule: the p-th percentile is
//     the smallest sample x such that at least p% of the window is <= x. No interpolation,
//     so each percentile is one of the samples.
struct LatencyStats {
    uint64_t count = 0;                     // samples ever recorded
    double sumSeconds = 0.0;                // their sum
    std::vector<double> bucketBounds;       // upper bounds in seconds, ascending (+Inf implied)
    std::vector<uint64_t> bucketCounts;     // cumulative: samples <= bucketBounds[i]
    uint64_t windowSamples = 0;             // samples behind the percentiles (<= window size)
    double p50 = 0.0, p95 = 0.0, p99 = 0.0; // seconds; 0 while windowSamples == 0
    double windowMax = 0.0;
};

struct MetricsSnapshot {
    std::chrono::steady_clock::time_point takenAt;

    LatencyStats timeToFirstToken;  // request arrival -> first generated token
    LatencyStats interTokenLatency; // between consecutive generated tokens of one sequence

    // Throughput over the sliding window ending at takenAt (see MetricsOptions).
    double promptTokensPerSecond = 0.0;
    double generatedTokensPerSecond = 0.0;
    double rateWindowSeconds = 0.0; // the span the two rates above were measured over
    uint64_t promptTokensTotal = 0;
    uint64_t generatedTokensTotal = 0;

    // Scheduler gauges, as last set.
    uint64_t queueDepth = 0;       // requests waiting for admission
    uint64_t runningSequences = 0; // sequences in the running batch
    uint64_t kvBlocksUsed = 0;     // blocks referenced by live sequences
    uint64_t kvBlocksFree = 0;     // blocks on the free list
    uint64_t kvBlocksCached = 0;   // unreferenced blocks kept for prefix reuse

    // Prefix cache: one lookup per admitted request.
    uint64_t prefixLookups = 0;
    uint64_t prefixHits = 0;         // lookups that reused at least one block
    uint64_t prefixTokensReused = 0; // prompt tokens not recomputed thanks to a hit
    double prefixHitRate() const {
        return prefixLookups ? static_cast<double>(prefixHits) / static_cast<double>(prefixLookups)
                             : 0.0;
    }

    std::array<uint64_t, kRequestOutcomeCount> requestsFinished{}; // indexed by RequestOutcome
    uint64_t finished(RequestOutcome o) const { return requestsFinished[static_cast<size_t>(o)]; }
};

// Prometheus text exposition format 0.0.4 of both snapshots: a HELP and a TYPE line for
// every family, `deepwell_` names with their unit (seconds, bytes, tokens), label values
// escaped (\\, \", \n), histograms as _bucket{le=...}/_sum/_count. Ends with a newline.
std::string prometheusText(const MetricsSnapshot& metrics, const LedgerSnapshot& ledger);

} // namespace dw
