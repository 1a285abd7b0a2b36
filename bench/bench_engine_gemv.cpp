// SPDX-License-Identifier: MIT
// F16 decode products (one token) of the Qwen2.5-0.5B shape, one by one,
// beside the read-only bandwidth probe of the same buffer: where a decode
// step's time goes before attention, norms and sampling.
//
// One 1 GiB buffer of random F16 weights (finite halves in [-1, 1]) serves
// as the probe's buffer and as the matrices, which are views of consecutive
// slices of it, so every product streams from memory rather than cache.
// Each round times, in turn, the probe and one sweep of each shape over the
// whole buffer; the table gives per-call times, GB/s (median and range over
// rounds) and the decode rate the products alone would allow.
//
//   bench_engine_gemv [--threads 2] [--rounds 5]
#include "bench/bench_harness.h"
#include "core/engine/cpu/isa.h"
#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace dash;

namespace {

// One dispatch of the decode step: matrices [rows_i, cols] sharing one input.
struct Shape {
    const char* name;
    std::vector<int32_t> rows;
    int32_t cols;
    int perToken; // dispatches of this shape per decode token
};

double middle(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    static const char* kUsage = "usage: bench_engine_gemv [--threads 2] [--rounds 5]";
    int code = 0;
    auto args =
        bench::parseArgs(argc, argv, "bench_engine_gemv", kUsage, {"threads", "rounds"}, {}, &code);
    if (!args)
        return code;
    auto threads = bench::intOption(*args, "threads", 2, 1, 256);
    auto rounds = bench::intOption(*args, "rounds", 5, 1, 1000);
    if (!threads || !rounds)
        return bench::usageError("bench_engine_gemv", kUsage,
                                 !threads ? threads.error().message() : rounds.error().message());

    const std::vector<Shape> shapes = {
        {"q,k,v 896+128+128 x 896", {896, 128, 128}, 896, 24},
        {"o 896 x 896", {896}, 896, 24},
        {"gate,up 2x 4864 x 896", {4864, 4864}, 896, 24},
        {"down 896 x 4864", {896}, 4864, 24},
        {"head 151936 x 896", {151936}, 896, 1},
    };

    bench::ProbeBuffer buffer(uint64_t{1} << 30);
    {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        auto* h = reinterpret_cast<uint16_t*>(buffer.data());
        const size_t count = buffer.bytes() / 2;
        std::vector<uint16_t> table(4096);
        for (auto& t : table)
            t = floatToHalf(dist(rng));
        for (size_t i = 0; i < count; ++i)
            h[i] = table[rng() & 4095];
    }
    const uint64_t expected = bench::expectedSum(buffer);
    const cpu::Isa isa = cpu::bestIsa();
    cpu::ThreadPool pool(static_cast<int>(*threads));
    std::vector<float> x(4864), y(151936 * 2);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<float>((i * 37) % 101) / 101.0f - 0.5f;

    std::vector<std::vector<double>> gbs(shapes.size()), us(shapes.size());
    std::vector<double> probe;
    for (long long round = 0; round < *rounds; ++round) {
        uint64_t sum = 0;
        const double probeSeconds = bench::timeReadPass(buffer, static_cast<int>(*threads), &sum);
        if (sum != expected) {
            std::fprintf(stderr, "bench_engine_gemv: probe sum mismatch\n");
            return 1;
        }
        probe.push_back(static_cast<double>(buffer.bytes()) / probeSeconds / 1e9);
        for (size_t s = 0; s < shapes.size(); ++s) {
            const Shape& shape = shapes[s];
            size_t bytes = 0;
            for (int32_t r : shape.rows)
                bytes += static_cast<size_t>(r) * shape.cols * 2;
            const size_t calls = buffer.bytes() / bytes;
            std::vector<cpu::Matrix> mats(shape.rows.size());
            std::vector<cpu::Product> products(shape.rows.size());
            const auto t0 = std::chrono::steady_clock::now();
            const auto* base = reinterpret_cast<const uint8_t*>(buffer.data());
            for (size_t c = 0; c < calls; ++c) {
                size_t offset = c * bytes;
                float* out = y.data();
                for (size_t i = 0; i < mats.size(); ++i) {
                    mats[i].type = cpu::MatrixType::F16;
                    mats[i].rows = shape.rows[i];
                    mats[i].cols = shape.cols;
                    mats[i].data = base + offset;
                    offset += static_cast<size_t>(shape.rows[i]) * shape.cols * 2;
                    products[i] = {&mats[i], out, nullptr};
                    out += shape.rows[i];
                }
                cpu::matmulShared(products, x.data(), 1, pool, isa);
            }
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            gbs[s].push_back(static_cast<double>(calls * bytes) / seconds / 1e9);
            us[s].push_back(seconds / static_cast<double>(calls) * 1e6);
        }
    }

    std::printf("bench_engine_gemv: %s, isa %s, %lld threads, %lld rounds, load average %s\n",
                cpu::processorName().c_str(), cpu::isaName(isa), *threads, *rounds,
                bench::loadAverage().c_str());
    std::printf("%-26s %10s %22s %12s\n", "product (F16, 1 token)", "us/call",
                "GB/s median [range]", "of probe");
    const double probeMedian = middle(probe);
    double tokenSeconds = 0, tokenBytes = 0;
    for (size_t s = 0; s < shapes.size(); ++s) {
        const auto [lo, hi] = std::minmax_element(gbs[s].begin(), gbs[s].end());
        const double g = middle(gbs[s]);
        std::printf("%-26s %10.1f %8.1f [%5.1f - %5.1f] %11.0f%%\n", shapes[s].name, middle(us[s]),
                    g, *lo, *hi, 100 * g / probeMedian);
        size_t bytes = 0;
        for (int32_t r : shapes[s].rows)
            bytes += static_cast<size_t>(r) * shapes[s].cols * 2;
        tokenSeconds += shapes[s].perToken * middle(us[s]) * 1e-6;
        tokenBytes += static_cast<double>(shapes[s].perToken) * static_cast<double>(bytes);
    }
    const auto [plo, phi] = std::minmax_element(probe.begin(), probe.end());
    std::printf("%-26s %10s %8.1f [%5.1f - %5.1f]\n", "read-only probe", "", probeMedian, *plo,
                *phi);
    std::printf("products of one decode token: %.0f MB in %.2f ms = %.1f tok/s, %.0f%% of the "
                "probe's %.1f tok/s\n",
                tokenBytes / 1e6, tokenSeconds * 1e3, 1 / tokenSeconds,
                100 * tokenBytes / tokenSeconds / 1e9 / probeMedian,
                probeMedian * 1e9 / tokenBytes);
    return 0;
}
