#pragma once
// Internal: tiled kernels (VecDotTileFn) of the K-quants against Q8_K activations, over a
// register width V of tile_simd.h; the scheme of tile_legacy.h, per super-block of 256.
//
// The panel (KPanel) holds one super-block of up to 32 rows: quad u (elements 4u..4u+3) of
// every row as int8 — Q4_K / Q5_K / Q2_K quants as stored (0..31), Q6_K / Q3_K with their
// bias removed (-32..31, -4..3) — and per row the group scales sc_g (8 groups of 32 or 16 of
// 16 elements), the mins as int16 pairs, d and dmin. For an activation row, per group
// S_g = sum (a + 128) q over the broadcast, unsigned activation dwords, and
//   sum_g sc_g S_g - 128 sum_g sc_g sum_{e in g} q_e  =  sum_g sc_g sum_{e in g} a_e q_e,
// exact in int32 (Q6_K, the largest: 16 groups * 16 * 255 * 32 * 128 < 2^29); the second
// term is the panel's negCorr. With VNNI, S_g comes from vpdpbusd and is multiplied by sc_g
// (vpmulld) once per group; without, the vpmaddwd that widens the vpmaddubsw pairs takes
// sc_g as its multiplier and the scale costs nothing. The mins term sum_g m_g bsum_g takes
// one vpdpwssd per pair of int16s. Then out += d_a * (d * float(sum) - dmin * float(mins)).
#include "quant/tile_legacy.h"

namespace dw::quant {
namespace {

struct KPanel {
    alignas(64) int8_t q[64][kPanelRows * 4]; // [quad][row * 4 + byte]
    alignas(64) int32_t sc[16][kPanelRows];
    alignas(64) int32_t minPairs[8][kPanelRows]; // against bsums dword j (bsum[2j], bsum[2j+1])
    alignas(64) int32_t negCorr[kPanelRows];
    alignas(64) float d[kPanelRows];
    alignas(64) float dmin[kPanelRows];
};

inline constexpr int kQ8KBytes = 292, kQ8KQs = 4, kQ8KBsums = 260; // BlockQ8_K layout

// decode<V>(block, idx, mask, panel, r0): stores the quads, scales, mins, d and dmin of the
// lanes' rows (panel rows r0 .. r0 + kLanes - 1).
template <class V> struct KStore {
    using I = typename V::I;
    static void quad(KPanel& p, int u, int r0, I q) { V::store(&p.q[u][4 * r0], q); }
    static I byteOf(I w, int i) { return V::andv(V::srl(w, 8 * i), V::set1(0xff)); }
};

// Q4_K and Q5_K: sc / m 6-bit (unpackScalesMinsK of blocks.h, per lane), element 64c + l:
// low nibble of qs[32c + l] (group 2c) or high nibble of it (group 2c + 1).
template <bool kFive> struct TileQ45K {
    static constexpr int kBlockBytes = kFive ? 176 : 144, kGroup = 32;
    static constexpr bool kMins = true;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, KPanel& p, int r0) {
        using S = KStore<V>;
        using Bits = LegacyBits<V>;
        const auto dd = V::gather(b, idx, m);
        V::storeF(&p.d[r0], V::halfToFloat(dd));
        V::storeF(&p.dmin[r0], V::halfToFloat(V::srl(dd, 16)));
        const auto w0 = V::gather(b + 4, idx, m), w1 = V::gather(b + 8, idx, m),
                   w2 = V::gather(b + 12, idx, m);
        const auto six = V::set1(0x3f3f3f3f), four = V::set1(0x0f0f0f0f), two = V::set1(0x03030303);
        const auto scLo = V::andv(w0, six), mLo = V::andv(w1, six);
        const auto scHi = V::orv(V::andv(w2, four), V::sll(V::andv(V::srl(w0, 6), two), 4));
        const auto mHi =
            V::orv(V::andv(V::srl(w2, 4), four), V::sll(V::andv(V::srl(w1, 6), two), 4));
        for (int j = 0; j < 8; ++j) {
            V::store(&p.sc[j][r0], S::byteOf(j < 4 ? scLo : scHi, j % 4));
            const auto mj = S::byteOf(j < 4 ? mLo : mHi, j % 4);
            V::store(&p.minPairs[j][r0], V::orv(mj, V::sll(mj, 16)));
        }
        typename V::I qh[8]; // qh[l] bit j: 5th bit of element 32j + l
        if constexpr (kFive)
            for (int t = 0; t < 8; ++t) qh[t] = V::gather(b + 16 + 4 * t, idx, m);
        const int qs = kFive ? 48 : 16;
        for (int i = 0; i < 32; ++i) {
            const int c = i / 8, t = i % 8;
            const auto x = V::gather(b + qs + 4 * i, idx, m);
            auto lo = Bits::low(x), hi = Bits::high(x);
            if constexpr (kFive) {
                const auto bit = V::set1(0x01010101);
                lo = V::orv(lo, V::sll(V::andv(V::srl(qh[t], 2 * c), bit), 4));
                hi = V::orv(hi, V::sll(V::andv(V::srl(qh[t], 2 * c + 1), bit), 4));
            }
            S::quad(p, 16 * c + t, r0, lo);
            S::quad(p, 16 * c + 8 + t, r0, hi);
        }
    }
};

// Q6_K: element 128h + 32g + l = (4 bits of ql[64h + 32(g & 1) + l], low for g < 2) |
// (bits 2g of qh[32h + l]) << 4, minus 32; 16 int8 scales; d at byte 208.
struct TileQ6K {
    static constexpr int kBlockBytes = 210, kGroup = 16;
    static constexpr bool kMins = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, KPanel& p, int r0) {
        using S = KStore<V>;
        using Bits = LegacyBits<V>;
        V::storeF(&p.d[r0], V::halfToFloat(V::srl(V::gather(b + 206, idx, m), 16)));
        for (int k = 0; k < 4; ++k) {
            const auto w = V::gather(b + 192 + 4 * k, idx, m);
            for (int i = 0; i < 4; ++i)
                V::store(&p.sc[4 * k + i][r0], V::sra(V::sll(w, 24 - 8 * i), 24));
        }
        const auto two = V::set1(0x03030303);
        for (int h = 0; h < 2; ++h) {
            for (int t = 0; t < 8; ++t) {
                const auto l0 = V::gather(b + 64 * h + 4 * t, idx, m);
                const auto l1 = V::gather(b + 64 * h + 32 + 4 * t, idx, m);
                const auto hb = V::gather(b + 128 + 32 * h + 4 * t, idx, m);
                const typename V::I low[4] = {Bits::low(l0), Bits::low(l1), Bits::high(l0),
                                              Bits::high(l1)};
                for (int g = 0; g < 4; ++g) {
                    const auto q = V::orv(low[g], V::sll(V::andv(V::srl(hb, 2 * g), two), 4));
                    S::quad(p, 32 * h + 8 * g + t, r0, V::sub8(q, V::bytes(32)));
                }
            }
        }
    }
};

