#!/usr/bin/env python3
"""Golden data for the byte-level BPE tokenizer and its pre-tokenizers.

1. pretok_golden.json: the pieces each pre-tokenizer regex list (pretok_patterns.py,
   ENGINE_FACTS 5.4) cuts tricky strings into, computed with Python's `regex` module
   (pip install regex). Lists are applied in sequence; every regex splits each current
   piece into its matches and the gaps between them.
2. tiny_bpe_golden.json: a tiny hand-made GPT-2 style vocabulary (256 byte symbols, a few
   merges, special tokens) and the ids the HF `tokenizers` library (pip install tokenizers)
   gives for fixed strings under each pre-tokenizer: BPE model built from the same vocab
   and merges, pre-tokenizer = the same regex list as Split(behavior="isolated") steps
   followed by ByteLevel(use_regex=False). Special tokens are cut out first by our own
   longest-first partition (ENGINE_FACTS 5.1) and each raw piece is encoded by HF.
"""
import json
import os

import regex
import tokenizers
from tokenizers import Regex, Tokenizer, models, pre_tokenizers

from pretok_patterns import PATTERNS

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, ".."))

TRICKY = [
    ("contractions", "I'm sure you'll see it's John's; DON'T we'd've THEY'RE o'clock"),
    ("numbers", "1 12 123 1234 12345 3.14 1,000,000 -42 x2y34z 007"),
    ("cjk", "你好世界，こんにちは。カタカナ 한국어 텍스트 中文English混合"),
    ("punctuation_runs", "Hello!!! What?! ... --- ((x)) {}[]<> a->b :: ;;"),
    ("whitespace_before_words", "a   b\t\tc  \n  d     e"),
    ("newlines", "line1\nline2\r\n\r\n\n\nend\n"),
    ("emoji", "👋🏽 hi 🇩🇪 ❤️ 🤖! ok👍"),
    ("accents", "naïve café Ångström ŒUVRE Straße résumé"),
    ("combining_marks", "e\u0301te\u0301 a\u0300 n\u0303o"),
    ("operators", "x=1+2; y==3 && z!=4 || w<=5 ^ ~a | b $10 @user #tag `code` \\path"),
    ("greek_cyrillic_letterlike", "Ωμέγα ἄλφα \u1f7d\u1fbe \u2126 \u212a Привет ΚΩΝ \u2102"),
    ("trailing_whitespace", "end   "),
    ("only_spaces", "   "),
    ("unicode_spaces", "a\u00a0b\u3000c\u2009d \u2028e\x85f\x0bg"),
    # U+180E is not White_Space (PCRE2's own UCP \s would take it).
    ("mongolian_vowel_separator", "a\u180eb !\u180e! \u180e x"),
    ("code", "def f(x):\n\treturn x**2  # square\n\n    if a:\n        pass\n"),
    ("fullwidth", "ＡＢＣ！１２３？　ｘｙｚ"),
    ("mixed_scripts", "GPT-4o's 128k-token context: 日本語OK?"),
]


def split(pre, text):
    pieces = [text]
    for pattern in PATTERNS[pre]:
        rx = regex.compile(pattern)
        out = []
        for piece in pieces:
            pos = 0
            for m in rx.finditer(piece):
                if m.start() == m.end():
                    continue
                if m.start() > pos:
                    out.append(piece[pos:m.start()])
                out.append(m.group())
                pos = m.end()
            if pos < len(piece):
                out.append(piece[pos:])
        pieces = out
    return pieces


# GPT-2 byte <-> unicode alphabet, written from ENGINE_FACTS 5.3.
def byte_alphabet():
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, nxt = {}, 0x100
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(nxt)
            nxt += 1
    return table


ALPHA = byte_alphabet()


def mapped(s):
    return "".join(ALPHA[b] for b in s.encode("utf-8"))


# Merges as raw-text pairs, in rank order.
RAW_MERGES = [
    (" ", "t"), ("h", "e"), (" t", "he"), ("i", "n"), (" ", "a"), (" a", "n"), (" an", "d"),
    ("l", "l"), ("e", "ll"), ("h", "ell"), ("hell", "o"), (" ", "w"), ("o", "r"),
    (" w", "or"), ("l", "d"), (" wor", "ld"), ("1", "2"), ("12", "3"), ("\n", "\n"),
    (" ", " "), ("  ", "  "), ("'", "s"), ("b", "c"), ("a", "b"), ("a", "a"),
    ("\xe4", "\xbd"), ("c", "a"), ("ca", "f"),
    (" ", "h"), (" h", "ell"), (" hell", "o"),
]


