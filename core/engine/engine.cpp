// SPDX-License-Identifier: MIT
#include "core/engine/engine.h"

#include "core/engine/cpu/cpu_backend.h"
#include "core/engine/cpu/ops.h"
#include "core/util/clock.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

namespace dash {

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

const char* layerPartName(LayerPart part) {
    switch (part) {
    case LayerPart::Setup:
        return "setup";
    case LayerPart::AttnNorm:
        return "norm";
    case LayerPart::QkvProduct:
        return "qkv";
    case LayerPart::RopeCache:
        return "rope+kv";
    case LayerPart::Attention:
        return "attention";
    case LayerPart::OutProduct:
        return "out";
    case LayerPart::FfnNorm:
        return "ffn norm";
    case LayerPart::GateUpProduct:
        return "gate+up";
    case LayerPart::Swiglu:
        return "swiglu";
    case LayerPart::DownProduct:
        return "down";
    case LayerPart::Compensation:
        return "alpha";
    }
    return "?";
}

double LayerPartTimes::ns(LayerState state, LayerPart part) const {
    const auto k = static_cast<size_t>(stateIndex(state));
    if (layers[k] == 0 || !(clockTicks > 0))
        return 0;
    return ticks[k][static_cast<size_t>(part)] * (clockNs / clockTicks) /
           static_cast<double>(layers[k]);
}

Status checkCompensation(const Compensation& compensation, const ModelConfig& c) {
    if (compensation.alpha.empty())
        return {};
    if (compensation.alpha.size() != static_cast<size_t>(c.layers))
        return invalidError("compensation has " + std::to_string(compensation.alpha.size()) +
                            " layers, the model has " + std::to_string(c.layers));
    for (size_t i = 0; i < compensation.alpha.size(); ++i) {
        const auto& alpha = compensation.alpha[i];
        if (alpha.size() != 1 && alpha.size() != static_cast<size_t>(c.dim))
            return invalidError("compensation of layer " + std::to_string(i) + " has " +
                                std::to_string(alpha.size()) + " values, expected 1 or " +
                                std::to_string(c.dim));
        for (float a : alpha)
            if (!std::isfinite(a))
                return invalidError("compensation of layer " + std::to_string(i) +
                                    " holds a value that is not finite");
    }
    return {};
}

namespace {

std::unique_ptr<Backend> cpuBackend(std::shared_ptr<const Model> model,
                                    const EngineOptions& options) {
    BackendOptions bo;
    bo.threads = options.threads;
    bo.maxContext = options.maxContext;
    // With no instruction set named, creation fails only where the weights
    // cannot be laid out, and Model::load refuses such files.
    return std::move(cpu::CpuBackend::create(std::move(model), bo)).value();
}

// Ends the profiler's pass and moves its spans into the trace, sorted by
// start. The compute spans of this pass (several per layer where a backend
// splits a layer) give the pass's layer times and each cell's share of them.
Status recordPassSpans(StreamProfiler& profiler, Trace& trace, int32_t firstCell, int64_t count,
                       PassTiming& pass) {
    DASH_TRY(profiler.endPass());
    DASH_ASSIGN_OR_RETURN(std::vector<Span> spans, profiler.collect(trace.clockOriginNs));
    std::stable_sort(spans.begin(), spans.end(),
                     [](const Span& a, const Span& b) { return a.startNs < b.startNs; });
    pass.layerNs.assign(static_cast<size_t>(trace.layers), 0);
    for (const Span& s : spans)
        if (s.stream == StreamKind::Compute && s.firstToken == firstCell && s.layer >= 0 &&
            s.layer < trace.layers)
            pass.layerNs[static_cast<size_t>(s.layer)] += s.endNs - s.startNs;
    for (int32_t layer = 0; layer < trace.layers; ++layer)
        for (int64_t t = 0; t < count; ++t)
            trace.layerTimeNs[trace.cell(firstCell + static_cast<int32_t>(t), layer)] =
                static_cast<float>(pass.layerNs[static_cast<size_t>(layer)]) /
                static_cast<float>(count);
    trace.spans.insert(trace.spans.end(), spans.begin(), spans.end());
    return {};
}

} // namespace

Engine::Engine(std::shared_ptr<const Model> model, EngineOptions options)
    : Engine(model, cpuBackend(model, options)) {}

Engine::Engine(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend)
    : m_model(std::move(model)), m_backend(std::move(backend)) {}

Engine::~Engine() = default;

void Engine::truncate(int64_t count) {
    m_position = std::clamp<int64_t>(count, 0, m_position);
}

Status Engine::setCompensation(Compensation compensation) {
    DASH_TRY(checkCompensation(compensation, m_model->config()));
    DASH_TRY(m_backend->setCompensation(compensation));
    m_compensation = std::move(compensation);
    return {};
}

void Engine::setKvMode(KvMode mode) {
    m_kvMode = mode;
    m_backend->setKvMode(mode);
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
    if (m_position + n > maxContext())
        return invalidError("context full: " + std::to_string(m_position) + " cached + " +
                            std::to_string(n) + " new tokens exceed the context length " +
                            std::to_string(maxContext()));

    const int32_t dim = c.dim;
    const auto rows = static_cast<size_t>(n);
    m_states.assign(rows, LayerState::Full);

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
        m_input.resize(rows * dim);
        m_delta.resize(rows * dim);
        m_prevDelta.resize(rows * dim);
    }
    LayerController* controller = options.controller;
    bool passOpen = false;
    StreamProfiler& spans = profiler();
    bool profiling = false;
    auto fail = [&](const Error& error) -> Error {
        if (passOpen)
            controller->endPass();
        if (profiling) {
            // The pass's spans are dropped with its cells.
            (void)spans.endPass();
            (void)spans.collect(0);
        }
        if (trace) {
            trace->truncate(firstCell);
            trace->passes.resize(passesBefore);
            trace->spans.resize(spansBefore);
        }
        return error;
    };

