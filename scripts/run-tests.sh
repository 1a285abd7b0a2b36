#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds everything and runs every test with CTest,
# then rebuilds under AddressSanitizer + UndefinedBehaviorSanitizer and runs
# there the randomized (fuzz) reader, tokenizer and dash-cli tests (4,000 of
# the 20,000 hostile command lines, DASH_ASAN_FUZZ_CASES), the hostile-input
# cases of dash-cli and the GUI test with its 1,000-keystroke burst
# (LeakSanitizer on).
#   scripts/run-tests.sh            all of it
#   BUILD_DIR=out scripts/run-tests.sh
# Tests that need ../shared (models, data) skip when it is absent; with
# DASH_REQUIRE_SHARED=1 (as in CI) they fail instead. DASH_CUDA_ARCHITECTURES
# (e.g. 90) narrows the CUDA architectures built (default 80;86;89;90).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
jobs=${JOBS:-2}

scripts/install-deps.sh

cuda_args=()
if [[ -n ${DASH_CUDA_ARCHITECTURES:-} ]]; then
    cuda_args=(-DCMAKE_CUDA_ARCHITECTURES="$DASH_CUDA_ARCHITECTURES")
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cuda_args[@]}"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure --timeout 900 | tee "$build/ctest.log"

# With DASH_REQUIRE_SHARED=1 (CI) a skipped test means something that should
# have run did not: only tests labelled gpu (no GPU here) or isa (CPU
# instruction sets this processor lacks) may skip.
if [[ ${DASH_REQUIRE_SHARED:-0} == 1 ]]; then
    gpu_tests=$(ctest --test-dir "$build" -N -L '^(gpu|isa)$' | sed -n 's/^ *Test *#[0-9]*: //p')
    skipped=$(sed -n -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .*Skipped.*/\1/p' \
        "$build/ctest.log")
    for t in $skipped; do
        if ! grep -qx "$t" <<<"$gpu_tests"; then
            echo "run-tests: $t was skipped; with DASH_REQUIRE_SHARED=1 only gpu and isa tests may skip" >&2
            exit 1
        fi
    done
fi

sanitized=(tst_fuzz_gguf tst_fuzz_tokenizer tst_cli_fuzz tst_cli_hostile tst_main_window)
cmake -S . -B "$build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDASH_SANITIZE=ON \
    -DDASH_BUILD_APP=ON -DDASH_WITH_CUDA=OFF -DDASH_BUILD_BENCH=OFF
cmake --build "$build-asan" -j "$jobs" --target "${sanitized[@]}"
# The full 20,000 fuzz cases ran above; under the sanitizers a case costs
# about 15 times the CPU, so a smaller seeded share keeps CI within its hour.
DASH_FUZZ_CASES=${DASH_ASAN_FUZZ_CASES:-4000} \
    ctest --test-dir "$build-asan" -R "^($(IFS='|'; echo "${sanitized[*]}"))\$" \
    --output-on-failure --timeout 900
