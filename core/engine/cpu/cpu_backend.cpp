// SPDX-License-Identifier: MIT
#include "core/engine/cpu/cpu_backend.h"

#include "core/engine/op_checks.h"
#include "core/util/clock.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace dash::cpu {

struct CpuBackend::Buffers {
    int64_t n = 0;
    std::vector<float> x, h, q, k, v, att, gate, up, tmp; // [n][...]
    std::vector<float> gatherIn, gatherOut;
    std::vector<float> logits;
    std::vector<int64_t> positions, groupPositions;
    std::array<std::vector<int64_t>, kStateCount> groups; // token indices per state
    std::vector<int64_t> computeSet;                      // tokens that run the layer
};

namespace {

// The clock of LayerPartTimes: the time-stamp counter where there is one (a
// few cycles to read, at a constant rate on x86-64 CPUs of the last decade),
// else the steady clock's nanoseconds.
uint64_t partTicks() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(steadyNowNs());
#endif
}

// Adds the time since the previous mark to one part of a layer, when the
// layer is timed: a one-token pass in the range of `times`.
class PartClock {
public:
    PartClock(LayerPartTimes* times, int32_t layer, std::span<const LayerState> states) {
        if (!times || states.size() != 1 || layer < times->firstLayer || layer > times->lastLayer)
            return;
        const auto k = static_cast<size_t>(stateIndex(states[0]));
        m_row = &times->ticks[k];
        ++times->layers[k];
        m_last = partTicks();
    }
    void mark(LayerPart part) {
        if (!m_row)
            return;
        const uint64_t now = partTicks();
        (*m_row)[static_cast<size_t>(part)] += static_cast<double>(now - m_last);
        m_last = now;
    }

private:
    std::array<double, kLayerPartCount>* m_row = nullptr;
    uint64_t m_last = 0;
};

// One product of linearRows: the matrix, the output [tokens][rows], its bias.
struct RowsProduct {
    const Matrix* w;
    float* out;
    const float* bias;
};

// out[idx] = in[idx] · wᵀ (+ bias) for every product, the token rows listed
// in idx sharing one input (quantised once, one parallel loop: matmulShared);
// rows are gathered into contiguous scratch unless idx covers every token in
// order.
void linearRows(std::initializer_list<RowsProduct> products, const float* in, int64_t n,
                const std::vector<int64_t>& idx, ThreadPool& pool, Isa isa,
                std::vector<float>& gatherIn, std::vector<float>& gatherOut) {
    const auto m = static_cast<int64_t>(idx.size());
    const int32_t cols = products.begin()->w->cols;
    std::array<Product, 3> shared;
    size_t count = 0;
    if (m == n) {
        for (const RowsProduct& p : products)
            shared[count++] = {p.w, p.out, p.bias};
        matmulShared(std::span<const Product>(shared.data(), count), in, n, pool, isa);
        return;
    }
    gatherIn.resize(static_cast<size_t>(m * cols));
    size_t outRows = 0;
    for (const RowsProduct& p : products)
        outRows += static_cast<size_t>(p.w->rows);
    gatherOut.resize(static_cast<size_t>(m) * outRows);
    for (int64_t j = 0; j < m; ++j)
        std::memcpy(gatherIn.data() + j * cols, in + idx[static_cast<size_t>(j)] * cols,
                    sizeof(float) * static_cast<size_t>(cols));
    float* next = gatherOut.data();
    for (const RowsProduct& p : products) {
        shared[count++] = {p.w, next, p.bias};
        next += static_cast<size_t>(m) * p.w->rows;
    }
    matmulShared(std::span<const Product>(shared.data(), count), gatherIn.data(), m, pool, isa);
    for (size_t i = 0; i < count; ++i) {
        const int32_t rows = shared[i].w->rows;
        const RowsProduct& p = *(products.begin() + i);
        for (int64_t j = 0; j < m; ++j)
            std::memcpy(p.out + idx[static_cast<size_t>(j)] * rows, shared[i].y + j * rows,
                        sizeof(float) * static_cast<size_t>(rows));
    }
}

