#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches llama.cpp for `bench_llama_cpp --with-llama-cpp` (never part of the
# build): the prebuilt libllama / libggml shared libraries of the npm package
# @node-llama-cpp/linux-x64, and compiles bench/llama_cpp_harness.cpp against
# the llama.h of the same llama.cpp release. That package ships no headers;
# its companion package node-llama-cpp (same version) ships the release's
# sources as a git bundle, from which llama.h and the ggml headers are taken,
# after checking that both name the same release.
#
#   scripts/fetch-llama-cpp.sh [CACHE_DIR]
#
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/dash-studio/llama-cpp.
# DASH_LLAMA_CPP_NPM_VERSION picks the package version (default 3.22.1).
# Progress goes to stderr; stdout gets KEY=VALUE lines: PACKAGE, RELEASE,
# LIBDIR (the shared libraries and CPU backends) and HARNESS (the executable).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/dash-studio/llama-cpp}
version=${DASH_LLAMA_CPP_NPM_VERSION:-3.22.1}
dir="$cache/$version"
harness_src="$root/bench/llama_cpp_harness.cpp"
harness="$dir/llama_cpp_harness"
say() { echo "fetch-llama-cpp: $*" >&2; }

for tool in npm tar git c++; do
    if ! command -v "$tool" >/dev/null; then
        say "needs '$tool' (Debian: apt-get install npm git g++)"
        exit 1
    fi
done

mkdir -p "$dir"
cd "$dir"
if [[ ! -d binaries/package/bins ]]; then
    say "npm pack @node-llama-cpp/linux-x64@$version"
    rm -rf binaries && mkdir binaries
    (cd binaries && npm pack --silent "@node-llama-cpp/linux-x64@$version" >/dev/null &&
        tar xzf ./*.tgz && rm -f ./*.tgz)
fi
if [[ ! -f headers/include/llama.h ]]; then
    say "npm pack node-llama-cpp@$version (the release's sources, for llama.h)"
    rm -rf sources headers && mkdir sources
    (cd sources && npm pack --silent "node-llama-cpp@$version" >/dev/null &&
        tar xzf ./*.tgz package/llama/gitRelease.bundle package/llama/llama.cpp.info.json &&
        rm -f ./*.tgz)
    git clone --quiet sources/package/llama/gitRelease.bundle sources/llama.cpp 2>/dev/null
    mkdir -p headers/include
    cp sources/llama.cpp/include/llama.h headers/include/
    cp sources/llama.cpp/ggml/include/*.h headers/include/
    cp sources/package/llama/llama.cpp.info.json headers/
    rm -rf sources
fi

libdir=$(dirname "$(find "$dir/binaries/package/bins" -name 'libggml-base.so' | head -1)")
release=$(sed -n 's/.*"release":"\([^"]*\)".*/\1/p' "$libdir/_nlcBuildMetadata.json")
source_tag=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' headers/llama.cpp.info.json)
if [[ -z "$release" || "$release" != "$source_tag" ]]; then
    say "the binaries were built from llama.cpp '$release' but the headers are of '$source_tag'"
    exit 1
fi

if [[ ! -x "$harness" || "$harness_src" -nt "$harness" ]]; then
    say "compiling the harness against llama.h of $release"
    libllama=$(find "$libdir" -maxdepth 1 -name 'libllama.so*' -o -maxdepth 1 -name 'libllama.v*.so' |
        head -1)
    libggml=$(find "$libdir" -maxdepth 1 -name 'libggml.so*' -o -maxdepth 1 -name 'libggml.v*.so' |
        head -1)
    c++ -std=c++17 -O2 -I headers/include "$harness_src" -o "$harness" \
        "$libllama" "$libggml" "$libdir/libggml-base.so" -Wl,-rpath,"$libdir"
fi

echo "PACKAGE=@node-llama-cpp/linux-x64@$version"
echo "RELEASE=$release"
echo "LIBDIR=$libdir"
echo "HARNESS=$harness"
