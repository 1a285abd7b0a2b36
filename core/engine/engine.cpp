#include "core/engine/engine.h"

#include "core/util/clock.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace dash {

namespace {

enum WeightIndex { kWq, kWk, kWv, kWo, kWGate, kWUp, kWDown, kWeightCount };

// The matrix `which` of a layer (const or not, full or quantised).
template <class Layer>
auto& pick(Layer& l, int which) {
    switch (which) {
    case kWq:
        return l.wq;
    case kWk:
        return l.wk;
    case kWv:
        return l.wv;
    case kWo:
        return l.wo;
    case kWGate:
        return l.wGate;
    case kWUp:
        return l.wUp;
    default:
        return l.wDown;
    }
}

} // namespace

const char* kvModeName(KvMode mode) {
    return mode == KvMode::Project ? "project" : "mask";
}

Expected<KvMode> parseKvMode(const std::string& text) {
    if (text == "project")
        return KvMode::Project;
    if (text == "mask")
        return KvMode::Mask;
    return invalidError("unknown KV mode '" + text + "' (expected 'project' or 'mask')");
}

Expected<std::shared_ptr<const QuantizedWeights>> QuantizedWeights::build(const Model& model,
                                                                          int32_t group) {
    auto out = std::make_shared<QuantizedWeights>();
    out->group = group;
    const int32_t layers = model.config().layers;
    out->int8.resize(static_cast<size_t>(layers));
    out->int4.resize(static_cast<size_t>(layers));
    std::vector<float> values;
    for (int32_t i = 0; i < layers; ++i) {
        const LayerWeights& l = model.layer(i);
        for (int which = 0; which < kWeightCount; ++which) {
            const cpu::Matrix& m = pick(l, which);
            values.resize(static_cast<size_t>(m.rows) * static_cast<size_t>(m.cols));
            for (int32_t r = 0; r < m.rows; ++r)
                cpu::readRow(m, r, values.data() + static_cast<size_t>(r) * m.cols);
            for (auto [type, target] : {std::pair{cpu::MatrixType::Int8, &out->int8},
                                        std::pair{cpu::MatrixType::Int4, &out->int4}}) {
                auto q = cpu::quantizeMatrix(values.data(), m.rows, m.cols, type, group);
                if (!q.ok())
                    return q.error().withContext("layer " + std::to_string(i));
                QuantizedLayer& ql = (*target)[static_cast<size_t>(i)];
                pick(ql, which) = std::move(q).value();
            }
        }
    }
    return std::shared_ptr<const QuantizedWeights>(std::move(out));
}

struct Engine::Buffers {
    std::vector<float> x, h, q, k, v, att, gate, up, tmp; // [n][...]
    std::vector<float> gatherIn, gatherOut;
    std::vector<float> xin, delta, prevDelta; // trace only
    std::vector<float> logits;
    std::vector<int64_t> positions, groupPositions;
    std::vector<LayerState> states;
    std::array<std::vector<int64_t>, kStateCount> groups; // token indices per state
    std::vector<int64_t> computeSet;                      // tokens that run the layer
};

Engine::Engine(std::shared_ptr<const Model> model, EngineOptions options)
    : m_model(std::move(model)), m_pool(options.threads),
      m_rope(m_model->config().headDim, m_model->config().ropeBase, m_model->config().ropeLayout),
      m_buffers(std::make_unique<Buffers>()) {
    const ModelConfig& c = m_model->config();
    m_maxContext = options.maxContext > 0 ? options.maxContext : c.contextLength;
    m_keys.resize(static_cast<size_t>(c.layers));
    m_values.resize(static_cast<size_t>(c.layers));
    m_visible.resize(static_cast<size_t>(c.layers));
}

Engine::~Engine() = default;

void Engine::truncate(int64_t count) {
    m_position = std::clamp<int64_t>(count, 0, m_position);
}

void Engine::setQuantizedWeights(std::shared_ptr<const QuantizedWeights> weights) {
    m_quantized = std::move(weights);
}

Status Engine::setCompensation(Compensation compensation) {
    const ModelConfig& c = m_model->config();
    if (!compensation.alpha.empty()) {
        if (compensation.alpha.size() != static_cast<size_t>(c.layers))
            return invalidError("compensation has " + std::to_string(compensation.alpha.size()) +
                                " layers, the model has " + std::to_string(c.layers));
        for (size_t i = 0; i < compensation.alpha.size(); ++i) {
            const size_t size = compensation.alpha[i].size();
            if (size != 1 && size != static_cast<size_t>(c.dim))
                return invalidError("compensation of layer " + std::to_string(i) + " has " +
                                    std::to_string(size) + " values, expected 1 or " +
                                    std::to_string(c.dim));
        }
    }
    m_compensation = std::move(compensation);
    return {};
}

