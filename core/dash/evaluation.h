// SPDX-License-Identifier: MIT
// Evaluating policies: nominal ratio and perplexity over text windows, tuning
// a policy's knob to a requested nominal ratio on held-out text, and measured
// decode speed against full precision in the same run.
#pragma once

#include "core/dash/dash_controller.h"
#include "core/dash/policy.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/stats.h"

#include <functional>
#include <string>
#include <vector>

namespace dash {

class Tokenizer;

// The first `maxTokens` ids (all when <= 0) of the text file at `path`,
// tokenised whole with the tokenizer's BOS/EOS, as `dash-cli perplexity`
// reads its text. Errors name the file.
Expected<std::vector<int32_t>> readTextTokens(const std::string& path, const Tokenizer& tokenizer,
                                              int64_t maxTokens = 0);

struct EvaluationOptions {
    int64_t context = 0;    // window length; <= 0: the model's context length
    int64_t maxTokens = 0;  // <= 0: all
    int64_t maxWindows = 0; // <= 0: all
    // With maxWindows below the windows the text holds: spread them evenly over
    // the text instead of taking the first ones.
    bool spreadWindows = false;
    bool perplexity = true; // false: only count states (cheaper)
    const CancelToken* cancel = nullptr;
    std::function<void(int64_t done, int64_t total)> onProgress;
};

struct EvaluationResult {
    double nominalRatio = 0;
    double pplAll = 0;
    int64_t scoredAll = 0;
    double pplSecondHalf = 0;
    int64_t scoredSecondHalf = 0;
    int64_t windows = 0;
};

// Every window: reset, probe (AdaSkip), then one pass with the policy's controller.
Expected<EvaluationResult> evaluatePolicy(Policy& policy, Engine& engine,
                                          const std::vector<int32_t>& ids,
                                          const EvaluationOptions& options);

struct TuneOptions {
    double target = 2.0;
    int64_t context = 0;  // window length; <= 0: the model's context length
    int64_t windows = 32; // held-out windows per evaluation, spread over the text
    int iterations = 30;
    double tolerance = 0.002; // relative
    const CancelToken* cancel = nullptr;
};

struct TuneResult {
    double knob = 0;
    double ratio = 0; // nominal ratio reached on the held-out windows
    int evaluations = 0;
};

// Bisects the policy's knob until its nominal ratio on `heldOut` matches the
// target. Leaves the knob set. Policies whose ratio does not depend on the text
// are tuned on their predicted ratio without running the model.
Expected<TuneResult> tuneToRatio(Policy& policy, Engine& engine,
                                 const std::vector<int32_t>& heldOut, const TuneOptions& options);

struct SpeedOptions {
    int64_t promptTokens = 32;
    int64_t decodeTokens = 64;
    // Alternating rounds (core/util/stats.h) after the warm-up; each round
    // times full precision, its A/A copy and the policy twice each.
    int rounds = 4;
    int warmupRounds = 1;
    const CancelToken* cancel = nullptr;
    // Also time a fourth arm that replays the policy's states without its
    // decisions: the states of one untimed run of the policy before the
    // schedule (same prompt, so the same tokens), played back per token and
    // layer. The policy's time less the replay's is what deciding costs.
    bool replay = false;
};

struct SpeedResult {
    double fullTokensPerSecond = 0;   // median over full precision's runs
    double policyTokensPerSecond = 0; // median over the policy's runs
    Summary speedup;                  // per round: full precision's decode time / the policy's
    // The A/A control: per round, full precision's decode time over that of
    // full precision run again in the policy's place. 1 +- noise; a median
    // outside 1 +- kControlTolerance means the speedups of this measurement
    // are not to be trusted.
    Summary control;
    double decodeNominalRatio = 0; // of the policy's timed decode steps
    // Share of the policy's timed decode cells (token x layer) in each state.
    std::array<double, kStateCount> stateShare{};
    int rounds = 0;
    // With SpeedOptions::replay: per round, full precision's decode time over
    // the replay's, and the policy's time less the replay's per decoded token
    // in nanoseconds (count 0 otherwise).
    Summary replaySpeedup;
    Summary decisionNsPerToken;
};

// Greedy decoding of `decodeTokens` after a prompt from `source`; only the
// decode steps are timed. Three arms in the alternating schedule: full
// precision (the baseline), full precision again (the A/A control) and the
// policy; every run starts from an empty KV cache.
Expected<SpeedResult> measureDecodeSpeedup(Policy& policy, Engine& engine,
                                           const std::vector<int32_t>& source,
                                           const SpeedOptions& options);

// The median decode layer time of each state in nanoseconds, with one state
// throughout a run (fixed) and with states drawn at random (mixed: zero unless
// StateCostOptions::mixed), and the mixed times as costs against the fixed
// full-precision layer (= 4), the layer a policy's decode steps are compared with.
struct StateCostDetail {
    std::array<double, kStateCount> fixedNs{};
    std::array<double, kStateCount> mixedNs{};
    StateCosts mixedCosts{};
    // Measured mixed layers per state (0: not drawn).
    std::array<int64_t, kStateCount> mixedLayers{};
};

struct StateCostOptions {
    int64_t promptTokens = 16;
    int64_t decodeTokens = 48;
    int repeats = 5; // rounds; each runs every state twice
    const CancelToken* cancel = nullptr;
    // When set: the decode steps of the measured fixed-state runs (warm-ups
    // excluded) add where layers 1 .. L-2 spend their time, per state (Backend::
    // setLayerPartTimes; an error on backends that cannot time a layer's parts).
    LayerPartTimes* parts = nullptr;
    // Also run, alternating with the fixed-state runs, as many runs whose
    // decode tokens draw each state of layers 1 .. L-2 at random (the four
    // states equally likely, seeded): a layer's weights in one state then leave
    // the caches between uses as they do under a policy, where one state
    // throughout keeps only that state's weights hot. Their costs go to
    // `detail` (the returned costs stay the fixed-state ones).
    bool mixed = false;
    // The states the mixed runs draw from, equally likely (at least one):
    // with a subset, which formats' weights compete for the caches.
    StateSet mixedDraw{true, true, true, true};
    uint64_t seed = 1;
    StateCostDetail* detail = nullptr;
};

// What a layer costs in each state during decoding on this machine, relative
// to full precision (= 4). Every layer from 1 on (the last at full precision
// when the state is skip) runs in the state; the per-layer times of the
// engine's trace over layers 1 .. L-2 give each decode step's median. The
// states run in the alternating schedule (core/util/stats.h; `repeats`
// rounds after one warm-up), and each state's cost is the median over its
// steps of all measured runs. Needs the engine's INT8/INT4 weights and a model
// of >= 3 layers; uses the engine's compensation and KV mode.
Expected<StateCosts> measureStateCosts(Engine& engine, const std::vector<int32_t>& source,
                                       const StateCostOptions& options);

} // namespace dash
