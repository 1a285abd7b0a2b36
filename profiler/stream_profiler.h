// SPDX-License-Identifier: MIT
// The profiler implementations this build contains, chosen by kind. The
// interface they implement is core/engine/stream_profiler.h.
#pragma once

#include "core/engine/stream_profiler.h"
#include "core/util/status.h"

#include <memory>

namespace dash {

enum class ProfilerKind {
    Cpu,        // steady-clock spans of CPU threads
    Cuda,       // CUPTI activity records; CUDA events when CUPTI cannot be used
    CudaEvents, // CUDA events only
};

const char* profilerKindName(ProfilerKind kind);

// The one place that knows which implementations this build contains. An
// error says why a kind is unavailable (not built, no GPU, ...).
Expected<std::unique_ptr<StreamProfiler>> createStreamProfiler(ProfilerKind kind);

} // namespace dash
