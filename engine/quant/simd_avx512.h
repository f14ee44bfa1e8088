#pragma once
// Internal: AVX-512 (F, BW, VL) helpers. The AVX-512 kernels are compiled twice, by
// dot_avx512.cpp without VNNI and by dot_avx512_vnni.cpp with -mavx512vnni; dpwssd below and
// dpbusd256 in dot_legacy_simd.h are the code that differs (the VNNI instruction, or its
// BW equivalent). Internal linkage throughout, so the two compilations never share a symbol.
#include "quant/simd_avx2.h"

#include <immintrin.h>

namespace dw::quant {
namespace {

// acc + per int32 lane: sum of 2 products int16 * int16.
inline __m512i dpwssd(__m512i acc, __m512i a, __m512i b) {
#if defined(__AVX512VNNI__)
    return _mm512_dpwssd_epi32(acc, a, b);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
}

inline __m512i loadU512(const void* p) {
    return _mm512_loadu_si512(p);
}

// A 32-byte run in both halves.
inline __m512i broadcast256(const void* p) {
    return _mm512_broadcast_i64x4(loadU256(p));
}

// pshufb control making every int16 lane of 128-bit lane i a copy of int16 number idx[i]
// of that lane (for spreading per-sub-block scales over their lanes).
inline __m512i pickPerLane(int i0, int i1, int i2, int i3) {
    const int64_t base = 0x0100010001000100ll, step = 0x0202020202020202ll;
    return _mm512_set_epi64(base + step * i3, base + step * i3, base + step * i2, base + step * i2,
                            base + step * i1, base + step * i1, base + step * i0, base + step * i0);
}

// 8 scales (bytes, unsigned or signed) as int16, repeated in all four 128-bit lanes.
inline __m512i scales16x4Unsigned(uint64_t bytes) {
    return _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(int64_t(bytes))));
}
inline __m512i scales16x4Signed(const int8_t* bytes) {
    return _mm512_broadcast_i32x4(
        _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes))));
}

inline __m512i bytes512(int v) {
    return _mm512_set1_epi8(static_cast<char>(v));
}

} // namespace
} // namespace dw::quant
