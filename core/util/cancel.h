// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>

namespace dash {

// Set from any thread; the engine checks it between layers and stops with a
// Cancelled error, leaving its KV cache as it was before the call.
class CancelToken {
public:
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    void reset() { m_cancelled.store(false, std::memory_order_relaxed); }
    bool cancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

} // namespace dash
