// dw::ChatTemplate: parses a model's chat template once and renders it per request with the
// variables Hugging Face's apply_chat_template provides (ENGINE_FACTS 6 and 6.1).
#include "deepwell/chat_template.h"

#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"

namespace dw {

struct ChatTemplate::Impl {
    std::string source;
    jinja::Body body;
};

ChatTemplate::ChatTemplate(const std::string& source) : m(std::make_unique<Impl>()) {
    m->source = source;
    m->body = jinja::parseTemplate(source);
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

const std::string& ChatTemplate::source() const {
    return m->source;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                 const ChatTemplateOptions& options) const {
    using jinja::Value;
    jinja::Dict ctx = jinja::builtinGlobals();
    jinja::List list;
    for (const ChatMessage& msg : messages) {
        jinja::Dict d;
        d.set("role", Value(msg.role));
        d.set("content", Value(msg.content));
        if (!msg.reasoningContent.empty()) d.set("reasoning_content", Value(msg.reasoningContent));
        list.push_back(Value::dict(std::move(d)));
    }
    ctx.set("messages", Value::list(std::move(list)));
    ctx.set("add_generation_prompt", Value(options.addGenerationPrompt));
    ctx.set("bos_token", Value(options.bosToken));
    ctx.set("eos_token", Value(options.eosToken));
    ctx.set("date_string", Value(options.dateString));
    if (options.enableThinking) ctx.set("enable_thinking", Value(*options.enableThinking));
    // `tools` stays undefined: templates test `tools is defined` / `if tools`.
    jinja::Evaluator ev(std::move(ctx), jinja::Limits{});
    return ev.render(m->body);
}

} // namespace dw
