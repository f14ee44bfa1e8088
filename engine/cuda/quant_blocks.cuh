#pragma once
// Per-type block functions used by the mat-vec and dequantization kernels; __host__
// __device__ so that tests run the very same code on the CPU (cuda/emulation.h).
//
// Block<T> for each quantized weight type T (layouts: ENGINE_FACTS 2.1, 2.2):
//   kElems, kBytes   elements and bytes of one block
//   kSlices          the block is split into kSlices slices; consecutive threads take
//                    consecutive slices, so a warp reads a contiguous span (CUDA_FACTS 2.5)
//   kAlign           the alignment a block start is guaranteed (2 for 18/22/34/210 bytes)
//   W load(b, s)     the unpacked quants and scales of slice s of block b
//   dot(w, a, s)     that slice times the Q8_1 activation blocks `a` (kElems / 32 of them,
//                    36 bytes each, lined up with the weight block); integer dp4a sums
//                    scaled per 32 (or 16) values: the formulas of CUDA_FACTS 2.3
//   dequant32(b, j, out)  elements 32j .. 32j+31 of block b as floats
//
// The offset terms of Q4_0/Q4_1/Q5_0/Q5_1 use the activation block's float sum s_a split
// evenly between the block's slices (offset * s_a / kSlices each); the K-quant min terms
// use each slice's own activation byte sum (dp4a against 0x01010101) times d_a. Mixing the
// two conventions would be off by exactly kSlices in that term (CUDA_FACTS 2.3).
#include "cuda/common.cuh"
#include "deepwell/dtype.h"

