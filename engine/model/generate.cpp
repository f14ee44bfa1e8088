#include "deepwell/generate.h"

#include "deepwell/error.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace dw {

const char* finishReasonName(FinishReason r) {
    switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Holds back text that could still become a stop string.
class StopFilter {
public:
    explicit StopFilter(const std::vector<std::string>& stops) : m_stops(stops) {}

    // Appends text; returns what can be shown now. Sets `stopped` when a stop string appeared
    // (the returned text then ends just before it).
    std::string push(std::string_view text, bool& stopped) {
        m_pending.append(text);
        size_t cut = std::string::npos;
        for (const auto& s : m_stops) {
            if (s.empty()) continue;
            const size_t at = m_pending.find(s);
            if (at != std::string::npos) cut = std::min(cut, at);
        }
        if (cut != std::string::npos) {
            stopped = true;
            std::string out = m_pending.substr(0, cut);
            m_pending.clear();
            return out;
        }
        // Keep the longest tail that is a proper prefix of some stop string.
        size_t hold = 0;
        for (const auto& s : m_stops)
            for (size_t len = std::min(s.size() - 1, m_pending.size()); len > hold; --len)
                if (m_pending.compare(m_pending.size() - len, len, s, 0, len) == 0) {
                    hold = len;
                    break;
                }
        std::string out = m_pending.substr(0, m_pending.size() - hold);
        m_pending.erase(0, m_pending.size() - hold);
        return out;
    }
    std::string flush() { return std::exchange(m_pending, {}); }

private:
    const std::vector<std::string>& m_stops;
    std::string m_pending;
};

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
    StopFilter stops(options.stop);
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
        if (tok.isEog(id)) {
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