void Engine::ensureCapacity(int64_t tokens) {
    if (tokens <= m_capacity)
        return;
    const int64_t capacity = std::min(m_maxContext, std::max<int64_t>(tokens, 2 * m_capacity));
    const size_t kvDim = static_cast<size_t>(m_model->config().kvDim());
    for (size_t i = 0; i < m_keys.size(); ++i) {
        m_keys[i].resize(static_cast<size_t>(capacity) * kvDim);
        m_values[i].resize(static_cast<size_t>(capacity) * kvDim);
        m_visible[i].resize(static_cast<size_t>(capacity), 1);
    }
    m_capacity = capacity;
}

const cpu::Matrix* Engine::weightsFor(int32_t layer, LayerState state, int which) const {
    switch (state) {
    case LayerState::Full:
        return &pick(m_model->layer(layer), which);
    case LayerState::Int8:
        return m_quantized ? &pick(m_quantized->int8[static_cast<size_t>(layer)], which) : nullptr;
    case LayerState::Int4:
        return m_quantized ? &pick(m_quantized->int4[static_cast<size_t>(layer)], which) : nullptr;
    case LayerState::Skip:
        return nullptr;
    }
    return nullptr;
}

namespace {

// out[idx] = in[idx] · wᵀ (+ bias) for the token rows listed in idx; rows are
// gathered into contiguous scratch unless idx covers every token in order.
void linearRows(const cpu::Matrix& w, const float* in, int64_t n, const std::vector<int64_t>& idx,
                float* out, const float* bias, cpu::ThreadPool& pool, std::vector<float>& gatherIn,
                std::vector<float>& gatherOut) {
    const auto m = static_cast<int64_t>(idx.size());
    if (m == n) {
        cpu::matmul(w, in, n, out, pool, bias);
        return;
    }
    gatherIn.resize(static_cast<size_t>(m * w.cols));
    gatherOut.resize(static_cast<size_t>(m * w.rows));
    for (int64_t j = 0; j < m; ++j)
        std::memcpy(gatherIn.data() + j * w.cols, in + idx[static_cast<size_t>(j)] * w.cols,
                    sizeof(float) * static_cast<size_t>(w.cols));
    cpu::matmul(w, gatherIn.data(), m, gatherOut.data(), pool, bias);
    for (int64_t j = 0; j < m; ++j)
        std::memcpy(out + idx[static_cast<size_t>(j)] * w.rows, gatherOut.data() + j * w.rows,
                    sizeof(float) * static_cast<size_t>(w.rows));
}

const float* optionalData(const std::vector<float>& v) {
    return v.empty() ? nullptr : v.data();
}

} // namespace

