// SPDX-License-Identifier: MIT
// The log softmax of a row of logits, in float64: what every per-token
// log-likelihood and KL divergence of the project is computed from.
#pragma once

#include <span>
#include <vector>

namespace dash {

// out[v] = logits[v] - log Σ_u exp(logits[u]) for a row of logits [vocab];
// `out` is resized to vocab.
void logSoftmax(std::span<const float> logits, std::vector<double>& out);

} // namespace dash
