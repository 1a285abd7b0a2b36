#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs the GPU-labelled tests on a machine with an NVIDIA GPU. Needs
# no Qt and no network: nvcc, cmake, ninja, a C++ compiler and the sqlite3 and
# pcre2 development files the core links. Without QtTest the QtTest suites are
# not built; the Qt-free gpu_profiler_check carries the GPU profiler checks
# (it is in `ctest -L gpu` too) and is also run on its own.
#
#   scripts/gpu-check.sh
#   OUT=/tmp/gpu CUDA_ARCHS=90 BUILD_DIR=build-gpu JOBS=16 scripts/gpu-check.sh
#   EXTRA_CMAKE_ARGS="-DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON" scripts/gpu-check.sh   # as without Qt
#
# Everything goes under $OUT (default: out): gpu-check.log, nvidia-smi.txt,
# configure.log, build.log, ctest.log, ctest-junit.xml, gpu_profiler_check.log
# and summary.json. Exit status 0 only when the GPU tests ran and passed; the
# summary's status says what happened otherwise (no_gpu, configure_failed,
# build_failed, failed).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

out=${OUT:-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=${BUILD_DIR:-build-gpu}
archs=${CUDA_ARCHS:-90}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 4)}
read -r -a extra_args <<<"${EXTRA_CMAKE_ARGS:-}"
started=$(date +%s)
qt_test=false
status=passed

log() {
    echo "gpu-check: $*" | tee -a "$out/gpu-check.log"
}

json_escape() {
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/ /g' | tr -d '\r'
}

# "1/2 Test #15: gpu_profiler_check ......   Passed    1.23 sec" -> JSON objects
tests_json() {
    [[ -f "$out/ctest.log" ]] || return 0
    sed -n -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) [. ]*(\*\*\*)?(.*[^ ]) +([0-9.]+) sec.*/\1 \3 \4/p' \
        "$out/ctest.log" |
        while read -r name rest; do
            seconds=${rest##* }
            result=${rest% *}
            printf '    {"name": "%s", "result": "%s", "seconds": %s},\n' \
                "$(printf '%s' "$name" | json_escape)" "$(printf '%s' "$result" | json_escape)" \
                "$seconds"
        done | sed '$ s/,$//'
}

# Result lines of the checks (QtTest and gpu_profiler_check formats); QINFO
# lines carry the measured overlaps.
checks_json() {
    [[ -f "$out/ctest.log" ]] || return 0
    sed -n -E 's/^([0-9]+: )?((PASS|FAIL!?|SKIP|QINFO) .*)/\2/p' "$out/ctest.log" |
        json_escape | sed -E 's/.*/    "&",/' | sed '$ s/,$//'
}

finish() {
    status=$1
    local gpu="none" nvcc_version="unknown" nvcc
    if command -v nvidia-smi >/dev/null 2>&1; then
        gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
            2>/dev/null | head -n 1)
    fi
    nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
    if [[ -x $nvcc ]]; then
        nvcc_version=$("$nvcc" --version 2>/dev/null | sed -n 's/.*release //p')
    fi
    {
        echo "{"
        echo "  \"status\": \"$status\","
        echo "  \"cuda_architectures\": \"$(printf '%s' "$archs" | json_escape)\","
        echo "  \"qt_test\": $qt_test,"
        echo "  \"gpu\": \"$(printf '%s' "$gpu" | json_escape)\","
        echo "  \"nvcc\": \"$(printf '%s' "$nvcc_version" | json_escape)\","
        echo "  \"elapsed_seconds\": $(($(date +%s) - started)),"
        echo "  \"tests\": ["
        tests_json
        echo "  ],"
        echo "  \"checks\": ["
        checks_json
        echo "  ]"
        echo "}"
    } >"$out/summary.json"
    log "status: $status (summary in $out/summary.json)"
    [[ $status == passed ]]
    exit $?
}

log "output in $out, build in $build, CUDA architectures $archs, $jobs jobs"

if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi 2>&1 | tee "$out/nvidia-smi.txt"
else
    log "nvidia-smi not found"
    echo "nvidia-smi not found" >"$out/nvidia-smi.txt"
fi

log "configuring"
if ! cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDASH_BUILD_APP=OFF -DDASH_BUILD_BENCH=OFF -DDASH_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$archs" "${extra_args[@]}" >"$out/configure.log" 2>&1; then
    tail -n 30 "$out/configure.log"
    finish configure_failed
fi

# Build what `ctest -L gpu` runs (test names are target names) and dash-cli.
ninja_targets=$(ninja -C "$build" -t targets all 2>/dev/null | sed -n 's/^\([^:]*\):.*/\1/p')
targets=(dash-cli)
while read -r name; do
    [[ -n $name ]] || continue
    if grep -qx "$name" <<<"$ninja_targets"; then
        targets+=("$name")
    fi
done < <(ctest --test-dir "$build" -N -L gpu 2>/dev/null | sed -n 's/^ *Test *#[0-9]*: //p')
if grep -qx tst_gpu_profiler <<<"$ninja_targets"; then
    qt_test=true
fi
log "building ${targets[*]} (QtTest available: $qt_test)"
if ! cmake --build "$build" -j "$jobs" --target "${targets[@]}" >"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log"
    finish build_failed
fi
"$build/app/dash-cli" --version 2>&1 | tee -a "$out/gpu-check.log"

log "running ctest -L gpu"
ctest --test-dir "$build" -L gpu -V --timeout 300 --output-junit "$out/ctest-junit.xml" \
    >"$out/ctest.log" 2>&1
ctest_rc=$?
grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|tests failed' "$out/ctest.log" | tee -a "$out/gpu-check.log"

if [[ $qt_test == false ]]; then
    log "QtTest unavailable: running gpu_profiler_check on its own"
    "$build/tests/gpu_profiler_check" 2>&1 | tee "$out/gpu_profiler_check.log"
    check_rc=${PIPESTATUS[0]}
    # 77: no usable GPU, which is a skip, not a failure.
    if [[ $check_rc -ne 0 && $check_rc -ne 77 ]]; then
        finish failed
    fi
fi
if [[ $ctest_rc -ne 0 ]]; then
    finish failed
fi
if grep -qE 'Test +#[0-9]+: gpu_profiler_check .*Skipped' "$out/ctest.log"; then
    finish no_gpu
fi
finish passed
