// SPDX-License-Identifier: MIT
// SHA-256 throughput of sha256File, the hash the run store keeps of every
// model: median of repeated passes over a file (page-cached after the first).
//
//   bench_hash [FILE] [--repeats 5]
//
// Without FILE it hashes a 1 GiB file of pseudo-random bytes written to /tmp.
#include "core/util/sha256.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::string path;
    int repeats = 5;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
            repeats = std::max(1, std::atoi(argv[++i]));
        else if (argv[i][0] != '-')
            path = argv[i];
        else {
            std::fprintf(stderr, "usage: bench_hash [FILE] [--repeats N]\n");
            return 2;
        }
    }
    if (path.empty()) {
        path = (std::filesystem::temp_directory_path() / "dash-bench-hash-1g.bin").string();
        const uint64_t size = uint64_t{1} << 30;
        std::error_code ec;
        if (std::filesystem::file_size(path, ec) != size) {
            std::fprintf(stderr, "writing %s (1 GiB)...\n", path.c_str());
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            std::vector<uint64_t> chunk(1 << 17);
            uint64_t state = 0x9e3779b97f4a7c15ull;
            for (uint64_t written = 0; written < size && out;
                 written += chunk.size() * sizeof(uint64_t)) {
                for (uint64_t& v : chunk)
                    v = (state = state * 6364136223846793005ull + 1442695040888963407ull);
                out.write(reinterpret_cast<const char*>(chunk.data()),
                          static_cast<std::streamsize>(chunk.size() * sizeof(uint64_t)));
            }
            if (!out) {
                std::fprintf(stderr, "bench_hash: cannot write %s\n", path.c_str());
                return 1;
            }
        }
    }
    std::error_code ec;
    const auto bytes = static_cast<double>(std::filesystem::file_size(path, ec));
    if (ec) {
        std::fprintf(stderr, "bench_hash: %s: %s\n", path.c_str(), ec.message().c_str());
        return 1;
    }
    std::vector<double> rates;
    std::string digest;
    for (int r = 0; r <= repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto d = dash::sha256File(path);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!d.ok()) {
            std::fprintf(stderr, "bench_hash: %s\n", d.error().message().c_str());
            return 1;
        }
        digest = *d;
        if (r > 0) // the first pass warms the page cache
            rates.push_back(bytes / s);
    }
    std::sort(rates.begin(), rates.end());
    std::printf(
        "sha256File %s (%.0f MB): median %.0f MB/s, min %.0f, max %.0f over %d passes\n%s\n",
        path.c_str(), bytes / 1e6, rates[rates.size() / 2] / 1e6, rates.front() / 1e6,
        rates.back() / 1e6, repeats, digest.c_str());
    return 0;
}
