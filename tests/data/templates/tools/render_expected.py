#!/usr/bin/env python3
"""Independent oracle for the chat-template tests.

Renders every tests/data/templates/<name>.jinja with jinja2 configured the way Hugging Face
transformers renders chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols; tojson = json.dumps(ensure_ascii=False); raise_exception; strftime_now), for a
fixed set of conversations, and writes:
  ../expected/<name>.<case>.expected   the rendered text (UTF-8, byte exact), or
  ../expected/<name>.<case>.error      the message of the exception the template raised;
  ../cases.json                        every case's inputs, read by tst_chat_template_golden;
  ../unit_cases.json                   small templates exercising one feature each, with
                                       jinja2's output, read by tst_chat_template (VARS below
                                       are mirrored by vars() there).

Usage: pip install jinja2 && python3 render_expected.py
"""
import datetime
import json
import os

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.dirname(HERE)
EXPECTED = os.path.join(TEMPLATES, "expected")

DS_BOS, DS_EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
TOKENS = {  # the special tokens each family's tokenizer_config.json declares
    "deepseek-v2-lite-chat": (DS_BOS, DS_EOS),
    "deepseek-v3": (DS_BOS, DS_EOS),
    "deepseek-r1": (DS_BOS, DS_EOS),
    "deepseek-r1-2025-01": (DS_BOS, DS_EOS),
    "deepseek-r1-distill-qwen-32b": (DS_BOS, DS_EOS),
    "qwen3": ("", "<|im_end|>"),
    "qwen2.5-instruct": ("", "<|im_end|>"),
    "chatml": ("", "<|im_end|>"),
    "gemma3-it": ("<bos>", "<eos>"),
    "llama3-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.1-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
}


def msg(role, content, reasoning=""):
    return {"role": role, "content": content, "reasoning_content": reasoning}


CONV = [
    msg("system", "You are a helpful assistant."),
    msg("user", "Hello!"),
    msg("assistant", "  Hi there! How can I help?  "),
    msg("user", "What is 2+2?"),
]
COMMON = {  # case -> (messages, options)
    "gen": (CONV, {}),
    "nogen": (CONV, {"add_generation_prompt": False}),
    "nosystem": (CONV[1:], {}),
    "think": ([
        msg("system", "Be brief."),
        msg("user", "Solve x+1=2."),
        msg("assistant", "<think>\nx is 1 because 2-1=1.\n</think>\n\nx = 1."),
        msg("user", "Thanks! And x+2=5?"),
    ], {}),
    "chinese": ([
        msg("system", "你是一个乐于助人的助手。"),
        msg("user", "你好，请介绍一下北京。"),
        msg("assistant", "北京是中国的首都，有三千多年的历史。"),
        msg("user", "上海呢？"),
    ], {}),
    "alternation": ([msg("user", "A"), msg("user", "B")], {}),
    "multisystem": ([msg("system", "S1"), msg("system", "S2"), msg("user", "U")], {}),
    "last_assistant": (CONV[:3], {"add_generation_prompt": False}),
    "empty_user": ([msg("user", "")], {}),
}
EXTRA = {  # template -> extra cases
    "qwen3": {
        "nothink": (CONV, {"enable_thinking": False}),
        "thinking_on": (CONV, {"enable_thinking": True}),
        "reasoning": ([msg("user", "Hi"), msg("assistant", "Hello!", "I should greet back.")],
                      {"add_generation_prompt": False}),
        "reasoning_history": ([msg("user", "Hi"), msg("assistant", "Hello!", "Greet."),
                               msg("user", "Bye")], {}),
    },
    "llama3.1-instruct": {"date": (CONV, {"date_string": "01 Jan 2025"})},
}


# Interpreter unit cases: one feature per row, rendered with these variables; `u` is never
# defined.
VARS = dict(s="Hello, World", n=3, zh="你好世界", d={"b": 1, "a": [1, 2]},
            msgs=[{"role": "system", "content": "S"}, {"role": "user", "content": "U1"}, {"role": "assistant", "content": "A1"}])
