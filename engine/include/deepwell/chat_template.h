#pragma once
// Renders a model's own `tokenizer.chat_template` (a Jinja template) with a small interpreter
// of the Jinja subset that real templates use (../shared/reference/ENGINE_FACTS.md 6.1).
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dw {

struct ChatMessage {
    std::string role;             // "system", "user", "assistant", "tool"
    std::string content;
    std::string reasoningContent; // optional (Qwen3 reasoning_content); empty = absent
};

struct ChatTemplateOptions {
    bool addGenerationPrompt = true;
    std::string bosToken;
    std::string eosToken;
    std::optional<bool> enableThinking; // Qwen3 `enable_thinking`; nullopt = undefined
    std::string dateString = "26 Jul 2024"; // Llama 3.1+ `date_string`
};

class ChatTemplate {
public:
    // Parses the template. Throws dw::Error(ErrorCode::Template) whose message names the
    // construct and its position ("line 3, column 14: unsupported filter 'wordcount'").
    explicit ChatTemplate(const std::string& source);
    ~ChatTemplate();
    ChatTemplate(ChatTemplate&&) noexcept;
    ChatTemplate& operator=(ChatTemplate&&) noexcept;

    // Renders; throws dw::Error(Template) on runtime errors, including raise_exception(msg)
    // from the template itself (the message carries msg).
    std::string render(const std::vector<ChatMessage>& messages,
                       const ChatTemplateOptions& options) const;

    const std::string& source() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

} // namespace dw
