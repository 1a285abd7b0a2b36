# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034,SC2054,SC2154
# Sourced by tst_eval_slurm_fake.sh and tst_eval_slurm.sh: the small
# evaluation both submit through scripts/slurm/ (ARC and WikiText-2 on the
# demo model, methods full and random at 2.0x, 4 cells) and the check that
# the merged tables equal an unsharded run's.
# The sourcing script sets cli (dash-cli), shared (the shared folder) and
# work (a temporary folder), and defines fail MESSAGE (prints, exits 1);
# the functions below set model, data and eval_args.

# Exits 77 (skipped) when the demo model or the data are missing, 1 with
# DASH_REQUIRE_SHARED=1.
evalSlurmRequireShared() {
    model=${DASH_MODEL_DIR:-$shared/models}/dash-demo-16L.gguf
    data=${DASH_DATA_DIR:-$shared/data}
    local f
    for f in "$model" "$data/arc/ARC-Challenge-Test.jsonl" "$data/wikitext2_test.raw" \
        "$data/wikitext2_valid.txt"; do
        if [ ! -f "$f" ]; then
            echo "shared file not found: $f"
            [ "${DASH_REQUIRE_SHARED:-0}" = 1 ] && exit 1
            exit 77
        fi
    done
}

# Cuts the inputs into $work and sets eval_args, the `dash-cli eval`
# arguments without --out and --shard.
evalSlurmPrepare() {
    head -c 20000 "$data/wikitext2_test.raw" >"$work/wiki.raw"
    head -c 20000 "$data/wikitext2_valid.txt" >"$work/tune.txt"
    head -n 3 "$data/arc/ARC-Challenge-Test.jsonl" >"$work/arc.jsonl"
    eval_args=(--model "$model" --tasks arc,wikitext2 --methods full,random --ratios 2.0
        --limit arc=2,wikitext2=1 --arc "$work/arc.jsonl" --wikitext "$work/wiki.raw"
        --tune-file "$work/tune.txt" --tune-windows 2 --threads 2 --quiet)
}

# evalSlurmCheckMerged OUT: OUT/merged equals an unsharded run's tables,
# file for file; each of the 2 shards wrote its own run store; the merged
# store holds the 4 cells.
evalSlurmCheckMerged() {
    local out=$1 f k listed
    "$cli" eval "${eval_args[@]}" --out "$work/whole" >/dev/null || fail "unsharded run failed"
    for f in results.csv table1.tex; do
        [ -f "$out/merged/$f" ] || fail "the merge wrote no $f"
        cmp -s "$out/merged/$f" "$work/whole/$f" || fail "merged $f differs from the unsharded one"
    done
    for k in 1 2; do
        [ -s "$out/shard-$k/runs.sqlite" ] || fail "shard $k wrote no run store"
    done
    listed=$("$cli" runs list --db "$out/merged/runs.sqlite" --json | grep -o '"id"' | wc -l)
    [ "$listed" -eq 4 ] || fail "the merged store lists $listed runs, not the 4 cells"
}
