// SPDX-License-Identifier: MIT
#include "core/util/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dash {

void logSoftmax(std::span<const float> logits, std::vector<double>& out) {
    out.resize(logits.size());
    // Shifted by the largest logit so that exp cannot overflow.
    double peak = -std::numeric_limits<double>::infinity();
    for (float x : logits)
        peak = std::max(peak, static_cast<double>(x));
    double sum = 0;
    for (float x : logits)
        sum += std::exp(static_cast<double>(x) - peak);
    const double shift = peak + std::log(sum);
    for (size_t v = 0; v < logits.size(); ++v)
        out[v] = static_cast<double>(logits[v]) - shift;
}

} // namespace dash
