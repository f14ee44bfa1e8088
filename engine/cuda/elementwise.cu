// Element-wise add and scale (residual adds, logit scaling): grid-stride loops.
#include "cuda/common.cuh"
#include "cuda/ops.h"

#include <algorithm>

namespace dw::cuda {

namespace {

constexpr int kThreads = 256;

__global__ void addKernel(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * kThreads)
        out[i] = a[i] + b[i];
}

__global__ void scaleKernel(const float* x, float s, float* out, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * kThreads)
        out[i] = x[i] * s;
}

unsigned gridFor(int64_t n) {
    return unsigned(std::min<int64_t>(detail::ceilDiv(n, kThreads), 65536));
}

} // namespace

void add(const float* a, const float* b, float* out, int64_t n, Stream stream) {
    detail::require(a != nullptr && b != nullptr && out != nullptr, "add",
                    "pointers must not be null");
    detail::require(n > 0, "add", "n = " + std::to_string(n) + " must be > 0");
    addKernel<<<gridFor(n), kThreads, 0, stream>>>(a, b, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

void scale(const float* x, float s, float* out, int64_t n, Stream stream) {
    detail::require(x != nullptr && out != nullptr, "scale", "pointers must not be null");
    detail::require(n > 0, "scale", "n = " + std::to_string(n) + " must be > 0");
    scaleKernel<<<gridFor(n), kThreads, 0, stream>>>(x, s, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
