#include "deepwell/chat_template.h"
#include "deepwell/generate.h"

namespace dw {

std::vector<int32_t> chatPromptTokens(const Model& model, const std::vector<ChatMessage>& messages,
                                      bool addGenerationPrompt) {
    const Tokenizer& tok = model.tokenizer();
    const ChatTemplate tmpl(model.chatTemplate());
    ChatTemplateOptions opt;
    opt.addGenerationPrompt = addGenerationPrompt;
    if (tok.bos() >= 0) opt.bosToken = tok.tokenText(tok.bos());
    if (tok.eos() >= 0) opt.eosToken = tok.tokenText(tok.eos());
    const std::string text = tmpl.render(messages, opt);
    const bool templateHasBos = !opt.bosToken.empty() && text.rfind(opt.bosToken, 0) == 0;
    auto ids = tok.encode(text, false, true);
    if (tok.addBos() && !templateHasBos && tok.bos() >= 0) ids.insert(ids.begin(), tok.bos());
    return ids;
}

} // namespace dw
