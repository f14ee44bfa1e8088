#include "telemetry/metrics.h"

#include "deepwell/error.h"

#include <cmath>
#include <string>

namespace dw {

namespace {

const MetricsOptions& validated(const MetricsOptions& o) {
    if (o.latencyWindow < 1 || o.latencyWindow > ServingMetrics::kMaxLatencyWindow)
        throw Error(ErrorCode::InvalidArgument,
                    "metrics: latencyWindow = " + std::to_string(o.latencyWindow) +
                        " is outside [1, " + std::to_string(ServingMetrics::kMaxLatencyWindow) +
                        "]");
    if (!(o.rateWindowSeconds > 0.0 &&
          o.rateWindowSeconds <= ServingMetrics::kMaxRateWindowSeconds))
        throw Error(ErrorCode::InvalidArgument,
                    "metrics: rateWindowSeconds = " + std::to_string(o.rateWindowSeconds) +
                        " is outside (0, 3600]");
    if (o.rateSlots < 1 || o.rateSlots > ServingMetrics::kMaxRateSlots)
        throw Error(ErrorCode::InvalidArgument,
                    "metrics: rateSlots = " + std::to_string(o.rateSlots) + " is outside [1, " +
                        std::to_string(ServingMetrics::kMaxRateSlots) + "]");
    return o;
}

std::chrono::nanoseconds slotWidth(const MetricsOptions& o) {
    const double ns = o.rateWindowSeconds * 1e9 / o.rateSlots;
    return std::chrono::nanoseconds(std::max<int64_t>(1, static_cast<int64_t>(std::llround(ns))));
}

} // namespace

const char* requestOutcomeName(RequestOutcome o) {
    switch (o) {
    case RequestOutcome::Stop:
        return "stop";
    case RequestOutcome::Length:
        return "length";
    case RequestOutcome::Cancelled:
        return "cancelled";
    case RequestOutcome::Error:
        return "error";
    }
    return "invalid";
}

ServingMetrics::ServingMetrics(const MetricsOptions& options, Clock::time_point epoch)
    : m_ttft(timeToFirstTokenBuckets(), validated(options).latencyWindow),
      m_itl(interTokenLatencyBuckets(), options.latencyWindow),
      m_promptRate(epoch, slotWidth(options), options.rateSlots),
      m_generatedRate(epoch, slotWidth(options), options.rateSlots) {}

void ServingMetrics::checkLatency(const char* field, double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0)
        throw Error(ErrorCode::InvalidArgument, std::string("metrics: ") + field + " = " +
                                                    std::to_string(seconds) +
                                                    " s; a latency must be finite and >= 0");
}

void ServingMetrics::recordTimeToFirstToken(double seconds) {
    checkLatency("time to first token", seconds);
    std::lock_guard lock(m_mutex);
    m_ttft.add(seconds);
}

void ServingMetrics::recordInterTokenLatency(double seconds) {
    checkLatency("inter-token latency", seconds);
    std::lock_guard lock(m_mutex);
    m_itl.add(seconds);
}

void ServingMetrics::recordPromptTokens(uint64_t count, Clock::time_point at) {
    std::lock_guard lock(m_mutex);
    m_promptTotal += count;
    m_promptRate.add(count, at);
}

void ServingMetrics::recordGeneratedTokens(uint64_t count, Clock::time_point at) {
    std::lock_guard lock(m_mutex);
    m_generatedTotal += count;
    m_generatedRate.add(count, at);
}

void ServingMetrics::setQueueDepth(uint64_t requests) {
    std::lock_guard lock(m_mutex);
    m_queueDepth = requests;
}

void ServingMetrics::setRunningSequences(uint64_t sequences) {
    std::lock_guard lock(m_mutex);
    m_running = sequences;
}

void ServingMetrics::setKvBlocks(uint64_t used, uint64_t free, uint64_t cached) {
    std::lock_guard lock(m_mutex);
    m_kvUsed = used;
    m_kvFree = free;
    m_kvCached = cached;
}

void ServingMetrics::recordPrefixLookup(bool hit, uint64_t tokensReused) {
    if (!hit && tokensReused > 0)
        throw Error(ErrorCode::InvalidArgument, "metrics: prefix lookup reports tokensReused = " +
                                                    std::to_string(tokensReused) +
                                                    " for a miss; a miss reuses 0 tokens");
    std::lock_guard lock(m_mutex);
    ++m_prefixLookups;
    if (hit) ++m_prefixHits;
    m_prefixTokensReused += tokensReused;
}

void ServingMetrics::recordRequestFinished(RequestOutcome outcome) {
    const auto i = static_cast<size_t>(outcome);
    if (i >= m_finished.size())
        throw Error(ErrorCode::InvalidArgument, "metrics: request outcome = " + std::to_string(i) +
                                                    " is outside [0, " +
                                                    std::to_string(kRequestOutcomeCount - 1) + "]");
    std::lock_guard lock(m_mutex);
    ++m_finished[i];
}

MetricsSnapshot ServingMetrics::snapshot(Clock::time_point now) const {
    MetricsSnapshot s;
    std::vector<double> ttftWindow, itlWindow;
    {
        std::lock_guard lock(m_mutex);
        s.takenAt = now;
        s.timeToFirstToken = m_ttft.statsWithoutPercentiles();
        s.interTokenLatency = m_itl.statsWithoutPercentiles();
        ttftWindow = m_ttft.windowCopy();
        itlWindow = m_itl.windowCopy();
        const RateWindow::Rate prompt = m_promptRate.rate(now);
        const RateWindow::Rate generated = m_generatedRate.rate(now);
        s.promptTokensPerSecond = prompt.perSecond;
        s.generatedTokensPerSecond = generated.perSecond;
        s.rateWindowSeconds = generated.spanSeconds; // both windows share epoch and slots
        s.promptTokensTotal = m_promptTotal;
        s.generatedTokensTotal = m_generatedTotal;
        s.queueDepth = m_queueDepth;
        s.runningSequences = m_running;
        s.kvBlocksUsed = m_kvUsed;
        s.kvBlocksFree = m_kvFree;
        s.kvBlocksCached = m_kvCached;
        s.prefixLookups = m_prefixLookups;
        s.prefixHits = m_prefixHits;
        s.prefixTokensReused = m_prefixTokensReused;
        s.requestsFinished = m_finished;
    }
    fillPercentiles(s.timeToFirstToken, std::move(ttftWindow));
    fillPercentiles(s.interTokenLatency, std::move(itlWindow));
    return s;
}

} // namespace dw
