#!/usr/bin/env python3
"""Golden token ids of the real Gemma 3 vocabulary, from an INDEPENDENT tokenizer.

Reads tokens / scores / token types from the GGUF (gguf_meta.py, our own small reader),
builds a SentencePiece ModelProto of BPE type from them and encodes fixed strings with the
`sentencepiece` library (pip install sentencepiece protobuf). Output:
tests/data/tokenizer/gemma3_golden.json.

Model proto settings (mirroring what llama.cpp's SPM path does for a Gemma GGUF):
  * model_type BPE, byte_fallback on, the 256 <0xXX> pieces typed BYTE;
  * normalizer "identity": no NFKC, no dummy prefix (Gemma writes add_space_prefix = false),
    no removal of extra whitespace, spaces escaped to U+2581;
  * piece types copied from the GGUF (CONTROL / USER_DEFINED / BYTE / NORMAL). The GGUF
    stores Gemma's user-defined whitespace pieces with real spaces ("  "); SentencePiece
    matches user-defined pieces AFTER escaping spaces, so those pieces get U+2581 here.
  * SentencePiece needs exactly one UNKNOWN piece: <unk> (id 3, CONTROL in the GGUF).
Control tokens in text ("parse special"): SentencePiece never produces control pieces from
text, so for parse_special rows the text is first cut on CONTROL/UNKNOWN token texts,
longest first (ENGINE_FACTS 5.1), and each raw piece is encoded separately.

Usage: make_gemma_golden.py [model.gguf] (default ~/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf)
"""
import json
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

import gguf_meta

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "gemma3_golden.json")

CASES = [
    # (name, text, parse_special, add_bos)
    ("english", "Hello, world! This is a test of the Gemma tokenizer.", False, False),
    ("english_numbers",
     "The quick brown fox jumps over the lazy dog. It's 3:45 p.m. on 2024-05-17, "
     "and we've got 1,234,567 reasons.", False, False),
    ("english_bos", "Hello world", False, True),
    ("chinese", "你好，世界！今天天气很好。我们来测试中文分词。", False, False),
    ("japanese_korean", "日本語のテキストと한국어 텍스트를 섞었습니다.", False, False),
    ("rare_cjk_byte_fallback", "𠀀𪚥𰀀 \x01\x7f", False, False),
    ("accents_punctuation", "Ça va? naïve café — “quotes” – ‘single’ … Straße", False, False),
    ("code_python",
     "def add(a, b):\n    return a + b\n\n\nclass Foo:\n\tdef bar(self):\n\t\tx = [i * 2 for i in"
     " range(10)]  # comment\n\t\treturn {'k': x}\n", False, False),
    ("code_cpp", "int main() {\n  for (int i = 0; i < 10; ++i) {\n    std::cout << i;\n  }\n}",
     False, False),
    ("emoji", "I love 🦀 and 🐍! 👩‍💻 🏳️‍🌈 😀😀 ❤️", False, False),
    ("leading_spaces", "   leading spaces", False, False),
    ("single_leading_space", " x", False, False),
    ("repeated_spaces", "a  b   c    d" + " " * 40 + "e", False, False),
    ("trailing_spaces", "end   ", False, False),
    ("tabs_and_spaces", "\t \t  x\t\t\ty", False, False),
    ("newlines", "line one\nline two\n\n\nline three\r\nlast\n", False, False),
    ("only_space", " ", False, False),
    ("empty", "", False, False),
    ("empty_bos", "", False, True),
    ("numbers", "3.14159 1000000 0x1F 1e-9 42", False, False),
    ("html_user_defined", "<b>bold</b> and <table><tr><td>x</td></tr></table>", False, False),
    ("special_parsed", "<start_of_turn>user\nHello there<end_of_turn>\n<start_of_turn>model\n",
     True, False),
    ("special_not_parsed", "<start_of_turn>user\nHello there<end_of_turn>\n<start_of_turn>model\n",
     False, False),
    ("special_eos_parsed", "text<eos>more<bos>", True, False),
    ("special_eos_not_parsed", "text<eos>more<bos>", False, False),
    ("long_paragraph",
     "Deepwell runs large language models locally. It reads GGUF files, maps their weights "
     "into memory and tokenizes the prompt with the model's own vocabulary; then it runs the "
     "forward pass on the CPU or on one GPU, samples the next token and streams the text back "
     "to the user interface, which never blocks.", False, False),
]

