// Device probing, facts, checked calls and device memory (device.h).
#include "cuda/device.h"

#include "deepwell/error.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstring>
#include <string>

namespace dw::cuda {

namespace {

// Writes 1 so the probe can tell that a kernel of this build really ran on the device.
__global__ void probeKernel(int* flag) {
    *flag = 1;
}

// Error codes that mean "this machine has no usable GPU" rather than a bug (CUDA_FACTS 1.6).
bool isNoGpuError(cudaError_t e) {
    switch (e) {
    case cudaErrorInsufficientDriver:
    case cudaErrorNoDevice:
    case cudaErrorStubLibrary:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorInitializationError:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorDevicesUnavailable:
        return true;
    default:
        return false;
    }
}

std::string withName(const std::string& what, cudaError_t e) {
    return what + " (" + cudaGetErrorName(e) + ")";
}

std::string noGpuReason(cudaError_t e) {
    switch (e) {
    case cudaErrorInsufficientDriver: {
        int driver = 0;
        cudaDriverGetVersion(&driver);
        if (driver == 0) return withName("no CUDA driver", e);
        int runtime = 0;
        cudaRuntimeGetVersion(&runtime);
        return withName("CUDA driver too old: driver supports " + std::to_string(driver) +
                            ", this build needs " + std::to_string(runtime),
                        e);
    }
    case cudaErrorNoDevice:
        return withName("no CUDA device", e);
    case cudaErrorStubLibrary:
        return withName("the CUDA stub library was loaded instead of the driver", e);
    case cudaErrorSystemDriverMismatch:
        return withName("CUDA driver and kernel module versions differ", e);
    case cudaErrorCompatNotSupportedOnDevice:
        return withName("CUDA forward compatibility is not supported on this device", e);
    case cudaErrorInitializationError:
        return withName("CUDA initialisation failed", e);
    case cudaErrorDevicesUnavailable:
        return withName("the CUDA device is busy or unavailable", e);
    default:
        return withName(std::string("CUDA is unusable: ") + cudaGetErrorString(e), e);
    }
}

ProbeResult runProbe() {
    ProbeResult r;
    int count = 0; // must be pre-initialised: not written on failure (CUDA_FACTS 1.6)
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError();
        r.cudaError = e;
        r.reason = noGpuReason(e);
        return r;
    }
    r.deviceCount = count;
    if (count <= 0) {
        r.cudaError = cudaErrorNoDevice;
        r.reason = noGpuReason(cudaErrorNoDevice);
        return r;
    }
    int major = 0, minor = 0;
    if ((e = cudaSetDevice(0)) != cudaSuccess ||
        (e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0)) != cudaSuccess ||
        (e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0)) != cudaSuccess) {
        cudaGetLastError();
        r.cudaError = e;
        r.reason = noGpuReason(e);
        return r;
    }
    if (major * 10 + minor < 75) {
        r.reason = "GPU compute capability " + std::to_string(major) + "." + std::to_string(minor) +
                   " is below the 7.5 that CUDA 13 supports";
        return r;
    }
    // A tiny launch: catches a binary without SASS/PTX for this architecture (error 209).
    int* flag = nullptr;
    int host = 0;
    if ((e = cudaMalloc(&flag, sizeof(int))) == cudaSuccess) {
        probeKernel<<<1, 1>>>(flag);
        e = cudaGetLastError();
        if (e == cudaSuccess) e = cudaMemcpy(&host, flag, sizeof(int), cudaMemcpyDeviceToHost);
        cudaFree(flag);
    }
    if (e != cudaSuccess) {
        cudaGetLastError();
        r.cudaError = e;
        if (e == cudaErrorNoKernelImageForDevice)
            r.reason = withName("this build has no kernel image for sm_" + std::to_string(major) +
                                    std::to_string(minor) + "; add it to CMAKE_CUDA_ARCHITECTURES",
                                e);
        else
            r.reason = noGpuReason(e);
        return r;
    }
    if (host != 1) {
        r.reason = "the probe kernel did not run on the GPU";
        return r;
    }
    r.usable = true;
    return r;
}

} // namespace

