// A stand-in for libnvidia-ml.so.1: the C symbols NvmlSource resolves, answering from a fixed
// table that environment variables adjust, so tests exercise the real dlopen/dlsym path.
//
// Built three times (tests/engine/telemetry/CMakeLists.txt):
//   fake_nvml          nvmlDeviceGetComputeRunningProcesses_v3 (nvmlProcessInfo_t layout)
//   fake_nvml_v1       only the unversioned process query (nvmlProcessInfo_v1_t layout)
//   fake_nvml_noinit   lacks nvmlInit_v2 (a library that is not NVML, or a driver too old)
//
// The table: GPU 0 "Fake GPU 0" reports everything; GPU 1 "Fake GPU 1" reports name, UUID and
// memory only (NOT_SUPPORTED for the rest) and GPU_IS_LOST for its power limit.
// Environment, read at each call:
//   FAKE_NVML_INIT_RESULT   nvmlReturn_t of nvmlInit_v2 (default 0)
//   FAKE_NVML_DEVICE_COUNT  0..2 (default 2)
//   FAKE_NVML_POWER_MW      GPU 0 power in milliwatts (default 250000)
//   FAKE_NVML_UTILIZATION   GPU 0 utilisation percent (default 75)
//   FAKE_NVML_PROCESSES     compute processes on GPU 0 (default 2): this process with 512 MiB,
//                           pid 1 with NVML_VALUE_NOT_AVAILABLE, then pids 400000+i with i MiB
#include "telemetry/nvml_api.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace dw::nvml;

namespace {

struct FakeDevice {
    const char* name;
    const char* uuid;
    bool full;
};
FakeDevice g_devices[2] = {{"Fake GPU 0", "GPU-00000000-0000-4000-8000-000000000000", true},
                           {"Fake GPU 1", "GPU-11111111-1111-4111-8111-111111111111", false}};
int g_initCount = 0; // nvmlInit_v2 successes minus nvmlShutdown calls

unsigned envOr(const char* name, unsigned fallback) {
    const char* v = std::getenv(name);
    return v && *v ? unsigned(std::strtoul(v, nullptr, 10)) : fallback;
}

FakeDevice* device(Device d) {
    return reinterpret_cast<FakeDevice*>(d);
}

Return copyString(const char* s, char* out, unsigned int length) {
    if (!out) return kErrorInvalidArgument;
    if (std::strlen(s) + 1 > length) return kErrorInsufficientSize;
    std::memcpy(out, s, std::strlen(s) + 1);
    return kSuccess;
}

template <typename Info> Return processes(Device d, unsigned int* count, Info* infos) {
    if (!d || !count) return kErrorInvalidArgument;
    if (!device(d)->full) return kErrorNotSupported;
    const unsigned n = envOr("FAKE_NVML_PROCESSES", 2);
    if (*count < n) {
        *count = n;
        return kErrorInsufficientSize;
    }
    for (unsigned i = 0; i < n; ++i) {
        Info info{};
        if (i == 0) {
            info.pid = unsigned(::getpid());
            info.usedGpuMemory = 512ull << 20;
        } else if (i == 1) {
            info.pid = 1;
            info.usedGpuMemory = kValueNotAvailable;
        } else {
            info.pid = 400000 + i;
            info.usedGpuMemory = (unsigned long long)i << 20;
        }
        infos[i] = info;
    }
    *count = n;
    return kSuccess;
}

} // namespace

extern "C" {

// Test hook (not NVML): how many initialisations are open.
int fakeNvmlInitCount() {
    return g_initCount;
}

#ifndef FAKE_NVML_NO_INIT
Return nvmlInit_v2() {
    const Return r = Return(envOr("FAKE_NVML_INIT_RESULT", 0));
    if (r == kSuccess) ++g_initCount;
    return r;
}
#endif

Return nvmlShutdown() {
    --g_initCount; // may go negative, so a test sees an unbalanced shutdown
    return g_initCount < 0 ? kErrorUninitialized : kSuccess;
}

const char* nvmlErrorString(Return r) {
    switch (r) {
    case kSuccess:
        return "Success";
    case kErrorNotSupported:
        return "Not Supported";
    case kErrorDriverNotLoaded:
        return "Driver Not Loaded";
    case kErrorGpuIsLost:
        return "GPU is lost";
    default:
        return "Unknown Error";
    }
}

Return nvmlDeviceGetCount_v2(unsigned int* count) {
    if (g_initCount <= 0) return kErrorUninitialized;
    *count = envOr("FAKE_NVML_DEVICE_COUNT", 2) > 2 ? 2 : envOr("FAKE_NVML_DEVICE_COUNT", 2);
    return kSuccess;
}

Return nvmlDeviceGetHandleByIndex_v2(unsigned int index, Device* d) {
    if (g_initCount <= 0) return kErrorUninitialized;
    if (index >= 2 || !d) return kErrorInvalidArgument;
    *d = reinterpret_cast<Device>(&g_devices[index]);
    return kSuccess;
}

Return nvmlDeviceGetName(Device d, char* name, unsigned int length) {
    return copyString(device(d)->name, name, length);
}

Return nvmlDeviceGetUUID(Device d, char* uuid, unsigned int length) {
    return copyString(device(d)->uuid, uuid, length);
}

Return nvmlDeviceGetUtilizationRates(Device d, Utilization* u) {
    if (!device(d)->full) return kErrorNotSupported;
    u->gpu = envOr("FAKE_NVML_UTILIZATION", 75);
    u->memory = 40;
    return kSuccess;
}

Return nvmlDeviceGetMemoryInfo(Device d, Memory* m) {
    m->total = device(d)->full ? 24ull << 30 : 16ull << 30;
    m->used = device(d)->full ? 6ull << 30 : 1ull << 30;
    m->free = m->total - m->used;
    return kSuccess;
}

Return nvmlDeviceGetTemperature(Device d, unsigned int sensor, unsigned int* t) {
    if (!device(d)->full || sensor != kTemperatureGpu) return kErrorNotSupported;
    *t = 61;
    return kSuccess;
}

Return nvmlDeviceGetPowerUsage(Device d, unsigned int* mw) {
    if (!device(d)->full) return kErrorNotSupported;
    *mw = envOr("FAKE_NVML_POWER_MW", 250000);
    return kSuccess;
}

Return nvmlDeviceGetEnforcedPowerLimit(Device d, unsigned int* mw) {
    if (!device(d)->full) return kErrorGpuIsLost;
    *mw = 450000;
    return kSuccess;
}

Return nvmlDeviceGetClockInfo(Device d, unsigned int type, unsigned int* mhz) {
    if (!device(d)->full) return kErrorNotSupported;
    if (type == kClockSm)
        *mhz = 2520;
    else if (type == kClockMem)
        *mhz = 10501;
    else
        return kErrorInvalidArgument;
    return kSuccess;
}

Return nvmlDeviceGetPcieThroughput(Device d, unsigned int counter, unsigned int* kbps) {
    if (!device(d)->full) return kErrorNotSupported;
    if (counter == kPcieTxBytes)
        *kbps = 1200;
    else if (counter == kPcieRxBytes)
        *kbps = 3400;
    else
        return kErrorInvalidArgument;
    return kSuccess;
}

#ifdef FAKE_NVML_V1_ONLY
Return nvmlDeviceGetComputeRunningProcesses(Device d, unsigned int* count, ProcessInfoV1* infos) {
    return processes(d, count, infos);
}
#else
Return nvmlDeviceGetComputeRunningProcesses_v3(Device d, unsigned int* count,
                                               ProcessInfoV2* infos) {
    return processes(d, count, infos);
}
#endif

} // extern "C"
