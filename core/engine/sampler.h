// SPDX-License-Identifier: MIT
// Next-token selection: greedy at temperature 0, otherwise temperature-scaled
// softmax restricted by top-k and top-p (nucleus), from a seeded generator.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace dash {

struct SamplerOptions {
    float temperature = 0.0f; // 0: greedy
    float topP = 1.0f;        // (0, 1]
    int32_t topK = 0;         // 0: no limit
    uint64_t seed = 0;

    Status validate() const;
};

class Sampler {
public:
    explicit Sampler(SamplerOptions options);
    int32_t sample(std::span<const float> logits);

private:
    SamplerOptions m_options;
    std::mt19937_64 m_rng;
    std::vector<std::pair<float, int32_t>> m_candidates;
};

int32_t argmax(std::span<const float> values);

} // namespace dash
