#include "core/dash/side_thread.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#define DASH_RELAX() _mm_pause()
#else
#define DASH_RELAX() std::this_thread::yield()
#endif

namespace dash {

namespace {
constexpr auto kSpinTime = std::chrono::microseconds(200);
}

SideThread::SideThread() : m_thread([this] { loop(); }) {}

SideThread::~SideThread() {
    wait();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
    }
    m_wake.notify_one();
    m_thread.join();
}

void SideThread::submit(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_job = std::move(job);
        m_state.store(Pending, std::memory_order_release);
    }
    m_wake.notify_one();
}

void SideThread::wait() {
    int expected = Pending;
    if (m_state.compare_exchange_strong(expected, Running, std::memory_order_acq_rel)) {
        // The side thread has not picked it up: run it here.
        ++m_stolen;
        m_job();
        m_state.store(Idle, std::memory_order_release);
        return;
    }
    // Spin briefly, then yield so a descheduled side thread gets the core back.
    for (int spins = 0; m_state.load(std::memory_order_acquire) != Idle; ++spins) {
        if (spins < 256)
            DASH_RELAX();
        else
            std::this_thread::yield();
    }
}

void SideThread::loop() {
    while (true) {
        const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
        for (int i = 0; m_state.load(std::memory_order_acquire) != Pending && !m_stop.load(); ++i) {
            // Check the clock only now and then: it is the expensive part of spinning.
            if (i % 64 == 0 && std::chrono::steady_clock::now() >= spinUntil)
                break;
            DASH_RELAX();
        }
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_state.load() == Pending || m_stop.load(); });
            if (m_stop.load())
                return;
        }
        int expected = Pending;
        if (!m_state.compare_exchange_strong(expected, Running, std::memory_order_acq_rel))
            continue; // the owner took it
        m_job();
        m_state.store(Idle, std::memory_order_release);
    }
}

} // namespace dash
