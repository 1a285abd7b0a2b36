#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The device check, in one call on a machine with an NVIDIA GPU (H100/H200:
# about 8 minutes). Needs no Qt and no network: nvcc, cmake, ninja, jq, a C++
# compiler and the sqlite3/pcre2/OpenSSL development files the core links;
# PyTorch (and transformers) only for the comparison rows.
#
#   1. configure and build without Qt (-j$JOBS, CUDA architectures $CUDA_ARCHS)
#   2. ctest -L gpu: cuda_check (the CUDA backend against the CPU backend:
#      parity harness, whole-model logits, 64 greedy tokens, DASH decisions,
#      decision modes, profiler, failure statuses) and gpu_profiler_check
#   3. compute-sanitizer memcheck and racecheck on `cuda_check --quick`, when
#      the tool is installed and time is left
#   4. bench_cuda (microbenchmarks, decode of synthetic 0.5B/7B-shaped FP16
#      models, per-state layer cost, DASH state mixes with overlap, CUPTI
#      overhead) and cuda/bench/torch_decode.py (PyTorch FP16 batch 1 on the
#      same card), unless BENCH=0 or the time budget is spent
#
#   scripts/gpu-check.sh
#   OUT=/tmp/gpu CUDA_ARCHS=90 BUILD_DIR=build-gpu JOBS=16 BUDGET_S=470 scripts/gpu-check.sh
#
# Everything goes under $OUT (default: out): gpu-check.log, nvidia-smi.txt,
# configure.log, build.log, ctest.log, ctest-junit.xml, cuda_check.log,
# sanitizer-*.log, bench.log, bench.jsonl, torch.log, torch.jsonl, traces
# (trace-*.json, Chrome/Perfetto format), summary.json (written with jq) and
# summary.md (a Markdown table of the figures). Exit status 0 only when the
# GPU tests ran and passed; summary.json's "status" says what happened
# otherwise: no_gpu, configure_failed, build_failed, failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

out=${OUT:-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=${BUILD_DIR:-build-gpu}
archs=${CUDA_ARCHS:-90}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 4)}
budget=${BUDGET_S:-470}
bench=${BENCH:-1}
read -r -a extra_args <<<"${EXTRA_CMAKE_ARGS:-}"
started=$(date +%s)
status=passed
sanitizer_note="not run"

log() {
    echo "gpu-check: $*" | tee -a "$out/gpu-check.log"
}

elapsed() {
    echo $(($(date +%s) - started))
}

left() {
    echo $((budget - $(elapsed)))
}

if ! command -v jq >/dev/null 2>&1; then
    echo "gpu-check: jq is required to write summary.json (apt-get install jq)" >&2
    exit 2
fi

# "1/2 Test #15: cuda_check ......   Passed    1.23 sec" -> {"name", "result", "seconds"}
tests_json() {
    if [[ ! -f "$out/ctest.log" ]]; then
        echo '[]'
        return
    fi
    sed -n -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) [. ]*(\*\*\*)?(.*[^ ]) +([0-9.]+) sec.*/\1\t\3\t\4/p' \
        "$out/ctest.log" |
        jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
            | {name: .[0], result: .[1], seconds: (.[2] | tonumber)})'
}

# PASS/FAIL/SKIP lines of the check programs.
checks_json() {
    cat "$out"/cuda_check.log "$out"/ctest.log 2>/dev/null |
        sed -n -E 's/^([0-9]+: )?((PASS|FAIL!?|SKIP|QINFO) .*)/\2/p' | sort -u |
        jq -R -s 'split("\n") | map(select(length > 0))'
}

jsonl_array() {
    if [[ -s $1 ]]; then
        jq -s '.' "$1"
    else
        echo '[]'
    fi
}

