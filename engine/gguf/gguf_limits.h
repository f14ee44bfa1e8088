#pragma once
// Limits and helpers shared by the GGUF reader and writer (ENGINE_FACTS.md section 1).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dw::gguf {

inline constexpr uint32_t kMagic = 0x46554747; // "GGUF" read as a little-endian u32
inline constexpr uint32_t kVersion = 3;        // what the writer writes; the reader takes 2 and 3
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr std::string_view kAlignmentKey = "general.alignment";
inline constexpr size_t kMaxKeyBytes = 65535;     // spec: keys are at most 65535 bytes
inline constexpr size_t kMaxTensorNameBytes = 63; // llama.cpp rejects names of 64+ bytes
inline constexpr uint32_t kMaxDims = 4;
inline constexpr int kMaxArrayDepth = 8; // nesting of ARRAY inside ARRAY; top level is 1

// Smallest encodings, used to reject counts that cannot fit in the bytes left before anything
// is allocated for them.
inline constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1; // key len, 1-byte key, type, u8
inline constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8; // 1-byte name, 1 dim

// Returns true when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). On failure *badIndex is the index of the first byte of the bad sequence.
bool isValidUtf8(std::string_view s, size_t* badIndex = nullptr);

// `s` for an error message: at most 64 bytes, control and non-ASCII bytes as \xNN.
std::string printable(std::string_view s);

// Vectors sized from a count in the file reserve at most this many elements up front and grow
// as elements are actually read, so a count that passed the bytes-left check still cannot make
// a small file allocate many times its size before failing (a Value is ~15x its smallest
// encoding). 2^18 covers a 262144-entry vocabulary in one allocation.
inline uint64_t reserveFor(uint64_t count) {
    return count < (1u << 18) ? count : (1u << 18);
}

inline bool isPowerOfTwo(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}
inline uint64_t alignUp(uint64_t x, uint64_t a) {
    return x + (a - x % a) % a;
}

} // namespace dw::gguf
