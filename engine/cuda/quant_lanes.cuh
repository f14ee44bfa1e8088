#pragma once
// Per-lane pieces of the fast decode mat-vec (mat_vec_split.cu); __host__ __device__ so the
// tests run the very same code on the CPU (cuda/emulation.h).
//
// Lane mapping: every lane of a warp owns kPer consecutive elements of the row (a warp
// step covers 32 * kPer), so its activations are one or two aligned 16-byte loads from the
// split Q8_1 layout and the warp's are one contiguous span. kPer = 16 for Q8_0 and the
// K-quants: lane j of a block (kLanes = kElems / 16 lanes per block) owns elements
// 16j .. 16j+15, and a warp's 16-byte loads are fully coalesced. kPer = 32 (one lane per
// block) for Q4_0/Q4_1/Q5_0/Q5_1, whose 2-byte-aligned fetch and nibble unpacking then
// serve twice the elements (the instruction count, not the bytes, limits these types).
// A lane gathers the weight bytes of its elements into words of int8 values v[]
// (element 4i + b of the lane in byte b of v[i]) plus two floats, and its share of the
// block dot with Q8_1 block g (d_a, s_a, quants q) is (CUDA_FACTS 2.3):
//   Offset kind (Q4_0, Q4_1, Q5_0, Q5_1): a * d_a * sum(v q) + c * s_a
//       a = d; c = -8d, -16d (the offset times s_a) or m (Q4_1/Q5_1 min).
//   Min kind (Q4_K, Q5_K):   d_a * (a * sum(v q) + c * sum(q))   a = d*sc, c = -dmin*m
//       (the min term uses this lane's own activation byte sum, as the reference does).
//   Plain kind (Q8_0, Q6_K): a * d_a * sum(v q)                 a = d (Q8_0), d*sc (Q6_K)
//
// Weight loads are 16 bytes wide. Q4_K and Q5_K blocks (144, 176 bytes) are 16-byte
// aligned when the row is; the others (18, 20, 22, 24, 34, 210 bytes) are only 2 (to 8)
// byte aligned, so a lane fetches the aligned 16-byte windows around its bytes and shifts
// them into place (Fetch below). Alignment is taken relative to `base` (the matrix start,
// which the launcher requires to be 16-byte aligned); bytes at or past `end` (the end of
// the matrix) are never read.
#include "cuda/common.cuh"
#include "cuda/quant_blocks.cuh"
#include "deepwell/dtype.h"