namespace dw::cuda::detail {

inline constexpr uint32_t kLowNibbles = 0x0F0F0F0Fu;
inline constexpr uint32_t kOnes = 0x01010101u;

// Q8_1 activation block j (36 bytes: half d, half s, int8 q[32]); act is 4-byte aligned.
DW_HD float actD(const uint8_t* act, int j) {
    return halfToFloat(load16(act + 36 * j));
}
DW_HD float actS(const uint8_t* act, int j) {
    return halfToFloat(load16(act + 36 * j + 2));
}
DW_HD uint32_t actQ(const uint8_t* act, int j, int byte) {
    return load32(act + 36 * j + 4 + byte);
}

template <DType T> struct Block;

// Four quant words of a 32-element slice pair: lo0/lo1 are elements o..o+7 (bytes o, o+4
// of the activation block), hi0/hi1 elements 16+o..16+o+7.
struct Words4 {
    uint32_t lo0, lo1, hi0, hi1;
};

DW_HD int dotWords4(const Words4& q, const uint8_t* a, int j, int o) {
    int s = dot4(q.lo0, actQ(a, j, o), 0);
    s = dot4(q.lo1, actQ(a, j, o + 4), s);
    s = dot4(q.hi0, actQ(a, j, 16 + o), s);
    return dot4(q.hi1, actQ(a, j, 20 + o), s);
}

// Nibble words of 8 bytes at qs + o: low nibbles = elements o.., high = elements 16+o..
DW_HD Words4 nibbles(uint32_t w0, uint32_t w1) {
    return {w0 & kLowNibbles, w1 & kLowNibbles, (w0 >> 4) & kLowNibbles, (w1 >> 4) & kLowNibbles};
}

// The 5th bits (bit e of qh for element e) merged into the nibble words of slice offset o.
DW_HD Words4 withHighBits(Words4 q, uint32_t qh, int o) {
    q.lo0 |= spreadBits4(qh >> o);
    q.lo1 |= spreadBits4(qh >> (o + 4));
    q.hi0 |= spreadBits4(qh >> (16 + o));
    q.hi1 |= spreadBits4(qh >> (20 + o));
    return q;
}

// ---- 32-element types: 2 slices of 16 elements (Q8_0: 4 slices of 8) -------------------

template <> struct Block<DType::Q4_0> { // d[0..1] qs[2..17]
    static constexpr int kElems = 32, kBytes = 18, kSlices = 2, kAlign = 2;
    struct W {
        Words4 q;
        float d;
    };
    DW_HD static W load(const uint8_t* b, int s) {
        return {nibbles(load32From16(b + 2 + 8 * s), load32From16(b + 6 + 8 * s)),
                halfToFloat(load16(b))};
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int sum = dotWords4(w.q, a, 0, 8 * s);
        return w.d * (actD(a, 0) * float(sum) - (8.0f / kSlices) * actS(a, 0));
    }
    DW_HD static void dequant32(const uint8_t* b, int, float* out) {
        const float d = halfToFloat(load16(b));
        for (int i = 0; i < 16; ++i) {
            out[i] = d * float(int(b[2 + i] & 15) - 8);
            out[i + 16] = d * float(int(b[2 + i] >> 4) - 8);
        }
    }
};

template <> struct Block<DType::Q4_1> { // d[0..1] m[2..3] qs[4..19]
    static constexpr int kElems = 32, kBytes = 20, kSlices = 2, kAlign = 4;
    struct W {
        Words4 q;
        float d, m;
    };
    DW_HD static W load(const uint8_t* b, int s) {
        return {nibbles(load32(b + 4 + 8 * s), load32(b + 8 + 8 * s)), halfToFloat(load16(b)),
                halfToFloat(load16(b + 2))};
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int sum = dotWords4(w.q, a, 0, 8 * s);
        return w.d * actD(a, 0) * float(sum) + w.m * actS(a, 0) * (1.0f / kSlices);
    }
    DW_HD static void dequant32(const uint8_t* b, int, float* out) {
        const float d = halfToFloat(load16(b)), m = halfToFloat(load16(b + 2));
        for (int i = 0; i < 16; ++i) {
            out[i] = d * float(b[4 + i] & 15) + m;
            out[i + 16] = d * float(b[4 + i] >> 4) + m;
        }
    }
};

template <> struct Block<DType::Q5_0> { // d[0..1] qh[2..5] qs[6..21]
    static constexpr int kElems = 32, kBytes = 22, kSlices = 2, kAlign = 2;
    struct W {
        Words4 q;
        float d;
    };
    DW_HD static W load(const uint8_t* b, int s) {
        const Words4 q = nibbles(load32From16(b + 6 + 8 * s), load32From16(b + 10 + 8 * s));
        return {withHighBits(q, load32From16(b + 2), 8 * s), halfToFloat(load16(b))};
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int sum = dotWords4(w.q, a, 0, 8 * s);
        return w.d * (actD(a, 0) * float(sum) - (16.0f / kSlices) * actS(a, 0));
    }
    DW_HD static void dequant32(const uint8_t* b, int, float* out) {
        const float d = halfToFloat(load16(b));
        const uint32_t qh = load32From16(b + 2);
        for (int i = 0; i < 16; ++i) {
            out[i] = d * float(int((b[6 + i] & 15) | ((qh >> i) & 1) << 4) - 16);
            out[i + 16] = d * float(int((b[6 + i] >> 4) | ((qh >> (i + 16)) & 1) << 4) - 16);
        }
    }
};

template <> struct Block<DType::Q5_1> { // d[0..1] m[2..3] qh[4..7] qs[8..23]
    static constexpr int kElems = 32, kBytes = 24, kSlices = 2, kAlign = 4;
    struct W {
        Words4 q;
        float d, m;
    };
    DW_HD static W load(const uint8_t* b, int s) {
        const Words4 q = nibbles(load32(b + 8 + 8 * s), load32(b + 12 + 8 * s));
        return {withHighBits(q, load32(b + 4), 8 * s), halfToFloat(load16(b)),
                halfToFloat(load16(b + 2))};
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int sum = dotWords4(w.q, a, 0, 8 * s);
        return w.d * actD(a, 0) * float(sum) + w.m * actS(a, 0) * (1.0f / kSlices);
    }
    DW_HD static void dequant32(const uint8_t* b, int, float* out) {
        const float d = halfToFloat(load16(b)), m = halfToFloat(load16(b + 2));
        const uint32_t qh = load32(b + 4);
        for (int i = 0; i < 16; ++i) {
            out[i] = d * float((b[8 + i] & 15) | ((qh >> i) & 1) << 4) + m;
            out[i + 16] = d * float((b[8 + i] >> 4) | ((qh >> (i + 16)) & 1) << 4) + m;
        }
    }
};

template <> struct Block<DType::Q8_0> { // d[0..1] qs[2..33] int8
    static constexpr int kElems = 32, kBytes = 34, kSlices = 4, kAlign = 2;
    struct W {
        uint32_t q0, q1;
        float d;
    };
    DW_HD static W load(const uint8_t* b, int s) {
        return {load32From16(b + 2 + 8 * s), load32From16(b + 6 + 8 * s), halfToFloat(load16(b))};
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int sum = dot4(w.q1, actQ(a, 0, 8 * s + 4), dot4(w.q0, actQ(a, 0, 8 * s), 0));
        return w.d * actD(a, 0) * float(sum);
    }
    DW_HD static void dequant32(const uint8_t* b, int, float* out) {
        const float d = halfToFloat(load16(b));
        for (int i = 0; i < 32; ++i) out[i] = d * float(int8_t(b[2 + i]));
    }
};

// ---- K-quants: 16 slices of 16 elements per 256-element super-block --------------------

// Scale and min of sub-block j (0..7) from the 12 packed bytes K (ENGINE_FACTS 2.2).
DW_HD void scaleMinK(const uint8_t* k, int j, int& sc, int& m) {
    if (j < 4) {
        sc = k[j] & 63;
        m = k[j + 4] & 63;
    } else {
        sc = (k[j + 4] & 15) | ((k[j - 4] >> 6) << 4);
        m = (k[j + 4] >> 4) | ((k[j] >> 6) << 4);
    }
}

// Q4_K/Q5_K slice s: chunk c = s / 4 (elements 64c .. 64c+63), o = 4 * (s % 4). Its bytes
// qs[32c + o ..+3] and qs[32c + 16 + o ..+3]: low nibbles are sub-block 2c at offsets o and
// 16+o, high nibbles sub-block 2c+1 at the same offsets (CUDA_FACTS 2.3 lane mapping).
struct WordsK {
    Words4 q;         // lo0/lo1: sub-block 2c at o, 16+o; hi0/hi1: sub-block 2c+1
    float dsc0, dsc1; // d * sc of sub-blocks 2c, 2c+1
    float dm0, dm1;   // dmin * m of sub-blocks 2c, 2c+1
};

DW_HD WordsK loadK(const uint8_t* b, const uint8_t* qs, int s) {
    const int c = s / 4, o = 4 * (s % 4);
    const uint32_t w0 = load32(qs + 32 * c + o), w1 = load32(qs + 32 * c + 16 + o);
    WordsK w;
    w.q = {w0 & kLowNibbles, w1 & kLowNibbles, (w0 >> 4) & kLowNibbles, (w1 >> 4) & kLowNibbles};
    const float d = halfToFloat(load16(b)), dmin = halfToFloat(load16(b + 2));
    int sc, m;
    scaleMinK(b + 4, 2 * c, sc, m);
    w.dsc0 = d * float(sc);
    w.dm0 = dmin * float(m);
    scaleMinK(b + 4, 2 * c + 1, sc, m);
    w.dsc1 = d * float(sc);
    w.dm1 = dmin * float(m);
    return w;
}

DW_HD float dotK(const WordsK& w, const uint8_t* a, int s) {
    const int c = s / 4, o = 4 * (s % 4);
    const int j0 = 2 * c, j1 = 2 * c + 1;
    const uint32_t a00 = actQ(a, j0, o), a01 = actQ(a, j0, 16 + o);
    const uint32_t a10 = actQ(a, j1, o), a11 = actQ(a, j1, 16 + o);
    const int s0 = dot4(w.q.lo1, a01, dot4(w.q.lo0, a00, 0));
    const int s1 = dot4(w.q.hi1, a11, dot4(w.q.hi0, a10, 0));
    const int sum0 = dot4(kOnes, a01, dot4(kOnes, a00, 0)); // this slice's activation sums
    const int sum1 = dot4(kOnes, a11, dot4(kOnes, a10, 0));
    return actD(a, j0) * (w.dsc0 * float(s0) - w.dm0 * float(sum0)) +
           actD(a, j1) * (w.dsc1 * float(s1) - w.dm1 * float(sum1));
}

template <> struct Block<DType::Q4_K> { // d[0..1] dmin[2..3] scales[4..15] qs[16..143]
    static constexpr int kElems = 256, kBytes = 144, kSlices = 16, kAlign = 4;
    using W = WordsK;
    DW_HD static W load(const uint8_t* b, int s) { return loadK(b, b + 16, s); }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) { return dotK(w, a, s); }
    DW_HD static void dequant32(const uint8_t* b, int j, float* out) {
        int sc, m;
        scaleMinK(b + 4, j, sc, m);
        const float d1 = halfToFloat(load16(b)) * float(sc);
        const float m1 = halfToFloat(load16(b + 2)) * float(m);
        const uint8_t* q = b + 16 + 32 * (j / 2);
        const int shift = 4 * (j % 2);
        for (int l = 0; l < 32; ++l) out[l] = d1 * float((q[l] >> shift) & 15) - m1;
    }
};

