// Fast decode mat-vec: quantized weights x Q8_1 activations in the split layout, 1..8
// tokens. The older matVecQ8_1 (mat_vec_q.cu, 36-byte activation blocks, 4-byte weight
// loads) stays as the comparison point of bench_cuda.
//
// Why this shape (CUDA_FACTS 2.4, 2.5; the H200 needs ~40 KB of loads in flight per SM):
//   - a warp step covers 512 or 1024 elements, every lane 16 or 32 consecutive ones
//     (quant_lanes.cuh), so a lane's activations are one or two 16-byte loads and the
//     warp's one contiguous span, and the weight bytes of a step are contiguous too
//     (16-byte loads);
//   - a warp works on kRows rows at once and kUnroll steps per loop trip, all loads of a
//     trip issued before the first dot: 2 rows x 2 steps x 16..24 bytes per lane in flight
//     at one token;
//   - every token's activations are loaded once per step and reused for the kRows rows,
//     every weight piece once and reused for all tokens, so 8 tokens cost far less than 8
//     calls (the extra work per token is one 16-byte load and 4-8 dp4a per piece);
//   - when a row has few steps, fewer warps share it (warpsPerRow 1, 2 or 4) and a CTA
//     takes more rows; partial sums of the warps sharing a row meet in shared memory and are
//     added in warp order (bit-identical results run to run).
#include "cuda/common.cuh"
#include "cuda/mat_view_check.h"
#include "cuda/ops.h"
#include "cuda/quant_lanes.cuh"

#include <climits>

namespace dw::cuda {

namespace {

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;

template <DType T, int kTokens> struct SplitShape {
    static constexpr int kRows = 2;
    // Two steps per trip at 1-2 tokens for the 16-element lanes; the 32-element lanes of
    // Q4_0..Q5_1 already hold as many bytes per lane in one step (and twice the registers).
    static constexpr int kUnroll = kTokens <= 2 && detail::Lane<T>::kPer == 16 ? 2 : 1;
    // CTAs per SM the register budget is set for: 8 (64 registers) at 1-2 tokens, except
    // where the pieces need more (6: 80 registers; checked with -Xptxas -v: no spills).
    static constexpr bool kHeavy =
        T == DType::Q5_K || T == DType::Q6_K || (T == DType::Q4_K && kTokens == 2);
    static constexpr int kMinBlocks = kTokens <= 2 ? (kHeavy ? 6 : 8) : (kTokens == 4 ? 6 : 4);
};

struct SplitArgs {
    const uint8_t* w;
    size_t rowStride;
    int64_t nRows;
    detail::ByteRange range; // [w, end of the last row)
    int64_t k;
    int kSteps;
    int warpsPerRow;
    const uint8_t* act; // nTokens split Q8_1 rows, actRowBytes apart
    size_t actRowBytes;
    int nTokens;
    float* y; // [nRows, nTokens]
};

template <DType T, int kTokens, bool kAligned>
__global__ void __launch_bounds__(kThreads, SplitShape<T, kTokens>::kMinBlocks)
    matVecSplitKernel(const SplitArgs a) {
    using L = detail::Lane<T>;
    constexpr int kRows = SplitShape<T, kTokens>::kRows;
    constexpr int kUnroll = SplitShape<T, kTokens>::kUnroll;
    constexpr int kStepElems = 32 * L::kPer; // elements of one warp step
    constexpr int kBlocksPerStep = kStepElems / L::kElems;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int groups = kWarps / a.warpsPerRow;
    const int group = warp / a.warpsPerRow, inGroup = warp % a.warpsPerRow;
    const int64_t row0 = (int64_t(blockIdx.x) * groups + group) * kRows;
    const int j = lane % L::kLanes; // lane within its block
    const int blockInStep = lane / L::kLanes;

    const uint8_t* rowPtr[kRows];
    bool rowOk[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
        rowOk[r] = row0 + r < a.nRows;
        rowPtr[r] = a.w + size_t(rowOk[r] ? row0 + r : 0) * a.rowStride;
    }
    float acc[kRows][kTokens];
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < kTokens; ++t) acc[r][t] = 0.0f;

