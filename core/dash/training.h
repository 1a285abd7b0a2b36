// SPDX-License-Identifier: MIT
// Training the scoring model with REINFORCE (eq. 11-17), base model frozen.
// Each step samples a window of training text, runs it once at full precision
// (reference log-likelihoods) and once under the policy with states sampled
// from softmax(score / τ), τ decaying. Per token t and decision at layer j:
//   R_acc = min(1, exp(-(log p_full - log p_policy)))     (next-token likelihood)
//   R_eff = 1 - S / S_max,  S = Σ_l a_l,  S_max = 4 L
//   w_pos = σ((S - S_≤j) / S_max)
//   r     = w_pos · R_acc + β · R_eff
// and the gradient of Σ (r - b_j) log π(a_j) with b_j a running mean per layer.
// β follows the requested ratio (raised while sampled paths are too
// expensive); afterwards the cost bias is tuned on held-out text (the tail of
// the training text, never seen by the gradient) to hit the ratio exactly.
// The paper's joint fine-tuning of the base model (eq. 17) is not done.
//
// Two additions of this project, both optional:
// - State costs: S and the cost bias may use measured per-state costs
//   (measureStateCosts) instead of the state codes, so that the policy trades
//   accuracy against what a state saves on the machine. The nominal ratio that
//   β and the tuning aim at is always 4·L / Σ states.
// - Imitation warm start: the first imitationSteps steps maximise the
//   likelihood of the static similarity choice at the target ratio (skip the
//   layers whose output the calibration found most like their input, full
//   precision elsewhere) on the inputs of the sampled path, before REINFORCE
//   takes over; the policy then starts from the ranking rather than from noise.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dash {

struct TrainOptions {
    double targetRatio = 2.0;
    int64_t steps = 300;
    int64_t window = 64; // tokens per step
    uint64_t seed = 1;
    float learningRate = 3e-3f;
    float temperatureStart = 1.0f;
    float temperatureEnd = 0.1f;
    float betaStart = 1.0f;
    float betaRate = 0.5f; // β += betaRate · (target - sampled ratio) per step
    float lambda = 0.05f;  // state-change penalty of the scorer (eq. 9)
    int32_t hidden = 64;
    int32_t embed = 8;
    int32_t quantGroup = 32;
    bool async = true;
    // States the policy may choose besides skip and full precision. On a CPU
    // the integer kernels save less than their nominal cost, so a skip/full
    // policy's measured speedup tracks its nominal ratio more closely.
    bool allowInt4 = true;
    bool allowInt8 = true;
    StateCosts stateCosts = kNominalStateCosts;
    int64_t imitationSteps = 0; // of `steps`, the first ones imitate static similarity
    double heldOutFraction = 0.1;
    int64_t tuneWindows = 32;   // held-out windows for the cost-bias tuning
    std::string checkpointPath; // empty: no checkpoints
    // Steps between checkpoints; a cancel (Ctrl-C) also saves one, so an
    // interruption loses at most the step that was running.
    int64_t checkpointEvery = 10;
    const CancelToken* cancel = nullptr;
};

struct TrainProgress {
    int64_t step = 0;
    int64_t steps = 0;
    double temperature = 0;
    double beta = 0;
    double reward = 0;       // mean r of the step (imitating: mean log p of the static choice)
    double sampledRatio = 0; // nominal ratio of the step's sampled paths
    double deltaNll = 0;     // mean log p_full - log p_policy
    std::string phase;       // "imitate", "train", "tune"
};

// Trains on `ids` (BOS-prefixed text) and returns a policy tuned to the target
// ratio. With a checkpoint path, state is saved every checkpointEvery steps and
// when cancelled, and an existing checkpoint made with the same settings is
// resumed.
Expected<std::unique_ptr<DashPolicy>>
trainDashPolicy(Engine& engine, const Calibration& calibration, const std::vector<int32_t>& ids,
                const TrainOptions& options, const std::string& dataSha256,
                const std::function<void(const TrainProgress&)>& onProgress = {});

// measureStateCosts with the engine set up as training runs it: the
// calibration's compensation and INT8/INT4 weights of `quantGroup`.
Expected<StateCosts> measurePolicyStateCosts(Engine& engine, const Calibration& calibration,
                                             int32_t quantGroup, const std::vector<int32_t>& text,
                                             const StateCostOptions& options);

} // namespace dash
