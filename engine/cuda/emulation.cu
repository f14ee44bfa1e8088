// Host runs of the device block functions (emulation.h).
#include "cuda/emulation.h"

#include "cuda/quant_blocks.cuh"
#include "cuda/quant_lanes.cuh"

#include <cstring>

namespace dw::cuda::emulation {

namespace {

template <DType T> float dotRow(const uint8_t* w, const uint8_t* a, int64_t k) {
    using B = detail::Block<T>;
    constexpr int kActBytesPerBlock = B::kElems / 32 * 36;
    float sum = 0.0f;
    for (int64_t b = 0; b < k / B::kElems; ++b)
        for (int s = 0; s < B::kSlices; ++s)
            sum += B::dot(B::load(w + b * B::kBytes, s), a + b * kActBytesPerBlock, s);
    return sum;
}

template <DType T, bool kAligned>
float splitRow(const uint8_t* m, size_t rowStride, int64_t n, int64_t row, const uint8_t* act,
               int64_t k) {
    using L = detail::Lane<T>;
    const detail::ByteRange range{m, m + size_t(n - 1) * rowStride + rowBytes(T, k)};
    const uint8_t* r = m + size_t(row) * rowStride;
    float sum = 0.0f;
    for (int64_t e = 0; e < k; e += L::kPer) { // lane by lane, step by step
        const int64_t block = e / L::kElems;
        const int j = int((e % L::kElems) / L::kPer);
        const detail::Piece<L::kPer> p =
            L::template load<kAligned>(r + block * L::kBytes, j, range);
        uint32_t q[L::kPer / 4];
        std::memcpy(q, act + e, L::kPer);
        uint32_t ds;
        std::memcpy(&ds, act + k + 4 * (e / 32), 4);
        sum += detail::dotPiece<L::kKind>(p, q, detail::halfToFloat(uint16_t(ds & 0xffffu)),
                                          detail::halfToFloat(uint16_t(ds >> 16)));
    }
    return sum;
}

template <DType T>
float splitDot(const uint8_t* m, size_t rowStride, int64_t n, int64_t row, const uint8_t* act,
               int64_t k) {
    if (detail::Lane<T>::kBytes % 16 == 0 && rowStride % 16 == 0)
        return splitRow<T, true>(m, rowStride, n, row, act, k);
    return splitRow<T, false>(m, rowStride, n, row, act, k);
}

template <DType T> void dequantRow(const uint8_t* src, float* dst, int64_t k) {
    using B = detail::Block<T>;
    constexpr int kSub = B::kElems / 32;
    for (int64_t g = 0; g < k / 32; ++g)
        B::dequant32(src + (g / kSub) * B::kBytes, int(g % kSub), dst + 32 * g);
}

} // namespace

int slicesPerBlock(DType t) {
    switch (t) {
    case DType::Q4_0:
        return detail::Block<DType::Q4_0>::kSlices;
    case DType::Q4_1:
        return detail::Block<DType::Q4_1>::kSlices;
    case DType::Q5_0:
        return detail::Block<DType::Q5_0>::kSlices;
    case DType::Q5_1:
        return detail::Block<DType::Q5_1>::kSlices;
    case DType::Q8_0:
        return detail::Block<DType::Q8_0>::kSlices;
    case DType::Q4_K:
        return detail::Block<DType::Q4_K>::kSlices;
    case DType::Q5_K:
        return detail::Block<DType::Q5_K>::kSlices;
    case DType::Q6_K:
        return detail::Block<DType::Q6_K>::kSlices;
    default:
        return 0;
    }
}

#define DW_EMULATION_DISPATCH(FN, ...)                                                             \
    switch (t) {                                                                                   \
    case DType::Q4_0:                                                                              \
        return FN<DType::Q4_0>(__VA_ARGS__);                                                       \
    case DType::Q4_1:                                                                              \
        return FN<DType::Q4_1>(__VA_ARGS__);                                                       \
    case DType::Q5_0:                                                                              \
        return FN<DType::Q5_0>(__VA_ARGS__);                                                       \
    case DType::Q5_1:                                                                              \
        return FN<DType::Q5_1>(__VA_ARGS__);                                                       \
    case DType::Q8_0:                                                                              \
        return FN<DType::Q8_0>(__VA_ARGS__);                                                       \
    case DType::Q4_K:                                                                              \
        return FN<DType::Q4_K>(__VA_ARGS__);                                                       \
    case DType::Q5_K:                                                                              \
        return FN<DType::Q5_K>(__VA_ARGS__);                                                       \
    case DType::Q6_K:                                                                              \
        return FN<DType::Q6_K>(__VA_ARGS__);                                                       \
    default:                                                                                       \
        throw Error(ErrorCode::Unsupported, std::string("cuda::emulation: no block functions "     \
                                                        "for ") +                                  \
                                                std::string(dtypeName(t)));                        \
    }

float vecDotQ8_1(DType t, const void* weightRow, const void* q8Row, int64_t k) {
    const auto* w = static_cast<const uint8_t*>(weightRow);
    const auto* a = static_cast<const uint8_t*>(q8Row);
    DW_EMULATION_DISPATCH(dotRow, w, a, k)
}

float vecDotQ8_1Split(DType t, const void* matrix, size_t rowStride, int64_t n, int64_t row,
                      const void* splitRow, int64_t k) {
    const auto* m = static_cast<const uint8_t*>(matrix);
    const auto* a = static_cast<const uint8_t*>(splitRow);
    DW_EMULATION_DISPATCH(splitDot, m, rowStride, n, row, a, k)
}

void dequantizeRow(DType t, const void* src, float* dst, int64_t k) {
    DW_EMULATION_DISPATCH(dequantRow, static_cast<const uint8_t*>(src), dst, k)
}

} // namespace dw::cuda::emulation
