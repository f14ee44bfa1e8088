#pragma once
// A completion on one Context: prefill the prompt, then sample token by token, stream text
// (never a broken UTF-8 sequence, never the text of a stop string) until an end-of-generation
// token, a stop string, the token limit or the caller's cancellation.
#include "deepwell/chat_template.h"
#include "deepwell/model.h"
#include "deepwell/sampler.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

struct GenerateOptions {
    int maxTokens = 256;            // < 0: until the context is full
    std::vector<std::string> stop;  // stop strings (not included in the output)
    SamplingParams sampling;
    bool renderSpecial = false;     // print control tokens' text
    bool ignoreEos = false;         // keep generating past end-of-generation tokens (benchmarks)
};

enum class FinishReason { Stop, Length, Cancelled, Error };
const char* finishReasonName(FinishReason r);

struct GenerateResult {
    FinishReason reason = FinishReason::Stop;
    std::string text;
    std::vector<int32_t> tokens;    // generated ids (the stop token excluded)
    int64_t promptTokens = 0;
    double prefillSeconds = 0.0;
    double decodeSeconds = 0.0;
    double firstTokenSeconds = 0.0; // from the start to the first generated token
};

// The token ids of a conversation rendered with the model's chat template (its own, or the
// transcript format for files without one): special tokens parsed, BOS added only when the
// template did not write it (ENGINE_FACTS 10.11). Throws Error(Template) from the template.
std::vector<int32_t> chatPromptTokens(const Model& model, const std::vector<ChatMessage>& messages,
                                      bool addGenerationPrompt = true);

// onText receives each newly safe piece of text; returning false cancels.
GenerateResult generate(Context& ctx, const std::vector<int32_t>& prompt,
                        const GenerateOptions& options,
                        const std::function<bool(std::string_view)>& onText = {});

} // namespace dw
