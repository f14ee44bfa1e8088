#!/usr/bin/env bash
# Sets everything up (packages, default model, build with -Werror) and runs the whole test
# suite. Usage: scripts/test.sh [extra ctest arguments, e.g. -R gguf]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DEEPWELL_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh" --werror
export DEEPWELL_MODEL="$("$ROOT/scripts/fetch_default_model.sh")"
export DEEPWELL_REQUIRE_MODEL=1
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
