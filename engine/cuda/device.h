#pragma once
// CUDA device basics: probing for a usable GPU, device facts, checked calls, device memory.
//
// This header is included by plain C++ (tests, programs, the model code), so it names no
// CUDA type: a stream is the opaque `CUstream_st*` that cudaStream_t is a typedef of, and
// error codes travel as int (cudaError_t / cublasStatus_t values).
#include <cstddef>
#include <cstdint>
#include <string>

struct CUstream_st;

namespace dw::cuda {

// A CUDA stream (cudaStream_t). nullptr is the legacy default stream.
using Stream = CUstream_st*;

// ---- probing ---------------------------------------------------------------------------

struct ProbeResult {
    bool usable = false;
    int deviceCount = 0;
    int cudaError = 0;  // the cudaError_t that made the GPU unusable, 0 if none
    std::string reason; // empty when usable, e.g. "no CUDA driver (cudaErrorInsufficientDriver)"
};

// Finds out whether device 0 can run this build's kernels: a driver, at least one device,
// compute capability >= 7.5 and a kernel image for it (a tiny launch is tried). Never
// throws; the result is computed once and cached (thread-safe).
const ProbeResult& probe();

struct DeviceInfo {
    int ordinal = 0;
    std::string name;
    int major = 0; // compute capability
    int minor = 0;
    int smCount = 0;
    size_t totalMemory = 0; // bytes
    size_t freeMemory = 0;  // bytes, when queried
    int memoryClockKHz = 0;
    int busWidthBits = 0;
    size_t l2CacheBytes = 0;
    size_t sharedMemPerBlockOptin = 0;
    int driverVersion = 0; // e.g. 13000
    int runtimeVersion = 0;
    // Peak DRAM bandwidth from the memory clock and bus width (x2: double data rate),
    // GB/s (1e9 bytes). A hint for reports; measure for decisions (CUDA_FACTS 1.3).
    double peakBandwidthGBps() const;
};

// Facts about a device (throws dw::Error when CUDA is unusable).
DeviceInfo deviceInfo(int ordinal = 0);

// ---- checked calls ---------------------------------------------------------------------

// Throws dw::Error naming the CUDA error (cudaGetErrorName), its description, the failed
// expression, file and line. cudaErrorMemoryAllocation maps to ErrorCode::OutOfMemory (and
// is cleared, it is not sticky); the "no usable GPU" codes to Unsupported; others Internal.
[[noreturn]] void throwCudaError(int code, const char* expr, const char* file, int line);
[[noreturn]] void throwCublasError(int status, const char* expr, const char* file, int line);

// Name of a cudaError_t value ("cudaErrorInsufficientDriver").
const char* cudaErrorName(int code);

// Blocks until all work queued on `stream` is done (checked).
void synchronize(Stream stream);

// Free and total bytes of device memory on the current device (cudaMemGetInfo).
struct MemoryInfo {
    size_t freeBytes = 0;
    size_t totalBytes = 0;
};
MemoryInfo memoryInfo();

// cudaMemcpyAsync on `stream` (checked). Host memory may be pageable (the copy is then
// synchronous with respect to the host, as CUDA documents).
enum class CopyKind { HostToDevice, DeviceToHost, DeviceToDevice };
void copyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, Stream stream);

// ---- device memory ---------------------------------------------------------------------

// Owns one cudaMalloc allocation (moveable, not copyable). A failed allocation throws
// dw::Error(OutOfMemory) with the requested and free bytes.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return m_ptr; }
    template <typename T> T* as() const { return static_cast<T*>(m_ptr); }
    size_t bytes() const { return m_bytes; }

    // Synchronous copies (bounds-checked against bytes()).
    void upload(const void* src, size_t bytes, size_t offset = 0);
    void download(void* dst, size_t bytes, size_t offset = 0) const;
    // Sets every byte to `value` (synchronous).
    void fill(uint8_t value);

private:
    void* m_ptr = nullptr;
    size_t m_bytes = 0;
};

// What an arena's bytes are for, for the memory ledger (DESIGN: VRAM by purpose).
enum class MemoryCategory { Weights, KvCache, Activations, Scratch, Other };
const char* memoryCategoryName(MemoryCategory c);

// One allocation, handed out by bump allocation in 256-byte-aligned pieces; pointers stay
// valid until reset() or destruction (so CUDA graphs that captured them stay valid).
class Arena {
public:
    static constexpr size_t kAlignment = 256;

    Arena(size_t capacity, MemoryCategory category);

    // A 256-byte-aligned piece of `bytes` (0 is allowed and returns an aligned pointer).
    // Throws dw::Error(OutOfMemory) naming the category, the request and the space left.
    void* allocate(size_t bytes);
    template <typename T> T* allocate(size_t count) {
        return static_cast<T*>(allocate(count * sizeof(T)));
    }
    void reset() { m_used = 0; }

    size_t capacity() const { return m_buffer.bytes(); }
    size_t used() const { return m_used; }
    size_t highWater() const { return m_highWater; }
    MemoryCategory category() const { return m_category; }
    void* base() const { return m_buffer.data(); }

private:
    DeviceBuffer m_buffer;
    MemoryCategory m_category;
    size_t m_used = 0;
    size_t m_highWater = 0;
};

// Rounds up to the arena alignment (the size a piece occupies).
constexpr size_t alignUp(size_t bytes, size_t alignment = Arena::kAlignment) {
    return (bytes + alignment - 1) / alignment * alignment;
}

// A non-blocking stream owned for its lifetime.
class StreamOwner {
public:
    StreamOwner();
    ~StreamOwner();
    StreamOwner(const StreamOwner&) = delete;
    StreamOwner& operator=(const StreamOwner&) = delete;
    Stream get() const { return m_stream; }

private:
    Stream m_stream = nullptr;
};

} // namespace dw::cuda

// Checks a cudaError_t-returning call; throws dw::Error on failure.
#define DW_CUDA_CHECK(call)                                                                        \
    do {                                                                                           \
        const int dwCudaStatus_ = static_cast<int>(call);                                          \
        if (dwCudaStatus_ != 0)                                                                    \
            ::dw::cuda::throwCudaError(dwCudaStatus_, #call, __FILE__, __LINE__);                  \
    } while (0)

// Checks a cublasStatus_t-returning call; throws dw::Error on failure.
#define DW_CUBLAS_CHECK(call)                                                                      \
    do {                                                                                           \
        const int dwCublasStatus_ = static_cast<int>(call);                                        \
        if (dwCublasStatus_ != 0)                                                                  \
            ::dw::cuda::throwCublasError(dwCublasStatus_, #call, __FILE__, __LINE__);              \
    } while (0)
