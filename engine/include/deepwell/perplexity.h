#pragma once
// Perplexity by the usual method: the token stream is cut into windows of the context size,
// each window is evaluated from an empty cache (its first token replaced by BOS when the
// vocabulary adds one), and the second half of each window is scored, so every scored token
// sees at least nCtx/2 tokens of context.
#include "deepwell/model.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace dw {

struct PerplexityResult {
    double perplexity = 0.0;
    double stdError = 0.0;     // of the perplexity (delta method)
    int64_t windows = 0;
    int64_t scoredTokens = 0;
};

// Throws Error(InvalidArgument) when the tokens do not fill one window. maxWindows <= 0 means
// all; onWindow(i, running perplexity) is called after each window.
PerplexityResult computePerplexity(Context& ctx, const std::vector<int32_t>& tokens,
                                   int64_t maxWindows = 0,
                                   const std::function<void(int64_t, double)>& onWindow = {});

} // namespace dw
