#pragma once
// Internal: tiled kernels (VecDotTileFn) of the 32-element formats Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0 against Q8_0 / Q8_1 activations, over a register width V of tile_simd.h. Included
// by tile_avx2.cpp and (through dot_avx512_table.h) by the AVX-512 files.
//
// Per call and chunk of up to 8 blocks, the weight rows are gathered and decoded into a
// panel (LegacyPanel) in which one vector holds quad t (elements 4t..4t+3) of one block for
// kLanes rows, as int8 — once, however many activation rows follow. With the rows in the
// lanes, one broadcast activation dword times a panel vector advances kLanes dots, the
// block scales are applied once per block to a vector of rows, and there is no horizontal
// sum at all: the per-row work that dominates the single dots is gone (bench_quant --tile:
// 125-155 GMAC/s per Zen 4 core with VNNI, against 22-42 for the single dots).
//
// Activations are read as they are: quad t of a block is one dword, broadcast to all lanes
// and made unsigned (a + 128: xor 0x80) so that vpdpbusd (u8 x s8) can take the signed
// weights:
//   S = sum (a + 128) q = sum a q + 128 sum q,
// where 128 sum q depends on the row and block only; the panel keeps it negated as the start
// value of S. Then out += float(S) * d_w * d_a per block (+ m_w * s_a for Q4_1 / Q5_1).
// Without VNNI the products go through vpmaddubsw, whose int16 pair sums are exact for
// |q| <= 64 only: Q8_0 weights are then split into two planes, q = 16 hi + lo.
#include "core/fp16.h"
#include "deepwell/error.h"
#include "quant/quant.h"
#include "quant/tile_simd.h"

#include <cstddef>
#include <cstdint>

namespace dw::quant {
namespace {

inline constexpr int kPanelRows = kTileMaxRows; // rows per call: 2 vectors of 16 or 4 of 8
inline constexpr int kLegacyChunk = 8;          // blocks per panel
static_assert(kPanelRows == 32, "the panels and kTileCols are sized for 32 rows");

// (Not std::min / std::fill_n: an out-of-line copy of a std template compiled here with AVX
// flags could be the one the linker keeps for the rest of the program.)
inline int64_t minOf(int64_t a, int64_t b) {
    return a < b ? a : b;
}
inline void zeroColumns(float* out, size_t outStride, int nRows, int nCols) {
    for (int c = 0; c < nCols; ++c)
        for (int r = 0; r < nRows; ++r) out[size_t(c) * outStride + size_t(r)] = 0.0f;
}

// One chunk of up to 32 rows; q vector (plane, block, quad, v) at q[plane][block][quad] +
// 4 * kLanes * v, i.e. rows kLanes * v .. kLanes * v + kLanes - 1, 4 bytes each.
struct LegacyPanel {
    alignas(64) int8_t q[2][kLegacyChunk][8][kPanelRows * 4];
    alignas(64) int32_t negCorr[kLegacyChunk][kPanelRows]; // -128 * sum of the block's q
    alignas(64) float d[kLegacyChunk][kPanelRows];
    alignas(64) float m[kLegacyChunk][kPanelRows]; // Q4_1 / Q5_1 offsets
};

template <class V> struct LegacyBits {
    using I = typename V::I;
    static I low(I x) { return V::andv(x, V::bytes(0x0f)); }
    static I high(I x) { return V::andv(V::srl(x, 4), V::bytes(0x0f)); }
    // Bits 0..3 of every lane to bit 4 of its bytes 0..3: the shifted copies of the nibble
    // (<< 4, 11, 18, 25) do not overlap, so the product has no carries.
    static I spread4(I x) {
        return V::andv(V::mullo(V::andv(x, V::set1(15)), V::set1(0x02040810)), V::set1(0x10101010));
    }
};

// Per format: block bytes, activation layout, and decode(): the 8 quads (signed, or 0..31
// for the offset formats), d and (offset formats) m of one block for the lanes' rows.
struct TileQ4_0 {
    static constexpr int kBlockBytes = 18, kActBytes = 34, kActQs = 2;
    static constexpr bool kOffset = false, kWide = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, typename V::I* q,
                       typename V::F& d, typename V::F&) {
        using Bits = LegacyBits<V>;
        d = V::halfToFloat(V::gather(b, idx, m));
        for (int j = 0; j < 4; ++j) {
            const auto x = V::gather(b + 2 + 4 * j, idx, m);
            q[j] = V::sub8(Bits::low(x), V::bytes(8));
            q[4 + j] = V::sub8(Bits::high(x), V::bytes(8));
        }
    }
};

struct TileQ5_0 {
    static constexpr int kBlockBytes = 22, kActBytes = 34, kActQs = 2;
    static constexpr bool kOffset = false, kWide = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, typename V::I* q,
                       typename V::F& d, typename V::F&) {
        using Bits = LegacyBits<V>;
        d = V::halfToFloat(V::gather(b, idx, m));
        const auto qh = V::gather(b + 2, idx, m); // bit e: 5th bit of element e
        for (int j = 0; j < 4; ++j) {
            const auto x = V::gather(b + 6 + 4 * j, idx, m);
            const auto lo = V::orv(Bits::low(x), Bits::spread4(V::srl(qh, 4 * j)));
            const auto hi = V::orv(Bits::high(x), Bits::spread4(V::srl(qh, 16 + 4 * j)));
            q[j] = V::sub8(lo, V::bytes(16));
            q[4 + j] = V::sub8(hi, V::bytes(16));
        }
    }
};