write_markdown() {
    local summary=$1
    jq -r '
      def f(d): if . == null then "-" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
      "# Device check \(.date)\n",
      "- status: **\(.status)**; GPU: \(.gpu); driver: \(.driver); nvcc \(.nvcc); commit \(.commit)",
      "- sanitizer: \(.sanitizer)\n",
      "## Tests\n", "| test | result | s |", "|---|---|---|",
      (.tests[] | "| \(.name) | \(.result) | \(.seconds) |"),
      "\n## Microbenchmarks\n", "| what | median | min | max |", "|---|---|---|---|",
      (.bench[] | select(.section == "micro") |
        "| \(.name) | \((.us // .gb_s) | f(2)) \(if .us then "us" else "GB/s" end) | \(.min | f(2)) | \(.max | f(2)) |"),
      "\n## Decode (batch 1, FP16, all layers full precision)\n",
      "| shape | engine mode | tok/s | min | max | GB/s | of read bw |", "|---|---|---|---|---|---|---|",
      (.bench[] | select(.section == "decode") |
        "| \(.shape) | \(.mode) | \(.tok_s | f(1)) | \(.tok_s_min | f(1)) | \(.tok_s_max | f(1)) | \(.gb_s | f(0)) | \(.roofline_fraction | f(3)) |"),
      (.torch[] | select(.tok_s != null) |
        "| \(.shape) | PyTorch \(.mode) | \(.tok_s | f(1)) | \(.tok_s_min | f(1)) | \(.tok_s_max | f(1)) | - | - |"),
      (.torch[] | select(.skipped != null) | "| \(.shape // "-") | PyTorch \(.mode // "-") | skipped: \(.skipped) | | | | |"),
      "\n## Engine graph vs best PyTorch mode\n", "| shape | ratio |", "|---|---|",
      (.ratios[] | "| \(.shape) | \(.ratio | f(2)) |"),
      "\n## Per-state decode layer cost\n", "| shape | state | step ms | layer us | x full |", "|---|---|---|---|---|",
      (.bench[] | select(.section == "layer_state") |
        "| \(.shape) | \(.state) | \(.step_ms | f(3)) | \(.layer_us | f(2)) | \(.ratio_to_full | f(3)) |"),
      "\n## DASH state mixes\n", "| shape | nominal | configuration | ms/token | speedup | scorer visible us | overlap |",
      "|---|---|---|---|---|---|---|",
      (.bench[] | select(.section == "dash") |
        "| \(.shape) | \(.nominal | f(2)) | \(.config) | \(.ms_per_token | f(3)) | \(.speedup | f(3)) | \(.scorer_visible_us | f(1)) | \(.overlap | f(3)) |"),
      "\n## CUPTI tracing overhead\n", "| shape | overhead | min | max |", "|---|---|---|---|",
      (.bench[] | select(.section == "cupti") | "| \(.shape) | \(.overhead | f(3)) | \(.min | f(3)) | \(.max | f(3)) |")
    ' "$summary" >"$out/summary.md"
}

finish() {
    status=$1
    local gpu="none" driver="none" nvcc_version="unknown" nvcc commit
    if command -v nvidia-smi >/dev/null 2>&1; then
        gpu=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null |
            head -n 1)
        driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null |
            head -n 1)
    fi
    nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
    if [[ -x $nvcc ]]; then
        nvcc_version=$("$nvcc" --version 2>/dev/null | sed -n 's/.*release //p')
    fi
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    local bench_json torch_json
    bench_json=$(jsonl_array "$out/bench.jsonl")
    torch_json=$(jsonl_array "$out/torch.jsonl")
    jq -n \
        --arg status "$status" \
        --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        --arg archs "$archs" \
        --arg gpu "$gpu" \
        --arg driver "$driver" \
        --arg nvcc "$nvcc_version" \
        --arg commit "$commit" \
        --arg sanitizer "$sanitizer_note" \
        --argjson elapsed "$(elapsed)" \
        --argjson tests "$(tests_json)" \
        --argjson checks "$(checks_json)" \
        --argjson bench "$bench_json" \
        --argjson torch "$torch_json" \
        '{status: $status, date: $date, commit: $commit, cuda_architectures: $archs,
          gpu: $gpu, driver: $driver, nvcc: $nvcc, sanitizer: $sanitizer,
          elapsed_seconds: $elapsed, tests: $tests, checks: $checks, bench: $bench,
          torch: $torch,
          ratios: [($bench[] | select(.section == "decode" and .mode == "graph")) as $e
                   | ([$torch[] | select(.shape == $e.shape and .tok_s != null) | .tok_s] | max) as $t
                   | select($t != null)
                   | {shape: $e.shape, engine_tok_s: $e.tok_s, best_torch_tok_s: $t,
                      ratio: ($e.tok_s / $t)}]}' >"$out/summary.json"
    write_markdown "$out/summary.json"
    log "status: $status after $(elapsed) s (summary in $out/summary.json and summary.md)"
    [[ $status == passed ]]
    exit $?
}

