// Reading telemetry snapshots from JSON: every field's presence and type is checked, and a
// bad one is named by its path ("samples[3].gpus[0].powerWatts").
#include "deepwell/error.h"
#include "deepwell/telemetry.h"
#include "telemetry/snapshot_format.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace dw {

using nlohmann::json;

namespace {

using snapshot::kFormat;
using snapshot::kVersion;

// ---- reading: a cursor that knows its path ("samples[3].gpus[0].powerWatts")

struct In {
    const json& j;
    std::string path;
    const std::string& what;

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        throw Error(ErrorCode::Format,
                    what + ": " + path + (path.empty() ? "" : ".") + key + " " + problem);
    }
    const json* find(const char* key) const {
        if (!j.is_object())
            throw Error(ErrorCode::Format, what + ": " + path + " is not an object");
        const auto it = j.find(key);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    }
    const json& need(const char* key) const {
        const json* v = find(key);
        if (!v) fail(key, "is missing");
        return *v;
    }
    In object(const char* key) const {
        const json& v = need(key);
        if (!v.is_object()) fail(key, "is not an object");
        return {v, sub(key), what};
    }
    std::vector<In> array(const char* key) const {
        const json& v = need(key);
        if (!v.is_array()) fail(key, "is not an array");
        std::vector<In> out;
        for (size_t i = 0; i < v.size(); ++i)
            out.push_back({v[i], sub(key) + "[" + std::to_string(i) + "]", what});
        return out;
    }
    std::string sub(const char* key) const { return path.empty() ? key : path + "." + key; }

    template <typename T> T value(const char* key, const json& v) const {
        if constexpr (std::is_same_v<T, bool>) {
            if (!v.is_boolean()) fail(key, "is not true or false");
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (!v.is_string()) fail(key, "is not a string");
        } else if constexpr (std::is_floating_point_v<T>) {
            if (!v.is_number()) fail(key, "is not a number");
        } else if constexpr (std::is_unsigned_v<T>) {
            if (!v.is_number_unsigned() || v.get<uint64_t>() > std::numeric_limits<T>::max())
                fail(key, "is not an unsigned integer in range");
        } else {
            if (!v.is_number_integer() || v.get<int64_t>() < std::numeric_limits<T>::min() ||
                v.get<int64_t>() > std::numeric_limits<T>::max())
                fail(key, "is not an integer in range");
        }
        return v.get<T>();
    }
    template <typename T> T get(const char* key) const { return value<T>(key, need(key)); }
    template <typename T> std::optional<T> opt(const char* key) const {
        const json* v = find(key);
        if (!v) return std::nullopt;
        return value<T>(key, *v);
    }
    MemoryDevice device(const char* key) const {
        const std::string s = get<std::string>(key);
        if (s == "host") return MemoryDevice::host();
        if (s.rfind("gpu:", 0) == 0 && s.size() > 4 && s.size() < 7 &&
            s.find_first_not_of("0123456789", 4) == std::string::npos)
            return MemoryDevice::gpu(std::stoi(s.substr(4)));
        fail(key, "= '" + s + "' is not 'host' or 'gpu:N'");
    }
    LedgerCategory category(const char* key) const {
        LedgerCategory c{};
        const std::string s = get<std::string>(key);
        if (!ledgerCategoryFromName(s, c)) fail(key, "= '" + s + "' is not a memory category");
        return c;
    }
};

