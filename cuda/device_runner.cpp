// SPDX-License-Identifier: MIT
// DeviceRunner: creation, buffers, host-driven passes and single operations.
#include "cuda/device_runner.h"
#include "cuda/device_runner_buffers.h"

#include "cuda/cuda_check.h"
#include "cuda/launch_geometry.h"

#include "core/engine/cpu/ops.h"
#include "core/model/config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace dash::cuda {

DeviceRunner::DeviceRunner(std::shared_ptr<const DeviceModel> model)
    : m_model(std::move(model)), m_config(m_model->config()) {}

DeviceRunner::~DeviceRunner() {
    // Teardown cannot report failures; the context may already be gone at exit.
    destroyGraph();
    for (cudaEvent_t e : m_featureEvents)
        cudaEventDestroy(e);
    for (cudaEvent_t e : m_decisionEvents)
        cudaEventDestroy(e);
    if (m_main)
        cudaStreamSynchronize(m_main);
    if (m_side)
        cudaStreamSynchronize(m_side);
    m_cublas.release(); // bound to m_main
    for (cudaStream_t s : {m_main, m_side, m_body})
        if (s)
            cudaStreamDestroy(s);
}

Expected<std::unique_ptr<DeviceRunner>>
DeviceRunner::create(std::shared_ptr<const DeviceModel> model, const RunnerOptions& options) {
    const ModelConfig& c = model->config();
    if (options.maxContext <= 0)
        return invalidError("the CUDA backend needs a positive context length");
    if (c.headDim > kMaxHeadDim || c.headDim % 2 != 0)
        return unsupportedError("head size " + std::to_string(c.headDim) +
                                ": the CUDA attention kernels take even sizes up to " +
                                std::to_string(kMaxHeadDim));
    if (c.dim % kColumnMultiple != 0 || c.qDim() % kColumnMultiple != 0 ||
        c.ffnDim % kColumnMultiple != 0)
        return unsupportedError("the CUDA backend needs model dimensions that are multiples of " +
                                std::to_string(kColumnMultiple));
    std::unique_ptr<DeviceRunner> r(new DeviceRunner(std::move(model)));
    r->m_maxContext = options.maxContext;
    DASH_CUDA_TRY(cudaGetDevice(&r->m_device));
    DASH_CUDA_TRY(cudaDeviceGetAttribute(&r->m_sm, cudaDevAttrMultiProcessorCount, r->m_device));
    // The policy stream gets the higher priority: a hint that its short
    // scorer kernels take SMs as soon as compute blocks retire.
    int least = 0, greatest = 0;
    DASH_CUDA_TRY(cudaDeviceGetStreamPriorityRange(&least, &greatest));
    DASH_CUDA_TRY(cudaStreamCreateWithPriority(&r->m_main, cudaStreamNonBlocking, least));
    DASH_CUDA_TRY(cudaStreamCreateWithPriority(&r->m_side, cudaStreamNonBlocking, greatest));
    DASH_CUDA_TRY(cudaStreamCreateWithFlags(&r->m_body, cudaStreamNonBlocking));
    r->m_featureEvents.resize(static_cast<size_t>(c.layers));
    r->m_decisionEvents.resize(static_cast<size_t>(c.layers));
    for (int32_t i = 0; i < c.layers; ++i) {
        DASH_CUDA_TRY(cudaEventCreateWithFlags(&r->m_featureEvents[static_cast<size_t>(i)],
                                               cudaEventDisableTiming));
        DASH_CUDA_TRY(cudaEventCreateWithFlags(&r->m_decisionEvents[static_cast<size_t>(i)],
                                               cudaEventDisableTiming));
    }
    DASH_TRY(r->m_cublas.create(r->m_main));

    // KV cache and visibility flags for every position.
    const auto layers = static_cast<size_t>(c.layers);
    const auto positions = static_cast<size_t>(options.maxContext);
    const size_t kvBytes = layers * positions * static_cast<size_t>(c.kvDim()) * sizeof(float);
    DASH_ASSIGN_OR_RETURN(DeviceMemory memory, deviceMemory());
    if (2 * kvBytes > memory.freeBytes)
        return unsupportedError("the KV cache for " + std::to_string(options.maxContext) +
                                " positions needs " + formatBytes(2 * kvBytes) +
                                " of GPU memory; " + formatBytes(memory.freeBytes) +
                                " are free (choose a shorter context)");
    DASH_ASSIGN_OR_RETURN(r->m_keys, DeviceBuffer::allocate(kvBytes, "the key cache"));
    DASH_ASSIGN_OR_RETURN(r->m_values, DeviceBuffer::allocate(kvBytes, "the value cache"));
    DASH_ASSIGN_OR_RETURN(r->m_visible,
                          DeviceBuffer::allocate(layers * positions, "the KV visibility flags"));
    DASH_TRY(fillDevice(r->m_visible.data(), 1, r->m_visible.bytes()));

    // The CPU backend's RoPE table, with the model's frequency scaling
    // (linear factor, rope_freqs factors).
    const std::vector<double> inverse = ropeInverseFrequencies(c);
    std::vector<float> table(positions * inverse.size() * 2);
    cpu::ropeTableRows(inverse, 0, static_cast<int64_t>(positions), table.data());
    DASH_ASSIGN_OR_RETURN(r->m_rope,
                          DeviceBuffer::allocate(table.size() * sizeof(float), "the RoPE table"));
    DASH_TRY(copyToDevice(r->m_rope.data(), table.data(), r->m_rope.bytes()));

    // Decode-step state.
    const size_t stepBytes = layers + layers * 4 * sizeof(float) + c.dim * sizeof(float) +
                             positions * sizeof(int32_t) + sizeof(int32_t) + 8 + 64;
    DASH_ASSIGN_OR_RETURN(r->m_stepState, DeviceBuffer::allocate(stepBytes, "decode-step state"));
    DASH_TRY(fillDevice(r->m_stepState.data(), 0, stepBytes));
    auto* base = r->m_stepState.as<uint8_t>();
    r->m_scores = reinterpret_cast<float*>(base);
    r->m_snapshot = r->m_scores + layers * 4;
    r->m_history = reinterpret_cast<int32_t*>(r->m_snapshot + c.dim);
    r->m_counter = r->m_history + positions;
    r->m_layerStates = reinterpret_cast<uint8_t*>(r->m_counter + 1);
    r->m_stateConstants = r->m_layerStates + layers;
    const uint8_t constants[5] = {0, 1, 2, 3, 4};
    DASH_TRY(copyToDevice(r->m_stateConstants, constants, 5));
    DASH_TRY(fillDevice(r->m_layerStates, 4, layers));
    DASH_ASSIGN_OR_RETURN(r->m_stepHost,
                          PinnedBuffer::allocate(16 + 2 * layers, "decode-step staging"));
    r->m_fixedStates.assign(layers, LayerState::Full);
    r->m_hostKnown.assign(layers, LayerState::Full);
    r->m_alphaSize.assign(layers, 0);
    r->m_alphaLayer.assign(layers, nullptr);
    r->m_pass = std::make_unique<PassBuffers>();
    DASH_TRY(r->ensurePassCapacity(1));
    DASH_CUDA_TRY(cudaDeviceSynchronize());
    return r;
}

