// AVX2 dot products of the K-quants against Q8_K (compiled with -mavx2 -mfma -mf16c).
//
// Per super-block: the unsigned weight quants times the activation quants (maddubs, int16
// pairs), then madd with a vector holding each lane's sub-block scale, which both applies
// the scale and widens to int32. The min / offset terms come from Q8_K's bsums:
// sum_j m_j * bsum_j, and for the signed formats (Q3_K, Q6_K, stored with a +4 / +32 bias)
// the bias times sum_s sc_s * bsum_s. Accumulators stay in vectors until the row ends.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/rows_simd.h"
#include "quant/simd_avx2.h"

#include <type_traits>

namespace dw::quant {
namespace {

// Shuffle control making every int16 lane of a 128-bit lane a copy of int16 number `lo`
// (low lane) / `hi` (high lane) of that lane.
inline __m256i pickPair(int lo, int hi) {
    const int64_t base = 0x0100010001000100ll, step = 0x0202020202020202ll;
    return _mm256_setr_epi64x(base + step * lo, base + step * lo, base + step * hi,
                              base + step * hi);
}

// 8 bytes -> 8 int16 repeated in both 128-bit lanes.
inline __m256i scales16Unsigned(uint64_t bytes) {
    return _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(int64_t(bytes))));
}
inline __m256i scales16Signed(__m128i lowBytes) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(lowBytes));
}
inline __m256i scales16Signed(const int8_t* bytes) {
    return scales16Signed(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)));
}

inline __m256i bsums16(const BlockQ8_K& a) {
    return loadU256(a.bsums);
}

// Bit `kBit` of every byte moved to bit `kTo` (others cleared); 16-bit shifts are fine
// because the final mask drops whatever crossed a byte boundary.
template <int kBit, int kTo> inline __m256i moveBit(__m256i v) {
    __m256i s = v;
    if constexpr (kBit < kTo) s = _mm256_slli_epi16(v, kTo - kBit);
    if constexpr (kBit > kTo) s = _mm256_srli_epi16(v, kBit - kTo);
    return _mm256_and_si256(s, _mm256_set1_epi8(char(1 << kTo)));
}

// (A function, not a global: a global would run an AVX2 instruction at start-up.)
inline __m256i lowNibbles() {
    return _mm256_set1_epi8(0x0f);
}

// Q4_K / Q5_K: 4 chunks of 64 elements, low nibbles = sub-block 2c, high = 2c+1.
template <bool kFive, int C>
inline __m256i chunk45(const uint8_t* qs, __m256i qh, const int8_t* a, __m256i sc16) {
    const __m256i q = inRegister(loadU256(qs + 32 * C));
    __m256i lo = _mm256_and_si256(q, lowNibbles());
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), lowNibbles());
    if constexpr (kFive) {
        lo = _mm256_or_si256(lo, moveBit<2 * C, 4>(qh));
        hi = _mm256_or_si256(hi, moveBit<2 * C + 1, 4>(qh));
    }
    const __m256i pLo = _mm256_maddubs_epi16(lo, loadU256(a + 64 * C));
    const __m256i pHi = _mm256_maddubs_epi16(hi, loadU256(a + 64 * C + 32));
    return _mm256_add_epi32(
        _mm256_madd_epi16(pLo, _mm256_shuffle_epi8(sc16, pickPair(2 * C, 2 * C))),
        _mm256_madd_epi16(pHi, _mm256_shuffle_epi8(sc16, pickPair(2 * C + 1, 2 * C + 1))));
}

template <class Block, bool kFive> float dotQ45K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const Block*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    __m256 acc = _mm256_setzero_ps(), accMin = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        uint64_t sc, mn;
        unpackScalesMinsK(w[i].scales, sc, mn);
        const __m128i m8 = _mm_cvtsi64_si128(int64_t(mn));
        const __m256i mPairs = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)); // m0,m0,m1,m1..
        const __m256i mins = _mm256_madd_epi16(bsums16(a[i]), mPairs);
        const __m256i sc16 = scales16Unsigned(sc);
        __m256i qh = _mm256_setzero_si256();
        if constexpr (kFive) qh = loadU256(w[i].qh);
        const int8_t* aq = a[i].qs;
        const __m256i s01 = _mm256_add_epi32(chunk45<kFive, 0>(w[i].qs, qh, aq, sc16),
                                             chunk45<kFive, 1>(w[i].qs, qh, aq, sc16));
        const __m256i s23 = _mm256_add_epi32(chunk45<kFive, 2>(w[i].qs, qh, aq, sc16),
                                             chunk45<kFive, 3>(w[i].qs, qh, aq, sc16));
        const float d = halfToFloat(w[i].d) * a[i].d;
        const float dmin = halfToFloat(w[i].dmin) * a[i].d;
        acc =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(s01, s23)), _mm256_set1_ps(d), acc);
        accMin = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(dmin), accMin);
    }
    return hsum(_mm256_sub_ps(acc, accMin));
}

