#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prepares what a device run of scripts/gpu-check.sh takes along: the device
# machine reaches no network, and a checkout sent there has no ../shared.
#
#   .gpu-carry/debs    Debian 12 (amd64) packages of jq, pkgconf and the
#                      development files the core links (SQLite, PCRE2,
#                      OpenSSL, nlohmann-json) with their libraries;
#                      gpu-check.sh unpacks them under a private prefix when
#                      the machine lacks them
#   .gpu-carry/models  a link to ../shared/models: a carried path through it
#                      travels as the file itself
#
# .gpu-carry is ignored by git. Prints the paths to carry and the command.
#   scripts/gpu-prepare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(jq libjq1 libonig5 pkgconf pkgconf-bin libpkgconf3 libsqlite3-dev libsqlite3-0
    libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 libssl-dev libssl3
    nlohmann-json3-dev)
models=(dash-demo-16L.gguf dash-tiny-qwen2.gguf)
shared=${DASH_MODEL_DIR:-$(cd .. && pwd)/shared/models}

mkdir -p .gpu-carry/debs
rm -f .gpu-carry/debs/*.deb
(cd .gpu-carry/debs && apt-get download -oAPT::Architecture=amd64 "${packages[@]}")
for file in "${models[@]}"; do
    if [[ ! -f $shared/$file ]]; then
        echo "gpu-prepare: $shared/$file is missing (set DASH_MODEL_DIR to the models' folder)" >&2
        exit 1
    fi
done
ln -sfn "$shared" .gpu-carry/models

echo "gpu-prepare: $(find .gpu-carry/debs -name '*.deb' | wc -l) packages," \
    "$(du -sh .gpu-carry/debs | cut -f1) in .gpu-carry/debs"
echo "carry: .gpu-carry/debs .gpu-carry/models/${models[0]} .gpu-carry/models/${models[1]}"
echo "command: DASH_COMMIT=$(git rev-parse --short HEAD) JOBS=16 scripts/gpu-check.sh"
