#pragma once
// IEEE half and bfloat16 conversions (scalar, exact; round-to-nearest-even on narrowing).
#include <bit>
#include <cstdint>
#include <cstring>

namespace dw {

// Exact half -> float (constexpr so that the lookup table below is built at compile time).
constexpr float fp16ToFp32Exact(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits = 0;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal half: normalise into a float
            uint32_t e = 113; // 127 - 15 + 1
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --e;
            }
            bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    return std::bit_cast<float>(bits);
}

uint16_t fp32ToFp16(float f);

// 65536-entry table built at compile time; the fast path used by dequantization.
extern const float* const kFp16Table;
inline float fp16ToFp32(uint16_t h) { return kFp16Table[h]; }

inline float bf16ToFp32(uint16_t b) {
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline uint16_t fp32ToBf16(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40); // NaN
    const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>((bits + rounding) >> 16);
}

} // namespace dw