template <> struct Block<DType::Q5_K> { // d dmin scales[4..15] qh[16..47] qs[48..175]
    static constexpr int kElems = 256, kBytes = 176, kSlices = 16, kAlign = 4;
    using W = WordsK;
    DW_HD static W load(const uint8_t* b, int s) {
        W w = loadK(b, b + 48, s);
        // 5th bit of element l of sub-block j: bit j of qh[l]; this slice's l are o..o+3
        // and 16+o..16+o+3, sub-blocks 2c (low nibbles) and 2c+1 (high nibbles).
        const int c = s / 4, o = 4 * (s % 4);
        const uint32_t h0 = load32(b + 16 + o), h1 = load32(b + 16 + 16 + o);
        w.q.lo0 |= ((h0 >> (2 * c)) & kOnes) << 4;
        w.q.lo1 |= ((h1 >> (2 * c)) & kOnes) << 4;
        w.q.hi0 |= ((h0 >> (2 * c + 1)) & kOnes) << 4;
        w.q.hi1 |= ((h1 >> (2 * c + 1)) & kOnes) << 4;
        return w;
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) { return dotK(w, a, s); }
    DW_HD static void dequant32(const uint8_t* b, int j, float* out) {
        int sc, m;
        scaleMinK(b + 4, j, sc, m);
        const float d1 = halfToFloat(load16(b)) * float(sc);
        const float m1 = halfToFloat(load16(b + 2)) * float(m);
        const uint8_t* qh = b + 16;
        const uint8_t* q = b + 48 + 32 * (j / 2);
        const int shift = 4 * (j % 2);
        for (int l = 0; l < 32; ++l) {
            const int v = ((q[l] >> shift) & 15) | (((qh[l] >> j) & 1) << 4);
            out[l] = d1 * float(v) - m1;
        }
    }
};

