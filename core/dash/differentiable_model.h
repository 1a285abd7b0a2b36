// SPDX-License-Identifier: MIT
// A reference of the transformer's math (llama / qwen2 blocks: RMSNorm,
// Q/K/V with optional biases, RoPE, causal GQA attention, output projection,
// SwiGLU FFN, residuals; final RMSNorm and head) in T = float or double, with
// a backward pass, so that a loss on the logits can be differentiated with
// respect to the execution-state mixture of every (token, layer). The model's
// weights are frozen: no weight gradients are formed.
//
// The relaxed layer (token t, layer l, mixture y over the allowed states):
//   a        = rmsnorm(x) ⊙ w_attn                              x = h_{l,t} [dim]
//   k^s, v^s = W_k^s a (+b), W_v^s a (+b), k roped            per state s; the
//              skip state's are the full weights' (KV mode "project")
//   K_t, V_t = Σ_s y_s k^s, Σ_s y_s v^s                         the cache entry
//   F_s      = x2 + W_d^s (silu(W_g^s b) ⊙ W_u^s b),  x2 = x + W_o^s attn(q^s, K_≤t, V_≤t),
//              b = rmsnorm(x2) ⊙ w_ffn, q^s = rope(W_q^s a (+b))  for computed s
//   F_skip   = alpha_l ⊙ x
//   h_{l+1,t} = Σ_s y_s F_s
// With one-hot y this is exactly the engine's pass in those states (project
// KV mode). INT8/INT4 states use the engine's quantised weights dequantised
// (activations stay in T; the engine's integer kernels may round activations
// differently). backward() returns dL/dy_s for every allowed state s, the
// straight-through gradient a Gumbel-softmax relaxation needs:
//   dL/dy_s = <dL/dh_{l+1,t}, F_s> + <dL/dK_t, k^s> + <dL/dV_t, v^s>.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/trace.h"
#include "core/model/model.h"
#include "core/util/status.h"

#include <array>
#include <functional>
#include <span>
#include <vector>

namespace dash {

template <class T>
class DifferentiableModel {
public:
    // Float copies of the weights; INT8/INT4 ones when allowed (quantised with
    // `group` as the engine does). alpha: the skip compensation (empty: none).
    static Expected<DifferentiableModel> create(const Model& model, const Compensation& alpha,
                                                bool int8, bool int4, int32_t group);

    int32_t layers() const { return m_layers; }
    int32_t dim() const { return m_dim; }
    int32_t vocab() const { return m_vocab; }
    bool hasState(LayerState s) const;

    // Mixture weights of layer `layer` for the n tokens of the window,
    // [n][kStateCount] (indexed by stateIndex); called before the layer runs
    // with the hidden states entering it: `input` [n][dim] = h_layer and
    // `previous` = h_{layer-1} (null for layer 0).
    using MixFn = std::function<void(int32_t layer, const T* input, const T* previous, T* mix)>;

    struct Pass; // activations kept for backward

    // Runs the window (positions 0..n-1) and returns the logits [n][vocab].
    // A state with zero weight in a row is not computed unless `allStates`
    // (needed for its gradient in backward()).
    std::vector<T> forward(std::span<const int32_t> tokens, const MixFn& mix, bool allStates,
                           Pass& pass) const;

    // dL/d logits [n][vocab] in; dL/d mixture [n][layer][kStateCount] out (0
    // for states not allowed / not computed) and, when dHidden is not null,
    // dL/dh [layer][n][dim] (the gradient w.r.t. the input of each layer).
    void backward(const Pass& pass, const std::vector<T>& dLogits, std::vector<T>& dMix,
                  std::vector<T>* dHidden = nullptr) const;

    struct LayerWeightsT {
        std::vector<T> attnNorm, ffnNorm, bq, bk, bv;
        // Per state index (1 INT4, 2 INT8, 3 full); empty where unavailable.
        // Row-major [rows][cols] as the model's matrices.
        std::array<std::array<std::vector<T>, kLayerMatrixCount>, kStateCount> m;
    };

    struct StateActs {
        bool computed = false;
        std::vector<T> q, k, v;     // [qDim], [kvDim] roped q and k
        std::vector<T> att, probs;  // [qDim], [heads][n]
        std::vector<T> x2, b, g, u; // [dim], [dim], [ffn], [ffn]
        std::vector<T> out;         // F_s [dim]
    };

    struct Pass {
        int64_t n = 0;
        std::vector<T> hidden;       // [layers + 1][n][dim]
        std::vector<T> mix;          // [n][layers][kStateCount]
        std::vector<T> attnIn;       // a [layers][n][dim]
        std::vector<T> keys, values; // mixed cache [layers][n][kvDim]
        std::vector<StateActs> acts; // [layers][n][kStateCount]
        std::vector<T> finalNormed;  // [n][dim]
        std::vector<T> logits;       // [n][vocab]
    };

private:
    int32_t m_layers = 0, m_dim = 0, m_heads = 0, m_kvHeads = 0, m_headDim = 0, m_ffn = 0;
    int32_t m_vocab = 0;
    T m_eps = 0;
    RopeLayout m_ropeLayout = RopeLayout::AdjacentPairs;
    std::vector<double> m_inverseFrequency; // [headDim / 2]
    std::vector<LayerWeightsT> m_w;
    std::vector<std::vector<T>> m_alpha; // [layer][1 or dim]; empty: identity
    std::vector<T> m_embedding;          // [vocab][dim]
    std::vector<T> m_output;             // [vocab][dim]
    std::vector<T> m_outputNorm;

    void rope(T* v, int32_t heads, int64_t position, bool inverse) const;
    const std::vector<T>& matrix(int32_t layer, int stateIdx, LayerMatrix which) const;
};

} // namespace dash
