#include "core/cpu/thread_pool.h"

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
        m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
        m_generation.fetch_add(1);
    }
    m_wake.notify_all();
    for (auto& t : m_workers)
        t.join();
}

void ThreadPool::runShare(int index) {
    if (index >= m_parts)
        return;
    // Split [0, count) into m_parts contiguous ranges aligned to the grain.
    const int64_t units = (m_count + m_grain - 1) / m_grain;
    const int64_t begin = units * index / m_parts * m_grain;
    const int64_t end = std::min(m_count, units * (index + 1) / m_parts * m_grain);
    if (begin < end)
        (*m_fn)(begin, end, index);
}

void ThreadPool::workerLoop(int index) {
    uint64_t seen = 0;
    while (true) {
        uint64_t gen = m_generation.load(std::memory_order_acquire);
        if (gen == seen) {
            const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
            while ((gen = m_generation.load(std::memory_order_acquire)) == seen &&
                   std::chrono::steady_clock::now() < spinUntil)
                DASH_CPU_RELAX();
            if (gen == seen) {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [&] { return m_generation.load() != seen; });
                gen = m_generation.load();
            }
        }
        seen = gen;
        if (m_stop.load())
            return;
        runShare(index);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t, int64_t, int)>& fn) {
    if (count <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (count + grain - 1) / grain;
    const int parts = static_cast<int>(std::min<int64_t>(size(), units));
    if (parts <= 1) {
        fn(0, count, 0);
        return;
    }
    m_fn = &fn;
    m_count = count;
    m_grain = grain;
    m_parts = parts;
    m_pending.store(static_cast<int>(m_workers.size()), std::memory_order_release);
    {
        // Publishing under the mutex pairs with the sleeping workers' wait.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    m_wake.notify_all();
    runShare(0);
    while (m_pending.load(std::memory_order_acquire) != 0)
        DASH_CPU_RELAX();
}

} // namespace dash::cpu
