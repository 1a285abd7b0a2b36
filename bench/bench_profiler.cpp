// SPDX-License-Identifier: MIT
// Cost of marking a CPU span with CpuProfiler (a buffer per thread) against
// one mutex around one vector, for 1..N threads marking spans back to back —
// the worst case; real spans are a layer or a chunk of one apart. Both read
// the steady clock twice per span; "clock only" shows that floor.
//
//   bench_profiler [--spans 200000] [--repeats 5] [--threads 8]
#include "profiler/cpu_profiler.h"

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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int spans = 200000;
    int repeats = 5;
    int maxThreads = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--spans"))
            spans = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--repeats"))
            repeats = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads"))
            maxThreads = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (spans <= 0 || repeats <= 0 || maxThreads <= 0) {
        std::fprintf(stderr, "--spans, --repeats and --threads must be positive\n");
        return 2;
    }
    std::printf("%u hardware threads; CPU ns per span (median of %d)\n",
                std::thread::hardware_concurrency(), repeats);
    std::printf("%8s %12s %12s %12s\n", "threads", "clock only", "mutex+vector", "CpuProfiler");
    for (int threads = 1; threads <= maxThreads; threads *= 2) {
        std::vector<double> clockOnly, mutexed, perThread;
        for (int r = 0; r < repeats; ++r) {
            clockOnly.push_back(timeThreads(threads, spans, [](int, int) {
                volatile int64_t sink = steadyNowNs();
                sink = steadyNowNs();
                (void)sink;
            }));
            MutexRecorder recorder;
            mutexed.push_back(timeThreads(threads, spans, [&](int t, int i) {
                recorder.record({StreamKind::Compute, i, 1, t}, steadyNowNs());
            }));
            CpuProfiler profiler;
            perThread.push_back(timeThreads(threads, spans, [&](int t, int i) {
                ScopedSpan span(profiler, {StreamKind::Compute, i, 1, t});
            }));
            if (profiler.collect(0)->size() != static_cast<size_t>(threads) * spans) {
                std::fprintf(stderr, "CpuProfiler lost spans\n");
                return 1;
            }
        }
        std::printf("%8d %12.1f %12.1f %12.1f\n", threads, median(clockOnly), median(mutexed),
                    median(perThread));
    }
    return 0;
}