// Q6_K: quarter g of half h is (4 low bits from ql) | (2 bits of qh << 4), biased by +32.
template <int G> inline __m256i quarterQ6(__m256i l0, __m256i l1, __m256i h) {
    const __m256i low = G == 0   ? l0
                        : G == 1 ? l1
                        : G == 2 ? _mm256_srli_epi16(l0, 4)
                                 : _mm256_srli_epi16(l1, 4);
    __m256i high;
    if constexpr (G == 0) high = _mm256_slli_epi16(h, 4);
    if constexpr (G == 1) high = _mm256_slli_epi16(h, 2);
    if constexpr (G == 2) high = h;
    if constexpr (G == 3) high = _mm256_srli_epi16(h, 2);
    return _mm256_or_si256(_mm256_and_si256(low, lowNibbles()),
                           _mm256_and_si256(high, _mm256_set1_epi8(0x30)));
}

template <int G> inline __m256i termQ6(__m256i q, const int8_t* a, __m256i sc16) {
    const __m256i p = _mm256_maddubs_epi16(q, loadU256(a + 32 * G));
    return _mm256_madd_epi16(p, _mm256_shuffle_epi8(sc16, pickPair(2 * G, 2 * G + 1)));
}

float dotQ6_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ6_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const __m256i scAll =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].scales)));
        // The +32 bias: subtract 32 * sum_s sc_s * bsum_s.
        __m256i sumi = _mm256_sub_epi32(
            _mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(bsums16(a[i]), scAll), 5));
        for (int h = 0; h < 2; ++h) {
            const __m256i sc16 = scales16Signed(w[i].scales + 8 * h);
            const __m256i l0 = loadU256(w[i].ql + 64 * h), l1 = loadU256(w[i].ql + 64 * h + 32);
            const __m256i hb = loadU256(w[i].qh + 32 * h);
            const int8_t* aq = a[i].qs + 128 * h;
            const __m256i t01 = _mm256_add_epi32(termQ6<0>(quarterQ6<0>(l0, l1, hb), aq, sc16),
                                                 termQ6<1>(quarterQ6<1>(l0, l1, hb), aq, sc16));
            const __m256i t23 = _mm256_add_epi32(termQ6<2>(quarterQ6<2>(l0, l1, hb), aq, sc16),
                                                 termQ6<3>(quarterQ6<3>(l0, l1, hb), aq, sc16));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(t01, t23));
        }
        const float d = halfToFloat(w[i].d) * a[i].d;
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc);
    }
    return hsum(acc);
}

// Q2_K (kThree = false) and Q3_K: per half h, group g holds bits 2g of qs[32h + l].
template <bool kThree, int H, int G>
inline __m256i groupQ23(__m256i qs, __m256i hmask, const int8_t* a, __m256i sc16) {
    __m256i q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * G), _mm256_set1_epi8(3));
    if constexpr (kThree) q = _mm256_or_si256(q, moveBit<4 * H + G, 2>(hmask)); // q + 4
    const __m256i p = _mm256_maddubs_epi16(q, loadU256(a + 128 * H + 32 * G));
    return _mm256_madd_epi16(p, _mm256_shuffle_epi8(sc16, pickPair(2 * G, 2 * G + 1)));
}

template <bool kThree, int H>
inline __m256i halfQ23(const uint8_t* qs, __m256i hmask, const int8_t* a, __m256i sc16) {
    const __m256i q = inRegister(loadU256(qs + 32 * H));
    return _mm256_add_epi32(_mm256_add_epi32(groupQ23<kThree, H, 0>(q, hmask, a, sc16),
                                             groupQ23<kThree, H, 1>(q, hmask, a, sc16)),
                            _mm256_add_epi32(groupQ23<kThree, H, 2>(q, hmask, a, sc16),
                                             groupQ23<kThree, H, 3>(q, hmask, a, sc16)));
}

