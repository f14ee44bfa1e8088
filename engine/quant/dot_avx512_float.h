#pragma once
// Internal, included only by dot_avx512.cpp and dot_avx512_vnni.cpp (via dot_avx512_table.h):
// AVX-512 dot products of the float formats. Row tails use masked loads, which read nothing
// past the end of the row.
#include "quant/simd_avx512.h"

namespace dw::quant {
namespace {

inline float dotF32Avx512(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const float*>(wv);
    const auto* a = static_cast<const float*>(av);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(a + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(a + i + 16), acc1);
        acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 32), _mm512_loadu_ps(a + i + 32), acc2);
        acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 48), _mm512_loadu_ps(a + i + 48), acc3);
    }
    for (; i < n; i += 16) { // masked loads read nothing past the row's end
        const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
        acc0 =
            _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, a + i), acc0);
    }
    return _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// 16 halves or bfloat16s (masked) to 16 floats.
template <bool kBf16> inline __m512 load16x16(const uint16_t* p, __mmask16 m) {
    const __m256i v = _mm256_maskz_loadu_epi16(m, p);
    if constexpr (kBf16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
    else
        return _mm512_cvtph_ps(v);
}

template <bool kBf16> inline float dot16Avx512(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* a = static_cast<const float*>(av);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(load16x16<kBf16>(w + i, 0xffff), _mm512_loadu_ps(a + i), acc0);
        acc1 = _mm512_fmadd_ps(load16x16<kBf16>(w + i + 16, 0xffff), _mm512_loadu_ps(a + i + 16),
                               acc1);
    }
    for (; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
        acc0 = _mm512_fmadd_ps(load16x16<kBf16>(w + i, m), _mm512_maskz_loadu_ps(m, a + i), acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

} // namespace
} // namespace dw::quant
