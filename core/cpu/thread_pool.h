// A fixed pool of worker threads for data-parallel loops. The calling thread
// takes part in every loop. Workers spin briefly before sleeping so that the
// many short loops of a decode step (a few microseconds each) do not pay a
// wake-up latency every time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dash::cpu {

class ThreadPool {
public:
    // threads <= 0: one per hardware thread.
    explicit ThreadPool(int threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(m_workers.size()) + 1; }

    // Calls fn(begin, end, worker) on disjoint chunks covering [0, count); chunk
    // boundaries are multiples of `grain`. Returns when every chunk is done.
    // Runs inline when count is small or the pool has one thread. Not reentrant.
    void parallelFor(int64_t count, int64_t grain,
                     const std::function<void(int64_t, int64_t, int)>& fn);

    static int defaultThreadCount();

private:
    void workerLoop(int index);
    void runShare(int index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::atomic<uint64_t> m_generation{0};
    std::atomic<int> m_pending{0};
    std::atomic<bool> m_stop{false};

    // The current loop, read by workers after they see a new generation.
    const std::function<void(int64_t, int64_t, int)>* m_fn = nullptr;
    int64_t m_count = 0;
    int64_t m_grain = 1;
    int m_parts = 1;
};

} // namespace dash::cpu