struct TileQ8_0 {
    static constexpr int kBlockBytes = 34, kActBytes = 34, kActQs = 2;
    static constexpr bool kOffset = false, kWide = true;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, typename V::I* q,
                       typename V::F& d, typename V::F&) {
        d = V::halfToFloat(V::gather(b, idx, m));
        for (int j = 0; j < 8; ++j) q[j] = V::gather(b + 2 + 4 * j, idx, m);
    }
};

struct TileQ4_1 {
    static constexpr int kBlockBytes = 20, kActBytes = 36, kActQs = 4;
    static constexpr bool kOffset = true, kWide = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, typename V::I* q,
                       typename V::F& d, typename V::F& off) {
        using Bits = LegacyBits<V>;
        const auto dm = V::gather(b, idx, m);
        d = V::halfToFloat(dm);
        off = V::halfToFloat(V::srl(dm, 16));
        for (int j = 0; j < 4; ++j) {
            const auto x = V::gather(b + 4 + 4 * j, idx, m);
            q[j] = Bits::low(x);
            q[4 + j] = Bits::high(x);
        }
    }
};

struct TileQ5_1 {
    static constexpr int kBlockBytes = 24, kActBytes = 36, kActQs = 4;
    static constexpr bool kOffset = true, kWide = false;
    template <class V>
    static void decode(const uint8_t* b, typename V::I idx, typename V::Mask m, typename V::I* q,
                       typename V::F& d, typename V::F& off) {
        using Bits = LegacyBits<V>;
        const auto dm = V::gather(b, idx, m);
        d = V::halfToFloat(dm);
        off = V::halfToFloat(V::srl(dm, 16));
        const auto qh = V::gather(b + 4, idx, m);
        for (int j = 0; j < 4; ++j) {
            const auto x = V::gather(b + 8 + 4 * j, idx, m);
            q[j] = V::orv(Bits::low(x), Bits::spread4(V::srl(qh, 4 * j)));
            q[4 + j] = V::orv(Bits::high(x), Bits::spread4(V::srl(qh, 16 + 4 * j)));
        }
    }
};

// Wide weights without VNNI: two planes (see the top of the file).
template <class V, class T> inline constexpr bool kTwoPlanes = T::kWide && !V::kVnni;

// Without VNNI, two quads at once: acc + per lane m * (the 8 products u0 s0 and u1 s1), m
// the lane's int16 pair. The two vpmaddubsw results are added in int16 first, exact for
// |s| <= 32 (4 * 255 * 32 < 2^15): one vpmaddwd and one add per two quads instead of two.
template <class V>
typename V::I dotPair(typename V::I acc, typename V::I x0, typename V::I w0, typename V::I x1,
                      typename V::I w1, typename V::I m) {
    return V::add32(acc, V::madd16(V::add16(V::maddubs(x0, w0), V::maddubs(x1, w1)), m));
}

// Decodes blocks b0 .. b0 + nb - 1 of rows 0 .. nRows - 1 into the panel.
template <class V, class T>
void packLegacy(const uint8_t* w, size_t wStride, int nRows, int64_t b0, int nb, LegacyPanel& p) {
    constexpr int L = V::kLanes;
    const auto idx = V::mullo(V::laneIndex(), V::set1(static_cast<int32_t>(wStride)));
    for (int v = 0; v * L < nRows; ++v) {
        const auto mask = V::rowMask(nRows - v * L);
        const uint8_t* rows = w + size_t(v * L) * wStride;
        for (int b = 0; b < nb; ++b) {
            typename V::I q[8];
            typename V::F d, off = V::zeroF();
            T::template decode<V>(rows + size_t(b0 + b) * T::kBlockBytes, idx, mask, q, d, off);
            auto sum = V::zero();
            for (int t = 0; t < 8; ++t) sum = V::dpbusd(sum, V::bytes(1), q[t]);
            V::store(&p.negCorr[b][v * L], V::sub32(V::zero(), V::sll(sum, 7)));
            V::storeF(&p.d[b][v * L], d);
            if constexpr (T::kOffset) V::storeF(&p.m[b][v * L], off);
            for (int t = 0; t < 8; ++t) {
                if constexpr (kTwoPlanes<V, T>) {
                    // hi = floor(q / 16) in -8..7 (from the unsigned q + 128), lo = q & 15.
                    const auto hi =
                        V::sub8(LegacyBits<V>::high(V::xorv(q[t], V::bytes(0x80))), V::bytes(8));
                    V::store(&p.q[0][b][t][4 * L * v], hi);
                    V::store(&p.q[1][b][t][4 * L * v], LegacyBits<V>::low(q[t]));
                } else {
                    V::store(&p.q[0][b][t][4 * L * v], q[t]);
                }
            }
        }
    }
}

