#!/usr/bin/env bash
# Builds the GGUF reader fuzzer with clang (ASan + UBSan + libFuzzer), writes a seed corpus with
# the GGUF writer, and fuzzes for a fixed time. Exits non-zero when the fuzzer finds a crash
# (the input is kept under <work>/artifacts/ to reproduce: <work>/fuzz_gguf <file>).
# Usage: run_fuzz_gguf.sh <clang++> <source root> <work folder> <seconds>
set -euo pipefail
CXX=$1
SRC=$2
WORK=$3
SECS=$4

mkdir -p "$WORK/obj" "$WORK/seeds" "$WORK/corpus" "$WORK/artifacts"
FLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -I"$SRC/engine/include" -I"$SRC/engine")
# The reader needs only these: no spdlog/fmt, no Qt.
LIB_SOURCES=("$SRC"/engine/gguf/*.cpp "$SRC/engine/core/error.cpp" "$SRC/engine/core/dtype.cpp")
HEADERS=("$SRC"/engine/gguf/*.h "$SRC"/engine/include/deepwell/{gguf,dtype,error}.h)

# Rebuild everything when any input is newer than the fuzzer (a few files: simpler than
# tracking header dependencies per object).
stale=0
[[ -x $WORK/fuzz_gguf && -x $WORK/gen_gguf_seeds ]] || stale=1
for f in "${LIB_SOURCES[@]}" "${HEADERS[@]}" "$SRC"/tests/fuzz/*.cpp "$0"; do
    [[ $f -nt $WORK/fuzz_gguf ]] && stale=1
done
if (( stale )); then
    echo "fuzz_gguf: compiling with $CXX"
    objs=()
    pids=()
    for f in "${LIB_SOURCES[@]}"; do
        o="$WORK/obj/$(basename "$(dirname "$f")")_$(basename "${f%.cpp}").o"
        "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$f" -o "$o" &
        pids+=($!)
        objs+=("$o")
        if (( ${#pids[@]} >= 2 )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    done
    for p in "${pids[@]}"; do wait "$p"; done
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$SRC/tests/fuzz/fuzz_gguf.cpp" "${objs[@]}" \
        -o "$WORK/fuzz_gguf.new"
    "$CXX" "${FLAGS[@]}" "$SRC/tests/fuzz/gen_gguf_seeds.cpp" "${objs[@]}" \
        -o "$WORK/gen_gguf_seeds"
    mv "$WORK/fuzz_gguf.new" "$WORK/fuzz_gguf"
fi

rm -f "$WORK"/seeds/*
"$WORK/gen_gguf_seeds" "$WORK/seeds"

# New inputs go to corpus/ (kept between runs, so coverage accumulates); seeds/ is read only.
"$WORK/fuzz_gguf" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -dict="$SRC/tests/fuzz/gguf.dict" -artifact_prefix="$WORK/artifacts/" \
    -print_final_stats=1 "$WORK/corpus" "$WORK/seeds"
