#include "telemetry/metric_parts.h"

#include "deepwell/error.h"

#include <algorithm>

namespace dw {

const std::vector<double>& timeToFirstTokenBuckets() {
    static const std::vector<double> b = {0.01, 0.025, 0.05, 0.1,  0.25, 0.5, 1.0,
                                          2.5,  5.0,   10.0, 20.0, 40.0, 80.0};
    return b;
}

const std::vector<double>& interTokenLatencyBuckets() {
    static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03,
                                          0.05,  0.075,  0.1,   0.2,  0.5,   1.0,  2.5};
    return b;
}

double nearestRankPercentile(std::vector<double>& values, int basisPoints) {
    DW_ASSERT(basisPoints >= 1 && basisPoints <= 10000);
    if (values.empty()) return 0.0;
    const uint64_t n = values.size();
    const uint64_t rank = (static_cast<uint64_t>(basisPoints) * n + 9999) / 10000; // ceil
    const auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
}

LatencyHistogram::LatencyHistogram(const std::vector<double>& bounds, size_t window)
    : m_bounds(bounds), m_perBucket(bounds.size() + 1, 0), m_windowSize(window) {
    DW_ASSERT(window >= 1);
    DW_ASSERT(std::is_sorted(bounds.begin(), bounds.end()));
}

void LatencyHistogram::add(double seconds) {
    // First bucket whose upper bound is >= seconds (Prometheus buckets are "le").
    const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), seconds);
    ++m_perBucket[static_cast<size_t>(it - m_bounds.begin())];
    ++m_count;
    m_sum += seconds;
    if (m_window.size() < m_windowSize) {
        m_window.push_back(seconds);
    } else {
        m_window[m_next] = seconds;
    }
    m_next = (m_next + 1) % m_windowSize;
}

LatencyStats LatencyHistogram::statsWithoutPercentiles() const {
    LatencyStats s;
    s.count = m_count;
    s.sumSeconds = m_sum;
    s.bucketBounds = m_bounds;
    s.bucketCounts.resize(m_bounds.size());
    uint64_t running = 0;
    for (size_t i = 0; i < m_bounds.size(); ++i) {
        running += m_perBucket[i];
        s.bucketCounts[i] = running;
    }
    return s;
}

void fillPercentiles(LatencyStats& stats, std::vector<double> window) {
    stats.windowSamples = window.size();
    if (window.empty()) return;
    stats.windowMax = *std::max_element(window.begin(), window.end());
    stats.p50 = nearestRankPercentile(window, 5000);
    stats.p95 = nearestRankPercentile(window, 9500);
    stats.p99 = nearestRankPercentile(window, 9900);
}

RateWindow::RateWindow(Clock::time_point epoch, std::chrono::nanoseconds slotWidth, int slots)
    : m_epoch(epoch), m_slotWidth(slotWidth), m_slots(static_cast<size_t>(slots)) {
    DW_ASSERT(slots >= 1 && slotWidth.count() > 0);
}

int64_t RateWindow::slotIndex(Clock::time_point t) const {
    if (t <= m_epoch) return 0;
    return (t - m_epoch) / m_slotWidth;
}

void RateWindow::add(uint64_t count, Clock::time_point t) {
    const int64_t index = slotIndex(t);
    Slot& slot = m_slots[static_cast<size_t>(index) % m_slots.size()];
    if (slot.index > index) return; // older than the window: the slot holds newer time
    if (slot.index < index) slot = Slot{index, 0};
    slot.count += count;
}

RateWindow::Rate RateWindow::rate(Clock::time_point now) const {
    const int64_t nowIndex = slotIndex(now);
    const int64_t oldest =
        std::max<int64_t>(0, nowIndex - static_cast<int64_t>(m_slots.size()) + 1);
    uint64_t sum = 0;
    for (const Slot& s : m_slots)
        if (s.index >= oldest && s.index <= nowIndex) sum += s.count;
    const Clock::time_point start = m_epoch + oldest * m_slotWidth;
    const auto span = std::max<std::chrono::nanoseconds>(now - start, m_slotWidth);
    Rate r;
    r.spanSeconds = std::chrono::duration<double>(span).count();
    r.perSecond = static_cast<double>(sum) / r.spanSeconds;
    return r;
}

} // namespace dw
