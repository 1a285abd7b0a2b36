// SPDX-License-Identifier: MIT
#include "core/engine/sampler.h"

#include <algorithm>
#include <cmath>

namespace dash {

Status SamplerOptions::validate() const {
    if (!(temperature >= 0) || !std::isfinite(temperature))
        return invalidError("temperature must be a finite number >= 0");
    if (!(topP > 0 && topP <= 1))
        return invalidError("top-p must be in (0, 1]");
    if (topK < 0)
        return invalidError("top-k must be >= 0");
    return {};
}

int32_t argmax(std::span<const float> values) {
    int32_t best = 0;
    for (size_t i = 1; i < values.size(); ++i)
        if (values[i] > values[static_cast<size_t>(best)])
            best = static_cast<int32_t>(i);
    return best;
}

Sampler::Sampler(SamplerOptions options) : m_options(options), m_rng(options.seed) {}

int32_t Sampler::sample(std::span<const float> logits) {
    if (m_options.temperature <= 0)
        return argmax(logits);
    m_candidates.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
        m_candidates[i] = {logits[i], static_cast<int32_t>(i)};
    auto byLogit = [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    size_t keep = m_candidates.size();
    if (m_options.topK > 0 && static_cast<size_t>(m_options.topK) < keep) {
        keep = static_cast<size_t>(m_options.topK);
        std::partial_sort(m_candidates.begin(), m_candidates.begin() + static_cast<long>(keep),
                          m_candidates.end(), byLogit);
    } else {
        std::sort(m_candidates.begin(), m_candidates.end(), byLogit);
    }
    // Softmax of the kept logits / temperature (max subtracted for stability).
    const double maxLogit = m_candidates[0].first;
    std::vector<double> probs(keep);
    double total = 0;
    for (size_t i = 0; i < keep; ++i) {
        probs[i] = std::exp((m_candidates[i].first - maxLogit) / m_options.temperature);
        total += probs[i];
    }
    // Nucleus: the smallest prefix whose mass reaches top-p.
    if (m_options.topP < 1) {
        double mass = 0;
        size_t cut = keep;
        for (size_t i = 0; i < keep; ++i) {
            mass += probs[i] / total;
            if (mass >= m_options.topP) {
                cut = i + 1;
                break;
            }
        }
        keep = cut;
        total = 0;
        for (size_t i = 0; i < keep; ++i)
            total += probs[i];
    }
    std::uniform_real_distribution<double> uniform(0.0, total);
    double r = uniform(m_rng);
    for (size_t i = 0; i < keep; ++i) {
        r -= probs[i];
        if (r < 0)
            return m_candidates[i].second;
    }
    return m_candidates[keep - 1].second;
}

} // namespace dash
