#include "tokenizer/eog.h"

#include <algorithm>
#include <string_view>

namespace dw::tok {

namespace {

// Texts llama.cpp (34af94c) treats as end of generation.
constexpr std::string_view kEogTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<|return|>",
    "<|call|>",
    "</s>",
    "<eos>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81"
    "of\xE2\x96\x81"
    "sentence\xEF\xBD\x9C>", // <｜end▁of▁sentence｜>
    "[EOT]",
    "[EOS]",
    "<|flush|>",
    "<|calls|>",
    "<turn|>",
    "<|tool_response>",
    "[e~[",
};

} // namespace

std::vector<int32_t> findEogIds(const Vocab& vocab) {
    std::vector<int32_t> ids;
    for (const int32_t id : {vocab.data().eos, vocab.data().eot, vocab.data().eom})
        if (id >= 0) ids.push_back(id);
    // Deliberate difference from llama.cpp: a text match counts only for tokens that are not
    // USER_DEFINED/BYTE. llama.cpp retypes such a token to CONTROL and stops on it, which
    // for Gemma 3 would make the HTML tag "</s>" (user-defined id 212) end generation; HF's
    // Gemma 3 generation config stops on <eos> and <end_of_turn> only.
    bool hasReturn = false, hasCall = false;
    int32_t endId = -1;
    for (const std::string_view text : kEogTexts) {
        const int32_t id = vocab.find(text);
        if (id < 0) continue;
        const TokenType t = vocab.type(id);
        if (t == TokenType::UserDefined || t == TokenType::Byte) continue;
        if (text == "<|return|>") hasReturn = true;
        if (text == "<|call|>") hasCall = true;
        if (text == "<|end|>") {
            endId = id;
            continue;
        }
        ids.push_back(id);
    }
    // gpt-oss (harmony format): <|end|> closes a message, not the turn, when <|return|> and
    // <|call|> exist.
    if (endId >= 0 && !(hasReturn && hasCall)) ids.push_back(endId);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

} // namespace dw::tok
