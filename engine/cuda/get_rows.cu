// Rows of a weight matrix dequantized: to f32 by id (embedding look-up, cpu::getRow's
// twin) and to BF16 by range (the weight slabs of the cuBLAS prefill product). One thread
// per 32-element group (a Q8_0/Q4_0 block or a K-quant sub-block) using the same
// Block<T>::dequant32 that the host emulation checks against quant::dequantizeRow.
#include "cuda/common.cuh"
#include "cuda/mat_view_check.h"
#include "cuda/ops.h"
#include "cuda/quant_blocks.cuh"

namespace dw::cuda {

namespace {

constexpr int kThreads = 128;

template <DType T>
constexpr bool kQuantized = !(T == DType::F32 || T == DType::F16 || T == DType::BF16);

// Elements 32g .. 32g+31 of a row (zeros past k for the float types, whose k is arbitrary).
template <DType T>
__device__ void dequantGroup(const uint8_t* row, int64_t g, int64_t k, float* v) {
    if constexpr (kQuantized<T>) {
        using B = detail::Block<T>;
        constexpr int kSub = B::kElems / 32;
        B::dequant32(row + (g / kSub) * B::kBytes, int(g % kSub), v);
    } else {
#pragma unroll
        for (int e = 0; e < 32; ++e) {
            const int64_t j = 32 * g + e;
            if (j >= k) {
                v[e] = 0.0f;
            } else if constexpr (T == DType::F32) {
                v[e] = reinterpret_cast<const float*>(row)[j];
            } else if constexpr (T == DType::F16) {
                v[e] = detail::halfToFloat(reinterpret_cast<const uint16_t*>(row)[j]);
            } else {
                v[e] = detail::bf16ToFloat(reinterpret_cast<const uint16_t*>(row)[j]);
            }
        }
    }
}

__device__ inline void storeOne(float* p, float v) {
    *p = v;
}
__device__ inline void storeOne(uint16_t* p, float v) {
    *p = __bfloat16_as_ushort(__float2bfloat16_rn(v));
}

// 32 values to dst, 16-byte aligned: 8 float4 or 4 uint4 stores.
__device__ inline void storeGroup(float* dst, const float* v) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
        reinterpret_cast<float4*>(dst)[i] =
            make_float4(v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
}
__device__ inline void storeGroup(uint16_t* dst, const float* v) {
    uint32_t w[16];
#pragma unroll
    for (int i = 0; i < 16; ++i)
        w[i] = uint32_t(__bfloat16_as_ushort(__float2bfloat16_rn(v[2 * i]))) |
               (uint32_t(__bfloat16_as_ushort(__float2bfloat16_rn(v[2 * i + 1]))) << 16);
#pragma unroll
    for (int i = 0; i < 4; ++i)
        reinterpret_cast<uint4*>(dst)[i] =
            make_uint4(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]);
}

// Output row i (< nOut) = source row ids[i] (or row0 + i when ids is null): out[i * k + j].
// kVec: out is 16-byte aligned and k % 32 == 0, so every group is stored as whole vectors.
template <DType T, typename O, bool kVec>
__global__ void __launch_bounds__(kThreads)
    dequantRowsKernel(const uint8_t* __restrict__ w, size_t rowStride, int64_t n, int64_t k,
                      const int32_t* __restrict__ ids, int64_t row0, int64_t nOut,
                      O* __restrict__ out) {
    const int64_t nGroups = (k + 31) / 32;
    const int64_t g = int64_t(blockIdx.x) * kThreads + threadIdx.x;
    if (g >= nGroups) return;
    const int64_t count = k - 32 * g < 32 ? k - 32 * g : 32;
    for (int64_t i = blockIdx.y; i < nOut; i += gridDim.y) {
        const int64_t row = ids ? int64_t(ids[i]) : row0 + i;
        O* dst = out + i * k + 32 * g;
        float v[32];
        if (row < 0 || row >= n) { // a bad id: NaN row, never an out-of-bounds read
#pragma unroll
            for (int e = 0; e < 32; ++e) v[e] = __int_as_float(0x7fc00000);
        } else {
            dequantGroup<T>(w + size_t(row) * rowStride, g, k, v);
        }
        if constexpr (kVec) {
            storeGroup(dst, v);
        } else {
            for (int e = 0; e < count; ++e) storeOne(dst + e, v[e]);
        }
    }
}

int typeAlignment(DType t) {
    switch (t) {
    case DType::Q4_0:
        return detail::Block<DType::Q4_0>::kAlign;
    case DType::Q4_1:
        return detail::Block<DType::Q4_1>::kAlign;
    case DType::Q5_0:
        return detail::Block<DType::Q5_0>::kAlign;
    case DType::Q5_1:
        return detail::Block<DType::Q5_1>::kAlign;
    case DType::Q8_0:
        return detail::Block<DType::Q8_0>::kAlign;
    case DType::Q4_K:
        return detail::Block<DType::Q4_K>::kAlign;
    case DType::Q5_K:
        return detail::Block<DType::Q5_K>::kAlign;
    case DType::Q6_K:
        return detail::Block<DType::Q6_K>::kAlign;
    case DType::F32:
        return 4;
    default:
        return 2; // F16, BF16
    }
}

template <DType T, typename O>
void launchType(const MatView& w, const int32_t* ids, int64_t row0, int64_t nOut, O* out,
                Stream stream) {
    const int64_t nGroups = detail::ceilDiv(w.k, 32);
    const dim3 grid(unsigned(detail::ceilDiv(nGroups, kThreads)),
                    unsigned(nOut < detail::kMaxGridYZ ? nOut : detail::kMaxGridYZ));
    const auto* data = static_cast<const uint8_t*>(w.data);
    if (w.k % 32 == 0 && detail::isAligned(out, 16))
        dequantRowsKernel<T, O, true>
            <<<grid, kThreads, 0, stream>>>(data, w.rowStride, w.n, w.k, ids, row0, nOut, out);
    else
        dequantRowsKernel<T, O, false>
            <<<grid, kThreads, 0, stream>>>(data, w.rowStride, w.n, w.k, ids, row0, nOut, out);
    DW_CUDA_CHECK_LAUNCH();
}

template <typename O>
void launch(const char* op, const MatView& w, const int32_t* ids, int64_t row0, int64_t nOut,
            O* out, Stream stream) {
    const int align = typeAlignment(w.type);
    DW_CUDA_REQUIRE(detail::isAligned(w.data, size_t(align)) && w.rowStride % size_t(align) == 0,
                    op,
                    "w.data and w.rowStride must be " + std::to_string(align) +
                        "-byte aligned for " + std::string(dtypeName(w.type)));
    DW_CUDA_REQUIRE(detail::ceilDiv(w.k, 32 * kThreads) <= detail::kMaxGridX, op, "w.k too large");
    switch (w.type) {
    case DType::Q4_0:
        return launchType<DType::Q4_0>(w, ids, row0, nOut, out, stream);
    case DType::Q4_1:
        return launchType<DType::Q4_1>(w, ids, row0, nOut, out, stream);
    case DType::Q5_0:
        return launchType<DType::Q5_0>(w, ids, row0, nOut, out, stream);
    case DType::Q5_1:
        return launchType<DType::Q5_1>(w, ids, row0, nOut, out, stream);
    case DType::Q8_0:
        return launchType<DType::Q8_0>(w, ids, row0, nOut, out, stream);
    case DType::Q4_K:
        return launchType<DType::Q4_K>(w, ids, row0, nOut, out, stream);
    case DType::Q5_K:
        return launchType<DType::Q5_K>(w, ids, row0, nOut, out, stream);
    case DType::Q6_K:
        return launchType<DType::Q6_K>(w, ids, row0, nOut, out, stream);
    case DType::F32:
        return launchType<DType::F32>(w, ids, row0, nOut, out, stream);
    case DType::F16:
        return launchType<DType::F16>(w, ids, row0, nOut, out, stream);
    case DType::BF16:
        return launchType<DType::BF16>(w, ids, row0, nOut, out, stream);
    default:
        DW_ASSERT_MSG(false, "checkMatView let an unsupported type through");
    }
}

} // namespace