const float* optionalData(const std::vector<float>& v) {
    return v.empty() ? nullptr : v.data();
}

void scaleRow(float* x, int32_t dim, const std::vector<float>& alpha) {
    if (alpha.size() == 1)
        for (int32_t k = 0; k < dim; ++k)
            x[k] *= alpha[0];
    else
        for (int32_t k = 0; k < dim; ++k)
            x[k] *= alpha[static_cast<size_t>(k)];
}

} // namespace

Expected<std::unique_ptr<CpuBackend>> CpuBackend::create(std::shared_ptr<const Model> model,
                                                         const BackendOptions& options) {
    Isa isa = bestIsa();
    if (!options.isa.empty()) {
        DASH_ASSIGN_OR_RETURN(isa, parseIsa(options.isa));
    }
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<const CpuWeights> weights, CpuWeights::of(*model));
    std::unique_ptr<CpuBackend> backend(new CpuBackend(std::move(model), options, isa));
    if (!weights->floatPlacement.empty())
        backend->m_info.detail += ", float weights: " + weights->floatPlacement;
    backend->m_weights = std::move(weights);
    return backend;
}

CpuBackend::CpuBackend(std::shared_ptr<const Model> model, const BackendOptions& options, Isa isa)
    : m_model(std::move(model)), m_isa(isa), m_pool(options.threads),
      m_rope(ropeInverseFrequencies(m_model->config()), m_model->config().ropeLayout),
      m_buffers(std::make_unique<Buffers>()) {
    const ModelConfig& c = m_model->config();
    m_maxContext = options.maxContext > 0 ? options.maxContext : c.contextLength;
    m_info.name = "cpu";
    m_info.device = processorName();
    m_info.detail = std::string(isaName(isa)) + " kernels, " + std::to_string(m_pool.size()) +
                    (m_pool.size() == 1 ? " thread" : " threads");
    m_info.threads = m_pool.size();
    m_keys.resize(static_cast<size_t>(c.layers));
    m_values.resize(static_cast<size_t>(c.layers));
    m_visible.resize(static_cast<size_t>(c.layers));
}

CpuBackend::~CpuBackend() = default;

Status CpuBackend::enableQuantizedStates(int32_t group) {
    if (group == m_group)
        return {};
    DASH_ASSIGN_OR_RETURN(auto int8, quantizedLayers(*m_model, MatrixType::Int8, group));
    DASH_ASSIGN_OR_RETURN(auto int4, quantizedLayers(*m_model, MatrixType::Int4, group));
    m_int8 = std::move(int8);
    m_int4 = std::move(int4);
    m_group = group;
    return {};
}

Status CpuBackend::setCompensation(const Compensation& compensation) {
    DASH_TRY(checkCompensation(compensation, m_model->config()));
    m_compensation = compensation;
    return {};
}

const Matrix* CpuBackend::matrixFor(int32_t layer, LayerState state, LayerMatrix which) const {
    switch (state) {
    case LayerState::Full:
        return &m_weights->layers[static_cast<size_t>(layer)][which];
    case LayerState::Int8:
        return m_int8 ? &(*m_int8)[static_cast<size_t>(layer)][which] : nullptr;
    case LayerState::Int4:
        return m_int4 ? &(*m_int4)[static_cast<size_t>(layer)][which] : nullptr;
    case LayerState::Skip:
        return nullptr;
    }
    return nullptr;
}

const float* CpuBackend::biasFor(int32_t layer, LayerMatrix which) const {
    const LayerWeights& lw = m_model->layer(layer);
    switch (which) {
    case LayerMatrix::Q:
        return optionalData(lw.bq);
    case LayerMatrix::K:
        return optionalData(lw.bk);
    case LayerMatrix::V:
        return optionalData(lw.bv);
    default:
        return nullptr;
    }
}

