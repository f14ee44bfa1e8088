#pragma once
// Byte layouts of the quantized block formats (ENGINE_FACTS.md sections 2.1, 2.2).
//
// Every struct is the exact on-disk layout of one block: fields in file order, no padding
// (checked by the static_asserts below). d, dmin, m and s are IEEE half bit patterns except
// Q8_K's d, which is an f32. Quants of the 32-element formats: element i (0..15) is the low
// nibble of qs[i], element 16+i the high nibble; the 5th bit of element j is bit j of qh
// read as a little-endian u32.
#include <cstdint>
#include <cstring>

namespace dw::quant {

inline constexpr int kQk = 32;   // elements per block of Q4_0 ... Q8_1
inline constexpr int kQkK = 256; // elements per super-block of the K-quants and Q8_K

struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[16];
};
struct BlockQ4_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qs[16];
};
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[16];
};
struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[16];
};
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[32];
};
// Activation format of Q4_1/Q5_1: s = d * sum(qs), so that the weight's offset m
// contributes m * s without touching the quants.
struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;
    int8_t qs[32];
};

// 16 sub-blocks of 16: y = d * (scales[s] & 15) * q - dmin * (scales[s] >> 4), q in 0..3.
struct BlockQ2_K {
    uint8_t scales[16];
    uint8_t qs[64];
    uint16_t d;
    uint16_t dmin;
};
// 16 sub-blocks of 16: y = d * (scale - 32) * q, 6-bit scales packed in 12 bytes,
// q = low 2 bits from qs, minus 4 unless the hmask bit is set (q in -4..3).
struct BlockQ3_K {
    uint8_t hmask[32];
    uint8_t qs[64];
    uint8_t scales[12];
    uint16_t d;
};
// 8 sub-blocks of 32 with 6-bit scale and min packed in scales[12] (unpackScalesMinsK).
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qs[128];
};
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[32];
    uint8_t qs[128];
};
// 16 sub-blocks of 16 with int8 scales; q = (4 low bits | 2 high bits << 4) - 32.
struct BlockQ6_K {
    uint8_t ql[128];
    uint8_t qh[64];
    int8_t scales[16];
    uint16_t d;
};
// Activation format of the K-quants: f32 d, bsums[i] = sum of qs[16i .. 16i+15].
struct BlockQ8_K {
    float d;
    int8_t qs[256];
    int16_t bsums[16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// The helpers below are `static`: the SIMD files (compiled with AVX flags) include them too,
// and an inline function with external linkage could have its AVX-compiled copy picked by
// the linker for the scalar code.

// The 6-bit scales sc[0..7] and mins m[0..7] of Q4_K/Q5_K from their 12 packed bytes K:
//   j < 4:  sc = K[j] & 63,                             m = K[j+4] & 63
//   j >= 4: sc = (K[j+4] & 15) | (K[j-4] >> 6) << 4,     m = (K[j+4] >> 4) | (K[j] >> 6) << 4
// Done on three little-endian u32 words so that all eight come out at once; byte j of the
// returned u64 values is sc_j / m_j.
static inline void unpackScalesMinsK(const uint8_t* packed, uint64_t& scales, uint64_t& mins) {
    uint32_t w[3];
    std::memcpy(w, packed, 12);
    const uint32_t scLo = w[0] & 0x3f3f3f3fu;
    const uint32_t mLo = w[1] & 0x3f3f3f3fu;
    const uint32_t scHi = (w[2] & 0x0f0f0f0fu) | (((w[0] >> 6) & 0x03030303u) << 4);
    const uint32_t mHi = ((w[2] >> 4) & 0x0f0f0f0fu) | (((w[1] >> 6) & 0x03030303u) << 4);
    scales = uint64_t(scLo) | uint64_t(scHi) << 32;
    mins = uint64_t(mLo) | uint64_t(mHi) << 32;
}

// Packs sc[0..7], m[0..7] (each 0..63) into the 12-byte Q4_K/Q5_K layout.
static inline void packScalesMinsK(const uint8_t* sc, const uint8_t* m, uint8_t* packed) {
    for (int j = 0; j < 4; ++j) {
        packed[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        packed[j + 4] = static_cast<uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
        packed[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
    }
}

// The 16 signed Q3_K scales (value - 32, in -32..31) from their 12 packed bytes:
// low 4 bits from scales[s] (s < 8) or scales[s-8] >> 4; high 2 bits from
// scales[8 + s%4] >> 2*(s/4). On u32 words w0..w2 (bytes 0-3, 4-7, 8-11), byte k of
// each output word:  s0..3 = w0 & 15 | (w2 & 3) << 4,        s4..7 = w1 & 15 | (w2 >> 2 & 3) << 4,
//                    s8..11 = w0 >> 4 & 15 | (w2 >> 4 & 3) << 4, s12..15 = w1 >> 4 & 15 | (w2 >> 6
//                    & 3) << 4.
static inline void unpackScalesQ3K(const uint8_t* packed, int8_t* out) {
    uint32_t w[3];
    std::memcpy(w, packed, 12);
    const uint32_t lo = 0x0f0f0f0fu, hi = 0x03030303u;
    const uint32_t v[4] = {(w[0] & lo) | (w[2] & hi) << 4, (w[1] & lo) | ((w[2] >> 2) & hi) << 4,
                           ((w[0] >> 4) & lo) | ((w[2] >> 4) & hi) << 4,
                           ((w[1] >> 4) & lo) | ((w[2] >> 6) & hi) << 4};
    uint8_t bytes[16];
    std::memcpy(bytes, v, 16);
    for (int s = 0; s < 16; ++s) out[s] = static_cast<int8_t>(bytes[s] - 32);
}

// Packs 16 scales in -32..31 into the Q3_K layout.
static inline void packScalesQ3K(const int8_t* sc, uint8_t* packed) {
    std::memset(packed, 0, 12);
    for (int s = 0; s < 16; ++s) {
        const int v = sc[s] + 32;
        if (s < 8)
            packed[s] |= static_cast<uint8_t>(v & 15);
        else
            packed[s - 8] |= static_cast<uint8_t>((v & 15) << 4);
        packed[8 + s % 4] |= static_cast<uint8_t>(((v >> 4) & 3) << (2 * (s / 4)));
    }
}

} // namespace dw::quant
