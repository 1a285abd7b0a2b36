// One extra thread that runs a job while its owner carries on: DASH's policy
// "stream" on the CPU. It spins briefly between jobs so that handing over a job
// per layer costs microseconds, then sleeps. When the owner needs the result
// before the side thread has even started the job (a busy machine that has not
// scheduled it), the owner runs the job itself: waiting can never cost more
// than doing the work synchronously.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace dash {

class SideThread {
public:
    SideThread();
    ~SideThread();
    SideThread(const SideThread&) = delete;
    SideThread& operator=(const SideThread&) = delete;

    // Starts `job`; the previous job must have been waited for.
    void submit(std::function<void()> job);
    // Returns when the submitted job has finished, running it on the calling
    // thread if the side thread has not started it. Returns at once when idle.
    void wait();
    // Jobs the owner ran itself because the side thread was late.
    int64_t stolen() const { return m_stolen; }

private:
    enum State : int { Idle, Pending, Running };
    void loop();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::function<void()> m_job;
    std::atomic<int> m_state{Idle};
    std::atomic<bool> m_stop{false};
    int64_t m_stolen = 0;
    std::thread m_thread; // last: it starts running loop() once constructed
};

} // namespace dash
