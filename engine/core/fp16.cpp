#include "core/fp16.h"


namespace dw {

uint16_t fp32ToFp16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u); // NaN
    if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u); // rounds to inf
    if (absx < 0x38800000u) { // below the smallest normal half (2^-14): subnormal or zero
        if (absx < 0x33000000u) return static_cast<uint16_t>(sign); // < 2^-25 rounds to 0
        const uint32_t e = absx >> 23;
        const uint32_t m = (absx & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - e; // 14..24 bits to drop so that the result is m*2^-24
        const uint32_t half = 1u << (shift - 1);
        uint32_t r = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1);
        if (rem > half || (rem == half && (r & 1u))) ++r;
        return static_cast<uint16_t>(sign | r);
    }
    uint32_t r = absx - 0x38000000u; // rebias exponent 127 -> 15
    const uint32_t rem = r & 0x1fffu;
    r >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
    return static_cast<uint16_t>(sign | r);
}

namespace {
struct Table {
    float v[65536];
};
constexpr Table makeTable() {
    Table t{};
    for (uint32_t i = 0; i < 65536; ++i) t.v[i] = fp16ToFp32Exact(static_cast<uint16_t>(i));
    return t;
}
constexpr Table kTable = makeTable();
} // namespace

// Constant-initialised, so it is valid before any dynamic initialisation runs.
constinit const float* const kFp16Table = kTable.v;

} // namespace dw