// Asks for bytes [begin, end) of rows 0 .. nRows - 1, while the previous chunk is swept: the
// gathers of the packing cannot be followed by the hardware prefetchers, and waiting for
// memory there was a fifth of the prefill matmul time.
inline void prefetchRows(const uint8_t* w, size_t wStride, int nRows, size_t begin, size_t end) {
    for (int r = 0; r < nRows; ++r) {
        const uintptr_t row = reinterpret_cast<uintptr_t>(w + size_t(r) * wStride);
        for (uintptr_t line = (row + begin) & ~uintptr_t(63); line < row + end; line += 64)
            _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T0);
    }
}

inline float halfAt(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return kFp16Table[h];
}

// kC activation rows (from a, at aStride) against row vectors v0 .. v0 + kV - 1 of the panel,
// for its nb blocks; out (column 0, row kLanes * v0) accumulates unless `first`.
template <class V, class T, int kV, int kC>
void sweepLegacy(const LegacyPanel& p, int nb, int v0, const uint8_t* a, size_t aStride, float* out,
                 size_t outStride, int nRowsLeft, bool first) {
    constexpr int L = V::kLanes;
    using I = typename V::I;
    using F = typename V::F;
    F acc[kC][kV];
    for (int c = 0; c < kC; ++c)
        for (int v = 0; v < kV; ++v)
            acc[c][v] = first ? V::zeroF()
                              : V::loadOut(out + size_t(c) * outStride + v * L, nRowsLeft - v * L);
    const I flip = V::bytes(0x80);
    for (int b = 0; b < nb; ++b) {
        const uint8_t* ab = a + size_t(b) * T::kActBytes;
        I s[kC][kV];
        for (int v = 0; v < kV; ++v) {
            const I start = V::load(&p.negCorr[b][(v0 + v) * L]);
            for (int c = 0; c < kC; ++c) s[c][v] = start;
        }
        auto act = [&](int c, int t) {
            return V::xorv(V::bcast32(ab + size_t(c) * aStride + T::kActQs + 4 * t), flip);
        };
        if constexpr (V::kVnni || kTwoPlanes<V, T>) {
#pragma GCC unroll 8
            for (int t = 0; t < 8; ++t) {
                I wq[kV], wq2[kV];
                for (int v = 0; v < kV; ++v) {
                    wq[v] = V::load(&p.q[0][b][t][4 * L * (v0 + v)]);
                    if constexpr (kTwoPlanes<V, T>)
                        wq2[v] = V::load(&p.q[1][b][t][4 * L * (v0 + v)]);
                }
                for (int c = 0; c < kC; ++c) {
                    const I x = act(c, t);
                    for (int v = 0; v < kV; ++v) {
                        if constexpr (kTwoPlanes<V, T>) {
                            s[c][v] = V::dpwssd(s[c][v], V::maddubs(x, wq[v]), V::set1x16(16));
                            s[c][v] = V::dpwssd(s[c][v], V::maddubs(x, wq2[v]), V::set1x16(1));
                        } else {
                            s[c][v] = V::dpbusd(s[c][v], x, wq[v]);
                        }
                    }
                }
            }
        } else {
#pragma GCC unroll 4
            for (int t = 0; t < 8; t += 2) {
                I w0[kV], w1[kV];
                for (int v = 0; v < kV; ++v) {
                    w0[v] = V::load(&p.q[0][b][t][4 * L * (v0 + v)]);
                    w1[v] = V::load(&p.q[0][b][t + 1][4 * L * (v0 + v)]);
                }
                for (int c = 0; c < kC; ++c) {
                    const I x0 = act(c, t), x1 = act(c, t + 1);
                    for (int v = 0; v < kV; ++v)
                        s[c][v] = dotPair<V>(s[c][v], x0, w0[v], x1, w1[v], V::set1x16(1));
                }
            }
        }
        F dw[kV];
        for (int v = 0; v < kV; ++v) dw[v] = V::loadF(&p.d[b][(v0 + v) * L]);
        for (int c = 0; c < kC; ++c) {
            const uint8_t* abc = ab + size_t(c) * aStride;
            const F da = V::set1F(halfAt(abc));
            for (int v = 0; v < kV; ++v)
                acc[c][v] = V::fmadd(V::cvt(s[c][v]), V::mul(dw[v], da), acc[c][v]);
            if constexpr (T::kOffset) {
                const F sa = V::set1F(halfAt(abc + 2));
                for (int v = 0; v < kV; ++v)
                    acc[c][v] = V::fmadd(V::loadF(&p.m[b][(v0 + v) * L]), sa, acc[c][v]);
            }
        }
    }
    for (int c = 0; c < kC; ++c)
        for (int v = 0; v < kV; ++v)
            V::storeOut(out + size_t(c) * outStride + v * L, nRowsLeft - v * L, acc[c][v]);
}

