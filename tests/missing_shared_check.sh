#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a QtTest program as CI would on a machine without ../shared
# (DASH_REQUIRE_SHARED=1, every shared path pointing nowhere) and checks that
# it fails cleanly: the tests that need shared files fail, the others still
# run and pass, and nothing aborts (no QFATAL, no signal).
#   missing_shared_check.sh <test-binary>
set -uo pipefail
binary=$1
missing=$(mktemp -d)/no-shared
output=$(DASH_REQUIRE_SHARED=1 DASH_SHARED_DIR="$missing" DASH_MODEL_DIR="$missing/models" \
    DASH_DATA_DIR="$missing/data" QT_QPA_PLATFORM=offscreen "$binary" 2>&1)
code=$?
rmdir "$(dirname "$missing")"
totals=$(grep -E '^Totals: ' <<<"$output" | tail -1)
echo "$totals (exit $code)"
fail() {
    echo "missing_shared_check: $(basename "$binary"): $1" >&2
    grep -E 'QFATAL|Received signal|FAIL!' <<<"$output" | head -20 >&2
    exit 1
}
grep -qE 'QFATAL|Received signal' <<<"$output" && fail "aborted instead of failing"
[[ -n $totals ]] || fail "did not run to the end"
[[ $code -ne 0 ]] || fail "passed although the shared files are missing"
passed=$(sed -E 's/^Totals: ([0-9]+) passed.*/\1/' <<<"$totals")
[[ $passed -gt 1 ]] || fail "no test that needs no shared file ran"
grep -q 'shared file not found' <<<"$output" || fail "no failure names the missing shared file"
exit 0
