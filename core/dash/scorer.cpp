// SPDX-License-Identifier: MIT
#include "core/dash/scorer.h"

#include "core/engine/cpu/isa.h"
#include "core/engine/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <random>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dash {

namespace {
float stateValue(int k) {
    return static_cast<float>(kStates[k]);
}

// p[j] += Σ_c x[c] · w[c][j] for j < hidden, w rows `stride` floats apart.
void accumulateColumnsScalar(const float* x, int32_t dim, const float* w, size_t stride,
                             size_t hidden, float* p) {
    for (int32_t c = 0; c < dim; ++c) {
        const float xc = x[c];
        const float* row = w + static_cast<size_t>(c) * stride;
        for (size_t j = 0; j < hidden; ++j)
            p[j] += xc * row[j];
    }
}

#if defined(__x86_64__)
#define DASH_SCORER_AVX2 __attribute__((target("avx2,fma")))

// The same for B blocks of 8 hidden units, all accumulators in registers.
template <int B>
DASH_SCORER_AVX2 void accumulateBlocksAvx2(const float* x, int32_t dim, const float* w,
                                           size_t stride, float* p) {
    __m256 acc[B];
#pragma GCC unroll 8
    for (int b = 0; b < B; ++b)
        acc[b] = _mm256_loadu_ps(p + 8 * b);
    for (int32_t c = 0; c < dim; ++c) {
        const __m256 xc = _mm256_set1_ps(x[c]);
        const float* row = w + static_cast<size_t>(c) * stride;
#pragma GCC unroll 8
        for (int b = 0; b < B; ++b)
            acc[b] = _mm256_fmadd_ps(xc, _mm256_loadu_ps(row + 8 * b), acc[b]);
    }
#pragma GCC unroll 8
    for (int b = 0; b < B; ++b)
        _mm256_storeu_ps(p + 8 * b, acc[b]);
}

DASH_SCORER_AVX2 void accumulateColumnsAvx2(const float* x, int32_t dim, const float* w,
                                            size_t hidden, float* p) {
    size_t j = 0;
    for (; j + 64 <= hidden; j += 64)
        accumulateBlocksAvx2<8>(x, dim, w + j, hidden, p + j);
    for (; j + 8 <= hidden; j += 8)
        accumulateBlocksAvx2<1>(x, dim, w + j, hidden, p + j);
    if (j < hidden)
        accumulateColumnsScalar(x, dim, w + j, hidden, hidden - j, p + j);
}
#endif

// Σ_j w2[j] · max(0, p[j] + c[j]).
float reluDotScalar(const float* p, const float* c, const float* w2, size_t hidden) {
    float s = 0;
    for (size_t j = 0; j < hidden; ++j)
        s += w2[j] * std::max(0.0f, p[j] + c[j]);
    return s;
}

#if defined(__x86_64__)
DASH_SCORER_AVX2 float reluDotAvx2(const float* p, const float* c, const float* w2, size_t hidden) {
    __m256 acc = _mm256_setzero_ps();
    const __m256 zero = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= hidden; j += 8) {
        const __m256 a =
            _mm256_max_ps(zero, _mm256_add_ps(_mm256_loadu_ps(p + j), _mm256_loadu_ps(c + j)));
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + j), a, acc);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h) + reluDotScalar(p + j, c + j, w2 + j, hidden - j);
}
#endif

float reluDot(const float* p, const float* c, const float* w2, size_t hidden) {
#if defined(__x86_64__)
    if (cpu::hasLevel(cpu::bestIsa(), cpu::Isa::Avx2))
        return reluDotAvx2(p, c, w2, hidden);
#endif
    return reluDotScalar(p, c, w2, hidden);
}

void accumulateColumns(const float* x, int32_t dim, const float* w, size_t hidden, float* p) {
#if defined(__x86_64__)
    if (cpu::hasLevel(cpu::bestIsa(), cpu::Isa::Avx2)) {
        accumulateColumnsAvx2(x, dim, w, hidden, p);
        return;
    }
#endif
    accumulateColumnsScalar(x, dim, w, hidden, hidden, p);
}
} // namespace

void normalizeHidden(const float* h, int32_t dim, float* out) {
    const double rms = std::sqrt(cpu::sumOfSquares(h, dim) / dim);
    const float inv = rms > 0 ? static_cast<float>(1.0 / rms) : 0.0f;
    for (int32_t c = 0; c < dim; ++c)
        out[c] = h[c] * inv;
}

ScoringModel::ScoringModel(ScorerShape shape, float lambda) : m_shape(shape), m_lambda(lambda) {
    m_params.assign(total(), 0.0f);
}

