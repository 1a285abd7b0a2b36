// SPDX-License-Identifier: MIT
#include "core/dash/token_divergence.h"

#include "core/util/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dash {

Expected<std::vector<TokenDivergence>> compareNextTokens(std::span<const float> policyLogits,
                                                         std::span<const float> fullLogits,
                                                         std::span<const int32_t> targets,
                                                         int32_t vocab) {
    if (vocab < 1)
        return invalidError("token divergence: vocabulary size " + std::to_string(vocab) +
                            " is not positive");
    const auto width = static_cast<size_t>(vocab);
    const size_t rows = targets.size();
    if (policyLogits.size() != rows * width || fullLogits.size() != rows * width)
        return invalidError("token divergence: " + std::to_string(rows) + " targets need " +
                            std::to_string(rows * width) + " logits per run; the policy gave " +
                            std::to_string(policyLogits.size()) + ", full precision " +
                            std::to_string(fullLogits.size()));
    for (size_t r = 0; r < rows; ++r)
        if (targets[r] < 0 || targets[r] >= vocab)
            return invalidError("token divergence: target " + std::to_string(r) + " is token " +
                                std::to_string(targets[r]) + ", outside the vocabulary of " +
                                std::to_string(vocab));

    std::vector<TokenDivergence> out(rows);
    std::vector<double> logPolicy;
    std::vector<double> logFull;
    for (size_t r = 0; r < rows; ++r) {
        logSoftmax(policyLogits.subspan(r * width, width), logPolicy);
        logSoftmax(fullLogits.subspan(r * width, width), logFull);
        const auto target = static_cast<size_t>(targets[r]);
        double kl = 0;
        for (size_t v = 0; v < width; ++v)
            kl += std::exp(logFull[v]) * (logFull[v] - logPolicy[v]);
        TokenDivergence& d = out[r];
        d.logP = logPolicy[target];
        d.logPFull = logFull[target];
        d.deltaLogP = logPolicy[target] - logFull[target];
        // Rounding can make a zero divergence slightly negative.
        d.klFromFull = std::max(0.0, kl);
    }
    return out;
}

} // namespace dash
