// NvmlSource: NVML through dlopen. Everything optional is resolved once; a figure whose
// function is missing (older driver) or answers NOT_SUPPORTED / NO_PERMISSION is left empty
// without complaint; any other failure is left empty and named in GpuSample::error.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"
#include "telemetry/nvml_api.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <type_traits>
#include <vector>

namespace dw {

namespace {

template <typename Fn> Fn resolve(void* lib, const char* name) {
    // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
    return reinterpret_cast<Fn>(dlsym(lib, name));
}

std::string oneLine(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

std::string processName(const std::string& procRoot, unsigned pid) {
    std::ifstream in(procRoot + "/" + std::to_string(pid) + "/comm");
    std::string name;
    if (in) std::getline(in, name);
    return name;
}

} // namespace

struct NvmlSource::Impl {
    NvmlOptions options;
    std::string path;
    void* lib = nullptr;
    bool initialized = false;
    std::string reason; // why unavailable; "" when available

    nvml::InitFn init = nullptr;
    nvml::ShutdownFn shutdown = nullptr;
    nvml::ErrorStringFn errorString = nullptr;
    nvml::DeviceGetCountFn getCount = nullptr;
    nvml::DeviceGetHandleByIndexFn getHandle = nullptr;
    nvml::DeviceGetStringFn getName = nullptr;
    nvml::DeviceGetStringFn getUuid = nullptr;
    nvml::DeviceGetUtilizationRatesFn getUtilization = nullptr;
    nvml::DeviceGetMemoryInfoFn getMemory = nullptr;
    nvml::DeviceGetUintBySelectorFn getTemperature = nullptr;
    nvml::DeviceGetUintFn getPower = nullptr;
    nvml::DeviceGetUintFn getPowerLimit = nullptr;
    nvml::DeviceGetUintBySelectorFn getClock = nullptr;
    nvml::DeviceGetUintBySelectorFn getPcie = nullptr;
    nvml::DeviceGetProcessesV2Fn getProcessesV2 = nullptr; // _v3, else _v2
    nvml::DeviceGetProcessesV1Fn getProcessesV1 = nullptr; // the unversioned one

    std::mutex mutex; // serialises sample() (NVML is thread-safe; this keeps `devices` simple)
    std::vector<nvml::Device> devices;

