// Tokens per joule from the NVML power figures of the timeline.
//
// Power is known only at sample times, so the energy of a span is the integral of the
// piecewise-linear curve through the samples' power (trapezoids). A sample without a power
// figure breaks the curve into runs; a span must lie within one run, extended at either end
// by holding the end value for at most holdSeconds (a reply that ended after the last sample).
#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <cmath>

namespace dw {

namespace {

struct PowerPoint {
    double t = 0.0;
    double watts = 0.0;
};

std::optional<double> powerOf(const TelemetrySample& s, int gpuIndex) {
    if (gpuIndex >= 0) {
        for (const GpuSample& g : s.gpus)
            if (g.index == gpuIndex) return g.powerWatts;
        return std::nullopt;
    }
    if (s.gpus.empty()) return std::nullopt;
    double sum = 0.0;
    for (const GpuSample& g : s.gpus) {
        if (!g.powerWatts) return std::nullopt;
        sum += *g.powerWatts;
    }
    return sum;
}

// Runs of consecutive samples that all have a power figure.
std::vector<std::vector<PowerPoint>> powerRuns(const TelemetrySample* samples, size_t n,
                                               int gpuIndex) {
    std::vector<std::vector<PowerPoint>> runs(1);
    for (size_t i = 0; i < n; ++i) {
        const TelemetrySample& s = samples[i];
        const auto w = powerOf(s, gpuIndex);
        if (w && std::isfinite(*w)) {
            runs.back().push_back({s.seconds, *w});
        } else if (!runs.back().empty()) {
            runs.emplace_back();
        }
    }
    if (runs.back().empty()) runs.pop_back();
    return runs;
}

double interpolate(const PowerPoint& a, const PowerPoint& b, double t) {
    if (b.t <= a.t) return b.watts;
    return a.watts + (b.watts - a.watts) * (t - a.t) / (b.t - a.t);
}

// Integral over [from, to] of the run's curve, held constant beyond its ends.
double integrate(const std::vector<PowerPoint>& run, double from, double to) {
    double joules = 0.0;
    const PowerPoint& first = run.front();
    const PowerPoint& last = run.back();
    if (from < first.t) joules += first.watts * (std::min(to, first.t) - from);
    if (to > last.t) joules += last.watts * (to - std::max(from, last.t));
    for (size_t i = 0; i + 1 < run.size(); ++i) {
        const double lo = std::max(from, run[i].t);
        const double hi = std::min(to, run[i + 1].t);
        if (hi > lo)
            joules += 0.5 *
                      (interpolate(run[i], run[i + 1], lo) + interpolate(run[i], run[i + 1], hi)) *
                      (hi - lo);
    }
    return joules;
}

std::optional<double> energy(const TelemetrySample* samples, size_t n, double from, double to,
                             int gpuIndex, double holdSeconds) {
    if (!std::isfinite(from) || !std::isfinite(to) || from > to)
        throw Error(ErrorCode::InvalidArgument, "GPU energy: the span [" + std::to_string(from) +
                                                    ", " + std::to_string(to) +
                                                    "] is not an ordered pair of finite seconds");
    if (!(holdSeconds >= 0.0))
        throw Error(ErrorCode::InvalidArgument,
                    "GPU energy: holdSeconds = " + std::to_string(holdSeconds) + " is below 0");
    for (const auto& run : powerRuns(samples, n, gpuIndex)) {
        if (run.front().t - holdSeconds <= from && run.back().t + holdSeconds >= to)
            return integrate(run, from, to);
    }
    return std::nullopt;
}

} // namespace

std::optional<double> gpuEnergyJoules(const std::vector<TelemetrySample>& samples, double from,
                                      double to, int gpuIndex, double holdSeconds) {
    return energy(samples.data(), samples.size(), from, to, gpuIndex, holdSeconds);
}

std::optional<double> tokensPerJoule(const std::vector<TelemetrySample>& samples, double from,
                                     double to, uint64_t tokens, int gpuIndex) {
    const auto joules = gpuEnergyJoules(samples, from, to, gpuIndex);
    if (!joules || *joules <= 0.0) return std::nullopt;
    return double(tokens) / *joules;
}

std::optional<double> liveTokensPerJoule(const std::vector<TelemetrySample>& samples, size_t window,
                                         int gpuIndex) {
    if (window < 2 || samples.size() < 2) return std::nullopt;
    // Walk back from the newest sample while the counter is there and never goes back.
    const size_t end = samples.size() - 1;
    if (!samples[end].serving) return std::nullopt;
    size_t begin = end;
    while (begin > 0 && end - begin + 1 < window) {
        const TelemetrySample& prev = samples[begin - 1];
        if (!prev.serving ||
            prev.serving->generatedTokensTotal > samples[begin].serving->generatedTokensTotal)
            break;
        --begin;
    }
    if (begin == end) return std::nullopt;
    const uint64_t tokens =
        samples[end].serving->generatedTokensTotal - samples[begin].serving->generatedTokensTotal;
    const auto joules = energy(samples.data() + begin, end - begin + 1, samples[begin].seconds,
                               samples[end].seconds, gpuIndex, 0.0);
    if (!joules || *joules <= 0.0) return std::nullopt;
    return double(tokens) / *joules;
}

} // namespace dw