// Q3_K: element 128h + 32g + l = bits 2g of qs[32h + l] + 4 * (bit 4h + g of hmask[l]) - 4;
// 6-bit scales (unpackScalesQ3K of blocks.h, per lane) minus 32; d at byte 108.
struct TileQ3K {
    static constexpr int kBlockBytes = 110, kGroup = 16;
    static constexpr bool kMins = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, KPanel& p, int r0) {
        using S = KStore<V>;
        V::storeF(&p.d[r0], V::halfToFloat(V::srl(V::gather(b + 106, idx, m), 16)));
        const auto w0 = V::gather(b + 96, idx, m), w1 = V::gather(b + 100, idx, m),
                   w2 = V::gather(b + 104, idx, m);
        const auto lo = V::set1(0x0f0f0f0f), hi = V::set1(0x03030303);
        const typename V::I packed[4] = {
            V::orv(V::andv(w0, lo), V::sll(V::andv(w2, hi), 4)),
            V::orv(V::andv(w1, lo), V::sll(V::andv(V::srl(w2, 2), hi), 4)),
            V::orv(V::andv(V::srl(w0, 4), lo), V::sll(V::andv(V::srl(w2, 4), hi), 4)),
            V::orv(V::andv(V::srl(w1, 4), lo), V::sll(V::andv(V::srl(w2, 6), hi), 4))};
        for (int s = 0; s < 16; ++s)
            V::store(&p.sc[s][r0], V::sub32(S::byteOf(packed[s / 4], s % 4), V::set1(32)));
        const auto bit = V::set1(0x01010101);
        for (int t = 0; t < 8; ++t) {
            const auto hm = V::gather(b + 4 * t, idx, m);
            for (int h = 0; h < 2; ++h) {
                const auto x = V::gather(b + 32 + 32 * h + 4 * t, idx, m);
                for (int g = 0; g < 4; ++g) {
                    const auto q = V::orv(V::andv(V::srl(x, 2 * g), hi),
                                          V::sll(V::andv(V::srl(hm, 4 * h + g), bit), 2));
                    S::quad(p, 32 * h + 8 * g + t, r0, V::sub8(q, V::bytes(4)));
                }
            }
        }
    }
};

