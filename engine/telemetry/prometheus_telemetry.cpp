// prometheusText(metrics, ledger, live): the serving and memory families, then the GPU, host,
// headroom, efficiency and threshold families of the live sample. Families always appear
// (HELP and TYPE), series only for figures that are known: an absent series means "not
// reported", which Prometheus handles better than a made-up 0.
#include "deepwell/telemetry.h"
#include "telemetry/prometheus_exposition.h"

#include <map>

namespace dw {

namespace {

using prom::Exposition;
using prom::Labels;

std::string gpuLabel(const GpuSample& g) {
    return std::to_string(g.index);
}

// Integers print as integers (byte counts stay exact), the rest as shortest doubles.
template <typename T> void emit(Exposition& e, std::string_view name, const Labels& labels, T v) {
    if constexpr (std::is_integral_v<T>)
        e.sample(name, labels, uint64_t(v));
    else
        e.sample(name, labels, double(v));
}

// One gauge family with one optional value per GPU.
template <typename Get>
void perGpu(Exposition& e, const TelemetrySample& s, const char* name, const char* help, Get get) {
    e.family(name, "gauge", help);
    for (const GpuSample& g : s.gpus)
        if (const auto v = get(g)) emit(e, name, {{"gpu", gpuLabel(g)}}, *v);
}

void gpuFamilies(Exposition& e, const TelemetrySample& s) {
    e.family("deepwell_gpu_telemetry_available", "gauge",
             "1 when GPU figures come from NVML, 0 when there is no NVIDIA driver.");
    e.sample("deepwell_gpu_telemetry_available", {}, uint64_t(s.gpuAvailable ? 1 : 0));
    e.family("deepwell_gpu_info", "gauge", "Constant 1 per GPU, labelled with its name and UUID.");
    for (const GpuSample& g : s.gpus)
        e.sample("deepwell_gpu_info", {{"gpu", gpuLabel(g)}, {"name", g.name}, {"uuid", g.uuid}},
                 uint64_t(1));

    auto ratio = [](const std::optional<double>& percent) {
        return percent ? std::optional<double>(*percent / 100.0) : std::nullopt;
    };
    perGpu(e, s, "deepwell_gpu_utilization_ratio",
           "Share of the last sample period during which a kernel ran on the GPU.",
           [&](const GpuSample& g) { return ratio(g.utilizationPercent); });
    perGpu(e, s, "deepwell_gpu_memory_busy_ratio",
           "Share of the last sample period during which GPU memory was read or written.",
           [&](const GpuSample& g) { return ratio(g.memoryBusyPercent); });
    perGpu(e, s, "deepwell_gpu_memory_used_bytes", "GPU memory in use by all processes.",
           [](const GpuSample& g) { return g.memoryUsedBytes; });
    perGpu(e, s, "deepwell_gpu_memory_total_bytes", "GPU memory installed.",
           [](const GpuSample& g) { return g.memoryTotalBytes; });
    perGpu(e, s, "deepwell_gpu_temperature_celsius", "GPU die temperature.",
           [](const GpuSample& g) { return g.temperatureCelsius; });
    perGpu(e, s, "deepwell_gpu_power_watts", "GPU board power draw.",
           [](const GpuSample& g) { return g.powerWatts; });
    perGpu(e, s, "deepwell_gpu_power_limit_watts", "GPU enforced power limit.",
           [](const GpuSample& g) { return g.powerLimitWatts; });

    e.family("deepwell_gpu_clock_hertz", "gauge", "GPU clock frequency by clock domain.");
    for (const GpuSample& g : s.gpus) {
        if (g.smClockMHz)
            e.sample("deepwell_gpu_clock_hertz", {{"gpu", gpuLabel(g)}, {"clock", "sm"}},
                     uint64_t(*g.smClockMHz) * 1'000'000);
        if (g.memoryClockMHz)
            e.sample("deepwell_gpu_clock_hertz", {{"gpu", gpuLabel(g)}, {"clock", "memory"}},
                     uint64_t(*g.memoryClockMHz) * 1'000'000);
    }
    e.family("deepwell_gpu_pcie_throughput_bytes_per_second", "gauge",
             "PCIe traffic over a 20 ms window: rx is host to GPU, tx is GPU to host.");
    for (const GpuSample& g : s.gpus) {
        if (g.pcieRxBytesPerSecond)
            e.sample("deepwell_gpu_pcie_throughput_bytes_per_second",
                     {{"gpu", gpuLabel(g)}, {"direction", "rx"}}, *g.pcieRxBytesPerSecond);
        if (g.pcieTxBytesPerSecond)
            e.sample("deepwell_gpu_pcie_throughput_bytes_per_second",
                     {{"gpu", gpuLabel(g)}, {"direction", "tx"}}, *g.pcieTxBytesPerSecond);
    }
    e.family("deepwell_gpu_process_memory_bytes", "gauge",
             "GPU memory used by each compute process.");
    for (const GpuSample& g : s.gpus) {
        // One series per (gpu, pid): a pid listed twice is summed.
        std::map<uint32_t, std::pair<uint64_t, std::string>> byPid;
        for (const GpuProcessUsage& p : g.processes) {
            if (!p.usedBytes) continue;
            auto& slot = byPid[p.pid];
            slot.first += *p.usedBytes;
            slot.second = p.name;
        }
        for (const auto& [pid, v] : byPid)
            e.sample("deepwell_gpu_process_memory_bytes",
                     {{"gpu", gpuLabel(g)}, {"pid", std::to_string(pid)}, {"process", v.second}},
                     v.first);
    }
}

void hostFamilies(Exposition& e, const HostSample& h) {
    auto gauge = [&](const char* name, const char* help, auto value) {
        e.family(name, "gauge", help);
        if (value) emit(e, name, {}, *value);
    };
    e.family("deepwell_host_cpus", "gauge", "CPUs the host's kernel reports.");
    if (h.cpuCount > 0) e.sample("deepwell_host_cpus", {}, uint64_t(h.cpuCount));
    gauge("deepwell_host_cpu_utilization_ratio",
          "Share of all CPUs' time spent busy over the last sample period.",
          h.cpuUtilizationPercent ? std::optional<double>(*h.cpuUtilizationPercent / 100.0)
                                  : std::nullopt);
    gauge("deepwell_host_memory_total_bytes", "Host RAM installed (MemTotal).", h.memoryTotalBytes);
    gauge("deepwell_host_memory_available_bytes",
          "Host RAM available without swapping (MemAvailable).", h.memoryAvailableBytes);
    e.family("deepwell_process_cpu_seconds_total", "counter",
             "CPU time of this process, user plus system.");
    if (h.processCpuSecondsTotal)
        e.sample("deepwell_process_cpu_seconds_total", {}, *h.processCpuSecondsTotal);
    gauge("deepwell_process_resident_memory_bytes", "Resident memory of this process (VmRSS).",
          h.processResidentBytes);
}

void engineFamilies(Exposition& e, const TelemetrySample& s) {
    e.family(
        "deepwell_kv_cache_headroom_tokens", "gauge",
        "Token positions of context that still fit in the KV cache (free plus evictable blocks).");
    if (s.headroom) e.sample("deepwell_kv_cache_headroom_tokens", {}, uint64_t(s.headroom->tokens));
    e.family("deepwell_kv_cache_blocks_per_running_sequence", "gauge",
             "KV blocks in use divided by the running sequences (shared blocks count once).");
    if (s.headroom && s.headroom->blocksPerRunningSequence)
        e.sample("deepwell_kv_cache_blocks_per_running_sequence", {},
                 *s.headroom->blocksPerRunningSequence);
    e.family("deepwell_generation_tokens_per_joule", "gauge",
             "Generated tokens per joule of GPU energy over the recent samples.");
    if (s.tokensPerJoule) e.sample("deepwell_generation_tokens_per_joule", {}, *s.tokensPerJoule);
    e.family("deepwell_threshold_warnings", "gauge",
             "Monitoring targets currently missed, by check (GPU utilization band, P99 latency, "
             "fragmentation).");
    uint64_t counts[kThresholdCheckCount] = {};
    for (const auto& w : s.warnings) {
        const auto i = static_cast<size_t>(w.check);
        if (i < size_t(kThresholdCheckCount)) ++counts[i];
    }
    for (int c = 0; c < kThresholdCheckCount; ++c)
        e.sample("deepwell_threshold_warnings",
                 {{"check", thresholdCheckName(static_cast<ThresholdCheck>(c))}}, counts[c]);
}

} // namespace

std::string prometheusText(const MetricsSnapshot& metrics, const LedgerSnapshot& ledger,
                           const TelemetrySample& live) {
    std::string out = prometheusText(metrics, ledger);
    Exposition e;
    gpuFamilies(e, live);
    hostFamilies(e, live.host);
    engineFamilies(e, live);
    out += e.take();
    return out;
}

} // namespace dw
