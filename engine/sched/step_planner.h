#pragma once
// Which tokens the next engine step runs (continuous batching with chunked prefill).
// Plain bookkeeping, no model and no memory (STYLE habit 7): the engine describes its
// sequences, the planner returns a plan under a per-step token budget.
//
// Policy: every sequence that is decoding gets its one token first (oldest first, up to
// maxDecode), so a running chat advances every step however long the prompts waiting beside
// it are; the rest of the budget goes to prompt chunks, oldest request first, each chunk as
// large as the remaining budget allows. With budget >= the number of decoding sequences, a
// decoding sequence therefore gets a token at every step.
#include <cstdint>
#include <vector>

namespace dw::sched {

struct SeqState {
    uint64_t id = 0;
    uint64_t arrival = 0;        // submission order (smaller = older)
    int64_t promptRemaining = 0; // prompt tokens not yet evaluated (0 = decoding)
};

struct PlannedChunk {
    uint64_t id = 0;
    int64_t tokens = 0; // 1 for a decode step; a prompt chunk otherwise
    bool decode = false;
};

struct StepPlan {
    std::vector<PlannedChunk> chunks; // decode tokens first, then prompt chunks
    int64_t totalTokens = 0;
};

struct PlannerLimits {
    int64_t tokenBudget = 256; // tokens per step (>= 1)
    int maxDecode = 64;        // decoding sequences per step
};

StepPlan planStep(const std::vector<SeqState>& seqs, const PlannerLimits& limits);

} // namespace dw::sched
