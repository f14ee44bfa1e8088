#!/usr/bin/env bash
# run_tsan.sh <source dir> <build dir> <test target>
# Builds <test target> with -fsanitize=thread in <build dir> (incrementally) and runs it;
# any data race or deadlock report fails the test.
set -euo pipefail
src=$1
build=$2
target=$3
if [[ ! -f "$build/build.ninja" ]]; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDW_SANITIZE=thread \
        -DDW_CUDA=OFF -DDW_BUILD_FUZZERS=OFF -DDW_TSAN_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target "$target" -j "$(nproc)" >/dev/null
binary=$(find "$build/tests" -type f -name "$target" -perm -u+x | head -n 1)
[[ -n "$binary" ]] || { echo "run_tsan: $target was not built" >&2; exit 1; }
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 report_signal_unsafe=0 suppressions=$src/tests/tsan/suppressions.txt"
exec "$binary"