void CpuBackend::ensureCapacity(int64_t positions) {
    if (positions <= m_capacity)
        return;
    const int64_t capacity = std::min(m_maxContext, std::max<int64_t>(positions, 2 * m_capacity));
    const size_t kvDim = static_cast<size_t>(m_model->config().kvDim());
    for (size_t i = 0; i < m_keys.size(); ++i) {
        // Keys are [kvDim][capacity]: each component's row moves to the new stride.
        std::vector<float> keys(static_cast<size_t>(capacity) * kvDim);
        if (m_capacity > 0)
            for (size_t c = 0; c < kvDim; ++c)
                std::copy_n(m_keys[i].data() + c * static_cast<size_t>(m_capacity), m_capacity,
                            keys.data() + c * static_cast<size_t>(capacity));
        m_keys[i] = std::move(keys);
        m_values[i].resize(static_cast<size_t>(capacity) * kvDim);
        m_visible[i].resize(static_cast<size_t>(capacity), 1);
    }
    m_capacity = capacity;
}

Status CpuBackend::beginPass(std::span<const int32_t> tokens, int64_t firstPosition) {
    const ModelConfig& c = m_model->config();
    const auto n = static_cast<int64_t>(tokens.size());
    if (n == 0 || firstPosition < 0 || firstPosition + n > m_maxContext)
        return invalidError("a pass of " + std::to_string(n) + " tokens at position " +
                            std::to_string(firstPosition) + " does not fit the context of " +
                            std::to_string(m_maxContext));
    ensureCapacity(firstPosition + n);
    Buffers& b = *m_buffers;
    b.n = n;
    const auto rows = static_cast<size_t>(n);
    b.x.resize(rows * c.dim);
    b.h.resize(rows * c.dim);
    b.tmp.resize(rows * c.dim);
    b.q.resize(rows * c.qDim());
    b.att.resize(rows * c.qDim());
    b.k.resize(rows * c.kvDim());
    b.v.resize(rows * c.kvDim());
    b.gate.resize(rows * c.ffnDim);
    b.up.resize(rows * c.ffnDim);
    b.positions.resize(rows);
    for (int64_t t = 0; t < n; ++t) {
        readRow(m_weights->tokenEmbedding, tokens[static_cast<size_t>(t)], b.x.data() + t * c.dim);
        b.positions[static_cast<size_t>(t)] = firstPosition + t;
    }
    return {};
}