void ScoringModel::initialize(uint64_t seed) {
    std::mt19937_64 rng(seed);
    const float s1 = 1.0f / std::sqrt(static_cast<float>(m_shape.inputSize()));
    const float s2 = 1.0f / std::sqrt(static_cast<float>(m_shape.hidden));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t i = w1(); i < b1(); ++i)
        m_params[i] = normal(rng) * s1;
    for (size_t i = b1(); i < w2(); ++i)
        m_params[i] = 0.0f;
    for (size_t i = w2(); i < b2(); ++i)
        m_params[i] = normal(rng) * s2;
    m_params[b2()] = 0.0f;
    for (size_t i = emb(); i < total(); ++i)
        m_params[i] = normal(rng) * 0.1f;
}

void ScoringModel::sharedPreActivation(const float* normalized, int32_t next, LayerState current,
                                       float* pre) const {
    const int32_t in = m_shape.inputSize();
    const int32_t dim = m_shape.dim;
    const int32_t e = m_shape.embed;
    const float* e0 = m_params.data() + emb() + static_cast<size_t>(next - 1) * e;
    const float* e1 = m_params.data() + emb() + static_cast<size_t>(next) * e;
    const int32_t currentColumn = dim + 2 * e + stateIndex(current);
    for (int32_t j = 0; j < m_shape.hidden; ++j) {
        const float* row = m_params.data() + w1() + static_cast<size_t>(j) * in;
        float s = m_params[b1() + static_cast<size_t>(j)] + cpu::dotFloat(row, normalized, dim);
        for (int32_t c = 0; c < e; ++c)
            s += row[dim + c] * e0[c] + row[dim + e + c] * e1[c];
        s += row[currentColumn];
        pre[j] = s;
    }
}

void ScoringModel::score(const float* normalized, int32_t next, LayerState current,
                         StateScores& out) const {
    const int32_t in = m_shape.inputSize();
    const int32_t candidateColumn = m_shape.dim + 2 * m_shape.embed + kStateCount;
    thread_local std::vector<float> pre;
    pre.resize(static_cast<size_t>(m_shape.hidden));
    sharedPreActivation(normalized, next, current, pre.data());
    const float* w2p = m_params.data() + w2();
    const float currentValue = static_cast<float>(current);
    for (int k = 0; k < kStateCount; ++k) {
        float s = m_params[b2()];
        for (int32_t j = 0; j < m_shape.hidden; ++j) {
            const float a = pre[static_cast<size_t>(j)] +
                            m_params[w1() + static_cast<size_t>(j) * in + candidateColumn + k];
            if (a > 0)
                s += w2p[j] * a;
        }
        out[static_cast<size_t>(k)] = s - m_lambda * std::fabs(stateValue(k) - currentValue);
    }
}

CompiledScorer::CompiledScorer(const ScoringModel& model)
    : m_dim(model.m_shape.dim), m_hidden(model.m_shape.hidden), m_lambda(model.m_lambda),
      m_b2(model.m_params[model.b2()]) {
    const ScorerShape& shape = model.m_shape;
    const int32_t in = shape.inputSize();
    const auto hidden = static_cast<size_t>(m_hidden);
    const float* w1 = model.m_params.data() + model.w1();
    m_w1t.resize(static_cast<size_t>(m_dim) * hidden);
    for (int32_t j = 0; j < m_hidden; ++j)
        for (int32_t c = 0; c < m_dim; ++c)
            m_w1t[static_cast<size_t>(c) * hidden + static_cast<size_t>(j)] =
                w1[static_cast<size_t>(j) * in + static_cast<size_t>(c)];
    // Entries for next = 0 stay unused: layer 0 is never decided.
    m_constant.assign(static_cast<size_t>(shape.layers) * kStateCount * hidden, 0.0f);
    std::vector<float> zero(static_cast<size_t>(m_dim), 0.0f);
    for (int32_t next = 1; next < shape.layers; ++next)
        for (int k = 0; k < kStateCount; ++k)
            // W1·z + b1 with ĥ = 0 is exactly the part that does not depend on ĥ.
            model.sharedPreActivation(zero.data(), next, kStates[k],
                                      m_constant.data() +
                                          (static_cast<size_t>(next) * kStateCount + k) * hidden);
    const int32_t candidateColumn = m_dim + 2 * shape.embed + kStateCount;
    m_candidate.resize(kStateCount * hidden);
    for (int k = 0; k < kStateCount; ++k)
        for (int32_t j = 0; j < m_hidden; ++j)
            m_candidate[static_cast<size_t>(k) * hidden + static_cast<size_t>(j)] =
                w1[static_cast<size_t>(j) * in + static_cast<size_t>(candidateColumn + k)];
    m_w2.assign(model.m_params.begin() + static_cast<long>(model.w2()),
                model.m_params.begin() + static_cast<long>(model.b2()));
}