    PassTiming pass;
    pass.firstToken = firstCell;
    pass.tokenCount = static_cast<int32_t>(n);
    const int64_t passStart = trace ? steadyNowNs() : 0;
    if (auto st = m_backend->beginPass(tokens, m_position); !st.ok())
        return fail(st.error());
    if (trace) {
        if (auto st = spans.beginPass(); !st.ok())
            return fail(st.error());
        profiling = true;
    }
    if (controller) {
        controller->beginPass({m_position, n, trace, firstCell, c.dim, m_backend->hostPool(),
                               profiling ? &spans : nullptr});
        passOpen = true;
    }

    // The hidden state on the host, when a controller or the trace reads it.
    const bool needHidden = controller || trace;
    std::span<const float> x;
    if (needHidden) {
        auto h = m_backend->hidden();
        if (!h.ok())
            return fail(h.error());
        x = *h;
    }
    for (int32_t layer = 0; layer < c.layers; ++layer) {
        if (options.cancel && options.cancel->cancelled())
            return fail(cancelledError());
        if (controller)
            controller->beforeLayer(layer, x.data(), n, m_states.data());
        if (trace)
            std::memcpy(m_input.data(), x.data(), sizeof(float) * rows * dim);
        {
            std::optional<ScopedSpan> span;
            if (profiling)
                span.emplace(
                    spans, SpanTag{StreamKind::Compute, firstCell, static_cast<int32_t>(n), layer});
            if (auto st = m_backend->runLayer(layer, m_states); !st.ok())
                return fail(st.error());
            if (needHidden) {
                auto h = m_backend->hidden();
                if (!h.ok())
                    return fail(h.error());
                x = *h;
            }
        }
        if (trace) {
            for (int64_t t = 0; t < n; ++t) {
                const size_t cell = trace->cell(firstCell + static_cast<int32_t>(t), layer);
                const float* xi = m_input.data() + t * dim;
                const float* yo = x.data() + t * dim;
                float* d = m_delta.data() + t * dim;
                for (int32_t k = 0; k < dim; ++k)
                    d[k] = yo[k] - xi[k];
                trace->states[cell] = static_cast<uint8_t>(m_states[static_cast<size_t>(t)]);
                trace->cosInOut[cell] = static_cast<float>(cpu::cosine(xi, yo, dim));
                trace->normIn[cell] = static_cast<float>(cpu::norm(xi, dim));
                trace->normOut[cell] = static_cast<float>(cpu::norm(yo, dim));
                trace->cosAdjacent[cell] =
                    layer == 0
                        ? kNoValue
                        : static_cast<float>(cpu::cosine(d, m_prevDelta.data() + t * dim, dim));
            }
            std::swap(m_delta, m_prevDelta);
        }
        if (controller)
            controller->afterLayer(layer, x.data(), n);
    }
    if (passOpen) {
        controller->endPass();
        passOpen = false;
    }

    auto logits = m_backend->logits(options.allLogits ? 0 : n - 1);
    if (!logits.ok())
        return fail(logits.error());
    if (trace) {
        pass.totalNs = steadyNowNs() - passStart;
        if (auto st = recordPassSpans(spans, *trace, firstCell, n, pass); !st.ok()) {
            profiling = false;
            return fail(st.error());
        }
        profiling = false;
        trace->passes.push_back(std::move(pass));
    }
    m_position += n;
    return *logits;
}

} // namespace dash
