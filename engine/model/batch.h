#pragma once
// One step of work for a Forward: tokens of one or more sequences over a paged KV cache.
#include <cstdint>
#include <vector>

namespace dw::model {

struct BatchSeq {
    const int32_t* blocks = nullptr; // logical block -> physical block (-1 = dropped)
    int64_t sinkTokens = 0;          // long-context mode: kept first positions
    int64_t window = 0;              // long-context mode: recent positions kept (0 = off)
};

struct BatchToken {
    int32_t token = 0;
    int64_t pos = 0;      // position within its sequence
    int32_t seq = 0;      // index into Batch::seqs
    bool logits = false;  // keep this token's hidden state for logits()
};

// Tokens of one sequence appear in increasing position order; a token may attend keys of
// its own sequence written earlier in the same batch (keys are written before attention).
struct Batch {
    std::vector<BatchToken> tokens;
    std::vector<BatchSeq> seqs;
};

// Shape of a paged KV cache: nBlocks blocks of blockSize positions per layer.
struct KvConfig {
    int64_t nBlocks = 0;
    int blockSize = 32;
};

} // namespace dw::model
