// SPDX-License-Identifier: MIT
#include "bench/bench_harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <thread>

namespace dash::bench {

std::optional<cli::Args> parseArgs(int argc, char** argv, const char* program, const char* usage,
                                   const std::set<std::string>& valueOptions,
                                   const std::set<std::string>& flags, int* exitCode) {
    std::vector<std::string> argvList(argv + 1, argv + argc);
    std::set<std::string> allFlags = flags;
    allFlags.insert("help");
    auto args = cli::Args::parse(argvList, valueOptions, allFlags);
    if (args.ok() && args->flag("help")) {
        std::printf("%s\n", usage);
        *exitCode = 0;
        return std::nullopt;
    }
    if (!args.ok()) {
        *exitCode = usageError(program, usage, args.error().message());
        return std::nullopt;
    }
    return std::move(args).value();
}

int usageError(const char* program, const char* usage, const std::string& message) {
    std::fprintf(stderr, "%s: %s\n%s\n", program, message.c_str(), usage);
    return 2;
}

Expected<long long> intOption(const cli::Args& args, const std::string& name, long long fallback,
                              long long lo, long long hi) {
    DASH_ASSIGN_OR_RETURN(long long v, args.getInt(name, fallback));
    if (v < lo || v > hi)
        return invalidError("option --" + name + " must be between " + std::to_string(lo) +
                            " and " + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    double a = 0, b = 0, c = 0;
    if (!(in >> a >> b >> c))
        return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", a, b, c);
    return text;
}

Expected<Comparison> compare(const Arm& baseline, const std::vector<Arm>& contenders,
                             const AlternationOptions& options) {
    std::vector<const Arm*> arms = {&baseline, &baseline};
    for (const Arm& a : contenders)
        arms.push_back(&a);
    Comparison c;
    c.names = {baseline.name, baseline.name + " (A/A control)"};
    for (const Arm& a : contenders)
        c.names.push_back(a.name);
    for (const Arm* a : arms)
        c.units.push_back(a->units);
    c.rounds = options.rounds;
    c.warmupRounds = options.warmupRounds;
    DASH_ASSIGN_OR_RETURN(
        c.seconds, runAlternating(
                       static_cast<int>(arms.size()),
                       [&](int arm) { return arms[static_cast<size_t>(arm)]->run(); }, options));
    return c;
}

std::string formatRatio(const Summary& s) {
    char text[96];
    std::snprintf(text, sizeof text, "%.3fx [%.3f - %.3f]", s.median, s.min, s.max);
    return text;
}

std::string controlWarning(const Summary& control) {
    if (controlWithinTolerance(control.median))
        return {};
    char text[200];
    std::snprintf(text, sizeof text,
                  "WARNING: the A/A control (the same code on both sides) is %.3fx, outside "
                  "1.00 +- %.2f: the machine was too noisy for the ratios above",
                  control.median, kControlTolerance);
    return text;
}

void printComparison(std::FILE* out, const Comparison& c, const std::string& unit, double scale,
                     Shown shown) {
    int width = 10;
    for (const std::string& name : c.names)
        width = std::max(width, static_cast<int>(name.size()));
    std::fprintf(out, "%-*s %30s %32s %7s\n", width, "arm", (unit + " median [min - max]").c_str(),
                 "speedup over baseline [range]", "IQR");
    for (size_t a = 0; a < c.names.size(); ++a) {
        const Summary r = shown == Shown::Rate ? c.rate(a) : summarize(c.seconds[a]);
        char rate[96];
        std::snprintf(rate, sizeof rate, "%.4g [%.4g - %.4g]", r.median * scale, r.min * scale,
                      r.max * scale);
        if (a == 0) {
            std::fprintf(out, "%-*s %30s %32s\n", width, c.names[a].c_str(), rate, "(baseline)");
            continue;
        }
        const Summary s = c.speedup(a);
        std::fprintf(out, "%-*s %30s %32s %7.3f\n", width, c.names[a].c_str(), rate,
                     formatRatio(s).c_str(), s.iqr());
    }
    std::fprintf(out,
                 "%d rounds after %d warm-up; each round runs every arm twice in mirrored order "
                 "(A A' B | B A' A, rotating); speedup = per-round baseline time / arm time\n",
                 c.rounds, c.warmupRounds);
    if (const std::string w = controlWarning(c.control()); !w.empty())
        std::fprintf(out, "%s\n", w.c_str());
}

// ---------------------------------------------------------------------------
// Memory bandwidth

uint64_t lastLevelCacheBytes() {
    uint64_t largest = 0;
    for (int index = 0; index < 8; ++index) {
        std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) +
                         "/size");
        std::string text;
        if (!(in >> text))
            continue;
        uint64_t value = std::strtoull(text.c_str(), nullptr, 10);
        if (text.back() == 'K')
            value <<= 10;
        else if (text.back() == 'M')
            value <<= 20;
        largest = std::max(largest, value);
    }
    return largest;
}

