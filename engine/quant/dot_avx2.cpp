// AVX2 (+FMA, F16C) dot products of the float formats, and the AVX2 table (the 32-element
// formats come from dot_legacy_simd.h, the K-quants from dot_avx2_k.cpp). Compiled with
// -mavx2 -mfma -mf16c; only called after dispatch.cpp has checked the CPU.
#include "quant/blocks.h"
#include "quant/dot_legacy_simd.h"
#include "quant/kernels.h"
#include "quant/rows_float.h"
#include "quant/rows_legacy.h"
#include "quant/simd_avx2.h"

namespace dw::quant {
namespace {

float dotF32(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const float*>(wv);
    const auto* a = static_cast<const float*>(av);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; ++k) {
            acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8 * k), _mm256_loadu_ps(a + i + 8 * k),
                                     acc[k]);
        }
    }
    for (; i + 8 <= n; i += 8) {
        acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(a + i), acc[0]);
    }
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; ++i) sum += w[i] * a[i];
    return sum;
}

// 8 halves / bfloat16s to 8 floats.
inline __m256 loadHalf8(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 loadBf16x8(const uint16_t* p) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

template <bool kBf16> float dot16(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* a = static_cast<const float*>(av);
    auto load = [](const uint16_t* p) { return kBf16 ? loadBf16x8(p) : loadHalf8(p); };
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; ++k) {
            acc[k] = _mm256_fmadd_ps(load(w + i + 8 * k), _mm256_loadu_ps(a + i + 8 * k), acc[k]);
        }
    }
    for (; i + 8 <= n; i += 8)
        acc[0] = _mm256_fmadd_ps(load(w + i), _mm256_loadu_ps(a + i), acc[0]);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; ++i) {
        uint32_t bits = kBf16 ? uint32_t(w[i]) << 16 : 0;
        float f;
        std::memcpy(&f, &bits, 4);
        sum += (kBf16 ? f : halfToFloat(w[i])) * a[i];
    }
    return sum;
}

KernelTable makeTable() {
    KernelTable t{};
    auto set = [&t](DType type, VecDotFn f) { t.dot[static_cast<uint32_t>(type)] = f; };
    set(DType::F32, dotF32);
    set(DType::F16, dot16<false>);
    set(DType::BF16, dot16<true>);
    set(DType::Q4_0, dotSymmetricSimd<BlockQ4_0, sumsQ4_0>);
    set(DType::Q5_0, dotSymmetricSimd<BlockQ5_0, sumsQ5_0>);
    set(DType::Q8_0, dotSymmetricSimd<BlockQ8_0, sumsQ8_0>);
    set(DType::Q4_1, dotOffsetSimd<BlockQ4_1, sumsQ4_1>);
    set(DType::Q5_1, dotOffsetSimd<BlockQ5_1, sumsQ5_1>);
    addAvx2KQuantKernels(t);
    addAvx2ActivationQuantizers(t);
    addAvx2TileKernels(t);
    addLegacyRowKernels(t);
    addFloatRowKernels<Vec256>(t);
    return t;
}

} // namespace

const KernelTable& avx2KernelTable() {
    static const KernelTable table = makeTable();
    return table;
}

} // namespace dw::quant