ROWS = {
 # whitespace control
 "ws lstrip+trim": "  {% if true %}\n  x\n  {% endif %}\n  y {{ 1 }}\n",
 "ws comment trim": "a\n{# c #}\nb",
 "ws comment lstrip": "  {# c #}\nb",
 "ws minus both": "a  {%- if true -%}  b  {%- endif -%}  c",
 "ws minus var": "a {{- ' x ' -}} b",
 "ws plus keeps lstrip": "  {%+ if true %}x{% endif %}",
 "ws plus keeps newline": "{% if true +%}\nx{% endif %}",
 "ws var no lstrip": "a\n  {{ 1 }}\n  b",
 "ws tab lstrip": "\t{% if true %}x{% endif %}",
 "ws not at line start": "a {% if true %}x{% endif %}",
 "ws crlf": "a\r\n{% if true %}\r\nb{% endif %}",
 "ws trailing newline": "text\n\n",
 "ws raw": "{% raw %}{{ not parsed }}{% endraw %}",
 "ws minus comment": "a  {#- c -#}  b",
 "ws block newline only once": "{% if true %}\n\nx{% endif %}",
 # expressions
 "arith precedence": "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 10 }} {{ -2 ** 2 }}",
 "floor div mod": "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7.5 // 2 }}",
 "true division": "{{ 3 / 2 }} {{ 4 / 2 }}",
 "floats": "{{ 0.1 + 0.2 }} {{ 1e100 }} {{ 1.5e-7 }} {{ 2.0 }} {{ 1e16 }} {{ 123456.789 }}",
 "concat tilde": "{{ 'a' ~ 1 ~ none ~ true ~ u }}",
 "string repeat": "{{ 'ab' * 3 }}{{ 2 * 'c' }}",
 "list concat": "{{ [1] + [2, 3] }}",
 "string literals": "{{ 'a' 'b' }} {{ \"it's\" }} {{ '\\u4f60\\x41\\t|' }}",
 "unary": "{{ -n }} {{ not n }} {{ +n }}",
 "comparisons": "{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 'a' < 'b' }}{{ n >= 3 }}{{ n != 3 }}",
 "equality": "{{ 1 == 1.0 }}{{ true == 1 }}{{ [1, 2] == [1, 2] }}{{ {'a': 1} == {'a': 1} }}{{ none == none }}{{ 'a' == 1 }}",
 "and or values": "{{ n and 'yes' }}|{{ 0 or 'fallback' }}|{{ '' and 'x' }}|",
 "in not in": "{{ 'ell' in s }}{{ 'x' not in s }}{{ 2 in [1, 2] }}{{ 'b' in d }}{{ 'z' in d }}{{ 'a' in u }}",
 "inline if": "{{ 'y' if n > 2 else 'n' }}[{{ 'y' if false }}]{{ 'a' if false else 'b' if true else 'c' }}",
 "literals": "{{ [1, 'a', none, true, 1.5] }} {{ (1,) }} {{ (1, 2) }} {{ () }} {{ {'k': 'v', 'n': [1]} }} {{ True }}{{ False }}{{ None }}",
 "string repr": "{{ [\"it's\", 'q\"', 'a\\nb'] }}",
 "percent operator": "{{ '%s-%s' % ('a', 'b') }} {{ '%05.1f' % 3.14159 }} {{ '%d%%' % 50 }}",
 # slicing and access
 "reverse slice": "{{ s[::-1] }}|{{ [1, 2, 3][::-1] }}",
 "slices": "{{ [1,2,3,4][1:3] }}{{ [1,2,3,4][::2] }}{{ [1,2,3,4][-2:] }}{{ [1,2,3,4][:-1] }}{{ [1,2,3,4][::-2] }}{{ [1,2,3][5:] }}{{ [1,2,3][-10:2] }}",
 "unicode slices": "{{ zh[1:3] }}|{{ zh[::-1] }}|{{ zh[-1] }}|{{ zh|length }}",
 "indexing": "{{ s[0] }}{{ s[-1] }}{{ [1,2][-1] }}{{ [1, 2][true] }}",
 "attr and item": "{{ d.b }}{{ d['a'][1] }}{{ d.a.1 }}{{ msgs[0]['content'] }}{{ msgs[1].role }}{{ msgs[::-1][0].role }}",
 # loops
 "loop vars": "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
 "loop prev next": "{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}",
 "loop filter": "{% for x in [1,2,3,4] if x is even %}{{ loop.index }}:{{ x }} {% endfor %}",
 "loop else": "{% for x in [] %}a{% else %}empty{% endfor %}",
 "loop unpack": "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
 "loop controls": "{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
 "nested loops": "{% for a in [1,2] %}{% for b in 'xy' %}{{ loop.index }}{{ b }}{% endfor %}{{ loop.index }}{% endfor %}",
 "loop scope": "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }}{% endfor %}{{ x }}",
 "if no scope": "{% if true %}{% set y = 2 %}{% endif %}{{ y }}",
 "loop over undefined": "{% for x in u %}x{% endfor %}|",
 # set / namespace / macro
 "namespace set": "{% set ns = namespace(count=0, names=[]) %}{% for m in msgs %}{% set ns.count = ns.count + 1 %}{% set ns.names = ns.names + [m.role] %}{% endfor %}{{ ns.count }} {{ ns.names|join(',') }}",
 "namespace repr": "{{ namespace(a=1) }}",
 "namespace from dict": "{% set ns = namespace(d) %}{{ ns.b }}",
 "set tuple": "{% set a, b = [1, 2] %}{{ a }}{{ b }}",
 "set block": "{% set x %}in{{ n }}{% endset %}[{{ x }}]",
 "set shadows context": "{% set s = s ~ '!' %}{{ s }}",
 "macro": "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }}",
 # filters
 "filter trim": "[{{ '  x \\n'|trim }}][{{ 'xxaxx'|trim('x') }}][{{ '\\u3000a\\u3000'|trim }}]",
 "filter length": "{{ s|length }}{{ zh|length }}{{ msgs|length }}{{ d|length }}{{ u|length }}{{ s|count }}",
 "filter tojson": "{{ d|tojson }} {{ zh|tojson }} {{ {'a': [1, 2.5, none, true, 'q\"\\\\\\n']}|tojson }}",
 "filter tojson indent": "{{ d|tojson(indent=2) }}",
 "filter tojson options": "{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}{{ [] | tojson }}{{ {} | tojson }}{{ zh|tojson(ensure_ascii=true) }}{{ [1, 2]|tojson(separators=(',', ':')) }}",
 "filter join": "{{ [1, 'a', none]|join('-') }}|{{ msgs|join(', ', attribute='role') }}|{{ 'abc'|join('.') }}",
 "filter select reject": "{{ ['a','b','a']|reject('equalto','a')|list }}{{ [1,2,3,4]|select('odd')|list }}{{ [0, 1, '', 'x']|select|list }}",
 "filter selectattr": "{{ msgs|selectattr('role', 'equalto', 'user')|list|length }}{{ msgs|rejectattr('role', 'equalto', 'user')|map(attribute='content')|list }}",
 "filter string": "{{ [1, 'a']|string }}{{ none|string }}{{ 1.0|string }}",
 "filter case": "{{ s|lower }} {{ s|upper }} {{ 'hello world'|title }} {{ 'hELLO'|capitalize }}",
 "filter default": "{{ u|default('dflt') }}{{ ''|default('e', true) }}{{ ''|default('e') }}|{{ s|d('x') }}",
 "filter first last": "{{ [1, 2]|first }}{{ [1, 2]|last }}{{ 'ab'|first }}{{ 'ab'|last }}",
 "filter list items": "{{ 'ab'|list }}{{ d|items|list }}{{ d|dictsort }}",
 "filter sort": "{{ [3, 1, 2]|sort }}{{ ['b', 'A', 'c']|sort }}{{ [3,1,2]|sort(reverse=true) }}{{ msgs|sort(attribute='role')|map(attribute='role')|join(',') }}",
 "filter unique reverse": "{{ [1, 2, 1]|unique|list }}{{ 'abc'|reverse }}{{ [1, 2]|reverse|list }}",
 "filter map": "{{ [1, 2]|map('string')|join }}{{ ['a', 'b']|map('upper')|list }}",
 "filter numbers": "{{ '42'|int + 1 }} {{ 'x'|int }} {{ 3.9|int }} {{ '2.5'|float }} {{ 2|float }} {{ -5|abs }} {{ -2.5|abs }}",
 "filter round": "{{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }}",
 "filter sum min max": "{{ [1, 2, 3]|sum }}{{ [1, 2, 3]|min }}{{ [1, 2, 3]|max }}{{ ['b', 'a']|min }}{{ [1.5, 2]|sum }}",
 "filter replace": "{{ s|replace('l', 'L') }} {{ s|replace('l', 'L', 1) }}",
 "filter format indent": "{{ '%s=%d'|format('x', 3) }}|{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}",
 "filter safe attr": "{{ s|safe }}{{ d|attr('b') }}",
 # tests
 "test defined none": "{{ u is defined }}{{ n is defined }}{{ u is undefined }}{{ none is none }}{{ n is not none }}",
 "test types": "{{ s is string }}{{ n is string }}{{ n is number }}{{ 1.5 is number }}{{ true is number }}{{ n is integer }}{{ true is integer }}{{ 1.5 is float }}{{ true is boolean }}{{ 1 is boolean }}",
 "test true false": "{{ true is true }}{{ 1 is true }}{{ false is false }}{{ '' is false }}{{ 0 is false }}{{ false is not true }}",
 "test containers": "{{ d is mapping }}{{ msgs is mapping }}{{ s is iterable }}{{ msgs is iterable }}{{ n is iterable }}{{ msgs is sequence }}{{ n is sequence }}",
 "test numbers": "{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}",
 "test comparisons": "{{ 1 is eq 1 }}{{ 1 is equalto 2 }}{{ 2 is gt 1 }}{{ 1 is le 1 }}{{ 'a' is in 'abc' }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ range is callable }}{{ n is callable }}",
 # methods
 "method startswith": "{{ s.startswith('Hell') }}{{ s.startswith(('x', 'He')) }}{{ s.endswith('!') }}{{ s.endswith('ld') }}",
 "method split": "{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ ' a b c '.split(none, 1) }}{{ zh.split('好') }}",
 "method strip": "[{{ '  x  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '  x  '.lstrip() }}][{{ '  x  '.rstrip() }}][{{ '\\n\\nx\\n'.lstrip('\\n') }}]",
 "method case replace": "{{ s.replace('o', '0') }} {{ s.upper() }} {{ s.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }}",
 "method find count join": "{{ s.find('o') }}{{ s.rfind('o') }}{{ s.find('z') }}{{ s.count('l') }}{{ '-'.join(['a', 'b']) }}{{ zh.find('世') }}",
 "method dict": "{{ d.get('b') }}{{ d.get('zz', 'def') }}{{ d.get('zz') }}{{ d.keys()|list }}{{ d.values()|list }}{{ d.items()|list }}",
 "method predicates": "{{ '12'.isdigit() }}{{ 'ab'.isalpha() }}{{ 'a1'.isdigit() }}{{ ' '.isspace() }}",
 "think split": "{% set c = 'r1\\n</think>\\n\\nans' %}[{{ c.split('</think>')[-1] }}][{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}][{{ c.split('</think>')[-1].lstrip('\\n') }}]",
 # globals
 "globals range dict": "{{ range(3)|list }}{{ range(1, 7, 2)|list }}{{ range(3, 0, -1)|list }}{{ dict(a=1) }}",
 # undefined
 "undefined prints empty": "[{{ u }}]",
 "undefined falsy": "{% if u %}t{% else %}f{% endif %}{% if not u %}!{% endif %}",
 "undefined equality": "{{ u == u }}{{ u == none }}{{ u != 1 }}",
 "undefined missing key": "{{ d.zz is defined }}[{{ d.zz }}][{{ d['zz'] }}]{{ msgs[10] is defined }}[{{ s.nope }}]",
 "undefined concat": "{{ 'a' ~ u ~ 'b' }}{% if u is not defined %}undef{% endif %}",
}

