#pragma once
// Attention of one sequence's new tokens over its cached keys and values (CPU).
#include <cstdint>

namespace dw {
class ThreadPool;
}

namespace dw::cpu {

struct AttentionParams {
    int nHead = 0;
    int nHeadKv = 0;     // GQA: query head h reads kv head h / (nHead / nHeadKv)
    int headDimK = 0;
    int headDimV = 0;
    float scale = 1.0f;  // multiplies q.k before the mask
    int window = 0;      // sliding window: key masked when qPos - kPos >= window; 0 = none
    float softcap = 0.0f; // s <- cap * tanh(s / cap) when > 0
};

// q:   [nHead * headDimK, nTokens]   query t sits at position pos0 + t
// k:   [nHeadKv * headDimK, nKv]     key row j sits at position j (rows 0 .. pos0+nTokens-1 valid)
// v:   [nHeadKv * headDimV, nKv]     strides in floats: kStride / vStride per row
// out: [nHead * headDimV, nTokens]
// Causal: query at position p sees keys 0..p (minus the window).
void attention(const float* q, int64_t nTokens, int64_t pos0, const float* k, int64_t kStride,
               const float* v, int64_t vStride, float* out, const AttentionParams& p,
               ThreadPool& pool);

} // namespace dw::cpu
