// SPDX-License-Identifier: MIT
#include "backend_parity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace dash::test {

namespace {

class Runner {
public:
    Runner(Backend& test, Backend& reference, const ParityOptions& options)
        : m_test(test), m_ref(reference), m_options(options), m_rng(options.seed),
          m_config(reference.model().config()) {}

    std::vector<ParityCase> run() {
        for (Backend* b : {&m_test, &m_ref}) {
            if (auto st = b->enableQuantizedStates(m_options.quantGroup); !st.ok()) {
                m_cases.push_back({"enable INT8/INT4 states on " + b->info().name, 0, 0, false,
                                   st.error().message()});
                return m_cases;
            }
        }
        elementwise();
        linear();
        attention();
        layers();
        return m_cases;
    }

private:
    std::vector<float> random(size_t count, float scale = 1.0f) {
        std::uniform_real_distribution<float> u(-scale, scale);
        std::vector<float> v(count);
        for (float& x : v)
            x = u(m_rng);
        return v;
    }

    void record(const std::string& name, double tolerance, const std::vector<float>& test,
                const std::vector<float>& reference) {
        const double e = normalizedError(test, reference);
        m_cases.push_back({name, e, tolerance, e <= tolerance, {}});
    }

    // Runs `op` on both backends with copies of `input` as output buffers;
    // false (with a failed case recorded) when either call fails.
    bool both(const std::string& name, const std::function<Status(Backend&)>& op) {
        for (Backend* b : {&m_test, &m_ref}) {
            if (auto st = op(*b); !st.ok()) {
                m_cases.push_back(
                    {name, 0, 0, false, b->info().name + ": " + st.error().message()});
                return false;
            }
        }
        return true;
    }

    void elementwise() {
        const ParityTolerance& tol = m_options.tolerance;
        const int32_t dim = m_config.dim;
        {
            const int64_t n = 5;
            const std::vector<float> x = random(static_cast<size_t>(n) * dim, 3.0f);
            const std::vector<float>& w = m_ref.model().layer(0).attnNorm;
            std::vector<float> a(x.size()), b(x.size());
            if (both("rmsNorm", [&](Backend& be) {
                    return be.rmsNorm(x, w, n, m_config.rmsEps, &be == &m_test ? a : b);
                }))
                record("rmsNorm n=5", tol.elementwise, a, b);
        }
        for (int32_t heads : {m_config.heads, m_config.kvHeads}) {
            const std::vector<int64_t> positions = {0, 1, 17 % m_ref.maxContext(),
                                                    m_ref.maxContext() - 1};
            const auto n = static_cast<int64_t>(positions.size());
            std::vector<float> a = random(static_cast<size_t>(n) * heads * m_config.headDim);
            std::vector<float> b = a;
            if (both("rope", [&](Backend& be) {
                    return be.rope(&be == &m_test ? a : b, n, heads, positions);
                }))
                record("rope heads=" + std::to_string(heads), tol.elementwise, a, b);
        }
        {
            std::vector<float> a = random(1000, 8.0f);
            std::vector<float> b = a;
            const std::vector<float> up = random(1000, 2.0f);
            if (both("swiglu", [&](Backend& be) { return be.swiglu(&be == &m_test ? a : b, up); }))
                record("swiglu", tol.elementwise, a, b);
        }
        for (bool perChannel : {false, true}) {
            const int64_t n = 3;
            std::vector<float> a = random(static_cast<size_t>(n) * dim);
            std::vector<float> b = a;
            std::vector<float> alpha = perChannel ? random(static_cast<size_t>(dim)) : random(1);
            if (both("scaleRows",
                     [&](Backend& be) { return be.scaleRows(&be == &m_test ? a : b, n, alpha); }))
                record(std::string("scaleRows ") + (perChannel ? "per-channel" : "scalar"),
                       tol.elementwise, a, b);
        }
    }

    std::vector<int32_t> checkedLayers() const {
        if (!m_options.layers.empty())
            return m_options.layers;
        std::vector<int32_t> l = {0, m_config.layers / 2, m_config.layers - 1};
        l.erase(std::unique(l.begin(), l.end()), l.end());
        return l;
    }

