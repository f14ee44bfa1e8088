#pragma once
// Internal: the register-width layer of the tiled kernels (tile_legacy.h, tile_k.h,
// tile_float.h). Vec256 is compiled into tile_avx2.cpp (AVX2 + FMA + F16C), Vec512 into
// dot_avx512.cpp and dot_avx512_vnni.cpp; the kernels are templates over one of them.
// Internal linkage throughout (see simd_avx2.h).
//
// Integer lanes are int32 and, in the packed panels, each lane is one weight row ("rows in
// lanes"): a vector holds the same 4 quants of kLanes rows, so that one broadcast dword of
// an activation row times it yields kLanes partial dots at once and no horizontal sum is
// ever needed.
#include "quant/simd_avx2.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace dw::quant {
namespace {

struct Vec256 {
    static constexpr int kLanes = 8;
    static constexpr bool kVnni = false;
    using I = __m256i;
    using F = __m256;
    using Mask = __m256i; // all ones in the lanes of rows that exist

    static I zero() { return _mm256_setzero_si256(); }
    static I set1(int32_t v) { return _mm256_set1_epi32(v); }
    static I bytes(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }
    static I load(const void* p) { return _mm256_load_si256(static_cast<const __m256i*>(p)); }
    static void store(void* p, I v) { _mm256_store_si256(static_cast<__m256i*>(p), v); }
    static I bcast32(const void* p) {
        int32_t v;
        std::memcpy(&v, p, 4);
        return _mm256_set1_epi32(v);
    }
    static I laneIndex() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
    static I andv(I a, I b) { return _mm256_and_si256(a, b); }
    static I orv(I a, I b) { return _mm256_or_si256(a, b); }
    static I xorv(I a, I b) { return _mm256_xor_si256(a, b); }
    static I add32(I a, I b) { return _mm256_add_epi32(a, b); }
    static I sub32(I a, I b) { return _mm256_sub_epi32(a, b); }
    static I sub8(I a, I b) { return _mm256_sub_epi8(a, b); }
    static I srl(I a, int n) { return _mm256_srli_epi32(a, n); }
    static I sll(I a, int n) { return _mm256_slli_epi32(a, n); }
    static I sra(I a, int n) { return _mm256_srai_epi32(a, n); }
    static I mullo(I a, I b) { return _mm256_mullo_epi32(a, b); }
    // acc + per int32 lane: sum of the 4 products u8 * s8 (exact while the int16 pair sums of
    // vpmaddubsw stay within int16: |s| <= 64 for u <= 255).
    static I dpbusd(I acc, I u, I s) {
        return _mm256_add_epi32(
            acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
    }
    // acc + per int32 lane: sum of the 2 products int16 * int16 ((u8 * s8 pairs) * m for
    // the wide Q8_0 planes: see tile_legacy.h).
    static I dpwssd(I acc, I a, I b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
    static I maddubs(I u, I s) { return _mm256_maddubs_epi16(u, s); }
    static I madd16(I a, I b) { return _mm256_madd_epi16(a, b); }
    static I add16(I a, I b) { return _mm256_add_epi16(a, b); }
    static I set1x16(int v) { return _mm256_set1_epi16(static_cast<short>(v)); }

    static F zeroF() { return _mm256_setzero_ps(); }
    static F set1F(float v) { return _mm256_set1_ps(v); }
    static F loadF(const float* p) { return _mm256_load_ps(p); }
    static F loadUF(const float* p) { return _mm256_loadu_ps(p); }
    static void storeF(float* p, F v) { _mm256_store_ps(p, v); }
    static F loadHalves(const uint16_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static F loadBf16s(const uint16_t* p) {
        const __m256i v =
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    }
    static F cvt(I v) { return _mm256_cvtepi32_ps(v); }
    static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
    static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
    static float sum(F v) { return hsum(v); }

    static Mask rowMask(int nValid) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(nValid), laneIndex());
    }
    // out rows (unaligned); nValid < kLanes only in a last, partial vector. A masked store
    // is slow on AMD, so full vectors take the plain one.
    static F loadOut(const float* p, int nValid) {
        return nValid >= kLanes ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, rowMask(nValid));
    }
    static void storeOut(float* p, int nValid, F v) {
        if (nValid >= kLanes)
            _mm256_storeu_ps(p, v);
        else
            _mm256_maskstore_ps(p, rowMask(nValid), v);
    }
    // The dword at base + idx[lane] for the lanes of m (0 elsewhere; nothing read there).
    static I gather(const uint8_t* base, I idx, Mask m) {
        return _mm256_mask_i32gather_epi32(zero(), reinterpret_cast<const int*>(base), idx, m, 1);
    }
    // The half in the low 16 bits of every lane, as a float.
    static F halfToFloat(I v) {
        const __m256i pick =
            _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5,
                             8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m256i halves = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, pick), 0x08);
        return _mm256_cvtph_ps(_mm256_castsi256_si128(halves));
    }
};

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
struct Vec512 {
    static constexpr int kLanes = 16;
#if defined(__AVX512VNNI__)
    static constexpr bool kVnni = true;
#else
    static constexpr bool kVnni = false;
#endif
    using I = __m512i;
    using F = __m512;
    using Mask = __mmask16;

