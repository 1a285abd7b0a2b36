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
#include "core/dash/oracle.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dash {

// What trains the scorer. REINFORCE (eq. 11-17) is the reference; the
// relaxation (relaxed_training.h) is this project's alternative.
enum class TrainerKind { Reinforce, Relaxed };
// What REINFORCE subtracts from a decision's reward:
//   layer     a running mean per layer (the reference),
//   position  a running mean per (layer, position in the window),
//   learned   a linear value model of the decision's input (ĥ, layer),
//             fitted online by least squares.
enum class BaselineKind { Layer, Position, Learned };
// REINFORCE's reward per token (its decisions share it):
//   paper            r = w_pos · R_acc + β · R_eff, R_acc = min(1, exp(-(log p_full
//                    - log p_policy))) of the true next token (eq. 12-15),
//   kl               the same with R_acc = exp(-KL(p_full || p_policy)) of the
//                    whole next-token distribution (no label: less variance),
//   differential     measured against the static-skip path on the same window:
//                    r = w_pos · (log p_policy - log p_static) + β · (R_eff - R_eff,static),
//   differential-kl  r = w_pos · (KL_static - KL_policy) + β · (R_eff - R_eff,static).
enum class RewardKind { Paper, Kl, Differential, DifferentialKl };
// What the imitation steps imitate: static similarity skipping at the target
// ratio, the oracle's per-token decisions (oracle.h) on training windows, the
// best static set that greedy layer removal (searchStaticOrder) finds on
// training windows, or the similarity forecast's decisions
// (similarity_forecast.h) on training windows. The differential rewards
// compare with the static set imitated (similarity or best static;
// similarity for oracle and forecast imitation).
enum class ImitationTarget { Static, Oracle, BestStatic, Forecast };

const char* trainerKindName(TrainerKind kind);
Expected<TrainerKind> parseTrainerKind(const std::string& text);
const char* baselineKindName(BaselineKind kind);
Expected<BaselineKind> parseBaselineKind(const std::string& text);
const char* rewardKindName(RewardKind kind);
Expected<RewardKind> parseRewardKind(const std::string& text);
const char* imitationTargetName(ImitationTarget target);
Expected<ImitationTarget> parseImitationTarget(const std::string& text);

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
    int64_t imitationSteps = 0; // of `steps`, the first ones imitate imitationTarget
    double heldOutFraction = 0.1;
    int64_t tuneWindows = 32;   // held-out windows for the cost-bias tuning
    std::string checkpointPath; // empty: no checkpoints
    // Steps between checkpoints; a cancel (Ctrl-C) also saves one, so an
    // interruption loses at most the step that was running.
    int64_t checkpointEvery = 10;
    const CancelToken* cancel = nullptr;

    // Trainer variants (recorded in the policy's training provenance). The
    // defaults are the reference REINFORCE.
    TrainerKind trainer = TrainerKind::Reinforce;
    BaselineKind baseline = BaselineKind::Layer;
    RewardKind reward = RewardKind::Paper;
    // Entropy bonus: + c · H(π) per decision, c going linearly from
    // entropyStart to entropyEnd over the REINFORCE steps.
    float entropyStart = 0.0f;
    float entropyEnd = 0.0f;
    ImitationTarget imitationTarget = ImitationTarget::Static;
    // Oracle imitation: its loss, budget, and the training windows it labels
    // (spread over the training part, windows of `window` tokens). Curves
    // computed before (oracleCurves) are used when given.
    OracleLoss oracleLoss = OracleLoss::Kl;
    OracleBudget oracleBudget = OracleBudget::PerToken;
    int64_t oracleWindows = 256;
    const OracleCurves* oracleCurves = nullptr;
    // Best-static imitation: the windows (of the model's context length, at
    // most 512 tokens) spread over the training part that the search scores.
    int64_t staticWindows = 8;
    // Forecast imitation: the training windows (of `window` tokens, spread
    // over the training part) that the forecast is fitted on and labels, and
    // the ridge of its regressions.
    int64_t forecastWindows = 64;
    double forecastRidge = 1e-3;
    // Relaxed trainer: Gumbel-softmax temperature, from start to end.
    float gumbelStart = 1.0f;
    float gumbelEnd = 0.2f;
    std::string label; // free text naming the setting (e.g. for tables)
};

