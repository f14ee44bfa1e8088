#pragma once
// Attention of new tokens over cached keys and values (CPU), for one contiguous cache or a
// paged one shared by many sequences.
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

// ---- paged -----------------------------------------------------------------------------

// A paged cache: physical row r of the K pool at k + r * kStride (likewise V). Position j of
// a sequence lives in physical row blocks[j / blockSize] * blockSize + j % blockSize.
struct KvPages {
    const float* k = nullptr;
    int64_t kStride = 0;
    const float* v = nullptr;
    int64_t vStride = 0;
    int blockSize = 0;
};

// One query token: its position and its sequence's block table (logical block -> physical
// block, -1 = dropped). Keys attended: positions 0..pos (causal), minus the layer's sliding
// window (AttentionParams::window), and, in long-context mode (window > 0 here), only the
// first sinkTokens positions plus the last `window` positions. Dropped blocks are skipped.
struct PagedQuery {
    int64_t pos = 0;
    const int32_t* blocks = nullptr;
    int64_t sinkTokens = 0;
    int64_t window = 0; // long-context window; 0 = off
};

// q: [nHead * headDimK, nTokens]; out: [nHead * headDimV, nTokens].
void pagedAttention(const float* q, const PagedQuery* queries, int64_t nTokens, const KvPages& kv,
                    float* out, const AttentionParams& p, ThreadPool& pool);

} // namespace dw::cpu
