// SPDX-License-Identifier: MIT
// SHA-256 throughput of sha256File, the hash the run store keeps of every
// model: median of repeated passes over a file (page-cached after the first).
//
//   bench_hash [FILE] [--repeats 5]
//
// Without FILE it hashes a 1 GiB file of pseudo-random bytes written to /tmp.
#include "bench/bench_harness.h"
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
    static const char* kUsage = "usage: bench_hash [FILE] [--repeats 5]";
    int exitCode = 0;
    auto args =
        dash::bench::parseArgs(argc, argv, "bench_hash", kUsage, {"repeats"}, {}, &exitCode);
    if (!args)
        return exitCode;
    auto repeatsOption = dash::bench::intOption(*args, "repeats", 5, 1, 1000);
    if (!repeatsOption.ok())
        return dash::bench::usageError("bench_hash", kUsage, repeatsOption.error().message());
    if (args->positional().size() > 1)
        return dash::bench::usageError("bench_hash", kUsage, "one file at most");
    const int repeats = static_cast<int>(*repeatsOption);
    std::string path = args->positional().empty() ? std::string() : args->positional()[0];
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
    const dash::Summary r = dash::summarize(rates);
    std::printf(
        "sha256File %s (%.0f MB): median %.0f MB/s, min %.0f, max %.0f over %d passes\n%s\n",
        path.c_str(), bytes / 1e6, r.median / 1e6, r.min / 1e6, r.max / 1e6, repeats,
        digest.c_str());
    return 0;
}
