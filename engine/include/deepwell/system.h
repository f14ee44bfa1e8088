#pragma once
// Facts about the machine that benchmarks and the memory planner need.
#include <cstdint>
#include <string>

namespace dw {

// Sustained read bandwidth of main memory in bytes/s with nThreads threads (0 = all): the
// best of a few passes of summing a buffer much larger than the caches.
double measureReadBandwidth(int nThreads, uint64_t bufferBytes = 1ull << 30);

// Free and total physical memory (from /proc/meminfo); 0 when unknown.
uint64_t availableMemoryBytes();
uint64_t totalMemoryBytes();

// "AMD EPYC ..." from /proc/cpuinfo, "" when unknown.
std::string cpuModelName();

} // namespace dw