const ProbeResult& probe() {
    static const ProbeResult result = runProbe();
    return result;
}

double DeviceInfo::peakBandwidthGBps() const {
    return 2.0 * double(memoryClockKHz) * 1e3 * (double(busWidthBits) / 8.0) / 1e9;
}

DeviceInfo deviceInfo(int ordinal) {
    DeviceInfo info;
    info.ordinal = ordinal;
    cudaDeviceProp prop{};
    DW_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
    info.name = prop.name;
    info.major = prop.major;
    info.minor = prop.minor;
    info.smCount = prop.multiProcessorCount;
    info.totalMemory = prop.totalGlobalMem;
    info.l2CacheBytes = size_t(prop.l2CacheSize);
    info.sharedMemPerBlockOptin = prop.sharedMemPerBlockOptin;
    // memoryClockRate left cudaDeviceProp in CUDA 13; the attributes remain (CUDA_FACTS 1.2).
    DW_CUDA_CHECK(
        cudaDeviceGetAttribute(&info.memoryClockKHz, cudaDevAttrMemoryClockRate, ordinal));
    DW_CUDA_CHECK(
        cudaDeviceGetAttribute(&info.busWidthBits, cudaDevAttrGlobalMemoryBusWidth, ordinal));
    DW_CUDA_CHECK(cudaDriverGetVersion(&info.driverVersion));
    DW_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtimeVersion));
    int current = 0;
    DW_CUDA_CHECK(cudaGetDevice(&current));
    if (current == ordinal) {
        size_t freeBytes = 0, totalBytes = 0;
        DW_CUDA_CHECK(cudaMemGetInfo(&freeBytes, &totalBytes));
        info.freeMemory = freeBytes;
    }
    return info;
}

const char* cudaErrorName(int code) {
    return cudaGetErrorName(static_cast<cudaError_t>(code));
}

void throwCudaError(int code, const char* expr, const char* file, int line) {
    const auto e = static_cast<cudaError_t>(code);
    ErrorCode kind = ErrorCode::Internal;
    if (e == cudaErrorMemoryAllocation) {
        kind = ErrorCode::OutOfMemory;
        cudaGetLastError(); // not sticky: clear it so the caller may fall back
    } else if (isNoGpuError(e)) {
        kind = ErrorCode::Unsupported;
    }
    throw Error(kind, std::string("CUDA error ") + cudaGetErrorName(e) + " (" +
                          std::to_string(code) + ": " + cudaGetErrorString(e) + ") in " + expr +
                          " at " + file + ":" + std::to_string(line));
}

void throwCublasError(int status, const char* expr, const char* file, int line) {
    const auto s = static_cast<cublasStatus_t>(status);
    const ErrorCode kind =
        s == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::OutOfMemory : ErrorCode::Internal;
    throw Error(kind, std::string("cuBLAS error ") + cublasGetStatusName(s) + " (" +
                          std::to_string(status) + ": " + cublasGetStatusString(s) + ") in " +
                          expr + " at " + file + ":" + std::to_string(line));
}

void synchronize(Stream stream) {
    DW_CUDA_CHECK(cudaStreamSynchronize(stream));
}

MemoryInfo memoryInfo() {
    MemoryInfo m;
    DW_CUDA_CHECK(cudaMemGetInfo(&m.freeBytes, &m.totalBytes));
    return m;
}

void copyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, Stream stream) {
    if (bytes == 0) return;
    const cudaMemcpyKind k = kind == CopyKind::HostToDevice   ? cudaMemcpyHostToDevice
                             : kind == CopyKind::DeviceToHost ? cudaMemcpyDeviceToHost
                                                              : cudaMemcpyDeviceToDevice;
    DW_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, k, stream));
}

// ---- DeviceBuffer ----------------------------------------------------------------------

