#pragma once
// What the GPU backend can tell a program about the machine's GPU, without CUDA types, so
// app/ can report it (deepwell-cli bench) in every build: a CPU-only build, or a machine
// without a usable GPU, answers available = false with the reason.
#include <cstdint>
#include <string>

namespace dw {

struct GpuInfo {
    bool available = false;
    std::string reason; // why not, e.g. "no usable GPU: no CUDA driver (...)"
    std::string name;   // e.g. "NVIDIA H200"
    int computeMajor = 0;
    int computeMinor = 0;
    int smCount = 0;
    uint64_t totalMemory = 0; // bytes
    uint64_t freeMemory = 0;  // bytes, at the time of the call
    // Peak DRAM bandwidth from the memory clock and bus width, GB/s (1e9 bytes): the
    // denominator of "% of the bandwidth bound" reports.
    double peakBandwidthGBps = 0.0;
    int driverVersion = 0;
    int runtimeVersion = 0;
};

// Facts about GPU 0; never throws.
GpuInfo gpuInfo();

} // namespace dw
