#pragma once
// Internal, included only by dot_avx512.cpp and dot_avx512_vnni.cpp (via dot_avx512_table.h):
// multi-row decode kernels (VecDotRowsFn) of the K-quants against Q8_K, the arithmetic of
// dot_avx512_k.h with the rows inner. Per super-block, shared by the R rows: the activation
// quants (in registers, for Q4_K / Q5_K already permuted into the order in which the weight
// nibbles come out of a 64-byte load, so no row has to shuffle its quants), bsums and d_a.
// Per row: maddubs / dpwssd into int32 lanes, then one FMA for d and one for the mins (or
// biases) into the row's float accumulator; one transpose-and-add at the end. Q4_K, Q5_K
// and Q6_K are written as a weight-block unpack, an activation-block permute and the dot of
// the two, so that the several-token kernels (VecDotRowsTokensFn: each weight block unpacked
// once for up to 8 tokens) compute exactly what the multi-row kernels compute.
#include "quant/dot_avx512_k.h"
#include "quant/kernels.h"
#include "quant/rows_simd.h"

namespace dw::quant {
namespace {

// [d * d_a, dmin * d_a] of a block whose half d is followed by the half dmin, broadcast.
inline void blockScales(const uint16_t* dAndMin, __m128 da, __m512& d, __m512& dmin) {
    uint32_t both;
    std::memcpy(&both, dAndMin, 4);
    const __m128 f = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(int(both))), da);
    d = _mm512_broadcastss_ps(f);
    dmin = _mm512_broadcastss_ps(_mm_movehdup_ps(f));
}

inline __m256 fold512(__m512 v) {
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return _mm256_add_ps(_mm512_castps512_ps256(v), hi);
}

template <int R> inline void storeRowSums512(const __m512 (&acc)[R], float* out) {
    __m256 folded[R];
    for (int r = 0; r < R; ++r) folded[r] = fold512(acc[r]);
    storeRowSums<R>(folded, out, nullptr);
}

// (a & b) | c in one vpternlog.
inline __m512i andOr(__m512i a, __m512i b, __m512i c) {
    return _mm512_ternarylogic_epi64(a, b, c, 0xea);
}