    static I zero() {
        return _mm512_setzero_si512();
    }
    static I set1(int32_t v) {
        return _mm512_set1_epi32(v);
    }
    static I bytes(int v) {
        return _mm512_set1_epi8(static_cast<char>(v));
    }
    static I load(const void* p) {
        return _mm512_load_si512(p);
    }
    static void store(void* p, I v) {
        _mm512_store_si512(p, v);
    }
    static I bcast32(const void* p) {
        int32_t v;
        std::memcpy(&v, p, 4);
        return _mm512_set1_epi32(v);
    }
    static I laneIndex() {
        return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }
    static I andv(I a, I b) {
        return _mm512_and_si512(a, b);
    }
    static I orv(I a, I b) {
        return _mm512_or_si512(a, b);
    }
    static I xorv(I a, I b) {
        return _mm512_xor_si512(a, b);
    }
    static I add32(I a, I b) {
        return _mm512_add_epi32(a, b);
    }
    static I sub32(I a, I b) {
        return _mm512_sub_epi32(a, b);
    }
    static I sub8(I a, I b) {
        return _mm512_sub_epi8(a, b);
    }
    static I srl(I a, int n) {
        return _mm512_srli_epi32(a, static_cast<unsigned>(n));
    }
    static I sll(I a, int n) {
        return _mm512_slli_epi32(a, static_cast<unsigned>(n));
    }
    static I sra(I a, int n) {
        return _mm512_srai_epi32(a, static_cast<unsigned>(n));
    }
    static I mullo(I a, I b) {
        return _mm512_mullo_epi32(a, b);
    }
    static I dpbusd(I acc, I u, I s) {
#if defined(__AVX512VNNI__)
        return _mm512_dpbusd_epi32(acc, u, s);
#else
        return _mm512_add_epi32(
            acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
#endif
    }
    static I dpwssd(I acc, I a, I b) {
#if defined(__AVX512VNNI__)
        return _mm512_dpwssd_epi32(acc, a, b);
#else
        return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
    }
    static I maddubs(I u, I s) {
        return _mm512_maddubs_epi16(u, s);
    }
    static I madd16(I a, I b) {
        return _mm512_madd_epi16(a, b);
    }
    static I add16(I a, I b) {
        return _mm512_add_epi16(a, b);
    }
    static I set1x16(int v) {
        return _mm512_set1_epi16(static_cast<short>(v));
    }

    static F zeroF() {
        return _mm512_setzero_ps();
    }
    static F set1F(float v) {
        return _mm512_set1_ps(v);
    }
    static F loadF(const float* p) {
        return _mm512_load_ps(p);
    }
    static F loadUF(const float* p) {
        return _mm512_loadu_ps(p);
    }
    static void storeF(float* p, F v) {
        _mm512_store_ps(p, v);
    }
    static F loadHalves(const uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static F loadBf16s(const uint16_t* p) {
        const __m512i v =
            _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    }
    static F cvt(I v) {
        return _mm512_cvtepi32_ps(v);
    }
    static F mul(F a, F b) {
        return _mm512_mul_ps(a, b);
    }
    static F fmadd(F a, F b, F c) {
        return _mm512_fmadd_ps(a, b, c);
    }
    static F fnmadd(F a, F b, F c) {
        return _mm512_fnmadd_ps(a, b, c);
    }
    static float sum(F v) {
        return _mm512_reduce_add_ps(v);
    }

    static Mask rowMask(int nValid) {
        return nValid >= 16 ? Mask(0xffff) : nValid <= 0 ? Mask(0) : Mask((1u << nValid) - 1);
    }
    static F loadOut(const float* p, int nValid) {
        return _mm512_maskz_loadu_ps(rowMask(nValid), p);
    }
    static void storeOut(float* p, int nValid, F v) {
        _mm512_mask_storeu_ps(p, rowMask(nValid), v);
    }
    static I gather(const uint8_t* base, I idx, Mask m) {
        return _mm512_mask_i32gather_epi32(zero(), m, idx, base, 1);
    }
    static F halfToFloat(I v) {
        return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v));
    }
};
#endif

} // namespace
} // namespace dw::quant