// Columns per register tile: kC x kV products of int32 sums and float results, plus the
// weight vectors, must fit in the 16 (AVX2) or 32 (AVX-512) registers.
template <class V> inline constexpr int kTileCols = V::kLanes == 16 ? 4 : 2;

// Runs sweep<kV, kC> for a run-time kV (1, 2) and kC (1 .. kTileCols).
template <class V, template <int, int> class Sweep, class... Args>
void dispatchSweep(int kv, int kc, Args&&... args) {
    static_assert(kTileCols<V> <= 4);
    auto withV = [&]<int kV>() {
        switch (kc) {
        case 1:
            Sweep<kV, 1>::run(args...);
            break;
        case 2:
            Sweep<kV, 2>::run(args...);
            break;
        case 3:
            if constexpr (kTileCols<V> >= 3) Sweep<kV, 3>::run(args...);
            break;
        default:
            if constexpr (kTileCols<V> >= 4) Sweep<kV, 4>::run(args...);
            break;
        }
    };
    if (kv == 1)
        withV.template operator()<1>();
    else
        withV.template operator()<2>();
}

template <class V, class T> struct LegacySweep {
    template <int kV, int kC> struct At {
        template <class... Args> static void run(Args&&... args) {
            sweepLegacy<V, T, kV, kC>(args...);
        }
    };
};

template <class V, class T>
void tileLegacy(int64_t n, const void* w, size_t wStride, int nRows, const void* a, size_t aStride,
                int nCols, float* out, size_t outStride) {
    constexpr int L = V::kLanes;
    DW_ASSERT(nRows >= 1 && nRows <= kPanelRows && nCols >= 1 && n % 32 == 0);
    const auto* wb = static_cast<const uint8_t*>(w);
    if (wStride > size_t(INT32_MAX) / kPanelRows && nRows > 1) {
        // Gather offsets are int32: rows this long (> 64 MB) go one at a time (lane 0 only).
        for (int r = 0; r < nRows; ++r)
            tileLegacy<V, T>(n, wb + size_t(r) * wStride, wStride, 1, a, aStride, nCols, out + r,
                             outStride);
        return;
    }
    const auto* ab = static_cast<const uint8_t*>(a);
    const int64_t nBlocks = n / 32;
    if (nBlocks == 0) return zeroColumns(out, outStride, nRows, nCols);
    const int nVec = (nRows + L - 1) / L;
    LegacyPanel panel;
    for (int64_t b0 = 0; b0 < nBlocks; b0 += kLegacyChunk) {
        const int nb = int(minOf(kLegacyChunk, nBlocks - b0));
        packLegacy<V, T>(wb, wStride, nRows, b0, nb, panel);
        const int64_t next = b0 + kLegacyChunk;
        if (next < nBlocks)
            prefetchRows(wb, wStride, nRows, size_t(next) * T::kBlockBytes,
                         size_t(minOf(next + kLegacyChunk, nBlocks)) * T::kBlockBytes);
        const uint8_t* ac = ab + size_t(b0) * T::kActBytes;
        for (int v0 = 0; v0 < nVec; v0 += 2) {
            const int kv = int(minOf(2, nVec - v0));
            for (int c0 = 0; c0 < nCols; c0 += kTileCols<V>) {
                const int kc = int(minOf(kTileCols<V>, nCols - c0));
                dispatchSweep<V, LegacySweep<V, T>::template At>(
                    kv, kc, panel, nb, v0, ac + size_t(c0) * aStride, aStride,
                    out + size_t(c0) * outStride + v0 * L, outStride, nRows - v0 * L, b0 == 0);
            }
        }
    }
}

} // namespace
} // namespace dw::quant
