// SPDX-License-Identifier: MIT
// A fixed pool of worker threads for data-parallel loops. The calling thread
// takes part in every loop, and chunks are claimed dynamically: when a worker
// is not scheduled (an oversubscribed machine), the others do its share
// instead of waiting for it. Workers spin briefly before sleeping so that the
// many short loops of a decode step (microseconds each) do not pay a wake-up
// latency every time.
//
// The pool also runs one job "aside" (DASH's policy stream on the CPU): a
// worker with no chunk to claim picks it up while the caller goes on, so the
// job uses the time workers would otherwise spend waiting for the next loop,
// without a thread of its own competing for the cores.
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

    // Calls fn(begin, end) on disjoint chunks covering [0, count); chunk
    // boundaries are multiples of `grain`. Returns when every chunk is done.
    // Runs inline when the pool has one thread or there is one chunk. Not
    // reentrant.
    void parallelFor(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    static int defaultThreadCount();

    // Hands `job` to the first idle worker. At most one job is outstanding: a
    // second call first waits for the previous job.
    void runAside(std::function<void()> job);
    // Returns once the aside job has run. When no worker has started it yet
    // (a pool of one thread, or busy workers), the caller runs it itself, so
    // waiting never costs more than running the job in line. Returns at once
    // when nothing is outstanding.
    void waitAside();
    // Aside jobs that callers ran themselves.
    int64_t asideRunByCaller() const { return m_asideByCaller; }

private:
    void workerLoop();
    // Claims and runs chunks of loop `generation` until none is left.
    void runChunks(uint32_t generation);
    // Runs the aside job if it is pending and this thread claims it.
    bool tryRunAside();
    bool asidePending() const;
    // Notifies one or all workers asleep on m_wake.
    void wakeSleepers(bool all);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::atomic<bool> m_stop{false};
    // Workers asleep on m_wake, or about to be.
    std::atomic<int> m_sleepers{0};

    // (generation << 32) | next chunk index: a claim succeeds only for the
    // current loop, so a worker waking late cannot take a later loop's chunk.
    std::atomic<uint64_t> m_next{0};
    std::atomic<uint32_t> m_generation{0};
    std::atomic<int64_t> m_completed{0};

    // The current loop; stable while chunks of its generation are unfinished.
    const std::function<void(int64_t, int64_t)>* m_fn = nullptr;
    int64_t m_count = 0;
    int64_t m_chunkSize = 1;
    // Atomic because a worker still at the previous loop may read it while the
    // next loop is set up (its claim then fails on the generation).
    std::atomic<int64_t> m_chunks{0};

    enum AsideState : int { AsideIdle, AsidePending, AsideRunning };
    std::function<void()> m_aside;
    std::atomic<int> m_asideState{AsideIdle};
    int64_t m_asideByCaller = 0;
};

} // namespace dash::cpu
