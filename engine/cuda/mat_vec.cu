// Float-weight mat-vec (F32, F16, BF16 weights x f32 activations, fp32 accumulation) and
// the matVec entry point that picks the quantized or the float path. Same CTA shape and
// fixed-order reduction as the quantized kernel (mat_vec_q.cu). The vector variant reads
// 16 bytes per thread per step (8 halves or 4+4 floats) when k and the pointers allow it.
#include "cuda/common.cuh"
#include "cuda/mat_vec_shape.cuh"
#include "cuda/mat_view_check.h"
#include "cuda/ops.h"

#include <algorithm>

namespace dw::cuda {

namespace {

template <DType T> struct FloatWeight;
template <> struct FloatWeight<DType::F32> {
    static constexpr int kBytes = 4;
    __device__ static float one(const uint8_t* p) { return *reinterpret_cast<const float*>(p); }
    __device__ static void eight(const uint8_t* p, float* v) { // p 16-byte aligned
        const float4 a = reinterpret_cast<const float4*>(p)[0];
        const float4 b = reinterpret_cast<const float4*>(p)[1];
        v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z,
        v[7] = b.w;
    }
};
template <> struct FloatWeight<DType::F16> {
    static constexpr int kBytes = 2;
    __device__ static float one(const uint8_t* p) {
        return __half2float(*reinterpret_cast<const __half*>(p));
    }
    __device__ static void eight(const uint8_t* p, float* v) {
        const uint4 u = *reinterpret_cast<const uint4*>(p);
        const uint32_t words[4] = {u.x, u.y, u.z, u.w};
        for (int i = 0; i < 4; ++i) {
            v[2 * i] = __half2float(__ushort_as_half(uint16_t(words[i] & 0xffffu)));
            v[2 * i + 1] = __half2float(__ushort_as_half(uint16_t(words[i] >> 16)));
        }
    }
};
template <> struct FloatWeight<DType::BF16> {
    static constexpr int kBytes = 2;
    __device__ static float one(const uint8_t* p) {
        return __uint_as_float(uint32_t(*reinterpret_cast<const uint16_t*>(p)) << 16);
    }
    __device__ static void eight(const uint8_t* p, float* v) {
        const uint4 u = *reinterpret_cast<const uint4*>(p);
        const uint32_t words[4] = {u.x, u.y, u.z, u.w};
        for (int i = 0; i < 4; ++i) {
            v[2 * i] = __uint_as_float(words[i] << 16);
            v[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
        }
    }
};

// w: nRows rows of k values, rowStride bytes apart; x: [k, nTokens]; y: [nRows, nTokens].
// kVec: k % 8 == 0 and w, rowStride, x 16-byte aligned.
template <DType T, int kTokens, bool kVec>
__global__ void __launch_bounds__(detail::MatVecShape<kTokens>::kWarps * 32)
    matVecFloatKernel(const uint8_t* __restrict__ w, size_t rowStride, int64_t nRows, int64_t k,
                      const float* __restrict__ x, int nTokens, float* __restrict__ y) {
    using W = FloatWeight<T>;
    constexpr int kRows = detail::MatVecShape<kTokens>::kRows;
    constexpr int kWarps = detail::MatVecShape<kTokens>::kWarps;
    constexpr int kThreads = kWarps * 32;
    constexpr int kStep = kVec ? 8 : 1;

    const int64_t row0 = int64_t(blockIdx.x) * kRows;
    float acc[kRows][kTokens];
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < kTokens; ++t) acc[r][t] = 0.0f;

    for (int64_t j = int64_t(threadIdx.x) * kStep; j < k; j += int64_t(kThreads) * kStep) {
        float xv[kTokens][kStep];
#pragma unroll
        for (int t = 0; t < kTokens; ++t) {
            if (t >= nTokens) continue;
            const float* xt = x + int64_t(t) * k + j;
            if constexpr (kVec) {
                const float4 a = reinterpret_cast<const float4*>(xt)[0];
                const float4 b = reinterpret_cast<const float4*>(xt)[1];
                xv[t][0] = a.x, xv[t][1] = a.y, xv[t][2] = a.z, xv[t][3] = a.w;
                xv[t][4] = b.x, xv[t][5] = b.y, xv[t][6] = b.z, xv[t][7] = b.w;
            } else {
                xv[t][0] = xt[0];
            }
        }
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
            if (row0 + r >= nRows) continue;
            const uint8_t* wp = w + size_t(row0 + r) * rowStride + size_t(j) * W::kBytes;
            float wv[kStep];
            if constexpr (kVec)
                W::eight(wp, wv);
            else
                wv[0] = W::one(wp);
#pragma unroll
            for (int t = 0; t < kTokens; ++t) {
                if (t >= nTokens) continue;
#pragma unroll
                for (int e = 0; e < kStep; ++e) acc[r][t] += wv[e] * xv[t][e];
            }
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

template <DType T, int kTokens, bool kVec>
void launchFor(const MatView& w, const float* x, int64_t nTokens, float* y, Stream stream) {
    const int64_t grid = detail::ceilDiv(w.n, detail::MatVecShape<kTokens>::kRows);
    matVecFloatKernel<T, kTokens, kVec>
        <<<unsigned(grid), detail::MatVecShape<kTokens>::kWarps * 32, 0, stream>>>(
            static_cast<const uint8_t*>(w.data), w.rowStride, w.n, w.k, x, int(nTokens), y);
    DW_CUDA_CHECK_LAUNCH();
}

template <DType T, bool kVec>
void launchVec(const MatView& w, const float* x, int64_t nTokens, float* y, Stream stream) {
    if (nTokens == 1)
        launchFor<T, 1, kVec>(w, x, nTokens, y, stream);
    else if (nTokens == 2)
        launchFor<T, 2, kVec>(w, x, nTokens, y, stream);
    else if (nTokens <= 4)
        launchFor<T, 4, kVec>(w, x, nTokens, y, stream);
    else
        launchFor<T, 8, kVec>(w, x, nTokens, y, stream);
}

template <DType T>
void launchType(const MatView& w, const float* x, int64_t nTokens, float* y, Stream stream) {
    DW_CUDA_REQUIRE(detail::isAligned(w.data, FloatWeight<T>::kBytes) &&
                        w.rowStride % FloatWeight<T>::kBytes == 0,
                    "matVecFloat", "w.data and w.rowStride must be aligned to the element size");
    const bool vec = w.k % 8 == 0 && detail::isAligned(w.data, 16) && w.rowStride % 16 == 0 &&
                     detail::isAligned(x, 16);
    if (vec)
        launchVec<T, true>(w, x, nTokens, y, stream);
    else
        launchVec<T, false>(w, x, nTokens, y, stream);
}

} // namespace

void matVecFloat(const MatView& w, const float* x, int64_t nTokens, float* y, Stream stream) {
    detail::checkMatView(w, "matVecFloat");
    DW_CUDA_REQUIRE(x != nullptr && y != nullptr, "matVecFloat", "x and y must not be null");
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= kMatVecMaxTokens, "matVecFloat",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(kMatVecMaxTokens) + " (use matmul for more)");
    DW_CUDA_REQUIRE(w.n <= detail::kMaxGridX, "matVecFloat",
                    "w.n = " + std::to_string(w.n) + " too large");
    DW_CUDA_REQUIRE(detail::isAligned(x, 4) && detail::isAligned(y, 4), "matVecFloat",
                    "x and y must be 4-byte aligned");
    switch (w.type) {
    case DType::F32:
        return launchType<DType::F32>(w, x, nTokens, y, stream);
    case DType::F16:
        return launchType<DType::F16>(w, x, nTokens, y, stream);
    case DType::BF16:
        return launchType<DType::BF16>(w, x, nTokens, y, stream);
    default:
        throw Error(ErrorCode::Unsupported, "cuda::matVecFloat: weight type " +
                                                std::string(dtypeName(w.type)) +
                                                " is quantized; use matVecQ8_1");
    }
}

size_t matVecScratchBytes(const MatView& w, int64_t nTokens) {
    detail::checkMatView(w, "matVecScratchBytes");
    if (!dtypeTraits(w.type).quantized || nTokens <= 0) return 0;
    return size_t(nTokens) * std::max(q8_1RowBytes(w.k), q8_1SplitRowBytes(w.k));
}

void matVec(const MatView& w, const float* x, int64_t nTokens, float* y, void* actScratch,
            size_t actScratchBytes, Stream stream) {
    detail::checkMatView(w, "matVec");
    if (!dtypeTraits(w.type).quantized) return matVecFloat(w, x, nTokens, y, stream);
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= kMatVecMaxTokens, "matVec",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(kMatVecMaxTokens));
    const size_t need = matVecScratchBytes(w, nTokens);
    DW_CUDA_REQUIRE(actScratch != nullptr && actScratchBytes >= need, "matVec",
                    "actScratchBytes = " + std::to_string(actScratchBytes) + " is below the " +
                        std::to_string(need) + " bytes the Q8_1 activations need");
    if (detail::isAligned(w.data, 16)) {
        DW_CUDA_REQUIRE(detail::isAligned(actScratch, 16), "matVec",
                        "actScratch must be 16-byte aligned");
        quantizeQ8_1Split(x, actScratch, w.k, nTokens, stream);
        matVecQ8_1Split(w, actScratch, nTokens, y, stream);
    } else {
        quantizeQ8_1(x, actScratch, w.k, nTokens, stream);
        matVecQ8_1(w, actScratch, nTokens, y, stream);
    }
}

} // namespace dw::cuda