ProbeBuffer::ProbeBuffer(uint64_t bytes) : m_words(bytes / 64 * 8) {
    // Distinct values, so that a pass that skipped a slice would change the sum.
    for (size_t i = 0; i < m_words.size(); ++i)
        m_words[i] = i * 0x9E3779B97F4A7C15ull;
}

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Eight independent accumulators so that the adds never wait for each other;
// 64 bytes (one cache line) per iteration. The portable version: eight loads
// per line. On the 2-core AVX-512 machine these benchmarks run on, one core summed
// 17 GB/s this way and 26 GB/s with the AVX2 loop below (19 GB/s with 64-byte
// AVX-512 loads), so a scalar probe understated the bandwidth that the
// engine's kernels reach and put the roofline too low.
uint64_t sumWordsScalar(const uint64_t* p, size_t n) {
    uint64_t s[8] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k)
            s[k] += p[i + static_cast<size_t>(k)];
    for (; i < n; ++i)
        s[0] += p[i];
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

#if defined(__x86_64__)
// Words (8 bytes) ahead of the loads that the AVX2 loop asks the cache for.
// With the hardware prefetcher alone, two threads read 23-26 GB/s on the
// 2-core Intel machine, less than the engine's F16 decode kernels (which
// prefetch 4 KiB ahead) then streamed; asking for every line 4 KiB ahead
// too, 26-30 GB/s (docs/results.md, "Prefetching").
constexpr size_t kProbePrefetchWords = 4096 / 8;

// Four 32-byte loads (two cache lines) and four accumulators per step.
__attribute__((target("avx2"))) uint64_t sumWordsAvx2(const uint64_t* p, size_t n) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __builtin_prefetch(p + i + kProbePrefetchWords, 0, 3);
        __builtin_prefetch(p + i + kProbePrefetchWords + 8, 0, 3);
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
    }
    const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    uint64_t lanes[4];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + sumWordsScalar(p + i, n - i);
}
#endif

// The AVX2 sum where the CPU has it (the total is the same).
uint64_t sumWords(const uint64_t* p, size_t n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        return sumWordsAvx2(p, n);
#endif
    return sumWordsScalar(p, n);
}

// Runs part(t, first, count) on `threads` threads over `lines` cache lines.
void splitLines(size_t lines, int threads, const std::function<void(int, size_t, size_t)>& part) {
    std::vector<std::thread> workers;
    const auto n = static_cast<size_t>(threads);
    for (size_t t = 0; t < n; ++t) {
        const size_t first = lines * t / n, last = lines * (t + 1) / n;
        workers.emplace_back(
            [&part, t, first, last] { part(static_cast<int>(t), first, last - first); });
    }
    for (std::thread& w : workers)
        w.join();
}

} // namespace

double timeReadPass(const ProbeBuffer& buffer, int threads, uint64_t* sum) {
    const size_t lines = buffer.bytes() / 64;
    std::vector<uint64_t> partial(static_cast<size_t>(threads), 0);
    const auto start = std::chrono::steady_clock::now();
    splitLines(lines, threads, [&](int t, size_t first, size_t count) {
        partial[static_cast<size_t>(t)] = sumWords(buffer.data() + first * 8, count * 8);
    });
    const double s = secondsSince(start);
    *sum = 0;
    for (uint64_t p : partial)
        *sum += p;
    return s;
}

uint64_t expectedSum(const ProbeBuffer& buffer) {
    return sumWords(buffer.data(), buffer.bytes() / sizeof(uint64_t));
}

double timeCopyPass(const ProbeBuffer& src, ProbeBuffer& dst, int threads) {
    const size_t lines = std::min(src.bytes(), dst.bytes()) / 64;
    const auto start = std::chrono::steady_clock::now();
    splitLines(lines, threads, [&](int, size_t first, size_t count) {
        std::memcpy(dst.data() + first * 8, src.data() + first * 8, count * 64);
    });
    return secondsSince(start);
}

} // namespace dash::bench