void CompiledScorer::score(const float* normalized, int32_t next, LayerState current,
                           StateScores& out) const {
    const auto hidden = static_cast<size_t>(m_hidden);
    thread_local std::vector<float> pre;
    const float* constant = m_constant.data() + (static_cast<size_t>(next) * kStateCount +
                                                 static_cast<size_t>(stateIndex(current))) *
                                                    hidden;
    pre.assign(constant, constant + hidden);
    float* p = pre.data();
    accumulateColumns(normalized, m_dim, m_w1t.data(), hidden, p);
    const float currentValue = static_cast<float>(current);
    for (int k = 0; k < kStateCount; ++k) {
        const float* candidate = m_candidate.data() + static_cast<size_t>(k) * hidden;
        const float s = reluDot(p, candidate, m_w2.data(), hidden);
        out[static_cast<size_t>(k)] = m_b2 + s - m_lambda * std::fabs(stateValue(k) - currentValue);
    }
}

void ScoringModel::accumulateGradient(const float* normalized, int32_t next, LayerState current,
                                      const StateScores& coef, std::vector<float>& grad) const {
    const int32_t in = m_shape.inputSize();
    const int32_t dim = m_shape.dim;
    const int32_t e = m_shape.embed;
    const int32_t candidateColumn = dim + 2 * e + kStateCount;
    const int32_t currentColumn = dim + 2 * e + stateIndex(current);
    thread_local std::vector<float> pre, dShared;
    pre.resize(static_cast<size_t>(m_shape.hidden));
    dShared.assign(static_cast<size_t>(m_shape.hidden), 0.0f);
    sharedPreActivation(normalized, next, current, pre.data());
    const float* w2p = m_params.data() + w2();
    for (int k = 0; k < kStateCount; ++k) {
        const float ck = coef[static_cast<size_t>(k)];
        if (ck == 0.0f)
            continue;
        grad[b2()] += ck;
        for (int32_t j = 0; j < m_shape.hidden; ++j) {
            const size_t col = w1() + static_cast<size_t>(j) * in + candidateColumn + k;
            const float a = pre[static_cast<size_t>(j)] + m_params[col];
            if (a <= 0)
                continue;
            grad[w2() + static_cast<size_t>(j)] += ck * a;
            const float d = ck * w2p[j];
            grad[col] += d;
            dShared[static_cast<size_t>(j)] += d;
        }
    }
    const size_t e0 = emb() + static_cast<size_t>(next - 1) * e;
    const size_t e1 = emb() + static_cast<size_t>(next) * e;
    for (int32_t j = 0; j < m_shape.hidden; ++j) {
        const float d = dShared[static_cast<size_t>(j)];
        if (d == 0.0f)
            continue;
        const size_t row = w1() + static_cast<size_t>(j) * in;
        grad[b1() + static_cast<size_t>(j)] += d;
        for (int32_t c = 0; c < dim; ++c)
            grad[row + c] += d * normalized[c];
        for (int32_t c = 0; c < e; ++c) {
            grad[row + dim + c] += d * m_params[e0 + c];
            grad[row + dim + e + c] += d * m_params[e1 + c];
            grad[e0 + c] += d * m_params[row + dim + c];
            grad[e1 + c] += d * m_params[row + dim + e + c];
        }
        grad[row + currentColumn] += d;
    }
}

Json ScoringModel::toJson() const {
    Json j = Json::object();
    j.set("embed", m_shape.embed);
    j.set("hidden", m_shape.hidden);
    j.set("lambda", m_lambda);
    j.set("parameters", Json::array(m_params));
    return j;
}

Expected<ScoringModel> ScoringModel::fromJson(const Json& j, int32_t dim, int32_t layers) {
    DASH_ASSIGN_OR_RETURN(double embed, j.number("embed"));
    DASH_ASSIGN_OR_RETURN(double hidden, j.number("hidden"));
    DASH_ASSIGN_OR_RETURN(double lambda, j.number("lambda"));
    if (embed < 1 || embed > 1024 || hidden < 1 || hidden > 65536 || !std::isfinite(lambda))
        return invalidError("scorer 'embed', 'hidden' or 'lambda' out of range");
    ScorerShape shape{dim, layers, static_cast<int32_t>(embed), static_cast<int32_t>(hidden)};
    ScoringModel m(shape, static_cast<float>(lambda));
    DASH_ASSIGN_OR_RETURN(const Json* params, j.member("parameters", Json::Type::Array));
    if (params->size() != m.m_params.size())
        return invalidError("scorer has " + std::to_string(params->size()) +
                            " parameters, expected " + std::to_string(m.m_params.size()) +
                            " for dim " + std::to_string(dim) + " and " + std::to_string(layers) +
                            " layers");
    for (size_t i = 0; i < m.m_params.size(); ++i) {
        const Json& v = (*params)[i];
        if (!v.isNumber() || !std::isfinite(v.asNumber()))
            return invalidError("scorer parameter " + std::to_string(i) +
                                " is not a finite number");
        m.m_params[i] = static_cast<float>(v.asNumber());
    }
    return m;
}

} // namespace dash
