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
// rowsTokensLegacy (VecDotRowsTokensFn) runs the same per-block arithmetic
// (accumulateLegacy) with each weight block unpacked once for several tokens.
#include "quant/dot_legacy_simd.h"
#include "quant/kernels.h"
#include "quant/rows_simd.h"

namespace dw::quant {
namespace {

// Format traits: the block, the activation block, and the integer sums of one block of a row
// (int32 lanes summing to sum q a over the block) given the shared per-block values.
// Format traits: the block, the activation block, the weight quants of a block as unpacked
// once (W), and the integer sums of one block of a row (int32 lanes summing to sum q a over
// the block) given the unpacked quants and the shared per-block values.
struct RowsQ8_0 {
    using Block = BlockQ8_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 0;
    static constexpr bool kOffset = false;
    struct W {
        __m256i q, absQ;
    };
    static W unpack(const Block& w) {
        const __m256i q = inRegister(loadU256(w.qs));
        return {q, _mm256_abs_epi8(q)};
    }
    static __m256i sums(const W& w, __m256i a, __m256i) {
        return dpbusd256(_mm256_setzero_si256(), w.absQ, _mm256_sign_epi8(a, w.q));
    }
};
struct RowsQ4_0 {
    using Block = BlockQ4_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 8;
    static constexpr bool kOffset = false;
    using W = __m256i;
    static W unpack(const Block& w) { return nibbles32(w.qs); }
    static __m256i sums(W u, __m256i a, __m256i bias) { return dpbusd256(bias, u, a); }
};
struct RowsQ5_0 {
    using Block = BlockQ5_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 16;
    static constexpr bool kOffset = false;
    using W = __m256i;
    static W unpack(const Block& w) { return fiveBits32(w.qs, w.qh); }
    static __m256i sums(W u, __m256i a, __m256i bias) { return dpbusd256(bias, u, a); }
};
struct RowsQ4_1 {
    using Block = BlockQ4_1;
    using Act = BlockQ8_1;
    static constexpr int kBias = 0;
    static constexpr bool kOffset = true;
    using W = __m256i;
    static W unpack(const Block& w) { return nibbles32(w.qs); }
    static __m256i sums(W u, __m256i a, __m256i) { return dpbusd256(_mm256_setzero_si256(), u, a); }
};
struct RowsQ5_1 {
    using Block = BlockQ5_1;
    using Act = BlockQ8_1;
    static constexpr int kBias = 0;
    static constexpr bool kOffset = true;
    using W = __m256i;
    static W unpack(const Block& w) { return fiveBits32(w.qs, w.qh); }
    static __m256i sums(W u, __m256i a, __m256i) { return dpbusd256(_mm256_setzero_si256(), u, a); }
};

// What a call needs of one activation block: its quants, d_a broadcast, the bias start value
// of the biased formats and s_a of the offset ones.
template <class F> struct LegacyAct {
    __m256i aq, bias;
    __m256 da;
    float sa;
    static LegacyAct of(const typename F::Act& a, const float* table) {
        LegacyAct r;
        r.aq = loadU256(a.qs);
        r.da = _mm256_broadcast_ss(table + a.d);
        r.bias = _mm256_setzero_si256();
        if constexpr (F::kBias != 0) // -B * (sum of each lane's 4 activation quants)
            r.bias = _mm256_sub_epi32(r.bias, dpbusd256(_mm256_setzero_si256(), _mm256_set1_epi8(F::kBias), r.aq));
        r.sa = 0.0f;
        if constexpr (F::kOffset) r.sa = halfToFloat(a.s);
        return r;
    }
};

// acc (and offset) of one row and token after one more block: the arithmetic every legacy
// rows kernel shares, so that they agree bit for bit.
template <class F>
inline void accumulateLegacy(const typename F::Block& b, const typename F::W& w, const LegacyAct<F>& a,
                             const float* table, __m256& acc, float& offset) {
    const __m256 s = _mm256_cvtepi32_ps(F::sums(w, a.aq, a.bias));
    acc = _mm256_fmadd_ps(_mm256_mul_ps(s, _mm256_broadcast_ss(table + b.d)), a.da, acc);
    if constexpr (F::kOffset) offset += halfToFloat(b.m) * a.sa;
}

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
            const LegacyAct<F> ai = LegacyAct<F>::of(a[i], table);
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r) {
                const Block& b = *reinterpret_cast<const Block*>(col + size_t(r) * stride);
                accumulateLegacy<F>(b, F::unpack(b), ai, table, acc[r], offsets[r]);
            }
        }
        storeRowSums<R>(acc, out, F::kOffset ? offsets : nullptr);
    }
};

