// SPDX-License-Identifier: MIT
#include "core/dash/dash_controller.h"

#include "core/engine/cpu/ops.h"
#include "core/engine/cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

namespace dash {

Status checkStateCosts(const StateCosts& costs) {
    for (int k = 0; k < kStateCount; ++k) {
        const float c = costs[static_cast<size_t>(k)];
        if (!std::isfinite(c) || c < 0)
            return invalidError(std::string("the cost of state ") + stateName(kStates[k]) +
                                " must be a finite number >= 0");
    }
    if (!(costs[3] > 0))
        return invalidError("the cost of full precision must be > 0");
    return {};
}

DashController::DashController(std::shared_ptr<const ScoringModel> scorer,
                               std::vector<std::vector<float>> gamma,
                               std::vector<std::vector<float>> alpha, DashRuntimeOptions options)
    : m_scorer(std::move(scorer)), m_compiled(*m_scorer), m_gamma(std::move(gamma)),
      m_alpha(std::move(alpha)), m_options(options), m_rng(options.seed) {
    m_layers = m_scorer->shape().layers;
    m_dim = m_scorer->shape().dim;
    m_normalized.resize(static_cast<size_t>(m_dim));
}

DashController::~DashController() {
    finishPending();
}

void DashController::finishPending() {
    if (m_pending) {
        m_pool->waitAside();
        m_pending = false;
    }
}

void DashController::beginPass(const PassInfo& pass) {
    m_trace = pass.trace;
    m_pool = pass.pool;
    m_firstToken = pass.firstTraceToken;
    const int64_t count = pass.count;
    m_current.assign(static_cast<size_t>(count), LayerState::Full);
    m_next.assign(static_cast<size_t>(count), LayerState::Full);
    m_profiler = pass.profiler;
    if (m_options.record) {
        m_decisions.clear();
        m_decisionInputs.clear();
    }
}

void DashController::decideOne(int32_t next, int64_t token, const float* normalized) {
    const LayerState current = m_current[static_cast<size_t>(token)];
    StateScores scores;
    m_compiled.score(normalized, next, current, scores);
    std::array<bool, kStateCount> allowed = {next < m_layers - 1, m_options.allowInt4,
                                             m_options.allowInt8, true};
    for (int k = 0; k < kStateCount; ++k)
        scores[static_cast<size_t>(k)] -=
            m_options.costBias * m_options.stateCosts[static_cast<size_t>(k)];

    int choice = 3;
    StateScores probs{};
    if (m_options.temperature > 0) {
        float maxScore = -INFINITY;
        for (int k = 0; k < kStateCount; ++k)
            if (allowed[static_cast<size_t>(k)])
                maxScore = std::max(maxScore, scores[static_cast<size_t>(k)]);
        double total = 0;
        for (int k = 0; k < kStateCount; ++k) {
            const double p =
                allowed[static_cast<size_t>(k)]
                    ? std::exp((scores[static_cast<size_t>(k)] - maxScore) / m_options.temperature)
                    : 0.0;
            probs[static_cast<size_t>(k)] = static_cast<float>(p);
            total += p;
        }
        for (auto& p : probs)
            p = static_cast<float>(p / total);
        double r = std::uniform_real_distribution<double>(0.0, 1.0)(m_rng);
        for (int k = 0; k < kStateCount; ++k) {
            if (!allowed[static_cast<size_t>(k)])
                continue;
            choice = k;
            r -= probs[static_cast<size_t>(k)];
            if (r < 0)
                break;
        }
    } else {
        float best = -INFINITY;
        for (int k = 0; k < kStateCount; ++k) {
            if (allowed[static_cast<size_t>(k)] && scores[static_cast<size_t>(k)] > best) {
                best = scores[static_cast<size_t>(k)];
                choice = k;
            }
        }
        probs[static_cast<size_t>(choice)] = 1.0f;
    }
    if (m_options.forced) {
        const int64_t row = m_options.forcedFirstRow + token;
        if (row < m_options.forced->tokens() && next < m_options.forced->layers)
            choice = stateIndex(m_options.forced->at(row, next));
    }
    m_next[static_cast<size_t>(token)] = kStates[choice];

    if (m_trace) {
        const size_t cell = m_trace->cell(m_firstToken + static_cast<int32_t>(token), next);
        for (int k = 0; k < kStateCount; ++k)
            m_trace->scores[cell * kStateCount + static_cast<size_t>(k)] =
                allowed[static_cast<size_t>(k)] ? scores[static_cast<size_t>(k)] : kNoValue;
    }
    if (m_options.record) {
        DashDecision d;
        d.token = static_cast<int32_t>(token);
        d.layer = next;
        d.current = current;
        d.chosen = kStates[choice];
        d.probs = probs;
        d.allowed = allowed;
        m_decisions.push_back(d);
        m_decisionInputs.insert(m_decisionInputs.end(), normalized, normalized + m_dim);
    }
}

void DashController::decide(int32_t next, const float* h, int64_t count, bool approximate,
                            int32_t sourceLayer) {
    std::optional<ScopedSpan> span;
    if (m_profiler)
        span.emplace(*m_profiler,
                     SpanTag{StreamKind::Policy, m_firstToken, static_cast<int32_t>(count), next});
    const auto& gamma = m_gamma[static_cast<size_t>(sourceLayer)];
    const std::vector<float>* alpha =
        m_alpha.empty() ? nullptr : &m_alpha[static_cast<size_t>(sourceLayer)];
    m_approx.resize(static_cast<size_t>(count) * m_dim);
    for (int64_t t = 0; t < count; ++t) {
        const float* ht = h + t * m_dim;
        const float* source = ht;
        if (approximate) {
            // h̃ = gamma ⊙ h_{i-1}; exact (alpha ⊙ h_{i-1}) when the token skips layer i.
            const bool skip = m_current[static_cast<size_t>(t)] == LayerState::Skip;
            const std::vector<float>* scale = skip ? alpha : &gamma;
            float* out = m_approx.data() + t * m_dim;
            if (scale && scale->size() > 1) {
                const float* s = scale->data();
                for (int32_t c = 0; c < m_dim; ++c)
                    out[c] = s[c] * ht[c];
            } else {
                const float s = scale ? (*scale)[0] : 1.0f;
                for (int32_t c = 0; c < m_dim; ++c)
                    out[c] = s * ht[c];
            }
            source = out;
        }
        normalizeHidden(source, m_dim, m_normalized.data());
        decideOne(next, t, m_normalized.data());
    }
}

void DashController::beforeLayer(int32_t layer, const float* input, int64_t count,
                                 LayerState* states) {
    finishPending();
    if (layer == 0)
        std::fill(m_next.begin(), m_next.end(), LayerState::Full);
    std::copy(m_next.begin(), m_next.end(), states);
    std::copy(m_next.begin(), m_next.end(), m_current.begin());
    if (!m_options.async || layer + 1 >= m_layers)
        return;
    // A layer every token skips leaves the aside job nothing to overlap but
    // (in project mode) its K/V product; handing the job over cost more than
    // it hid in mask mode and about as much in project mode (bench_dash
    // --replay): the same decision is then taken here, before the layer.
    const bool allSkip = std::all_of(m_current.begin(), m_current.end(),
                                     [](LayerState s) { return s == LayerState::Skip; });
    if (!m_pool || allSkip) {
        decide(layer + 1, input, count, true, layer);
        return;
    }
    m_input.assign(input, input + count * m_dim);
    m_asideLayer = layer;
    // Capturing only `this` keeps the job in std::function's inline storage:
    // no allocation per layer.
    m_pool->runAside([this] {
        const auto count = static_cast<int64_t>(m_current.size());
        decide(m_asideLayer + 1, m_input.data(), count, true, m_asideLayer);
    });
    m_pending = true;
}

void DashController::afterLayer(int32_t layer, const float* output, int64_t count) {
    if (layer + 1 >= m_layers)
        return;
    if (!m_options.async) {
        decide(layer + 1, output, count, false, layer);
        return;
    }
    if (m_options.correctionThreshold <= 0)
        return;
    finishPending();
    // Redo decisions whose approximation strayed from the exact output.
    for (int64_t t = 0; t < count; ++t) {
        const float* exact = output + t * m_dim;
        const double c = cpu::cosine(m_approx.data() + t * m_dim, exact, m_dim);
        if (c >= m_options.correctionThreshold)
            continue;
        ++m_corrections;
        normalizeHidden(exact, m_dim, m_normalized.data());
        if (m_options.record) {
            // The corrected decision replaces the approximate one.
            for (size_t d = m_decisions.size(); d-- > 0;) {
                if (m_decisions[d].layer == layer + 1 && m_decisions[d].token == t) {
                    m_decisions.erase(m_decisions.begin() + static_cast<long>(d));
                    m_decisionInputs.erase(m_decisionInputs.begin() + static_cast<long>(d * m_dim),
                                           m_decisionInputs.begin() +
                                               static_cast<long>((d + 1) * m_dim));
                    break;
                }
            }
        }
        decideOne(layer + 1, t, m_normalized.data());
    }
}

void DashController::endPass() {
    finishPending();
    m_trace = nullptr;
    m_profiler = nullptr;
}

} // namespace dash
