// Gated activations (cpu::swiglu / geglu / gelu twins): element-wise, grid-stride loops.
// GELU is the tanh approximation (ENGINE_FACTS 4.0), written as the CPU writes it.
#include "cuda/common.cuh"
#include "cuda/ops.h"

#include <algorithm>

namespace dw::cuda {

namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float geluTanh(float x) {
    constexpr float kSqrt2OverPi = 0.79788456080286535588f;
    return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

__device__ __forceinline__ float silu(float x) {
    return x / (1.0f + expf(-x));
}

enum class Glu { Swiglu, Geglu };

// out may alias gate or up: each element is read before it is written, by one thread.
template <Glu kKind>
__global__ void gluKernel(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * kThreads) {
        const float g = gate[i];
        out[i] = (kKind == Glu::Swiglu ? silu(g) : geluTanh(g)) * up[i];
    }
}

__global__ void geluKernel(const float* x, float* y, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * kThreads)
        y[i] = geluTanh(x[i]);
}

unsigned gridFor(int64_t n) {
    return unsigned(std::min<int64_t>(detail::ceilDiv(n, kThreads), 65536));
}

void check(const char* op, const void* a, const void* b, const void* out, int64_t n) {
    DW_CUDA_REQUIRE(a != nullptr && b != nullptr && out != nullptr, op,
                    "pointers must not be null");
    DW_CUDA_REQUIRE(n > 0, op, "n = " + std::to_string(n) + " must be > 0");
}

} // namespace

void swiglu(const float* gate, const float* up, float* out, int64_t n, Stream stream) {
    check("swiglu", gate, up, out, n);
    gluKernel<Glu::Swiglu><<<gridFor(n), kThreads, 0, stream>>>(gate, up, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

void geglu(const float* gate, const float* up, float* out, int64_t n, Stream stream) {
    check("geglu", gate, up, out, n);
    gluKernel<Glu::Geglu><<<gridFor(n), kThreads, 0, stream>>>(gate, up, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

void gelu(const float* x, float* y, int64_t n, Stream stream) {
    check("gelu", x, x, y, n);
    geluKernel<<<gridFor(n), kThreads, 0, stream>>>(x, y, n);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
