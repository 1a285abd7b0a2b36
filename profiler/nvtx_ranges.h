// SPDX-License-Identifier: MIT
// NVTX v3 ranges (header only; CUDA 13 ships no libnvToolsExt) around the
// engine's tokens and layers, so that Nsight Systems shows the structure the
// profiler records. Without NVTX in the build the ranges compile to nothing.
// Ranges are host-side: around a graph launch they mark the enqueueing, not
// the GPU's execution.
#pragma once

#if defined(DASH_HAVE_NVTX)
#include <nvtx3/nvToolsExt.h>
#endif

#include <cstdint>
#include <cstdio>

namespace dash {

class NvtxRange {
public:
    // "token 12", "layer 3", ...: `what` followed by `index`.
    NvtxRange(const char* what, int64_t index) {
#if defined(DASH_HAVE_NVTX)
        char name[64];
        std::snprintf(name, sizeof name, "%s %lld", what, static_cast<long long>(index));
        nvtxRangePushA(name);
#else
        (void)what;
        (void)index;
#endif
    }
    explicit NvtxRange(const char* name) {
#if defined(DASH_HAVE_NVTX)
        nvtxRangePushA(name);
#else
        (void)name;
#endif
    }
    ~NvtxRange() {
#if defined(DASH_HAVE_NVTX)
        nvtxRangePop();
#endif
    }
    NvtxRange(const NvtxRange&) = delete;
    NvtxRange& operator=(const NvtxRange&) = delete;
};

} // namespace dash
