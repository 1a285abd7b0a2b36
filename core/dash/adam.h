// SPDX-License-Identifier: MIT
// Adam on a flat parameter vector, ascending the objective: the one update
// the REINFORCE trainer and the relaxed (Gumbel-softmax) trainer share.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace dash {

struct Adam {
    std::vector<float> m, v; // first and second moments, [parameters]
    int64_t t = 0;           // steps taken

    void step(std::vector<float>& params, const std::vector<float>& grad, float lr) {
        constexpr float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        if (m.empty()) {
            m.assign(params.size(), 0.0f);
            v.assign(params.size(), 0.0f);
        }
        ++t;
        const float c1 = 1.0f - std::pow(b1, static_cast<float>(t));
        const float c2 = 1.0f - std::pow(b2, static_cast<float>(t));
        for (size_t i = 0; i < params.size(); ++i) {
            m[i] = b1 * m[i] + (1 - b1) * grad[i];
            v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
            params[i] += lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
        }
    }
};

} // namespace dash
