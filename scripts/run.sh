#!/usr/bin/env bash
# Sets everything up (packages, default model, build) and starts Deepwell: the desktop app
# `deepwell` with the default model, or, where there is no display (an SSH session, a
# server), an interactive chat in the terminal. Extra arguments go to the program started
# (`deepwell --model PATH ...`, or `deepwell-cli run`, e.g. --system "...", --temp 0).
# DEEPWELL_TERMINAL=1 forces the terminal chat.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DEEPWELL_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
MODEL="$("$ROOT/scripts/fetch_default_model.sh")"
if [[ "${DEEPWELL_TERMINAL:-0}" != 1 && ( -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ) \
      && -x "$BUILD_DIR/ui/deepwell" ]]; then
    exec "$BUILD_DIR/ui/deepwell" --model "$MODEL" "$@"
fi
if [[ "${DEEPWELL_TERMINAL:-0}" != 1 ]]; then
    echo "run: no display (DISPLAY / WAYLAND_DISPLAY unset): starting the chat in the terminal" >&2
fi
exec "$BUILD_DIR/app/cli/deepwell-cli" run -m "$MODEL" "$@"
