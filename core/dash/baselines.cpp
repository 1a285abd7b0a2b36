// SPDX-License-Identifier: MIT
#include "core/dash/baselines.h"

#include "core/engine/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace dash {

double positionHash(uint64_t seed, int64_t position, int32_t layer) {
    // splitmix64 finaliser over a mix of the three inputs.
    uint64_t z = seed * 0x9E3779B97F4A7C15ull +
                 static_cast<uint64_t>(position) * 0xBF58476D1CE4E5B9ull +
                 static_cast<uint64_t>(layer) * 0x94D049BB133111EBull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
}

namespace {

// Controllers whose decision for (position, layer) is known up front.
class PositionalController : public LayerController {
public:
    explicit PositionalController(std::function<bool(int64_t, int32_t)> skip)
        : m_skip(std::move(skip)) {}
    void beginPass(const PassInfo& pass) override { m_first = pass.firstPosition; }
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        for (int64_t t = 0; t < count; ++t)
            states[t] = m_skip(m_first + t, layer) ? LayerState::Skip : LayerState::Full;
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    std::function<bool(int64_t, int32_t)> m_skip;
    int64_t m_first = 0;
};

class EarlyExitController : public LayerController {
public:
    EarlyExitController(int32_t layers, double threshold)
        : m_layers(layers), m_threshold(threshold) {}
    void beginPass(const PassInfo& pass) override {
        m_dim = pass.dim;
        m_exited.assign(static_cast<size_t>(pass.count), 0);
    }
    void beforeLayer(int32_t, const float* input, int64_t count, LayerState* states) override {
        for (int64_t t = 0; t < count; ++t)
            states[t] = m_exited[static_cast<size_t>(t)] ? LayerState::Skip : LayerState::Full;
        m_input.assign(input, input + count * m_dim);
    }
    void afterLayer(int32_t layer, const float* output, int64_t count) override {
        if (layer == 0 || layer + 1 >= m_layers)
            return;
        for (int64_t t = 0; t < count; ++t) {
            if (m_exited[static_cast<size_t>(t)])
                continue;
            if (cpu::cosine(m_input.data() + t * m_dim, output + t * m_dim, m_dim) >= m_threshold)
                m_exited[static_cast<size_t>(t)] = 1;
        }
    }
    void endPass() override {}

private:
    int32_t m_layers;
    double m_threshold;
    int32_t m_dim = 0;
    std::vector<uint8_t> m_exited;
    std::vector<float> m_input;
};

} // namespace

Json EarlyExitPolicy::parameters() const {
    Json j = Json::object();
    j.set("threshold", m_threshold);
    return j;
}

std::unique_ptr<LayerController> EarlyExitPolicy::makeController() const {
    return std::make_unique<EarlyExitController>(m_layers, m_threshold);
}

int32_t SkipDecodePolicy::computedLayers(int64_t position) const {
    // n(p) = L·f·(1 + s·(1 - 2p/(T-1))): mean L·f over the window, n(0) <= L.
    const double f = std::clamp(m_fraction, 0.0, 1.0);
    const double slope = f > 0 ? std::min(1.0, (1.0 - f) / f) : 0.0;
    const double T = static_cast<double>(std::max<int64_t>(2, m_window));
    const double p = static_cast<double>(std::min<int64_t>(position, m_window - 1));
    const double n = m_layers * f * (1.0 + slope * (1.0 - 2.0 * p / (T - 1.0)));
    return std::clamp(static_cast<int32_t>(std::lround(n)), 1, m_layers);
}

Json SkipDecodePolicy::parameters() const {
    Json j = Json::object();
    j.set("fraction", m_fraction);
    j.set("window", m_window);
    return j;
}

std::unique_ptr<LayerController> SkipDecodePolicy::makeController() const {
    SkipDecodePolicy copy = *this;
    return std::make_unique<PositionalController>([copy](int64_t position, int32_t layer) {
        // The lowest L - n(p) layers are skipped.
        return layer < copy.m_layers - copy.computedLayers(position);
    });
}

std::optional<double> SkipDecodePolicy::predictedRatio(int64_t windowLength) const {
    double computed = 0;
    for (int64_t p = 0; p < windowLength; ++p)
        computed += computedLayers(p);
    return computed > 0 ? m_layers * static_cast<double>(windowLength) / computed : 0.0;
}

