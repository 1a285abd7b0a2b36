// SPDX-License-Identifier: MIT
// The skip compensation as a calibration choice: each alpha method (none,
// norm ratio, least squares, per channel) is scored by the held-out
// perplexity of skipping by the calibration's similarity ranking at the given
// ratios, and the method with the lowest mean log-perplexity is chosen. The
// ranking, not a trained policy, is used so that the choice is made before
// training and does not depend on a policy's seed.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/evaluation.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"

#include <functional>
#include <vector>

namespace dash {

struct AlphaTuningOptions {
    std::vector<double> ratios = {1.33, 1.67, 2.0};
    EvaluationOptions windows; // held-out windows (context, maxWindows, spread)
    const CancelToken* cancel = nullptr;
    std::function<void(AlphaMethod method, double ratio, double ppl)> onResult;
};

struct AlphaTuningResult {
    AlphaMethod best = AlphaMethod::NormRatio;
    std::vector<double> ratios;
    std::vector<AlphaMethod> methods;
    std::vector<std::vector<double>> ppl; // [method][ratio], held-out perplexity
    int64_t heldOutTokens = 0;
    Json toJson() const;
};

// Leaves the engine's compensation at the best method's.
Expected<AlphaTuningResult> tuneAlphaMethod(Engine& engine, const Calibration& calibration,
                                            const std::vector<int32_t>& heldOut,
                                            const AlphaTuningOptions& options);

} // namespace dash
