#pragma once
// Helpers shared by the .cu files: host+device loads and integer intrinsics (so the block
// functions of quant_blocks.cuh also run on the host, in tests without a GPU), warp
// reductions, launch checks and argument checks.
#include "core/fp16.h"
#include "cuda/device.h"
#include "deepwell/error.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#define DW_HD __host__ __device__ __forceinline__

// `#pragma unroll` for __host__ __device__ code (the host compiler does not know it).
#ifdef __CUDA_ARCH__
#define DW_UNROLL _Pragma("unroll")
#else
#define DW_UNROLL
#endif

// Checks the launch that was just enqueued (configuration errors, no kernel image, ...).
#define DW_CUDA_CHECK_LAUNCH() DW_CUDA_CHECK(cudaGetLastError())

// Argument check of a launcher: throws dw::Error(InvalidArgument) "cuda::<op>: <what>"
// unless ok. A macro so that `what` (a std::string expression) is only built when the
// check fails: launchers run dozens of times per token, and building their messages up
// front cost microseconds of host time per launch.
#define DW_CUDA_REQUIRE(ok, op, what)                                                              \
    do {                                                                                           \
        if (!(ok)) ::dw::cuda::detail::failArgument(op, what);                                     \
    } while (0)

namespace dw::cuda::detail {

// ---- host + device loads ---------------------------------------------------------------

DW_HD uint16_t load16(const uint8_t* p) { // p 2-byte aligned
#ifdef __CUDA_ARCH__
    return *reinterpret_cast<const uint16_t*>(p);
#else
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
#endif
}

// 4 bytes from a 4-byte-aligned address.
DW_HD uint32_t load32(const uint8_t* p) {
#ifdef __CUDA_ARCH__
    return *reinterpret_cast<const uint32_t*>(p);
#else
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
#endif
}

// 4 bytes from a 2-byte-aligned address, as two 16-bit loads: blocks of 18, 22, 34 and 210
// bytes are only 2-byte aligned, and an int load there faults (CUDA_FACTS 2.4).
DW_HD uint32_t load32From16(const uint8_t* p) {
    return uint32_t(load16(p)) | (uint32_t(load16(p + 2)) << 16);
}

DW_HD float halfToFloat(uint16_t h) {
#ifdef __CUDA_ARCH__
    return __half2float(__ushort_as_half(h));
#else
    return fp16ToFp32Exact(h);
#endif
}

DW_HD float bf16ToFloat(uint16_t b) {
#ifdef __CUDA_ARCH__
    return __uint_as_float(uint32_t(b) << 16);
#else
    return dw::bf16ToFp32(b);
#endif
}

// 16 bytes from a 16-byte-aligned address.
DW_HD uint4 load128(const uint8_t* p) {
#ifdef __CUDA_ARCH__
    return *reinterpret_cast<const uint4*>(p);
#else
    uint4 v;
    std::memcpy(&v, p, 16);
    return v;
#endif
}

// Float products and sums rounded as written (no FMA contraction chosen by the compiler),
// so a kernel's result does not depend on how an instantiation happens to be scheduled.
DW_HD float mulRn(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}
DW_HD float addRn(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}
DW_HD float fmaRn(float a, float b, float c) { // a * b + c, one rounding
#ifdef __CUDA_ARCH__
    return __fmaf_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

// 16 bytes of a weight matrix from a 16-byte-aligned address: read-only (non-coherent)
// path, and a 256-byte L2 prefetch hint, so the streaming reads of the mat-vec keep more
// DRAM bytes in flight per request (sm_80+; weights are read once per token).
DW_HD uint4 loadWeight128(const uint8_t* p) {
#ifdef __CUDA_ARCH__
    uint4 v;
    asm("ld.global.nc.L2::256B.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
        : "l"(p));
    return v;
#else
    return load128(p);
#endif
}

// ---- integer helpers -------------------------------------------------------------------

// The low 32 bits of (hi:lo) >> min(shift, 32) (the funnel shift that clamps, so a shift of
// 32 returns hi).
DW_HD uint32_t funnelShiftRightClamp(uint32_t lo, uint32_t hi, uint32_t shift) {
#ifdef __CUDA_ARCH__
    return __funnelshift_rc(lo, hi, shift);
#else
    const uint64_t v = (uint64_t(hi) << 32) | lo;
    return uint32_t(v >> (shift < 32 ? shift : 32));
#endif
}

// acc + sum over the 4 bytes of a and b as signed int8 (the dp4a instruction).
DW_HD int dot4(uint32_t a, uint32_t b, int acc) {
#ifdef __CUDA_ARCH__
    return __dp4a(int(a), int(b), acc);
#else
    for (int i = 0; i < 4; ++i)
        acc += int(int8_t(uint8_t(a >> (8 * i)))) * int(int8_t(uint8_t(b >> (8 * i))));
    return acc;
#endif
}

// Per-byte a - b without borrows between bytes (wraps modulo 256 in each byte).
DW_HD uint32_t sub4(uint32_t a, uint32_t b) {
#ifdef __CUDA_ARCH__
    return __vsub4(a, b);
#else
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i)
        r |= uint32_t(uint8_t(uint8_t(a >> (8 * i)) - uint8_t(b >> (8 * i)))) << (8 * i);
    return r;
#endif
}

// Bits 0..3 of x moved to bit 4 of bytes 0..3 (the 5th bit of four Q5 quants).
DW_HD uint32_t spreadBits4(uint32_t x) {
    return ((x & 1u) << 4) | ((x & 2u) << 11) | ((x & 4u) << 18) | ((x & 8u) << 25);
}

// ---- device reductions -----------------------------------------------------------------

#ifdef __CUDACC__
__device__ __forceinline__ float warpSum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread
// gets the result. `shared` holds 32 floats. Fixed reduction order: deterministic.
__device__ __forceinline__ float blockSum(float v, float* shared) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int nWarps = blockDim.x / 32;
    v = warpSum(v);
    __syncthreads(); // `shared` may still be read by a previous call
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = lane < nWarps ? shared[lane] : 0.0f;
    return warpSum(v);
}

__device__ __forceinline__ float blockMax(float v, float* shared) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int nWarps = blockDim.x / 32;
    v = warpMax(v);
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = lane < nWarps ? shared[lane] : -INFINITY;
    return warpMax(v);
}
#endif

// ---- host-side argument checks ---------------------------------------------------------

inline int64_t ceilDiv(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

// Throws dw::Error(InvalidArgument) "cuda::<op>: <what>" (DW_CUDA_REQUIRE's failure path).
[[noreturn]] inline void failArgument(const char* op, const std::string& what) {
    throw Error(ErrorCode::InvalidArgument, std::string("cuda::") + op + ": " + what);
}

inline bool isAligned(const void* p, size_t alignment) {
    return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

// Grid x dimension limit of every launch here.
inline constexpr int64_t kMaxGridX = 2147483647;
inline constexpr int64_t kMaxGridYZ = 65535;

} // namespace dw::cuda::detail