std::vector<int32_t> RankedSkipPolicy::rankBySimilarity(const std::vector<double>& meanCos) {
    std::vector<int32_t> order;
    for (int32_t l = 1; l + 1 < static_cast<int32_t>(meanCos.size()); ++l)
        order.push_back(l);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        return meanCos[static_cast<size_t>(a)] > meanCos[static_cast<size_t>(b)];
    });
    return order;
}

std::unique_ptr<LayerController> RankedSkipPolicy::makeController() const {
    const std::vector<int32_t> ranked = order();
    const double k = std::clamp(m_skip, 0.0, static_cast<double>(ranked.size()));
    const auto whole = static_cast<size_t>(std::floor(k));
    const double fraction = k - static_cast<double>(whole);
    std::vector<double> skipShare(static_cast<size_t>(m_layers), 0.0);
    for (size_t i = 0; i < ranked.size(); ++i) {
        if (i < whole)
            skipShare[static_cast<size_t>(ranked[i])] = 1.0;
        else if (i == whole)
            skipShare[static_cast<size_t>(ranked[i])] = fraction;
    }
    // The partly skipped layer draws per position, not per layer, so the number
    // of skips over a window does not depend on which layer ranks there.
    return std::make_unique<PositionalController>([skipShare](int64_t position, int32_t layer) {
        const double share = skipShare[static_cast<size_t>(layer)];
        return share >= 1.0 || (share > 0 && positionHash(7, position, 0) < share);
    });
}

std::optional<double> RankedSkipPolicy::predictedRatio(int64_t windowLength) const {
    // Windows restart at position 0, so the realised draws of the partly
    // skipped layer over one window give the ratio of all.
    const double k = std::clamp(m_skip, 0.0, static_cast<double>(std::max(0, m_layers - 2)));
    const double whole = std::floor(k);
    double skipped = whole * static_cast<double>(windowLength);
    for (int64_t p = 0; p < windowLength && k > whole; ++p)
        skipped += positionHash(7, p, 0) < k - whole ? 1.0 : 0.0;
    const double cells = static_cast<double>(windowLength) * m_layers;
    return cells / (cells - skipped);
}

Json AdaSkipPolicy::parameters() const {
    Json j = Json::object();
    j.set("skip_layers", m_skip);
    return j;
}

Status AdaSkipPolicy::probe(Engine& engine, std::span<const int32_t> context) {
    const ModelConfig& c = engine.model().config();
    CalibrationAccumulator acc(c.layers, c.dim);
    CalibrationObserver observer(acc, c.dim);
    ForwardOptions fo;
    fo.controller = &observer;
    const int64_t before = engine.position();
    auto r = engine.forward(context, fo);
    engine.truncate(before);
    if (!r.ok())
        return r.error();
    m_meanCos = acc.finish(AlphaMethod::NormRatio).meanCos;
    return {};
}

std::vector<int32_t> AdaSkipPolicy::order() const {
    if (m_meanCos.empty()) {
        // Without a probe every inner layer ranks equally: deepest first.
        std::vector<int32_t> order;
        for (int32_t l = m_layers - 2; l >= 1; --l)
            order.push_back(l);
        return order;
    }
    return rankBySimilarity(m_meanCos);
}

Json StaticSimilarityPolicy::parameters() const {
    Json j = Json::object();
    j.set("skip_layers", m_skip);
    j.set("mean_cos", Json::array(m_meanCos));
    return j;
}

std::vector<int32_t> StaticSimilarityPolicy::order() const {
    return rankBySimilarity(m_meanCos);
}

Json RandomSkipPolicy::parameters() const {
    Json j = Json::object();
    j.set("probability", m_probability);
    j.set("seed", m_seed);
    return j;
}

std::unique_ptr<LayerController> RandomSkipPolicy::makeController() const {
    const int32_t layers = m_layers;
    const double p = m_probability;
    const uint64_t seed = m_seed;
    return std::make_unique<PositionalController>([=](int64_t position, int32_t layer) {
        return layer > 0 && layer + 1 < layers && positionHash(seed, position, layer) < p;
    });
}

std::optional<double> RandomSkipPolicy::predictedRatio(int64_t windowLength) const {
    // The draws are fixed per (position, layer) and windows restart at
    // position 0, so the realised ratio over one window is the ratio of all.
    double skipped = 0;
    for (int64_t p = 0; p < windowLength; ++p)
        for (int32_t l = 1; l + 1 < m_layers; ++l)
            skipped += positionHash(m_seed, p, l) < m_probability ? 1.0 : 0.0;
    const double cells = static_cast<double>(windowLength) * m_layers;
    return cells / (cells - skipped);
}

} // namespace dash
