#pragma once
// Internal: multi-row decode kernels (VecDotRowsFn) of the 32-element formats Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, one block per 256-bit vector. Included by dot_avx2.cpp (AVX2) and, via
// dot_avx512_table.h, by the AVX-512 files, where dot_legacy_simd.h's helpers use mask
// registers and vpdpbusd. (On Zen 4 a 512-bit operation costs two 256-bit ones, so two
// blocks per zmm would save nothing but front-end slots.)
//
// Per block, shared by the R rows of a call: the activation quants, the activation scale
// d_a as a vector, and for Q4_0 / Q5_0 the bias term. Per row: the integer sums (int32
// lanes), converted once and folded into the row's accumulator as acc += (sums * d_w) * d_a.
// The biased formats Q4_0 / Q5_0 multiply their unsigned stored quants u = q + B directly
// (vpdpbusd takes u8 x s8): sum q a = sum u a - B sum a, and the -B sum a of the block is
// computed once, per int32 lane, as the start value of every row's sums: no per-row bias
// work. Q8_0 keeps the sign trick (|q| times a with q's sign). Q4_1 / Q5_1 add m_w * s_a
// per block, in a scalar per row (their m take all values: see dot_legacy_simd.h).
#include "quant/dot_legacy_simd.h"
#include "quant/kernels.h"
#include "quant/rows_simd.h"

namespace dw::quant {
namespace {

// Format traits: the block, the activation block, and the integer sums of one block of a row
// (int32 lanes summing to sum q a over the block) given the shared per-block values.
// RowsFormat: the formats whose quants enter vpdpbusd as unsigned bytes u = q + kBias, taken
// from the block by U::of; the per-block bias vector (zero where kBias is 0) is the start
// value of the sums.
template <class B, class A, int kB, bool kOff, class U> struct RowsFormat {
    using Block = B;
    using Act = A;
    static constexpr int kBias = kB;
    static constexpr bool kOffset = kOff;
    static __m256i sums(const Block& w, __m256i a, __m256i bias) { return dpbusd256(bias, U::of(w), a); }
};
struct Nibbles {
    template <class B> static __m256i of(const B& w) { return nibbles32(w.qs); }
};
struct FiveBits {
    template <class B> static __m256i of(const B& w) { return fiveBits32(w.qs, w.qh); }
};
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
// With vpdpbusd (u8 x s8 into int32, no saturation) Q8_0 is a biased format too: q ^ 0x80 =
// q + 128 as u8, and the -128 sum a of the block is the start value shared by the R rows:
// one xor per row instead of the sign trick's abs and sign (the integer sums are the same).
struct FlippedQ8 {
    static __m256i of(const BlockQ8_0& w) { return _mm256_xor_si256(loadU256(w.qs), _mm256_set1_epi8(char(0x80))); }
};
using RowsQ8_0 = RowsFormat<BlockQ8_0, BlockQ8_0, 128, false, FlippedQ8>;
#else
struct RowsQ8_0 {
    using Block = BlockQ8_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 0;
    static constexpr bool kOffset = false;
    static __m256i sums(const Block& w, __m256i a, __m256i) {
        const __m256i q = inRegister(loadU256(w.qs));
        return dpbusd256(_mm256_setzero_si256(), _mm256_abs_epi8(q), _mm256_sign_epi8(a, q));
    }
};
#endif
using RowsQ4_0 = RowsFormat<BlockQ4_0, BlockQ8_0, 8, false, Nibbles>;
using RowsQ5_0 = RowsFormat<BlockQ5_0, BlockQ8_0, 16, false, FiveBits>;
using RowsQ4_1 = RowsFormat<BlockQ4_1, BlockQ8_1, 0, true, Nibbles>;
using RowsQ5_1 = RowsFormat<BlockQ5_1, BlockQ8_1, 0, true, FiveBits>;

template <class F> struct RowsLegacy {
    using Block = typename F::Block;
    using Act = typename F::Act;

    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const Act*>(av);
        const float* table = kFp16Table;
        const int64_t nb = n / kQk;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m256 acc[R] = {};
        float offsets[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            const __m256i aq = loadU256(a[i].qs);
            const __m256 da = _mm256_broadcast_ss(table + a[i].d);
            __m256i bias = _mm256_setzero_si256();
            if constexpr (F::kBias != 0) // -B * (sum of each lane's 4 activation quants)
                bias = _mm256_sub_epi32(
                    bias, dpbusd256(_mm256_setzero_si256(), _mm256_set1_epi8(F::kBias), aq));
            float sa = 0.0f;
            if constexpr (F::kOffset) sa = halfToFloat(a[i].s);
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r) {
                const Block& b = *reinterpret_cast<const Block*>(col + size_t(r) * stride);
                const __m256 s = _mm256_cvtepi32_ps(F::sums(b, aq, bias));
                acc[r] =
                    _mm256_fmadd_ps(_mm256_mul_ps(s, _mm256_broadcast_ss(table + b.d)), da, acc[r]);
                if constexpr (F::kOffset) offsets[r] += halfToFloat(b.m) * sa;
            }
        }
        storeRowSums<R>(acc, out, F::kOffset ? offsets : nullptr);
    }
};

template <class F>
void rowsLegacy(int64_t n, const void* w, size_t stride, int nRows, const void* a, float* out) {
    rowsBySplit<RowsLegacy<F>>(n, w, stride, nRows, a, out);
}

// Registers the kernels above in a table.
inline void addLegacyRowKernels(KernelTable& t) {
    t.rows[uint32_t(DType::Q8_0)] = rowsLegacy<RowsQ8_0>;
    t.rows[uint32_t(DType::Q4_0)] = rowsLegacy<RowsQ4_0>;
    t.rows[uint32_t(DType::Q5_0)] = rowsLegacy<RowsQ5_0>;
    t.rows[uint32_t(DType::Q4_1)] = rowsLegacy<RowsQ4_1>;
    t.rows[uint32_t(DType::Q5_1)] = rowsLegacy<RowsQ5_1>;
}

} // namespace
} // namespace dw::quant