namespace dw::cuda::detail {

// Where a matrix's bytes may be read: [base, end), base 16-byte aligned.
struct ByteRange {
    const uint8_t* base;
    const uint8_t* end;
};

// kBytes (<= 34) bytes starting at a 2-byte aligned p, as aligned 16-byte loads rotated
// into place: word(k) is the 4 bytes at p + k for an even k <= kBytes - 2 (bytes past
// kBytes are unspecified). Two selects per word pick the window's words (the offset's
// word part), then a funnel shift applies its 0- or 2-byte part.
template <int kBytes> struct Fetch {
    static_assert(kBytes >= 16 && kBytes <= 34, "a fetch covers 16..34 bytes");
    static constexpr int kRegs = ((kBytes - 2) >> 2) + 2;  // words word() may touch
    static constexpr int kLoads = (14 + kBytes + 15) / 16; // 16-byte windows at most
    static constexpr int kWindowWords = 4 * kLoads + 4;    // + zero padding for selects
    static_assert(kRegs + 3 <= kWindowWords, "window too small for the rotation");

    uint32_t r[kRegs];
    uint32_t sh; // 0 or 16: bit offset of p inside r[0]

    DW_HD Fetch(const uint8_t* p, const ByteRange& m) {
        const size_t off = size_t(p - m.base);
        const uint8_t* a = m.base + (off & ~size_t(15));
        const uint32_t o = uint32_t(off & 15);
        uint32_t w[kWindowWords];
        DW_UNROLL
        for (int i = 0; i < kWindowWords; ++i) w[i] = 0;
        DW_UNROLL
        for (int u = 0; u < kLoads; ++u) {
            const uint8_t* q = a + 16 * u;
            if (16 * u >= int(o) + kBytes) { // this window holds none of our bytes
            } else if (q + 16 <= m.end) {
                const uint4 v = loadWeight128(q);
                w[4 * u] = v.x, w[4 * u + 1] = v.y, w[4 * u + 2] = v.z, w[4 * u + 3] = v.w;
            } else { // the matrix ends inside this window: 2-byte loads up to the end
                DW_UNROLL
                for (int h = 0; h < 8; ++h)
                    if (q + 2 * h + 2 <= m.end)
                        w[4 * u + h / 2] |= uint32_t(load16(q + 2 * h)) << (16 * (h % 2));
            }
        }
        const uint32_t q = o >> 2;
        sh = 8 * (o & 3);
        uint32_t s1[kRegs + 1];
        DW_UNROLL
        for (int j = 0; j <= kRegs; ++j) s1[j] = (q & 2) ? w[j + 2] : w[j];
        DW_UNROLL
        for (int j = 0; j < kRegs; ++j) r[j] = (q & 1) ? s1[j + 1] : s1[j];
    }

    DW_HD uint32_t word(int k) const { // k even and a compile-time constant after unrolling
        return funnelShiftRightClamp(r[k >> 2], r[(k >> 2) + 1], sh + 8 * uint32_t(k & 3));
    }
    DW_HD uint16_t lo16(int k) const { return uint16_t(word(k) & 0xffffu); }
};

// Four words at p: one aligned load when kAligned, else a fetch.
template <bool kAligned> DW_HD void load16Bytes(const uint8_t* p, const ByteRange& m, uint32_t* v) {
    if constexpr (kAligned) {
        const uint4 u = loadWeight128(p);
        v[0] = u.x, v[1] = u.y, v[2] = u.z, v[3] = u.w;
    } else {
        const Fetch<16> f(p, m);
        DW_UNROLL
        for (int i = 0; i < 4; ++i) v[i] = f.word(4 * i);
    }
}

enum class LaneKind { Offset, Min, Plain };

// A lane's kPer elements (16 or 32; all in one Q8_1 block) as int8 values, element i in
// byte i % 4 of v[i / 4].
template <int kPer> struct Piece {
    uint32_t v[kPer / 4];
    float a, c;
};

// The lane's share of the block dot (see the top of the file). q: its kPer activation
// quants, da/sa: the Q8_1 block's d and s. Rounded as written (mulRn/fmaRn), so every
// instantiation of the kernel computes the same bits.
template <LaneKind kKind, int kPer>
DW_HD float dotPiece(const Piece<kPer>& p, const uint32_t* q, float da, float sa) {
    int s = 0;
    DW_UNROLL
    for (int i = 0; i < kPer / 4; ++i) s = dot4(p.v[i], q[i], s);
    if constexpr (kKind == LaneKind::Offset) {
        return fmaRn(p.c, sa, mulRn(p.a, mulRn(da, float(s))));
    } else if constexpr (kKind == LaneKind::Min) {
        int sum = 0;
        DW_UNROLL
        for (int i = 0; i < kPer / 4; ++i) sum = dot4(kOnes, q[i], sum);
        return mulRn(da, fmaRn(p.c, float(sum), mulRn(p.a, float(s))));
    } else {
        return mulRn(p.a, mulRn(da, float(s)));
    }
}

// Byte i (0..11, lane-dependent) of three words, without indexing a register array.
DW_HD uint32_t byteOf3(uint32_t w0, uint32_t w1, uint32_t w2, int i) {
    const uint32_t w = i < 4 ? w0 : (i < 8 ? w1 : w2);
    return (w >> (8 * (i & 3))) & 0xffu;
}

// Scale and min of K-quant sub-block j from the 12 scale bytes held in three words.
DW_HD void scaleMinK3(uint32_t k0, uint32_t k1, uint32_t k2, int j, int& sc, int& m) {
    if (j < 4) {
        sc = int(byteOf3(k0, k1, k2, j) & 63);
        m = int(byteOf3(k0, k1, k2, j + 4) & 63);
    } else {
        const uint32_t hi = byteOf3(k0, k1, k2, j + 4);
        sc = int((hi & 15) | ((byteOf3(k0, k1, k2, j - 4) >> 6) << 4));
        m = int((hi >> 4) | ((byteOf3(k0, k1, k2, j) >> 6) << 4));
    }
}

// Four 5th bits of element e (bit e of qh) moved to bit 4 of bytes 0..3:
// (x * 0x02040810) places bits 0..3 of x at bits 4, 12, 20, 28 without carries.
DW_HD uint32_t spread4(uint32_t qh, int e) {
    return (((qh >> e) & 15u) * 0x02040810u) & 0x10101010u;
}

template <DType T> struct Lane;

// ---- Q4_0, Q4_1, Q5_0, Q5_1: one lane per 32-element block ---------------------------
// Each lane decodes a whole block (low nibbles = elements 0..15, high = 16..31), so the
// unaligned fetch and its shifts serve 32 elements; the offset term is the block's.

template <> struct Lane<DType::Q4_0> { // d[0..1] qs[2..17]
    static constexpr int kElems = 32, kBytes = 18, kPer = 32, kLanes = 1;
    static constexpr LaneKind kKind = LaneKind::Offset;
    template <bool> DW_HD static Piece<32> load(const uint8_t* b, int, const ByteRange& m) {
        const Fetch<18> f(b, m);
        Piece<32> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) {
            const uint32_t w = f.word(2 + 4 * i);
            p.v[i] = w & kLowNibbles;
            p.v[4 + i] = (w >> 4) & kLowNibbles;
        }
        const float d = halfToFloat(f.lo16(0));
        p.a = d;
        p.c = -8.0f * d;
        return p;
    }
};

