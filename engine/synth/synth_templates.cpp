// The official DeepSeek chat templates, byte for byte as the publishers' tokenizer_config.json
// hold them (the same texts as tests/data/templates/deepseek-v2-lite-chat.jinja and
// deepseek-v3.jinja, where their sources are listed; tst_synth_tokenizer compares them).
#include "synth/synth_internal.h"

namespace dw::synth::detail {

// deepseek-ai/DeepSeek-V2-Lite-Chat and DeepSeek-V2-Chat (also DeepSeek LLM chat).
const char* const kDeepSeekV2Template =
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}"
    "{% endif %}{{ bos_token }}{% for message in messages %}{% if message['role'] == 'use"
    "r' %}{{ 'User: ' + message['content'] + '\\n\\n' }}{% elif message['role'] == 'assis"
    "tant' %}{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] "
    "== 'system' %}{{ message['content'] + '\\n\\n' }}{% endif %}{% endfor %}{% if add_ge"
    "neration_prompt %}{{ 'Assistant:' }}{% endif %}";

// deepseek-ai/DeepSeek-V3.
const char* const kDeepSeekV3Template =
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}"
    "{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true"
    ", system_prompt='', is_first_sp=true) %}{%- for message in messages %}{%- if message"
    "['role'] == 'system' %}{%- if ns.is_first_sp %}{% set ns.system_prompt = ns.system_p"
    "rompt + message['content'] %}{% set ns.is_first_sp = false %}{%- else %}{% set ns.sy"
    "stem_prompt = ns.system_prompt + '\n"
    "\n"
    "' + message['content'] %}{%- endif %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.syst"
    "em_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set "
    "ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if mess"
    "age['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = fal"
    "se -%}{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{'<｜Assista"
    "nt｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜"
    "tool▁sep｜>' + tool['function']['name'] + '\n"
    "' + '```json' + '\n"
    "' + tool['function']['arguments'] + '\n"
    "' + '```' + '<｜tool▁call▁end｜>'}}{%- set ns.is_first = true -%}{%- else %}{{"
    "'\n"
    "' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['func"
    "tion']['name'] + '\n"
    "' + '```json' + '\n"
    "' + tool['function']['arguments'] + '\n"
    "' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁"
    "sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}{%- if message['role'] == 'assis"
    "tant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<｜tool▁outputs"
    "▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool"
    " = false -%}{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁"
    "sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns"
    ".is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜"
    "tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%-"
    " set ns.is_output_first = false %}{%- else %}{{'\n"
    "<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}"
    "}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁en"
    "d｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant"
    "｜>'}}{% endif %}";

} // namespace dw::synth::detail