Status CpuBackend::runLayer(int32_t layer, std::span<const LayerState> states) {
    const ModelConfig& c = m_model->config();
    const LayerWeights& lw = m_model->layer(layer);
    Buffers& b = *m_buffers;
    const int64_t n = b.n;
    const int32_t dim = c.dim;
    const int32_t qDim = c.qDim();
    const int32_t kvDim = c.kvDim();
    const int64_t* positions = b.positions.data();
    if (static_cast<int64_t>(states.size()) != n)
        return invalidError("runLayer got " + std::to_string(states.size()) + " states for " +
                            std::to_string(n) + " tokens");
    PartClock clock(m_partTimes, layer, states);

    for (auto& g : b.groups)
        g.clear();
    b.computeSet.clear();
    for (int64_t t = 0; t < n; ++t) {
        b.groups[static_cast<size_t>(stateIndex(states[t]))].push_back(t);
        if (states[t] != LayerState::Skip)
            b.computeSet.push_back(t);
    }
    for (LayerState s : {LayerState::Int4, LayerState::Int8}) {
        if (!b.groups[static_cast<size_t>(stateIndex(s))].empty() && m_group == 0)
            return invalidError(std::string("layer ") + std::to_string(layer) +
                                " was asked to run in " + stateName(s) +
                                " but no quantised weights are loaded");
    }
    const std::vector<int64_t>& skipped = b.groups[0];
    auto product = [&](LayerState s, LayerMatrix which, float* out) {
        return RowsProduct{matrixFor(layer, s, which), out, biasFor(layer, which)};
    };
    auto linear = [&](std::initializer_list<RowsProduct> products, const std::vector<int64_t>& idx,
                      const float* in) {
        linearRows(products, in, n, idx, m_pool, m_isa, b.gatherIn, b.gatherOut);
    };

    clock.mark(LayerPart::Setup);
    // Attention block: normalise, project Q/K/V per state group.
    cpu::rmsNorm(b.x.data(), lw.attnNorm.data(), n, dim, c.rmsEps, b.h.data(), m_isa);
    clock.mark(LayerPart::AttnNorm);
    for (int si = 1; si < kStateCount; ++si) {
        const auto& idx = b.groups[static_cast<size_t>(si)];
        if (idx.empty())
            continue;
        const LayerState s = kStates[si];
        linear({product(s, LayerMatrix::Q, b.q.data()), product(s, LayerMatrix::K, b.k.data()),
                product(s, LayerMatrix::V, b.v.data())},
               idx, b.h.data());
    }
    const bool projectSkipped = m_kvMode == KvMode::Project && !skipped.empty();
    if (projectSkipped) {
        // Skipped tokens still leave K/V at this layer, from the layer's input.
        linear({product(LayerState::Full, LayerMatrix::K, b.k.data()),
                product(LayerState::Full, LayerMatrix::V, b.v.data())},
               skipped, b.h.data());
    }
    clock.mark(LayerPart::QkvProduct);
    float* keys = m_keys[static_cast<size_t>(layer)].data();
    float* values = m_values[static_cast<size_t>(layer)].data();
    uint8_t* visible = m_visible[static_cast<size_t>(layer)].data();
    for (int64_t t = 0; t < n; ++t) {
        const int64_t pos = positions[t];
        const bool skip = states[t] == LayerState::Skip;
        visible[pos] = skip ? (m_kvMode == KvMode::Project ? 1 : 0) : 1;
        if (skip && !projectSkipped)
            continue;
        if (!skip)
            m_rope.apply(b.q.data() + t * qDim, c.heads, pos, m_isa);
        m_rope.apply(b.k.data() + t * kvDim, c.kvHeads, pos, m_isa);
        const float* k = b.k.data() + t * kvDim;
        for (int32_t ci = 0; ci < kvDim; ++ci)
            keys[ci * m_capacity + pos] = k[ci];
        std::memcpy(values + pos * kvDim, b.v.data() + t * kvDim, sizeof(float) * kvDim);
    }

    clock.mark(LayerPart::RopeCache);
    const std::vector<int64_t>& run = b.computeSet;
    if (!run.empty()) {
        const uint8_t* mask = m_kvMode == KvMode::Mask ? visible : nullptr;
        if (static_cast<int64_t>(run.size()) == n) {
            cpu::attentionTransposed(b.q.data(), keys, values, m_capacity, positions, n, c.heads,
                                     c.kvHeads, c.headDim, mask, b.att.data(), m_pool, m_isa);
        } else {
            const auto m = static_cast<int64_t>(run.size());
            b.gatherIn.resize(static_cast<size_t>(m * qDim));
            b.gatherOut.resize(static_cast<size_t>(m * qDim));
            b.groupPositions.resize(static_cast<size_t>(m));
            for (int64_t j = 0; j < m; ++j) {
                const int64_t t = run[static_cast<size_t>(j)];
                std::memcpy(b.gatherIn.data() + j * qDim, b.q.data() + t * qDim,
                            sizeof(float) * qDim);
                b.groupPositions[static_cast<size_t>(j)] = positions[t];
            }
            cpu::attentionTransposed(b.gatherIn.data(), keys, values, m_capacity,
                                     b.groupPositions.data(), m, c.heads, c.kvHeads, c.headDim,
                                     mask, b.gatherOut.data(), m_pool, m_isa);
            for (int64_t j = 0; j < m; ++j)
                std::memcpy(b.att.data() + run[static_cast<size_t>(j)] * qDim,
                            b.gatherOut.data() + j * qDim, sizeof(float) * qDim);
        }
    }

    clock.mark(LayerPart::Attention);
    // Output projection and feed-forward block per state group, residual adds.
    auto addRows = [&](const std::vector<int64_t>& idx, const float* src, int32_t width) {
        for (int64_t t : idx)
            for (int32_t k = 0; k < width; ++k)
                b.x[static_cast<size_t>(t * width + k)] += src[t * width + k];
    };
    for (int si = 1; si < kStateCount; ++si) {
        const auto& idx = b.groups[static_cast<size_t>(si)];
        if (idx.empty())
            continue;
        const LayerState s = kStates[si];
        linear({product(s, LayerMatrix::O, b.tmp.data())}, idx, b.att.data());
        addRows(idx, b.tmp.data(), dim);
        clock.mark(LayerPart::OutProduct);
        for (int64_t t : idx)
            cpu::rmsNorm(b.x.data() + t * dim, lw.ffnNorm.data(), 1, dim, c.rmsEps,
                         b.h.data() + t * dim, m_isa);
        clock.mark(LayerPart::FfnNorm);
        linear({product(s, LayerMatrix::Gate, b.gate.data()),
                product(s, LayerMatrix::Up, b.up.data())},
               idx, b.h.data());
        clock.mark(LayerPart::GateUpProduct);
        for (int64_t t : idx)
            cpu::swiglu(b.gate.data() + t * c.ffnDim, b.up.data() + t * c.ffnDim, c.ffnDim, m_isa);
        clock.mark(LayerPart::Swiglu);
        linear({product(s, LayerMatrix::Down, b.tmp.data())}, idx, b.gate.data());
        addRows(idx, b.tmp.data(), dim);
        clock.mark(LayerPart::DownProduct);
    }

    // Skipped tokens: y = alpha ⊙ x.
    if (!skipped.empty() && !m_compensation.alpha.empty()) {
        const std::vector<float>& alpha = m_compensation.alpha[static_cast<size_t>(layer)];
        for (int64_t t : skipped)
            scaleRow(b.x.data() + t * dim, dim, alpha);
    }
    clock.mark(LayerPart::Compensation);
    return {};
}

