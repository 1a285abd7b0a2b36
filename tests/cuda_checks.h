// SPDX-License-Identifier: MIT
// Checks of the CUDA backend on a real GPU against the CPU backend, shared by
// the Qt-free program cuda_check (ctest -L gpu, scripts/gpu-check.sh): the
// parity harness for every op and layer state, whole-model logits and greedy
// tokens, DASH decisions on the device against the host's, the four decision
// modes against each other, the profiler on decode steps, and the failure
// statuses. Models come from ../shared/models (or DASH_MODEL_DIR) and tiny
// models built in memory.
#pragma once

#include "core/util/status.h"

#include <functional>
#include <string>
#include <vector>

namespace dash::test {

struct CudaCheck {
    std::string name;
    // A one-line note (what was measured) or the failure.
    std::function<Expected<std::string>()> run;
};

struct CudaCheckOptions {
    std::string modelDir;  // the shared models
    std::string outputDir; // where to write traces (empty: none)
    bool quick = false;    // tiny models only (for compute-sanitizer runs)
};

// Ok when a CUDA device can be used, else why not.
Status cudaAvailability();

// Without a GPU, creating the CUDA backend must fail with a status naming
// the cause, not crash.
Expected<std::string> checkBackendRefusesWithoutGpu();

std::vector<CudaCheck> cudaChecks(const CudaCheckOptions& options);

} // namespace dash::test
