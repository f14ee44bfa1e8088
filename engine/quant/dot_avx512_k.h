#pragma once
// Internal, included only by dot_avx512.cpp and dot_avx512_vnni.cpp: AVX-512 dot products of
// the K-quants against Q8_K.
//
// Each 512-bit step covers 64 elements, i.e. two 32-element or four 16-element sub-blocks,
// one per pair of 128-bit lanes or per 128-bit lane. Unsigned quants times activation quants
// go through maddubs (int16 pairs, exact: at most 2 * 63 * 127), then dpwssd against a
// vector with each lane's sub-block scale, which scales and widens to int32 in one step.
// The mins (Q2_K, Q4_K, Q5_K) and the storage biases (Q3_K: +4, Q6_K: +32) are applied
// through Q8_K's bsums. Extra bits (Q3_K's hmask, Q5_K's qh) are tested into byte masks and
// added with a masked add.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/simd_avx512.h"

#include <type_traits>

namespace dw::quant {
namespace {

// Per byte: bit b0 in the lower 256 bits, bit b1 in the upper ones.
inline __m512i bitSelect(int b0, int b1) {
    return _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << b0)),
                              _mm256_set1_epi8(static_cast<char>(1 << b1)), 1);
}

// Per 16-bit lane: shift s0 in the lower 256 bits, s1 in the upper ones.
inline __m512i shiftSelect(int s0, int s1) {
    return _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(s0)),
                              _mm256_set1_epi16(static_cast<short>(s1)), 1);
}

inline __m512i widen(__m256i v) {
    return _mm512_inserti64x4(_mm512_setzero_si512(), v, 0);
}

template <class Block, bool kFive> float dotQ45KAvx512(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const Block*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    const __m512i pick[4] = {pickPerLane(0, 0, 1, 1), pickPerLane(2, 2, 3, 3),
                             pickPerLane(4, 4, 5, 5), pickPerLane(6, 6, 7, 7)};
    const __m512i fifthBit[4] = {bitSelect(0, 1), bitSelect(2, 3), bitSelect(4, 5),
                                 bitSelect(6, 7)};
    const __m512i nibble = bytes512(0x0f);
    __m512 acc = _mm512_setzero_ps();
    __m256 accMin = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        uint64_t sc, mn;
        unpackScalesMinsK(w[i].scales, sc, mn);
        const __m128i m8 = _mm_cvtsi64_si128(int64_t(mn));
        const __m256i mins = _mm256_madd_epi16(loadU256(a[i].bsums),
                                               _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
        const __m512i sc16 = scales16x4Unsigned(sc);
        __m512i qh = _mm512_setzero_si512();
        if constexpr (kFive) qh = broadcast256(w[i].qh);
        __m512i sumi = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            // Low nibbles of qs[64h..64h+63]: elements 128h + (0..31, 64..95); high: +32.
            const __m512i q = loadU512(w[i].qs + 64 * h);
            const __m512i lo = _mm512_and_si512(q, nibble);
            const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), nibble);
            __m512i w0 = _mm512_shuffle_i64x2(lo, hi, 0x44); // elements 128h + 0..63
            __m512i w1 = _mm512_shuffle_i64x2(lo, hi, 0xee); // elements 128h + 64..127
            if constexpr (kFive) {
                w0 = _mm512_mask_add_epi8(w0, _mm512_test_epi8_mask(qh, fifthBit[2 * h]), w0,
                                          bytes512(16));
                w1 = _mm512_mask_add_epi8(w1, _mm512_test_epi8_mask(qh, fifthBit[2 * h + 1]), w1,
                                          bytes512(16));
            }
            const __m512i p0 = _mm512_maddubs_epi16(w0, loadU512(a[i].qs + 128 * h));
            const __m512i p1 = _mm512_maddubs_epi16(w1, loadU512(a[i].qs + 128 * h + 64));
            sumi = dpwssd(sumi, p0, _mm512_shuffle_epi8(sc16, pick[2 * h]));
            sumi = dpwssd(sumi, p1, _mm512_shuffle_epi8(sc16, pick[2 * h + 1]));
        }
        const float d = halfToFloat(w[i].d) * a[i].d;
        const float dmin = halfToFloat(w[i].dmin) * a[i].d;
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d), acc);
        accMin = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(dmin), accMin);
    }
    return _mm512_reduce_add_ps(acc) - hsum(accMin);
}

