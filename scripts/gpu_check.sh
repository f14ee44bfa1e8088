#!/usr/bin/env bash
# gpu_check.sh — run Deepwell's CUDA tests and benchmark on a GPU machine that has CUDA 13
# but none of the build's other libraries (Qt, spdlog, fmt, pcre2, ICU ...).
#
#   scripts/gpu_check.sh pack <build-dir> <out-dir>   (on the build machine)
#       Builds the CUDA test binaries (kernels and the GPU forward pass), bench_cuda and
#       deepwell-cli in <build-dir> (configured with -DDW_CUDA=ON), collects them, stripped,
#       in bin/ and every shared library they load
#       that is not part of the CUDA toolkit or of glibc (found with ldd) in lib/, and
#       writes <out-dir>/payload.tar.gz (bin/ + lib/; ICU and the kernels' fat binaries
#       make the unpacked set ~80 MB), this script and manifest.txt. Fails when the folder
#       would exceed 60 MB or a library cannot be found.
#       DW_NO_BUILD=1 skips the build; DW_JOBS sets the build parallelism (default 2).
#
#   scripts/gpu_check.sh run <packed-dir> [model.gguf]   (on the GPU machine)
#       Unpacks the payload into a temporary folder, points LD_LIBRARY_PATH at its lib/
#       and at the directories holding
#       libcublas.so.13 / libcudart.so.13, prints nvidia-smi, runs every CUDA test
#       (DW_TEST_TIMEOUT s each, default 150) and bench_cuda (DW_BENCH_TIMEOUT, default
#       200; DW_BENCH_ARGS, e.g. --quick or --no-model): mat-vec bandwidth per type, the
#       GEMM, and the whole forward pass on a synthetic ~0.5 B-parameter model that
#       bench_cuda writes on the spot. With a model file (a GGUF on the GPU machine) the
#       tests also compare GPU and CPU on it (DEEPWELL_MODEL) and `deepwell-cli bench
#       --device cuda` runs on it. Writes full logs under $OUT/gpu_check (OUT defaults to
#       ./gpu_check_out) and prints a summary (per-binary table, the mat-vec table and the
#       forward-pass lines). DW_SANITIZE=1 also runs the tests under compute-sanitizer
#       memcheck when it is installed. About 2 minutes on an H200 (most of it the model
#       synthesis on the CPU).
#       Exit status: 0 all passed, 1 a test failed or timed out, 2 usage/setup error.
set -uo pipefail

TESTS=(tst_cuda_device tst_cuda_blocks tst_cuda_matvec tst_cuda_matmul tst_cuda_ops
       tst_cuda_attention tst_forward_cuda)
BENCH=bench_cuda
CLI=deepwell-cli
MAX_PACK_BYTES=$((60 * 1000 * 1000))
UNPACKED_DIR=""

die() { echo "gpu_check: $*" >&2; exit 2; }

# Libraries the GPU machine provides itself: glibc pieces and the CUDA toolkit/driver.
is_system_lib() {
    case "$1" in
        linux-vdso.so*|ld-linux*|libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*) return 0 ;;
        libresolv.so*|libutil.so*) return 0 ;;
        libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*|libnvidia-*|libnvrtc*) return 0 ;;
    esac
    return 1
}

