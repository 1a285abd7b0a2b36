// SPDX-License-Identifier: MIT
// DASH at inference (and sampling for training): a LayerController that picks
// each token's state for layer i+1 with the scoring model.
//   synchronous:  from the exact output h_i, after layer i has run;
//   asynchronous: from h̃_i = gamma_i ⊙ h_{i-1} (or alpha_i ⊙ h_{i-1} when the
//                 token skips layer i, which is then exact), aside on an idle
//                 worker of the engine's pool while layer i runs (eq. 19-20);
//                 without a pool, in line before the layer.
// Constraints: layer 0 runs at full precision; the last layer is never skipped.
// A cost bias b subtracts b·cost(state) from every score, which moves the
// nominal ratio; it is calibrated on held-out text for a requested ratio. The
// costs are the state codes unless the policy was trained with measured ones.
#pragma once

#include "core/dash/scorer.h"
#include "core/dash/state_table.h"
#include "core/engine/layer_controller.h"

#include <memory>
#include <random>
#include <vector>

namespace dash {

// What each state costs (indexed by stateIndex), full precision at 4. The
// nominal costs are the state codes; measured ones (measureStateCosts) say
// what a layer in that state takes on a given machine, relative to full.
using StateCosts = std::array<float, kStateCount>;
inline constexpr StateCosts kNominalStateCosts = {0.0f, 1.0f, 2.0f, 4.0f};
// Rejects costs that are not finite, negative, or give full precision no cost.
Status checkStateCosts(const StateCosts& costs);

struct DashRuntimeOptions {
    bool async = true;
    float costBias = 0.0f;
    StateCosts stateCosts = kNominalStateCosts; // what the cost bias charges per state
    float temperature = 0.0f; // 0: greedy (eq. 18); > 0: sample softmax(score / T) (eq. 11)
    uint64_t seed = 0;
    // Async only: when cos(h̃_i, h_i) falls below this, the decision is redone
    // from the exact h_i after the layer (0: never).
    float correctionThreshold = 0.0f;
    bool allowInt4 = true;
    bool allowInt8 = true;
    bool record = false; // keep every decision for training
    // Teacher forcing (imitation of given decisions): when set, token t of a
    // pass runs layer l in forced->at(forcedFirstRow + t, l) whatever the
    // scores say; the scores and probabilities are still computed and
    // recorded, so that the likelihood of the forced choice can be raised.
    const StateTable* forced = nullptr;
    int64_t forcedFirstRow = 0;
};

// One decision, kept when recording: token (relative to the pass), the layer it
// decided, the state of the layer before and the choice, and the probabilities
// the choice was drawn from (0 for disallowed states).
struct DashDecision {
    int32_t token = 0;
    int32_t layer = 0;
    LayerState current = LayerState::Full;
    LayerState chosen = LayerState::Full;
    StateScores probs{};
    std::array<bool, kStateCount> allowed{};
};

class DashController : public LayerController {
public:
    // gamma, alpha: [layer][1 or dim]; alpha may be empty (identity).
    DashController(std::shared_ptr<const ScoringModel> scorer,
                   std::vector<std::vector<float>> gamma, std::vector<std::vector<float>> alpha,
                   DashRuntimeOptions options);
    ~DashController() override;

    void beginPass(const PassInfo& pass) override;
    void beforeLayer(int32_t layer, const float* input, int64_t count, LayerState* states) override;
    void afterLayer(int32_t layer, const float* output, int64_t count) override;
    void endPass() override;

    DashRuntimeOptions& options() { return m_options; }
    // Decisions of the last pass (with options.record), and their normalised
    // inputs ĥ [decision][dim].
    const std::vector<DashDecision>& decisions() const { return m_decisions; }
    const std::vector<float>& decisionInputs() const { return m_decisionInputs; }
    int64_t corrections() const { return m_corrections; }

private:
    // Decides layer `next` for tokens [0, count) from hidden states `h` [count][dim].
    void decide(int32_t next, const float* h, int64_t count, bool approximate, int32_t sourceLayer);
    void decideOne(int32_t next, int64_t token, const float* normalized);
    // Waits for the aside decision job, if one is in flight.
    void finishPending();

    std::shared_ptr<const ScoringModel> m_scorer;
    CompiledScorer m_compiled; // m_scorer's weights, laid out for scoring
    std::vector<std::vector<float>> m_gamma;
    std::vector<std::vector<float>> m_alpha;
    DashRuntimeOptions m_options;
    cpu::ThreadPool* m_pool = nullptr; // of the running pass
    std::mt19937_64 m_rng;

    int32_t m_layers = 0;
    int32_t m_dim = 0;
    Trace* m_trace = nullptr;
    int32_t m_firstToken = 0;             // trace cell of the pass's first token
    std::vector<LayerState> m_current;    // states of the layer running now [count]
    std::vector<LayerState> m_next;       // decided states of the next layer [count]
    std::vector<float> m_input;           // copy of the running layer's input [count][dim]
    std::vector<float> m_approx;          // h̃ [count][dim]
    std::vector<float> m_normalized;      // [dim]
    StreamProfiler* m_profiler = nullptr; // policy spans of a traced pass go here
    bool m_pending = false;               // an aside job is in flight
    int32_t m_asideLayer = 0;             // the layer whose input the aside job reads
    std::vector<DashDecision> m_decisions;
    std::vector<float> m_decisionInputs;
    int64_t m_corrections = 0;
};

} // namespace dash