void getRows(const MatView& w, const int32_t* ids, int64_t nIds, float* out, Stream stream) {
    detail::checkMatView(w, "getRows");
    DW_CUDA_REQUIRE(ids != nullptr && out != nullptr, "getRows", "ids and out must not be null");
    DW_CUDA_REQUIRE(nIds > 0, "getRows", "nIds = " + std::to_string(nIds) + " must be > 0");
    DW_CUDA_REQUIRE(detail::isAligned(ids, 4) && detail::isAligned(out, 4), "getRows",
                    "ids and out must be 4-byte aligned");
    launch("getRows", w, ids, 0, nIds, out, stream);
}

void dequantizeRowsBf16(const MatView& w, int64_t row0, int64_t nRows, uint16_t* out,
                        Stream stream) {
    detail::checkMatView(w, "dequantizeRowsBf16");
    DW_CUDA_REQUIRE(out != nullptr && detail::isAligned(out, 2), "dequantizeRowsBf16",
                    "out must be a non-null, 2-byte aligned pointer");
    DW_CUDA_REQUIRE(row0 >= 0 && nRows > 0 && row0 + nRows <= w.n, "dequantizeRowsBf16",
                    "rows [" + std::to_string(row0) + ", " + std::to_string(row0 + nRows) +
                        ") are outside the matrix's " + std::to_string(w.n) + " rows");
    launch("dequantizeRowsBf16", w, nullptr, row0, nRows, out, stream);
}

} // namespace dw::cuda
