#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves that scripts/install-deps.sh alone is enough to build DASH Studio on a
# fresh Debian 12: builds a minimal bookworm root with debootstrap, copies the
# checkout into it, runs install-deps.sh there as a non-interactive root, then
# configures and builds every target (app, tests and benchmarks; no CUDA) and
# checks that every built program finds its shared libraries. Tests do not run.
#
#   scripts/check-fresh-root.sh                      the check
#   scripts/check-fresh-root.sh --without PACKAGE    drop PACKAGE from
#       install-deps.sh's list inside the root (repeatable): the check must
#       then fail, and the last line names the step that failed
#   --jobs N        build jobs (default $JOBS or 2)
#   --head          copy the committed HEAD (default: the working tree, i.e.
#                   tracked and untracked files that git does not ignore)
#   --keep          keep the root afterwards (its path is printed)
#   --no-cache      download everything again (ignore and do not fill the cache)
#   -v, --verbose   stream each step's output (default: log files; the tail of
#                   the failing step's log is printed)
#
# Needs root (debootstrap, chroot, mount); re-runs itself through sudo when
# sudo exists. Installs debootstrap on this machine when it is missing.
# Only downloaded .deb files are cached between runs, in $FRESH_ROOT_CACHE
# (default /var/cache/dash-fresh-root): they let apt skip a download, never
# choose what is installed, so each run starts from a bare root and installs
# exactly what install-deps.sh asks for. The root is built in
# $FRESH_ROOT_TMP (default /var/tmp) and removed at exit, also on Ctrl-C.
set -euo pipefail

mirror=http://deb.debian.org/debian
security_mirror=http://deb.debian.org/debian-security
suite=bookworm
src_dir=$(cd "$(dirname "$0")/.." && pwd)

jobs=${JOBS:-2}
without=()
use_head=0
keep=0
use_cache=1
verbose=0
orig_args=("$@")
while (($#)); do
    case "$1" in
    --without)
        [[ $# -ge 2 && -n $2 ]] || { echo "check-fresh-root: --without needs a package name" >&2; exit 2; }
        without+=("$2")
        shift 2
        ;;
    --jobs)
        [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "check-fresh-root: --jobs needs a positive integer" >&2; exit 2; }
        jobs=$2
        shift 2
        ;;
    --head) use_head=1; shift ;;
    --keep) keep=1; shift ;;
    --no-cache) use_cache=0; shift ;;
    -v | --verbose) verbose=1; shift ;;
    -h | --help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
        echo "check-fresh-root: unknown option '$1' (see --help)" >&2
        exit 2
        ;;
    esac
done

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        echo "check-fresh-root: needs root for debootstrap, chroot and mount; re-running through sudo"
        exec sudo --preserve-env=JOBS,FRESH_ROOT_CACHE,FRESH_ROOT_TMP "$0" "${orig_args[@]}"
    fi
    echo "check-fresh-root: needs root (debootstrap, chroot, mount) and sudo is not installed; run it as root" >&2
    exit 1
fi

for p in "${without[@]}"; do
    if ! "$src_dir/scripts/install-deps.sh" --list | grep -qxF -- "$p"; then
        echo "check-fresh-root: --without $p: '$p' is not in scripts/install-deps.sh --list" >&2
        exit 2
    fi
done

cache=${FRESH_ROOT_CACHE:-/var/cache/dash-fresh-root}
tmp_parent=${FRESH_ROOT_TMP:-/var/tmp}
if [[ $tmp_parent =~ [[:space:]] ]]; then
    echo "check-fresh-root: FRESH_ROOT_TMP '$tmp_parent' contains white space" >&2
    exit 2
fi
work=$(mktemp -d "$tmp_parent/dash-fresh-root.XXXXXX")
root=$work/root
logs=$work/logs
mkdir -p "$root" "$logs"

step=setup
step_pid=

