#pragma once
// The serving-metrics recorder. The engine thread records (a latency per generated token,
// token counts per step, gauges per scheduler iteration); any thread takes a snapshot() of
// plain values (deepwell/metrics.h). One mutex guards everything: a record is a few adds,
// and a snapshot copies two windows of at most MetricsOptions::latencyWindow doubles and
// computes their percentiles after the lock is released.
//
// Times are std::chrono::steady_clock; the token counters take the time of the event so
// that tests (and replays) can drive the clock.
#include "deepwell/metrics.h"
#include "telemetry/metric_parts.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace dw {

struct MetricsOptions {
    size_t latencyWindow = 4096;     // samples behind the P50/P95/P99, per histogram
    double rateWindowSeconds = 10.0; // span of the tokens/s windows
    int rateSlots = 40;              // slots per window (granularity = window / slots)
};

class ServingMetrics {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr size_t kMaxLatencyWindow = size_t(1) << 20;
    static constexpr double kMaxRateWindowSeconds = 3600.0;
    static constexpr int kMaxRateSlots = 3600;

    // Throws dw::Error(InvalidArgument) for latencyWindow outside [1, 2^20],
    // rateWindowSeconds outside (0, 3600] or rateSlots outside [1, 3600]. The rate windows
    // count time from `epoch`.
    explicit ServingMetrics(const MetricsOptions& options = {},
                            Clock::time_point epoch = Clock::now());
    ServingMetrics(const ServingMetrics&) = delete;
    ServingMetrics& operator=(const ServingMetrics&) = delete;

    // Latencies in seconds; a negative, NaN or infinite value is dw::Error(InvalidArgument)
    // and is not recorded.
    void recordTimeToFirstToken(double seconds);
    void recordInterTokenLatency(double seconds);

    // Tokens processed at time `at`: prompt tokens prefilled, tokens generated.
    void recordPromptTokens(uint64_t count, Clock::time_point at = Clock::now());
    void recordGeneratedTokens(uint64_t count, Clock::time_point at = Clock::now());

    void setQueueDepth(uint64_t requests);
    void setRunningSequences(uint64_t sequences);
    void setKvBlocks(uint64_t used, uint64_t free, uint64_t cached);

    // One prefix-cache lookup; tokensReused > 0 requires hit (else dw::Error).
    void recordPrefixLookup(bool hit, uint64_t tokensReused);

    // Throws dw::Error(InvalidArgument) for an outcome outside the enum.
    void recordRequestFinished(RequestOutcome outcome);

    MetricsSnapshot snapshot(Clock::time_point now = Clock::now()) const;

private:
    static void checkLatency(const char* field, double seconds);

    mutable std::mutex m_mutex; // guards every member below
    LatencyHistogram m_ttft;
    LatencyHistogram m_itl;
    RateWindow m_promptRate;
    RateWindow m_generatedRate;
    uint64_t m_promptTotal = 0;
    uint64_t m_generatedTotal = 0;
    uint64_t m_queueDepth = 0;
    uint64_t m_running = 0;
    uint64_t m_kvUsed = 0, m_kvFree = 0, m_kvCached = 0;
    uint64_t m_prefixLookups = 0, m_prefixHits = 0, m_prefixTokensReused = 0;
    std::array<uint64_t, kRequestOutcomeCount> m_finished{};
};

} // namespace dw