def build_vocab():
    tokens = [ALPHA[b] for b in range(256)]
    types = [1] * 256
    merges = []
    # Multi-byte characters are merged byte by byte; the raw pairs above name whole strings,
    # plus the UTF-8 pieces of 你 (E4 BD A0), 好 (E5 A5 BD) and é (C3 A9).
    byte_merges = [(b"\xe4\xbd", b"\xa0"), (b"\xe5", b"\xa5"), (b"\xe5\xa5", b"\xbd"),
                   ("你".encode(), "好".encode()), (b"\xc3", b"\xa9"), (b"caf", "é".encode())]
    pairs = []
    for a, b in RAW_MERGES:
        if a == "\xe4":
            pairs.append((b"\xe4", b"\xbd"))
        else:
            pairs.append((a.encode(), b.encode()))
    pairs += byte_merges
    for a, b in pairs:
        ma = "".join(ALPHA[x] for x in a)
        mb = "".join(ALPHA[x] for x in b)
        merges.append(ma + " " + mb)
        if ma + mb not in tokens:
            tokens.append(ma + mb)
            types.append(1)
    # A token no merge reaches: only ignore_merges (llama-bpe) can emit it whole.
    tokens.append(mapped(" xyz"))
    types.append(1)
    specials = [("<|endoftext|>", 3), ("<|im_end|>", 3), ("<tool>", 4), ("<|im", 4)]
    for text, ty in specials:
        tokens.append(text)
        types.append(ty)
    return tokens, types, merges


def partition(text, tokens, types, parse_special):
    specials = sorted(((t, i) for i, (t, ty) in enumerate(zip(tokens, types))
                       if ty == 4 or (parse_special and ty in (2, 3))),
                      key=lambda p: (-len(p[0].encode()), p[1]))
    frags = [text]
    for tok_text, tok_id in specials:
        out = []
        for f in frags:
            if not isinstance(f, str):
                out.append(f)
                continue
            pos = 0
            while (hit := f.find(tok_text, pos)) >= 0:
                if hit > pos:
                    out.append(f[pos:hit])
                out.append(tok_id)
                pos = hit + len(tok_text)
            if pos < len(f):
                out.append(f[pos:])
        frags = out
    return frags


BPE_CASES = [
    ("words", "the hello world and the end", False),
    ("hello_variants", "hello hello hell helloo Hello", False),
    ("numbers", "1 12 123 1234 12345 123123", False),
    ("rank_order", "abc aaa aaaa ab bc", False),
    ("whitespace", "the  and   world\n\n\nx    y\t\tz", False),
    ("cjk_and_accents", "你好 你 好 café cafe", False),
    ("contractions", "it's the world's 's", False),
    ("ignore_merges", " xyz xyz  xyz", False),
    ("emoji", "👋 the 🤖", False),
    ("special_parsed", "<|endoftext|>the<tool>and<|im_end|> <|im", True),
    ("special_not_parsed", "<|endoftext|>the<tool>and<|im_end|> <|im", False),
    ("empty", "", False),
]


def hf_tokenizer(pre, vocab, merges):
    bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges],
                     ignore_merges=(pre == "llama-bpe"))
    tk = Tokenizer(bpe)
    steps = [pre_tokenizers.Split(Regex(p), behavior="isolated") for p in PATTERNS[pre]]
    steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False))
    tk.pre_tokenizer = pre_tokenizers.Sequence(steps)
    return tk


def main():
    pretok = {"generator": "tests/data/tokenizer/tools/make_bpe_golden.py (regex "
                           + regex.__version__ + ")",
              "cases": []}
    for pre in PATTERNS:
        for name, text in TRICKY:
            pretok["cases"].append({"pre": pre, "name": name, "text": text,
                                    "pieces": split(pre, text)})
    with open(os.path.join(DATA, "pretok_golden.json"), "w", encoding="utf-8") as f:
        json.dump(pretok, f, ensure_ascii=False, indent=1)
        f.write("\n")

    tokens, types, merges = build_vocab()
    vocab = {t: i for i, t in enumerate(tokens)}
    cases = []
    for pre in PATTERNS:
        tk = hf_tokenizer(pre, vocab, merges)
        for name, text, parse_special in BPE_CASES:
            ids = []
            for frag in partition(text, tokens, types, parse_special):
                if isinstance(frag, int):
                    ids.append(frag)
                else:
                    ids.extend(tk.encode(frag, add_special_tokens=False).ids)
            # Independent check of the split itself against the regex module.
            cases.append({"pre": pre, "name": name, "text": text, "parseSpecial": parse_special,
                          "ids": ids})
    doc = {"generator": "tests/data/tokenizer/tools/make_bpe_golden.py (tokenizers "
                        + tokenizers.__version__ + ")",
           "tokens": tokens, "types": types, "merges": merges, "cases": cases}
    with open(os.path.join(DATA, "tiny_bpe_golden.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(pretok['cases'])} split cases, {len(cases)} encode cases, "
          f"{len(tokens)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