GpuSample gpuFrom(const In& in) {
    GpuSample g;
    g.index = in.get<int>("index");
    g.name = in.get<std::string>("name");
    g.uuid = in.get<std::string>("uuid");
    g.processesKnown = in.get<bool>("processesKnown");
    g.error = in.get<std::string>("error");
    g.utilizationPercent = in.opt<double>("utilizationPercent");
    g.memoryBusyPercent = in.opt<double>("memoryBusyPercent");
    g.memoryUsedBytes = in.opt<uint64_t>("memoryUsedBytes");
    g.memoryTotalBytes = in.opt<uint64_t>("memoryTotalBytes");
    g.temperatureCelsius = in.opt<double>("temperatureCelsius");
    g.powerWatts = in.opt<double>("powerWatts");
    g.powerLimitWatts = in.opt<double>("powerLimitWatts");
    g.smClockMHz = in.opt<uint32_t>("smClockMHz");
    g.memoryClockMHz = in.opt<uint32_t>("memoryClockMHz");
    g.pcieRxBytesPerSecond = in.opt<uint64_t>("pcieRxBytesPerSecond");
    g.pcieTxBytesPerSecond = in.opt<uint64_t>("pcieTxBytesPerSecond");
    for (const In& p : in.array("processes"))
        g.processes.push_back(
            {p.get<uint32_t>("pid"), p.opt<uint64_t>("usedBytes"), p.get<std::string>("name")});
    return g;
}

HostSample hostFrom(const In& in) {
    HostSample h;
    h.cpuCount = in.get<int>("cpuCount");
    h.error = in.get<std::string>("error");
    h.cpuUtilizationPercent = in.opt<double>("cpuUtilizationPercent");
    h.processCpuSecondsTotal = in.opt<double>("processCpuSecondsTotal");
    h.processCpuCores = in.opt<double>("processCpuCores");
    h.memoryTotalBytes = in.opt<uint64_t>("memoryTotalBytes");
    h.memoryAvailableBytes = in.opt<uint64_t>("memoryAvailableBytes");
    h.processResidentBytes = in.opt<uint64_t>("processResidentBytes");
    return h;
}

ServingFigures servingFrom(const In& in) {
    ServingFigures f;
    f.generatedTokensTotal = in.get<uint64_t>("generatedTokensTotal");
    f.promptTokensTotal = in.get<uint64_t>("promptTokensTotal");
    f.generatedTokensPerSecond = in.get<double>("generatedTokensPerSecond");
    f.promptTokensPerSecond = in.get<double>("promptTokensPerSecond");
    f.ttftCount = in.get<uint64_t>("ttftCount");
    f.ttftSumSeconds = in.get<double>("ttftSumSeconds");
    f.ttftWindowSamples = in.get<uint64_t>("ttftWindowSamples");
    f.ttftP50Seconds = in.get<double>("ttftP50Seconds");
    f.ttftP99Seconds = in.get<double>("ttftP99Seconds");
    f.itlWindowSamples = in.get<uint64_t>("itlWindowSamples");
    f.itlP50Seconds = in.get<double>("itlP50Seconds");
    f.itlP99Seconds = in.get<double>("itlP99Seconds");
    f.queuedRequests = in.get<uint64_t>("queuedRequests");
    f.runningSequences = in.get<uint64_t>("runningSequences");
    f.kvBlocksUsed = in.get<uint64_t>("kvBlocksUsed");
    f.kvBlocksFree = in.get<uint64_t>("kvBlocksFree");
    f.kvBlocksCached = in.get<uint64_t>("kvBlocksCached");
    return f;
}

LedgerSnapshot ledgerFrom(const In& in) {
    LedgerSnapshot l;
    for (const In& d : in.array("devices")) {
        LedgerDeviceUsage u;
        u.device = d.device("device");
        const In cats = d.object("categories");
        for (int c = 0; c < kLedgerCategoryCount; ++c) {
            const In cat = cats.object(ledgerCategoryName(static_cast<LedgerCategory>(c)));
            u.categories[size_t(c)] = {cat.get<uint64_t>("current"), cat.get<uint64_t>("peak")};
        }
        u.totalBytes = d.get<uint64_t>("totalBytes");
        u.peakTotalBytes = d.get<uint64_t>("peakTotalBytes");
        l.devices.push_back(u);
    }
    for (const In& p : in.array("pools")) {
        PoolStats s;
        s.name = p.get<std::string>("name");
        s.device = p.device("device");
        s.category = p.category("category");
        s.usage = {p.get<uint64_t>("capacity"), p.get<uint64_t>("used"),
                   p.get<uint64_t>("largestFreeRun")};
        s.fragmentation = p.get<double>("fragmentation");
        l.pools.push_back(std::move(s));
    }
    l.eventsRecorded = in.get<uint64_t>("eventsRecorded");
    return l;
}