const uint8_t* DeviceRunner::stateConstant(LayerState state) const {
    return m_stateConstants + static_cast<int>(state);
}

Status DeviceRunner::ensurePassCapacity(int32_t tokens) {
    if (tokens <= m_pass->capacity)
        return {};
    // Queued work may still read the old buffers.
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    DASH_CUDA_TRY(cudaStreamSynchronize(m_side));
    const int32_t cap = std::max(tokens, 2 * m_pass->capacity);
    m_graphValid = false; // buffers move
    // The pass these buffers held is gone: its logits with it.
    m_passTokens = 0;
    m_logitsReady = false;
    // The old buffers go first (room for the new ones); the new set replaces
    // them only once every allocation succeeded, so that a failure leaves no
    // half-grown set behind, only capacity 0, which the next pass grows again.
    m_pass = std::make_unique<PassBuffers>();
    auto grown = std::make_unique<PassBuffers>();
    PassBuffers& b = *grown;
    b.capacity = cap;
    const ModelConfig& c = m_config;
    const auto n = static_cast<size_t>(cap);
    auto alloc = [&](DeviceBuffer& buffer, size_t bytes, const char* what) -> Status {
        DASH_ASSIGN_OR_RETURN(buffer, DeviceBuffer::allocate(bytes, what));
        return {};
    };
    auto pinned = [&](PinnedBuffer& buffer, size_t bytes, const char* what) -> Status {
        DASH_ASSIGN_OR_RETURN(buffer, PinnedBuffer::allocate(bytes, what));
        return {};
    };
    const size_t f = sizeof(float);
    DASH_TRY(alloc(b.x, n * c.dim * f, "the hidden state"));
    DASH_TRY(alloc(b.h, n * c.dim * f, "the normalised hidden state"));
    DASH_TRY(alloc(b.q, n * c.qDim() * f, "queries"));
    DASH_TRY(alloc(b.k, n * c.kvDim() * f, "keys"));
    DASH_TRY(alloc(b.v, n * c.kvDim() * f, "values"));
    DASH_TRY(alloc(b.att, n * c.qDim() * f, "attention outputs"));
    DASH_TRY(alloc(b.ffn, n * c.ffnDim * f, "FFN activations"));
    DASH_TRY(alloc(b.logits, n * static_cast<size_t>(c.vocabSize) * f, "logits"));
    const size_t slots = static_cast<size_t>(c.heads) * kMaxAttentionSplits * 4;
    DASH_TRY(alloc(b.partials, slots * (c.headDim + 2) * f, "attention partial sums"));
    if (cap >= kCublasMinTokens) {
        // The layers' matrices; the output head's products stay on GEMV.
        b.gemmCols = std::max({c.dim, c.qDim(), c.ffnDim});
        b.gemmRows = std::max({c.dim, c.qDim(), c.ffnDim});
        DASH_TRY(alloc(b.gemmIn, n * static_cast<size_t>(b.gemmCols) * 2, "cuBLAS inputs"));
        DASH_TRY(alloc(b.gemmOut, n * static_cast<size_t>(b.gemmRows) * f, "cuBLAS outputs"));
        DASH_TRY(alloc(b.gemmUp, n * static_cast<size_t>(b.gemmRows) * f, "cuBLAS outputs"));
    }
    DASH_TRY(alloc(b.ids, 2 * n * sizeof(int32_t) + b.layerBytes(), "token lists"));
    b.regionBytes = (b.layerBytes() + 63) / 64 * 64;
    DASH_TRY(pinned(b.staging,
                    2 * n * sizeof(int32_t) + (static_cast<size_t>(c.layers) + 1) * b.regionBytes,
                    "token staging"));
    DASH_TRY(pinned(b.hidden, n * c.dim * f, "the hidden state copy"));
    DASH_TRY(pinned(b.logitsHost, n * static_cast<size_t>(c.vocabSize) * f, "the logits copy"));
    m_pass = std::move(grown);
    return {};
}

