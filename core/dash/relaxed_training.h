// SPDX-License-Identifier: MIT
// Training the scoring model through a differentiable relaxation instead of
// REINFORCE (TrainerKind::Relaxed), base model frozen.
//
// Each step samples a window, runs it at full precision in the engine
// (reference distributions p_full), then runs it in DifferentiableModel<float>
// with the policy's decisions made as DashController makes them (from
// h̃ = gamma ⊙ h_{i-1}, or exact h_i when synchronous), except that each
// decision draws straight-through Gumbel-softmax samples over its allowed
// states: the forward pass takes the hard state argmax(score + g), the
// backward pass the soft weights y = softmax((score + g) / τ_g), g ~ Gumbel(0, 1),
// τ_g decaying from gumbelStart to gumbelEnd. The loss
//   L = mean_t KL(p_full,t || p_t) + λ · mean_t Σ_l Σ_s y_{t,l,s} c_s / S_max
// is differentiated exactly through the frozen layers (differentiable_model.h)
// with respect to every y, and the chain rule through the softmax reaches the
// scores and the scorer's parameters (its input ĥ is not differentiated).
// λ follows the requested ratio as β does for REINFORCE (raised while the
// sampled hard paths are too expensive). Imitation steps (static or oracle
// targets) raise the likelihood of the targets along the forced path, as in
// REINFORCE's warm start. The cost bias is tuned afterwards on held-out text.
// KV mode "project" only (the mixture of a masked position is not defined).
#pragma once

#include "core/dash/training.h"

namespace dash {

Expected<std::unique_ptr<DashPolicy>>
trainRelaxedPolicy(Engine& engine, const Calibration& calibration, const std::vector<int32_t>& ids,
                   const TrainOptions& options, const std::string& dataSha256,
                   const std::function<void(const TrainProgress&)>& onProgress);

} // namespace dash
