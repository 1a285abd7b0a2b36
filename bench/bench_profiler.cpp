// SPDX-License-Identifier: MIT
// Cost of marking a CPU span with CpuProfiler (a buffer per thread) against
// one mutex around one vector, for 1..N threads marking spans back to back —
// the worst case; real spans are a layer or a chunk of one apart. Both read
// the steady clock twice per span; "clock only" shows that floor. For each
// thread count the three run in the alternating schedule of
// core/util/stats.h with CpuProfiler as the baseline and its A/A control;
// --repeats rounds after a warm-up.
//
//   bench_profiler [--spans 200000] [--repeats 5] [--threads 8]
#include "core/engine/cpu_profiler.h"

#include "bench/bench_harness.h"
#include "core/util/clock.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <time.h>

using namespace dash;

namespace {

// The alternative design: every thread appends to one vector under one mutex.
class MutexRecorder {
public:
    void record(const SpanTag& tag, int64_t start) {
        const int64_t end = steadyNowNs();
        std::lock_guard lock(m_mutex);
        m_spans.push_back({tag.stream, tag.firstToken, tag.tokenCount, tag.layer, start, end});
    }

private:
    std::mutex m_mutex;
    std::vector<Span> m_spans;
};

int64_t threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// CPU ns per span, averaged over `threads` threads each marking `spans`. CPU
// time rather than wall time, so that a loaded machine's scheduling does not
// count, while lock handoffs and cache-line transfers do.
double timeThreads(int threads, int spans, const std::function<void(int, int)>& mark) {
    std::vector<int64_t> cpu(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            const int64_t start = threadCpuNs();
            for (int i = 0; i < spans; ++i)
                mark(t, i);
            cpu[static_cast<size_t>(t)] = threadCpuNs() - start;
        });
    for (auto& w : workers)
        w.join();
    int64_t total = 0;
    for (int64_t c : cpu)
        total += c;
    return static_cast<double>(total) / (static_cast<double>(threads) * spans);
}

} // namespace

int main(int argc, char** argv) {
    static const char* kUsage =
        "usage: bench_profiler [--spans 200000] [--repeats 5] [--threads 8]";
    int exitCode = 0;
    auto args = bench::parseArgs(argc, argv, "bench_profiler", kUsage,
                                 {"spans", "repeats", "threads"}, {}, &exitCode);
    if (!args)
        return exitCode;
    auto spansOption = bench::intOption(*args, "spans", 200000, 1, 1 << 28);
    auto repeats = bench::intOption(*args, "repeats", 5, 1, 1000);
    auto threadsOption = bench::intOption(*args, "threads", 8, 1, 1024);
    if (auto err = cli::firstError(spansOption, repeats, threadsOption))
        return bench::usageError("bench_profiler", kUsage, err->message());
    const int spans = static_cast<int>(*spansOption);
    const int maxThreads = static_cast<int>(*threadsOption);
    AlternationOptions schedule;
    schedule.rounds = static_cast<int>(*repeats);
    std::printf("%u hardware threads; CPU ns per span; load average %s\n",
                std::thread::hardware_concurrency(), bench::loadAverage().c_str());
    for (int threads = 1; threads <= maxThreads; threads *= 2) {
        const auto ns = [](double v) -> Expected<double> { return v; };
        const bench::Arm profiled{
            "CpuProfiler",
            [&]() -> Expected<double> {
                CpuProfiler profiler;
                const double v = timeThreads(threads, spans, [&](int t, int i) {
                    ScopedSpan span(profiler, {StreamKind::Compute, i, 1, t});
                });
                if (profiler.collect(0)->size() != static_cast<size_t>(threads) * spans)
                    return internalError("CpuProfiler lost spans");
                return v;
            },
            1};
        const std::vector<bench::Arm> others = {
            {"mutex+vector",
             [&] {
                 MutexRecorder recorder;
                 return ns(timeThreads(threads, spans, [&](int t, int i) {
                     recorder.record({StreamKind::Compute, i, 1, t}, steadyNowNs());
                 }));
             },
             1},
            {"clock only",
             [&] {
                 return ns(timeThreads(threads, spans, [](int, int) {
                     volatile int64_t sink = steadyNowNs();
                     sink = steadyNowNs();
                     (void)sink;
                 }));
             },
             1}};
        auto c = bench::compare(profiled, others, schedule);
        if (!c.ok()) {
            std::fprintf(stderr, "bench_profiler: %s\n", c.error().message().c_str());
            return 1;
        }
        std::printf("\n%d thread%s\n", threads, threads == 1 ? "" : "s");
        bench::printComparison(stdout, *c, "CPU ns/span", 1.0, bench::Shown::TimePerRun);
    }
    return 0;
}
