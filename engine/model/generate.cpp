#include "deepwell/generate.h"

#include "deepwell/error.h"
#include "model/stop_filter.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace dw {

const char* finishReasonName(FinishReason r) {
    switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    case FinishReason::Error: return "error";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

GenerateResult generate(Context& ctx, const std::vector<int32_t>& prompt,
                        const GenerateOptions& options,
                        const std::function<bool(std::string_view)>& onText) {
    const Tokenizer& tok = ctx.model().tokenizer();
    const int64_t nVocab = ctx.model().hparams().nVocab;
    GenerateResult res;
    res.promptTokens = int64_t(prompt.size());
    if (prompt.empty())
        throw Error(ErrorCode::InvalidArgument, "the prompt is empty: nothing to continue from");
    Sampler sampler(options.sampling);
    for (int32_t t : prompt) sampler.accept(t);

    const auto start = Clock::now();
    ctx.eval(prompt.data(), int64_t(prompt.size()), LogitsMode::Last);
    res.prefillSeconds = secondsSince(start);

    StreamDecoder decoder(tok, options.renderSpecial);
    model::StopFilter stops(options.stop);
    bool cancelled = false;
    auto emit = [&](const std::string& s) {
        if (s.empty()) return;
        res.text += s;
        if (onText && !onText(s)) cancelled = true;
    };

    const auto decodeStart = Clock::now();
    res.reason = FinishReason::Length;
    bool stopString = false;
    for (int n = 0;; ++n) {
        if (options.maxTokens >= 0 && n >= options.maxTokens) break;
        if (ctx.nPast() >= ctx.nCtx()) break;
        const int32_t id = sampler.sample(ctx.lastLogits().data(), nVocab);
        if (n == 0) res.firstTokenSeconds = secondsSince(start);
        if (!options.ignoreEos && tok.isEog(id)) {
            res.reason = FinishReason::Stop;
            break;
        }
        res.tokens.push_back(id);
        sampler.accept(id);
        emit(stops.push(decoder.push(id), stopString));
        if (stopString) {
            res.reason = FinishReason::Stop;
            break;
        }
        if (cancelled) break;
        ctx.eval(&id, 1, LogitsMode::Last);
    }
    if (!stopString && !cancelled) {
        // The held-back tail: an incomplete character or a partial stop string.
        std::string tail = stops.push(decoder.flush(), stopString);
        if (!stopString) tail += stops.flush();
        emit(tail);
    }
    if (cancelled) res.reason = FinishReason::Cancelled;
    res.decodeSeconds = secondsSince(decodeStart);
    return res;
}

} // namespace dw