int32_t DeviceRunner::splitsFor(int64_t positions, int64_t queries) const {
    const int64_t slots = static_cast<int64_t>(m_config.heads) * kMaxAttentionSplits * 4;
    int32_t splits = attentionSplits(positions, queries, m_sm);
    while (splits > 1 && queries * splits > slots)
        --splits;
    return splits;
}

void DeviceRunner::setKvMode(KvMode mode) {
    if (mode != m_kvMode)
        m_graphValid = false;
    m_kvMode = mode;
}

Status DeviceRunner::setCompensation(const Compensation& compensation) {
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    m_graphValid = false;
    const auto layers = static_cast<size_t>(m_config.layers);
    m_alphaLayer.assign(layers, nullptr);
    m_alphaSize.assign(layers, 0);
    m_alpha = DeviceBuffer();
    if (compensation.alpha.empty())
        return {};
    std::vector<float> all;
    std::vector<size_t> offsets;
    for (const auto& a : compensation.alpha) {
        offsets.push_back(all.size());
        all.insert(all.end(), a.begin(), a.end());
    }
    DASH_ASSIGN_OR_RETURN(
        m_alpha, DeviceBuffer::allocate(all.size() * sizeof(float), "the skip compensation"));
    DASH_TRY(copyToDevice(m_alpha.data(), all.data(), m_alpha.bytes()));
    for (size_t l = 0; l < layers && l < compensation.alpha.size(); ++l) {
        m_alphaLayer[l] = m_alpha.as<float>() + offsets[l];
        m_alphaSize[l] = static_cast<int32_t>(compensation.alpha[l].size());
    }
    return {};
}