Status CpuBackend::setLayerPartTimes(LayerPartTimes* times) {
    const uint64_t ticks = partTicks();
    const int64_t ns = steadyNowNs();
    if (m_partTimes) {
        m_partTimes->clockTicks += static_cast<double>(ticks - m_partStartTicks);
        m_partTimes->clockNs += static_cast<double>(ns - m_partStartNs);
    }
    m_partTimes = times;
    m_partStartTicks = ticks;
    m_partStartNs = ns;
    return {};
}

Expected<std::span<const float>> CpuBackend::hidden() {
    const Buffers& b = *m_buffers;
    return std::span<const float>(b.x.data(), static_cast<size_t>(b.n) * m_model->config().dim);
}

Expected<std::span<const float>> CpuBackend::logits(int64_t first) {
    const ModelConfig& c = m_model->config();
    Buffers& b = *m_buffers;
    if (first < 0 || first >= b.n)
        return invalidError("logits from token " + std::to_string(first) + " of a pass of " +
                            std::to_string(b.n));
    const int64_t count = b.n - first;
    cpu::rmsNorm(b.x.data() + first * c.dim, m_model->outputNorm().data(), count, c.dim, c.rmsEps,
                 b.h.data(), m_isa);
    b.logits.resize(static_cast<size_t>(count) * c.vocabSize);
    matmul(m_weights->output, b.h.data(), count, b.logits.data(), m_pool, m_isa);
    return std::span<const float>(b.logits.data(), b.logits.size());
}

// ---- Single operations