# Every process whose root directory lies inside the root was started by this
# script (through chroot): stop them so that the mounts can go.
stopRootProcesses() {
    local sig=$1 p r found=0
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        if [[ $r == "$root" || $r == "$root"/* ]]; then
            kill "-$sig" "${p#/proc/}" 2>/dev/null && found=1
        fi
    done
    return $((found == 0))
}

# Mount points under the root, last mounted first (the mounts are made inside
# a step's subshell, so the kernel's table is the record).
rootMounts() {
    awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | tac
}

unmountAll() {
    local m
    for m in $(rootMounts); do
        umount "$m" 2>/dev/null || umount -l "$m" ||
            echo "check-fresh-root: could not unmount $m" >&2
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    if [[ -n $step_pid ]]; then
        kill -TERM -- "-$step_pid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            # Zombies count as members until reaped; wait only for live ones.
            ps -e -o pgid=,stat= | awk -v g="$step_pid" '$1 == g && $2 !~ /^Z/' | grep -q . || break
            sleep 1
        done
        kill -KILL -- "-$step_pid" 2>/dev/null
    fi
    if stopRootProcesses TERM; then
        sleep 2
        stopRootProcesses KILL
        sleep 1
    fi
    unmountAll
    # Never delete through a mount that is still there (/dev, the cache).
    if [[ -n $(rootMounts) ]]; then
        echo "check-fresh-root: mounts remain under $root; not deleting it" >&2
        ((rc != 0)) || { rc=1; step=cleanup; }
    elif ((keep)); then
        echo "check-fresh-root: root kept at $root"
    else
        rm -rf --one-file-system "$root"
    fi
    rm -f "$work/times"
    if ((rc == 0)); then
        if ((!keep)); then
            rm -rf "$logs"
            rmdir "$work"
        fi
    else
        echo "check-fresh-root: logs in $logs" >&2
        echo "check-fresh-root: FAIL step=$step" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "check-fresh-root: interrupted" >&2; exit 130' INT
trap 'echo "check-fresh-root: terminated" >&2; exit 143' TERM HUP

# cpu_now = CPU seconds (user + system) used so far by this script's finished
# children. Called directly, not in $( ): times must run in this shell.
cpu_now=0
childCpu() {
    times >"$work/times"
    cpu_now=$(awk 'NR == 2 {
        n = split($1 " " $2, t, /[ ms]+/)
        print int(t[1] * 60 + t[2] + t[3] * 60 + t[4])
    }' "$work/times")
}

t_start=$SECONDS
# runStep NAME FUNCTION: runs FUNCTION under set -e in its own process group
# (so that cleanup can stop all of it by that id), logs and times it, and
# stops the script when it fails.
runStep() {
    step=$1
    shift
    local t0=$SECONDS c0 rc=0 log=$logs/$step.log
    childCpu
    c0=$cpu_now
    echo "check-fresh-root: $step ..."
    set -m
    if ((verbose)); then
        (set -e; "$@") </dev/null > >(tee "$log") 2>&1 &
    else
        (set -e; "$@") </dev/null >"$log" 2>&1 &
    fi
    step_pid=$!
    set +m
    wait "$step_pid" || rc=$?
    step_pid=
    if ((rc != 0)); then
        ((verbose)) || tail -n 40 "$log" | sed 's/^/    /' >&2
        echo "check-fresh-root: step '$step' failed (exit $rc) after $((SECONDS - t0)) s" >&2
        exit 1
    fi
    childCpu
    echo "check-fresh-root: $step ok ($((SECONDS - t0)) s, cpu $((cpu_now - c0)) s)"
}

bindMount() { # SOURCE TARGET
    mkdir -p "$2"
    mount --bind "$1" "$2"
}

hostTools() {
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "installing debootstrap on this machine (apt-get install debootstrap)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
    fi
    command -v debootstrap
    command -v git
}

bootstrap() {
    local args=(--variant=minbase)
    if ((use_cache)); then
        mkdir -p "$cache/debootstrap"
        args+=(--cache-dir="$cache/debootstrap")
    fi
    debootstrap "${args[@]}" "$suite" "$root" "$mirror"
    # What a default Debian 12 install lists: the release, its updates and
    # security updates.
    cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # The root is thrown away: dpkg need not fsync every file it unpacks.
    # (This changes how fast packages install, not which ones.)
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/unsafe-io"
}

copySource() {
    mkdir -p "$root/src"
    if ((use_head)); then
        git -C "$src_dir" archive --format=tar HEAD | tar -x -C "$root/src"
    else
        # Tracked and untracked-but-not-ignored files that exist now.
        (cd "$src_dir" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
            tar --null -T - -c) | tar -x -C "$root/src"
    fi
    local p
    for p in "${without[@]}"; do
        # Remove the word from the packages=( ... ) list only.
        awk -v p="$p" '
            /^packages=\(/ { inList = 1 }
            inList && /^\)/ { inList = 0; print; next }
            inList && !/^[[:space:]]*#/ && !/^packages=\(/ {
                line = ""
                for (i = 1; i <= NF; i++) if ($i != p) line = line " " $i
                $0 = "   " line
            }
            { print }' "$root/src/scripts/install-deps.sh" >"$root/install-deps.edit"
        cat "$root/install-deps.edit" >"$root/src/scripts/install-deps.sh"
        rm "$root/install-deps.edit"
        if "$root/src/scripts/install-deps.sh" --list | grep -qxF -- "$p"; then
            echo "could not remove $p from the copied install-deps.sh" >&2
            return 1
        fi
        echo "dropped $p from the root's install-deps.sh"
    done
    "$root/src/scripts/install-deps.sh" --list | wc -l
}

mountRoot() {
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    bindMount /dev "$root/dev"
    bindMount /dev/pts "$root/dev/pts"
    if ((use_cache)); then
        mkdir -p "$cache/apt-archives/partial"
        bindMount "$cache/apt-archives" "$root/var/cache/apt/archives"
    fi
}

# inRoot COMMAND...: runs COMMAND in the root with a bare environment, no
# terminal input, as root.
inRoot() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb "$@" </dev/null
}

installDeps() {
    inRoot /src/scripts/install-deps.sh
    # Forget cached .debs that the mirror no longer serves.
    if ((use_cache)); then inRoot apt-get autoclean -qq; fi
}

configure() {
    inRoot cmake -S /src -B /src/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DDASH_WITH_CUDA=OFF -DDASH_BUILD_APP=ON -DDASH_BUILD_TESTS=ON -DDASH_BUILD_BENCH=ON
}

build() {
    inRoot cmake --build /src/build -j "$jobs"
}

# Every ELF program and library built must resolve its shared libraries in the
# root (a runtime package that nothing pulled in shows here).
linkCheck() {
    inRoot bash -c '
        n=0 bad=0
        while IFS= read -r -d "" f; do
            head -c 4 "$f" | grep -q "ELF" || continue
            n=$((n + 1))
            if ldd "$f" | grep "not found"; then echo "  in $f"; bad=1; fi
        done < <(find /src/build -type f \( -perm -u+x -o -name "*.so*" \) -not -path "*/CMakeFiles/*" -print0)
        echo "$n ELF files checked"
        ((n > 0 && bad == 0))'
}

runStep host-tools hostTools
runStep debootstrap bootstrap
runStep copy-source copySource
runStep mount mountRoot
runStep install-deps installDeps
runStep configure configure
runStep build build
runStep link-check linkCheck
step="done"
childCpu
echo "check-fresh-root: all steps passed in $((SECONDS - t_start)) s, cpu $cpu_now s${without[*]:+ (without ${without[*]})}"