    void open();
    std::string describe(nvml::Return r) const {
        const char* s = errorString ? errorString(r) : nullptr;
        return s ? std::string(s) : "NVML error " + std::to_string(r);
    }
    // True on success. Not-supported answers stay silent; other failures fill s.error once.
    bool check(GpuSample& s, const char* what, nvml::Return r) const {
        if (r == nvml::kSuccess) return true;
        if (r != nvml::kErrorNotSupported && r != nvml::kErrorNoPermission && s.error.empty())
            s.error = std::string(what) + ": " + oneLine(describe(r));
        return false;
    }
    void processes(GpuSample& s, nvml::Device d) const;
};

void NvmlSource::Impl::open() {
    path = options.libraryPath;
    if (path.empty()) {
        const char* env = std::getenv("DEEPWELL_NVML_LIBRARY");
        path = env && *env ? env : "libnvidia-ml.so.1";
    }
    dlerror();
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* err = dlerror();
        const std::string detail = err ? err : "";
        reason = "no NVIDIA driver: " + path + " not found";
        if (detail.find("No such file") == std::string::npos && !detail.empty())
            reason += " (" + oneLine(detail) + ")";
        return;
    }
    const char* missing = nullptr;
    auto need = [&](auto& fn, const char* name) {
        fn = resolve<std::remove_reference_t<decltype(fn)>>(lib, name);
        if (!fn && !missing) missing = name;
    };
    need(init, "nvmlInit_v2");
    need(shutdown, "nvmlShutdown");
    need(getCount, "nvmlDeviceGetCount_v2");
    need(getHandle, "nvmlDeviceGetHandleByIndex_v2");
    if (missing) {
        reason = "no usable NVIDIA driver: " + path + " has no " + missing +
                 " (driver too old, or not NVML)";
        dlclose(lib);
        lib = nullptr;
        return;
    }
    errorString = resolve<nvml::ErrorStringFn>(lib, "nvmlErrorString");
    getName = resolve<nvml::DeviceGetStringFn>(lib, "nvmlDeviceGetName");
    getUuid = resolve<nvml::DeviceGetStringFn>(lib, "nvmlDeviceGetUUID");
    getUtilization =
        resolve<nvml::DeviceGetUtilizationRatesFn>(lib, "nvmlDeviceGetUtilizationRates");
    getMemory = resolve<nvml::DeviceGetMemoryInfoFn>(lib, "nvmlDeviceGetMemoryInfo");
    getTemperature = resolve<nvml::DeviceGetUintBySelectorFn>(lib, "nvmlDeviceGetTemperature");
    getPower = resolve<nvml::DeviceGetUintFn>(lib, "nvmlDeviceGetPowerUsage");
    getPowerLimit = resolve<nvml::DeviceGetUintFn>(lib, "nvmlDeviceGetEnforcedPowerLimit");
    getClock = resolve<nvml::DeviceGetUintBySelectorFn>(lib, "nvmlDeviceGetClockInfo");
    getPcie = resolve<nvml::DeviceGetUintBySelectorFn>(lib, "nvmlDeviceGetPcieThroughput");
    getProcessesV2 =
        resolve<nvml::DeviceGetProcessesV2Fn>(lib, "nvmlDeviceGetComputeRunningProcesses_v3");
    if (!getProcessesV2)
        getProcessesV2 =
            resolve<nvml::DeviceGetProcessesV2Fn>(lib, "nvmlDeviceGetComputeRunningProcesses_v2");
    if (!getProcessesV2)
        getProcessesV1 =
            resolve<nvml::DeviceGetProcessesV1Fn>(lib, "nvmlDeviceGetComputeRunningProcesses");

