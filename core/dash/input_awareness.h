// SPDX-License-Identifier: MIT
// Is a policy input-aware? Measured on the states it chose, [token][layer]:
//
// - Per layer, the majority deviation: the fraction of tokens whose state
//   differs from the state that layer runs most often. 0 for any static
//   policy; for skip/full decisions at most 0.5.
// - Per layer, the mutual information (bits, plug-in estimate) between the
//   layer's state and a token feature: the token's id (its most frequent ids
//   in the measured text each a class, the rest one class) and its position
//   in the window (equal buckets). Plug-in estimates are biased upward on
//   finite samples, so each comes with the mean over random permutations of
//   the feature (the same estimate where decisions and feature are
//   independent by construction); the excess over that null is the signal.
// - The counterfactual: the same number of tokens in each state at each layer,
//   assigned without looking at the input (per layer, tokens ordered by a
//   seeded hash of (token index, layer) take the states in turn). Its
//   perplexity beside the policy's says what the per-token choice is worth.
#pragma once

#include "core/dash/evaluation.h"
#include "core/dash/policy.h"
#include "core/dash/state_table.h"
#include "core/engine/engine.h"
#include "core/engine/trace.h"
#include "core/util/json.h"

#include <array>
#include <cstdint>
#include <vector>

namespace dash {

struct InputAwarenessOptions {
    int32_t tokenClasses = 32;   // most frequent ids kept apart (+1 class for the rest)
    int32_t positionBuckets = 8; // of the window length
    int32_t permutations = 20;   // for the null of each mutual information
    uint64_t seed = 1;
};

struct LayerAwareness {
    std::array<int64_t, kStateCount> stateCounts{}; // indexed by stateIndex
    double majorityDeviation = 0;
    double entropy = 0;        // H(state), bits: the most any feature can explain
    double miToken = 0;        // I(state; token class), bits
    double miTokenNull = 0;    // its mean under permutations
    double miPosition = 0;     // I(state; position bucket), bits
    double miPositionNull = 0; // its mean under permutations
};

struct InputAwareness {
    int64_t tokens = 0;
    std::vector<LayerAwareness> layers;
    // Means over the layers a policy decides (1 .. L-1).
    double majorityDeviation = 0;
    double miTokenExcess = 0;                   // mean of miToken - miTokenNull
    double miPositionExcess = 0;                // mean of miPosition - miPositionNull
    std::array<double, kStateCount> stateMix{}; // fraction of all cells per state
    Json toJson() const;
};

// states: [token][layer]; tokenIds and positions: [token] (position in its window).
InputAwareness measureInputAwareness(const StateTable& states, const std::vector<int32_t>& tokenIds,
                                     const std::vector<int64_t>& positions, int64_t windowLength,
                                     const InputAwarenessOptions& options = {});

// The states a traced sequence chose, [token][layer], and their awareness
// with the tokens at positions 0..n-1 of one window of n (what
// analyseSequence measures, without its replays; nothing for fewer than 2
// tokens).
StateTable traceStateTable(const Trace& trace);
InputAwareness traceInputAwareness(const Trace& trace, const InputAwarenessOptions& options = {});

// The same per-layer state counts, assigned independently of the input.
StateTable staticReassignment(const StateTable& states, uint64_t seed = 1);

struct PolicyAwarenessReport {
    EvaluationResult policy;     // the policy itself
    EvaluationResult reassigned; // its statically reassigned counterfactual
    InputAwareness awareness;
    StateTable states; // what the policy chose, [window * context + t][layer]
    Json toJson() const;
};

// Runs the policy over the windows evaluatePolicy would use for `options`
// (recording its states), measures them and replays the reassigned states
// with the same engine set-up (the policy's prepare). options.onProgress
// counts both passes: the policy's windows, then the replay's.
Expected<PolicyAwarenessReport> analysePolicy(Policy& policy, Engine& engine,
                                              const std::vector<int32_t>& ids,
                                              const EvaluationOptions& options,
                                              const InputAwarenessOptions& awareness = {});

// For one sequence that already ran (a `dash-cli run` trace): the awareness of
// its states and the perplexity of the sequence replayed with them and with
// their static reassignment. The engine must be set up as the run was.
Expected<PolicyAwarenessReport> analyseSequence(Engine& engine, const std::vector<int32_t>& ids,
                                                const StateTable& states,
                                                const InputAwarenessOptions& awareness = {});

} // namespace dash
