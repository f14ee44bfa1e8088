#pragma once
// Internal: AVX2 helpers for the files compiled with -mavx2 -mfma -mf16c (and the AVX-512
// ones, which build on them). Everything here has internal linkage: a TU compiled with other
// flags must never end up calling another TU's copy of these functions.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace dw::quant {
namespace {

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline float halfToFloat(uint16_t h) {
    return _cvtsh_ss(h);
}

inline uint16_t floatToHalf(float f) {
    return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Sum of pairs of int16 lanes into int32 lanes.
inline __m256i pairSum16(__m256i v) {
    return _mm256_madd_epi16(v, _mm256_set1_epi16(1));
}

// Per int32 lane: sum of 4 products u8 * s8; exact for u <= 128 and |s| <= 127 (the int16
// pair sums of vpmaddubsw saturate beyond 32767).
inline __m256i dotU8S8(__m256i u, __m256i s) {
    return pairSum16(_mm256_maddubs_epi16(u, s));
}

// Bit j of a little-endian u32 as byte j: 0xff where set, 0 where clear.
inline __m256i expandBits32(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    const __m256i v = _mm256_set1_epi32(static_cast<int>(bits));
    // byte j <- byte j/8 of the word, then test bit j%8.
    const __m256i spread = _mm256_shuffle_epi8(
        v, _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

// The 16 signed Q3_K scales (-32..31) as bytes, computed in registers from the 12 packed
// bytes (the formulas of unpackScalesQ3K in blocks.h, on the u32 words w0, w1, w2). Storing
// them to memory and reloading them as one vector would stall on store forwarding.
inline __m128i q3kScales(const uint8_t* packed) {
    uint32_t w2;
    std::memcpy(&w2, packed + 8, 4);
    const __m128i x = _mm_insert_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(packed)),
                                       int(w2), 2); // [w0, w1, w2, 0]
    const __m128i low = _mm_and_si128(x, _mm_set1_epi8(0x0f));
    const __m128i high = _mm_and_si128(_mm_srli_epi32(x, 4), _mm_set1_epi8(0x0f));
    const __m128i low4 = _mm_unpacklo_epi64(low, high); // s0-3, s4-7, s8-11, s12-15
    const __m128i top = _mm_srlv_epi32(_mm_shuffle_epi32(x, 0xaa), _mm_setr_epi32(0, 2, 4, 6));
    const __m128i top2 = _mm_slli_epi32(_mm_and_si128(top, _mm_set1_epi8(3)), 4);
    return _mm_sub_epi8(_mm_or_si128(low4, top2), _mm_set1_epi8(32));
}

inline __m256i loadU256(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

} // namespace
} // namespace dw::quant
