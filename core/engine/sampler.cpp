// SPDX-License-Identifier: MIT
#include "core/engine/sampler.h"

#include <algorithm>
#include <array>
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
    // The first index of the largest value, a NaN never larger than anything
    // (and values[0] kept when it is NaN). Two passes: the largest value over
    // independent lanes (one running comparison per lane, not one chain through
    // the whole vector), then the first index holding it.
    const size_t n = values.size();
    if (n == 0 || std::isnan(values[0]))
        return 0;
    constexpr size_t kLanes = 16;
    std::array<float, kLanes> lane;
    lane.fill(values[0]);
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (size_t k = 0; k < kLanes; ++k)
            lane[k] = values[i + k] > lane[k] ? values[i + k] : lane[k];
    float best = values[0];
    for (float v : lane)
        best = v > best ? v : best;
    for (; i < n; ++i)
        best = values[i] > best ? values[i] : best;
    for (size_t j = 0; j < n; ++j)
        if (values[j] == best)
            return static_cast<int32_t>(j);
    return 0;
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
