// AVX2 activation quantizers (Q8_0, Q8_1, Q8_K). They perform the same float operations as
// the scalar ones in quantize.cpp (absmax, id = 127 / amax, round-to-nearest-even of x * id)
// and so write identical bytes; tests compare them byte for byte.
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/simd_avx2.h"

namespace dw::quant {
namespace {

// Largest |x| of 8k floats.
template <int kVecs> inline float absMax(const float* x) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_andnot_ps(signBit, _mm256_loadu_ps(x));
    for (int k = 1; k < kVecs; ++k)
        m = _mm256_max_ps(m, _mm256_andnot_ps(signBit, _mm256_loadu_ps(x + 8 * k)));
    return hmax(m);
}

// 32 floats * id, rounded to int8 in element order.
inline __m256i roundToInt8x32(const float* x, __m256 id) {
    const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
    const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
    const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
    const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
    // The packs work per 128-bit lane; the permute puts the 4-byte groups back in order.
    const __m256i packed =
        _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Sums of the 4 groups of 8 int8s of q, as int64 lanes (via |sad| against 0 of q + 128).
inline __m256i sumsOf8(__m256i q) {
    const __m256i biased = _mm256_xor_si256(q, _mm256_set1_epi8(char(0x80)));
    return _mm256_sub_epi64(_mm256_sad_epu8(biased, _mm256_setzero_si256()),
                            _mm256_set1_epi64x(8 * 128));
}

inline float blockScale(float amax, __m256& id) {
    id = _mm256_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
    return amax / 127.0f;
}

void quantizeQ8_0(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        __m256 id;
        y[i].d = floatToHalf(blockScale(absMax<4>(x), id));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), roundToInt8x32(x, id));
    }
}

void quantizeQ8_1(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        __m256 id;
        y[i].d = floatToHalf(blockScale(absMax<4>(x), id));
        const __m256i q = roundToInt8x32(x, id);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), q);
        const __m256i s = sumsOf8(q);
        const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        const int64_t sum = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
        y[i].s = floatToHalf(halfToFloat(y[i].d) * float(sum));
    }
}

void quantizeQ8_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        __m256 id;
        y[i].d = blockScale(absMax<32>(x), id);
        for (int k = 0; k < 8; ++k) { // 32 values -> 2 bsums
            const __m256i q = roundToInt8x32(x + 32 * k, id);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs + 32 * k), q);
            const __m256i s = sumsOf8(q); // int64 lanes: elements 0-7, 8-15, 16-23, 24-31
            const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
            y[i].bsums[2 * k] =
                static_cast<int16_t>(_mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1));
            y[i].bsums[2 * k + 1] =
                static_cast<int16_t>(_mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1));
        }
    }
}

} // namespace

void addAvx2ActivationQuantizers(KernelTable& t) {
    t.quantizeQ8_0 = quantizeQ8_0;
    t.quantizeQ8_1 = quantizeQ8_1;
    t.quantizeQ8_K = quantizeQ8_K;
}

} // namespace dw::quant
