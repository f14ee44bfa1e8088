// Greedy sampling's argmax over rows (CUDA_FACTS 7): one CTA of 1024 threads per row;
// (value, index) pairs reduced by warp shuffles and shared memory. Ties go to the lower
// index and NaN is skipped, so the result equals a CPU loop that keeps the first maximum.
#include "cuda/common.cuh"
#include "cuda/ops.h"

#include <climits>

namespace dw::cuda {

namespace {

constexpr int kThreads = 1024;

__device__ __forceinline__ void takeBetter(float& v, int& i, float ov, int oi) {
    if (ov > v || (ov == v && oi < i)) {
        v = ov;
        i = oi;
    }
}

__global__ void __launch_bounds__(kThreads)
    argmaxKernel(const float* __restrict__ x, int64_t n, int32_t* __restrict__ out) {
    __shared__ float sv[32];
    __shared__ int si[32];
    const float* row = x + int64_t(blockIdx.x) * n;
    float best = -INFINITY;
    int bestIdx = INT_MAX; // "none yet": any non-NaN value (even -inf) replaces it
    for (int64_t i = threadIdx.x; i < n; i += kThreads) {
        const float v = row[i];
        if (v > best || (v == best && int(i) < bestIdx)) { // false for NaN
            best = v;
            bestIdx = int(i);
        }
    }
    for (int o = 16; o > 0; o >>= 1)
        takeBetter(best, bestIdx, __shfl_xor_sync(0xffffffffu, best, o),
                   __shfl_xor_sync(0xffffffffu, bestIdx, o));
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) {
        sv[warp] = best;
        si[warp] = bestIdx;
    }
    __syncthreads();
    if (warp == 0) {
        best = sv[lane];
        bestIdx = si[lane];
        for (int o = 16; o > 0; o >>= 1)
            takeBetter(best, bestIdx, __shfl_xor_sync(0xffffffffu, best, o),
                       __shfl_xor_sync(0xffffffffu, bestIdx, o));
        if (lane == 0) out[blockIdx.x] = bestIdx == INT_MAX ? 0 : bestIdx;
    }
}

} // namespace

void argmax(const float* x, int64_t n, int64_t nRows, int32_t* out, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && out != nullptr, "argmax", "x and out must not be null");
    DW_CUDA_REQUIRE(n > 0 && n < INT_MAX, "argmax",
                    "n = " + std::to_string(n) + " must be in 1.." + std::to_string(INT_MAX - 1));
    DW_CUDA_REQUIRE(nRows > 0 && nRows <= detail::kMaxGridX, "argmax",
                    "nRows = " + std::to_string(nRows) + " out of range");
    argmaxKernel<<<unsigned(nRows), kThreads, 0, stream>>>(x, n, out);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
