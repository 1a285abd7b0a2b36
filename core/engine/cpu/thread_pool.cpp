// SPDX-License-Identifier: MIT
#include "core/engine/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DASH_CPU_RELAX() _mm_pause()
#else
#define DASH_CPU_RELAX() std::this_thread::yield()
#endif

namespace dash::cpu {

namespace {
// How long an idle worker spins before it sleeps on the condition variable.
constexpr auto kSpinTime = std::chrono::microseconds(200);
// Chunks per participant: enough to rebalance when one thread is slow.
constexpr int64_t kChunksPerThread = 4;
} // namespace

int ThreadPool::defaultThreadCount() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0)
        threads = defaultThreadCount();
    m_workers.reserve(static_cast<size_t>(threads - 1));
    for (int i = 1; i < threads; ++i)
        m_workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
    waitAside();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
        m_generation.fetch_add(1);
    }
    m_wake.notify_all();
    for (auto& t : m_workers)
        t.join();
}

void ThreadPool::runChunks(uint32_t generation) {
    while (true) {
        uint64_t cur = m_next.load(std::memory_order_acquire);
        if (static_cast<uint32_t>(cur >> 32) != generation)
            return;
        const auto chunk = static_cast<int64_t>(cur & 0xFFFFFFFFu);
        if (chunk >= m_chunks.load(std::memory_order_relaxed))
            return;
        if (!m_next.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel))
            continue;
        const int64_t begin = chunk * m_chunkSize;
        const int64_t end = std::min(m_count, begin + m_chunkSize);
        (*m_fn)(begin, end);
        m_completed.fetch_add(1, std::memory_order_acq_rel);
    }
}

bool ThreadPool::asidePending() const {
    return m_asideState.load(std::memory_order_acquire) == AsidePending;
}

bool ThreadPool::tryRunAside() {
    // A plain read first: the compare-and-swap takes the line from the other
    // core even when it fails.
    if (!asidePending())
        return false;
    int expected = AsidePending;
    if (!m_asideState.compare_exchange_strong(expected, AsideRunning, std::memory_order_acq_rel))
        return false;
    m_aside();
    m_asideState.store(AsideIdle, std::memory_order_release);
    return true;
}

void ThreadPool::workerLoop() {
    uint32_t seen = 0;
    while (true) {
        uint32_t gen = m_generation.load(std::memory_order_acquire);
        if (gen == seen) {
            if (tryRunAside())
                continue;
            const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
            // Read the clock only now and then: it costs more than a pause.
            for (int i = 1;
                 (gen = m_generation.load(std::memory_order_acquire)) == seen && !asidePending();
                 ++i) {
                if (i % 64 == 0 && std::chrono::steady_clock::now() >= spinUntil)
                    break;
                DASH_CPU_RELAX();
            }
            if (gen == seen && !asidePending()) {
                // Counted as a sleeper before the last look, both sequentially
                // consistent: parallelFor, which stores its generation before
                // it reads the count, either sees this sleeper and notifies
                // (under the mutex, so not before this thread waits) or stored
                // before this look, which then sees the new loop.
                std::unique_lock<std::mutex> lock(m_mutex);
                m_sleepers.fetch_add(1);
                m_wake.wait(lock, [&] {
                    return m_generation.load() != seen || m_asideState.load() == AsidePending;
                });
                m_sleepers.fetch_sub(1);
            }
            continue; // a new loop or an aside job: decide again at the top
        }
        seen = gen;
        if (m_stop.load())
            return;
        runChunks(gen);
    }
}

void ThreadPool::runAside(std::function<void()> job) {
    waitAside();
    m_aside = std::move(job);
    m_asideState.store(AsidePending, std::memory_order_release);
    // No fence between the store and the look at the sleepers (a fence waits
    // for the other core, which is most of what handing over a short job
    // costs): a worker falling asleep at this moment can miss the job, which
    // then stays pending and waitAside runs it in line.
    if (m_sleepers.load(std::memory_order_relaxed) > 0)
        wakeSleepers(false);
}

void ThreadPool::wakeSleepers(bool all) {
    // Under the mutex: a worker that counted itself as a sleeper holds it
    // until it waits, so the notification cannot come before the wait.
    { std::lock_guard<std::mutex> lock(m_mutex); }
    if (all)
        m_wake.notify_all();
    else
        m_wake.notify_one();
}

void ThreadPool::waitAside() {
    if (tryRunAside()) {
        ++m_asideByCaller;
        return;
    }
    for (int spins = 0; m_asideState.load(std::memory_order_acquire) != AsideIdle; ++spins) {
        if (spins < 256)
            DASH_CPU_RELAX();
        else
            std::this_thread::yield();
    }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
    if (count <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (count + grain - 1) / grain;
    const int64_t chunks = std::min<int64_t>(units, size() * kChunksPerThread);
    if (size() == 1 || chunks <= 1) {
        fn(0, count);
        return;
    }
    // Only this thread advances the generation. Close the previous loop's
    // counter before touching the loop parameters: a worker that read that
    // counter and then sees the new chunk count must fail its claim, or it
    // would run a chunk of this loop that the counter hands out again.
    const uint32_t gen = m_generation.load() + 1;
    m_next.store(static_cast<uint64_t>(gen) << 32 | 0xFFFFFFFFu, std::memory_order_seq_cst);
    m_fn = &fn;
    m_count = count;
    m_chunkSize = (units + chunks - 1) / chunks * grain;
    m_chunks.store((count + m_chunkSize - 1) / m_chunkSize, std::memory_order_relaxed);
    m_completed.store(0, std::memory_order_relaxed);
    m_next.store(static_cast<uint64_t>(gen) << 32, std::memory_order_release);
    // Sequentially consistent store and load: see the sleepers in workerLoop.
    m_generation.store(gen);
    if (m_sleepers.load() > 0)
        wakeSleepers(true);
    runChunks(gen);
    // Chunks other threads claimed may still run; yield rather than spin so a
    // descheduled worker gets the core back.
    const int64_t total = m_chunks.load(std::memory_order_relaxed);
    for (int spins = 0; m_completed.load(std::memory_order_acquire) != total; ++spins) {
        if (spins < 256)
            DASH_CPU_RELAX();
        else
            std::this_thread::yield();
    }
}

} // namespace dash::cpu
