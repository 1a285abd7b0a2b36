#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a QtTest program for CTest. A run that passed but skipped a test
# function (QSKIP: no GPU, no shared data) exits with 77, which dash_add_test
# declares as SKIP_RETURN_CODE, so CTest shows it as skipped, not passed; a
# failing run keeps its failure.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if ((rc == 0)) && grep -q '^SKIP   : ' "$out"; then
    rc=77
fi
exit "$rc"