// Q4_K / Q5_K against Q8_K, split into what belongs to a weight block (unpacked once) and
// what belongs to an activation block (permuted once), so that the kernel over R rows and
// one token and the kernel over one row and T tokens share the arithmetic, and their
// results are bit-identical.
template <class BlockT, bool kFive> struct Q45KAvx512 {
    using Block = BlockT;
    // An activation super-block: the quants in the order the weight nibbles come out of a
    // 64-byte load (elements 128h + (0..31, 64..95) in lo[h], + (32..63, 96..127) in hi[h]).
    struct Act {
        __m512i lo[2], hi[2];
        __m256i bsums;
        __m128 da;
    };
    // A weight super-block: its quants as bytes (lo/hi nibbles of both halves), the 16-bit
    // scale of each quant pair's sub-block, the mins widened for bsums, and [d, dmin].
    struct Weights {
        __m512i q[4]; // lo half 0, hi half 0, lo half 1, hi half 1
        __m512i sc[4];
        __m256i mins16;
        __m128 dm;
    };

    static Act act(const BlockQ8_K& a) {
        Act r;
        for (int h = 0; h < 2; ++h) {
            const __m512i x0 = loadU512(a.qs + 128 * h);
            const __m512i x1 = loadU512(a.qs + 128 * h + 64);
            r.lo[h] = _mm512_shuffle_i64x2(x0, x1, 0x44);
            r.hi[h] = _mm512_shuffle_i64x2(x0, x1, 0xee);
        }
        r.bsums = loadU256(a.bsums);
        r.da = _mm_set1_ps(a.d);
        return r;
    }

    static Weights weights(const Block& b) {
        // A 64-byte load of qs[64h..] gives, in its low nibbles, sub-blocks 4h (bytes 0-31)
        // and 4h+2 (32-63); in its high nibbles 4h+1 and 4h+3.
        const __m512i pickLo[2] = {pickPerLane(0, 0, 2, 2), pickPerLane(4, 4, 6, 6)};
        const __m512i pickHi[2] = {pickPerLane(1, 1, 3, 3), pickPerLane(5, 5, 7, 7)};
        const __m512i bitLo[2] = {bitSelect(0, 2), bitSelect(4, 6)};
        const __m512i bitHi[2] = {bitSelect(1, 3), bitSelect(5, 7)};
        const __m512i nibble = bytes512(0x0f);
        Weights w;
        uint64_t sc, mn;
        unpackScalesMinsK(b.scales, sc, mn);
        const __m128i m8 = _mm_cvtsi64_si128(int64_t(mn));
        w.mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
        const __m512i sc16 = scales16x4Unsigned(sc);
        __m512i qh = _mm512_setzero_si512();
        if constexpr (kFive) qh = broadcast256(b.qh);
        for (int h = 0; h < 2; ++h) {
            const __m512i q = inRegister(loadU512(b.qs + 64 * h));
            __m512i lo = _mm512_and_si512(q, nibble);
            __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), nibble);
            if constexpr (kFive) {
                lo = _mm512_mask_add_epi8(lo, _mm512_test_epi8_mask(qh, bitLo[h]), lo, bytes512(16));
                hi = _mm512_mask_add_epi8(hi, _mm512_test_epi8_mask(qh, bitHi[h]), hi, bytes512(16));
            }
            w.q[2 * h] = lo;
            w.q[2 * h + 1] = hi;
            w.sc[2 * h] = _mm512_shuffle_epi8(sc16, pickLo[h]);
            w.sc[2 * h + 1] = _mm512_shuffle_epi8(sc16, pickHi[h]);
        }
        uint32_t both;
        std::memcpy(&both, &b.d, 4); // d, then dmin
        w.dm = _mm_cvtph_ps(_mm_cvtsi32_si128(int(both)));
        return w;
    }

    // acc += the block's dot product, spread over the lanes.
    static __m512 accumulate(const Weights& w, const Act& a, __m512 acc) {
        __m512i sumi = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            sumi = dpwssd(sumi, _mm512_maddubs_epi16(w.q[2 * h], a.lo[h]), w.sc[2 * h]);
            sumi = dpwssd(sumi, _mm512_maddubs_epi16(w.q[2 * h + 1], a.hi[h]), w.sc[2 * h + 1]);
        }
        const __m256i mins = _mm256_madd_epi16(a.bsums, w.mins16);
        const __m128 f = _mm_mul_ps(w.dm, a.da);
        const __m512 d = _mm512_broadcastss_ps(f);
        const __m512 dmin = _mm512_broadcastss_ps(_mm_movehdup_ps(f));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc);
        return _mm512_fnmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(mins)), dmin, acc);
    }
};

// The VecDotRowsTokensFn of a split K-quant K: each weight block is unpacked once per row and
// used for every token; per token the arithmetic of RowsSplitK<K> with R = 1. The activation
// blocks are permuted once per call into a buffer that stays in L1 (kTokensActBlocks
// super-blocks per token at a time).
template <class K>
void rowsTokensK(int64_t n, const void* wv, size_t stride, int nRows, const void* av,
                 size_t aStride, int nTokens, float* out, size_t outStride) {
    using Block = typename K::Block;
    constexpr int kTokensActBlocks = 8;
    const auto* w = static_cast<const uint8_t*>(wv);
    const int64_t nb = n / kQkK;
    __m512 acc[kRowsMax][kRowsMax]; // set by the first block (no zeroing pass)
    typename K::Act acts[kTokensActBlocks][kRowsMax];
    for (int64_t i0 = 0; i0 < nb; i0 += kTokensActBlocks) {
        const int64_t i1 = std::min(nb, i0 + kTokensActBlocks);
        for (int t = 0; t < nTokens; ++t) {
            const auto* a = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(av) + size_t(t) * aStride);
            for (int64_t i = i0; i < i1; ++i) acts[i - i0][t] = K::act(a[i]);
        }
        for (int r = 0; r < nRows; ++r) {
            const uint8_t* row = w + size_t(r) * stride;
            for (int64_t i = i0; i < i1; ++i) {
                const typename K::Weights wb = K::weights(*reinterpret_cast<const Block*>(row + size_t(i) * sizeof(Block)));
                for (int t = 0; t < nTokens; ++t)
                    acc[r][t] = K::accumulate(wb, acts[i - i0][t], i == 0 ? _mm512_setzero_ps() : acc[r][t]);
            }
        }
    }
    for (int t = 0; t < nTokens; ++t) {
        __m256 folded[8];
        for (int r = 0; r < 8; ++r)
            folded[r] = r < nRows && nb > 0 ? fold512(acc[r][t]) : _mm256_setzero_ps();
        storeRowSumsMasked(folded, nRows, nullptr, out + size_t(t) * outStride);
    }
}

