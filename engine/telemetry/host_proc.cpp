// /proc parsers and HostTelemetry.
#include "telemetry/host_proc.h"

#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dw {

namespace host {

namespace {

// Splits at spaces and tabs.
std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

uint64_t number(std::string_view text, const char* file, const std::string& field) {
    uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        throw Error(ErrorCode::Format, std::string(file) + ": " + field + " = '" +
                                           std::string(text.substr(0, 32)) +
                                           "' is not an unsigned integer");
    return v;
}

template <typename Fn> void forEachLine(std::string_view text, Fn fn) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        fn(text.substr(start, end - start));
        start = end + 1;
    }
}

constexpr uint64_t kMaxKib = (uint64_t(1) << 54); // keeps kB * 1024 within 64 bits

} // namespace

CpuTimes parseProcStat(std::string_view text) {
    CpuTimes t;
    bool found = false;
    forEachLine(text, [&](std::string_view line) {
        const auto f = fields(line);
        if (f.empty()) return;
        if (f[0] == "cpu") {
            if (f.size() < 5)
                throw Error(ErrorCode::Format,
                            "/proc/stat: the cpu line has " + std::to_string(f.size() - 1) +
                                " fields; at least 4 (user nice system idle) expected");
            uint64_t v[8] = {};
            for (size_t i = 0; i < 8 && i + 1 < f.size(); ++i)
                v[i] = number(f[i + 1], "/proc/stat", "cpu field " + std::to_string(i + 1));
            for (uint64_t x : v) t.total += x;
            t.idle = v[3] + v[4];
            found = true;
        } else if (f[0].size() > 3 && f[0].substr(0, 3) == "cpu") {
            ++t.cpuCount;
        }
    });
    if (!found) throw Error(ErrorCode::Format, "/proc/stat: no aggregate 'cpu' line");
    return t;
}

std::optional<double> cpuUtilizationPercent(const CpuTimes& before, const CpuTimes& after) {
    if (after.total <= before.total || after.idle < before.idle) return std::nullopt;
    const double total = double(after.total - before.total);
    const double idle = double(after.idle - before.idle);
    if (idle > total) return std::nullopt;
    return 100.0 * (total - idle) / total;
}

MemInfo parseMeminfo(std::string_view text) {
    MemInfo m;
    forEachLine(text, [&](std::string_view line) {
        const auto f = fields(line);
        if (f.size() < 2) return;
        std::optional<uint64_t>* target = nullptr;
        if (f[0] == "MemTotal:")
            target = &m.totalBytes;
        else if (f[0] == "MemAvailable:")
            target = &m.availableBytes;
        if (!target) return;
        const std::string key(f[0].substr(0, f[0].size() - 1));
        if (f.size() != 3 || f[2] != "kB")
            throw Error(ErrorCode::Format, "/proc/meminfo: " + key + " is not '<number> kB'");
        const uint64_t kib = number(f[1], "/proc/meminfo", key);
        if (kib > kMaxKib)
            throw Error(ErrorCode::Format, "/proc/meminfo: " + key + " = " + std::to_string(kib) +
                                               " kB exceeds " + std::to_string(kMaxKib));
        *target = kib * 1024;
    });
    return m;
}

uint64_t parseProcessStatTicks(std::string_view text) {
    const size_t close = text.rfind(')');
    if (close == std::string_view::npos)
        throw Error(ErrorCode::Format, "/proc/<pid>/stat: no ')' closing the command name");
    const auto f = fields(text.substr(close + 1));
    // f[0] is field 3 (state), so field n is f[n - 3].
    if (f.size() < 13)
        throw Error(ErrorCode::Format, "/proc/<pid>/stat: " + std::to_string(f.size() + 2) +
                                           " fields; at least 15 (to stime) expected");
    return number(f[11], "/proc/<pid>/stat", "utime") + number(f[12], "/proc/<pid>/stat", "stime");
}

std::optional<uint64_t> parseStatusResidentBytes(std::string_view text) {
    std::optional<uint64_t> rss;
    forEachLine(text, [&](std::string_view line) {
        const auto f = fields(line);
        if (f.empty() || f[0] != "VmRSS:") return;
        if (f.size() != 3 || f[2] != "kB")
            throw Error(ErrorCode::Format, "/proc/<pid>/status: VmRSS is not '<number> kB'");
        const uint64_t kib = number(f[1], "/proc/<pid>/status", "VmRSS");
        if (kib > kMaxKib)
            throw Error(ErrorCode::Format, "/proc/<pid>/status: VmRSS = " + std::to_string(kib) +
                                               " kB exceeds " + std::to_string(kMaxKib));
        rss = kib * 1024;
    });
    return rss;
}

} // namespace host

namespace {

// The whole file, or nullopt when it cannot be read (files in /proc report size 0, so read
// until the end rather than by size).
std::optional<std::string> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return s.str();
}

} // namespace

HostTelemetry::HostTelemetry(std::string procRoot) : m_root(std::move(procRoot)) {}

HostSample HostTelemetry::sample(Clock::time_point now) {
    HostSample s;
    auto note = [&](const std::string& what) {
        if (s.error.empty()) s.error = what;
    };
    auto read = [&](const char* rel) {
        const std::string path = m_root + "/" + rel;
        auto text = readFile(path);
        if (!text) note("cannot read " + path);
        return text;
    };
    const double seconds = std::chrono::duration<double>(now - m_prevTime).count();
    const bool interval = m_havePrevious && seconds > 0.0;

    if (auto text = read("stat")) {
        try {
            const host::CpuTimes t = host::parseProcStat(*text);
            s.cpuCount = t.cpuCount;
            if (m_prevTotal > 0) // 0 = no earlier reading (a real total is never 0)
                s.cpuUtilizationPercent =
                    host::cpuUtilizationPercent({m_prevTotal, m_prevIdle, 0}, t);
            m_prevTotal = t.total;
            m_prevIdle = t.idle;
        } catch (const Error& e) {
            note(e.what());
        }
    }
    if (auto text = read("meminfo")) {
        try {
            const host::MemInfo mi = host::parseMeminfo(*text);
            s.memoryTotalBytes = mi.totalBytes;
            s.memoryAvailableBytes = mi.availableBytes;
        } catch (const Error& e) {
            note(e.what());
        }
    }
    if (auto text = read("self/stat")) {
        try {
            static const long ticksPerSecond = sysconf(_SC_CLK_TCK);
            if (ticksPerSecond > 0) {
                const double cpu =
                    double(host::parseProcessStatTicks(*text)) / double(ticksPerSecond);
                s.processCpuSecondsTotal = cpu;
                if (interval && m_prevProcessSeconds >= 0.0 && cpu >= m_prevProcessSeconds)
                    s.processCpuCores = (cpu - m_prevProcessSeconds) / seconds;
                m_prevProcessSeconds = cpu;
            }
        } catch (const Error& e) {
            note(e.what());
        }
    }
    if (auto text = read("self/status")) {
        try {
            s.processResidentBytes = host::parseStatusResidentBytes(*text);
        } catch (const Error& e) {
            note(e.what());
        }
    }
    m_havePrevious = true;
    m_prevTime = now;
    return s;
}

} // namespace dw