TYPE_MAP = {1: pb.ModelProto.SentencePiece.NORMAL, 2: pb.ModelProto.SentencePiece.UNKNOWN,
            3: pb.ModelProto.SentencePiece.CONTROL, 4: pb.ModelProto.SentencePiece.USER_DEFINED,
            5: pb.ModelProto.SentencePiece.UNUSED, 6: pb.ModelProto.SentencePiece.BYTE,
            0: pb.ModelProto.SentencePiece.NORMAL}


def build_processor(meta):
    tokens = meta["tokenizer.ggml.tokens"]
    scores = meta["tokenizer.ggml.scores"]
    types = meta["tokenizer.ggml.token_type"]
    unk = meta.get("tokenizer.ggml.unknown_token_id", 0)
    proto = pb.ModelProto()
    proto.trainer_spec.model_type = pb.TrainerSpec.BPE
    proto.trainer_spec.vocab_size = len(tokens)
    proto.trainer_spec.byte_fallback = True
    proto.trainer_spec.unk_id = unk
    proto.trainer_spec.bos_id = meta.get("tokenizer.ggml.bos_token_id", -1)
    proto.trainer_spec.eos_id = meta.get("tokenizer.ggml.eos_token_id", -1)
    proto.trainer_spec.pad_id = meta.get("tokenizer.ggml.padding_token_id", -1)
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    for i, (text, score, ty) in enumerate(zip(tokens, scores, types)):
        piece = proto.pieces.add()
        sp_type = TYPE_MAP[ty]
        if i == unk:
            sp_type = pb.ModelProto.SentencePiece.UNKNOWN
        if sp_type == pb.ModelProto.SentencePiece.USER_DEFINED:
            text = text.replace(" ", "\u2581")
        piece.piece = text
        piece.score = score
        piece.type = sp_type
    return spm.SentencePieceProcessor(model_proto=proto.SerializeToString())


def partition_special(text, specials):
    """ENGINE_FACTS 5.1: cut every occurrence of each special text, longest first.
    Returns a list of ints (token ids) and strs (raw text)."""
    frags = [text]
    for tok_text, tok_id in specials:
        out = []
        for f in frags:
            if not isinstance(f, str):
                out.append(f)
                continue
            pos = 0
            while True:
                hit = f.find(tok_text, pos)
                if hit < 0:
                    break
                if hit > pos:
                    out.append(f[pos:hit])
                out.append(tok_id)
                pos = hit + len(tok_text)
            if pos < len(f):
                out.append(f[pos:])
        frags = out
    return frags


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
        "~/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf")
    meta = gguf_meta.read_metadata(path)
    sp = build_processor(meta)
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta["tokenizer.ggml.token_type"]
    specials = sorted(((t, i) for i, (t, ty) in enumerate(zip(tokens, types))
                       if ty in (2, 3) and t), key=lambda p: (-len(p[0].encode()), p[1]))
    bos = meta["tokenizer.ggml.bos_token_id"]
    rows = []
    for name, text, parse_special, add_bos in CASES:
        frags = partition_special(text, specials) if parse_special else [text]
        ids = [bos] if add_bos else []
        for f in frags:
            ids.extend([f] if isinstance(f, int) else sp.encode(f))
        rows.append({"name": name, "text": text, "parseSpecial": parse_special,
                     "addSpecial": add_bos, "ids": ids,
                     "pieces": [tokens[i] for i in ids]})
    doc = {"model": os.path.basename(path), "nVocab": len(tokens),
           "generator": "tests/data/tokenizer/tools/make_gemma_golden.py (sentencepiece "
                        + spm.__version__ + ")",
           "cases": rows}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(rows)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
