// SPDX-License-Identifier: MIT
// DeviceRunner: the kernels of one layer (step_plan.h's LayerKernel list)
// and of the head, on the pass buffers.
#include "cuda/cuda_check.h"
#include "cuda/device_runner.h"
#include "cuda/device_runner_buffers.h"
#include "cuda/launch_geometry.h"

#include <cmath>

namespace dash::cuda {

namespace {

StateMatrices fullOnly(const DeviceMatrix& m) {
    StateMatrices s;
    s.byState[stateSlot(4)] = m;
    return s;
}

} // namespace

bool DeviceRunner::useCublas(const StateSelect& state, int32_t count) const {
    return !state.device && count >= kCublasMinTokens &&
           (state.fixed == LayerState::Full || state.fixed == LayerState::Skip);
}

bool DeviceRunner::fitsCublasScratch(const DeviceMatrix& w) const {
    return w.rows <= m_pass->gemmRows && w.cols <= m_pass->gemmCols;
}

Status DeviceRunner::cublasLinear(const DeviceMatrix& w, const float* bias, const float* x,
                                  int32_t xStride, TokenRows tokens, float* y, int32_t yStride,
                                  bool accumulate, const DeviceMatrix* up, const float* upBias) {
    PassBuffers& b = *m_pass;
    if (tokens.count > b.capacity || !fitsCublasScratch(w) || (up && !fitsCublasScratch(*up)))
        return internalError("cuBLAS scratch holds fewer rows than the product needs");
    GatherLaunch g;
    g.x = x;
    g.xStride = xStride;
    g.cols = w.cols;
    g.tokens = tokens;
    g.out = b.gemmIn.data();
    g.bf16 = w.format == DeviceFormat::BF16;
    DASH_TRY(launchGather(g, m_main));
    DASH_TRY(m_cublas.multiply(w.data, w.format, w.rows, w.cols, b.gemmIn.data(), tokens.count,
                               b.gemmOut.as<float>()));
    if (up)
        DASH_TRY(m_cublas.multiply(up->data, up->format, up->rows, up->cols, b.gemmIn.data(),
                                   tokens.count, b.gemmUp.as<float>()));
    ScatterLaunch s;
    s.src = b.gemmOut.as<const float>();
    s.up = up ? b.gemmUp.as<const float>() : nullptr;
    s.bias = bias;
    s.upBias = upBias;
    s.rows = w.rows;
    s.tokens = tokens;
    s.y = y;
    s.yStride = yStride;
    s.accumulate = accumulate;
    return launchScatter(s, m_main);
}

Status DeviceRunner::enqueueLayerInput(int32_t layer, TokenRows tokens, float* snapshot,
                                       cudaStream_t stream) {
    const PassBuffers& b = *m_pass;
    RmsNormLaunch r;
    r.x = b.x.as<const float>();
    r.xStride = m_config.dim;
    r.weight = m_model->layer(layer).attnNorm;
    r.out = b.h.as<float>();
    r.outStride = m_config.dim;
    r.dim = m_config.dim;
    r.eps = m_config.rmsEps;
    r.tokens = tokens;
    r.snapshot = snapshot;
    return launchRmsNorm(r, stream);
}

Status DeviceRunner::enqueueKernel(LayerKernel kernel, const LayerCall& call) {
    const ModelConfig& c = m_config;
    const PassBuffers& b = *m_pass;
    const DeviceLayer& L = m_model->layer(call.layer);
    const bool project = m_kvMode == KvMode::Project;
    const size_t layerOffset = static_cast<size_t>(call.layer) * static_cast<size_t>(m_maxContext);
    float* keys = m_keys.as<float>() + layerOffset * c.kvDim();
    float* values = m_values.as<float>() + layerOffset * c.kvDim();
    uint8_t* visible = m_visible.as<uint8_t>() + layerOffset;
    const bool cublas = useCublas(call.state, call.tokens.count);
    const int full = stateSlot(4);

    auto segment = [](const StateMatrices& w, const float* bias, float* y, int32_t rows,
                      bool skipUsesFull) {
        GemvSegment s;
        s.weights = w;
        s.bias = bias;
        s.y = y;
        s.yStride = rows;
        s.rows = rows;
        s.skipUsesFull = skipUsesFull;
        return s;
    };

    switch (kernel) {
    case LayerKernel::Qkv: {
        const bool fixedSkip = !call.state.device && call.state.fixed == LayerState::Skip;
        if (fixedSkip && !project)
            return {};
        if (cublas) {
            if (!fixedSkip)
                DASH_TRY(cublasLinear(L[LayerMatrix::Q].byState[full], L.bq, b.h.as<float>(), c.dim,
                                      call.tokens, b.q.as<float>(), c.qDim(), false, nullptr,
                                      nullptr));
            DASH_TRY(cublasLinear(L[LayerMatrix::K].byState[full], L.bk, b.h.as<float>(), c.dim,
                                  call.tokens, b.k.as<float>(), c.kvDim(), false, nullptr,
                                  nullptr));
            return cublasLinear(L[LayerMatrix::V].byState[full], L.bv, b.h.as<float>(), c.dim,
                                call.tokens, b.v.as<float>(), c.kvDim(), false, nullptr, nullptr);
        }
        GemvLaunch g;
        int n = 0;
        if (!fixedSkip)
            g.segments[n++] = segment(L[LayerMatrix::Q], L.bq, b.q.as<float>(), c.qDim(), false);
        g.segments[n++] = segment(L[LayerMatrix::K], L.bk, b.k.as<float>(), c.kvDim(), project);
        g.segments[n++] = segment(L[LayerMatrix::V], L.bv, b.v.as<float>(), c.kvDim(), project);
        g.segmentCount = n;
        g.cols = c.dim;
        g.x = b.h.as<const float>();
        g.xStride = c.dim;
        g.tokens = call.tokens;
        g.state = call.state;
        return launchGemv(g, m_sm, call.stream);
    }
    case LayerKernel::RopeStore: {
        RopeStoreLaunch r;
        r.q = b.q.as<float>();
        r.qStride = c.qDim();
        r.k = b.k.as<const float>();
        r.v = b.v.as<const float>();
        r.kvStride = c.kvDim();
        r.keyCache = keys;
        r.valueCache = values;
        r.visible = visible;
        r.kvDim = c.kvDim();
        r.positions = b.positions();
        r.tokens = call.tokens;
        r.states = call.codes;
        r.project = project;
        r.table = m_rope.as<const float>();
        r.heads = c.heads;
        r.kvHeads = c.kvHeads;
        r.headDim = c.headDim;
        r.layout = c.ropeLayout;
        return launchRopeStore(r, call.stream);
    }
    case LayerKernel::Attention: {
        AttentionLaunch a;
        a.q = b.q.as<const float>();
        a.qStride = c.qDim();
        a.keys = keys;
        a.values = values;
        a.kvStride = c.kvDim();
        a.positions = b.positions();
        a.visible = project ? nullptr : visible;
        a.tokens = call.tokens;
        a.state = call.state;
        a.out = b.att.as<float>();
        a.outStride = c.qDim();
        a.partials = b.partials.as<float>();
        a.heads = c.heads;
        a.kvHeads = c.kvHeads;
        a.headDim = c.headDim;
        a.splits = call.splits;
        a.scale = 1.0f / std::sqrt(static_cast<float>(c.headDim));
        return launchAttention(a, call.stream);
    }
    case LayerKernel::OutputResidual: {
        if (cublas)
            return cublasLinear(L[LayerMatrix::O].byState[full], nullptr, b.att.as<float>(),
                                c.qDim(), call.tokens, b.x.as<float>(), c.dim, true, nullptr,
                                nullptr);
        GemvLaunch g;
        g.segments[0] = segment(L[LayerMatrix::O], nullptr, b.x.as<float>(), c.dim, false);
        g.cols = c.qDim();
        g.x = b.att.as<const float>();
        g.xStride = c.qDim();
        g.tokens = call.tokens;
        g.state = call.state;
        g.accumulate = true;
        return launchGemv(g, m_sm, call.stream);
    }
    case LayerKernel::FfnNorm: {
        RmsNormLaunch r;
        r.x = b.x.as<const float>();
        r.xStride = c.dim;
        r.weight = L.ffnNorm;
        r.out = b.h.as<float>();
        r.outStride = c.dim;
        r.dim = c.dim;
        r.eps = c.rmsEps;
        r.tokens = call.tokens;
        r.state = call.state;
        return launchRmsNorm(r, call.stream);
    }
    case LayerKernel::GateUpSwiglu: {
        if (cublas)
            return cublasLinear(L[LayerMatrix::Gate].byState[full], nullptr, b.h.as<float>(), c.dim,
                                call.tokens, b.ffn.as<float>(), c.ffnDim, false,
                                &L[LayerMatrix::Up].byState[full], nullptr);
        GemvLaunch g;
        g.segments[0] = segment(L[LayerMatrix::Gate], nullptr, b.ffn.as<float>(), c.ffnDim, false);
        g.segments[1] = segment(L[LayerMatrix::Up], nullptr, nullptr, c.ffnDim, false);
        g.segmentCount = 2;
        g.gluPair = true;
        g.cols = c.dim;
        g.x = b.h.as<const float>();
        g.xStride = c.dim;
        g.tokens = call.tokens;
        g.state = call.state;
        return launchGemv(g, m_sm, call.stream);
    }
    case LayerKernel::DownResidual: {
        if (cublas)
            return cublasLinear(L[LayerMatrix::Down].byState[full], nullptr, b.ffn.as<float>(),
                                c.ffnDim, call.tokens, b.x.as<float>(), c.dim, true, nullptr,
                                nullptr);
        GemvLaunch g;
        g.segments[0] = segment(L[LayerMatrix::Down], nullptr, b.x.as<float>(), c.dim, false);
        g.cols = c.ffnDim;
        g.x = b.ffn.as<const float>();
        g.xStride = c.ffnDim;
        g.tokens = call.tokens;
        g.state = call.state;
        g.accumulate = true;
        return launchGemv(g, m_sm, call.stream);
    }
    case LayerKernel::Compensate: {
        ScaleLaunch s;
        s.x = b.x.as<float>();
        s.xStride = c.dim;
        s.dim = c.dim;
        s.alpha = m_alphaLayer[static_cast<size_t>(call.layer)];
        s.alphaSize = m_alphaSize[static_cast<size_t>(call.layer)];
        s.tokens = call.tokens;
        s.states = call.codes;
        return launchScale(s, call.stream);
    }
    }
    return internalError("unknown layer kernel");
}

Status DeviceRunner::enqueueHead(int32_t first, int32_t count, cudaStream_t stream) {
    const ModelConfig& c = m_config;
    PassBuffers& b = *m_pass;
    const TokenRows rows{nullptr, first, count};
    RmsNormLaunch r;
    r.x = b.x.as<const float>();
    r.xStride = c.dim;
    r.weight = m_model->outputNorm();
    r.out = b.h.as<float>();
    r.outStride = c.dim;
    r.dim = c.dim;
    r.eps = c.rmsEps;
    r.tokens = rows;
    DASH_TRY(launchRmsNorm(r, stream));
    const DeviceMatrix& head = m_model->output();
    float* logits = b.logits.as<float>();
    if (count >= kCublasMinTokens && stream == m_main) {
        GatherLaunch g;
        g.x = b.h.as<const float>();
        g.xStride = c.dim;
        g.cols = c.dim;
        g.tokens = rows;
        g.out = b.gemmIn.data();
        g.bf16 = head.format == DeviceFormat::BF16;
        DASH_TRY(launchGather(g, stream));
        return m_cublas.multiply(head.data, head.format, head.rows, head.cols, b.gemmIn.data(),
                                 count, logits + static_cast<size_t>(first) * c.vocabSize);
    }
    GemvLaunch g;
    g.segments[0].weights = fullOnly(head);
    g.segments[0].y = logits;
    g.segments[0].yStride = c.vocabSize;
    g.segments[0].rows = c.vocabSize;
    g.cols = c.dim;
    g.x = b.h.as<const float>();
    g.xStride = c.dim;
    g.tokens = rows;
    return launchGemv(g, m_sm, stream);
}

} // namespace dash::cuda
