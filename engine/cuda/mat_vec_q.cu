// Quantized weight x Q8_1 activations, 1..8 tokens (decode). The thread mapping of
// CUDA_FACTS 2.4: a CTA of kWarps warps computes kRows output rows for up to kTokens
// tokens; its threads walk the row slice by slice (Block<T>::kSlices slices per block,
// consecutive threads on consecutive slices, so every warp streams a contiguous span of
// the row), then warp shuffles and one shared-memory pass reduce in a fixed order
// (bit-identical results run to run).
#include "cuda/common.cuh"
#include "cuda/mat_vec_shape.cuh"
#include "cuda/mat_view_check.h"
#include "cuda/ops.h"
#include "cuda/quant_blocks.cuh"

#include <climits>

namespace dw::cuda {

namespace {

// w: nRows rows, rowStride bytes apart, of nSlices / kSlices blocks each.
// act: nTokens Q8_1 rows, actRowBytes apart. y: [nRows, nTokens] f32.
template <DType T, int kTokens>
__global__ void __launch_bounds__(detail::MatVecShape<kTokens>::kWarps * 32)
    matVecQ8_1Kernel(const uint8_t* __restrict__ w, size_t rowStride, int64_t nRows, int nSlices,
                     const uint8_t* __restrict__ act, size_t actRowBytes, int nTokens,
                     float* __restrict__ y) {
    using B = detail::Block<T>;
    constexpr int kRows = detail::MatVecShape<kTokens>::kRows;
    constexpr int kWarps = detail::MatVecShape<kTokens>::kWarps;
    constexpr int kThreads = kWarps * 32;
    constexpr int kActBytesPerBlock = B::kElems / 32 * kQ8_1BlockBytes;

    const int64_t row0 = int64_t(blockIdx.x) * kRows;
    float acc[kRows][kTokens];
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < kTokens; ++t) acc[r][t] = 0.0f;

    for (int i = threadIdx.x; i < nSlices; i += kThreads) {
        const int b = i / B::kSlices, s = i % B::kSlices;
        const uint8_t* a = act + size_t(b) * kActBytesPerBlock;
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
            if (row0 + r >= nRows) continue;
            const typename B::W wv =
                B::load(w + size_t(row0 + r) * rowStride + size_t(b) * B::kBytes, s);
#pragma unroll
            for (int t = 0; t < kTokens; ++t)
                if (t < nTokens) acc[r][t] += B::dot(wv, a + size_t(t) * actRowBytes, s);
        }
    }

    __shared__ float part[kWarps][kRows * kTokens];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < kTokens; ++t) {
            const float v = detail::warpSum(acc[r][t]);
            if (lane == 0) part[warp][r * kTokens + t] = v;
        }
    __syncthreads();
    if (threadIdx.x < kRows * kTokens) {
        const int r = threadIdx.x / kTokens, t = threadIdx.x % kTokens;
        float sum = 0.0f;
#pragma unroll
        for (int wp = 0; wp < kWarps; ++wp) sum += part[wp][threadIdx.x];
        if (row0 + r < nRows && t < nTokens) y[int64_t(t) * nRows + row0 + r] = sum;
    }
}

template <DType T, int kTokens>
void launchFor(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream) {
    using B = detail::Block<T>;
    const int64_t grid = detail::ceilDiv(w.n, detail::MatVecShape<kTokens>::kRows);
    const int nSlices = int(w.k / B::kElems * B::kSlices);
    matVecQ8_1Kernel<T, kTokens>
        <<<unsigned(grid), detail::MatVecShape<kTokens>::kWarps * 32, 0, stream>>>(
            static_cast<const uint8_t*>(w.data), w.rowStride, w.n, nSlices,
            static_cast<const uint8_t*>(xq), q8_1RowBytes(w.k), int(nTokens), y);
    DW_CUDA_CHECK_LAUNCH();
}

template <DType T>
void launchType(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream) {
    using B = detail::Block<T>;
    DW_CUDA_REQUIRE(w.k / B::kElems * B::kSlices <= INT_MAX, "matVecQ8_1",
                    "w.k = " + std::to_string(w.k) + " is too large for one row");
    DW_CUDA_REQUIRE(detail::isAligned(w.data, B::kAlign) && w.rowStride % B::kAlign == 0,
                    "matVecQ8_1",
                    "w.data and w.rowStride must be " + std::to_string(B::kAlign) +
                        "-byte aligned for " + std::string(dtypeName(T)));
    if (nTokens == 1)
        launchFor<T, 1>(w, xq, nTokens, y, stream);
    else if (nTokens == 2)
        launchFor<T, 2>(w, xq, nTokens, y, stream);
    else if (nTokens <= 4)
        launchFor<T, 4>(w, xq, nTokens, y, stream);
    else
        launchFor<T, 8>(w, xq, nTokens, y, stream);
}

} // namespace

void matVecQ8_1(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream) {
    detail::checkMatView(w, "matVecQ8_1");
    DW_CUDA_REQUIRE(xq != nullptr && y != nullptr, "matVecQ8_1", "xq and y must not be null");
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= kMatVecMaxTokens, "matVecQ8_1",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(kMatVecMaxTokens) + " (use matmul for more)");
    DW_CUDA_REQUIRE(w.n <= detail::kMaxGridX, "matVecQ8_1",
                    "w.n = " + std::to_string(w.n) + " too large");
    DW_CUDA_REQUIRE(detail::isAligned(xq, 4) && detail::isAligned(y, 4), "matVecQ8_1",
                    "xq and y must be 4-byte aligned");
    switch (w.type) {
    case DType::Q4_0:
        return launchType<DType::Q4_0>(w, xq, nTokens, y, stream);
    case DType::Q4_1:
        return launchType<DType::Q4_1>(w, xq, nTokens, y, stream);
    case DType::Q5_0:
        return launchType<DType::Q5_0>(w, xq, nTokens, y, stream);
    case DType::Q5_1:
        return launchType<DType::Q5_1>(w, xq, nTokens, y, stream);
    case DType::Q8_0:
        return launchType<DType::Q8_0>(w, xq, nTokens, y, stream);
    case DType::Q4_K:
        return launchType<DType::Q4_K>(w, xq, nTokens, y, stream);
    case DType::Q5_K:
        return launchType<DType::Q5_K>(w, xq, nTokens, y, stream);
    case DType::Q6_K:
        return launchType<DType::Q6_K>(w, xq, nTokens, y, stream);
    default:
        throw Error(ErrorCode::Unsupported, "cuda::matVecQ8_1: weight type " +
                                                std::string(dtypeName(w.type)) +
                                                " has no Q8_1 mat-vec kernel");
    }
}

} // namespace dw::cuda
