// SPDX-License-Identifier: MIT
// CPU stream profiler: spans from two threads in a synchronised pattern whose
// overlap is known by construction, many concurrent spans collected exactly
// once while collection runs alongside, per-thread ordering of relative times,
// and the registry's CPU entry.
#include "core/engine/cpu_profiler.h"
#include "profiler/stream_profiler.h"

#include "core/util/clock.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

using namespace dash;
using namespace std::chrono_literals;

namespace {

const Span* findSpan(const std::vector<Span>& spans, StreamKind stream, int32_t token,
                     int32_t layer) {
    const Span* found = nullptr;
    for (const Span& s : spans) {
        if (s.stream == stream && s.firstToken == token && s.layer == layer) {
            if (found)
                return nullptr; // a duplicate is as wrong as a missing span
            found = &s;
        }
    }
    return found;
}

} // namespace

class TestCpuProfiler : public QObject {
    Q_OBJECT

private slots:
    void registryCreatesCpuProfiler();
    void scopedSpanTimesItsScope();
    void nestedSpansOnOneThread();
    void controlledOverlapOfTwoThreads();
    void concurrentSpansCollectedExactlyOnce();
    void relativeTimesMonotonicPerThread();
};

void TestCpuProfiler::registryCreatesCpuProfiler() {
    auto profiler = createStreamProfiler(ProfilerKind::Cpu);
    QVERIFY2(profiler.ok(), profiler.ok() ? "" : profiler.error().message().c_str());
    StreamProfiler& p = **profiler;
    QCOMPARE(p.name(), std::string("cpu"));
    const Status registered = p.registerStream(StreamKind::Compute, nullptr);
    QVERIFY(!registered.ok());
    QCOMPARE(registered.error().code(), ErrorCode::Unsupported);
    QVERIFY(p.beginPass().ok());
    QVERIFY(p.endPass().ok());
    auto spans = p.collect(0);
    QVERIFY(spans.ok());
    QVERIFY(spans->empty());
}

void TestCpuProfiler::scopedSpanTimesItsScope() {
    CpuProfiler p;
    const int64_t origin = steadyNowNs();
    {
        ScopedSpan span(p, {StreamKind::Policy, 7, 3, 5});
        std::this_thread::sleep_for(5ms);
    }
    const int64_t after = steadyNowNs() - origin;
    auto spans = p.collect(origin);
    QVERIFY(spans.ok());
    QCOMPARE(spans->size(), size_t(1));
    const Span& s = spans->front();
    QCOMPARE(s.stream, StreamKind::Policy);
    QCOMPARE(s.firstToken, 7);
    QCOMPARE(s.tokenCount, 3);
    QCOMPARE(s.layer, 5);
    QVERIFY(s.startNs >= 0);
    QVERIFY(s.endNs <= after);
    QVERIFY(s.endNs - s.startNs >= 5'000'000);
    // Collected spans are gone.
    auto again = p.collect(origin);
    QVERIFY(again.ok());
    QVERIFY(again->empty());
}

void TestCpuProfiler::nestedSpansOnOneThread() {
    CpuProfiler p;
    const int64_t origin = steadyNowNs();
    {
        ScopedSpan outer(p, {StreamKind::Compute, 0, 4, 2});
        std::this_thread::sleep_for(1ms);
        {
            ScopedSpan inner(p, {StreamKind::Compute, 0, 4, 3});
            std::this_thread::sleep_for(1ms);
        }
        std::this_thread::sleep_for(1ms);
    }
    auto spans = p.collect(origin);
    QVERIFY(spans.ok());
    QCOMPARE(spans->size(), size_t(2));
    const Span* outer = findSpan(*spans, StreamKind::Compute, 0, 2);
    const Span* inner = findSpan(*spans, StreamKind::Compute, 0, 3);
    QVERIFY(outer && inner);
    QVERIFY(outer->startNs < inner->startNs);
    QVERIFY(inner->endNs < outer->endNs);
}

