// RMSNorm over rows (cpu::rmsNorm's twin; CUDA_FACTS 6.1): one CTA per row, per-thread
// sums of squares, a fixed-order block reduction, then y = x * scale * w.
#include "cuda/common.cuh"
#include "cuda/ops.h"

namespace dw::cuda {

namespace {

constexpr int kThreads = 256;

// x may equal y: each thread reads x[i] again just before it writes y[i].
__global__ void __launch_bounds__(kThreads)
    rmsNormKernel(const float* x, const float* __restrict__ w, float* y, int64_t n, float eps) {
    __shared__ float shared[32];
    const float* xr = x + int64_t(blockIdx.x) * n;
    float* yr = y + int64_t(blockIdx.x) * n;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += kThreads) sum += xr[i] * xr[i];
    sum = detail::blockSum(sum, shared);
    const float scale = 1.0f / sqrtf(sum / float(n) + eps);
    if (w) {
        for (int64_t i = threadIdx.x; i < n; i += kThreads) yr[i] = xr[i] * scale * w[i];
    } else {
        for (int64_t i = threadIdx.x; i < n; i += kThreads) yr[i] = xr[i] * scale;
    }
}

} // namespace

void rmsNorm(const float* x, const float* w, float* y, int64_t n, int64_t nRows, float eps,
             Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && y != nullptr, "rmsNorm", "x and y must not be null");
    DW_CUDA_REQUIRE(n > 0 && nRows > 0, "rmsNorm",
                    "n = " + std::to_string(n) + " and nRows = " + std::to_string(nRows) +
                        " must be positive");
    DW_CUDA_REQUIRE(nRows <= detail::kMaxGridX, "rmsNorm",
                    "nRows = " + std::to_string(nRows) + " exceeds " +
                        std::to_string(detail::kMaxGridX));
    DW_CUDA_REQUIRE(eps >= 0.0f, "rmsNorm", "eps = " + std::to_string(eps) + " must be >= 0");
    rmsNormKernel<<<unsigned(nRows), kThreads, 0, stream>>>(x, w, y, n, eps);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