// Q2_K: element 128h + 32g + l = bits 2g of qs[32h + l]; scale / min = low / high nibble of
// scales[sub-block]; d, dmin at byte 80.
struct TileQ2K {
    static constexpr int kBlockBytes = 84, kGroup = 16;
    static constexpr bool kMins = true;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, KPanel& p, int r0) {
        using S = KStore<V>;
        const auto dd = V::gather(b + 80, idx, m);
        V::storeF(&p.d[r0], V::halfToFloat(dd));
        V::storeF(&p.dmin[r0], V::halfToFloat(V::srl(dd, 16)));
        const auto nib = V::set1(15);
        for (int k = 0; k < 4; ++k) {
            const auto w = V::gather(b + 4 * k, idx, m);
            for (int i = 0; i < 4; i += 2) { // sub-blocks 4k + i and 4k + i + 1
                const auto b0 = S::byteOf(w, i), b1 = S::byteOf(w, i + 1);
                V::store(&p.sc[4 * k + i][r0], V::andv(b0, nib));
                V::store(&p.sc[4 * k + i + 1][r0], V::andv(b1, nib));
                V::store(&p.minPairs[2 * k + i / 2][r0],
                         V::orv(V::srl(b0, 4), V::sll(V::srl(b1, 4), 16)));
            }
        }
        const auto two = V::set1(0x03030303);
        for (int h = 0; h < 2; ++h) {
            for (int t = 0; t < 8; ++t) {
                const auto x = V::gather(b + 16 + 32 * h + 4 * t, idx, m);
                for (int g = 0; g < 4; ++g)
                    S::quad(p, 32 * h + 8 * g + t, r0, V::andv(V::srl(x, 2 * g), two));
            }
        }
    }
};

template <class V, class T>
void packK(const uint8_t* w, size_t wStride, int nRows, int64_t sb, KPanel& p) {
    constexpr int L = V::kLanes, kQuads = T::kGroup / 4;
    const auto idx = V::mullo(V::laneIndex(), V::set1(static_cast<int32_t>(wStride)));
    for (int v = 0; v * L < nRows; ++v) {
        const uint8_t* rows = w + size_t(v * L) * wStride + size_t(sb) * T::kBlockBytes;
        T::template decode<V>(rows, idx, V::rowMask(nRows - v * L), p, v * L);
        auto corr = V::zero();
        for (int g = 0; g < 256 / T::kGroup; ++g) {
            auto sum = V::zero();
            for (int t = 0; t < kQuads; ++t)
                sum = V::dpbusd(sum, V::bytes(1), V::load(&p.q[g * kQuads + t][4 * v * L]));
            corr = V::add32(corr, V::mullo(sum, V::load(&p.sc[g][v * L])));
        }
        V::store(&p.negCorr[v * L], V::sub32(V::zero(), V::sll(corr, 7)));
    }
}

