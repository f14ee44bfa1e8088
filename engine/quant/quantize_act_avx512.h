#pragma once
// Internal, included only by dot_avx512.cpp and dot_avx512_vnni.cpp: AVX-512 activation
// quantizers. Same float operations as the scalar ones (quantize.cpp), so the same bytes.
#include "quant/blocks.h"
#include "quant/simd_avx512.h"

namespace dw::quant {
namespace {

inline __m512 scaleFor(float amax, float& d) {
    d = amax / 127.0f;
    return _mm512_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
}

// 16 floats * id rounded (to nearest even) to int32 lanes, stored as 16 int8.
inline __m512i roundStore16(const float* x, __m512 id, int8_t* q) {
    const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x), id));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(v));
    return v;
}

inline float absMax32(const float* x) {
    return _mm512_reduce_max_ps(
        _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x)), _mm512_abs_ps(_mm512_loadu_ps(x + 16))));
}

void quantizeQ8_0Avx512(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        float d;
        const __m512 id = scaleFor(absMax32(x), d);
        y[i].d = floatToHalf(d);
        roundStore16(x, id, y[i].qs);
        roundStore16(x + 16, id, y[i].qs + 16);
    }
}

void quantizeQ8_1Avx512(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        float d;
        const __m512 id = scaleFor(absMax32(x), d);
        y[i].d = floatToHalf(d);
        const __m512i s =
            _mm512_add_epi32(roundStore16(x, id, y[i].qs), roundStore16(x + 16, id, y[i].qs + 16));
        y[i].s = floatToHalf(halfToFloat(y[i].d) * float(_mm512_reduce_add_epi32(s)));
    }
}

void quantizeQ8_KAvx512(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        __m512 m = _mm512_setzero_ps();
        for (int k = 0; k < 16; ++k)
            m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + 16 * k)));
        const __m512 id = scaleFor(_mm512_reduce_max_ps(m), y[i].d);
        for (int k = 0; k < 16; ++k) {
            const __m512i v = roundStore16(x + 16 * k, id, y[i].qs + 16 * k);
            y[i].bsums[k] = static_cast<int16_t>(_mm512_reduce_add_epi32(v));
        }
    }
}

} // namespace
} // namespace dw::quant