Status DeviceRunner::setProfiler(StreamProfiler* profiler) {
    if (profiler) {
        DASH_TRY(profiler->registerStream(StreamKind::Compute, m_main));
        DASH_TRY(profiler->registerStream(StreamKind::Policy, m_side));
    }
    m_profiler = profiler;
    m_graphValid = false; // graph node tags go to the new profiler at capture
    return {};
}

Status DeviceRunner::synchronize() {
    DASH_CUDA_TRY(cudaStreamSynchronize(m_side));
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    return {};
}

// ---- Passes driven by the host

Status DeviceRunner::beginPass(std::span<const int32_t> tokens, int64_t firstPosition) {
    const auto n = static_cast<int64_t>(tokens.size());
    if (n == 0 || firstPosition < 0 || firstPosition + n > m_maxContext)
        return invalidError("a pass of " + std::to_string(n) + " tokens at position " +
                            std::to_string(firstPosition) + " does not fit the context of " +
                            std::to_string(m_maxContext));
    DASH_TRY(ensurePassCapacity(static_cast<int32_t>(n)));
    // The staging of the previous pass may still be in flight.
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    PassBuffers& b = *m_pass;
    auto* ids = b.staging.as<int32_t>();
    for (int64_t t = 0; t < n; ++t) {
        const int32_t id = tokens[static_cast<size_t>(t)];
        if (id < 0 || id >= m_config.vocabSize)
            return invalidError("token id " + std::to_string(id) + " is outside the vocabulary");
        ids[t] = id;
        ids[b.capacity + t] = static_cast<int32_t>(firstPosition + t);
    }
    DASH_CUDA_TRY(
        cudaMemcpyAsync(b.tokens(), ids, n * sizeof(int32_t), cudaMemcpyHostToDevice, m_main));
    DASH_CUDA_TRY(cudaMemcpyAsync(b.positions(), ids + b.capacity, n * sizeof(int32_t),
                                  cudaMemcpyHostToDevice, m_main));
    EmbedLaunch e;
    e.table = m_model->embedding();
    e.ids = b.tokens();
    e.count = static_cast<int32_t>(n);
    e.x = b.x.as<float>();
    DASH_TRY(launchEmbed(e, m_main));
    m_passTokens = static_cast<int32_t>(n);
    m_passFirst = firstPosition;
    m_logitsReady = false;
    return {};
}

