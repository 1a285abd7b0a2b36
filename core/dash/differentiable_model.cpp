// SPDX-License-Identifier: MIT
#include "core/dash/differentiable_model.h"

#include "core/engine/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dash {

namespace {

// y[r] = Σ_c w[r][c] x[c] (+ bias[r]).
template <class T>
void gemv(const std::vector<T>& w, int32_t rows, int32_t cols, const T* x, T* y,
          const std::vector<T>* bias = nullptr) {
    for (int32_t r = 0; r < rows; ++r) {
        const T* row = w.data() + static_cast<size_t>(r) * cols;
        T s = 0;
        for (int32_t c = 0; c < cols; ++c)
            s += row[c] * x[c];
        y[r] = s + (bias && !bias->empty() ? (*bias)[static_cast<size_t>(r)] : T(0));
    }
}

// dx[c] += Σ_r w[r][c] dy[r].
template <class T>
void gemvTransposedAdd(const std::vector<T>& w, int32_t rows, int32_t cols, const T* dy, T* dx) {
    for (int32_t r = 0; r < rows; ++r) {
        const T d = dy[r];
        if (d == T(0))
            continue;
        const T* row = w.data() + static_cast<size_t>(r) * cols;
        for (int32_t c = 0; c < cols; ++c)
            dx[c] += d * row[c];
    }
}

template <class T>
T dot(const T* a, const T* b, int32_t n) {
    T s = 0;
    for (int32_t i = 0; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

// out = x / rms(x) ⊙ w.
template <class T>
void rmsNormT(const T* x, const std::vector<T>& w, int32_t dim, T eps, T* out) {
    double ss = 0;
    for (int32_t k = 0; k < dim; ++k)
        ss += static_cast<double>(x[k]) * static_cast<double>(x[k]);
    const T r = static_cast<T>(1.0 / std::sqrt(ss / dim + static_cast<double>(eps)));
    for (int32_t k = 0; k < dim; ++k)
        out[k] = x[k] * r * w[static_cast<size_t>(k)];
}

// dx += d(rmsnorm(x) ⊙ w)/dx ᵀ dy: with g = dy ⊙ w and r = 1/rms(x),
// dx = r g - r³ x (g·x) / dim.
template <class T>
void rmsNormBackwardAdd(const T* x, const std::vector<T>& w, int32_t dim, T eps, const T* dy,
                        T* dx) {
    double ss = 0, gx = 0;
    for (int32_t k = 0; k < dim; ++k) {
        ss += static_cast<double>(x[k]) * static_cast<double>(x[k]);
        gx += static_cast<double>(dy[k]) * static_cast<double>(w[static_cast<size_t>(k)]) *
              static_cast<double>(x[k]);
    }
    const double r = 1.0 / std::sqrt(ss / dim + static_cast<double>(eps));
    const double c = r * r * r * gx / dim;
    for (int32_t k = 0; k < dim; ++k)
        dx[k] += static_cast<T>(r * static_cast<double>(dy[k] * w[static_cast<size_t>(k)]) -
                                c * static_cast<double>(x[k]));
}

template <class T>
std::vector<T> readMatrix(const WeightTensor& w) {
    std::vector<T> out(static_cast<size_t>(w.rows) * static_cast<size_t>(w.cols));
    std::vector<float> row(static_cast<size_t>(w.cols));
    for (int32_t r = 0; r < w.rows; ++r) {
        w.readRow(r, row.data());
        std::copy(row.begin(), row.end(), out.begin() + static_cast<long>(r) * w.cols);
    }
    return out;
}

template <class T>
std::vector<T> toT(const std::vector<float>& v) {
    return std::vector<T>(v.begin(), v.end());
}

} // namespace

template <class T>
Expected<DifferentiableModel<T>>
DifferentiableModel<T>::create(const Model& model, const Compensation& alpha, bool int8, bool int4,
                               int32_t group) {
    const ModelConfig& c = model.config();
    DASH_TRY(checkCompensation(alpha, c));
    DifferentiableModel d;
    d.m_layers = c.layers;
    d.m_dim = c.dim;
    d.m_heads = c.heads;
    d.m_kvHeads = c.kvHeads;
    d.m_headDim = c.headDim;
    d.m_ffn = c.ffnDim;
    d.m_vocab = c.vocabSize;
    d.m_eps = static_cast<T>(c.rmsEps);
    d.m_ropeLayout = c.ropeLayout;
    for (int32_t i = 0; i < c.headDim / 2; ++i)
        d.m_inverseFrequency.push_back(std::pow(c.ropeBase, -2.0 * i / c.headDim));
    for (int32_t l = 0; l < c.layers; ++l) {
        const LayerWeights& lw = model.layer(l);
        LayerWeightsT w;
        w.attnNorm = toT<T>(lw.attnNorm);
        w.ffnNorm = toT<T>(lw.ffnNorm);
        w.bq = toT<T>(lw.bq);
        w.bk = toT<T>(lw.bk);
        w.bv = toT<T>(lw.bv);
        for (int m = 0; m < kLayerMatrixCount; ++m) {
            const WeightTensor& t = lw.matrices[m];
            w.m[3][static_cast<size_t>(m)] = readMatrix<T>(t);
            for (LayerState s : {LayerState::Int8, LayerState::Int4}) {
                if ((s == LayerState::Int8 && !int8) || (s == LayerState::Int4 && !int4))
                    continue;
                DASH_ASSIGN_OR_RETURN(GroupQuantized q, quantizeWeight(t, s, group));
                std::vector<T> values(static_cast<size_t>(q.rows) * q.cols);
                for (int32_t r = 0; r < q.rows; ++r)
                    for (int32_t col = 0; col < q.cols; ++col)
                        values[static_cast<size_t>(r) * q.cols + col] =
                            static_cast<T>(q.value(r, col));
                w.m[static_cast<size_t>(stateIndex(s))][static_cast<size_t>(m)] = std::move(values);
            }
        }
        d.m_w.push_back(std::move(w));
    }
    for (const auto& a : alpha.alpha)
        d.m_alpha.push_back(toT<T>(a));
    d.m_embedding = readMatrix<T>(model.tokenEmbedding());
    d.m_output = readMatrix<T>(model.output());
    d.m_outputNorm = toT<T>(model.outputNorm());
    return d;
}

template <class T>
bool DifferentiableModel<T>::hasState(LayerState s) const {
    if (s == LayerState::Skip || s == LayerState::Full)
        return true;
    return !m_w.empty() && !m_w[0].m[static_cast<size_t>(stateIndex(s))][0].empty();
}

template <class T>
const std::vector<T>& DifferentiableModel<T>::matrix(int32_t layer, int stateIdx,
                                                     LayerMatrix which) const {
    // The skip state's K/V come from the full weights (KV mode "project").
    const int idx = stateIdx == 0 ? 3 : stateIdx;
    return m_w[static_cast<size_t>(layer)].m[static_cast<size_t>(idx)][static_cast<size_t>(which)];
}

template <class T>
void DifferentiableModel<T>::rope(T* v, int32_t heads, int64_t position, bool inverse) const {
    const int32_t half = m_headDim / 2;
    for (int32_t i = 0; i < half; ++i) {
        const double angle =
            static_cast<double>(position) * m_inverseFrequency[static_cast<size_t>(i)];
        const T c = static_cast<T>(std::cos(angle));
        const T s = static_cast<T>(inverse ? -std::sin(angle) : std::sin(angle));
        for (int32_t h = 0; h < heads; ++h) {
            T* head = v + static_cast<size_t>(h) * m_headDim;
            T* a = m_ropeLayout == RopeLayout::AdjacentPairs ? head + 2 * i : head + i;
            T* b = m_ropeLayout == RopeLayout::AdjacentPairs ? head + 2 * i + 1 : head + i + half;
            const T x0 = *a, x1 = *b;
            *a = x0 * c - x1 * s;
            *b = x0 * s + x1 * c;
        }
    }
}

template <class T>
std::vector<T> DifferentiableModel<T>::forward(std::span<const int32_t> tokens, const MixFn& mixFn,
                                               bool allStates, Pass& pass) const {
    const auto n = static_cast<int64_t>(tokens.size());
    const int32_t L = m_layers, dim = m_dim, qDim = m_heads * m_headDim,
                  kvDim = m_kvHeads * m_headDim;
    const auto N = static_cast<size_t>(n);
    pass.n = n;
    pass.hidden.assign(static_cast<size_t>(L + 1) * N * dim, T(0));
    pass.mix.assign(N * L * kStateCount, T(0));
    pass.attnIn.assign(static_cast<size_t>(L) * N * dim, T(0));
    pass.keys.assign(static_cast<size_t>(L) * N * kvDim, T(0));
    pass.values.assign(static_cast<size_t>(L) * N * kvDim, T(0));
    pass.acts.resize(static_cast<size_t>(L) * N * kStateCount);
    for (auto& a : pass.acts)
        a.computed = false;
    for (int64_t t = 0; t < n; ++t) {
        const auto id = static_cast<size_t>(tokens[static_cast<size_t>(t)]);
        std::copy(m_embedding.begin() + static_cast<long>(id * dim),
                  m_embedding.begin() + static_cast<long>((id + 1) * dim),
                  pass.hidden.begin() + static_cast<long>(t * dim));
    }
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(m_headDim)));
    const int32_t group = m_heads / m_kvHeads;
    std::vector<T> rowMix(N * kStateCount), o(static_cast<size_t>(dim)),
        d(static_cast<size_t>(dim));
    for (int32_t l = 0; l < L; ++l) {
        const LayerWeightsT& w = m_w[static_cast<size_t>(l)];
        const T* x = pass.hidden.data() + static_cast<size_t>(l) * N * dim;
        const T* previous =
            l > 0 ? pass.hidden.data() + static_cast<size_t>(l - 1) * N * dim : nullptr;
        std::fill(rowMix.begin(), rowMix.end(), T(0));
        mixFn(l, x, previous, rowMix.data());
        T* a = pass.attnIn.data() + static_cast<size_t>(l) * N * dim;
        T* K = pass.keys.data() + static_cast<size_t>(l) * N * kvDim;
        T* V = pass.values.data() + static_cast<size_t>(l) * N * kvDim;
        auto act = [&](int64_t t, int s) -> StateActs& {
            return pass.acts[(static_cast<size_t>(l) * N + static_cast<size_t>(t)) * kStateCount +
                             static_cast<size_t>(s)];
        };
        auto available = [&](int s) { return s == 0 || !w.m[static_cast<size_t>(s)][0].empty(); };
        // Mixtures, attention inputs and the mixed K/V cache.
        for (int64_t t = 0; t < n; ++t) {
            for (int s = 0; s < kStateCount; ++s)
                pass.mix[(static_cast<size_t>(t) * L + l) * kStateCount + static_cast<size_t>(s)] =
                    rowMix[static_cast<size_t>(t) * kStateCount + static_cast<size_t>(s)];
            rmsNormT(x + t * dim, w.attnNorm, dim, m_eps, a + t * dim);
            for (int s = 0; s < kStateCount; ++s) {
                const T y = rowMix[static_cast<size_t>(t) * kStateCount + static_cast<size_t>(s)];
                if (!available(s) || (y == T(0) && !allStates))
                    continue;
                StateActs& sa = act(t, s);
                sa.computed = true;
                sa.k.resize(static_cast<size_t>(kvDim));
                sa.v.resize(static_cast<size_t>(kvDim));
                gemv(matrix(l, s, LayerMatrix::K), kvDim, dim, a + t * dim, sa.k.data(), &w.bk);
                gemv(matrix(l, s, LayerMatrix::V), kvDim, dim, a + t * dim, sa.v.data(), &w.bv);
                rope(sa.k.data(), m_kvHeads, t, false);
                for (int32_t k = 0; k < kvDim; ++k) {
                    K[t * kvDim + k] += y * sa.k[static_cast<size_t>(k)];
                    V[t * kvDim + k] += y * sa.v[static_cast<size_t>(k)];
                }
            }
        }
        // Each computed state's output; the mixture is the next hidden state.
        T* next = pass.hidden.data() + static_cast<size_t>(l + 1) * N * dim;
        for (int64_t t = 0; t < n; ++t) {
            for (int s = 0; s < kStateCount; ++s) {
                StateActs& sa = act(t, s);
                if (!sa.computed)
                    continue;
                const T* xt = x + t * dim;
                sa.out.resize(static_cast<size_t>(dim));
                if (s == 0) {
                    const std::vector<T>* alpha =
                        m_alpha.empty() ? nullptr : &m_alpha[static_cast<size_t>(l)];
                    for (int32_t k = 0; k < dim; ++k)
                        sa.out[static_cast<size_t>(k)] =
                            xt[k] * (!alpha               ? T(1)
                                     : alpha->size() == 1 ? (*alpha)[0]
                                                          : (*alpha)[static_cast<size_t>(k)]);
                } else {
                    sa.q.resize(static_cast<size_t>(qDim));
                    gemv(matrix(l, s, LayerMatrix::Q), qDim, dim, a + t * dim, sa.q.data(), &w.bq);
                    rope(sa.q.data(), m_heads, t, false);
                    sa.att.assign(static_cast<size_t>(qDim), T(0));
                    sa.probs.assign(static_cast<size_t>(m_heads) * N, T(0));
                    for (int32_t h = 0; h < m_heads; ++h) {
                        const int32_t kvh = h / group;
                        const T* qh = sa.q.data() + static_cast<size_t>(h) * m_headDim;
                        T* p = sa.probs.data() + static_cast<size_t>(h) * N;
                        T top = -std::numeric_limits<T>::infinity();
                        for (int64_t j = 0; j <= t; ++j) {
                            p[j] = dot(qh, K + j * kvDim + kvh * m_headDim, m_headDim) * scale;
                            top = std::max(top, p[j]);
                        }
                        T sum = 0;
                        for (int64_t j = 0; j <= t; ++j) {
                            p[j] = std::exp(p[j] - top);
                            sum += p[j];
                        }
                        T* out = sa.att.data() + static_cast<size_t>(h) * m_headDim;
                        for (int64_t j = 0; j <= t; ++j) {
                            p[j] /= sum;
                            const T* vj = V + j * kvDim + kvh * m_headDim;
                            for (int32_t k = 0; k < m_headDim; ++k)
                                out[k] += p[j] * vj[k];
                        }
                    }
                    gemv(matrix(l, s, LayerMatrix::O), dim, qDim, sa.att.data(), o.data());
                    sa.x2.resize(static_cast<size_t>(dim));
                    for (int32_t k = 0; k < dim; ++k)
                        sa.x2[static_cast<size_t>(k)] = xt[k] + o[static_cast<size_t>(k)];
                    sa.b.resize(static_cast<size_t>(dim));
                    rmsNormT(sa.x2.data(), w.ffnNorm, dim, m_eps, sa.b.data());
                    sa.g.resize(static_cast<size_t>(m_ffn));
                    sa.u.resize(static_cast<size_t>(m_ffn));
                    gemv(matrix(l, s, LayerMatrix::Gate), m_ffn, dim, sa.b.data(), sa.g.data());
                    gemv(matrix(l, s, LayerMatrix::Up), m_ffn, dim, sa.b.data(), sa.u.data());
                    std::vector<T> m(static_cast<size_t>(m_ffn));
                    for (int32_t i = 0; i < m_ffn; ++i) {
                        const T g = sa.g[static_cast<size_t>(i)];
                        m[static_cast<size_t>(i)] =
                            g / (T(1) + std::exp(-g)) * sa.u[static_cast<size_t>(i)];
                    }
                    gemv(matrix(l, s, LayerMatrix::Down), dim, m_ffn, m.data(), d.data());
                    for (int32_t k = 0; k < dim; ++k)
                        sa.out[static_cast<size_t>(k)] =
                            sa.x2[static_cast<size_t>(k)] + d[static_cast<size_t>(k)];
                }
                const T y = rowMix[static_cast<size_t>(t) * kStateCount + static_cast<size_t>(s)];
                if (y != T(0))
                    for (int32_t k = 0; k < dim; ++k)
                        next[t * dim + k] += y * sa.out[static_cast<size_t>(k)];
            }
        }
    }
    const T* last = pass.hidden.data() + static_cast<size_t>(L) * N * dim;
    pass.finalNormed.assign(N * dim, T(0));
    pass.logits.assign(N * m_vocab, T(0));
    for (int64_t t = 0; t < n; ++t) {
        rmsNormT(last + t * dim, m_outputNorm, dim, m_eps, pass.finalNormed.data() + t * dim);
        gemv(m_output, m_vocab, dim, pass.finalNormed.data() + t * dim,
             pass.logits.data() + t * m_vocab);
    }
    return pass.logits;
}

