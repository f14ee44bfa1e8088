// Element-wise add, scale, row-broadcast bias add and soft-capping: grid-stride loops.
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

__global__ void addRowsKernel(float* y, const float* __restrict__ b, int64_t n, int64_t total) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < total;
         i += int64_t(gridDim.x) * kThreads)
        y[i] += b[i % n];
}

// As the CPU writes it: c * tanh(x / c) in float.
__global__ void softcapKernel(float* x, float cap, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * kThreads)
        x[i] = cap * tanhf(x[i] / cap);
}

unsigned gridFor(int64_t n) {
    return unsigned(std::min<int64_t>(detail::ceilDiv(n, kThreads), 65536));
}

} // namespace

void add(const float* a, const float* b, float* out, int64_t n, Stream stream) {
    DW_CUDA_REQUIRE(a != nullptr && b != nullptr && out != nullptr, "add",
                    "pointers must not be null");
    DW_CUDA_REQUIRE(n > 0, "add", "n = " + std::to_string(n) + " must be > 0");
    addKernel<<<gridFor(n), kThreads, 0, stream>>>(a, b, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

void scale(const float* x, float s, float* out, int64_t n, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && out != nullptr, "scale", "pointers must not be null");
    DW_CUDA_REQUIRE(n > 0, "scale", "n = " + std::to_string(n) + " must be > 0");
    scaleKernel<<<gridFor(n), kThreads, 0, stream>>>(x, s, out, n);
    DW_CUDA_CHECK_LAUNCH();
}

void addRows(float* y, const float* b, int64_t n, int64_t nRows, Stream stream) {
    DW_CUDA_REQUIRE(y != nullptr && b != nullptr, "addRows", "pointers must not be null");
    DW_CUDA_REQUIRE(n > 0 && nRows > 0, "addRows",
                    "n = " + std::to_string(n) + " and nRows = " + std::to_string(nRows) +
                        " must be positive");
    addRowsKernel<<<gridFor(n * nRows), kThreads, 0, stream>>>(y, b, n, n * nRows);
    DW_CUDA_CHECK_LAUNCH();
}

void softcap(float* x, float cap, int64_t n, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr, "softcap", "x must not be null");
    DW_CUDA_REQUIRE(n > 0, "softcap", "n = " + std::to_string(n) + " must be > 0");
    DW_CUDA_REQUIRE(cap > 0.0f, "softcap", "cap = " + std::to_string(cap) + " must be > 0");
    softcapKernel<<<gridFor(n), kThreads, 0, stream>>>(x, cap, n);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
