#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package DASH Studio needs to build and test.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the PyTorch reference used by bench/
#   scripts/install-deps.sh --slurm  also a single-node Slurm (slurmctld, slurmd,
#                                    munge) for tests/tst_eval_slurm.sh
#   scripts/install-deps.sh --list   print the package list and exit
# Options combine (--bench --slurm; --list with either prints the longer list).
# Runs apt-get as root, or through sudo when sudo exists. Without either it
# prints the apt-get command for an administrator to run and fails.
# The CUDA toolkit is not a Debian package: when /usr/local/cuda (or nvcc on
# PATH) exists the CUDA backend is built, otherwise it is left out.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git jq
    libpcre2-dev libsqlite3-dev sqlite3 libssl-dev nlohmann-json3-dev
    # Qt Charts needs Qt OpenGL, which qt6-base-dev only recommends.
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    libgl-dev libxkbcommon-dev
    # A CJK font so that the Chinese UI does not show empty boxes.
    fonts-noto-cjk
    xvfb xauth
    clang libclang-rt-14-dev
    python3
)
list=0
for option in "$@"; do
    case "$option" in
    --bench)
        packages+=(python3-torch python3-numpy python3-sentencepiece libopenblas0-pthread)
        ;;
    --slurm)
        # The test runs its own daemons from a temporary folder, not the system ones.
        packages+=(slurmctld slurmd slurm-client munge)
        ;;
    --list) list=1 ;;
    *)
        echo "install-deps: unknown option '$option' (expected --bench, --slurm or --list)" >&2
        exit 2
        ;;
    esac
done
if ((list)); then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: missing packages: ${missing[*]}" >&2
        echo "install-deps: not root and sudo is not installed; as root, run:" >&2
        echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
