#!/usr/bin/env python3
"""Golden data from an independent engine: llama.cpp (through the PyPI package
llama-cpp-python, built from source here) on the default model, Gemma 3 270M Q4_K_M.

For each prompt: the prompt's token ids (BOS added), llama.cpp's greedy continuation, and at
every position of prompt + continuation the top-5 (id, logit) pairs. tst_real_model replays
the same token sequence through Deepwell and checks that its greedy choice agrees wherever
llama.cpp's own choice is not a near-tie.

  pip install llama-cpp-python==0.3.36   (builds llama.cpp; ~15 min on 2 cores)
  python3 tests/data/llamacpp/tools/make_gemma_golden.py ~/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf
"""
import json
import os
import sys

import llama_cpp
import numpy as np

PROMPTS = [
    "The capital of France is",
    "Question: What is the capital of France?\nAnswer:",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune,",
    "def fibonacci(n):\n    ",
    "北京是中国的",
]
N_GEN = 24


def main():
    path = sys.argv[1]
    llm = llama_cpp.Llama(model_path=path, n_ctx=256, logits_all=True, verbose=False, n_threads=2)
    cases = []
    for prompt in PROMPTS:
        llm.reset()
        toks = llm.tokenize(prompt.encode(), add_bos=True, special=False)
        gen = []
        for t in llm.generate(toks, temp=0.0, top_k=1):
            if t == llm.token_eos() or len(gen) >= N_GEN:
                break
            gen.append(int(t))
        seq = toks + gen
        llm.reset()
        llm.eval(seq)
        scores = np.array(llm.scores[: len(seq)])
        top = []
        for p in range(len(seq)):
            order = np.argsort(-scores[p], kind="stable")[:5]
            top.append([[int(i), round(float(scores[p][i]), 4)] for i in order])
        cases.append({"prompt": prompt, "prompt_tokens": [int(t) for t in toks],
                      "greedy": gen, "text": llm.detokenize(gen).decode("utf-8", "replace"),
                      "top5": top})
    out = {"engine": "llama.cpp via llama-cpp-python " + llama_cpp.__version__,
           "model": os.path.basename(path), "cases": cases}
    dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gemma3_270m_golden.json")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for c in cases:
        print(repr(c["prompt"]), "->", repr(c["text"]))


if __name__ == "__main__":
    main()
