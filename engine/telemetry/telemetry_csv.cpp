// CSV export of a timeline; the columns are listed in deepwell/telemetry.h.
#include "deepwell/telemetry.h"

#include <algorithm>
#include <charconv>
#include <type_traits>
#include <utility>

namespace dw {

namespace {

class Row {
public:
    void text(std::string_view v) {
        sep();
        if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
            m_line += v;
            return;
        }
        m_line += '"';
        for (char c : v) {
            if (c == '"') m_line += '"';
            m_line += c;
        }
        m_line += '"';
    }
    void empty() { sep(); }
    void number(double v) {
        sep();
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof(buf), v); // shortest round trip
        m_line.append(buf, r.ptr);
    }
    void number(uint64_t v) {
        sep();
        m_line += std::to_string(v);
    }
    void number(int64_t v) {
        sep();
        m_line += std::to_string(v);
    }
    template <typename T> void maybe(const std::optional<T>& v) {
        if (!v)
            empty();
        else if constexpr (std::is_floating_point_v<T>)
            number(double(*v));
        else if constexpr (std::is_signed_v<T>)
            number(int64_t(*v));
        else
            number(uint64_t(*v));
    }
    std::string take() {
        m_first = true;
        m_line += '\n';
        return std::exchange(m_line, {});
    }

private:
    void sep() {
        if (!m_first) m_line += ',';
        m_first = false;
    }
    std::string m_line;
    bool m_first = true;
};

constexpr const char* kGpuColumns[] = {"utilization_percent",
                                       "memory_used_bytes",
                                       "memory_total_bytes",
                                       "temperature_celsius",
                                       "power_watts",
                                       "sm_clock_mhz",
                                       "memory_clock_mhz",
                                       "pcie_rx_bytes_per_second",
                                       "pcie_tx_bytes_per_second"};

void gpuCells(Row& r, const GpuSample* g) {
    if (!g) {
        for (size_t i = 0; i < std::size(kGpuColumns); ++i) r.empty();
        return;
    }
    r.maybe(g->utilizationPercent);
    r.maybe(g->memoryUsedBytes);
    r.maybe(g->memoryTotalBytes);
    r.maybe(g->temperatureCelsius);
    r.maybe(g->powerWatts);
    r.maybe(g->smClockMHz);
    r.maybe(g->memoryClockMHz);
    r.maybe(g->pcieRxBytesPerSecond);
    r.maybe(g->pcieTxBytesPerSecond);
}

} // namespace

std::string telemetryCsv(const std::vector<TelemetrySample>& samples,
                         const std::vector<TelemetryMark>& marks) {
    size_t nGpu = 0;
    for (const auto& s : samples) nGpu = std::max(nGpu, s.gpus.size());

    Row h;
    h.text("seconds");
    for (size_t g = 0; g < nGpu; ++g)
        for (const char* c : kGpuColumns) h.text("gpu" + std::to_string(g) + "_" + c);
    for (const char* c : {"host_cpu_percent", "process_cpu_cores", "host_memory_total_bytes",
                          "host_memory_available_bytes", "process_resident_bytes"})
        h.text(c);
    for (int c = 0; c < kLedgerCategoryCount; ++c)
        h.text(std::string("memory_") + ledgerCategoryName(static_cast<LedgerCategory>(c)) +
               "_bytes");
    for (const char* c :
         {"memory_total_bytes", "kv_blocks_used", "kv_blocks_free", "kv_blocks_cached",
          "kv_headroom_tokens", "generated_tokens_total", "tokens_per_second", "ttft_mean_seconds",
          "ttft_p99_seconds", "itl_p99_seconds", "queued_requests", "running_sequences",
          "tokens_per_joule", "warnings", "marks"})
        h.text(c);
    std::string out = h.take();

    size_t nextMark = 0;
    for (const auto& s : samples) {
        Row r;
        r.number(s.seconds);
        for (size_t g = 0; g < nGpu; ++g) gpuCells(r, g < s.gpus.size() ? &s.gpus[g] : nullptr);
        r.maybe(s.host.cpuUtilizationPercent);
        r.maybe(s.host.processCpuCores);
        r.maybe(s.host.memoryTotalBytes);
        r.maybe(s.host.memoryAvailableBytes);
        r.maybe(s.host.processResidentBytes);
        for (int c = 0; c < kLedgerCategoryCount; ++c) {
            if (s.memory)
                r.number(ledgerCategoryBytes(*s.memory, static_cast<LedgerCategory>(c)));
            else
                r.empty();
        }
        if (s.memory)
            r.number(ledgerTotalBytes(*s.memory));
        else
            r.empty();
        const ServingFigures* f = s.serving ? &*s.serving : nullptr;
        auto servingCell = [&](auto value) {
            if (f)
                r.number(value(*f));
            else
                r.empty();
        };
        servingCell([](const ServingFigures& x) { return x.kvBlocksUsed; });
        servingCell([](const ServingFigures& x) { return x.kvBlocksFree; });
        servingCell([](const ServingFigures& x) { return x.kvBlocksCached; });
        if (s.headroom)
            r.number(s.headroom->tokens);
        else
            r.empty();
        servingCell([](const ServingFigures& x) { return x.generatedTokensTotal; });
        r.maybe(s.tokensPerSecond);
        r.maybe(s.ttftMeanSeconds);
        // Percentiles are only figures when the recorder's window holds samples.
        r.maybe(f && f->ttftWindowSamples ? std::optional<double>(f->ttftP99Seconds)
                                          : std::nullopt);
        r.maybe(f && f->itlWindowSamples ? std::optional<double>(f->itlP99Seconds) : std::nullopt);
        servingCell([](const ServingFigures& x) { return x.queuedRequests; });
        servingCell([](const ServingFigures& x) { return x.runningSequences; });
        r.maybe(s.tokensPerJoule);
        std::string warnings;
        for (const auto& w : s.warnings) {
            if (!warnings.empty()) warnings += '|';
            warnings.append(thresholdCheckName(w.check)).append("@").append(w.subject);
        }
        r.text(warnings);
        std::string marked;
        while (nextMark < marks.size() && marks[nextMark].seconds <= s.seconds) {
            const auto& mk = marks[nextMark++];
            if (!marked.empty()) marked += '|';
            marked.append(telemetryMarkKindName(mk.kind)).append(":").append(mk.label);
        }
        r.text(marked);
        out += r.take();
    }
    return out;
}

} // namespace dw
