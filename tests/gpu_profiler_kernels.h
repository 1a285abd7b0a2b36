// SPDX-License-Identifier: MIT
// Kernels the GPU profiler checks launch: a timed spin and a short touch.
#pragma once

#include "core/util/status.h"
#include "profiler/stream_profiler.h"

#include <cstdint>

namespace dash::test {

// One block of 32 threads that runs for at least `ns` ns of GPU global time,
// occupying one SM, so that spins on two streams can run side by side.
Status launchSpin(GpuStream stream, uint64_t ns);

// Adds 1 to each of `count` floats at `data` (device memory): a kernel of a few
// microseconds.
Status launchTouch(GpuStream stream, float* data, int count);

} // namespace dash::test
