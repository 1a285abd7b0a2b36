#!/bin/bash
# SPDX-License-Identifier: MIT
# Submits an evaluation as a job array of SHARDS shards and a merge job that
# runs once all of them succeeded:
#
#   scripts/slurm/submit-eval.sh SHARDS OUT_DIR [sbatch options --] dash-cli eval options
#
#   scripts/slurm/submit-eval.sh 8 /shared/run1 --partition=gpu -- \
#       --model qwen2.5-7b.gguf --tasks wikitext2,cnndm,mmlu,arc \
#       --methods full,skipdecode,adaskip,dash:q7b.policy --tune-file valid.txt ...
#
# Prints the two job ids. DASH_CLI (exported to the jobs) names the binary.
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 SHARDS OUT_DIR [sbatch options --] dash-cli eval options" >&2
    exit 2
fi
shards=$1
out=$2
shift 2
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
    echo "submit-eval: SHARDS must be a positive number, got '$shards'" >&2
    exit 2
fi
sbatch_options=()
if printf '%s\n' "$@" | grep -qx -- '--'; then
    while [ "$1" != "--" ]; do
        sbatch_options+=("$1")
        shift
    done
    shift
fi
here=$(cd "$(dirname "$0")" && pwd)
export EVAL_OUT=$out
array=$(sbatch --parsable --export=ALL "${sbatch_options[@]}" --array="1-$shards" \
    "$here/eval-array.sbatch" "$@")
merge=$(sbatch --parsable --export=ALL "${sbatch_options[@]}" \
    --dependency="afterok:${array%%;*}" "$here/eval-merge.sbatch")
echo "array job $array, merge job $merge; tables in $out/merged"
