#pragma once
// The part of the NVML C API that NvmlSource uses, declared from NVIDIA's public API
// reference (docs.nvidia.com/deploy/nvml-api) so that nothing links against, or needs the
// headers of, the driver. The functions are resolved with dlsym by these exact names.
//
// ABI notes: nvmlReturn_t and the enum parameters (nvmlTemperatureSensors_t, nvmlClockType_t,
// nvmlPcieUtilCounter_t) are C enums, passed and returned as int; nvmlDevice_t is an opaque
// pointer. The struct layouts below are checked by static_assert on LP64.
#include <cstddef>

namespace dw::nvml {

using Return = int; // nvmlReturn_t
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorUninitialized = 1;
inline constexpr Return kErrorInvalidArgument = 2;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorNotFound = 6;
inline constexpr Return kErrorInsufficientSize = 7;
inline constexpr Return kErrorDriverNotLoaded = 9;
inline constexpr Return kErrorGpuIsLost = 15;
inline constexpr Return kErrorUnknown = 999;

struct DeviceOpaque;
using Device = DeviceOpaque*; // nvmlDevice_t

inline constexpr unsigned kTemperatureGpu = 0;  // NVML_TEMPERATURE_GPU
inline constexpr unsigned kClockGraphics = 0;   // NVML_CLOCK_GRAPHICS
inline constexpr unsigned kClockSm = 1;         // NVML_CLOCK_SM
inline constexpr unsigned kClockMem = 2;        // NVML_CLOCK_MEM
inline constexpr unsigned kPcieTxBytes = 0;     // NVML_PCIE_UTIL_TX_BYTES (KB/s)
inline constexpr unsigned kPcieRxBytes = 1;     // NVML_PCIE_UTIL_RX_BYTES (KB/s)
inline constexpr unsigned kNameBufferSize = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE
inline constexpr unsigned kUuidBufferSize = 96; // NVML_DEVICE_UUID_V2_BUFFER_SIZE
// NVML_VALUE_NOT_AVAILABLE in a process's usedGpuMemory (e.g. Windows WDDM, some vGPUs).
inline constexpr unsigned long long kValueNotAvailable = ~0ull;

struct Utilization { // nvmlUtilization_t: percent of the last sample period
    unsigned int gpu;
    unsigned int memory;
};
struct Memory { // nvmlMemory_t: bytes
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};
// nvmlProcessInfo_v1_t: taken by the unversioned nvmlDeviceGetComputeRunningProcesses.
struct ProcessInfoV1 {
    unsigned int pid;
    unsigned long long usedGpuMemory; // bytes
};
// nvmlProcessInfo_t (= nvmlProcessInfo_v2_t): taken by the _v2 and _v3 functions.
struct ProcessInfoV2 {
    unsigned int pid;
    unsigned long long usedGpuMemory; // bytes
    unsigned int gpuInstanceId;       // MIG; 0xFFFFFFFF otherwise
    unsigned int computeInstanceId;
};
static_assert(sizeof(Utilization) == 8);
static_assert(sizeof(Memory) == 24);
static_assert(sizeof(ProcessInfoV1) == 16 && offsetof(ProcessInfoV1, usedGpuMemory) == 8);
static_assert(sizeof(ProcessInfoV2) == 24 && offsetof(ProcessInfoV2, computeInstanceId) == 20);

using InitFn = Return (*)();                                        // nvmlInit_v2
using ShutdownFn = Return (*)();                                    // nvmlShutdown
using ErrorStringFn = const char* (*)(Return);                      // nvmlErrorString
using DeviceGetCountFn = Return (*)(unsigned int*);                 // nvmlDeviceGetCount_v2
using DeviceGetHandleByIndexFn = Return (*)(unsigned int, Device*); // nvmlDeviceGetHandleByIndex_v2
using DeviceGetStringFn = Return (*)(Device, char*, unsigned int);  // nvmlDeviceGetName, ...GetUUID
using DeviceGetUtilizationRatesFn = Return (*)(Device, Utilization*);
using DeviceGetMemoryInfoFn = Return (*)(Device, Memory*);
using DeviceGetUintBySelectorFn = Return (*)(Device, unsigned int,
                                             unsigned int*); // temperature,
                                                             // clock, PCIe throughput
using DeviceGetUintFn = Return (*)(Device, unsigned int*);   // power usage / enforced limit (mW)
using DeviceGetProcessesV1Fn = Return (*)(Device, unsigned int*, ProcessInfoV1*);
using DeviceGetProcessesV2Fn = Return (*)(Device, unsigned int*, ProcessInfoV2*);

} // namespace dw::nvml
