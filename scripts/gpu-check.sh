#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The device check, in one call on a machine with an NVIDIA GPU (H100/H200:
# about 8 minutes). Needs no Qt and no network: nvcc, cmake, ninja, jq, a C++
# compiler and the sqlite3/pcre2/OpenSSL/nlohmann-json development files the
# core links; PyTorch (and transformers) only for the comparison rows. Where
# jq or those files are missing, Debian packages that scripts/gpu-prepare.sh
# put in .gpu-carry/debs are unpacked under a private prefix and used instead
# (nothing is installed). The shared models come from $DASH_MODEL_DIR, else
# .gpu-carry/models, else ../shared/models.
#
#   1. configure and build without Qt (-j$JOBS, CUDA architectures $CUDA_ARCHS)
#   2. ctest -L gpu: cuda_check (the CUDA backend against the CPU backend:
#      parity harness, whole-model logits, 64 greedy tokens, DASH decisions,
#      decision modes, profiler, failure statuses) and gpu_profiler_check
#   3. bench_cuda (microbenchmarks, decode of synthetic 0.5B/7B-shaped FP16
#      models, per-state layer cost, DASH state mixes with overlap, CUPTI
#      overhead) and cuda/bench/torch_decode.py (PyTorch FP16 batch 1 on the
#      same card), unless BENCH=0 or the time budget is spent
#   4. compute-sanitizer memcheck and racecheck on `cuda_check --quick`, when
#      the tool is installed, in the time left
# Every step runs under `timeout` within the budget (BUDGET_S, default 470 s).
#
#   scripts/gpu-check.sh
#   OUT=/tmp/gpu CUDA_ARCHS=90 BUILD_DIR=build-gpu JOBS=16 BUDGET_S=470 scripts/gpu-check.sh
#
# $OUT (default: out) ends with at most six files: summary.json (written with
# jq), summary.md (a Markdown table of the figures), gpu-check.log,
# bench.jsonl, torch.jsonl and gpu-check-files.tar.gz holding the rest
# (nvidia-smi.txt, configure.log, build.log, spills.txt, ctest.log,
# ctest-junit.xml, cuda_check.log, sanitizer-*.log, bench.log, torch.log and
# the traces trace-*.json in Chrome/Perfetto format). Exit status 0 only when
# the GPU tests ran and passed; summary.json's "status" says what happened
# otherwise: no_gpu, configure_failed, build_failed, failed. DASH_COMMIT names
# the commit where the checkout has no .git.
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
bench_exit="not run"
torch_exit="not run"

log() {
    echo "gpu-check: $*" | tee -a "$out/gpu-check.log"
}

elapsed() {
    echo $(($(date +%s) - started))
}

left() {
    echo $((budget - $(elapsed)))
}