// Q6_K against Q8_K, split like Q45KAvx512.
struct Q6KAvx512 {
    using Block = BlockQ6_K;
    struct Act {
        __m512i aq[4];
        __m256i bsums;
        float da;
    };
    struct Weights {
        __m512i q[4]; // quants of quarters (0, 1), (2, 3) of half 0, then of half 1, as 0..63
        __m512i sc[4];
        __m256i scAll; // the 16 sub-block scales as int16
        float d;
    };

    static Act act(const BlockQ8_K& a) {
        Act r;
        for (int j = 0; j < 4; ++j) r.aq[j] = loadU512(a.qs + 64 * j);
        r.bsums = loadU256(a.bsums);
        r.da = a.d;
        return r;
    }

    static Weights weights(const Block& b) {
        const __m512i pickA = pickPerLane(0, 1, 2, 3), pickB = pickPerLane(4, 5, 6, 7);
        // High 2 bits to bits 4-5: quarters 0|1 shift left by 4|2, quarters 2|3 right by 0|2.
        const __m512i shiftA = shiftSelect(4, 2), shiftB = shiftSelect(0, 2);
        const __m512i nibble = bytes512(0x0f), top = bytes512(0x30);
        Weights w;
        w.scAll = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
        for (int h = 0; h < 2; ++h) {
            const __m512i l = inRegister(loadU512(b.ql + 64 * h));
            const __m512i hb = inRegister(broadcast256(b.qh + 32 * h));
            w.q[2 * h] = andOr(l, nibble, _mm512_and_si512(_mm512_sllv_epi16(hb, shiftA), top));
            w.q[2 * h + 1] =
                andOr(_mm512_srli_epi16(l, 4), nibble, _mm512_and_si512(_mm512_srlv_epi16(hb, shiftB), top));
            const __m512i sc16 = scales16x4Signed(b.scales + 8 * h);
            w.sc[2 * h] = _mm512_shuffle_epi8(sc16, pickA);
            w.sc[2 * h + 1] = _mm512_shuffle_epi8(sc16, pickB);
        }
        w.d = halfToFloat(b.d);
        return w;
    }

    static __m512 accumulate(const Weights& w, const Act& a, __m512 acc) {
        // Quants are stored as q + 32: start from -32 * sum_s sc_s * bsum_s.
        const __m256i bias = _mm256_slli_epi32(_mm256_madd_epi16(a.bsums, w.scAll), 5);
        __m512i sumi = _mm512_sub_epi32(_mm512_setzero_si512(), widen(bias));
        for (int j = 0; j < 4; ++j) sumi = dpwssd(sumi, _mm512_maddubs_epi16(w.q[j], a.aq[j]), w.sc[j]);
        const float d = w.d * a.da;
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d), acc);
    }
};

// The multi-row kernel (VecDotRowsFn) of a split K-quant K (Q45KAvx512, Q6KAvx512): the
// activation block permuted once for the R rows.
template <class K> struct RowsSplitK {
    using Block = typename K::Block;
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const BlockQ8_K*>(av);
        const int64_t nb = n / kQkK;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m512 acc[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            const typename K::Act ai = K::act(a[i]);
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r)
                acc[r] = K::accumulate(K::weights(*reinterpret_cast<const Block*>(col + size_t(r) * stride)),
                                       ai, acc[r]);
        }
        storeRowSums512<R>(acc, out);
    }
};