float dotQ2_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ2_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    __m256 acc = _mm256_setzero_ps(), accMin = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].scales));
        const __m128i scales = _mm_and_si128(packed, _mm_set1_epi8(0x0f));
        const __m128i mins = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0f));
        const __m256i minSum = _mm256_madd_epi16(bsums16(a[i]), _mm256_cvtepu8_epi16(mins));
        const __m256i sc0 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales));
        const __m256i sc1 =
            _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales, scales)));
        const __m256i none = _mm256_setzero_si256();
        const __m256i sumi = _mm256_add_epi32(halfQ23<false, 0>(w[i].qs, none, a[i].qs, sc0),
                                              halfQ23<false, 1>(w[i].qs, none, a[i].qs, sc1));
        const float d = halfToFloat(w[i].d) * a[i].d;
        const float dmin = halfToFloat(w[i].dmin) * a[i].d;
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc);
        accMin = _mm256_fmadd_ps(_mm256_cvtepi32_ps(minSum), _mm256_set1_ps(dmin), accMin);
    }
    return hsum(_mm256_sub_ps(acc, accMin));
}

float dotQ3_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ3_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const __m128i sc = q3kScales(w[i].scales);
        const __m256i scAll = _mm256_cvtepi8_epi16(sc);
        // Quants are stored as q + 4 (0..7): subtract 4 * sum_s sc_s * bsum_s.
        const __m256i bias = _mm256_slli_epi32(_mm256_madd_epi16(bsums16(a[i]), scAll), 2);
        const __m256i hmask = loadU256(w[i].hmask);
        const __m256i sumi = _mm256_add_epi32(
            halfQ23<true, 0>(w[i].qs, hmask, a[i].qs, scales16Signed(sc)),
            halfQ23<true, 1>(w[i].qs, hmask, a[i].qs, scales16Signed(_mm_unpackhi_epi64(sc, sc))));
        const float d = halfToFloat(w[i].d) * a[i].d;
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, bias)), _mm256_set1_ps(d),
                              acc);
    }
    return hsum(acc);
}

// Multi-row decode kernels (VecDotRowsFn): the arithmetic above with the rows inner, so
// that the activation block stays in L1 for all R rows, each row sums into its own
// accumulator and one transpose-and-add ends the call (rows_simd.h).
template <class Block, bool kFive> struct RowsQ45K {
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const BlockQ8_K*>(av);
        const int64_t nb = n / kQkK;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m256 acc[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            const __m256i bsums = bsums16(a[i]);
            const int8_t* aq = a[i].qs;
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r) {
                const Block& b = *reinterpret_cast<const Block*>(col + size_t(r) * stride);
                uint64_t sc, mn;
                unpackScalesMinsK(b.scales, sc, mn);
                const __m128i m8 = _mm_cvtsi64_si128(int64_t(mn));
                const __m256i mins =
                    _mm256_madd_epi16(bsums, _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
                const __m256i sc16 = scales16Unsigned(sc);
                __m256i qh = _mm256_setzero_si256();
                if constexpr (kFive) qh = loadU256(b.qh);
                const __m256i s01 = _mm256_add_epi32(chunk45<kFive, 0>(b.qs, qh, aq, sc16),
                                                     chunk45<kFive, 1>(b.qs, qh, aq, sc16));
                const __m256i s23 = _mm256_add_epi32(chunk45<kFive, 2>(b.qs, qh, aq, sc16),
                                                     chunk45<kFive, 3>(b.qs, qh, aq, sc16));
                const float d = halfToFloat(b.d) * a[i].d;
                const float dmin = halfToFloat(b.dmin) * a[i].d;
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(s01, s23)),
                                         _mm256_set1_ps(d), acc[r]);
                acc[r] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(dmin), acc[r]);
            }
        }
        storeRowSums<R>(acc, out, nullptr);
    }
};

struct RowsQ6K {
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const BlockQ8_K*>(av);
        const int64_t nb = n / kQkK;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m256 acc[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            const __m256i bsums = bsums16(a[i]);
            const uint8_t* col = w + size_t(i) * sizeof(BlockQ6_K);
            for (int r = 0; r < R; ++r) {
                const auto& b = *reinterpret_cast<const BlockQ6_K*>(col + size_t(r) * stride);
                const __m256i scAll = _mm256_cvtepi8_epi16(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
                __m256i sumi = _mm256_sub_epi32(
                    _mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(bsums, scAll), 5));
                for (int h = 0; h < 2; ++h) {
                    const __m256i sc16 = scales16Signed(b.scales + 8 * h);
                    const __m256i l0 = inRegister(loadU256(b.ql + 64 * h));
                    const __m256i l1 = inRegister(loadU256(b.ql + 64 * h + 32));
                    const __m256i hb = inRegister(loadU256(b.qh + 32 * h));
                    const int8_t* aq = a[i].qs + 128 * h;
                    const __m256i t01 =
                        _mm256_add_epi32(termQ6<0>(quarterQ6<0>(l0, l1, hb), aq, sc16),
                                         termQ6<1>(quarterQ6<1>(l0, l1, hb), aq, sc16));
                    const __m256i t23 =
                        _mm256_add_epi32(termQ6<2>(quarterQ6<2>(l0, l1, hb), aq, sc16),
                                         termQ6<3>(quarterQ6<3>(l0, l1, hb), aq, sc16));
                    sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(t01, t23));
                }
                const float d = halfToFloat(b.d) * a[i].d;
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc[r]);
            }
        }
        storeRowSums<R>(acc, out, nullptr);
    }
};