Status CpuBackend::rmsNorm(std::span<const float> x, std::span<const float> weight, int64_t n,
                           float eps, std::span<float> out) {
    const auto dim = static_cast<int32_t>(weight.size());
    DASH_TRY(checkOpSize("rmsNorm", "x", x.size(), static_cast<size_t>(n) * dim));
    DASH_TRY(checkOpSize("rmsNorm", "out", out.size(), static_cast<size_t>(n) * dim));
    cpu::rmsNorm(x.data(), weight.data(), n, dim, eps, out.data(), m_isa);
    return {};
}

Status CpuBackend::linear(const WeightRef& weights, std::span<const float> x, int64_t n,
                          std::span<float> y) {
    const Matrix* w = nullptr;
    const float* bias = nullptr;
    if (weights.layer == WeightRef::kOutputHead) {
        w = &m_weights->output;
    } else {
        if (weights.layer < 0 || weights.layer >= m_model->config().layers)
            return invalidError("linear: no layer " + std::to_string(weights.layer));
        w = matrixFor(weights.layer, weights.state, weights.matrix);
        bias = biasFor(weights.layer, weights.matrix);
    }
    if (!w)
        return invalidError(std::string("linear: no weights for state ") +
                            stateName(weights.state));
    DASH_TRY(checkOpSize("linear", "x", x.size(), static_cast<size_t>(n) * w->cols));
    DASH_TRY(checkOpSize("linear", "y", y.size(), static_cast<size_t>(n) * w->rows));
    matmul(*w, x.data(), n, y.data(), m_pool, m_isa, bias);
    return {};
}

Status CpuBackend::rope(std::span<float> v, int64_t n, int32_t heads,
                        std::span<const int64_t> positions) {
    const int32_t headDim = m_model->config().headDim;
    const size_t width = static_cast<size_t>(heads) * headDim;
    DASH_TRY(checkOpSize("rope", "v", v.size(), static_cast<size_t>(n) * width));
    DASH_TRY(checkOpSize("rope", "positions", positions.size(), static_cast<size_t>(n)));
    for (int64_t t = 0; t < n; ++t)
        m_rope.apply(v.data() + static_cast<size_t>(t) * width, heads,
                     positions[static_cast<size_t>(t)], m_isa);
    return {};
}

Status CpuBackend::attention(std::span<const float> q, std::span<const float> keys,
                             std::span<const float> values, std::span<const int64_t> positions,
                             std::span<const uint8_t> visible, int64_t n, std::span<float> out) {
    const ModelConfig& c = m_model->config();
    if (auto rows = checkAttentionArgs(c, q, keys, values, positions, visible, n, out); !rows.ok())
        return rows.error();
    cpu::attention(q.data(), keys.data(), values.data(), positions.data(), n, c.heads, c.kvHeads,
                   c.headDim, visible.empty() ? nullptr : visible.data(), out.data(), m_pool,
                   m_isa);
    return {};
}

Status CpuBackend::swiglu(std::span<float> gate, std::span<const float> up) {
    DASH_TRY(checkOpSize("swiglu", "up", up.size(), gate.size()));
    cpu::swiglu(gate.data(), up.data(), static_cast<int64_t>(gate.size()), m_isa);
    return {};
}

Status CpuBackend::scaleRows(std::span<float> x, int64_t n, std::span<const float> alpha) {
    const int32_t dim = m_model->config().dim;
    DASH_TRY(checkOpSize("scaleRows", "x", x.size(), static_cast<size_t>(n) * dim));
    if (alpha.size() != 1 && alpha.size() != static_cast<size_t>(dim))
        return invalidError("scaleRows: alpha has " + std::to_string(alpha.size()) +
                            " values, expected 1 or " + std::to_string(dim));
    const std::vector<float> a(alpha.begin(), alpha.end());
    for (int64_t t = 0; t < n; ++t)
        scaleRow(x.data() + static_cast<size_t>(t) * dim, dim, a);
    return {};
}

} // namespace dash::cpu
