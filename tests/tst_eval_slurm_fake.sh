#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/slurm/submit-eval.sh against a stand-in `sbatch` on PATH, which
# runs an array job's tasks one after the other with the variables Slurm
# sets (SLURM_ARRAY_TASK_ID/MIN/COUNT) and a dependent job after them when
# all succeeded (afterok). Checks the sbatch calls (array range, dependency on
# the array's id, the options passed through), the `dash-cli eval` command
# each task ran (--shard K/N --out $EVAL_OUT/shard-K), and that the merged
# tables equal an unsharded run's, file for file.
#   tst_eval_slurm_fake.sh <dash-cli> <source-dir> <shared-dir>
# Exit 77 (skipped) when the demo model or the data are missing (1 with
# DASH_REQUIRE_SHARED=1).
set -euo pipefail

cli=$1
source_dir=$2
shared=${3:-$source_dir/../shared}
# shellcheck source-path=SCRIPTDIR source=tst_eval_slurm_common.sh
. "$(dirname "$0")/tst_eval_slurm_common.sh"
evalSlurmRequireShared

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
evalSlurmPrepare

# The stand-in sbatch: logs its arguments, runs the script as the job
# (array tasks in order), prints the job id as --parsable asks.
cat >"$work/bin/sbatch" <<'EOF'
#!/usr/bin/env bash
set -uo pipefail
echo "sbatch $*" >>"$FAKE_SLURM_LOG"
array="" dependency="" parsable=0
while [ $# -gt 0 ]; do
    case $1 in
    --parsable) parsable=1 ;;
    --array=*) array=${1#--array=} ;;
    --dependency=*) dependency=${1#--dependency=} ;;
    --*) ;;
    *) break ;;
    esac
    shift
done
script=$1
shift
id=$((1000 + $(grep -c '^sbatch ' "$FAKE_SLURM_LOG")))
if [ -n "$dependency" ]; then
    # afterok:ID — run only if every task of job ID succeeded.
    dep=${dependency#afterok:}
    if grep -q "^job $dep failed" "$FAKE_SLURM_LOG"; then
        echo "job $id never ran (dependency failed)" >>"$FAKE_SLURM_LOG"
        [ $parsable -eq 1 ] && echo "$id"
        exit 0
    fi
fi
if [ -n "$array" ]; then
    first=${array%-*}
    last=${array#*-}
    for ((task = first; task <= last; ++task)); do
        if ! SLURM_JOB_ID=$id SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$task \
            SLURM_ARRAY_TASK_MIN=$first SLURM_ARRAY_TASK_MAX=$last \
            SLURM_ARRAY_TASK_COUNT=$((last - first + 1)) bash "$script" "$@" \
            >"$FAKE_SLURM_DIR/job-${id}_$task.log" 2>&1; then
            echo "job $id failed (task $task)" >>"$FAKE_SLURM_LOG"
        fi
    done
else
    SLURM_JOB_ID=$id bash "$script" "$@" >"$FAKE_SLURM_DIR/job-$id.log" 2>&1 ||
        echo "job $id failed" >>"$FAKE_SLURM_LOG"
fi
[ $parsable -eq 1 ] && echo "$id"
exit 0
EOF
chmod +x "$work/bin/sbatch"

# dash-cli behind a wrapper that logs each command.
cat >"$work/bin/dash-cli-logged" <<EOF
#!/usr/bin/env bash
echo "dash-cli \$*" >>"\$FAKE_SLURM_DIR/commands.log"
exec "$cli" "\$@"
EOF
chmod +x "$work/bin/dash-cli-logged"

export FAKE_SLURM_LOG=$work/sbatch.log FAKE_SLURM_DIR=$work
export DASH_CLI=$work/bin/dash-cli-logged
: >"$FAKE_SLURM_LOG"

fail() {
    echo "tst_eval_slurm_fake: $*" >&2
    for f in "$work"/sbatch.log "$work"/commands.log "$work"/job-*.log; do
        [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }
    done
    exit 1
}

submitted=$(PATH="$work/bin:$PATH" "$source_dir/scripts/slurm/submit-eval.sh" 2 "$work/out" \
    --partition=test -- "${eval_args[@]}") || fail "submit-eval.sh failed"
echo "$submitted"

# The sbatch calls: the array with the options passed through, then the
# merge depending on the array's id.
mapfile -t calls < <(grep '^sbatch ' "$FAKE_SLURM_LOG")
[ ${#calls[@]} -eq 2 ] || fail "expected 2 sbatch calls, got ${#calls[@]}"
[[ ${calls[0]} == *"--partition=test"*"--array=1-2"*"eval-array.sbatch --model $model"* ]] ||
    fail "array call: ${calls[0]}"
[[ ${calls[1]} == *"--partition=test"*"--dependency=afterok:1001"*"eval-merge.sbatch" ]] ||
    fail "merge call: ${calls[1]}"
grep -q failed "$FAKE_SLURM_LOG" && fail "a job failed"
[[ $submitted == "array job 1001, merge job 1002; tables in $work/out/merged" ]] ||
    fail "submit-eval.sh printed: $submitted"

# The commands the jobs ran: one shard each, then the merge of both folders.
mapfile -t commands <"$work/commands.log"
[ ${#commands[@]} -eq 3 ] || fail "expected 3 dash-cli commands, got ${#commands[@]}"
for k in 1 2; do
    [[ ${commands[k - 1]} == "dash-cli eval --model $model "*" --shard $k/2 --out $work/out/shard-$k" ]] ||
        fail "shard $k ran: ${commands[k - 1]}"
done
[[ ${commands[2]} == "dash-cli eval --merge --out $work/out/merged $work/out/shard-1 $work/out/shard-2" ]] ||
    fail "merge ran: ${commands[2]}"

# Merged = unsharded, table for table; each shard has its own run store.
evalSlurmCheckMerged "$work/out"
echo "tst_eval_slurm_fake: 2 shards through the stand-in sbatch merge to the unsharded tables"
