#pragma once
// Facts about the machine that benchmarks and the memory planner need.
#include <cstdint>
#include <string>

namespace dw {

// Read bandwidth of main memory in bytes/s with nThreads threads (0 = all), from passes of
// summing a buffer much larger than the caches, repeated for at least `seconds` (and at
// least four passes). On a machine shared with other tenants the bandwidth one process gets
// swings from pass to pass (a 2-core cloud VM: 24 to 45 GB/s between 8 ms passes), so both
// are kept: the fastest pass, and all passes together (the rate a longer run such as a
// decode gets on average).
struct ReadBandwidth {
    double peak = 0.0;      // the fastest pass
    double sustained = 0.0; // bytes of all passes / their total time
};
ReadBandwidth measureReadBandwidth(int nThreads, double seconds = 0.25, uint64_t bufferBytes = 256ull << 20);

// Free and total physical memory (from /proc/meminfo); 0 when unknown.
uint64_t availableMemoryBytes();
uint64_t totalMemoryBytes();

// "AMD EPYC ..." from /proc/cpuinfo, "" when unknown.
std::string cpuModelName();

} // namespace dw
