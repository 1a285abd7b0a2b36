// SPDX-License-Identifier: MIT
#include "cuda/device_scorer.h"

#include "cuda/block_math.h"
#include "cuda/launch_geometry.h"

#include <cmath>

namespace dash::cuda {

namespace {

Status checkScales(const std::vector<std::vector<float>>& scales, const char* what, int32_t layers,
                   int32_t dim, bool mayBeEmpty) {
    if (scales.empty() && mayBeEmpty)
        return {};
    if (static_cast<int32_t>(scales.size()) != layers)
        return invalidError(std::string("the scorer's ") + what + " has " +
                            std::to_string(scales.size()) + " layers, the model " +
                            std::to_string(layers));
    for (size_t l = 0; l < scales.size(); ++l) {
        const size_t size = scales[l].size();
        if (size != 1 && size != static_cast<size_t>(dim))
            return invalidError(std::string("the scorer's ") + what + " of layer " +
                                std::to_string(l) + " has " + std::to_string(size) +
                                " values, expected 1 or " + std::to_string(dim));
        for (float v : scales[l])
            if (!std::isfinite(v))
                return invalidError(std::string("the scorer's ") + what + " of layer " +
                                    std::to_string(l) + " holds a value that is not finite");
    }
    return {};
}

bool allFinite(const std::vector<float>& v) {
    for (float x : v)
        if (!std::isfinite(x))
            return false;
    return true;
}

} // namespace

Status checkDeviceScorer(const DeviceScorer& s, int32_t layers, int32_t dim) {
    if (s.dim != dim || s.layers != layers)
        return invalidError("the scorer was made for " + std::to_string(s.layers) + " layers of " +
                            std::to_string(s.dim) + ", the model has " + std::to_string(layers) +
                            " of " + std::to_string(dim));
    if (s.hidden <= 0 || s.hidden > kMaxScorerHidden)
        return unsupportedError("the scorer has " + std::to_string(s.hidden) +
                                " hidden units; the device scorer takes 1.." +
                                std::to_string(kMaxScorerHidden));
    const auto hidden = static_cast<size_t>(s.hidden);
    if (s.w1t.size() != static_cast<size_t>(dim) * hidden ||
        s.constant.size() != static_cast<size_t>(layers) * kStateCount * hidden ||
        s.candidate.size() != kStateCount * hidden || s.w2.size() != hidden)
        return invalidError("the scorer's arrays do not match its shape (dim " +
                            std::to_string(dim) + ", hidden " + std::to_string(s.hidden) + ")");
    if (!allFinite(s.w1t) || !allFinite(s.constant) || !allFinite(s.candidate) ||
        !allFinite(s.w2) || !std::isfinite(s.b2) || !std::isfinite(s.lambda) ||
        !std::isfinite(s.costBias))
        return invalidError("the scorer holds a parameter that is not finite");
    for (float c : s.stateCosts)
        if (!std::isfinite(c) || c < 0)
            return invalidError("the scorer's state costs must be finite and >= 0");
    DASH_TRY(checkScales(s.gamma, "gamma", layers, dim, false));
    DASH_TRY(checkScales(s.alpha, "alpha", layers, dim, true));
    if (!s.forcedStates.empty() && static_cast<int32_t>(s.forcedStates.size()) != layers)
        return invalidError("the scorer forces " + std::to_string(s.forcedStates.size()) +
                            " states for " + std::to_string(layers) + " layers");
    for (LayerState st : s.forcedStates)
        if (!isValidState(static_cast<int>(st)))
            return invalidError("a forced state is not one of 0, 1, 2, 4");
    return {};
}

Expected<DeviceScorer> makeDeviceScorer(const ScoringModel& model,
                                        const std::vector<std::vector<float>>& gamma,
                                        const std::vector<std::vector<float>>& alpha,
                                        const DashRuntimeOptions& options) {
    if (!options.async)
        return unsupportedError("device decisions score from h~ while the layer runs "
                                "(asynchronous); the synchronous mode needs the host controller");
    if (options.temperature > 0)
        return unsupportedError("device decisions are greedy; sampling at a temperature needs "
                                "the host controller");
    if (options.correctionThreshold > 0)
        return unsupportedError("device decisions have no correction check; it needs the host "
                                "controller");
    DASH_TRY(checkStateCosts(options.stateCosts));
    const ScorerShape& shape = model.shape();
    const int32_t dim = shape.dim;
    const int32_t layers = shape.layers;
    const int32_t e = shape.embed;
    const int32_t in = shape.inputSize();
    const auto hidden = static_cast<size_t>(shape.hidden);
    // The layout of ScoringModel::parameters(): W1 [hidden][in], b1 [hidden],
    // w2 [hidden], b2, E [layers][embed].
    const size_t w1 = 0;
    const size_t b1 = w1 + hidden * static_cast<size_t>(in);
    const size_t w2 = b1 + hidden;
    const size_t b2 = w2 + hidden;
    const size_t emb = b2 + 1;
    const size_t total = emb + static_cast<size_t>(layers) * static_cast<size_t>(e);
    const std::vector<float>& p = model.parameters();
    if (p.size() != total)
        return invalidError("the scoring model has " + std::to_string(p.size()) +
                            " parameters, its shape needs " + std::to_string(total));

    DeviceScorer s;
    s.dim = dim;
    s.layers = layers;
    s.hidden = shape.hidden;
    s.lambda = model.lambda();
    s.b2 = p[b2];
    s.costBias = options.costBias;
    s.stateCosts = options.stateCosts;
    s.allowInt4 = options.allowInt4;
    s.allowInt8 = options.allowInt8;
    s.w1t.resize(static_cast<size_t>(dim) * hidden);
    for (size_t j = 0; j < hidden; ++j)
        for (int32_t c = 0; c < dim; ++c)
            s.w1t[static_cast<size_t>(c) * hidden + j] = p[w1 + j * static_cast<size_t>(in) + c];
    // constant[next][k][j]: b1 + W1·[E(next-1); E(next); onehot(k)], summed in
    // the order of ScoringModel's shared pre-activation. next = 0 is never
    // decided and stays 0.
    s.constant.assign(static_cast<size_t>(layers) * kStateCount * hidden, 0.0f);
    for (int32_t next = 1; next < layers; ++next) {
        const float* e0 = p.data() + emb + static_cast<size_t>(next - 1) * e;
        const float* e1 = p.data() + emb + static_cast<size_t>(next) * e;
        for (int k = 0; k < kStateCount; ++k) {
            for (size_t j = 0; j < hidden; ++j) {
                const float* row = p.data() + w1 + j * static_cast<size_t>(in);
                float v = p[b1 + j] + 0.0f;
                for (int32_t c = 0; c < e; ++c)
                    v += row[dim + c] * e0[c] + row[dim + e + c] * e1[c];
                v += row[dim + 2 * e + k];
                s.constant[(static_cast<size_t>(next) * kStateCount + k) * hidden + j] = v;
            }
        }
    }
    s.candidate.resize(kStateCount * hidden);
    for (int k = 0; k < kStateCount; ++k)
        for (size_t j = 0; j < hidden; ++j)
            s.candidate[static_cast<size_t>(k) * hidden + j] =
                p[w1 + j * static_cast<size_t>(in) + static_cast<size_t>(dim + 2 * e + 4 + k)];
    s.w2.assign(p.begin() + static_cast<long>(w2), p.begin() + static_cast<long>(b2));
    s.gamma = gamma;
    s.alpha = alpha;
    DASH_TRY(checkDeviceScorer(s, layers, dim));
    return s;
}

Expected<DeviceScorer> makeDeviceScorer(const DashPolicy& policy) {
    return makeDeviceScorer(policy.scorer(), policy.calibration().gamma,
                            policy.calibration().compensation().alpha, policy.runtime());
}

LayerState referenceDecision(const DeviceScorer& s, const float* input, int32_t next,
                             LayerState current, float scores[kStateCount]) {
    const int32_t dim = s.dim;
    const auto hidden = static_cast<size_t>(s.hidden);
    const int32_t source = next - 1;
    const std::vector<float>* scale = &s.gamma[static_cast<size_t>(source)];
    if (current == LayerState::Skip)
        scale = s.alpha.empty() ? nullptr : &s.alpha[static_cast<size_t>(source)];
    std::vector<float> approx(static_cast<size_t>(dim));
    double ss = 0;
    for (int32_t c = 0; c < dim; ++c) {
        const float f = !scale               ? 1.0f
                        : scale->size() == 1 ? (*scale)[0]
                                             : (*scale)[static_cast<size_t>(c)];
        approx[static_cast<size_t>(c)] = f * input[c];
        ss += static_cast<double>(approx[static_cast<size_t>(c)]) * approx[static_cast<size_t>(c)];
    }
    const double rms = std::sqrt(ss / dim);
    const float inv = rms > 0 ? static_cast<float>(1.0 / rms) : 0.0f;
    const int currentIndex = stateIndex(current);
    std::vector<float> pre(
        s.constant.begin() +
            static_cast<long>((static_cast<size_t>(next) * kStateCount + currentIndex) * hidden),
        s.constant.begin() +
            static_cast<long>((static_cast<size_t>(next) * kStateCount + currentIndex + 1) *
                              hidden));
    for (int32_t c = 0; c < dim; ++c) {
        const float h = approx[static_cast<size_t>(c)] * inv;
        const float* row = s.w1t.data() + static_cast<size_t>(c) * hidden;
        for (size_t j = 0; j < hidden; ++j)
            pre[j] = fusedMultiplyAdd(h, row[j], pre[j]);
    }
    const bool allowed[kStateCount] = {next < s.layers - 1, s.allowInt4, s.allowInt8, true};
    float raw[kStateCount];
    for (int k = 0; k < kStateCount; ++k) {
        raw[k] = candidateScore(pre.data(), s.candidate.data() + static_cast<size_t>(k) * hidden,
                                s.w2.data(), s.hidden, s.b2, s.lambda, k, static_cast<int>(current),
                                s.costBias, s.stateCosts[static_cast<size_t>(k)]);
        scores[k] = allowed[k] ? raw[k] : NAN;
    }
    if (!s.forcedStates.empty())
        return s.forcedStates[static_cast<size_t>(next)];
    return kStates[chooseCandidate(raw, allowed)];
}

} // namespace dash::cuda