pack() {
    local build=$1 out=$2
    [[ -d "$build" ]] || die "no build folder '$build'"
    if [[ "${DW_NO_BUILD:-0}" != 1 ]]; then
        cmake --build "$build" --target "${TESTS[@]}" "$BENCH" "$CLI" -j"${DW_JOBS:-2}" ||
            die "build failed in $build (configured with -DDW_CUDA=ON?)"
    fi
    local stage
    stage=$(mktemp -d) || die "mktemp failed"
    trap 'rm -rf "$stage"' RETURN
    mkdir -p "$stage/bin" "$stage/lib"
    local name path lib missing=0
    for name in "${TESTS[@]}" "$BENCH" "$CLI"; do
        path=$(find "$build" -type f -name "$name" -perm -u+x 2>/dev/null | head -n 1)
        [[ -n "$path" ]] || die "binary $name not found under $build"
        cp "$path" "$stage/bin/$name"
        if command -v strip >/dev/null; then strip --strip-unneeded "$stage/bin/$name"; fi
        # "libX.so.N => /path/libX.so.N (0x...)" or "libX.so.N => not found"
        while read -r lib path; do
            if is_system_lib "$lib"; then continue; fi
            if [[ "$path" == "not found" || -z "$path" ]]; then
                echo "gpu_check: $name needs $lib, which ldd cannot find" >&2
                missing=1
                continue
            fi
            [[ -e "$stage/lib/$lib" ]] || cp -L "$path" "$stage/lib/$lib"
        done < <(ldd "$path" | awk '/=>/ { p = $3; if ($3 == "not") p = "not found"; print $1, p }')
    done
    [[ $missing == 0 ]] || die "missing libraries (see above)"
    if command -v strip >/dev/null; then strip --strip-unneeded "$stage"/lib/* 2>/dev/null; fi
    rm -rf "$out"
    mkdir -p "$out" || die "cannot create $out"
    tar -C "$stage" -czf "$out/payload.tar.gz" bin lib || die "tar failed"
    cp "${BASH_SOURCE[0]}" "$out/gpu_check.sh"
    chmod +x "$out/gpu_check.sh"
    {
        echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $build"
        (cd "$(dirname "${BASH_SOURCE[0]}")" && git rev-parse --short HEAD 2>/dev/null) || true
        ldd --version 2>/dev/null | head -n 1
        (cd "$stage" && find bin lib -type f -printf '%s\t%p\n' | sort -k2)
    } >"$out/manifest.txt"
    local total
    total=$(du -sb "$out" | cut -f1)
    echo "gpu_check: packed ${#TESTS[@]} tests + $BENCH + $CLI and $(find "$stage/lib" -type f | wc -l)" \
         "libraries into $out ($((total / 1000000)) MB)"
    ((total <= MAX_PACK_BYTES)) || die "$out is $total bytes, above the $MAX_PACK_BYTES limit"
}

# Prints the first directory holding $1 (a library file name), or nothing.
find_lib_dir() {
    local name=$1 d
    for d in ${CUDA_HOME:+"$CUDA_HOME/lib64"} ${CUDA_PATH:+"$CUDA_PATH/lib64"} \
             /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
             /usr/local/cuda-13*/lib64 /usr/local/cuda-13*/targets/x86_64-linux/lib \
             /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/lib; do
        [[ -e "$d/$name" ]] && { echo "$d"; return; }
    done
    d=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }')
    [[ -n "$d" ]] && { dirname "$d"; return; }
    # pip-wheel installs (nvidia-cublas, nvidia-cuda-runtime)
    d=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o -name "$name" -print 2>/dev/null |
        head -n 1)
    [[ -n "$d" ]] && dirname "$d"
}

