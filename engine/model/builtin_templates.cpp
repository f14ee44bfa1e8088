// The chat format used when a model file carries no chat template. Files without one are
// base (pre-trained) models: they never saw turn tokens (for Gemma 3 270M the turn tokens
// give degenerate logits), but they continue a plain transcript well. So the conversation is
// rendered as "User: ... / Assistant: ..." text and generation stops at the next "User:".
#include "model/builtin_templates.h"

namespace dw::model {

const char* transcriptChatTemplate() {
    return R"TPL({%- if messages and messages[0]['role'] == 'system' -%}
{{ bos_token }}{{ messages[0]['content'] | trim }}

{% set turns = messages[1:] -%}
{%- else -%}
{{ bos_token }}A conversation between a user and a helpful, knowledgeable assistant.

{% set turns = messages -%}
{%- endif -%}
{%- for m in turns -%}
{%- if m['role'] == 'user' -%}
User: {{ m['content'] | trim }}
{% else -%}
Assistant: {{ m['content'] | trim }}
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
Assistant:
{%- endif -%})TPL";
}

const std::vector<std::string>& transcriptStopStrings() {
    static const std::vector<std::string> stops = {"\nUser:"};
    return stops;
}

} // namespace dw::model
