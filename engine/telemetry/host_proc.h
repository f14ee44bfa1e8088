#pragma once
// Parsers of the /proc files HostTelemetry reads. Each takes the file's text, so tests feed
// fixtures; malformed text is dw::Error(Format) naming the file and the field.
#include <cstdint>
#include <optional>
#include <string_view>

namespace dw::host {

// The aggregate "cpu" line of /proc/stat:
//   cpu  user nice system idle iowait irq softirq steal guest guest_nice   (jiffies)
// total = user + nice + system + idle + iowait + irq + softirq + steal (guest and guest_nice
// are already counted in user and nice); idle = idle + iowait. Kernels older than 2.6.33 print
// fewer fields: the missing ones count as 0, but at least user..idle must be there.
struct CpuTimes {
    uint64_t total = 0;
    uint64_t idle = 0;
    int cpuCount = 0; // "cpuN" lines
};
CpuTimes parseProcStat(std::string_view text);

// Busy share of the interval between two readings, in percent; empty when no time passed
// or the counters went back.
std::optional<double> cpuUtilizationPercent(const CpuTimes& before, const CpuTimes& after);

// /proc/meminfo: "MemTotal:  16318400 kB" lines. kB are KiB.
struct MemInfo {
    std::optional<uint64_t> totalBytes;
    std::optional<uint64_t> availableBytes; // MemAvailable (Linux >= 3.14)
};
MemInfo parseMeminfo(std::string_view text);

// /proc/<pid>/stat: "pid (comm) state ppid ...". comm may hold spaces and parentheses, so
// fields are counted after the last ')'. Returns utime + stime (fields 14 and 15) in clock
// ticks.
uint64_t parseProcessStatTicks(std::string_view text);

// /proc/<pid>/status: the "VmRSS:  1234 kB" line in bytes; empty when absent (kernel threads).
std::optional<uint64_t> parseStatusResidentBytes(std::string_view text);

} // namespace dw::host
