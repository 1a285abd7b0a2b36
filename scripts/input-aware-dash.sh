#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Reproduces docs/results.md, "Input-aware DASH: headroom, trainers,
# compensation", on the demo model. Everything that is trained, tuned or
# chosen uses ../shared/data/wikitext2_valid.txt; wikitext2_test.txt is read
# only by the final `headroom` run (step 4).
#
#   scripts/input-aware-dash.sh            # from the repository root, after
#                                          # ninja -C build dash-cli
#
# Outputs go to $OUT (default build/input-aware); a step whose output exists is
# not run again, so an interrupted run resumes. The sizes below are what fits
# the 2-core machine in about an hour; raise them with the variables.
set -euo pipefail

CLI=${CLI:-build/app/dash-cli}
M=${M:-../shared/models/dash-demo-16L.gguf}
D=${D:-../shared/data}
OUT=${OUT:-build/input-aware}
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-"1 2 3"}
RATIOS=${RATIOS:-"1.33 1.67 2.0"}
STEPS=${STEPS:-150}          # training steps per policy (window 64)
IMITATION=${IMITATION:-50}   # warm-start steps of the skip/full policies
SELECT_WINDOWS=${SELECT_WINDOWS:-16} # validation-tail windows of 128 tokens
EVAL_WINDOWS=${EVAL_WINDOWS:-32}     # test windows of 128 tokens
STATIC_WINDOWS=${STATIC_WINDOWS:-8}  # held-out windows for the static search
ORACLE_WINDOWS=${ORACLE_WINDOWS:-8}  # training windows the oracle labels
# The skip/full variant the selection (step 2) picked; see results.md.
CHOSEN=${CHOSEN:-}

mkdir -p "$OUT"
V=$D/wikitext2_valid.txt
T=$D/wikitext2_test.txt
E=(--model "$M" --threads "$THREADS")
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# 1. Calibration; the alpha method (none included) tuned on the last 10 % of
#    the validation text.
if [[ ! -f $OUT/calib.json ]]; then
    log calibrate
    "$CLI" calibrate "${E[@]}" --file "$V" --method auto --out "$OUT/calib.json" \
        --sequences 64 --tune-windows 16 >"$OUT/calibrate.txt"
fi
C=$OUT/calib.json

# The selection text: the tail of the validation text, inside the part that
# train-policy keeps out of its gradient steps (its last 10 %).
tail -c 100000 "$V" >"$OUT/valid-tail.txt"

train() { # train OUTFILE ARGS...
    local out=$1
    shift
    [[ -f $out ]] && return 0
    log "train-policy $(basename "$out")"
    "$CLI" train-policy "${E[@]}" --calibration "$C" --file "$V" --steps "$STEPS" \
        --state-costs nominal --quiet --out "$out" "$@" >>"$OUT/train.txt"
}

# Skip/full trainer variants, as train-policy options after the target and seed.
declare -A VARIANT=(
    [reference]="--imitation-steps $IMITATION"
    [oracle]="--imitation-steps $IMITATION --imitation-target oracle --oracle-budget shared --oracle-windows $ORACLE_WINDOWS --oracle-curves $OUT/oracle-train.kl.json"
    [relaxed]="--trainer relaxed --imitation-steps $IMITATION"
    [diffkl]="--imitation-steps $IMITATION --reward differential-kl --baseline position --entropy 0.02,0"
)
skipfull() { # skipfull VARIANT RATIO SEED
    # shellcheck disable=SC2086
    train "$OUT/skip-$1-$2-s$3.policy" --target-ratio "$2" --seed "$3" --states skip,full \
        --label "$1" ${VARIANT[$1]}
}

# 2. Variant selection: every variant at 2.0x, seed 1, scored on the
#    validation tail (cost bias tuned there too).
if [[ ! -f $OUT/select.json ]]; then
    for v in reference oracle relaxed diffkl; do skipfull "$v" 2.0 1; done
    log "headroom (selection, validation tail)"
    "$CLI" headroom "${E[@]}" --calibration "$C" --file "$OUT/valid-tail.txt" \
        --tune-file "$OUT/valid-tail.txt" --ratios 2.0 --windows "$SELECT_WINDOWS" --no-oracle \
        --static-windows "$STATIC_WINDOWS" --quiet --json \
        $(for v in reference oracle relaxed diffkl; do echo --dash "$OUT/skip-$v-2.0-s1.policy"; done) \
        >"$OUT/select.json"
fi
if [[ -z $CHOSEN ]]; then
    # The variant with the lowest validation-tail perplexity.
    CHOSEN=$(jq -r '[.summaries[]] | min_by(.ppl_mean) | .group | split("/")[1]' "$OUT/select.json")
fi
log "chosen skip/full variant: $CHOSEN"

# 3. The chosen skip/full variant and the 4-state policy, every ratio and seed.
policies=()
for r in $RATIOS; do
    for s in $SEEDS; do
        skipfull "$CHOSEN" "$r" "$s"
        train "$OUT/dash4-$r-s$s.policy" --target-ratio "$r" --seed "$s" --label 4-state
        policies+=(--dash "$OUT/skip-$CHOSEN-$r-s$s.policy" --dash "$OUT/dash4-$r-s$s.policy")
    done
done

# 4. The test text: full precision, static similarity skipping, AdaSkip, the
#    best static sets (searched on the validation text), the oracle (nll:
#    the issue's true downstream loss; kl: what a policy that does not see the
#    next token can aim at) and every policy of step 3 with its input
#    awareness and statically reassigned counterfactual.
if [[ ! -f $OUT/headroom.json ]]; then
    log "headroom (test)"
    "$CLI" headroom "${E[@]}" --calibration "$C" --file "$T" --tune-file "$V" \
        --ratios "$(echo $RATIOS | tr ' ' ,)" --windows "$EVAL_WINDOWS" \
        --static-windows "$STATIC_WINDOWS" --loss both --oracle-cache "$OUT/oracle-test" \
        --quiet --json "${policies[@]}" >"$OUT/headroom.json"
fi
log done
