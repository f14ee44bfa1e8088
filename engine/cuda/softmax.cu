// Softmax over rows, in place (cpu::softmax's twin): one CTA per row; max, then exp and
// sum, then scale, with fixed-order block reductions.
#include "cuda/common.cuh"
#include "cuda/ops.h"

namespace dw::cuda {

namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) softmaxKernel(float* x, int64_t n) {
    __shared__ float shared[32];
    float* row = x + int64_t(blockIdx.x) * n;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += kThreads) m = fmaxf(m, row[i]);
    m = detail::blockMax(m, shared);
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += kThreads) {
        const float e = expf(row[i] - m);
        row[i] = e;
        sum += e;
    }
    sum = detail::blockSum(sum, shared);
    const float inv = 1.0f / sum;
    for (int64_t i = threadIdx.x; i < n; i += kThreads) row[i] *= inv;
}

} // namespace

void softmax(float* x, int64_t n, int64_t nRows, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr, "softmax", "x must not be null");
    DW_CUDA_REQUIRE(n > 0 && nRows > 0, "softmax",
                    "n = " + std::to_string(n) + " and nRows = " + std::to_string(nRows) +
                        " must be positive");
    DW_CUDA_REQUIRE(nRows <= detail::kMaxGridX, "softmax",
                    "nRows = " + std::to_string(nRows) + " too large");
    softmaxKernel<<<unsigned(nRows), kThreads, 0, stream>>>(x, n);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
