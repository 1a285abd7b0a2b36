// SPDX-License-Identifier: MIT
// Runs of the app as run-store records.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/store/run.h"

#include <string>

namespace dash {
class GgufFile;
}

namespace dash::studio {

// The scalar metadata of a model file (numbers, booleans, strings) as a JSON
// object; arrays such as the vocabulary are left out.
std::string modelMetadataJson(const GgufFile& file);

// The processor's model name (/proc/cpuinfo), else its architecture.
std::string cpuDeviceName();

// The environment of a run on `backend` ("cpu", "cuda"): the processor, or
// the GPU with the driver and CUDA runtime versions (device 0, the one the
// engine runs on). The device name carries the backend's `detail` in
// parentheses where there is one (BackendInfo::detail: the CPU's kernels,
// threads and where the float weights lie).
RunEnvironment runEnvironment(const std::string& backend, const std::string& detail = {});

// The record the run store keeps for `snapshot`, computed on `model`.
RunRecord makeRunRecord(const RunSnapshot& snapshot, const ModelInfo& model,
                        const std::string& modelSha256, int64_t modelSizeBytes);

} // namespace dash::studio
