// SPDX-License-Identifier: MIT
#include "core/dash/logit_lens.h"

#include "core/engine/forwarding_controller.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>

namespace dash {

namespace {

// Delegates to the replaying controller (if any) and copies the output row of
// one position after every layer: residuals [layers][dim].
class ResidualCapture : public ForwardingController {
public:
    ResidualCapture(LayerController* inner, int64_t position, int32_t layers, int32_t dim)
        : ForwardingController(inner), m_position(position), m_dim(dim),
          m_residuals(static_cast<size_t>(layers) * dim) {}

    void beginPass(const PassInfo& pass) override {
        m_first = pass.firstPosition;
        ForwardingController::beginPass(pass);
    }
    void afterLayer(int32_t layer, const float* output, int64_t count) override {
        const int64_t row = m_position - m_first;
        if (row >= 0 && row < count)
            std::memcpy(m_residuals.data() + static_cast<size_t>(layer) * m_dim,
                        output + row * m_dim, sizeof(float) * static_cast<size_t>(m_dim));
        ForwardingController::afterLayer(layer, output, count);
    }
    std::span<const float> residual(int32_t layer) const {
        return std::span<const float>(m_residuals)
            .subspan(static_cast<size_t>(layer) * m_dim, static_cast<size_t>(m_dim));
    }

private:
    int64_t m_position;
    int64_t m_first = 0;
    int32_t m_dim;
    std::vector<float> m_residuals;
};

} // namespace

std::vector<LensCandidate> topCandidates(std::span<const float> logits, int k) {
    const auto vocab = static_cast<int32_t>(logits.size());
    k = std::clamp(k, 0, vocab);
    std::vector<int32_t> ids(static_cast<size_t>(vocab));
    std::iota(ids.begin(), ids.end(), 0);
    auto before = [&](int32_t a, int32_t b) {
        const float la = logits[static_cast<size_t>(a)];
        const float lb = logits[static_cast<size_t>(b)];
        return la > lb || (la == lb && a < b);
    };
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), before);
    double peak = -INFINITY;
    for (float x : logits)
        peak = std::max(peak, static_cast<double>(x));
    double sum = 0;
    for (float x : logits)
        sum += std::exp(static_cast<double>(x) - peak);
    std::vector<LensCandidate> top(static_cast<size_t>(k));
    for (int r = 0; r < k; ++r) {
        const int32_t id = ids[static_cast<size_t>(r)];
        const float logit = logits[static_cast<size_t>(id)];
        top[static_cast<size_t>(r)] = {id, logit,
                                       std::exp(static_cast<double>(logit) - peak) / sum};
    }
    return top;
}

Expected<LogitLens> runLogitLens(Engine& engine, std::span<const int32_t> tokens,
                                 const StateTable* table, int64_t token, int k,
                                 const CancelToken* cancel) {
    const ModelConfig& c = engine.model().config();
    const auto count = static_cast<int64_t>(tokens.size());
    if (token < 0 || token >= count)
        return invalidError("logit lens: token " + std::to_string(token) + " of " +
                            std::to_string(count));
    if (k < 1)
        return invalidError("logit lens: k must be at least 1, not " + std::to_string(k));
    if (table && table->layers != c.layers)
        return invalidError("logit lens: the state table has " + std::to_string(table->layers) +
                            " layers, the model " + std::to_string(c.layers));
    if (token + 1 > engine.maxContext())
        return invalidError("logit lens: position " + std::to_string(token) +
                            " is past the context of " + std::to_string(engine.maxContext()));

    std::unique_ptr<StateTableController> replay;
    if (table)
        replay = std::make_unique<StateTableController>(*table, 0);
    ResidualCapture capture(replay.get(), token, c.layers, c.dim);
    ForwardOptions options;
    options.cancel = cancel;
    options.controller = &capture;
    engine.reset();
    DASH_TRY(engine.forward(tokens.first(static_cast<size_t>(token + 1)), options));
    engine.reset();

    LogitLens lens;
    lens.token = token;
    lens.layers.resize(static_cast<size_t>(c.layers));
    std::vector<float> normed(static_cast<size_t>(c.dim));
    std::vector<float> logits(static_cast<size_t>(c.vocabSize));
    Backend& backend = engine.backend();
    for (int32_t layer = 0; layer < c.layers; ++layer) {
        if (cancel && cancel->cancelled())
            return cancelledError();
        DASH_TRY(backend.rmsNorm(capture.residual(layer), engine.model().outputNorm(), 1, c.rmsEps,
                                 normed));
        DASH_TRY(backend.linear({WeightRef::kOutputHead}, normed, 1, logits));
        lens.layers[static_cast<size_t>(layer)] = topCandidates(logits, k);
    }
    return lens;
}

} // namespace dash
