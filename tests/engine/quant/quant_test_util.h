#pragma once
// Helpers shared by the quant test suites: seeded data, hand-written block bytes, and rows of
// random weight blocks.
#include "core/fp16.h"
#include "deepwell/dtype.h"
#include "deepwell/error.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace dw::quant::test {

inline std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

// Writes a half into bytes[off..off+1] (little-endian); v must be exactly representable.
inline void putHalf(std::vector<uint8_t>& bytes, size_t off, float v) {
    const uint16_t h = fp32ToFp16(v);
    if (fp16ToFp32(h) != v) throw std::logic_error("test value not representable as a half");
    bytes[off] = uint8_t(h & 0xff);
    bytes[off + 1] = uint8_t(h >> 8);
}

inline void putF32(std::vector<uint8_t>& bytes, size_t off, float v) {
    std::memcpy(bytes.data() + off, &v, 4);
}

inline float getHalf(const std::vector<uint8_t>& bytes, size_t off) {
    return fp16ToFp32(uint16_t(bytes[off] | bytes[off + 1] << 8));
}

// Byte offsets of the half-precision scale fields of one block (ENGINE_FACTS 2.1, 2.2).
inline std::vector<size_t> halfFieldOffsets(DType t) {
    switch (t) {
    case DType::Q4_0:
        return {0};
    case DType::Q4_1:
        return {0, 2};
    case DType::Q5_0:
        return {0};
    case DType::Q5_1:
        return {0, 2};
    case DType::Q8_0:
        return {0};
    case DType::Q2_K:
        return {80, 82};
    case DType::Q3_K:
        return {108};
    case DType::Q4_K:
        return {0, 2};
    case DType::Q5_K:
        return {0, 2};
    case DType::Q6_K:
        return {208};
    default:
        return {};
    }
}

// A row of nBlocks blocks of weight type t: every quant/scale byte random, the half fields
// random values of magnitude 2^-8 .. 2^-3 with random sign (any bit pattern of the other
// bytes is a valid block). Plain types (F32/F16/BF16): nBlocks values of N(0, 1).
inline std::vector<uint8_t> randomWeightRow(DType t, int64_t nBlocks, std::mt19937& rng) {
    const auto& tr = dtypeTraits(t);
    std::vector<uint8_t> row(size_t(nBlocks) * tr.blockBytes);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> mag(-8.0f, -3.0f);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    if (!tr.quantized) {
        for (int64_t i = 0; i < nBlocks; ++i) {
            const float v = normal(rng);
            if (t == DType::F32)
                putF32(row, size_t(i) * 4, v);
            else {
                const uint16_t h = t == DType::F16 ? fp32ToFp16(v) : fp32ToBf16(v);
                row[size_t(i) * 2] = uint8_t(h & 0xff);
                row[size_t(i) * 2 + 1] = uint8_t(h >> 8);
            }
        }
        return row;
    }
    for (auto& b : row) b = uint8_t(byte(rng));
    for (int64_t i = 0; i < nBlocks; ++i) {
        for (size_t off : halfFieldOffsets(t)) {
            const float v = fp16ToFp32(fp32ToFp16(std::exp2(mag(rng))));
            putHalf(row, size_t(i) * tr.blockBytes + off, byte(rng) < 128 ? -v : v);
        }
    }
    return row;
}

} // namespace dw::quant::test