KvHeadroom headroomFrom(const In& in) {
    KvHeadroom h;
    h.blockSize = in.get<int64_t>("blockSize");
    h.blocksTotal = in.get<int64_t>("blocksTotal");
    h.blocksUsed = in.get<int64_t>("blocksUsed");
    h.blocksFree = in.get<int64_t>("blocksFree");
    h.blocksCached = in.get<int64_t>("blocksCached");
    h.tokens = in.get<int64_t>("tokens");
    h.blocksPerRunningSequence = in.opt<double>("blocksPerRunningSequence");
    return h;
}

TelemetrySample sampleFrom(const In& in) {
    TelemetrySample s;
    s.seconds = in.get<double>("seconds");
    s.gpuAvailable = in.get<bool>("gpuAvailable");
    s.gpuUnavailableReason = in.get<std::string>("gpuUnavailableReason");
    for (const In& g : in.array("gpus")) s.gpus.push_back(gpuFrom(g));
    s.host = hostFrom(in.object("host"));
    if (in.find("serving")) s.serving = servingFrom(in.object("serving"));
    if (in.find("memory")) s.memory = ledgerFrom(in.object("memory"));
    if (in.find("headroom")) s.headroom = headroomFrom(in.object("headroom"));
    s.tokensPerSecond = in.opt<double>("tokensPerSecond");
    s.ttftMeanSeconds = in.opt<double>("ttftMeanSeconds");
    s.tokensPerJoule = in.opt<double>("tokensPerJoule");
    for (const In& w : in.array("warnings")) {
        ThresholdWarning tw;
        const std::string check = w.get<std::string>("check");
        int c = 0;
        while (c < kThresholdCheckCount &&
               check != thresholdCheckName(static_cast<ThresholdCheck>(c)))
            ++c;
        if (c == kThresholdCheckCount)
            w.fail("check", "= '" + check + "' is not a threshold check");
        tw.check = static_cast<ThresholdCheck>(c);
        tw.subject = w.get<std::string>("subject");
        tw.value = w.get<double>("value");
        tw.limit = w.get<double>("limit");
        tw.text = w.get<std::string>("text");
        s.warnings.push_back(std::move(tw));
    }
    return s;
}

} // namespace

TelemetrySnapshot parseTelemetrySnapshotJson(const std::string& text, const std::string& what) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(ErrorCode::Format, what + ": not JSON (" + e.what() + ")");
    }
    const In in{j, "", what};
    if (!j.is_object()) throw Error(ErrorCode::Format, what + ": not a JSON object");
    const std::string format = in.get<std::string>("format");
    if (format != kFormat) in.fail("format", "= '" + format + "'; expected '" + kFormat + "'");
    const int version = in.get<int>("version");
    if (version != kVersion)
        in.fail("version", "= " + std::to_string(version) + "; this build reads version " +
                               std::to_string(kVersion));
    TelemetrySnapshot snap;
    snap.name = in.get<std::string>("name");
    snap.startUnixMs = in.get<int64_t>("startUnixMs");
    for (const In& s : in.array("samples")) snap.samples.push_back(sampleFrom(s));
    for (const In& m : in.array("marks")) {
        TelemetryMark mark;
        mark.seconds = m.get<double>("seconds");
        const std::string kind = m.get<std::string>("kind");
        if (!telemetryMarkKindFromName(kind, mark.kind))
            m.fail("kind", "= '" + kind + "' is not a mark kind");
        mark.label = m.get<std::string>("label");
        snap.marks.push_back(std::move(mark));
    }
    return snap;
}

} // namespace dw
