// SPDX-License-Identifier: MIT
// What a policy costs each token: per predicted token, its log-likelihood
// under the policy's next-token distribution and under full precision's, the
// difference, and the KL divergence KL(p_full || p_policy) of the two
// distributions. The app's Δ log p and KL row and `dash-cli run` both print
// these numbers.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <span>
#include <vector>

namespace dash {

// One predicted token, in nats (float64 log softmax of float logits).
struct TokenDivergence {
    double logP = 0;       // log p_policy(target)
    double logPFull = 0;   // log p_full(target)
    double deltaLogP = 0;  // logP - logPFull
    double klFromFull = 0; // KL(p_full || p_policy) >= 0 (rounding below 0 is clamped)
};

// Row r of `policyLogits` and of `fullLogits` (both [targets.size()][vocab])
// predicts targets[r]. For a sequence ids[0..n) whose logits rows 0..n-2 are
// given, targets = ids[1..n): entry r describes token r + 1.
// Errors: vocab < 1, a span of the wrong size, a target outside [0, vocab).
Expected<std::vector<TokenDivergence>> compareNextTokens(std::span<const float> policyLogits,
                                                         std::span<const float> fullLogits,
                                                         std::span<const int32_t> targets,
                                                         int32_t vocab);

} // namespace dash