template <class V, class T, int kV, int kC>
void sweepK(const KPanel& p, int v0, const uint8_t* a, size_t aStride, float* out, size_t outStride,
            int nRowsLeft, bool first) {
    constexpr int L = V::kLanes, kQuads = T::kGroup / 4;
    using I = typename V::I;
    using F = typename V::F;
    const I flip = V::bytes(0x80);
    I sum[kC][kV];
    for (int v = 0; v < kV; ++v) {
        const I start = V::load(&p.negCorr[(v0 + v) * L]);
        for (int c = 0; c < kC; ++c) sum[c][v] = start;
    }
    auto act = [&](int c, int u) {
        return V::xorv(V::bcast32(a + size_t(c) * aStride + kQ8KQs + 4 * u), flip);
    };
    for (int g = 0; g < 256 / T::kGroup; ++g) {
        if constexpr (V::kVnni) { // S_g by vpdpbusd, then times sc_g
            I s[kC][kV];
            for (int c = 0; c < kC; ++c)
                for (int v = 0; v < kV; ++v) s[c][v] = V::zero();
#pragma GCC unroll 8
            for (int t = 0; t < kQuads; ++t) {
                const int u = g * kQuads + t;
                I wq[kV];
                for (int v = 0; v < kV; ++v) wq[v] = V::load(&p.q[u][4 * L * (v0 + v)]);
                for (int c = 0; c < kC; ++c) {
                    const I x = act(c, u);
                    for (int v = 0; v < kV; ++v) s[c][v] = V::dpbusd(s[c][v], x, wq[v]);
                }
            }
            for (int v = 0; v < kV; ++v) {
                const I sc = V::load(&p.sc[g][(v0 + v) * L]);
                for (int c = 0; c < kC; ++c) sum[c][v] = V::add32(sum[c][v], V::mullo(s[c][v], sc));
            }
        } else { // vpmaddwd applies sc_g (as an int16 pair per lane) while widening to int32
            I sc16[kV];
            for (int v = 0; v < kV; ++v) {
                const I sc = V::load(&p.sc[g][(v0 + v) * L]);
                sc16[v] = V::orv(V::andv(sc, V::set1(0xffff)), V::sll(sc, 16));
            }
#pragma GCC unroll 4
            for (int t = 0; t < kQuads; t += 2) {
                const int u = g * kQuads + t;
                I w0[kV], w1[kV];
                for (int v = 0; v < kV; ++v) {
                    w0[v] = V::load(&p.q[u][4 * L * (v0 + v)]);
                    w1[v] = V::load(&p.q[u + 1][4 * L * (v0 + v)]);
                }
                for (int c = 0; c < kC; ++c) {
                    const I x0 = act(c, u), x1 = act(c, u + 1);
                    for (int v = 0; v < kV; ++v)
                        sum[c][v] = dotPair<V>(sum[c][v], x0, w0[v], x1, w1[v], sc16[v]);
                }
            }
        }
    }
    for (int c = 0; c < kC; ++c) {
        const uint8_t* ac = a + size_t(c) * aStride;
        float daScalar;
        std::memcpy(&daScalar, ac, 4);
        const F da = V::set1F(daScalar);
        I mins[kV];
        if constexpr (T::kMins) {
            for (int v = 0; v < kV; ++v) mins[v] = V::zero();
            for (int j = 0; j < 8; ++j) {
                const I bs = V::bcast32(ac + kQ8KBsums + 4 * j);
                for (int v = 0; v < kV; ++v)
                    mins[v] = V::dpwssd(mins[v], V::load(&p.minPairs[j][(v0 + v) * L]), bs);
            }
        }
        for (int v = 0; v < kV; ++v) {
            float* o = out + size_t(c) * outStride + v * L;
            F r = first ? V::zeroF() : V::loadOut(o, nRowsLeft - v * L);
            r = V::fmadd(V::cvt(sum[c][v]), V::mul(V::loadF(&p.d[(v0 + v) * L]), da), r);
            if constexpr (T::kMins)
                r = V::fnmadd(V::cvt(mins[v]), V::mul(V::loadF(&p.dmin[(v0 + v) * L]), da), r);
            V::storeOut(o, nRowsLeft - v * L, r);
        }
    }
}

template <class V, class T> struct KSweep {
    template <int kV, int kC> struct At {
        template <class... Args> static void run(Args&&... args) { sweepK<V, T, kV, kC>(args...); }
    };
};

template <class V, class T>
void tileK(int64_t n, const void* w, size_t wStride, int nRows, const void* a, size_t aStride,
           int nCols, float* out, size_t outStride) {
    constexpr int L = V::kLanes;
    DW_ASSERT(nRows >= 1 && nRows <= kPanelRows && nCols >= 1 && n % 256 == 0);
    const auto* wb = static_cast<const uint8_t*>(w);
    if (wStride > size_t(INT32_MAX) / kPanelRows && nRows > 1) {
        // Gather offsets are int32: rows this long (> 64 MB) go one at a time (lane 0 only).
        for (int r = 0; r < nRows; ++r)
            tileK<V, T>(n, wb + size_t(r) * wStride, wStride, 1, a, aStride, nCols, out + r,
                        outStride);
        return;
    }
    const auto* ab = static_cast<const uint8_t*>(a);
    const int64_t nSuper = n / 256;
    if (nSuper == 0) return zeroColumns(out, outStride, nRows, nCols);
    const int nVec = (nRows + L - 1) / L;
    KPanel panel;
    for (int64_t sb = 0; sb < nSuper; ++sb) {
        packK<V, T>(wb, wStride, nRows, sb, panel);
        if (sb + 1 < nSuper)
            prefetchRows(wb, wStride, nRows, size_t(sb + 1) * T::kBlockBytes,
                         size_t(sb + 2) * T::kBlockBytes);
        const uint8_t* as = ab + size_t(sb) * kQ8KBytes;
        for (int v0 = 0; v0 < nVec; v0 += 2) {
            const int kv = int(minOf(2, nVec - v0));
            for (int c0 = 0; c0 < nCols; c0 += kTileCols<V>) {
                const int kc = int(minOf(kTileCols<V>, nCols - c0));
                dispatchSweep<V, KSweep<V, T>::template At>(
                    kv, kc, panel, v0, as + size_t(c0) * aStride, aStride,
                    out + size_t(c0) * outStride + v0 * L, outStride, nRows - v0 * L, sb == 0);
            }
        }
    }
}

} // namespace
} // namespace dw::quant