template <bool kThree> struct RowsQ23K {
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        using Block = std::conditional_t<kThree, BlockQ3_K, BlockQ2_K>;
        const auto* a = static_cast<const BlockQ8_K*>(av);
        const int64_t nb = n / kQkK;
        const RowPrefetch prefetch(w, R, stride, nb);
        __m256 acc[R] = {};
        for (int64_t i = 0; i < nb; ++i) {
            prefetch.step(i);
            const __m256i bsums = bsums16(a[i]);
            const uint8_t* col = w + size_t(i) * sizeof(Block);
            for (int r = 0; r < R; ++r) {
                const Block& b = *reinterpret_cast<const Block*>(col + size_t(r) * stride);
                const float d = halfToFloat(b.d) * a[i].d;
                if constexpr (kThree) {
                    const __m128i sc = q3kScales(b.scales);
                    const __m256i bias =
                        _mm256_slli_epi32(_mm256_madd_epi16(bsums, _mm256_cvtepi8_epi16(sc)), 2);
                    const __m256i hmask = loadU256(b.hmask);
                    const __m256i sumi = _mm256_add_epi32(
                        halfQ23<true, 0>(b.qs, hmask, a[i].qs, scales16Signed(sc)),
                        halfQ23<true, 1>(b.qs, hmask, a[i].qs,
                                         scales16Signed(_mm_unpackhi_epi64(sc, sc))));
                    acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, bias)),
                                             _mm256_set1_ps(d), acc[r]);
                } else {
                    const __m128i packed =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
                    const __m128i scales = _mm_and_si128(packed, _mm_set1_epi8(0x0f));
                    const __m128i mins =
                        _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0f));
                    const __m256i minSum = _mm256_madd_epi16(bsums, _mm256_cvtepu8_epi16(mins));
                    const __m256i sc0 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales));
                    const __m256i sc1 = _mm256_broadcastsi128_si256(
                        _mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales, scales)));
                    const __m256i none = _mm256_setzero_si256();
                    const __m256i sumi =
                        _mm256_add_epi32(halfQ23<false, 0>(b.qs, none, a[i].qs, sc0),
                                         halfQ23<false, 1>(b.qs, none, a[i].qs, sc1));
                    const float dmin = halfToFloat(b.dmin) * a[i].d;
                    acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc[r]);
                    acc[r] =
                        _mm256_fnmadd_ps(_mm256_cvtepi32_ps(minSum), _mm256_set1_ps(dmin), acc[r]);
                }
            }
        }
        storeRowSums<R>(acc, out, nullptr);
    }
};

template <class K>
void rowsK(int64_t n, const void* w, size_t stride, int nRows, const void* a, float* out) {
    rowsBySplit<K>(n, w, stride, nRows, a, out);
}

} // namespace

void addAvx2KQuantKernels(KernelTable& t) {
    t.rows[static_cast<uint32_t>(DType::Q2_K)] = rowsK<RowsQ23K<false>>;
    t.rows[static_cast<uint32_t>(DType::Q3_K)] = rowsK<RowsQ23K<true>>;
    t.rows[static_cast<uint32_t>(DType::Q4_K)] = rowsK<RowsQ45K<BlockQ4_K, false>>;
    t.rows[static_cast<uint32_t>(DType::Q5_K)] = rowsK<RowsQ45K<BlockQ5_K, true>>;
    t.rows[static_cast<uint32_t>(DType::Q6_K)] = rowsK<RowsQ6K>;
    t.dot[static_cast<uint32_t>(DType::Q2_K)] = dotQ2_K;
    t.dot[static_cast<uint32_t>(DType::Q3_K)] = dotQ3_K;
    t.dot[static_cast<uint32_t>(DType::Q4_K)] = dotQ45K<BlockQ4_K, false>;
    t.dot[static_cast<uint32_t>(DType::Q5_K)] = dotQ45K<BlockQ5_K, true>;
    t.dot[static_cast<uint32_t>(DType::Q6_K)] = dotQ6_K;
}

} // namespace dw::quant