    void linear() {
        const ParityTolerance& tol = m_options.tolerance;
        for (int32_t layer : checkedLayers()) {
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                const auto which = static_cast<LayerMatrix>(k);
                const WeightTensor& w = m_ref.model().layer(layer).matrix(which);
                for (LayerState s : {LayerState::Full, LayerState::Int8, LayerState::Int4}) {
                    for (int64_t n : {int64_t{1}, int64_t{7}}) {
                        const std::string name = "linear L" + std::to_string(layer) + " " +
                                                 layerMatrixName(which) + " " + stateName(s) +
                                                 " n=" + std::to_string(n);
                        const std::vector<float> x = random(static_cast<size_t>(n) * w.cols);
                        std::vector<float> a(static_cast<size_t>(n) * w.rows);
                        std::vector<float> b(a.size());
                        const WeightRef ref{layer, which, s};
                        if (both(name, [&](Backend& be) {
                                return be.linear(ref, x, n, &be == &m_test ? a : b);
                            }))
                            record(name, s == LayerState::Full ? tol.linear : tol.linearInt, a, b);
                    }
                }
            }
        }
        for (int64_t n : {int64_t{1}, int64_t{3}}) {
            const std::string name = "linear output head n=" + std::to_string(n);
            const std::vector<float> x = random(static_cast<size_t>(n) * m_config.dim);
            std::vector<float> a(static_cast<size_t>(n) * m_config.vocabSize), b(a.size());
            const WeightRef ref{WeightRef::kOutputHead, LayerMatrix::Q, LayerState::Full};
            if (both(name,
                     [&](Backend& be) { return be.linear(ref, x, n, &be == &m_test ? a : b); }))
                record(name, tol.linear, a, b);
        }
    }

    void attention() {
        const ParityTolerance& tol = m_options.tolerance;
        const int64_t rows = std::min<int64_t>(24, m_ref.maxContext());
        const auto kvSize = static_cast<size_t>(rows) * m_config.kvDim();
        const std::vector<float> keys = random(kvSize, 2.0f);
        const std::vector<float> values = random(kvSize);
        std::vector<uint8_t> visible(static_cast<size_t>(rows));
        for (uint8_t& v : visible)
            v = static_cast<uint8_t>(m_rng() % 2);
        for (int64_t n : {int64_t{1}, std::min<int64_t>(3, rows)}) {
            std::vector<int64_t> positions;
            for (int64_t t = 0; t < n; ++t)
                positions.push_back(rows - n + t);
            const std::vector<float> q = random(static_cast<size_t>(n) * m_config.qDim(), 2.0f);
            for (bool masked : {false, true}) {
                const std::string name = "attention rows=" + std::to_string(rows) +
                                         " n=" + std::to_string(n) + (masked ? " masked" : "");
                std::vector<float> a(q.size()), b(q.size());
                const std::span<const uint8_t> mask =
                    masked ? std::span<const uint8_t>(visible) : std::span<const uint8_t>();
                if (both(name, [&](Backend& be) {
                        return be.attention(q, keys, values, positions, mask, n,
                                            &be == &m_test ? a : b);
                    }))
                    record(name, tol.attention, a, b);
            }
        }
    }

    // Layer states of a pattern for token t (position p) at layer l.
    using Pattern = std::function<LayerState(int64_t p, int32_t l)>;

    void layers() {
        const int32_t L = m_config.layers;
        std::vector<std::pair<std::string, Pattern>> patterns = {
            {"full", [](int64_t, int32_t) { return LayerState::Full; }},
            {"int8", [](int64_t, int32_t) { return LayerState::Int8; }},
            {"int4", [](int64_t, int32_t) { return LayerState::Int4; }},
            {"skip",
             [L](int64_t, int32_t l) {
                 return l == 0 || l == L - 1 ? LayerState::Full : LayerState::Skip;
             }},
            {"mixed",
             [](int64_t p, int32_t l) {
                 // Every state at every layer across the tokens, in an order that
                 // differs between layers.
                 return kStates[static_cast<size_t>((p * 7 + l * 3) % kStateCount)];
             }},
        };
        std::vector<std::pair<std::string, Compensation>> compensations = {{"", {}}};
        {
            Compensation scalar, perChannel;
            for (int32_t l = 0; l < L; ++l) {
                scalar.alpha.push_back({0.8f + 0.05f * static_cast<float>(l % 5)});
                std::vector<float> a = random(static_cast<size_t>(m_config.dim), 0.3f);
                for (float& v : a)
                    v += 1.0f;
                perChannel.alpha.push_back(std::move(a));
            }
            compensations.push_back({" alpha scalar", std::move(scalar)});
            compensations.push_back({" alpha per-channel", std::move(perChannel)});
        }
        const int64_t prompt = std::min<int64_t>(6, m_ref.maxContext() - 1);
        std::vector<int32_t> tokens;
        for (int64_t t = 0; t <= prompt; ++t)
            tokens.push_back(
                static_cast<int32_t>(m_rng() % static_cast<uint32_t>(m_config.vocabSize)));
        for (KvMode mode : {KvMode::Project, KvMode::Mask}) {
            for (const auto& [patternName, pattern] : patterns) {
                const bool skips = patternName == "skip" || patternName == "mixed";
                for (const auto& [compName, comp] : compensations) {
                    if (!skips && !compName.empty())
                        continue;
                    const std::string name =
                        "layers " + patternName + compName + " kv " + kvModeName(mode);
                    const bool integer = patternName != "full" && patternName != "skip";
                    pass(name, mode, comp, tokens, prompt, pattern, integer);
                }
            }
        }
    }

