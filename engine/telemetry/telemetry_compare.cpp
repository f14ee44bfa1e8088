// Side-by-side comparison of two saved timelines: the same summary figures computed for each.
#include "deepwell/telemetry.h"

#include <algorithm>

namespace dw {

namespace {

struct Figure {
    std::string name;
    std::string unit;
    std::optional<double> value;
};

// Running mean / maximum over the samples that have the figure.
struct Stat {
    double sum = 0.0, max = 0.0;
    size_t n = 0;
    void add(double v) {
        sum += v;
        max = n ? std::max(max, v) : v;
        ++n;
    }
    std::optional<double> mean() const {
        return n ? std::optional<double>(sum / double(n)) : std::nullopt;
    }
    std::optional<double> peak() const { return n ? std::optional<double>(max) : std::nullopt; }
};

std::vector<Figure> summarize(const TelemetrySnapshot& snap) {
    const auto& ss = snap.samples;
    std::vector<Figure> f;
    f.push_back({"samples", "count", double(ss.size())});
    f.push_back({"duration", "s",
                 ss.empty() ? std::nullopt
                            : std::optional<double>(ss.back().seconds - ss.front().seconds)});

    Stat memory[kLedgerCategoryCount], memoryTotal, tokensPerSecond, ttftP99, gpuUtil, gpuMemory,
        gpuPower, hostCpu, rss;
    uint64_t generated = 0, ttftCount = 0;
    double ttftSum = 0.0;
    bool haveServing = false;
    size_t warnings = 0;
    for (size_t i = 0; i < ss.size(); ++i) {
        const TelemetrySample& s = ss[i];
        if (s.memory) {
            for (int c = 0; c < kLedgerCategoryCount; ++c)
                memory[c].add(
                    double(ledgerCategoryBytes(*s.memory, static_cast<LedgerCategory>(c))));
            memoryTotal.add(double(ledgerTotalBytes(*s.memory)));
        }
        if (s.tokensPerSecond) tokensPerSecond.add(*s.tokensPerSecond);
        if (s.serving) {
            haveServing = true;
            if (s.serving->ttftWindowSamples) ttftP99.add(s.serving->ttftP99Seconds);
            // Sum the increases between neighbours, so an engine change does not subtract.
            const TelemetrySample* prev = i ? &ss[i - 1] : nullptr;
            if (prev && prev->serving &&
                s.serving->generatedTokensTotal >= prev->serving->generatedTokensTotal &&
                s.serving->ttftCount >= prev->serving->ttftCount) {
                generated += s.serving->generatedTokensTotal - prev->serving->generatedTokensTotal;
                ttftCount += s.serving->ttftCount - prev->serving->ttftCount;
                ttftSum += s.serving->ttftSumSeconds - prev->serving->ttftSumSeconds;
            }
        }
        Stat util;
        uint64_t used = 0;
        bool usedKnown = !s.gpus.empty();
        double watts = 0.0;
        bool powerKnown = !s.gpus.empty();
        for (const GpuSample& g : s.gpus) {
            if (g.utilizationPercent) util.add(*g.utilizationPercent);
            if (g.memoryUsedBytes)
                used += *g.memoryUsedBytes;
            else
                usedKnown = false;
            if (g.powerWatts)
                watts += *g.powerWatts;
            else
                powerKnown = false;
        }
        if (util.n) gpuUtil.add(*util.mean());
        if (usedKnown) gpuMemory.add(double(used));
        if (powerKnown) gpuPower.add(watts);
        if (s.host.cpuUtilizationPercent) hostCpu.add(*s.host.cpuUtilizationPercent);
        if (s.host.processResidentBytes) rss.add(double(*s.host.processResidentBytes));
        warnings += s.warnings.size();
    }
    for (int c = 0; c < kLedgerCategoryCount; ++c)
        f.push_back(
            {std::string("peak memory: ") + ledgerCategoryName(static_cast<LedgerCategory>(c)),
             "bytes", memory[c].peak()});
    f.push_back({"peak memory: total", "bytes", memoryTotal.peak()});
    f.push_back({"generated tokens", "tokens",
                 haveServing ? std::optional<double>(double(generated)) : std::nullopt});
    f.push_back({"mean tokens/s", "tokens/s", tokensPerSecond.mean()});
    f.push_back({"peak tokens/s", "tokens/s", tokensPerSecond.peak()});
    f.push_back({"mean time to first token", "s",
                 ttftCount ? std::optional<double>(ttftSum / double(ttftCount)) : std::nullopt});
    f.push_back({"worst P99 time to first token", "s", ttftP99.peak()});
    f.push_back({"mean GPU utilization", "%", gpuUtil.mean()});
    f.push_back({"peak GPU memory used", "bytes", gpuMemory.peak()});
    f.push_back({"mean GPU power", "W", gpuPower.mean()});
    std::optional<double> joules;
    if (ss.size() >= 2)
        joules = gpuEnergyJoules(ss, ss.front().seconds, ss.back().seconds, -1, 0.0);
    f.push_back({"GPU energy", "J", joules});
    f.push_back({"tokens per joule", "tokens/J",
                 haveServing && joules && *joules > 0.0
                     ? std::optional<double>(double(generated) / *joules)
                     : std::nullopt});
    f.push_back({"mean host CPU", "%", hostCpu.mean()});
    f.push_back({"peak process memory (RSS)", "bytes", rss.peak()});
    f.push_back({"warnings", "count", double(warnings)});
    return f;
}

} // namespace

std::vector<ComparisonRow> compareTelemetry(const TelemetrySnapshot& a,
                                            const TelemetrySnapshot& b) {
    const auto fa = summarize(a);
    const auto fb = summarize(b);
    std::vector<ComparisonRow> rows;
    for (size_t i = 0; i < fa.size(); ++i) // the same figures in the same order on both sides
        rows.push_back({fa[i].name, fa[i].unit, fa[i].value, fb[i].value});
    return rows;
}

} // namespace dw
