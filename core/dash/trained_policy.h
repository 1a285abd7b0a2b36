// SPDX-License-Identifier: MIT
// The last steps both trainers (training.cpp, relaxed_training.cpp) share:
// the trained scorer becomes a DASH policy with the runtime the options ask
// for, its cost bias is tuned on held-out tokens to the target ratio, and
// the provenance every policy file records is written.
#pragma once

#include "core/dash/training.h"

#include <memory>
#include <string>
#include <vector>

namespace dash {

struct TunedPolicy {
    std::unique_ptr<DashPolicy> policy;
    TuneResult tuned;
};

// Reports the "tune" phase through onProgress before tuning.
Expected<TunedPolicy>
tuneTrainedPolicy(const ScoringModel& scorer, const Calibration& calibration, const TrainOptions& o,
                  Engine& engine, const std::vector<int32_t>& heldOut, TrainProgress& progress,
                  const std::function<void(const TrainProgress&)>& onProgress);

// data_sha256, data_tokens, held_out_tokens, steps, window, seed and
// learning_rate in the policy's training record.
void recordTrainingData(Json& training, const TrainOptions& o, const std::string& dataSha256,
                        size_t dataTokens, size_t heldOutTokens);

} // namespace dash
