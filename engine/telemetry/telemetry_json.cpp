// Telemetry snapshots as JSON (nlohmann::json): writing, and the file wrappers. Absent
// optional figures are absent keys. Reading is in telemetry_json_read.cpp.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"
#include "telemetry/snapshot_format.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace dw {

using nlohmann::json;

namespace {

using snapshot::kFormat;
using snapshot::kVersion;

template <typename T> void put(json& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = *v;
}

json toJson(const GpuSample& g) {
    json j = {{"index", g.index},
              {"name", g.name},
              {"uuid", g.uuid},
              {"processesKnown", g.processesKnown},
              {"error", g.error}};
    put(j, "utilizationPercent", g.utilizationPercent);
    put(j, "memoryBusyPercent", g.memoryBusyPercent);
    put(j, "memoryUsedBytes", g.memoryUsedBytes);
    put(j, "memoryTotalBytes", g.memoryTotalBytes);
    put(j, "temperatureCelsius", g.temperatureCelsius);
    put(j, "powerWatts", g.powerWatts);
    put(j, "powerLimitWatts", g.powerLimitWatts);
    put(j, "smClockMHz", g.smClockMHz);
    put(j, "memoryClockMHz", g.memoryClockMHz);
    put(j, "pcieRxBytesPerSecond", g.pcieRxBytesPerSecond);
    put(j, "pcieTxBytesPerSecond", g.pcieTxBytesPerSecond);
    json procs = json::array();
    for (const auto& p : g.processes) {
        json pj = {{"pid", p.pid}, {"name", p.name}};
        put(pj, "usedBytes", p.usedBytes);
        procs.push_back(std::move(pj));
    }
    j["processes"] = std::move(procs);
    return j;
}

json toJson(const HostSample& h) {
    json j = {{"cpuCount", h.cpuCount}, {"error", h.error}};
    put(j, "cpuUtilizationPercent", h.cpuUtilizationPercent);
    put(j, "processCpuSecondsTotal", h.processCpuSecondsTotal);
    put(j, "processCpuCores", h.processCpuCores);
    put(j, "memoryTotalBytes", h.memoryTotalBytes);
    put(j, "memoryAvailableBytes", h.memoryAvailableBytes);
    put(j, "processResidentBytes", h.processResidentBytes);
    return j;
}

json toJson(const ServingFigures& f) {
    return {{"generatedTokensTotal", f.generatedTokensTotal},
            {"promptTokensTotal", f.promptTokensTotal},
            {"generatedTokensPerSecond", f.generatedTokensPerSecond},
            {"promptTokensPerSecond", f.promptTokensPerSecond},
            {"ttftCount", f.ttftCount},
            {"ttftSumSeconds", f.ttftSumSeconds},
            {"ttftWindowSamples", f.ttftWindowSamples},
            {"ttftP50Seconds", f.ttftP50Seconds},
            {"ttftP99Seconds", f.ttftP99Seconds},
            {"itlWindowSamples", f.itlWindowSamples},
            {"itlP50Seconds", f.itlP50Seconds},
            {"itlP99Seconds", f.itlP99Seconds},
            {"queuedRequests", f.queuedRequests},
            {"runningSequences", f.runningSequences},
            {"kvBlocksUsed", f.kvBlocksUsed},
            {"kvBlocksFree", f.kvBlocksFree},
            {"kvBlocksCached", f.kvBlocksCached}};
}

json toJson(const LedgerSnapshot& l) {
    json devices = json::array();
    for (const auto& d : l.devices) {
        json cats = json::object();
        for (int c = 0; c < kLedgerCategoryCount; ++c)
            cats[ledgerCategoryName(static_cast<LedgerCategory>(c))] = {
                {"current", d.categories[size_t(c)].current},
                {"peak", d.categories[size_t(c)].peak}};
        devices.push_back({{"device", d.device.name()},
                           {"categories", std::move(cats)},
                           {"totalBytes", d.totalBytes},
                           {"peakTotalBytes", d.peakTotalBytes}});
    }
    json pools = json::array();
    for (const auto& p : l.pools)
        pools.push_back({{"name", p.name},
                         {"device", p.device.name()},
                         {"category", ledgerCategoryName(p.category)},
                         {"capacity", p.usage.capacity},
                         {"used", p.usage.used},
                         {"largestFreeRun", p.usage.largestFreeRun},
                         {"fragmentation", p.fragmentation}});
    return {{"devices", std::move(devices)},
            {"pools", std::move(pools)},
            {"eventsRecorded", l.eventsRecorded}};
}

json toJson(const KvHeadroom& h) {
    json j = {{"blockSize", h.blockSize},       {"blocksTotal", h.blocksTotal},
              {"blocksUsed", h.blocksUsed},     {"blocksFree", h.blocksFree},
              {"blocksCached", h.blocksCached}, {"tokens", h.tokens}};
    put(j, "blocksPerRunningSequence", h.blocksPerRunningSequence);
    return j;
}

json toJson(const TelemetrySample& s) {
    json gpus = json::array();
    for (const auto& g : s.gpus) gpus.push_back(toJson(g));
    json warnings = json::array();
    for (const auto& w : s.warnings)
        warnings.push_back({{"check", thresholdCheckName(w.check)},
                            {"subject", w.subject},
                            {"value", w.value},
                            {"limit", w.limit},
                            {"text", w.text}});
    json j = {{"seconds", s.seconds},
              {"gpuAvailable", s.gpuAvailable},
              {"gpuUnavailableReason", s.gpuUnavailableReason},
              {"gpus", std::move(gpus)},
              {"host", toJson(s.host)},
              {"warnings", std::move(warnings)}};
    if (s.serving) j["serving"] = toJson(*s.serving);
    if (s.memory) j["memory"] = toJson(*s.memory);
    if (s.headroom) j["headroom"] = toJson(*s.headroom);
    put(j, "tokensPerSecond", s.tokensPerSecond);
    put(j, "ttftMeanSeconds", s.ttftMeanSeconds);
    put(j, "tokensPerJoule", s.tokensPerJoule);
    return j;
}

} // namespace

std::string telemetrySnapshotJson(const TelemetrySnapshot& snap) {
    json samples = json::array();
    for (const auto& s : snap.samples) samples.push_back(toJson(s));
    json marks = json::array();
    for (const auto& m : snap.marks)
        marks.push_back(
            {{"seconds", m.seconds}, {"kind", telemetryMarkKindName(m.kind)}, {"label", m.label}});
    const json j = {{"format", kFormat},
                    {"version", kVersion},
                    {"name", snap.name},
                    {"startUnixMs", snap.startUnixMs},
                    {"samples", std::move(samples)},
                    {"marks", std::move(marks)}};
    // Names from drivers and users may hold invalid UTF-8: replaced, never an exception.
    return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

void saveTelemetrySnapshot(const TelemetrySnapshot& snapshot, const std::string& path) {
    const std::string text = telemetrySnapshotJson(snapshot);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::Io, "telemetry snapshot: cannot create " + path);
    out << text;
    out.close();
    if (!out)
        throw Error(ErrorCode::Io, "telemetry snapshot: cannot write " + path + " (disk full?)");
}

TelemetrySnapshot loadTelemetrySnapshot(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "telemetry snapshot: cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) throw Error(ErrorCode::Io, "telemetry snapshot: cannot read " + path);
    return parseTelemetrySnapshotJson(s.str(), path);
}

} // namespace dw
