#pragma once
// The two accumulators behind ServingMetrics. Neither locks: ServingMetrics guards them.
#include "deepwell/metrics.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dw {

// Upper bounds (seconds) of the Prometheus buckets: time to first token spans prefill of a
// short prompt on a GPU (~10 ms) to a long prompt on a CPU (a minute); inter-token latency
// spans a fast GPU decode (~1 ms) to a slow CPU one (seconds).
const std::vector<double>& timeToFirstTokenBuckets();
const std::vector<double>& interTokenLatencyBuckets();

// The p-th percentile (p in basis points: 5000 = P50, 9900 = P99) of `values` by the
// nearest-rank rule: the sample at rank ceil(p * n / 10000) in sorted order (rank 1 = the
// smallest). Integer rank arithmetic, so P95 of 100 samples is exactly the 95th. Reorders
// `values`; 0 when empty. p outside [1, 10000] is a broken invariant.
double nearestRankPercentile(std::vector<double>& values, int basisPoints);

// All-time cumulative buckets plus a ring of the last `window` samples (see LatencyStats).
class LatencyHistogram {
public:
    LatencyHistogram(const std::vector<double>& bounds, size_t window);

    // seconds must be finite and >= 0 (the caller checks).
    void add(double seconds);

    // Everything but the percentiles, plus a copy of the window, so the caller can compute
    // the percentiles after releasing its lock (fillPercentiles).
    LatencyStats statsWithoutPercentiles() const;
    std::vector<double> windowCopy() const { return m_window; }

private:
    std::vector<double> m_bounds;
    std::vector<uint64_t> m_perBucket; // non-cumulative; [bounds.size()] is the +Inf bucket
    uint64_t m_count = 0;
    double m_sum = 0.0;
    size_t m_windowSize;
    std::vector<double> m_window; // ring: grows to m_windowSize, then wraps at m_next
    size_t m_next = 0;
};

// Sets windowSamples, p50, p95, p99 and windowMax of `stats` from the window's samples.
void fillPercentiles(LatencyStats& stats, std::vector<double> window);

// Token counts in fixed time slots over a sliding window: `slots` slots of `slotWidth`.
// The rate at `now` counts the slots from (now's slot - slots + 1) to now's slot, and
// divides by the time from the start of the oldest of them (not before the epoch) to now,
// but at least one slot width, so the first milliseconds after start cannot spike.
class RateWindow {
public:
    using Clock = std::chrono::steady_clock;
    RateWindow(Clock::time_point epoch, std::chrono::nanoseconds slotWidth, int slots);

    // Adds count at time t (t before the epoch counts as the epoch). A t older than the
    // window (its slot already reused) is dropped.
    void add(uint64_t count, Clock::time_point t);

    struct Rate {
        double perSecond = 0.0;
        double spanSeconds = 0.0;
    };
    Rate rate(Clock::time_point now) const;

private:
    struct Slot {
        int64_t index = -1; // absolute slot number since the epoch; -1 = never used
        uint64_t count = 0;
    };
    int64_t slotIndex(Clock::time_point t) const;

    Clock::time_point m_epoch;
    std::chrono::nanoseconds m_slotWidth;
    std::vector<Slot> m_slots; // slot i holds absolute index i (mod size)
};

} // namespace dw