Status DeviceRunner::runLayer(int32_t layer, std::span<const LayerState> states) {
    const int32_t n = m_passTokens;
    if (layer < 0 || layer >= m_config.layers)
        return invalidError("runLayer: no layer " + std::to_string(layer));
    if (static_cast<int32_t>(states.size()) != n)
        return invalidError("runLayer got " + std::to_string(states.size()) + " states for " +
                            std::to_string(n) + " tokens");
    PassBuffers& b = *m_pass;
    // Host lists in this layer's pinned region: codes, then the state groups
    // and the compute set, copied to the device in one transfer.
    uint8_t* region = b.staging.as<uint8_t>() + 2 * b.capacity * sizeof(int32_t) +
                      static_cast<size_t>(layer) * b.regionBytes;
    uint8_t* codes = region;
    auto* lists = reinterpret_cast<int32_t*>(region) + (b.capacity + 3) / 4;
    std::array<int32_t, 5> counts{};
    for (int32_t t = 0; t < n; ++t) {
        const LayerState s = states[static_cast<size_t>(t)];
        if (!isValidState(static_cast<int>(s)))
            return invalidError("runLayer: state " + std::to_string(static_cast<int>(s)) +
                                " of token " + std::to_string(t) + " is not 0, 1, 2 or 4");
        if ((s == LayerState::Int4 || s == LayerState::Int8) && m_model->quantizedGroup() == 0)
            return invalidError(std::string("layer ") + std::to_string(layer) +
                                " was asked to run in " + stateName(s) +
                                " but no quantised weights are loaded");
        codes[t] = static_cast<uint8_t>(s);
        const int g = stateIndex(s);
        lists[static_cast<size_t>(g) * b.capacity + counts[static_cast<size_t>(g)]++] = t;
        if (s != LayerState::Skip)
            lists[4 * static_cast<size_t>(b.capacity) + counts[4]++] = t;
    }
    DASH_CUDA_TRY(
        cudaMemcpyAsync(b.codes(), region, b.layerBytes(), cudaMemcpyHostToDevice, m_main));

    auto rows = [&](int group) {
        return TokenRows{b.list(group), 0, counts[static_cast<size_t>(group)]};
    };
    const TokenRows all{nullptr, 0, n};
    const StateCodes perToken{b.codes(), 1};
    DASH_TRY(enqueueLayerInput(layer, all, nullptr, m_main));
    LayerCall call;
    call.layer = layer;
    call.stream = m_main;
    call.codes = perToken;
    for (int g = 1; g < kStateCount; ++g) {
        if (counts[static_cast<size_t>(g)] == 0)
            continue;
        call.tokens = rows(g);
        call.state = {nullptr, kStates[g]};
        DASH_TRY(enqueueKernel(LayerKernel::Qkv, call));
    }
    if (m_kvMode == KvMode::Project && counts[0] > 0) {
        call.tokens = rows(0);
        call.state = {nullptr, LayerState::Skip};
        DASH_TRY(enqueueKernel(LayerKernel::Qkv, call));
    }
    call.tokens = all;
    call.state = {};
    DASH_TRY(enqueueKernel(LayerKernel::RopeStore, call));
    if (counts[4] > 0) {
        call.tokens = rows(4);
        call.state = {nullptr, LayerState::Full};
        call.splits = splitsFor(m_passFirst + n, static_cast<int64_t>(counts[4]) * m_config.heads);
        DASH_TRY(enqueueKernel(LayerKernel::Attention, call));
    }
    for (int g = 1; g < kStateCount; ++g) {
        if (counts[static_cast<size_t>(g)] == 0)
            continue;
        call.tokens = rows(g);
        call.state = {nullptr, kStates[g]};
        for (LayerKernel k : {LayerKernel::OutputResidual, LayerKernel::FfnNorm,
                              LayerKernel::GateUpSwiglu, LayerKernel::DownResidual})
            DASH_TRY(enqueueKernel(k, call));
    }
    if (counts[0] > 0) {
        call.tokens = all;
        call.state = {};
        DASH_TRY(enqueueKernel(LayerKernel::Compensate, call));
    }
    m_logitsReady = false;
    return {};
}