Status Engine::runLayer(int32_t layer, const LayerState* states, int64_t n,
                        const int64_t* positions) {
    const ModelConfig& c = m_model->config();
    const LayerWeights& lw = m_model->layer(layer);
    Buffers& b = *m_buffers;
    const int32_t dim = c.dim;
    const int32_t qDim = c.qDim();
    const int32_t kvDim = c.kvDim();

    for (auto& g : b.groups)
        g.clear();
    b.computeSet.clear();
    for (int64_t t = 0; t < n; ++t) {
        b.groups[static_cast<size_t>(stateIndex(states[t]))].push_back(t);
        if (states[t] != LayerState::Skip)
            b.computeSet.push_back(t);
    }
    for (LayerState s : {LayerState::Int4, LayerState::Int8}) {
        if (!b.groups[static_cast<size_t>(stateIndex(s))].empty() && !m_quantized)
            return invalidError(std::string("layer ") + std::to_string(layer) +
                                " was asked to run in " + stateName(s) +
                                " but no quantised weights are loaded");
    }
    const std::vector<int64_t>& skipped = b.groups[0];

    // Attention block: normalise, project Q/K/V per state group.
    cpu::rmsNorm(b.x.data(), lw.attnNorm.data(), n, dim, c.rmsEps, b.h.data());
    for (int si = 1; si < kStateCount; ++si) {
        const auto& idx = b.groups[static_cast<size_t>(si)];
        if (idx.empty())
            continue;
        const LayerState s = kStates[si];
        linearRows(*weightsFor(layer, s, kWq), b.h.data(), n, idx, b.q.data(), optionalData(lw.bq),
                   m_pool, b.gatherIn, b.gatherOut);
        linearRows(*weightsFor(layer, s, kWk), b.h.data(), n, idx, b.k.data(), optionalData(lw.bk),
                   m_pool, b.gatherIn, b.gatherOut);
        linearRows(*weightsFor(layer, s, kWv), b.h.data(), n, idx, b.v.data(), optionalData(lw.bv),
                   m_pool, b.gatherIn, b.gatherOut);
    }
    const bool projectSkipped = m_kvMode == KvMode::Project && !skipped.empty();
    if (projectSkipped) {
        // Skipped tokens still leave K/V at this layer, from the layer's input.
        linearRows(lw.wk, b.h.data(), n, skipped, b.k.data(), optionalData(lw.bk), m_pool,
                   b.gatherIn, b.gatherOut);
        linearRows(lw.wv, b.h.data(), n, skipped, b.v.data(), optionalData(lw.bv), m_pool,
                   b.gatherIn, b.gatherOut);
    }
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
            m_rope.apply(b.q.data() + t * qDim, c.heads, pos);
        m_rope.apply(b.k.data() + t * kvDim, c.kvHeads, pos);
        std::memcpy(keys + pos * kvDim, b.k.data() + t * kvDim, sizeof(float) * kvDim);
        std::memcpy(values + pos * kvDim, b.v.data() + t * kvDim, sizeof(float) * kvDim);
    }

    const std::vector<int64_t>& run = b.computeSet;
    if (!run.empty()) {
        const uint8_t* mask = m_kvMode == KvMode::Mask ? visible : nullptr;
        if (static_cast<int64_t>(run.size()) == n) {
            cpu::attention(b.q.data(), keys, values, positions, n, c.heads, c.kvHeads, c.headDim,
                           mask, b.att.data(), m_pool);
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
            cpu::attention(b.gatherIn.data(), keys, values, b.groupPositions.data(), m, c.heads,
                           c.kvHeads, c.headDim, mask, b.gatherOut.data(), m_pool);
            for (int64_t j = 0; j < m; ++j)
                std::memcpy(b.att.data() + run[static_cast<size_t>(j)] * qDim,
                            b.gatherOut.data() + j * qDim, sizeof(float) * qDim);
        }
    }

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
        linearRows(*weightsFor(layer, s, kWo), b.att.data(), n, idx, b.tmp.data(), nullptr, m_pool,
                   b.gatherIn, b.gatherOut);
        addRows(idx, b.tmp.data(), dim);
        for (int64_t t : idx)
            cpu::rmsNorm(b.x.data() + t * dim, lw.ffnNorm.data(), 1, dim, c.rmsEps,
                         b.h.data() + t * dim);
        linearRows(*weightsFor(layer, s, kWGate), b.h.data(), n, idx, b.gate.data(), nullptr,
                   m_pool, b.gatherIn, b.gatherOut);
        linearRows(*weightsFor(layer, s, kWUp), b.h.data(), n, idx, b.up.data(), nullptr, m_pool,
                   b.gatherIn, b.gatherOut);
        for (int64_t t : idx)
            cpu::swiglu(b.gate.data() + t * c.ffnDim, b.up.data() + t * c.ffnDim, c.ffnDim);
        linearRows(*weightsFor(layer, s, kWDown), b.gate.data(), n, idx, b.tmp.data(), nullptr,
                   m_pool, b.gatherIn, b.gatherOut);
        addRows(idx, b.tmp.data(), dim);
    }

    // Skipped tokens: y = alpha ⊙ x.
    if (!skipped.empty() && !m_compensation.alpha.empty()) {
        const std::vector<float>& alpha = m_compensation.alpha[static_cast<size_t>(layer)];
        for (int64_t t : skipped) {
            float* xt = b.x.data() + t * dim;
            if (alpha.size() == 1)
                for (int32_t k = 0; k < dim; ++k)
                    xt[k] *= alpha[0];
            else
                for (int32_t k = 0; k < dim; ++k)
                    xt[k] *= alpha[static_cast<size_t>(k)];
        }
    }
    return {};
}

