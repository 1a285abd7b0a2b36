#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/slurm/submit-eval.sh under a real single-node Slurm: starts munged,
# slurmctld and slurmd (Debian's slurm-wlm 22.05 and munge) on localhost
# with every file (slurm.conf, munge key and socket, state, spool, logs, pid
# files) in a temporary folder, submits the small evaluation of
# tst_eval_slurm_common.sh as a 2-task job array and its merge job, waits
# for both (DASH_SLURM_TIMEOUT seconds, default 600), checks that every task
# and the merge completed, and that the merged tables equal an unsharded
# run's, file for file. Every daemon is stopped on exit, also on failure,
# timeout, SIGINT or SIGTERM. Runs as root or as an ordinary user: the
# daemons run as the current user (SlurmUser, SlurmdUser), who owns the jobs.
#   tst_eval_slurm.sh <dash-cli> <source-dir> <shared-dir>
# Exit 77 (skipped) with the reason when Slurm or munge is not installed or
# a daemon cannot start; with DASH_REQUIRE_SLURM=1 (as in CI,
# where scripts/install-deps.sh --slurm installs them) that is a failure.
# Exit 77 also when the demo model or the data are missing (1 with
# DASH_REQUIRE_SHARED=1). DASH_KEEP_SLURM_DIR=1 keeps the folder.
set -euo pipefail

cli=$1
source_dir=$2
shared=${3:-$source_dir/../shared}
timeout=${DASH_SLURM_TIMEOUT:-600}
# shellcheck source-path=SCRIPTDIR source=tst_eval_slurm_common.sh
. "$(dirname "$0")/tst_eval_slurm_common.sh"
evalSlurmRequireShared

skip() {
    echo "tst_eval_slurm: skipped: $*"
    if [ "${DASH_REQUIRE_SLURM:-0}" = 1 ]; then
        echo "tst_eval_slurm: DASH_REQUIRE_SLURM=1, so this is a failure" >&2
        exit 1
    fi
    exit 77
}

missing=()
for tool in munged munge unmunge slurmctld slurmd sinfo sbatch squeue scontrol scancel python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] ||
    skip "not installed: ${missing[*]} (scripts/install-deps.sh --slurm installs them)"

work=$(mktemp -d)
# munged wants every folder above its socket searchable by all.
chmod 711 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log" "$work/jobs"
chmod 711 "$work/munge"
pids=()
jobs_submitted=()

logs() {
    for f in "$work"/log/* "$work"/jobs/*.log; do
        [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }
    done
}
fail() {
    echo "tst_eval_slurm: $*" >&2
    logs
    exit 1
}
# Cancels what still runs (slurmd then kills the job's processes), waits a
# little for it, then stops slurmd, slurmctld and munged in that order.
cleanup() {
    local rc=$? i pid
    trap - EXIT INT TERM
    if [ ${#jobs_submitted[@]} -gt 0 ]; then
        scancel "${jobs_submitted[@]}" 2>/dev/null || true
        for ((i = 0; i < 30; ++i)); do
            [ -z "$(squeue -h -j "$(IFS=,; echo "${jobs_submitted[*]}")" 2>/dev/null)" ] && break
            sleep 1
        done
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; --i)); do
        pid=${pids[i]}
        kill "$pid" 2>/dev/null || true
        for ((j = 0; j < 50; ++j)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${DASH_KEEP_SLURM_DIR:-0}" = 1 ]; then
        echo "tst_eval_slurm: kept $work"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# waitFor SECONDS WHAT COMMAND...: polls COMMAND every second until it
# succeeds; fails (or skips, for daemons that cannot start) after SECONDS.
waitFor() {
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds; ++i)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    logs
    skip "$what did not come up within $seconds s (logs above)"
}

# munge: its own key, socket, pid, seed and log file.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket=$work/munge/munge.sock
munged --foreground --socket="$socket" --key-file="$work/munge/munge.key" \
    --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" \
    --log-file="$work/log/munged.log" >"$work/log/munged.out" 2>&1 &
pids+=($!)
munge_ok() { munge -n -S "$socket" | unmunge -S "$socket"; }
waitFor 15 munged munge_ok

# Two free TCP ports for slurmctld and slurmd, so that a Slurm already on
# this machine (default ports 6817/6818) is neither used nor disturbed.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# The node's CPUs, sockets and memory as slurmd detects them; a node
# configured with more than it has would be drained.
hardware=$(slurmd -C | sed -n '1s/^NodeName=[^ ]* //p')
[ -n "$hardware" ] || skip "slurmd -C printed no node configuration"
user=$(id -un)
cat >"$work/slurm.conf" <<EOF
ClusterName=dashtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# A merge whose array failed is cancelled instead of pending for ever.
DependencyParameters=kill_invalid_depend
# Finished jobs stay visible to scontrol (there is no accounting database).
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

slurmctld -D -f "$work/slurm.conf" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$work/slurm.conf" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -N -n localhost -o %t)" = idle ]; }
waitFor 60 "slurmctld and slurmd (node localhost idle)" node_idle
echo "tst_eval_slurm: slurmctld on port $ctld_port, slurmd on $slurmd_port: $(sinfo -h -N -o '%N %t %c CPUs %m MB')"

evalSlurmPrepare
export DASH_CLI=$cli
# The array script asks for 8 CPUs per task; the command line overrides it
# so that both tasks fit the node at once.
started=$(date +%s)
submitted=$("$source_dir/scripts/slurm/submit-eval.sh" 2 "$work/out" --cpus-per-task=1 \
    --chdir="$work/jobs" -- "${eval_args[@]}") || fail "submit-eval.sh failed"
echo "$submitted"
[[ $submitted =~ ^array\ job\ ([0-9]+),\ merge\ job\ ([0-9]+)\; ]] ||
    fail "unexpected output of submit-eval.sh: $submitted"
array=${BASH_REMATCH[1]}
merge=${BASH_REMATCH[2]}
jobs_submitted=("$array" "$merge")

# Wait until neither job is pending or running.
while :; do
    queued=$(squeue -h -j "$array,$merge" -o '%i %T') || fail "squeue failed: is slurmctld still up?"
    [ -z "$queued" ] && break
    (($(date +%s) - started < timeout)) ||
        fail "still queued after $timeout s: $(tr '\n' ';' <<<"$queued")"
    sleep 2
done
echo "tst_eval_slurm: jobs finished after $(($(date +%s) - started)) s"

# Every array task and the merge completed (scontrol prints one line per
# array task).
states() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' \n' ' '; }
array_states=$(states "$array")
merge_states=$(states "$merge")
echo "tst_eval_slurm: array $array:$array_states; merge $merge:$merge_states"
[ "$(scontrol -o show job "$array" | grep -c 'JobState=COMPLETED')" -eq 2 ] ||
    fail "the array's 2 tasks did not both complete:$array_states"
[ "$(scontrol -o show job "$merge" | grep -c 'JobState=COMPLETED')" -eq 1 ] ||
    fail "the merge job did not complete:$merge_states"
for k in 1 2; do
    [ -f "$work/jobs/dash-eval-${array}_$k.log" ] || fail "no log of array task $k"
done

evalSlurmCheckMerged "$work/out"
echo "tst_eval_slurm: 2 shards run by slurmd merge to the unsharded tables"
