// SPDX-License-Identifier: MIT
// DASH's scoring model (eq. 8-10): a two-layer MLP over
//   z = [ĥ (dim) ; E(i) (embed) ; E(i+1) (embed) ; onehot(a_i) (4) ; onehot(a_{i+1}) (4)]
//   score(a_{i+1}) = w2 · relu(W1 z + b1) + b2 - lambda · |a_{i+1} - a_i|
// where ĥ is the hidden state divided by its RMS, E a learned layer-position
// embedding and a the state values 0, 1, 2, 4. Only the last one-hot block
// differs between candidates, so the shared part of W1 z is computed once.
#pragma once

#include "core/engine/trace.h"
#include "core/util/json.h"

#include <array>
#include <cstdint>
#include <vector>

namespace dash {

struct ScorerShape {
    int32_t dim = 0;    // hidden state size of the model
    int32_t layers = 0; // transformer layers
    int32_t embed = 8;  // layer-position embedding size
    int32_t hidden = 64;

    int32_t inputSize() const { return dim + 2 * embed + 2 * kStateCount; }
};

using StateScores = std::array<float, kStateCount>; // indexed by stateIndex()

class ScoringModel {
    friend class CompiledScorer;

public:
    ScoringModel() = default;
    ScoringModel(ScorerShape shape, float lambda);

    const ScorerShape& shape() const { return m_shape; }
    float lambda() const { return m_lambda; }
    // Small random weights (deterministic in `seed`).
    void initialize(uint64_t seed);

    // All parameters, flattened (for optimisers and files).
    std::vector<float>& parameters() { return m_params; }
    const std::vector<float>& parameters() const { return m_params; }

    // Scores of the 4 candidate states of layer `next` (1 .. layers-1) for a
    // token whose layer next-1 runs in `current`; `normalized` is ĥ [dim].
    void score(const float* normalized, int32_t next, LayerState current, StateScores& out) const;

    // grad += Σ_k coef[k] · d score_k / d parameters (same shape as parameters()).
    void accumulateGradient(const float* normalized, int32_t next, LayerState current,
                            const StateScores& coef, std::vector<float>& grad) const;

    Json toJson() const;
    static Expected<ScoringModel> fromJson(const Json& json, int32_t dim, int32_t layers);

private:
    // Parameter offsets in m_params.
    size_t w1() const { return 0; } // [hidden][inputSize]
    size_t b1() const { return w1() + static_cast<size_t>(m_shape.hidden) * m_shape.inputSize(); }
    size_t w2() const { return b1() + static_cast<size_t>(m_shape.hidden); }
    size_t b2() const { return w2() + static_cast<size_t>(m_shape.hidden); }
    size_t emb() const { return b2() + 1; } // [layers][embed]
    size_t total() const { return emb() + static_cast<size_t>(m_shape.layers) * m_shape.embed; }

    // Pre-activation shared by all candidates: W1 z (without the candidate block) + b1.
    void sharedPreActivation(const float* normalized, int32_t next, LayerState current,
                             float* pre) const;

    ScorerShape m_shape;
    float m_lambda = 0.05f;
    std::vector<float> m_params;
};

// A ScoringModel laid out for decisions at inference: W1's hidden-state block
// transposed ([dim][hidden]) so that W1·ĥ accumulates whole rows of hidden
// units, and everything that depends only on (layer, current state) summed in
// advance. Scores equal ScoringModel::score up to float rounding. A copy: later
// changes to the model's parameters do not reach it.
class CompiledScorer {
public:
    explicit CompiledScorer(const ScoringModel& model);
    void score(const float* normalized, int32_t next, LayerState current, StateScores& out) const;

private:
    int32_t m_dim = 0;
    int32_t m_hidden = 0;
    float m_lambda = 0;
    float m_b2 = 0;
    std::vector<float> m_w1t; // [dim][hidden]
    std::vector<float>
        m_constant; // [next][current state][hidden]: b1 + W1·[E(next-1); E(next); onehot(current)]
    std::vector<float> m_candidate; // [candidate state][hidden]: W1's onehot(candidate) column
    std::vector<float> m_w2;        // [hidden]
};

// ĥ = h / rms(h).
void normalizeHidden(const float* h, int32_t dim, float* out);

} // namespace dash