template <class T>
void DifferentiableModel<T>::backward(const Pass& pass, const std::vector<T>& dLogits,
                                      std::vector<T>& dMix, std::vector<T>* dHidden) const {
    const int64_t n = pass.n;
    const auto N = static_cast<size_t>(n);
    const int32_t L = m_layers, dim = m_dim, qDim = m_heads * m_headDim,
                  kvDim = m_kvHeads * m_headDim;
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(m_headDim)));
    const int32_t group = m_heads / m_kvHeads;
    dMix.assign(N * L * kStateCount, T(0));
    if (dHidden)
        dHidden->assign(static_cast<size_t>(L) * N * dim, T(0));

    // Head and final norm.
    std::vector<T> dH(N * dim, T(0)), dc(static_cast<size_t>(dim));
    const T* last = pass.hidden.data() + static_cast<size_t>(L) * N * dim;
    for (int64_t t = 0; t < n; ++t) {
        std::fill(dc.begin(), dc.end(), T(0));
        gemvTransposedAdd(m_output, m_vocab, dim, dLogits.data() + t * m_vocab, dc.data());
        rmsNormBackwardAdd(last + t * dim, m_outputNorm, dim, m_eps, dc.data(),
                           dH.data() + t * dim);
    }

    std::vector<T> dX(N * dim), dA(N * dim), dK(N * kvDim), dV(N * kvDim);
    std::vector<T> dF(static_cast<size_t>(dim)), dm(static_cast<size_t>(m_ffn)),
        dg(static_cast<size_t>(m_ffn)), du(static_cast<size_t>(m_ffn)),
        db(static_cast<size_t>(dim)), dx2(static_cast<size_t>(dim)),
        datt(static_cast<size_t>(qDim)), dq(static_cast<size_t>(qDim)),
        dk(static_cast<size_t>(kvDim)), dp(N);
    for (int32_t l = L - 1; l >= 0; --l) {
        const LayerWeightsT& w = m_w[static_cast<size_t>(l)];
        const T* x = pass.hidden.data() + static_cast<size_t>(l) * N * dim;
        const T* K = pass.keys.data() + static_cast<size_t>(l) * N * kvDim;
        const T* V = pass.values.data() + static_cast<size_t>(l) * N * kvDim;
        std::fill(dX.begin(), dX.end(), T(0));
        std::fill(dA.begin(), dA.end(), T(0));
        std::fill(dK.begin(), dK.end(), T(0));
        std::fill(dV.begin(), dV.end(), T(0));
        auto act = [&](int64_t t, int s) -> const StateActs& {
            return pass.acts[(static_cast<size_t>(l) * N + static_cast<size_t>(t)) * kStateCount +
                             static_cast<size_t>(s)];
        };
        auto mixOf = [&](int64_t t, int s) -> T {
            return pass
                .mix[(static_cast<size_t>(t) * L + l) * kStateCount + static_cast<size_t>(s)];
        };
        auto dMixOf = [&](int64_t t, int s) -> T& {
            return dMix[(static_cast<size_t>(t) * L + l) * kStateCount + static_cast<size_t>(s)];
        };
        for (int64_t t = 0; t < n; ++t) {
            const T* dHt = dH.data() + t * dim;
            for (int s = 0; s < kStateCount; ++s) {
                const StateActs& sa = act(t, s);
                if (!sa.computed)
                    continue;
                dMixOf(t, s) += dot(dHt, sa.out.data(), dim);
                const T y = mixOf(t, s);
                if (y == T(0))
                    continue;
                for (int32_t k = 0; k < dim; ++k)
                    dF[static_cast<size_t>(k)] = y * dHt[k];
                T* dXt = dX.data() + t * dim;
                if (s == 0) {
                    const std::vector<T>* alpha =
                        m_alpha.empty() ? nullptr : &m_alpha[static_cast<size_t>(l)];
                    for (int32_t k = 0; k < dim; ++k)
                        dXt[k] += dF[static_cast<size_t>(k)] *
                                  (!alpha               ? T(1)
                                   : alpha->size() == 1 ? (*alpha)[0]
                                                        : (*alpha)[static_cast<size_t>(k)]);
                    continue;
                }
                // FFN: out = x2 + W_d (silu(g) ⊙ u).
                std::fill(dm.begin(), dm.end(), T(0));
                gemvTransposedAdd(matrix(l, s, LayerMatrix::Down), dim, m_ffn, dF.data(),
                                  dm.data());
                for (int32_t i = 0; i < m_ffn; ++i) {
                    const T g = sa.g[static_cast<size_t>(i)];
                    const T sg = T(1) / (T(1) + std::exp(-g));
                    dg[static_cast<size_t>(i)] = dm[static_cast<size_t>(i)] *
                                                 sa.u[static_cast<size_t>(i)] * sg *
                                                 (T(1) + g * (T(1) - sg));
                    du[static_cast<size_t>(i)] = dm[static_cast<size_t>(i)] * g * sg;
                }
                std::fill(db.begin(), db.end(), T(0));
                gemvTransposedAdd(matrix(l, s, LayerMatrix::Gate), m_ffn, dim, dg.data(),
                                  db.data());
                gemvTransposedAdd(matrix(l, s, LayerMatrix::Up), m_ffn, dim, du.data(), db.data());
                std::copy(dF.begin(), dF.end(), dx2.begin());
                rmsNormBackwardAdd(sa.x2.data(), w.ffnNorm, dim, m_eps, db.data(), dx2.data());
                // x2 = x + W_o att.
                for (int32_t k = 0; k < dim; ++k)
                    dXt[k] += dx2[static_cast<size_t>(k)];
                std::fill(datt.begin(), datt.end(), T(0));
                gemvTransposedAdd(matrix(l, s, LayerMatrix::O), dim, qDim, dx2.data(), datt.data());
                // Attention over the mixed cache.
                std::fill(dq.begin(), dq.end(), T(0));
                for (int32_t h = 0; h < m_heads; ++h) {
                    const int32_t kvh = h / group;
                    const T* p = sa.probs.data() + static_cast<size_t>(h) * N;
                    const T* qh = sa.q.data() + static_cast<size_t>(h) * m_headDim;
                    const T* dah = datt.data() + static_cast<size_t>(h) * m_headDim;
                    T sum = 0;
                    for (int64_t j = 0; j <= t; ++j) {
                        dp[static_cast<size_t>(j)] =
                            dot(dah, V + j * kvDim + kvh * m_headDim, m_headDim);
                        sum += p[j] * dp[static_cast<size_t>(j)];
                    }
                    T* dqh = dq.data() + static_cast<size_t>(h) * m_headDim;
                    for (int64_t j = 0; j <= t; ++j) {
                        const T ds = p[j] * (dp[static_cast<size_t>(j)] - sum) * scale;
                        const T* kj = K + j * kvDim + kvh * m_headDim;
                        T* dkj = dK.data() + j * kvDim + kvh * m_headDim;
                        T* dvj = dV.data() + j * kvDim + kvh * m_headDim;
                        for (int32_t k = 0; k < m_headDim; ++k) {
                            dqh[k] += ds * kj[k];
                            dkj[k] += ds * qh[k];
                            dvj[k] += p[j] * dah[k];
                        }
                    }
                }
                rope(dq.data(), m_heads, t, true);
                gemvTransposedAdd(matrix(l, s, LayerMatrix::Q), qDim, dim, dq.data(),
                                  dA.data() + t * dim);
            }
        }
        // Cache entries: K_j = Σ_s y_s k^s_j, V_j = Σ_s y_s v^s_j.
        for (int64_t j = 0; j < n; ++j) {
            for (int s = 0; s < kStateCount; ++s) {
                const StateActs& sa = act(j, s);
                if (!sa.computed)
                    continue;
                dMixOf(j, s) += dot(dK.data() + j * kvDim, sa.k.data(), kvDim) +
                                dot(dV.data() + j * kvDim, sa.v.data(), kvDim);
                const T y = mixOf(j, s);
                if (y == T(0))
                    continue;
                for (int32_t k = 0; k < kvDim; ++k)
                    dk[static_cast<size_t>(k)] = y * dK[static_cast<size_t>(j * kvDim + k)];
                rope(dk.data(), m_kvHeads, j, true);
                gemvTransposedAdd(matrix(l, s, LayerMatrix::K), kvDim, dim, dk.data(),
                                  dA.data() + j * dim);
                for (int32_t k = 0; k < kvDim; ++k)
                    dk[static_cast<size_t>(k)] = y * dV[static_cast<size_t>(j * kvDim + k)];
                gemvTransposedAdd(matrix(l, s, LayerMatrix::V), kvDim, dim, dk.data(),
                                  dA.data() + j * dim);
            }
            rmsNormBackwardAdd(x + j * dim, w.attnNorm, dim, m_eps, dA.data() + j * dim,
                               dX.data() + j * dim);
        }
        if (dHidden)
            std::copy(dX.begin(), dX.end(),
                      dHidden->begin() + static_cast<long>(static_cast<size_t>(l) * N * dim));
        dH.swap(dX);
    }
}

template class DifferentiableModel<float>;
template class DifferentiableModel<double>;

} // namespace dash
