#!/usr/bin/env bash
# Installs every package DASH Studio needs to build and test on Debian 12.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the PyTorch reference used by bench/
# The CUDA toolkit is not a Debian package: when /usr/local/cuda (or nvcc on
# PATH) exists the CUDA backend is built, otherwise it is left out.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git
    libpcre2-dev libsqlite3-dev sqlite3
    qt6-base-dev qt6-charts-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    libgl-dev libxkbcommon-dev
    xvfb xauth
    clang libclang-rt-14-dev
    python3
)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(python3-torch python3-numpy python3-sentencepiece libopenblas0-pthread)
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
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
