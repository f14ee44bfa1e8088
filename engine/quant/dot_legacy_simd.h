#pragma once
// Internal: SIMD dot products of the 32-element formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0),
// one block per 256-bit vector. Included by dot_avx2.cpp (AVX2), and by dot_avx512.cpp and
// dot_avx512_vnni.cpp through dot_avx512_table.h; the preprocessor picks AVX-512BW mask
// registers for Q5's 5th bits and VNNI's vpdpbusd where the including file is compiled
// with them. Internal linkage throughout (see simd_avx2.h).
//
// Per block: the integer sum over 32 products lands in 8 int32 lanes, is converted once and
// folded into the float accumulator as  acc += (sums * d_w) * d_a. Both scales are fetched
// from the 65536-entry half->float table as broadcast loads: cheaper than converting the two
// halves and broadcasting the product (measured: +15% in cache, and better in the two-thread
// decode mix), and the few distinct scales of a tensor keep the touched table lines cached.
// The offsets of Q4_1/Q5_1 (m_w, s_a) take all kinds of values, whose table lines would be
// evicted by the weight stream: those go through F16C (measured 2x faster from memory). Signed weights (Q8_0, and Q4_0 / Q5_0 once their bias 8 / 16
// is subtracted) use the sign trick: |q| (unsigned) times a with q's sign, which is what
// vpdpbusd / vpmaddubsw multiply; measured faster than sum(u * a) - bias * sum(a).
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/simd_avx2.h"

namespace dw::quant {
namespace {

// acc + per int32 lane: sum of 4 products u8 * s8 (u <= 128 without VNNI: int16 step).
inline __m256i dpbusd256(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, dotU8S8(u, s));
#endif
}

// 32 nibbles of a 16-byte run in element order (low nibbles, then high): the run in both
// 128-bit lanes, the upper one shifted right by 4, then masked.
inline __m256i nibbles32(const uint8_t* qs) {
    const __m256i both =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    return _mm256_and_si256(_mm256_srlv_epi32(both, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)),
                            _mm256_set1_epi8(0x0f));
}

// Nibbles plus 16 where bit j of the little-endian u32 qh is set (values 0..31).
inline __m256i fiveBits32(const uint8_t* qs, const uint8_t* qh) {
    const __m256i nib = nibbles32(qs);
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    return _mm256_mask_add_epi8(nib, __mmask32(bits), nib, _mm256_set1_epi8(16));
#else
    return _mm256_or_si256(nib, _mm256_and_si256(expandBits32(qh), _mm256_set1_epi8(16)));
#endif
}

// Integer sums (int32 lanes) of one block: unsigned quants u with a bias, against int8 a.
template <int kBias> inline __m256i biasedSums(__m256i u, __m256i a) {
    const __m256i q = _mm256_sub_epi8(u, _mm256_set1_epi8(kBias));
    return dpbusd256(_mm256_setzero_si256(), _mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
}

inline __m256i sumsQ8_0(const BlockQ8_0& w, __m256i a) {
    const __m256i q = loadU256(w.qs);
    return dpbusd256(_mm256_setzero_si256(), _mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
}
inline __m256i sumsQ4_0(const BlockQ4_0& w, __m256i a) {
    return biasedSums<8>(nibbles32(w.qs), a);
}
inline __m256i sumsQ5_0(const BlockQ5_0& w, __m256i a) {
    return biasedSums<16>(fiveBits32(w.qs, w.qh), a);
}
inline __m256i sumsQ4_1(const BlockQ4_1& w, __m256i a) {
    return dpbusd256(_mm256_setzero_si256(), nibbles32(w.qs), a);
}
inline __m256i sumsQ5_1(const BlockQ5_1& w, __m256i a) {
    return dpbusd256(_mm256_setzero_si256(), fiveBits32(w.qs, w.qh), a);
}

// acc + sums * d_w * d_a (d_w, d_a: half bit patterns, looked up in `table`).
inline __m256 accumulate(__m256 acc, __m256i sums, const float* table, uint16_t dw, uint16_t da) {
    const __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_broadcast_ss(table + dw));
    return _mm256_fmadd_ps(t, _mm256_broadcast_ss(table + da), acc);
}

// Q4_0, Q5_0, Q8_0 against Q8_0.
template <class Block, __m256i (*Sums)(const Block&, __m256i)>
float dotSymmetricSimd(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const Block*>(wv);
    const auto* a = static_cast<const BlockQ8_0*>(av);
    const float* table = kFp16Table;
    const int64_t nb = n / kQk;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        acc0 = accumulate(acc0, Sums(w[i], loadU256(a[i].qs)), table, w[i].d, a[i].d);
        acc1 =
            accumulate(acc1, Sums(w[i + 1], loadU256(a[i + 1].qs)), table, w[i + 1].d, a[i + 1].d);
    }
    if (i < nb) acc0 = accumulate(acc0, Sums(w[i], loadU256(a[i].qs)), table, w[i].d, a[i].d);
    return hsum(_mm256_add_ps(acc0, acc1));
}

// Q4_1, Q5_1 against Q8_1: plus m_w * s_a per block.
template <class Block, __m256i (*Sums)(const Block&, __m256i)>
float dotOffsetSimd(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const Block*>(wv);
    const auto* a = static_cast<const BlockQ8_1*>(av);
    const float* table = kFp16Table;
    const int64_t nb = n / kQk;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float offsets0 = 0.0f, offsets1 = 0.0f;
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        acc0 = accumulate(acc0, Sums(w[i], loadU256(a[i].qs)), table, w[i].d, a[i].d);
        acc1 =
            accumulate(acc1, Sums(w[i + 1], loadU256(a[i + 1].qs)), table, w[i + 1].d, a[i + 1].d);
        offsets0 += halfToFloat(w[i].m) * halfToFloat(a[i].s);
        offsets1 += halfToFloat(w[i + 1].m) * halfToFloat(a[i + 1].s);
    }
    if (i < nb) {
        acc0 = accumulate(acc0, Sums(w[i], loadU256(a[i].qs)), table, w[i].d, a[i].d);
        offsets0 += halfToFloat(w[i].m) * halfToFloat(a[i].s);
    }
    return hsum(_mm256_add_ps(acc0, acc1)) + (offsets0 + offsets1);
}

} // namespace
} // namespace dw::quant