    const int stride = a.warpsPerRow * kUnroll;
    for (int s0 = inGroup; s0 < a.kSteps; s0 += stride) {
        detail::Piece<L::kPer> p[kUnroll][kRows];
        bool ok[kUnroll];
        int64_t e[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) { // every weight load of the trip first
            const int s = s0 + u * a.warpsPerRow;
            e[u] = int64_t(s) * kStepElems + L::kPer * lane;
            ok[u] = s < a.kSteps && e[u] < a.k;
            const size_t blockOff = (size_t(s) * kBlocksPerStep + blockInStep) * L::kBytes;
#pragma unroll
            for (int r = 0; r < kRows; ++r) {
                p[u][r] = {};
                if (ok[u] && rowOk[r])
                    p[u][r] = L::template load<kAligned>(rowPtr[r] + blockOff, j, a.range);
            }
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            if (!ok[u]) continue;
#pragma unroll
            for (int t = 0; t < kTokens; ++t) {
                if (t >= a.nTokens) break;
                const uint8_t* at = a.act + size_t(t) * a.actRowBytes;
                uint32_t q[L::kPer / 4];
#pragma unroll
                for (int h = 0; h < L::kPer / 16; ++h) {
                    const uint4 qv = detail::load128(at + e[u] + 16 * h);
                    q[4 * h] = qv.x, q[4 * h + 1] = qv.y, q[4 * h + 2] = qv.z, q[4 * h + 3] = qv.w;
                }
                const uint32_t ds = detail::load32(at + a.k + 4 * (e[u] >> 5));
                const float da = detail::halfToFloat(uint16_t(ds & 0xffffu));
                const float sa = detail::halfToFloat(uint16_t(ds >> 16));
#pragma unroll
                for (int r = 0; r < kRows; ++r)
                    if (rowOk[r])
                        acc[r][t] = detail::addRn(acc[r][t],
                                                  detail::dotPiece<L::kKind>(p[u][r], q, da, sa));
            }
        }
    }

    __shared__ float part[kWarps][kRows * kTokens];
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < kTokens; ++t) {
            const float v = detail::warpSum(acc[r][t]);
            if (lane == 0) part[warp][r * kTokens + t] = v;
        }
    __syncthreads();
    if (int(threadIdx.x) < groups * kRows * kTokens) {
        const int g = threadIdx.x / (kRows * kTokens), idx = threadIdx.x % (kRows * kTokens);
        const int r = idx / kTokens, t = idx % kTokens;
        float sum = 0.0f;
        for (int w = 0; w < a.warpsPerRow; ++w)
            sum = detail::addRn(sum, part[g * a.warpsPerRow + w][idx]);
        const int64_t row = (int64_t(blockIdx.x) * groups + g) * kRows + r;
        if (row < a.nRows && t < a.nTokens) a.y[int64_t(t) * a.nRows + row] = sum;
    }
}

// x: [k, nRows] f32 -> split rows: q[k] int8, then k/32 (half d, half s) pairs.
__global__ void __launch_bounds__(256)
    quantizeSplitKernel(const float* __restrict__ x, uint8_t* __restrict__ q, int64_t k,
                        int64_t totalBlocks, size_t rowBytes) {
    const int64_t blk = int64_t(blockIdx.x) * 8 + threadIdx.x / 32;
    if (blk >= totalBlocks) return; // uniform per warp
    const int lane = threadIdx.x % 32;
    const int64_t perRow = k / 32;
    const int64_t row = blk / perRow, inRow = blk % perRow;
    const float v = x[blk * 32 + lane];
    const float amax = detail::warpMax(fabsf(v));
    const float sum = detail::warpSum(v);
    const float d = amax / 127.0f;
    const int qi = amax == 0.0f ? 0 : __float2int_rn(v / d);
    uint8_t* out = q + size_t(row) * rowBytes;
    out[inRow * 32 + lane] = static_cast<uint8_t>(static_cast<int8_t>(qi));
    if (lane == 0) {
        const uint32_t dBits = __half_as_ushort(__float2half_rn(d));
        const uint32_t sBits = __half_as_ushort(__float2half_rn(sum));
        *reinterpret_cast<uint32_t*>(out + k + 4 * inRow) = dBits | (sBits << 16);
    }
}

template <DType T, int kTokens, bool kAligned>
void launchFor(const SplitArgs& a, int64_t grid, Stream stream) {
    matVecSplitKernel<T, kTokens, kAligned><<<unsigned(grid), kThreads, 0, stream>>>(a);
    DW_CUDA_CHECK_LAUNCH();
}

template <DType T, bool kAligned> void launchTokens(SplitArgs a, int64_t nTokens, Stream stream) {
    // Fewer warps per row when a row has few steps, so no warp idles through a trip. The
    // split does not depend on the token count, so each warp adds the same steps in the
    // same order for any nTokens: a token's result is the same bits whether it comes
    // alone or with others (the logits of one position do not depend on how many are
    // asked for).
    a.warpsPerRow = a.kSteps >= 8 ? 4 : (a.kSteps >= 4 ? 2 : 1);
    auto launch = [&](auto tokensTag) {
        constexpr int kT = decltype(tokensTag)::value;
        const int64_t rowsPerCta = int64_t(SplitShape<T, kT>::kRows) * (kWarps / a.warpsPerRow);
        launchFor<T, kT, kAligned>(a, detail::ceilDiv(a.nRows, rowsPerCta), stream);
    };
    if (nTokens == 1)
        launch(std::integral_constant<int, 1>{});
    else if (nTokens == 2)
        launch(std::integral_constant<int, 2>{});
    else if (nTokens <= 4)
        launch(std::integral_constant<int, 4>{});
    else
        launch(std::integral_constant<int, 8>{});
}

