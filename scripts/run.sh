#!/usr/bin/env bash
# Sets everything up (packages, default model, build) and starts Deepwell's main job: for now
# an interactive chat in the terminal with the default model (the desktop app takes its place
# later). Extra arguments go to `deepwell-cli run` (e.g. --system "...", --temp 0).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DEEPWELL_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
MODEL="$("$ROOT/scripts/fetch_default_model.sh")"
exec "$BUILD_DIR/app/cli/deepwell-cli" run -m "$MODEL" "$@"