    const nvml::Return r = init();
    if (r != nvml::kSuccess) {
        reason = "no NVIDIA driver: nvmlInit failed: " + oneLine(describe(r));
        return; // the library stays open: describe() may still be needed, dlclose in ~Impl
    }
    initialized = true;
    unsigned int count = 0;
    const nvml::Return rc = getCount(&count);
    if (rc != nvml::kSuccess) {
        reason = "NVML cannot count the GPUs: " + oneLine(describe(rc));
        return;
    }
    for (unsigned int i = 0; i < count; ++i) {
        nvml::Device d = nullptr;
        const nvml::Return rh = getHandle(i, &d);
        if (rh != nvml::kSuccess) {
            reason = "NVML cannot open GPU " + std::to_string(i) + ": " + oneLine(describe(rh));
            devices.clear();
            return;
        }
        devices.push_back(d);
    }
    if (devices.empty()) reason = "no NVIDIA GPU: the driver reports none";
}

void NvmlSource::Impl::processes(GpuSample& s, nvml::Device d) const {
    auto collect = [&](auto fn, auto tag) {
        using Info = decltype(tag);
        std::vector<Info> infos(64);
        for (int attempt = 0; attempt < 3; ++attempt) {
            unsigned int count = static_cast<unsigned int>(infos.size());
            const nvml::Return r = fn(d, &count, infos.data());
            if (r == nvml::kErrorInsufficientSize) {
                // count now holds the number needed; processes may start meanwhile.
                infos.resize(size_t(count) + 16);
                continue;
            }
            if (!check(s, "processes", r)) return;
            s.processesKnown = true;
            const size_t n = std::min<size_t>(count, infos.size());
            for (size_t i = 0; i < n; ++i) {
                GpuProcessUsage p;
                p.pid = infos[i].pid;
                if (infos[i].usedGpuMemory != nvml::kValueNotAvailable)
                    p.usedBytes = infos[i].usedGpuMemory;
                p.name = processName(options.procRoot, p.pid);
                s.processes.push_back(std::move(p));
            }
            return;
        }
        if (s.error.empty()) s.error = "processes: the list kept growing";
    };
    if (getProcessesV2)
        collect(getProcessesV2, nvml::ProcessInfoV2{});
    else if (getProcessesV1)
        collect(getProcessesV1, nvml::ProcessInfoV1{});
}

NvmlSource::NvmlSource(const NvmlOptions& options) : m(std::make_unique<Impl>()) {
    m->options = options;
    m->open();
}

NvmlSource::~NvmlSource() {
    if (m->initialized) m->shutdown();
    if (m->lib) dlclose(m->lib);
}

bool NvmlSource::available() const {
    return m->reason.empty();
}
std::string NvmlSource::whyUnavailable() const {
    return m->reason;
}
int NvmlSource::deviceCount() const {
    return available() ? int(m->devices.size()) : 0;
}
const std::string& NvmlSource::libraryPath() const {
    return m->path;
}

GpuSample NvmlSource::sample(int index) {
    if (index < 0 || index >= deviceCount())
        throw Error(ErrorCode::InvalidArgument, "NVML: GPU index " + std::to_string(index) +
                                                    " is outside [0, " +
                                                    std::to_string(deviceCount()) + ")");
    std::lock_guard<std::mutex> lock(m->mutex);
    const Impl& a = *m;
    const nvml::Device d = a.devices[size_t(index)];
    GpuSample s;
    s.index = index;
    char text[nvml::kNameBufferSize > nvml::kUuidBufferSize ? nvml::kNameBufferSize
                                                            : nvml::kUuidBufferSize];
    auto readString = [&](nvml::DeviceGetStringFn fn, const char* what, std::string& out) {
        std::memset(text, 0, sizeof(text));
        if (fn && a.check(s, what, fn(d, text, sizeof(text))))
            out.assign(text, strnlen(text, sizeof(text)));
    };
    readString(a.getName, "name", s.name);
    readString(a.getUuid, "uuid", s.uuid);
    if (a.getUtilization) {
        nvml::Utilization u{};
        if (a.check(s, "utilization", a.getUtilization(d, &u))) {
            s.utilizationPercent = u.gpu;
            s.memoryBusyPercent = u.memory;
        }
    }
    if (a.getMemory) {
        nvml::Memory mem{};
        if (a.check(s, "memory", a.getMemory(d, &mem))) {
            s.memoryUsedBytes = mem.used;
            s.memoryTotalBytes = mem.total;
        }
    }
    unsigned int v = 0;
    if (a.getTemperature &&
        a.check(s, "temperature", a.getTemperature(d, nvml::kTemperatureGpu, &v)))
        s.temperatureCelsius = v;
    if (a.getPower && a.check(s, "power", a.getPower(d, &v))) s.powerWatts = v / 1000.0; // mW
    if (a.getPowerLimit && a.check(s, "power limit", a.getPowerLimit(d, &v)))
        s.powerLimitWatts = v / 1000.0;
    if (a.getClock && a.check(s, "SM clock", a.getClock(d, nvml::kClockSm, &v))) s.smClockMHz = v;
    if (a.getClock && a.check(s, "memory clock", a.getClock(d, nvml::kClockMem, &v)))
        s.memoryClockMHz = v;
    if (a.options.queryPcie && a.getPcie) {
        // NVML reports KB/s; taken as KiB/s (1024 bytes).
        if (a.check(s, "PCIe rx", a.getPcie(d, nvml::kPcieRxBytes, &v)))
            s.pcieRxBytesPerSecond = uint64_t(v) * 1024;
        if (a.check(s, "PCIe tx", a.getPcie(d, nvml::kPcieTxBytes, &v)))
            s.pcieTxBytesPerSecond = uint64_t(v) * 1024;
    }
    if (a.options.queryProcesses) a.processes(s, d);
    return s;
}

} // namespace dw
