// SPDX-License-Identifier: MIT
// DASH's scoring model in the plain form a device evaluates (DeviceScorer,
// core/engine/backend.h), made from a ScoringModel or a DashPolicy, and the
// host reference of one device decision. No CUDA header: the host tests
// check it against the CPU controller in every build.
#pragma once

#include "core/dash/dash_controller.h"
#include "core/dash/dash_policy.h"
#include "core/dash/scorer.h"
#include "core/engine/backend.h"

#include <vector>

namespace dash::cuda {

// The scorer's arrays (W1's hidden-state block transposed, the parts that
// depend only on (layer, current state) summed in advance) with gamma, alpha
// and the greedy options. Rejects what the device cannot do: sampling
// (temperature > 0), the synchronous or corrected modes, shapes that do not
// fit.
Expected<DeviceScorer> makeDeviceScorer(const ScoringModel& model,
                                        const std::vector<std::vector<float>>& gamma,
                                        const std::vector<std::vector<float>>& alpha,
                                        const DashRuntimeOptions& options);
Expected<DeviceScorer> makeDeviceScorer(const DashPolicy& policy);

// Shapes and values of a scorer for a model of `layers` x `dim`.
Status checkDeviceScorer(const DeviceScorer& scorer, int32_t layers, int32_t dim);

// The decision for layer `next` of one token whose layer next - 1 has input
// `input` [dim] and runs in `current`, computed serially in the device's
// formulas: scores [kStateCount] (NaN for disallowed states) and the choice.
LayerState referenceDecision(const DeviceScorer& scorer, const float* input, int32_t next,
                             LayerState current, float scores[kStateCount]);

} // namespace dash::cuda
