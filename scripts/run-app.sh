#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds DASH Studio and launches it on the demo model
# ($DASH_MODEL_DIR/dash-demo-16L.gguf, DASH_MODEL_DIR defaulting to ../shared/models).
# Extra arguments go to dash-studio (for example another .gguf file).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "${JOBS:-2}" --target dash-studio dash-cli

export DASH_MODEL_DIR=${DASH_MODEL_DIR:-$(cd .. && pwd)/shared/models}
exec "$build/app/dash-studio" "$@"