run() {
    local packed dir model=${2:-}
    packed=$(cd "$1" 2>/dev/null && pwd) || die "no packed folder '$1'"
    if [[ -n "$model" ]]; then
        [[ -f "$model" ]] || die "no model file '$model'"
        model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
        export DEEPWELL_MODEL=$model
    fi
    if [[ -f "$packed/payload.tar.gz" ]]; then
        dir=$(mktemp -d) || die "mktemp failed"
        UNPACKED_DIR=$dir
        trap 'rm -rf "$UNPACKED_DIR"' EXIT
        tar -C "$dir" -xzf "$packed/payload.tar.gz" || die "cannot unpack $packed/payload.tar.gz"
        cp "$packed/manifest.txt" "$dir/" 2>/dev/null
    else
        dir=$packed # an unpacked bin/ + lib/ folder
    fi
    [[ -d "$dir/bin" ]] || die "$packed has neither payload.tar.gz nor bin/ (made by 'gpu_check.sh pack'?)"
    local out="${OUT:-$PWD/gpu_check_out}/gpu_check"
    mkdir -p "$out" || die "cannot create $out"
    local cublas cudart
    cublas=$(find_lib_dir libcublas.so.13)
    cudart=$(find_lib_dir libcudart.so.13)
    export LD_LIBRARY_PATH="$dir/lib${cublas:+:$cublas}${cudart:+:$cudart}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export QT_QPA_PLATFORM=offscreen
    {
        echo "== gpu_check run $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
        echo "cuBLAS dir: ${cublas:-NOT FOUND}; cudart dir: ${cudart:-NOT FOUND}"
        echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
        ldd --version 2>/dev/null | head -n 1
        head -n 3 "$dir/manifest.txt" 2>/dev/null
    } | tee "$out/environment.log"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi 2>&1 | tee "$out/nvidia-smi.log"
    else
        echo "nvidia-smi: not found" | tee "$out/nvidia-smi.log"
    fi
    local name
    for name in "${TESTS[@]}" "$BENCH" "$CLI"; do # unresolved libraries make every run fail: say so
        ldd "$dir/bin/$name" 2>&1 | grep -i 'not found' | sed "s/^/$name: /"
    done | tee "$out/ldd-missing.log"

    local sanitizer=""
    if [[ "${DW_SANITIZE:-0}" == 1 ]]; then
        sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
        [[ -n "$sanitizer" ]] || echo "DW_SANITIZE=1 but compute-sanitizer is not installed"
    fi

    local -a rows=()
    local failed=0 rc t0 secs totals status log np nf ns
    for name in "${TESTS[@]}"; do
        log="$out/$name.log"
        t0=$(date +%s)
        timeout -k 10 "${DW_TEST_TIMEOUT:-150}" "$dir/bin/$name" >"$log" 2>&1
        rc=$?
        secs=$(($(date +%s) - t0))
        totals=$(grep -m1 '^Totals:' "$log" | sed -E 's/^Totals: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
        if ((rc == 124 || rc == 137)); then status=TIMEOUT
        elif ((rc != 0)); then status=FAIL
        elif [[ -z "$totals" ]]; then status=NO-TOTALS
        else status=ok; fi
        [[ "$status" == ok ]] || failed=1
        read -r np nf ns <<<"${totals:-- - -}"
        rows+=("$(printf '%-20s %-9s %5s %7s %7s %8s %6ss' "$name" "$status" "$rc" "$np" "$nf" "$ns" "$secs")")
        echo "== $name: $status (rc $rc, ${secs}s)"
        grep -E -A1 '^(FAIL!|QFATAL|XPASS)' "$log" | head -n 40 # failures and where
        if [[ -n "$sanitizer" ]]; then
            timeout -k 10 "${DW_SANITIZE_TIMEOUT:-600}" "$sanitizer" --tool memcheck \
                --error-exitcode 99 "$dir/bin/$name" >"$out/$name.memcheck.log" 2>&1
            rc=$?
            echo "   memcheck: rc $rc ($( ((rc == 0)) && echo clean || echo 'see log'))"
            ((rc == 0)) || failed=1
        fi
    done

    log="$out/$BENCH.log"
    t0=$(date +%s)
    # shellcheck disable=SC2086 # DW_BENCH_ARGS is a word list
    timeout -k 10 "${DW_BENCH_TIMEOUT:-200}" "$dir/bin/$BENCH" ${DW_BENCH_ARGS:-} >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    echo "== $BENCH (rc $rc, ${secs}s)"
    cat "$log"
    ((rc == 0)) || failed=1
    rows+=("$(printf '%-20s %-9s %5s %7s %7s %8s %6ss' "$BENCH" \
        "$( ((rc == 0)) && echo ok || echo FAIL)" "$rc" - - - "$secs")")

    if [[ -n "$model" ]]; then # the CLI's bench on a real model, on the GPU
        log="$out/$CLI-bench.log"
        t0=$(date +%s)
        timeout -k 10 "${DW_CLI_TIMEOUT:-120}" "$dir/bin/$CLI" bench -m "$model" --device cuda \
            -p 512 -n 128 -r 2 >"$log" 2>&1
        rc=$?
        secs=$(($(date +%s) - t0))
        echo "== $CLI bench --device cuda (rc $rc, ${secs}s)"
        cat "$log"
        ((rc == 0)) || failed=1
        rows+=("$(printf '%-20s %-9s %5s %7s %7s %8s %6ss' "$CLI bench" \
            "$( ((rc == 0)) && echo ok || echo FAIL)" "$rc" - - - "$secs")")
    fi

    {
        echo
        echo "== summary (logs in $out)"
        printf '%-20s %-9s %5s %7s %7s %8s %7s\n' binary status rc passed failed skipped time
        printf '%s\n' "${rows[@]}"
        if grep -qh 'no usable GPU' "$out"/tst_*.log 2>/dev/null; then
            echo "WARNING: GPU rows were skipped: $(grep -h -m1 -o 'no usable GPU: .*' "$out"/tst_*.log | head -n 1)"
        fi
        # The bench's key lines: the mat-vec table and the forward pass.
        sed -n '/^mat-vec (decode)/,/^$/p; /^forward pass/,$p' "$out/$BENCH.log" 2>/dev/null |
            grep -v '^$'
        grep -h -E 'worst relative difference|identical greedy|greedy|largest GPU-CPU' \
            "$out/tst_forward_cuda.log" 2>/dev/null | sed 's/^QINFO *: *//' | cut -c1-150
        [[ -f "$out/$CLI-bench.log" ]] && grep -E '^(device|prefill|decode)' "$out/$CLI-bench.log"
        (( failed == 0 )) && echo "RESULT: all passed" || echo "RESULT: FAILURES"
    } | tee "$out/summary.txt"
    return $failed
}

case "${1:-}" in
    pack) [[ $# == 3 ]] || die "usage: $0 pack <build-dir> <out-dir>"; pack "$2" "$3" ;;
    run) [[ $# == 2 || $# == 3 ]] || die "usage: $0 run <packed-dir> [model.gguf]"; run "$2" "${3:-}"; exit $? ;;
    *) die "usage: $0 pack <build-dir> <out-dir> | $0 run <packed-dir> [model.gguf]" ;;
esac