DeviceBuffer::DeviceBuffer(size_t bytes) : m_bytes(bytes) {
    if (bytes == 0) return;
    const cudaError_t e = cudaMalloc(&m_ptr, bytes);
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        size_t freeBytes = 0, totalBytes = 0;
        cudaMemGetInfo(&freeBytes, &totalBytes);
        cudaGetLastError();
        m_ptr = nullptr;
        throw Error(ErrorCode::OutOfMemory, "cudaMalloc of " + std::to_string(bytes) +
                                                " bytes failed: " + std::to_string(freeBytes) +
                                                " of " + std::to_string(totalBytes) +
                                                " bytes of device memory are free");
    }
    if (e != cudaSuccess) {
        m_ptr = nullptr;
        throwCudaError(e, "cudaMalloc", __FILE__, __LINE__);
    }
}

DeviceBuffer::~DeviceBuffer() {
    if (m_ptr) cudaFree(m_ptr); // errors cannot be reported from a destructor
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : m_ptr(other.m_ptr), m_bytes(other.m_bytes) {
    other.m_ptr = nullptr;
    other.m_bytes = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        if (m_ptr) cudaFree(m_ptr);
        m_ptr = other.m_ptr;
        m_bytes = other.m_bytes;
        other.m_ptr = nullptr;
        other.m_bytes = 0;
    }
    return *this;
}

namespace {
void checkRange(const char* what, size_t bytes, size_t offset, size_t capacity) {
    if (offset > capacity || bytes > capacity - offset)
        throw Error(ErrorCode::InvalidArgument,
                    std::string("DeviceBuffer::") + what + ": range [" + std::to_string(offset) +
                        ", " + std::to_string(offset) + " + " + std::to_string(bytes) +
                        ") exceeds the buffer size " + std::to_string(capacity));
}
} // namespace

void DeviceBuffer::upload(const void* src, size_t bytes, size_t offset) {
    checkRange("upload", bytes, offset, m_bytes);
    if (bytes == 0) return;
    DW_CUDA_CHECK(
        cudaMemcpy(static_cast<uint8_t*>(m_ptr) + offset, src, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download(void* dst, size_t bytes, size_t offset) const {
    checkRange("download", bytes, offset, m_bytes);
    if (bytes == 0) return;
    DW_CUDA_CHECK(cudaMemcpy(dst, static_cast<const uint8_t*>(m_ptr) + offset, bytes,
                             cudaMemcpyDeviceToHost));
}

void DeviceBuffer::fill(uint8_t value) {
    if (m_bytes == 0) return;
    DW_CUDA_CHECK(cudaMemset(m_ptr, value, m_bytes));
    DW_CUDA_CHECK(cudaDeviceSynchronize());
}

// ---- Arena -----------------------------------------------------------------------------

const char* memoryCategoryName(MemoryCategory c) {
    switch (c) {
    case MemoryCategory::Weights:
        return "weights";
    case MemoryCategory::KvCache:
        return "kv-cache";
    case MemoryCategory::Activations:
        return "activations";
    case MemoryCategory::Scratch:
        return "scratch";
    case MemoryCategory::Other:
        return "other";
    }
    return "unknown";
}

Arena::Arena(size_t capacity, MemoryCategory category) : m_buffer(capacity), m_category(category) {}

void* Arena::allocate(size_t bytes) {
    const size_t start = alignUp(m_used);
    if (start > capacity() || bytes > capacity() - start)
        throw Error(ErrorCode::OutOfMemory,
                    std::string("arena '") + memoryCategoryName(m_category) + "': request of " +
                        std::to_string(bytes) + " bytes does not fit (" + std::to_string(m_used) +
                        " of " + std::to_string(capacity()) + " bytes used)");
    m_used = start + bytes;
    if (m_used > m_highWater) m_highWater = m_used;
    return static_cast<uint8_t*>(m_buffer.data()) + start;
}

// ---- StreamOwner -----------------------------------------------------------------------

StreamOwner::StreamOwner() {
    cudaStream_t s = nullptr;
    DW_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    m_stream = s;
}

StreamOwner::~StreamOwner() {
    if (m_stream) cudaStreamDestroy(m_stream);
}

} // namespace dw::cuda