Expected<std::span<const float>> Engine::forward(std::span<const int32_t> tokens,
                                                 const ForwardOptions& options) {
    const ModelConfig& c = m_model->config();
    const auto n = static_cast<int64_t>(tokens.size());
    if (n == 0)
        return invalidError("forward needs at least one token");
    for (int64_t t = 0; t < n; ++t)
        if (tokens[static_cast<size_t>(t)] < 0 || tokens[static_cast<size_t>(t)] >= c.vocabSize)
            return invalidError("token id " + std::to_string(tokens[static_cast<size_t>(t)]) +
                                " at index " + std::to_string(t) +
                                " is outside the vocabulary (0.." +
                                std::to_string(c.vocabSize - 1) + ")");
    if (m_position + n > m_maxContext)
        return invalidError("context full: " + std::to_string(m_position) + " cached + " +
                            std::to_string(n) + " new tokens exceed the context length " +
                            std::to_string(m_maxContext));
    ensureCapacity(m_position + n);

    Buffers& b = *m_buffers;
    const int32_t dim = c.dim;
    const auto rows = static_cast<size_t>(n);
    b.x.resize(rows * dim);
    b.h.resize(rows * dim);
    b.tmp.resize(rows * dim);
    b.q.resize(rows * c.qDim());
    b.att.resize(rows * c.qDim());
    b.k.resize(rows * c.kvDim());
    b.v.resize(rows * c.kvDim());
    b.gate.resize(rows * c.ffnDim);
    b.up.resize(rows * c.ffnDim);
    b.positions.resize(rows);
    b.states.assign(rows, LayerState::Full);
    for (int64_t t = 0; t < n; ++t) {
        cpu::readRow(m_model->tokenEmbedding(), tokens[static_cast<size_t>(t)],
                     b.x.data() + t * dim);
        b.positions[static_cast<size_t>(t)] = m_position + t;
    }

    Trace* trace = options.trace;
    const int32_t firstCell = trace ? trace->tokenCount() : 0;
    const size_t passesBefore = trace ? trace->passes.size() : 0;
    const size_t spansBefore = trace ? trace->spans.size() : 0;
    if (trace) {
        if (trace->layers == 0 && trace->tokens.empty())
            trace->layers = c.layers;
        if (trace->layers != c.layers)
            return invalidError("the trace has " + std::to_string(trace->layers) +
                                " layers, the model " + std::to_string(c.layers));
        if (trace->clockOriginNs == 0)
            trace->clockOriginNs = steadyNowNs();
        trace->appendTokens({tokens.begin(), tokens.end()});
        b.xin.resize(rows * dim);
        b.delta.resize(rows * dim);
        b.prevDelta.resize(rows * dim);
    }
    auto rollback = [&] {
        if (trace) {
            trace->truncate(firstCell);
            trace->passes.resize(passesBefore);
            trace->spans.resize(spansBefore);
        }
    };

    PassTiming pass;
    pass.firstToken = firstCell;
    pass.tokenCount = static_cast<int32_t>(n);
    const int64_t passStart = trace ? steadyNowNs() : 0;
    LayerController* controller = options.controller;
    if (controller)
        controller->beginPass({m_position, n, trace, firstCell, c.dim, &m_pool});

    for (int32_t layer = 0; layer < c.layers; ++layer) {
        if (options.cancel && options.cancel->cancelled()) {
            if (controller)
                controller->endPass();
            rollback();
            return cancelledError();
        }
        if (controller)
            controller->beforeLayer(layer, b.x.data(), n, b.states.data());
        const int64_t start = trace ? steadyNowNs() : 0;
        if (trace)
            std::memcpy(b.xin.data(), b.x.data(), sizeof(float) * rows * dim);
        Status st = runLayer(layer, b.states.data(), n, b.positions.data());
        if (!st.ok()) {
            if (controller)
                controller->endPass();
            rollback();
            return st.error();
        }
        if (trace) {
            const int64_t end = steadyNowNs();
            pass.layerNs.push_back(end - start);
            trace->spans.push_back({StreamKind::Compute, firstCell, static_cast<int32_t>(n), layer,
                                    start - trace->clockOriginNs, end - trace->clockOriginNs});
            for (int64_t t = 0; t < n; ++t) {
                const size_t cell = trace->cell(firstCell + static_cast<int32_t>(t), layer);
                const float* xi = b.xin.data() + t * dim;
                const float* yo = b.x.data() + t * dim;
                float* d = b.delta.data() + t * dim;
                for (int32_t k = 0; k < dim; ++k)
                    d[k] = yo[k] - xi[k];
                trace->states[cell] = static_cast<uint8_t>(b.states[static_cast<size_t>(t)]);
                trace->cosInOut[cell] = static_cast<float>(cpu::cosine(xi, yo, dim));
                trace->normIn[cell] = static_cast<float>(cpu::norm(xi, dim));
                trace->normOut[cell] = static_cast<float>(cpu::norm(yo, dim));
                trace->cosAdjacent[cell] =
                    layer == 0
                        ? kNoValue
                        : static_cast<float>(cpu::cosine(d, b.prevDelta.data() + t * dim, dim));
                trace->layerTimeNs[cell] = static_cast<float>(end - start) / static_cast<float>(n);
            }
            std::swap(b.delta, b.prevDelta);
        }
        if (controller)
            controller->afterLayer(layer, b.x.data(), n);
    }
    if (controller)
        controller->endPass();

    // Output head over the last token, or every token.
    const int64_t first = options.allLogits ? 0 : n - 1;
    const int64_t count = n - first;
    cpu::rmsNorm(b.x.data() + first * dim, m_model->outputNorm().data(), count, dim, c.rmsEps,
                 b.h.data());
    b.logits.resize(static_cast<size_t>(count) * c.vocabSize);
    cpu::matmul(m_model->output(), b.h.data(), count, b.logits.data(), m_pool);

    if (trace) {
        pass.totalNs = steadyNowNs() - passStart;
        trace->passes.push_back(std::move(pass));
    }
    m_position += n;
    return std::span<const float>(b.logits.data(), b.logits.size());
}

} // namespace dash