float dotQ6KAvx512(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ6_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    const __m512i pickA = pickPerLane(0, 1, 2, 3), pickB = pickPerLane(4, 5, 6, 7);
    // High 2 bits to bits 4-5: quarters 0|1 shift left by 4|2, quarters 2|3 right by 0|2.
    const __m512i shiftA = shiftSelect(4, 2), shiftB = shiftSelect(0, 2);
    const __m512i nibble = bytes512(0x0f), top = bytes512(0x30);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const __m256i scAll =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].scales)));
        // Quants are stored as q + 32: start from -32 * sum_s sc_s * bsum_s.
        const __m256i bias = _mm256_slli_epi32(_mm256_madd_epi16(loadU256(a[i].bsums), scAll), 5);
        __m512i sumi = _mm512_sub_epi32(_mm512_setzero_si512(), widen(bias));
        for (int h = 0; h < 2; ++h) {
            const __m512i l = loadU512(w[i].ql + 64 * h);
            const __m512i hb = broadcast256(w[i].qh + 32 * h);
            const __m512i qA = _mm512_or_si512(
                _mm512_and_si512(l, nibble), _mm512_and_si512(_mm512_sllv_epi16(hb, shiftA), top));
            const __m512i qB =
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), nibble),
                                _mm512_and_si512(_mm512_srlv_epi16(hb, shiftB), top));
            const __m512i sc16 = scales16x4Signed(w[i].scales + 8 * h);
            const __m512i pA = _mm512_maddubs_epi16(qA, loadU512(a[i].qs + 128 * h));
            const __m512i pB = _mm512_maddubs_epi16(qB, loadU512(a[i].qs + 128 * h + 64));
            sumi = dpwssd(sumi, pA, _mm512_shuffle_epi8(sc16, pickA));
            sumi = dpwssd(sumi, pB, _mm512_shuffle_epi8(sc16, pickB));
        }
        const float d = halfToFloat(w[i].d) * a[i].d;
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

// Q2_K and Q3_K share the 2-bit layout: group g of half h is bits 2g of qs[32h + l].
template <bool kThree> float dotQ23KAvx512(int64_t n, const void* wv, const void* av) {
    using Block = std::conditional_t<kThree, BlockQ3_K, BlockQ2_K>;
    const auto* w = static_cast<const Block*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    const __m512i pickA = pickPerLane(0, 1, 2, 3), pickB = pickPerLane(4, 5, 6, 7);
    const __m512i shiftA = shiftSelect(0, 2), shiftB = shiftSelect(4, 6);
    const __m512i highBit[4] = {bitSelect(0, 1), bitSelect(2, 3), bitSelect(4, 5), bitSelect(6, 7)};
    const __m512i three = bytes512(3);
    __m512 acc = _mm512_setzero_ps();
    __m256 accMin = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        __m128i scales; // 16 sub-block scales as bytes
        __m512i sumi = _mm512_setzero_si512();
        __m512i hmask = _mm512_setzero_si512();
        if constexpr (kThree) {
            scales = q3kScales(w[i].scales);
            // Quants are stored as q + 4: start from -4 * sum_s sc_s * bsum_s.
            const __m256i bias = _mm256_slli_epi32(
                _mm256_madd_epi16(loadU256(a[i].bsums), _mm256_cvtepi8_epi16(scales)), 2);
            sumi = _mm512_sub_epi32(sumi, widen(bias));
            hmask = broadcast256(w[i].hmask);
        } else {
            const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].scales));
            scales = _mm_and_si128(packed, _mm_set1_epi8(0x0f));
            const __m128i mins = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0f));
            const __m256i minSum =
                _mm256_madd_epi16(loadU256(a[i].bsums), _mm256_cvtepu8_epi16(mins));
            const float dmin = halfToFloat(w[i].dmin) * a[i].d;
            accMin = _mm256_fmadd_ps(_mm256_cvtepi32_ps(minSum), _mm256_set1_ps(dmin), accMin);
        }
        for (int h = 0; h < 2; ++h) {
            const __m512i q = broadcast256(w[i].qs + 32 * h);
            __m512i qA = _mm512_and_si512(_mm512_srlv_epi16(q, shiftA), three); // groups 0 | 1
            __m512i qB = _mm512_and_si512(_mm512_srlv_epi16(q, shiftB), three); // groups 2 | 3
            if constexpr (kThree) {
                qA = _mm512_mask_add_epi8(qA, _mm512_test_epi8_mask(hmask, highBit[2 * h]), qA,
                                          bytes512(4));
                qB = _mm512_mask_add_epi8(qB, _mm512_test_epi8_mask(hmask, highBit[2 * h + 1]), qB,
                                          bytes512(4));
            }
            const __m128i half = h == 0 ? scales : _mm_unpackhi_epi64(scales, scales);
            const __m512i sc16 =
                _mm512_broadcast_i32x4(kThree ? _mm_cvtepi8_epi16(half) : _mm_cvtepu8_epi16(half));
            const __m512i pA = _mm512_maddubs_epi16(qA, loadU512(a[i].qs + 128 * h));
            const __m512i pB = _mm512_maddubs_epi16(qB, loadU512(a[i].qs + 128 * h + 64));
            sumi = dpwssd(sumi, pA, _mm512_shuffle_epi8(sc16, pickA));
            sumi = dpwssd(sumi, pB, _mm512_shuffle_epi8(sc16, pickB));
        }
        const float d = halfToFloat(w[i].d) * a[i].d;
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d), acc);
    }
    return _mm512_reduce_add_ps(acc) - hsum(accMin);
}

} // namespace
} // namespace dw::quant