Expected<std::span<const float>> DeviceRunner::hidden() {
    PassBuffers& b = *m_pass;
    const size_t count = static_cast<size_t>(m_passTokens) * m_config.dim;
    DASH_CUDA_TRY(cudaMemcpyAsync(b.hidden.data(), b.x.data(), count * sizeof(float),
                                  cudaMemcpyDeviceToHost, m_main));
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    return std::span<const float>(b.hidden.as<const float>(), count);
}

Expected<std::span<const float>> DeviceRunner::logits(int64_t first) {
    if (first < 0 || first >= m_passTokens)
        return invalidError("logits from token " + std::to_string(first) + " of a pass of " +
                            std::to_string(m_passTokens));
    PassBuffers& b = *m_pass;
    const auto count = static_cast<int32_t>(m_passTokens - first);
    if (!(m_logitsReady && m_logitsFirst <= first)) {
        DASH_TRY(enqueueHead(static_cast<int32_t>(first), count, m_main));
        m_logitsReady = true;
        m_logitsFirst = static_cast<int32_t>(first);
    }
    const size_t vocab = static_cast<size_t>(m_config.vocabSize);
    DASH_CUDA_TRY(cudaMemcpyAsync(b.logitsHost.data(), b.logits.as<float>() + first * vocab,
                                  count * vocab * sizeof(float), cudaMemcpyDeviceToHost, m_main));
    DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
    return std::span<const float>(b.logitsHost.as<const float>(), count * vocab);
}

// ---- Single operations on device data

Status DeviceRunner::linearOnDevice(const StateMatrices& weights, LayerState state,
                                    const float* bias, const float* x, int32_t n, float* y) {
    const DeviceMatrix& m = weights.byState[stateSlot(static_cast<int>(state))];
    if (!m.data)
        return invalidError(std::string("linear: no weights for state ") + stateName(state));
    const TokenRows rows{nullptr, 0, n};
    if (state == LayerState::Full && n >= kCublasMinTokens && fitsCublasScratch(m))
        return cublasLinear(m, bias, x, m.cols, rows, y, m.rows, false, nullptr, nullptr);
    GemvLaunch g;
    g.segments[0].weights = weights;
    g.segments[0].bias = bias;
    g.segments[0].y = y;
    g.segments[0].yStride = m.rows;
    g.segments[0].rows = m.rows;
    g.cols = m.cols;
    g.x = x;
    g.xStride = m.cols;
    g.tokens = rows;
    g.state = {nullptr, state};
    return launchGemv(g, m_sm, m_main);
}

Status DeviceRunner::ropeOnDevice(float* v, const int32_t* positions, int32_t n, int32_t heads) {
    RopeLaunch r;
    r.v = v;
    r.positions = positions;
    r.count = n;
    r.table = m_rope.as<const float>();
    r.heads = heads;
    r.headDim = m_config.headDim;
    r.layout = m_config.ropeLayout;
    return launchRope(r, m_main);
}

Status DeviceRunner::attentionOnDevice(const float* q, const float* keys, const float* values,
                                       const int32_t* positions, const uint8_t* visible, int32_t n,
                                       int64_t rows, float* out) {
    AttentionLaunch a;
    a.q = q;
    a.qStride = m_config.qDim();
    a.keys = keys;
    a.values = values;
    a.kvStride = m_config.kvDim();
    a.positions = positions;
    a.visible = visible;
    a.tokens = {nullptr, 0, n};
    a.out = out;
    a.outStride = m_config.qDim();
    a.partials = m_pass->partials.as<float>();
    a.heads = m_config.heads;
    a.kvHeads = m_config.kvHeads;
    a.headDim = m_config.headDim;
    a.splits = splitsFor(rows, static_cast<int64_t>(n) * m_config.heads);
    a.scale = 1.0f / std::sqrt(static_cast<float>(m_config.headDim));
    return launchAttention(a, m_main);
}

} // namespace dash::cuda
