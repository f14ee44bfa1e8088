// Activation rows -> Q8_1 blocks (CUDA flavour, CUDA_FACTS 2.2): one warp per 32 values,
// amax and sum by warp shuffles, q = round-to-nearest-even(x / d), d = amax / 127,
// s = the sum of the unquantized values (so weight offsets multiply the exact sum).
#include "cuda/common.cuh"
#include "cuda/ops.h"

namespace dw::cuda {

namespace {

constexpr int kWarpsPerBlock = 8;

// x: totalBlocks * 32 contiguous floats (rows of k values back to back, k % 32 == 0, so
// block i of the flat array is block i % (k/32) of row i / (k/32)); q: totalBlocks * 36 B.
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    quantizeQ8_1Kernel(const float* __restrict__ x, uint8_t* __restrict__ q, int64_t totalBlocks) {
    const int64_t blk = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
    if (blk >= totalBlocks) return; // uniform per warp: the shuffles below see full warps
    const int lane = threadIdx.x % 32;
    const float v = x[blk * 32 + lane];
    const float amax = detail::warpMax(fabsf(v));
    const float sum = detail::warpSum(v);
    const float d = amax / 127.0f;
    const int qi = amax == 0.0f ? 0 : __float2int_rn(v / d);
    uint8_t* out = q + blk * kQ8_1BlockBytes;
    out[4 + lane] = static_cast<uint8_t>(static_cast<int8_t>(qi));
    if (lane == 0) {
        const uint32_t dBits = __half_as_ushort(__float2half_rn(d));
        const uint32_t sBits = __half_as_ushort(__float2half_rn(sum));
        *reinterpret_cast<uint32_t*>(out) = dBits | (sBits << 16);
    }
}

} // namespace

void quantizeQ8_1(const float* x, void* q, int64_t k, int64_t nRows, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && q != nullptr, "quantizeQ8_1", "x and q must not be null");
    DW_CUDA_REQUIRE(k > 0 && k % 32 == 0, "quantizeQ8_1",
                    "k = " + std::to_string(k) + " must be a positive multiple of 32");
    DW_CUDA_REQUIRE(nRows > 0, "quantizeQ8_1", "nRows = " + std::to_string(nRows) + " must be > 0");
    DW_CUDA_REQUIRE(detail::isAligned(x, 4) && detail::isAligned(q, 4), "quantizeQ8_1",
                    "x and q must be 4-byte aligned");
    const int64_t totalBlocks = nRows * (k / 32);
    const int64_t grid = detail::ceilDiv(totalBlocks, kWarpsPerBlock);
    DW_CUDA_REQUIRE(grid <= detail::kMaxGridX, "quantizeQ8_1",
                    "nRows * k = " + std::to_string(nRows * k) + " values exceed one launch");
    quantizeQ8_1Kernel<<<unsigned(grid), kWarpsPerBlock * 32, 0, stream>>>(
        x, static_cast<uint8_t*>(q), totalBlocks);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