template <DType T> void launchType(SplitArgs a, int64_t nTokens, Stream stream) {
    a.kSteps = int(detail::ceilDiv(a.k, 32 * detail::Lane<T>::kPer));
    constexpr bool kCanAlign = detail::Lane<T>::kBytes % 16 == 0;
    if constexpr (kCanAlign) {
        if (a.rowStride % 16 == 0) return launchTokens<T, true>(a, nTokens, stream);
    }
    launchTokens<T, false>(a, nTokens, stream);
}

} // namespace

size_t q8_1SplitRowBytes(int64_t k) {
    return alignUp(size_t(k) + size_t(k / 32) * 4, 16);
}

void quantizeQ8_1Split(const float* x, void* q, int64_t k, int64_t nRows, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && q != nullptr, "quantizeQ8_1Split", "x and q must not be null");
    DW_CUDA_REQUIRE(k > 0 && k % 32 == 0, "quantizeQ8_1Split",
                    "k = " + std::to_string(k) + " must be a positive multiple of 32");
    DW_CUDA_REQUIRE(nRows > 0, "quantizeQ8_1Split",
                    "nRows = " + std::to_string(nRows) + " must be > 0");
    DW_CUDA_REQUIRE(detail::isAligned(x, 4) && detail::isAligned(q, 16), "quantizeQ8_1Split",
                    "x must be 4-byte and q 16-byte aligned");
    const int64_t totalBlocks = nRows * (k / 32);
    const int64_t grid = detail::ceilDiv(totalBlocks, 8);
    DW_CUDA_REQUIRE(grid <= detail::kMaxGridX, "quantizeQ8_1Split",
                    "nRows * k = " + std::to_string(nRows * k) + " values exceed one launch");
    quantizeSplitKernel<<<unsigned(grid), 256, 0, stream>>>(x, static_cast<uint8_t*>(q), k,
                                                            totalBlocks, q8_1SplitRowBytes(k));
    DW_CUDA_CHECK_LAUNCH();
}

void matVecQ8_1Split(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream) {
    detail::checkMatView(w, "matVecQ8_1Split");
    DW_CUDA_REQUIRE(dtypeTraits(w.type).quantized, "matVecQ8_1Split",
                    "weight type " + std::string(dtypeName(w.type)) + " is not quantized");
    DW_CUDA_REQUIRE(xq != nullptr && y != nullptr, "matVecQ8_1Split", "xq and y must not be null");
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= kMatVecMaxTokens, "matVecQ8_1Split",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(kMatVecMaxTokens) + " (use matmul for more)");
    DW_CUDA_REQUIRE(detail::isAligned(w.data, 16), "matVecQ8_1Split",
                    "w.data must be 16-byte aligned (use matVecQ8_1 otherwise)");
    DW_CUDA_REQUIRE(w.rowStride % size_t(dtypeTraits(w.type).blockBytes % 4 == 0 ? 4 : 2) == 0,
                    "matVecQ8_1Split",
                    "w.rowStride = " + std::to_string(w.rowStride) +
                        " breaks the block alignment of " + std::string(dtypeName(w.type)));
    DW_CUDA_REQUIRE(detail::isAligned(xq, 16) && detail::isAligned(y, 4), "matVecQ8_1Split",
                    "xq must be 16-byte and y 4-byte aligned");
    DW_CUDA_REQUIRE(detail::ceilDiv(w.k, 512) <= INT_MAX, "matVecQ8_1Split",
                    "w.k = " + std::to_string(w.k) + " is too large for one row");

    SplitArgs a{};
    a.w = static_cast<const uint8_t*>(w.data);
    a.rowStride = w.rowStride;
    a.nRows = w.n;
    a.range = {a.w, a.w + size_t(w.n - 1) * w.rowStride + rowBytes(w.type, w.k)};
    a.k = w.k;
    a.act = static_cast<const uint8_t*>(xq);
    a.actRowBytes = q8_1SplitRowBytes(w.k);
    a.nTokens = int(nTokens);
    a.y = y;
    switch (w.type) {
    case DType::Q4_0:
        return launchType<DType::Q4_0>(a, nTokens, stream);
    case DType::Q4_1:
        return launchType<DType::Q4_1>(a, nTokens, stream);
    case DType::Q5_0:
        return launchType<DType::Q5_0>(a, nTokens, stream);
    case DType::Q5_1:
        return launchType<DType::Q5_1>(a, nTokens, stream);
    case DType::Q8_0:
        return launchType<DType::Q8_0>(a, nTokens, stream);
    case DType::Q4_K:
        return launchType<DType::Q4_K>(a, nTokens, stream);
    case DType::Q5_K:
        return launchType<DType::Q5_K>(a, nTokens, stream);
    case DType::Q6_K:
        return launchType<DType::Q6_K>(a, nTokens, stream);
    default:
        throw Error(ErrorCode::Unsupported, "cuda::matVecQ8_1Split: weight type " +
                                                std::string(dtypeName(w.type)) +
                                                " has no Q8_1 mat-vec kernel");
    }
}

} // namespace dw::cuda
