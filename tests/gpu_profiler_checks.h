// SPDX-License-Identifier: MIT
// Checks of the CUDA stream profilers on a real GPU, shared by the QtTest suite
// tst_gpu_profiler and the Qt-free program gpu_profiler_check (which
// scripts/gpu-check.sh runs where Qt is not installed).
#pragma once

#include "core/util/status.h"

#include <functional>
#include <string>
#include <vector>

namespace dash::test {

// Ok when a CUDA device can be used, otherwise the reason from
// dash::cuda::queryRuntime() ("no CUDA driver is installed", ...).
Status gpuAvailability();

// "NVIDIA H200: sm_90, 132 SMs; driver 13000, runtime 13000"
std::string gpuDescription();

// Without a usable GPU the CUDA profiler kinds must fail with Unsupported (not
// crash) and the CPU kind must still work.
Status checkFactoryWithoutGpu();

// A check returns a one-line note (mode, measured overlap) or its failure.
struct GpuCheck {
    std::string name;
    std::function<Expected<std::string>()> run;
};
std::vector<GpuCheck> gpuProfilerChecks();

} // namespace dash::test