struct TrainProgress {
    int64_t step = 0;
    int64_t steps = 0;
    double temperature = 0;
    double beta = 0;
    double reward = 0;       // mean r of the step (imitating: mean log p of the static choice)
    double sampledRatio = 0; // nominal ratio of the step's sampled paths
    double deltaNll = 0;     // mean log p_full - log p_policy
    std::string phase;       // "oracle", "static search", "forecast", "imitate", "train",
                             // "tune"
};

// Trains on `ids` (BOS-prefixed text) and returns a policy tuned to the target
// ratio. With a checkpoint path, state is saved every checkpointEvery steps and
// when cancelled, and an existing checkpoint made with the same settings is
// resumed.
Expected<std::unique_ptr<DashPolicy>>
trainDashPolicy(Engine& engine, const Calibration& calibration, const std::vector<int32_t>& ids,
                const TrainOptions& options, const std::string& dataSha256,
                const std::function<void(const TrainProgress&)>& onProgress = {});

// Where the held-out part of a training text of `textTokens` tokens starts
// (the last options.heldOutFraction of it, clamped to 1-90 %).
int64_t trainingHeldOutStart(int64_t textTokens, const TrainOptions& options);

// The training windows the oracle labels for imitation: the starts of up to
// options.oracleWindows windows of options.window tokens spread over the
// training part of a text of `textTokens` tokens (fewer where it holds fewer).
std::vector<int64_t> trainingOracleWindows(int64_t textTokens, const TrainOptions& options);

// The oracle's curves on those windows (what trainDashPolicy computes when
// options.oracleCurves is null).
Expected<OracleCurves>
trainingOracleCurves(Engine& engine, const Calibration& calibration,
                     const std::vector<int32_t>& ids, const TrainOptions& options,
                     const std::function<void(int64_t, int64_t)>& onProgress = {});

// The curves oracle imitation learns from: options.oracleCurves when given,
// else trainingOracleCurves with onProgress (phase "oracle"); refused where
// they do not match the training windows or reach into the held-out part of
// the text.
Expected<OracleCurves>
imitationOracleCurves(Engine& engine, const Calibration& calibration,
                      const std::vector<int32_t>& ids, const TrainOptions& options,
                      const std::function<void(const TrainProgress&)>& onProgress);

// The skip/full states static imitation targets: the first
// round(L·(1 - 1/ratio)) layers of `order` skipped, the rest at full precision.
std::vector<LayerState> staticSkipTargets(int32_t layers, const std::vector<int32_t>& order,
                                          double ratio);

// The layer order static imitation skips in: the calibration's similarity
// ranking, or with ImitationTarget::BestStatic greedy layer removal (with the
// calibration's compensation, as far as the target ratio needs) on
// options.staticWindows windows of up to 512 tokens of ids[0, trainEnd);
// onProgress (phase "static search", step of steps: skips found of skips
// needed) after each greedy step. Leaves the engine reset.
Expected<std::vector<int32_t>>
staticImitationOrder(Engine& engine, const Calibration& calibration,
                     const std::vector<int32_t>& ids, int64_t trainEnd, const TrainOptions& options,
                     const std::function<void(const TrainProgress&)>& onProgress = {});

// Records in a policy's training provenance the order best-static imitation
// followed and the windows its search scored (nothing for other targets).
void recordStaticImitation(Json& training, const TrainOptions& options,
                           const std::vector<int32_t>& order);

// measureStateCosts with the engine set up as training runs it: the
// calibration's compensation and INT8/INT4 weights of `quantGroup`.
Expected<StateCosts> measurePolicyStateCosts(Engine& engine, const Calibration& calibration,
                                             int32_t quantGroup, const std::vector<int32_t>& text,
                                             const StateCostOptions& options);

} // namespace dash