template <> struct Lane<DType::Q4_1> { // d m qs[4..19]
    static constexpr int kElems = 32, kBytes = 20, kPer = 32, kLanes = 1;
    static constexpr LaneKind kKind = LaneKind::Offset;
    template <bool> DW_HD static Piece<32> load(const uint8_t* b, int, const ByteRange& m) {
        const Fetch<20> f(b, m);
        Piece<32> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) {
            const uint32_t w = f.word(4 + 4 * i);
            p.v[i] = w & kLowNibbles;
            p.v[4 + i] = (w >> 4) & kLowNibbles;
        }
        p.a = halfToFloat(f.lo16(0));
        p.c = halfToFloat(f.lo16(2));
        return p;
    }
};

template <> struct Lane<DType::Q5_0> { // d qh[2..5] qs[6..21]
    static constexpr int kElems = 32, kBytes = 22, kPer = 32, kLanes = 1;
    static constexpr LaneKind kKind = LaneKind::Offset;
    template <bool> DW_HD static Piece<32> load(const uint8_t* b, int, const ByteRange& m) {
        const Fetch<22> f(b, m);
        const uint32_t qh = f.word(2);
        Piece<32> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) {
            const uint32_t w = f.word(6 + 4 * i);
            p.v[i] = (w & kLowNibbles) | spread4(qh, 4 * i);
            p.v[4 + i] = ((w >> 4) & kLowNibbles) | spread4(qh, 16 + 4 * i);
        }
        const float d = halfToFloat(f.lo16(0));
        p.a = d;
        p.c = -16.0f * d;
        return p;
    }
};

template <> struct Lane<DType::Q5_1> { // d m qh[4..7] qs[8..23]
    static constexpr int kElems = 32, kBytes = 24, kPer = 32, kLanes = 1;
    static constexpr LaneKind kKind = LaneKind::Offset;
    template <bool> DW_HD static Piece<32> load(const uint8_t* b, int, const ByteRange& m) {
        const Fetch<24> f(b, m);
        const uint32_t qh = f.word(4);
        Piece<32> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) {
            const uint32_t w = f.word(8 + 4 * i);
            p.v[i] = (w & kLowNibbles) | spread4(qh, 4 * i);
            p.v[4 + i] = ((w >> 4) & kLowNibbles) | spread4(qh, 16 + 4 * i);
        }
        p.a = halfToFloat(f.lo16(0));
        p.c = halfToFloat(f.lo16(2));
        return p;
    }
};

// ---- Q8_0: 2 lanes per block, lane j = elements 16j .. 16j+15 ----------------------------

template <> struct Lane<DType::Q8_0> { // d qs[2..33] int8
    static constexpr int kElems = 32, kBytes = 34, kPer = 16, kLanes = 2;
    static constexpr LaneKind kKind = LaneKind::Plain;
    template <bool> DW_HD static Piece<16> load(const uint8_t* b, int j, const ByteRange& m) {
        const Fetch<16> f(b + 2 + 16 * j, m); // quants 16j .. 16j+15
        Piece<16> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) p.v[i] = f.word(4 * i);
        p.a = halfToFloat(load16(b));
        p.c = 0.0f;
        return p;
    }
};