def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def strftime_now(fmt):
        return datetime.datetime.now().strftime(fmt)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def context(messages, options, bos, eos):
    # Mirrors dw::ChatTemplate::render: reasoning_content only when non-empty, enable_thinking
    # only when set, tools never defined.
    ctx = {
        "messages": [{k: v for k, v in m.items() if k != "reasoning_content" or v}
                     for m in messages],
        "add_generation_prompt": options.get("add_generation_prompt", True),
        "bos_token": bos,
        "eos_token": eos,
        "date_string": options.get("date_string", "26 Jul 2024"),
    }
    if "enable_thinking" in options:
        ctx["enable_thinking"] = options["enable_thinking"]
    return ctx


def main():
    env = make_env()
    os.makedirs(EXPECTED, exist_ok=True)
    for f in os.listdir(EXPECTED):
        os.remove(os.path.join(EXPECTED, f))
    cases = []
    for name in sorted(TOKENS):
        with open(os.path.join(TEMPLATES, name + ".jinja"), encoding="utf-8", newline="") as f:
            template = env.from_string(f.read())
        bos, eos = TOKENS[name]
        for case, (messages, options) in list(COMMON.items()) + list(EXTRA.get(name, {}).items()):
            ctx = context(messages, options, bos, eos)
            try:
                text, kind = template.render(**ctx), "expected"
            except jinja2.exceptions.TemplateError as e:
                text, kind = str(e), "error"
            out = os.path.join(EXPECTED, "%s.%s.%s" % (name, case, kind))
            with open(out, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            cases.append({
                "template": name, "case": case, "result": kind,
                "messages": messages,
                "add_generation_prompt": ctx["add_generation_prompt"],
                "bos_token": bos, "eos_token": eos, "date_string": ctx["date_string"],
                **({"enable_thinking": options["enable_thinking"]}
                   if "enable_thinking" in options else {}),
            })
    with open(os.path.join(TEMPLATES, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"jinja2_version": jinja2.__version__, "cases": cases}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print("%d cases written" % len(cases))

    units = []
    for name, source in ROWS.items():
        units.append({"name": name, "template": source,
                      "expected": env.from_string(source).render(**VARS)})
    with open(os.path.join(TEMPLATES, "unit_cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"jinja2_version": jinja2.__version__, "cases": units}, f, ensure_ascii=False,
                  indent=1)
        f.write("\n")
    print("%d unit cases written" % len(units))


if __name__ == "__main__":
    main()
