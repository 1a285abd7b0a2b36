// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>

namespace dash {

// Monotonic nanoseconds; the time base of every span and timing in a trace.
inline int64_t steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace dash