// Compute span C1 is open before policy span P1 begins and closes only after P1
// ended (latches order the clock reads), so P1 lies inside C1. P2 begins after
// C1 ended and ends before C2 begins, so it overlaps no compute work. Hence the
// overlap is |P1| / (|P1| + |P2|), whatever the sleeps actually took.
void TestCpuProfiler::controlledOverlapOfTwoThreads() {
    CpuProfiler p;
    const int64_t origin = steadyNowNs();
    std::latch computeBegun(1), policyEnded1(1), computeEnded1(1), policyEnded2(1);

    std::thread compute([&] {
        {
            ScopedSpan c1(p, {StreamKind::Compute, 0, 1, 0});
            computeBegun.count_down();
            policyEnded1.wait();
        }
        computeEnded1.count_down();
        policyEnded2.wait();
        ScopedSpan c2(p, {StreamKind::Compute, 1, 1, 0});
        std::this_thread::sleep_for(10ms);
    });
    std::thread policy([&] {
        computeBegun.wait();
        {
            ScopedSpan p1(p, {StreamKind::Policy, 0, 1, 1});
            std::this_thread::sleep_for(20ms);
        }
        policyEnded1.count_down();
        computeEnded1.wait();
        {
            ScopedSpan p2(p, {StreamKind::Policy, 1, 1, 1});
            std::this_thread::sleep_for(20ms);
        }
        policyEnded2.count_down();
    });
    compute.join();
    policy.join();

    auto collected = p.collect(origin);
    QVERIFY(collected.ok());
    const std::vector<Span>& spans = *collected;
    QCOMPARE(spans.size(), size_t(4));
    const Span* c1 = findSpan(spans, StreamKind::Compute, 0, 0);
    const Span* c2 = findSpan(spans, StreamKind::Compute, 1, 0);
    const Span* p1 = findSpan(spans, StreamKind::Policy, 0, 1);
    const Span* p2 = findSpan(spans, StreamKind::Policy, 1, 1);
    QVERIFY(c1 && c2 && p1 && p2);

    QVERIFY(c1->startNs <= p1->startNs && p1->endNs <= c1->endNs);
    QVERIFY(c1->endNs <= p2->startNs && p2->endNs <= c2->startNs);
    QVERIFY(p1->endNs - p1->startNs >= 20'000'000);
    QVERIFY(p2->endNs - p2->startNs >= 20'000'000);

    const double inside = static_cast<double>(p1->endNs - p1->startNs);
    const double outside = static_cast<double>(p2->endNs - p2->startNs);
    const double overlap = policyOverlap(spans);
    QVERIFY2(std::abs(overlap - inside / (inside + outside)) < 1e-9,
             qPrintable(QStringLiteral("overlap %1, expected %2")
                            .arg(overlap)
                            .arg(inside / (inside + outside))));
    // Two sleeps of 20 ms: about half, unless the scheduler stretched one a lot.
    QVERIFY2(overlap > 0.2 && overlap < 0.8, qPrintable(QString::number(overlap)));

    QCOMPARE(policyOverlap({*c1, *p1}), 1.0);
    QCOMPARE(policyOverlap({*c1, *c2, *p2}), 0.0);
    QCOMPARE(busyTimeNs(spans, StreamKind::Policy),
             static_cast<int64_t>(inside) + static_cast<int64_t>(outside));
}

// Producers mark spans while a collector drains the profiler concurrently;
// every span must come out exactly once across all collections.
void TestCpuProfiler::concurrentSpansCollectedExactlyOnce() {
    constexpr int kThreads = 8;
    constexpr int kSpans = 4000;
    CpuProfiler p;
    std::atomic<int> running{kThreads};
    std::vector<Span> all;

    std::thread collector([&] {
        while (running.load() > 0) {
            auto spans = p.collect(0);
            if (spans.ok())
                all.insert(all.end(), spans->begin(), spans->end());
            std::this_thread::sleep_for(200us);
        }
    });
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([&, t] {
            for (int i = 0; i < kSpans; ++i) {
                ScopedSpan s(p, {t % 2 ? StreamKind::Policy : StreamKind::Compute, i, 1, t});
            }
            running.fetch_sub(1);
        });
    }
    for (auto& t : producers)
        t.join();
    collector.join();
    auto rest = p.collect(0);
    QVERIFY(rest.ok());
    all.insert(all.end(), rest->begin(), rest->end());

    QCOMPARE(all.size(), size_t(kThreads) * kSpans);
    std::vector<int> seen(size_t(kThreads) * kSpans, 0);
    for (const Span& s : all) {
        QVERIFY(s.layer >= 0 && s.layer < kThreads);
        QVERIFY(s.firstToken >= 0 && s.firstToken < kSpans);
        QCOMPARE(s.stream, s.layer % 2 ? StreamKind::Policy : StreamKind::Compute);
        QVERIFY(s.startNs <= s.endNs);
        ++seen[size_t(s.layer) * kSpans + size_t(s.firstToken)];
    }
    for (int count : seen)
        QCOMPARE(count, 1);
}

// Each thread's spans are sequential: in collect order, and each starting no
// earlier than the previous one ended, all within [0, time of collection].
void TestCpuProfiler::relativeTimesMonotonicPerThread() {
    constexpr int kThreads = 4;
    constexpr int kSpans = 2000;
    CpuProfiler p;
    const int64_t origin = steadyNowNs();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kSpans; ++i) {
                ScopedSpan s(p, {StreamKind::Compute, i, 1, t});
                if (i % 500 == 0)
                    std::this_thread::yield();
            }
        });
    }
    for (auto& t : threads)
        t.join();
    auto collected = p.collect(origin);
    const int64_t end = steadyNowNs() - origin;
    QVERIFY(collected.ok());
    QCOMPARE(collected->size(), size_t(kThreads) * kSpans);

    std::vector<int> next(kThreads, 0);
    std::vector<int64_t> lastEnd(kThreads, 0);
    for (const Span& s : *collected) {
        const size_t t = static_cast<size_t>(s.layer);
        QCOMPARE(s.firstToken, next[t]);
        QVERIFY(s.startNs >= lastEnd[t]);
        QVERIFY(s.endNs >= s.startNs);
        QVERIFY(s.endNs <= end);
        lastEnd[t] = s.endNs;
        ++next[t];
    }
    for (int n : next)
        QCOMPARE(n, kSpans);
}

QTEST_GUILESS_MAIN(TestCpuProfiler)
#include "tst_cpu_profiler.moc"