template <>
struct Block<DType::Q6_K> { // ql[0..127] qh[128..191] scales[192..207] int8, d[208..209]
    static constexpr int kElems = 256, kBytes = 210, kSlices = 16, kAlign = 2;
    // Slice s: half h = s / 8, l0 = 4 * (s % 8): elements l0..l0+3 of the four 32-element
    // quarters g of half h, which pair with Q8_1 blocks 4h + g at byte offset l0.
    struct W {
        uint32_t q[4]; // quarter g: four signed quants (q6 - 32) as bytes
        float dsc[4];  // d * scale of the 16-group that holds l0..l0+3 in quarter g
    };
    DW_HD static W load(const uint8_t* b, int s) {
        const int h = s / 8, l0 = 4 * (s % 8);
        const uint32_t qlA = load32From16(b + 64 * h + l0);      // quarters 0 (low), 2 (high)
        const uint32_t qlB = load32From16(b + 64 * h + 32 + l0); // quarters 1 (low), 3 (high)
        const uint32_t qh = load32From16(b + 128 + 32 * h + l0); // bits 2g..2g+1: quarter g
        const float d = halfToFloat(load16(b + 208));
        W w;
        const uint32_t low[4] = {qlA & kLowNibbles, qlB & kLowNibbles, (qlA >> 4) & kLowNibbles,
                                 (qlB >> 4) & kLowNibbles};
        for (int g = 0; g < 4; ++g) {
            const uint32_t v = low[g] | (((qh >> (2 * g)) & 0x03030303u) << 4);
            w.q[g] = sub4(v, 0x20202020u);
            w.dsc[g] = d * float(int8_t(b[192 + 8 * h + 2 * g + l0 / 16]));
        }
        return w;
    }
    DW_HD static float dot(const W& w, const uint8_t* a, int s) {
        const int h = s / 8, l0 = 4 * (s % 8);
        float r = 0.0f;
        for (int g = 0; g < 4; ++g)
            r += actD(a, 4 * h + g) * w.dsc[g] * float(dot4(w.q[g], actQ(a, 4 * h + g, l0), 0));
        return r;
    }
    DW_HD static void dequant32(const uint8_t* b, int j, float* out) {
        const int h = j / 4, g = j % 4;
        const float d = halfToFloat(load16(b + 208));
        const uint8_t* ql = b + 64 * h + 32 * (g % 2);
        const int shift = 4 * (g / 2);
        for (int l = 0; l < 32; ++l) {
            const int low = (ql[l] >> shift) & 15;
            const int high = (b[128 + 32 * h + l] >> (2 * g)) & 3;
            const int sc = int8_t(b[192 + 8 * h + 2 * g + l / 16]);
            out[l] = d * float(sc) * float((low | high << 4) - 32);
        }
    }
};

} // namespace dw::cuda::detail