rm -f "$out/bench.jsonl" "$out/torch.jsonl"
log "output in $out, build in $build, CUDA architectures $archs, $jobs jobs, budget ${budget}s"

if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi 2>&1 | tee "$out/nvidia-smi.txt"
else
    log "nvidia-smi not found"
    echo "nvidia-smi not found" >"$out/nvidia-smi.txt"
fi

log "configuring"
if ! cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDASH_BUILD_APP=OFF -DDASH_BUILD_BENCH=ON -DDASH_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$archs" "${extra_args[@]}" >"$out/configure.log" 2>&1; then
    tail -n 30 "$out/configure.log"
    finish configure_failed
fi

# What `ctest -L gpu` runs (test names are target names), the benchmark and dash-cli.
ninja_targets=$(ninja -C "$build" -t targets all 2>/dev/null | sed -n 's/^\([^:]*\):.*/\1/p')
targets=(dash-cli bench_cuda)
while read -r name; do
    [[ -n $name ]] || continue
    if grep -qx "$name" <<<"$ninja_targets"; then
        targets+=("$name")
    fi
done < <(ctest --test-dir "$build" -N -L gpu 2>/dev/null | sed -n 's/^ *Test *#[0-9]*: //p')
log "building ${targets[*]}"
if ! cmake --build "$build" -j "$jobs" --target "${targets[@]}" >"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log"
    finish build_failed
fi
grep -E "spill (stores|loads)" "$out/build.log" | grep -v " 0 bytes spill stores, 0 bytes spill loads" \
    >"$out/spills.txt" || true
log "kernels with register spills: $(wc -l <"$out/spills.txt") (build.log holds ptxas -v)"
"$build/app/dash-cli" --version 2>&1 | tee -a "$out/gpu-check.log"

log "running ctest -L gpu ($(left) s left)"
DASH_GPU_OUT="$out" ctest --test-dir "$build" -L gpu -V --timeout 400 \
    --output-junit "$out/ctest-junit.xml" >"$out/ctest.log" 2>&1
ctest_rc=$?
grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|tests failed' "$out/ctest.log" | tee -a "$out/gpu-check.log"
sed -n -E 's/^[0-9]+: ((PASS|FAIL|SKIP) .*)/\1/p' "$out/ctest.log" >"$out/cuda_check.log"
if grep -qE 'Test +#[0-9]+: cuda_check .*Skipped' "$out/ctest.log"; then
    finish no_gpu
fi
[[ $ctest_rc -eq 0 ]] || status=failed

if command -v compute-sanitizer >/dev/null 2>&1; then
    if (($(left) > 240)); then
        sanitizer_note=""
        for tool in memcheck racecheck; do
            log "compute-sanitizer --tool $tool on cuda_check --quick"
            if timeout 120 compute-sanitizer --tool "$tool" --error-exitcode 3 \
                "$build/tests/cuda_check" --quick >"$out/sanitizer-$tool.log" 2>&1; then
                sanitizer_note+="$tool clean; "
            else
                sanitizer_note+="$tool FAILED (rc $?, see sanitizer-$tool.log); "
                status=failed
            fi
        done
    else
        sanitizer_note="skipped: $(left) s left of the budget"
    fi
else
    sanitizer_note="compute-sanitizer not installed"
fi
log "sanitizer: $sanitizer_note"

if [[ $bench == 1 ]]; then
    if (($(left) > 150)); then
        log "bench_cuda ($(left) s left)"
        timeout $(($(left) - 90)) "$build/cuda/bench_cuda" --json "$out/bench.jsonl" \
            2>&1 | tee "$out/bench.log"
    else
        log "bench_cuda skipped: $(left) s left of the budget"
    fi
    if (($(left) > 60)); then
        log "PyTorch comparison ($(left) s left)"
        timeout $(($(left) - 10)) python3 cuda/bench/torch_decode.py --json "$out/torch.jsonl" \
            2>&1 | tee "$out/torch.log"
    else
        log "PyTorch comparison skipped: $(left) s left of the budget"
    fi
fi
finish "$status"