    // A prefill of `prompt` tokens, then one decode step that reads the cache.
    void pass(const std::string& name, KvMode mode, const Compensation& comp,
              const std::vector<int32_t>& tokens, int64_t prompt, const Pattern& pattern,
              bool integer) {
        const ParityTolerance& tol = m_options.tolerance;
        const double layerTol = integer ? tol.layerInt : tol.layer;
        const double logitsTol = integer ? tol.logitsInt : tol.logits;
        for (Backend* b : {&m_test, &m_ref}) {
            b->setKvMode(mode);
            if (auto st = b->setCompensation(comp); !st.ok()) {
                m_cases.push_back(
                    {name, 0, 0, false, b->info().name + ": " + st.error().message()});
                return;
            }
        }
        double worstLayer = 0, worstLogits = 0;
        const std::span<const int32_t> all(tokens);
        for (auto [first, count] : {std::pair<int64_t, int64_t>{0, prompt}, {prompt, 1}}) {
            const auto step = all.subspan(static_cast<size_t>(first), static_cast<size_t>(count));
            if (!both(name, [&](Backend& be) { return be.beginPass(step, first); }))
                return;
            for (int32_t l = 0; l < m_config.layers; ++l) {
                std::vector<LayerState> states;
                for (int64_t t = 0; t < count; ++t)
                    states.push_back(pattern(first + t, l));
                if (!both(name, [&](Backend& be) { return be.runLayer(l, states); }))
                    return;
                std::vector<float> h[2];
                int i = 0;
                if (!both(name, [&](Backend& be) -> Status {
                        DASH_ASSIGN_OR_RETURN(std::span<const float> x, be.hidden());
                        h[i++].assign(x.begin(), x.end());
                        return {};
                    }))
                    return;
                worstLayer = std::max(worstLayer, normalizedError(h[0], h[1]));
            }
            std::vector<float> logits[2];
            int i = 0;
            if (!both(name, [&](Backend& be) -> Status {
                    DASH_ASSIGN_OR_RETURN(std::span<const float> x, be.logits(0));
                    logits[i++].assign(x.begin(), x.end());
                    return {};
                }))
                return;
            worstLogits = std::max(worstLogits, normalizedError(logits[0], logits[1]));
        }
        m_cases.push_back(
            {name + " (hidden, worst layer)", worstLayer, layerTol, worstLayer <= layerTol, {}});
        m_cases.push_back(
            {name + " (logits)", worstLogits, logitsTol, worstLogits <= logitsTol, {}});
    }

    Backend& m_test;
    Backend& m_ref;
    ParityOptions m_options;
    std::mt19937 m_rng;
    ModelConfig m_config;
    std::vector<ParityCase> m_cases;
};

} // namespace

double normalizedError(const std::vector<float>& test, const std::vector<float>& reference) {
    if (test.size() != reference.size())
        return INFINITY;
    double diff = 0, ref = 0;
    for (size_t i = 0; i < test.size(); ++i) {
        const double d = static_cast<double>(test[i]) - reference[i];
        diff += d * d;
        ref += static_cast<double>(reference[i]) * reference[i];
    }
    if (!std::isfinite(diff))
        return INFINITY;
    return ref > 0 ? diff / ref : diff;
}

std::vector<ParityCase> runParity(Backend& test, Backend& reference, const ParityOptions& options) {
    return Runner(test, reference, options).run();
}

std::string formatParity(const std::vector<ParityCase>& cases) {
    std::string out;
    char line[512];
    for (const ParityCase& c : cases) {
        if (!c.error.empty())
            std::snprintf(line, sizeof line, "FAIL %s: %s\n", c.name.c_str(), c.error.c_str());
        else
            std::snprintf(line, sizeof line, "%s %s nmse %.3g (tolerance %.3g)\n",
                          c.passed ? "PASS" : "FAIL", c.name.c_str(), c.nmse, c.tolerance);
        out += line;
    }
    return out;
}

} // namespace dash::test