// ---- K-quants: 16 lanes per 256-element block; lane j: sub-block j/2, half j%2 ----------

// Q4_K/Q5_K: d dmin scales[4..15], (Q5_K: qh[16..47]), qs. Sub-block sb = j/2 reads the low
// (sb even) or high (sb odd) nibbles of qs[32 * (sb/2) + 16 * (j%2) ..+15].
template <bool kFive, bool kAligned>
DW_HD Piece<16> loadK45(const uint8_t* b, int j, const ByteRange& m) {
    const int sb = j >> 1, hh = j & 1;
    uint32_t hdr[4], qs[4];
    load16Bytes<kAligned>(b, m, hdr);
    load16Bytes<kAligned>(b + (kFive ? 48 : 16) + 32 * (sb >> 1) + 16 * hh, m, qs);
    Piece<16> p;
    DW_UNROLL
    for (int i = 0; i < 4; ++i) p.v[i] = (qs[i] >> (4 * (sb & 1))) & kLowNibbles;
    if constexpr (kFive) { // 5th bit of element l of sub-block sb: bit sb of qh[l]
        uint32_t qh[4];
        load16Bytes<kAligned>(b + 16 + 16 * hh, m, qh);
        DW_UNROLL
        for (int i = 0; i < 4; ++i) p.v[i] |= ((qh[i] >> sb) & kOnes) << 4;
    }
    int sc, mn;
    scaleMinK3(hdr[1], hdr[2], hdr[3], sb, sc, mn);
    p.a = halfToFloat(uint16_t(hdr[0] & 0xffffu)) * float(sc);
    p.c = -halfToFloat(uint16_t(hdr[0] >> 16)) * float(mn);
    return p;
}

template <> struct Lane<DType::Q4_K> {
    static constexpr int kElems = 256, kBytes = 144, kPer = 16, kLanes = 16;
    static constexpr LaneKind kKind = LaneKind::Min;
    template <bool kAligned>
    DW_HD static Piece<16> load(const uint8_t* b, int j, const ByteRange& m) {
        return loadK45<false, kAligned>(b, j, m);
    }
};

template <> struct Lane<DType::Q5_K> {
    static constexpr int kElems = 256, kBytes = 176, kPer = 16, kLanes = 16;
    static constexpr LaneKind kKind = LaneKind::Min;
    template <bool kAligned>
    DW_HD static Piece<16> load(const uint8_t* b, int j, const ByteRange& m) {
        return loadK45<true, kAligned>(b, j, m);
    }
};

// Q6_K: ql[0..127] qh[128..191] scales[192..207] d[208..209]. Lane j: half h = j/8,
// quarter g = (j%8)/2, l0 = 16 * (j%2): elements 128h + 32g + l0 .. +15, whose low 4 bits
// are nibble g/2 of ql[64h + 32 * (g%2) + l0 ..], high 2 bits are bits 2g of qh[32h + l0 ..]
// and scale sc[8h + 2g + l0/16].
template <> struct Lane<DType::Q6_K> {
    static constexpr int kElems = 256, kBytes = 210, kPer = 16, kLanes = 16;
    static constexpr LaneKind kKind = LaneKind::Plain;
    template <bool> DW_HD static Piece<16> load(const uint8_t* b, int j, const ByteRange& m) {
        const int h = j >> 3, g = (j & 7) >> 1, l0 = 16 * (j & 1);
        uint32_t ql[4], qh[4];
        load16Bytes<false>(b + 64 * h + 32 * (g & 1) + l0, m, ql);
        load16Bytes<false>(b + 128 + 32 * h + l0, m, qh);
        Piece<16> p;
        DW_UNROLL
        for (int i = 0; i < 4; ++i) {
            const uint32_t v = ((ql[i] >> (4 * (g >> 1))) & kLowNibbles) |
                               (((qh[i] >> (2 * g)) & 0x03030303u) << 4);
            p.v[i] = sub4(v, 0x20202020u);
        }
        const int sc = int8_t(b[192 + 8 * h + 2 * g + (l0 >> 4)]);
        p.a = halfToFloat(load16(b + 208)) * float(sc);
        p.c = 0.0f;
        return p;
    }
};

} // namespace dw::cuda::detail
