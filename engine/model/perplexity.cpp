#include "deepwell/perplexity.h"

#include "deepwell/error.h"

#include <algorithm>
#include <cmath>

namespace dw {
namespace {

// -log softmax(logits)[target], computed stably in double.
double negLogProb(const float* logits, int64_t n, int32_t target) {
    float maxv = logits[0];
    for (int64_t i = 1; i < n; ++i) maxv = std::max(maxv, logits[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(double(logits[i]) - double(maxv));
    return std::log(sum) - (double(logits[target]) - double(maxv));
}

} // namespace

PerplexityResult computePerplexity(Context& ctx, const std::vector<int32_t>& tokens,
                                   int64_t maxWindows,
                                   const std::function<void(int64_t, double)>& onWindow) {
    const Tokenizer& tok = ctx.model().tokenizer();
    const int64_t nVocab = ctx.model().hparams().nVocab;
    const int64_t n = ctx.nCtx();
    int64_t windows = int64_t(tokens.size()) / n;
    if (maxWindows > 0) windows = std::min(windows, maxWindows);
    if (windows < 1)
        throw Error(ErrorCode::InvalidArgument,
                    "perplexity needs at least one window of " + std::to_string(n) +
                        " tokens, but the text has " + std::to_string(tokens.size()) +
                        " (use a smaller context or a longer text)");
    const int64_t first = n / 2;
    double sum = 0.0, sum2 = 0.0;
    int64_t count = 0;
    for (int64_t w = 0; w < windows; ++w) {
        std::vector<int32_t> window(tokens.begin() + w * n, tokens.begin() + (w + 1) * n);
        if (tok.addBos() && tok.bos() >= 0) window[0] = tok.bos();
        ctx.truncate(0);
        ctx.eval(window.data(), n, LogitsMode::All, [&](int64_t i, const float* logits) {
            if (i < first || i >= n - 1) return;
            const double nll = negLogProb(logits, nVocab, tokens[size_t(w * n + i + 1)]);
            sum += nll;
            sum2 += nll * nll;
            ++count;
        });
        if (onWindow) onWindow(w, std::exp(sum / double(count)));
    }
    PerplexityResult r;
    const double mean = sum / double(count);
    const double var = std::max(0.0, sum2 / double(count) - mean * mean);
    r.perplexity = std::exp(mean);
    r.stdError = r.perplexity * std::sqrt(var / double(std::max<int64_t>(1, count - 1)));
    r.windows = windows;
    r.scoredTokens = count;
    return r;
}

} // namespace dw
