#pragma once
// Tensor element types, with the ggml/GGUF type ids as their values.
//
// Shape notation used throughout Deepwell: shapes are written fastest-varying dimension
// first, as GGUF stores them. `[nEmbd, nVocab]` is nVocab rows of nEmbd contiguous values;
// a weight [K, N] is N rows of length K and computes y[n] = sum_k W[n][k] * x[k].
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dw {

enum class DType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9, // activation-only
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15, // activation-only
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
};

struct DTypeTraits {
    std::string_view name; // "Q4_K"; empty for ids that are not a type
    uint32_t blockSize;    // elements per block (1 for plain types)
    uint32_t blockBytes;   // bytes per block
    bool quantized;        // a block format (not F32/F16/BF16/ints)
    bool computable;       // Deepwell can dequantize it and use it in a matrix product
};

// Largest type id + 1 that the table covers.
inline constexpr uint32_t kDTypeIdCount = 43;

// True when `id` names a type of the GGUF format that we know the block size of.
bool isKnownDTypeId(uint32_t id);
// Traits of a known type (asserts isKnownDTypeId).
const DTypeTraits& dtypeTraits(DType t);
std::string_view dtypeName(DType t);
// Parses "Q4_K", "q8_0", "F16", ... ; returns false when the name is unknown.
bool dtypeFromName(std::string_view name, DType& out);

// Bytes of a row of n elements (n must be a multiple of the block size).
size_t rowBytes(DType t, int64_t n);

} // namespace dw