// Q2_K (kThree = false) and Q3_K: group g of half h is bits 2g of qs[32h + l].
template <bool kThree> struct RowsQ23KAvx512 {
    using Block = std::conditional_t<kThree, BlockQ3_K, BlockQ2_K>;
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const BlockQ8_K*>(av);
        const __m512i pickA = pickPerLane(0, 1, 2, 3), pickB = pickPerLane(4, 5, 6, 7);
        const __m512i shiftA = shiftSelect(0, 2), shiftB = shiftSelect(4, 6);
        const __m512i highBit[4] = {bitSelect(0, 1), bitSelect(2, 3), bitSelect(4, 5),
                                    bitSelect(6, 7)};
        const __m512i three = bytes512(3);
        const int64_t nb = n / kQkK;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m512 acc[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            __m512i aq[4];
            for (int j = 0; j < 4; ++j) aq[j] = loadU512(a[i].qs + 64 * j);
            const __m256i bsums = loadU256(a[i].bsums);
            const __m128 da = _mm_set1_ps(a[i].d);
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r) {
                const Block& b = *reinterpret_cast<const Block*>(col + size_t(r) * stride);
                __m128i scales; // 16 sub-block scales as bytes
                __m512i sumi = _mm512_setzero_si512();
                __m512i hmask = _mm512_setzero_si512();
                __m256i minSum = _mm256_setzero_si256();
                if constexpr (kThree) {
                    scales = q3kScales(b.scales);
                    // Quants are stored as q + 4: start from -4 * sum_s sc_s * bsum_s.
                    const __m256i bias = _mm256_slli_epi32(
                        _mm256_madd_epi16(bsums, _mm256_cvtepi8_epi16(scales)), 2);
                    sumi = _mm512_sub_epi32(sumi, widen(bias));
                    hmask = broadcast256(b.hmask);
                } else {
                    const __m128i packed =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
                    scales = _mm_and_si128(packed, _mm_set1_epi8(0x0f));
                    const __m128i mins =
                        _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0f));
                    minSum = _mm256_madd_epi16(bsums, _mm256_cvtepu8_epi16(mins));
                }
                for (int h = 0; h < 2; ++h) {
                    const __m512i q = inRegister(broadcast256(b.qs + 32 * h));
                    __m512i qA = _mm512_and_si512(_mm512_srlv_epi16(q, shiftA), three);
                    __m512i qB = _mm512_and_si512(_mm512_srlv_epi16(q, shiftB), three);
                    if constexpr (kThree) {
                        qA = _mm512_mask_add_epi8(qA, _mm512_test_epi8_mask(hmask, highBit[2 * h]),
                                                  qA, bytes512(4));
                        qB = _mm512_mask_add_epi8(
                            qB, _mm512_test_epi8_mask(hmask, highBit[2 * h + 1]), qB, bytes512(4));
                    }
                    const __m128i half = h == 0 ? scales : _mm_unpackhi_epi64(scales, scales);
                    const __m512i sc16 = _mm512_broadcast_i32x4(kThree ? _mm_cvtepi8_epi16(half)
                                                                       : _mm_cvtepu8_epi16(half));
                    sumi = dpwssd(sumi, _mm512_maddubs_epi16(qA, aq[2 * h]),
                                  _mm512_shuffle_epi8(sc16, pickA));
                    sumi = dpwssd(sumi, _mm512_maddubs_epi16(qB, aq[2 * h + 1]),
                                  _mm512_shuffle_epi8(sc16, pickB));
                }
                if constexpr (kThree) {
                    const float d = halfToFloat(b.d) * a[i].d;
                    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d), acc[r]);
                } else {
                    __m512 d, dmin;
                    blockScales(&b.d, da, d, dmin);
                    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r]);
                    acc[r] = _mm512_fnmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(minSum)),
                                              dmin, acc[r]);
                }
            }
        }
        storeRowSums512<R>(acc, out);
    }
};

template <class K>
void rowsK512(int64_t n, const void* w, size_t stride, int nRows, const void* a, float* out) {
    rowsBySplit<K>(n, w, stride, nRows, a, out);
}

inline void addKQuantRowKernelsAvx512(KernelTable& t) {
    t.rows[uint32_t(DType::Q2_K)] = rowsK512<RowsQ23KAvx512<false>>;
    t.rows[uint32_t(DType::Q3_K)] = rowsK512<RowsQ23KAvx512<true>>;
    t.rows[uint32_t(DType::Q4_K)] = rowsK512<RowsSplitK<Q45KAvx512<BlockQ4_K, false>>>;
    t.rows[uint32_t(DType::Q5_K)] = rowsK512<RowsSplitK<Q45KAvx512<BlockQ5_K, true>>>;
    t.rows[uint32_t(DType::Q6_K)] = rowsK512<RowsSplitK<Q6KAvx512>>;
    t.rowsTokens[uint32_t(DType::Q4_K)] = rowsTokensK<Q45KAvx512<BlockQ4_K, false>>;
    t.rowsTokens[uint32_t(DType::Q5_K)] = rowsTokensK<Q45KAvx512<BlockQ5_K, true>>;
    t.rowsTokens[uint32_t(DType::Q6_K)] = rowsTokensK<Q6KAvx512>;
}

} // namespace
} // namespace dw::quant