// VecDotRowsTokensFn of a legacy format: each weight block unpacked once per row for all
// tokens; the activation blocks of the tokens prepared once per call, kActBlocks at a time
// (a buffer that stays in L1). Per row and token the arithmetic of RowsLegacy<F>::run<1>.
template <class F>
void rowsTokensLegacy(int64_t n, const void* wv, size_t stride, int nRows, const void* av,
                      size_t aStride, int nTokens, float* out, size_t outStride) {
    using Block = typename F::Block;
    constexpr int kActBlocks = 16;
    const float* table = kFp16Table;
    const auto* w = static_cast<const uint8_t*>(wv);
    const int64_t nb = n / kQk;
    __m256 acc[kRowsMax][kRowsMax]; // both set by the first block (no zeroing pass)
    float offsets[kRowsMax][kRowsMax];
    LegacyAct<F> acts[kActBlocks][kRowsMax];
    for (int64_t i0 = 0; i0 < nb; i0 += kActBlocks) {
        const int64_t i1 = std::min<int64_t>(nb, i0 + kActBlocks);
        for (int t = 0; t < nTokens; ++t) {
            const auto* a = reinterpret_cast<const typename F::Act*>(static_cast<const uint8_t*>(av) + size_t(t) * aStride);
            for (int64_t i = i0; i < i1; ++i) acts[i - i0][t] = LegacyAct<F>::of(a[i], table);
        }
        for (int r = 0; r < nRows; ++r) {
            const uint8_t* row = w + size_t(r) * stride;
            for (int64_t i = i0; i < i1; ++i) {
                const Block& b = *reinterpret_cast<const Block*>(row + size_t(i) * sizeof(Block));
                const typename F::W wb = F::unpack(b);
                for (int t = 0; t < nTokens; ++t) {
                    if (i == 0) {
                        acc[r][t] = _mm256_setzero_ps();
                        offsets[r][t] = 0.0f;
                    }
                    accumulateLegacy<F>(b, wb, acts[i - i0][t], table, acc[r][t], offsets[r][t]);
                }
            }
        }
    }
    for (int t = 0; t < nTokens; ++t) {
        __m256 col[8];
        float extra[8];
        for (int r = 0; r < 8; ++r) {
            const bool set = r < nRows && nb > 0;
            col[r] = set ? acc[r][t] : _mm256_setzero_ps();
            extra[r] = set ? offsets[r][t] : 0.0f;
        }
        storeRowSumsMasked(col, nRows, F::kOffset ? extra : nullptr, out + size_t(t) * outStride);
    }
}

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
    t.rowsTokens[uint32_t(DType::Q8_0)] = rowsTokensLegacy<RowsQ8_0>;
    t.rowsTokens[uint32_t(DType::Q4_0)] = rowsTokensLegacy<RowsQ4_0>;
    t.rowsTokens[uint32_t(DType::Q5_0)] = rowsTokensLegacy<RowsQ5_0>;
    t.rowsTokens[uint32_t(DType::Q4_1)] = rowsTokensLegacy<RowsQ4_1>;
    t.rowsTokens[uint32_t(DType::Q5_1)] = rowsTokensLegacy<RowsQ5_1>;
}

} // namespace
} // namespace dw::quant