# Unpacks the carried Debian packages under a private prefix (once) and
# points the compiler, linker, pkg-config, CMake and the loader at it.
carried=.gpu-carry/debs
deps_prefix=""
use_carried_deps() {
    [[ -z $deps_prefix ]] || return 0
    if ! compgen -G "$carried/*.deb" >/dev/null; then
        log "no carried packages in $carried (scripts/gpu-prepare.sh puts them there)"
        return 1
    fi
    local prefix deb members
    prefix=$(mktemp -d "${TMPDIR:-/tmp}/gpu-deps.XXXXXX")
    for deb in "$PWD/$carried"/*.deb; do
        if command -v dpkg-deb >/dev/null 2>&1; then
            dpkg-deb -x "$deb" "$prefix"
        else # a .deb is an ar archive holding data.tar.*
            members=$(mktemp -d)
            (cd "$members" && ar x "$deb" && tar -xf data.tar.* -C "$prefix")
        fi || {
            log "cannot unpack $deb"
            return 1
        }
    done
    deps_prefix=$prefix
    local usr=$deps_prefix/usr lib=$deps_prefix/usr/lib/x86_64-linux-gnu
    export PATH="$usr/bin:$PATH"
    export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LIBRARY_PATH="$lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
    export CPATH="$usr/include/x86_64-linux-gnu:$usr/include${CPATH:+:$CPATH}"
    export PKG_CONFIG_SYSROOT_DIR=$deps_prefix
    export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$usr/share/pkgconfig"
    extra_args+=("-DCMAKE_PREFIX_PATH=$usr" "-DOPENSSL_ROOT_DIR=$usr")
    log "using the carried packages unpacked in $deps_prefix"
}

if ! command -v jq >/dev/null 2>&1 && ! use_carried_deps; then
    echo "gpu-check: jq is required to write summary.json (apt-get install jq, or" \
        "scripts/gpu-prepare.sh to carry it)" >&2
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
      "- sanitizer: \(.sanitizer)",
      "- exit status of bench_cuda: \(.bench_exit), of torch_decode.py: \(.torch_exit) (124: cut by the budget)\n",
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
      "\n## Engine graph vs best PyTorch mode\n", "| shape | PyTorch mode | ratio |", "|---|---|---|",
      (.ratios[] | "| \(.shape) | \(.best_torch_mode) | \(.ratio | f(2)) |"),
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
    commit=${DASH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
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
        --arg bench_exit "$bench_exit" \
        --arg torch_exit "$torch_exit" \
        --argjson elapsed "$(elapsed)" \
        --argjson tests "$(tests_json)" \
        --argjson checks "$(checks_json)" \
        --argjson bench "$bench_json" \
        --argjson torch "$torch_json" \
        '{status: $status, date: $date, commit: $commit, cuda_architectures: $archs,
          gpu: $gpu, driver: $driver, nvcc: $nvcc, sanitizer: $sanitizer,
          bench_exit: $bench_exit, torch_exit: $torch_exit,
          elapsed_seconds: $elapsed, tests: $tests, checks: $checks, bench: $bench,
          torch: $torch,
          ratios: [($bench[] | select(.section == "decode" and .mode == "graph")) as $e
                   | ([$torch[] | select(.shape == $e.shape and .tok_s != null)]
                      | max_by(.tok_s)) as $t
                   | select($t != null)
                   | {shape: $e.shape, engine_tok_s: $e.tok_s, best_torch_tok_s: $t.tok_s,
                      best_torch_mode: $t.mode, ratio: ($e.tok_s / $t.tok_s)}]}' >"$out/summary.json"
    write_markdown "$out/summary.json"
    log "status: $status after $(elapsed) s (summary in $out/summary.json and summary.md)"
    # At most eight files come back from a device run: the rest goes in one archive.
    local keep='^(summary\.json|summary\.md|gpu-check\.log|bench\.jsonl|torch\.jsonl|gpu-check-files\.tar\.gz)$'
    local rest=()
    while IFS= read -r name; do
        [[ $name =~ $keep ]] || rest+=("$name")
    done < <(ls -A "$out")
    if ((${#rest[@]} > 0)) && tar -czf "$out/gpu-check-files.tar.gz" -C "$out" "${rest[@]}"; then
        (cd "$out" && rm -rf -- "${rest[@]}")
    fi
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

# The shared models (cuda_check's whole-model checks need them).
if [[ -z ${DASH_MODEL_DIR:-} && -d .gpu-carry/models ]]; then
    export DASH_MODEL_DIR=$PWD/.gpu-carry/models
fi
models=${DASH_MODEL_DIR:-../shared/models}
for file in dash-demo-16L.gguf dash-tiny-qwen2.gguf; do
    [[ -f $models/$file ]] || log "$models/$file is missing: cuda_check's checks on it will fail" \
        "(set DASH_MODEL_DIR, or carry the models as scripts/gpu-prepare.sh says)"
done

# Seconds a step may take: what is left of the budget less `reserve`, at least 10.
allow() {
    local s=$(($(left) - $1))
    echo $((s > 10 ? s : 10))
}

configure() {
    timeout -k 10 "$(allow 300)" cmake -S . -B "$build" -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDASH_BUILD_APP=OFF -DDASH_BUILD_BENCH=ON \
        -DDASH_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$archs" "${extra_args[@]}" \
        >>"$out/configure.log" 2>&1
}
log "configuring"
if ! configure; then
    # The image may lack development packages: the carried ones, if any.
    if use_carried_deps; then
        rm -rf "$build"
        log "configuring again with the carried packages"
    fi
    if [[ -z $deps_prefix ]] || ! configure; then
        tail -n 30 "$out/configure.log"
        finish configure_failed
    fi
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
log "building ${targets[*]} ($(left) s left)"
if ! timeout -k 10 "$(allow 200)" cmake --build "$build" -j "$jobs" --target "${targets[@]}" \
    >"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log"
    finish build_failed
fi
grep -E "spill (stores|loads)" "$out/build.log" | grep -v " 0 bytes spill stores, 0 bytes spill loads" \
    >"$out/spills.txt" || true
log "kernels with register spills: $(wc -l <"$out/spills.txt") (build.log holds ptxas -v)"
"$build/app/dash-cli" --version 2>&1 | tee -a "$out/gpu-check.log"

# The tests' own TIMEOUT properties are longer than the budget allows: the
# whole ctest run is bounded here, keeping time for the benchmarks.
log "running ctest -L gpu ($(left) s left)"
DASH_GPU_OUT="$out" timeout -k 10 "$(allow 180)" ctest --test-dir "$build" -L gpu -V \
    --output-junit "$out/ctest-junit.xml" >"$out/ctest.log" 2>&1
ctest_rc=$?
grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|tests failed' "$out/ctest.log" | tee -a "$out/gpu-check.log"
((ctest_rc == 124 || ctest_rc == 137)) && log "ctest was stopped by the time budget"
sed -n -E 's/^[0-9]+: ((PASS|FAIL|SKIP) .*)/\1/p' "$out/ctest.log" >"$out/cuda_check.log"
if grep -qE 'Test +#[0-9]+: cuda_check .*Skipped' "$out/ctest.log"; then
    finish no_gpu
fi
[[ $ctest_rc -eq 0 ]] || status=failed

if [[ $bench == 1 ]]; then
    if (($(left) > 120)); then
        log "bench_cuda ($(left) s left)"
        timeout -k 10 "$(allow 100)" "$build/cuda/bench_cuda" --json "$out/bench.jsonl" \
            2>&1 | tee "$out/bench.log"
        bench_exit=${PIPESTATUS[0]}
        log "bench_cuda exit status $bench_exit"
    else
        bench_exit="skipped: $(left) s left"
        log "bench_cuda skipped: $(left) s left of the budget"
    fi
    if (($(left) > 60)); then
        log "PyTorch comparison ($(left) s left)"
        timeout -k 10 "$(allow 40)" python3 cuda/bench/torch_decode.py --json "$out/torch.jsonl" \
            2>&1 | tee "$out/torch.log"
        torch_exit=${PIPESTATUS[0]}
        log "torch_decode.py exit status $torch_exit"
    else
        torch_exit="skipped: $(left) s left"
        log "PyTorch comparison skipped: $(left) s left of the budget"
    fi
fi

# compute-sanitizer exits 3 (--error-exitcode) when it finds errors; any other
# failure is the program's own (already in ctest's result) or the time budget.
if command -v compute-sanitizer >/dev/null 2>&1; then
    sanitizer_note=""
    for tool in memcheck racecheck; do
        if (($(left) < 40)); then
            sanitizer_note+="$tool skipped ($(left) s left); "
            continue
        fi
        log "compute-sanitizer --tool $tool on cuda_check --quick ($(left) s left)"
        timeout -k 10 "$(allow 15)" compute-sanitizer --tool "$tool" --error-exitcode 3 \
            "$build/tests/cuda_check" --quick >"$out/sanitizer-$tool.log" 2>&1
        rc=$?
        case $rc in
        0) sanitizer_note+="$tool clean; " ;;
        3)
            sanitizer_note+="$tool found errors (sanitizer-$tool.log); "
            status=failed
            ;;
        124 | 137) sanitizer_note+="$tool stopped by the time budget; " ;;
        *) sanitizer_note+="$tool: cuda_check --quick exited $rc (sanitizer-$tool.log); " ;;
        esac
    done
else
    sanitizer_note="compute-sanitizer not installed"
fi
log "sanitizer: $sanitizer_note"
finish "$status"
