// SPDX-License-Identifier: MIT
// The only file that knows which profiler implementations this build contains.
#include "core/engine/cpu_profiler.h"
#include "profiler/stream_profiler.h"

#ifdef DASH_PROFILER_HAVE_CUDA
#include "profiler/cupti_profiler.h"
#endif

namespace dash {

const char* profilerKindName(ProfilerKind kind) {
    switch (kind) {
    case ProfilerKind::Cpu:
        return "cpu";
    case ProfilerKind::Cuda:
        return "cuda";
    case ProfilerKind::CudaEvents:
        return "cuda-events";
    }
    return "unknown";
}

Expected<std::unique_ptr<StreamProfiler>> createStreamProfiler(ProfilerKind kind) {
    switch (kind) {
    case ProfilerKind::Cpu:
        return std::unique_ptr<StreamProfiler>(std::make_unique<CpuProfiler>());
    case ProfilerKind::Cuda:
    case ProfilerKind::CudaEvents: {
#ifdef DASH_PROFILER_HAVE_CUDA
        const auto mode =
            kind == ProfilerKind::Cuda ? CuptiProfiler::Mode::Cupti : CuptiProfiler::Mode::Events;
        auto profiler = CuptiProfiler::create(mode);
        if (!profiler)
            return profiler.error().withContext(std::string("the ") + profilerKindName(kind) +
                                                " profiler");
        return std::unique_ptr<StreamProfiler>(std::move(profiler).value());
#else
        return unsupportedError(std::string("the ") + profilerKindName(kind) +
                                " profiler is not built in (configure with DASH_WITH_CUDA=ON)");
#endif
    }
    }
    return invalidError("unknown profiler kind " + std::to_string(static_cast<int>(kind)));
}

} // namespace dash
