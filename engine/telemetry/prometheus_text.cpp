// Prometheus text exposition format 0.0.4 of the serving metrics and the memory ledger (the
// format itself is described in telemetry/prometheus_exposition.h).
#include "deepwell/metrics.h"
#include "telemetry/prometheus_exposition.h"

#include <map>
#include <string_view>
#include <utility>

namespace dw {

namespace {

using prom::Exposition;
using prom::Labels;

void servingMetrics(Exposition& e, const MetricsSnapshot& m) {
    e.histogram("deepwell_time_to_first_token_seconds",
                "Time from a request's arrival to its first generated token.", m.timeToFirstToken);
    e.histogram("deepwell_inter_token_latency_seconds",
                "Time between consecutive generated tokens of one sequence.", m.interTokenLatency);

    e.family("deepwell_prompt_tokens_total", "counter", "Prompt tokens prefilled.");
    e.sample("deepwell_prompt_tokens_total", {}, m.promptTokensTotal);
    e.family("deepwell_generated_tokens_total", "counter", "Tokens generated.");
    e.sample("deepwell_generated_tokens_total", {}, m.generatedTokensTotal);
    e.family("deepwell_prompt_throughput_tokens_per_second", "gauge",
             "Prompt tokens prefilled per second over the recent sliding window.");
    e.sample("deepwell_prompt_throughput_tokens_per_second", {}, m.promptTokensPerSecond);
    e.family("deepwell_generation_throughput_tokens_per_second", "gauge",
             "Tokens generated per second over the recent sliding window.");
    e.sample("deepwell_generation_throughput_tokens_per_second", {}, m.generatedTokensPerSecond);

    e.family("deepwell_queued_requests", "gauge", "Requests waiting for admission.");
    e.sample("deepwell_queued_requests", {}, m.queueDepth);
    e.family("deepwell_running_sequences", "gauge", "Sequences in the running batch.");
    e.sample("deepwell_running_sequences", {}, m.runningSequences);
    e.family(
        "deepwell_kv_cache_blocks", "gauge",
        "KV cache blocks by state: used (by live sequences), free, cached (for prefix reuse).");
    e.sample("deepwell_kv_cache_blocks", {{"state", "used"}}, m.kvBlocksUsed);
    e.sample("deepwell_kv_cache_blocks", {{"state", "free"}}, m.kvBlocksFree);
    e.sample("deepwell_kv_cache_blocks", {{"state", "cached"}}, m.kvBlocksCached);

    e.family("deepwell_prefix_cache_lookups_total", "counter", "Prefix cache lookups.");
    e.sample("deepwell_prefix_cache_lookups_total", {}, m.prefixLookups);
    e.family("deepwell_prefix_cache_hits_total", "counter",
             "Prefix cache lookups that reused at least one block.");
    e.sample("deepwell_prefix_cache_hits_total", {}, m.prefixHits);
    e.family("deepwell_prefix_cache_reused_tokens_total", "counter",
             "Prompt tokens not recomputed thanks to prefix cache hits.");
    e.sample("deepwell_prefix_cache_reused_tokens_total", {}, m.prefixTokensReused);

    e.family("deepwell_requests_finished_total", "counter", "Finished requests by outcome.");
    for (int i = 0; i < kRequestOutcomeCount; ++i) {
        const auto o = static_cast<RequestOutcome>(i);
        e.sample("deepwell_requests_finished_total", {{"reason", requestOutcomeName(o)}},
                 m.finished(o));
    }
}

void memory(Exposition& e, const LedgerSnapshot& l) {
    auto perCategory = [&](const char* name, const char* help, bool peak) {
        e.family(name, "gauge", help);
        for (const auto& d : l.devices)
            for (int c = 0; c < kLedgerCategoryCount; ++c) {
                const auto cat = static_cast<LedgerCategory>(c);
                e.sample(name, {{"device", d.device.name()}, {"category", ledgerCategoryName(cat)}},
                         peak ? d[cat].peak : d[cat].current);
            }
    };
    perCategory("deepwell_memory_used_bytes", "Bytes allocated now, by device and category.",
                false);
    perCategory("deepwell_memory_peak_bytes",
                "Highest bytes allocated at once, by device and category.", true);
    e.family("deepwell_memory_device_used_bytes", "gauge", "Bytes allocated now, by device.");
    for (const auto& d : l.devices)
        e.sample("deepwell_memory_device_used_bytes", {{"device", d.device.name()}}, d.totalBytes);
    e.family("deepwell_memory_device_peak_bytes", "gauge",
             "Highest bytes allocated at once, by device.");
    for (const auto& d : l.devices)
        e.sample("deepwell_memory_device_peak_bytes", {{"device", d.device.name()}},
                 d.peakTotalBytes);
    e.family("deepwell_memory_events_total", "counter", "Allocation and release events recorded.");
    e.sample("deepwell_memory_events_total", {}, l.eventsRecorded);

    // Pools sharing a name on one device and category would make duplicate series; the
    // second and later get "#2", "#3", ... appended.
    std::vector<Labels> poolLabels;
    std::map<Labels, int> seen;
    for (const auto& p : l.pools) {
        Labels labels{{"pool", p.name},
                      {"device", p.device.name()},
                      {"category", ledgerCategoryName(p.category)}};
        const int n = ++seen[labels];
        if (n > 1) labels[0].second.append("#").append(std::to_string(n));
        poolLabels.push_back(std::move(labels));
    }
    auto perPool = [&](const char* name, const char* type, const char* help, auto value) {
        e.family(name, type, help);
        for (size_t i = 0; i < l.pools.size(); ++i)
            e.sample(name, poolLabels[i], value(l.pools[i]));
    };
    perPool("deepwell_memory_pool_capacity_bytes", "gauge", "Bytes a memory pool owns.",
            [](const PoolStats& p) { return p.usage.capacity; });
    perPool("deepwell_memory_pool_used_bytes", "gauge", "Bytes a memory pool has handed out.",
            [](const PoolStats& p) { return p.usage.used; });
    perPool("deepwell_memory_pool_largest_free_run_bytes", "gauge",
            "Largest contiguous free piece of a memory pool.",
            [](const PoolStats& p) { return p.usage.largestFreeRun; });
    perPool("deepwell_memory_pool_fragmentation_ratio", "gauge",
            "1 - largest free run / free bytes of a memory pool (0 = unfragmented).",
            [](const PoolStats& p) { return p.fragmentation; });
}

} // namespace

std::string prometheusText(const MetricsSnapshot& metrics, const LedgerSnapshot& ledger) {
    Exposition e;
    servingMetrics(e, metrics);
    memory(e, ledger);
    return e.take();
}

} // namespace dw
