// SPDX-License-Identifier: MIT
// DeviceRunner: DASH decisions on the device (DeviceDecisions), decode steps
// in the four decision modes, and the CUDA graph of a step with its SWITCH
// conditional nodes.
#include "cuda/cuda_check.h"
#include "cuda/device_runner.h"
#include "cuda/device_runner_buffers.h"
#include "cuda/device_scorer.h"
#include "cuda/launch_geometry.h"
#include "profiler/cupti_profiler.h"
#include "profiler/nvtx_ranges.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

namespace dash::cuda {

namespace {

// Pinned step staging: token and position, then [layers] states for the
// device, then [layers] decisions read back (HostSync).
constexpr size_t kStepInputBytes = 16;

// Begins a span on construction (when a profiler is attached), ends it on destruction.
class OptionalSpan {
public:
    OptionalSpan(StreamProfiler* profiler, StreamKind stream, int64_t position, int32_t layer)
        : m_profiler(profiler) {
        if (m_profiler)
            m_mark = m_profiler->beginSpan({stream, static_cast<int32_t>(position), 1, layer});
    }
    ~OptionalSpan() {
        if (m_profiler)
            m_profiler->endSpan(m_mark);
    }
    OptionalSpan(const OptionalSpan&) = delete;
    OptionalSpan& operator=(const OptionalSpan&) = delete;

private:
    StreamProfiler* m_profiler;
    SpanMark m_mark;
};

bool needsQuantized(LayerState s) {
    return s == LayerState::Int4 || s == LayerState::Int8;
}

} // namespace

// ---- Configuration

Status DeviceRunner::setScorer(const DeviceScorer* scorer) {
    DASH_TRY(synchronize());
    m_graphValid = false;
    if (!scorer) {
        m_hasScorer = false;
        m_scorerData = DeviceBuffer();
        return {};
    }
    const ModelConfig& c = m_config;
    DASH_TRY(checkDeviceScorer(*scorer, c.layers, c.dim));
    DASH_TRY(prepareScorer(c.dim, scorer->hidden));
    std::vector<float> all;
    auto append = [&all](const std::vector<float>& v) {
        const size_t offset = all.size();
        all.insert(all.end(), v.begin(), v.end());
        return offset;
    };
    const size_t w1t = append(scorer->w1t);
    const size_t constant = append(scorer->constant);
    const size_t candidate = append(scorer->candidate);
    const size_t w2 = append(scorer->w2);
    std::vector<size_t> gamma, alpha;
    for (const auto& g : scorer->gamma)
        gamma.push_back(append(g));
    for (const auto& a : scorer->alpha)
        alpha.push_back(append(a));
    DASH_ASSIGN_OR_RETURN(m_scorerData,
                          DeviceBuffer::allocate(all.size() * sizeof(float), "the DASH scorer"));
    DASH_TRY(copyToDevice(m_scorerData.data(), all.data(), m_scorerData.bytes()));
    const float* base = m_scorerData.as<const float>();
    m_w1t = base + w1t;
    m_constant = base + constant;
    m_candidate = base + candidate;
    m_w2 = base + w2;
    const auto layers = static_cast<size_t>(c.layers);
    m_gamma.assign(layers, nullptr);
    m_gammaSize.assign(layers, 0);
    m_scorerAlpha.assign(layers, nullptr);
    m_scorerAlphaSize.assign(layers, 0);
    for (size_t l = 0; l < layers; ++l) {
        m_gamma[l] = base + gamma[l];
        m_gammaSize[l] = static_cast<int32_t>(scorer->gamma[l].size());
        if (!scorer->alpha.empty()) {
            m_scorerAlpha[l] = base + alpha[l];
            m_scorerAlphaSize[l] = static_cast<int32_t>(scorer->alpha[l].size());
        }
    }
    m_scorer = *scorer;
    m_scorer.w1t.clear();
    m_scorer.constant.clear();
    m_scorer.candidate.clear();
    m_scorer.w2.clear();
    m_scorer.gamma.clear();
    m_scorer.alpha.clear();
    m_hasScorer = true;
    // Layer 0 always runs at full precision: the scorer of layer 1 reads it.
    DASH_TRY(fillDevice(m_layerStates, 4, 1));
    return {};
}

Status DeviceRunner::setLayerStates(std::span<const LayerState> states) {
    if (static_cast<int32_t>(states.size()) != m_config.layers)
        return invalidError("setLayerStates got " + std::to_string(states.size()) + " states for " +
                            std::to_string(m_config.layers) + " layers");
    for (LayerState s : states)
        if (!isValidState(static_cast<int>(s)))
            return invalidError("setLayerStates: a state is not 0, 1, 2 or 4");
    if (states[0] != LayerState::Full)
        return invalidError("layer 0 always runs at full precision");
    DASH_TRY(synchronize()); // the pinned copy below may still be read by a queued transfer
    m_fixedStates.assign(states.begin(), states.end());
    return {};
}

Status DeviceRunner::setDecisionMode(DecisionMode mode) {
    if (mode != m_mode) {
        DASH_TRY(synchronize());
        m_graphValid = false;
    }
    m_mode = mode;
    return {};
}

Status DeviceRunner::checkStepReady(int64_t position, int32_t steps) const {
    if (position < 0 || steps < 1 || position + steps > m_maxContext)
        return invalidError("decoding " + std::to_string(steps) + " token(s) at position " +
                            std::to_string(position) + " does not fit the context of " +
                            std::to_string(m_maxContext));
    const bool quantized = m_model->quantizedGroup() > 0;
    if (m_hasScorer) {
        bool forcedInt = false;
        for (LayerState s : m_scorer.forcedStates)
            forcedInt = forcedInt || needsQuantized(s);
        if (!quantized && (m_scorer.allowInt4 || m_scorer.allowInt8 || forcedInt))
            return invalidError("the DASH scorer may choose INT8/INT4 states, but no quantised "
                                "weights are loaded");
    } else if (!quantized) {
        for (LayerState s : m_fixedStates)
            if (needsQuantized(s))
                return invalidError("a layer is set to run in INT8/INT4, but no quantised "
                                    "weights are loaded");
    }
    return {};
}

ScorerLaunch DeviceRunner::scorerLaunch(int32_t next, cudaStream_t) const {
    ScorerLaunch s;
    s.input = m_snapshot;
    s.count = 1;
    s.dim = m_config.dim;
    s.hidden = m_scorer.hidden;
    s.layers = m_config.layers;
    s.next = next;
    s.current = {m_layerStates + next - 1, 0};
    s.chosen = m_layerStates + next;
    s.chosenStride = 0;
    s.scores = m_scores + static_cast<size_t>(next) * 4;
    s.gamma = m_gamma[static_cast<size_t>(next - 1)];
    s.gammaSize = m_gammaSize[static_cast<size_t>(next - 1)];
    s.alpha = m_scorerAlpha[static_cast<size_t>(next - 1)];
    s.alphaSize = m_scorerAlphaSize[static_cast<size_t>(next - 1)];
    s.w1t = m_w1t;
    s.constant = m_constant;
    s.candidate = m_candidate;
    s.w2 = m_w2;
    s.b2 = m_scorer.b2;
    s.lambda = m_scorer.lambda;
    s.costBias = m_scorer.costBias;
    for (int k = 0; k < 4; ++k)
        s.costs[k] = m_scorer.stateCosts[static_cast<size_t>(k)];
    s.allowInt4 = m_scorer.allowInt4;
    s.allowInt8 = m_scorer.allowInt8;
    s.forced = m_scorer.forcedStates.empty()
                   ? -1
                   : static_cast<int32_t>(m_scorer.forcedStates[static_cast<size_t>(next)]);
    if (m_mode == DecisionMode::GraphSwitch && static_cast<size_t>(next) < m_handles.size())
        s.conditional = m_handles[static_cast<size_t>(next)];
    return s;
}

// ---- Enqueueing a step

Status DeviceRunner::enqueueFixedLayer(int32_t layer, LayerState state, cudaStream_t s,
                                       int32_t splits) {
    LayerCall call;
    call.layer = layer;
    call.tokens = {nullptr, 0, 1};
    call.state = {nullptr, state};
    call.codes = {stateConstant(state), 0};
    call.splits = splits;
    call.stream = s;
    for (LayerKernel k : layerKernels(state, m_kvMode))
        DASH_TRY(enqueueKernel(k, call));
    return {};
}

Status DeviceRunner::tagNewNodes(cudaGraph_t graph, int32_t layer, StreamKind stream) {
    // Best effort: tags only name spans in the profile; a failure to list the
    // nodes leaves their kernels untagged (counted as such) but the step intact.
    if (!m_profiler || !graph)
        return {};
    size_t count = 0;
    if (cudaGraphGetNodes(graph, nullptr, &count) != cudaSuccess)
        return {};
    std::vector<cudaGraphNode_t> nodes(count);
    if (cudaGraphGetNodes(graph, nodes.data(), &count) != cudaSuccess)
        return {};
    nodes.resize(count);
    std::unordered_set<cudaGraphNode_t> seen(m_seenNodes.begin(), m_seenNodes.end());
    for (cudaGraphNode_t n : nodes) {
        if (seen.insert(n).second) {
            m_seenNodes.push_back(n);
            m_nodeTags.push_back({n, layer, stream});
        }
    }
    return {};
}

Status DeviceRunner::enqueueSwitchLayer(int32_t layer, int32_t splits) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    cudaGraph_t graph = nullptr;
    const cudaGraphNode_t* deps = nullptr;
    const cudaGraphEdgeData* edges = nullptr;
    size_t depCount = 0;
    DASH_CUDA_TRY(
        cudaStreamGetCaptureInfo(m_main, &status, nullptr, &graph, &deps, &edges, &depCount));
    if (status != cudaStreamCaptureStatusActive)
        return internalError("a SWITCH node can only be added while capturing the step");
    cudaGraphNodeParams params{};
    params.type = cudaGraphNodeTypeConditional;
    params.conditional.handle = m_handles[static_cast<size_t>(layer)];
    params.conditional.type = cudaGraphCondTypeSwitch;
    params.conditional.size = kStateCount; // body k: state kStates[k]
    cudaGraphNode_t node = nullptr;
    DASH_CUDA_TRY(cudaGraphAddNode(&node, graph, deps, edges, depCount, &params));
    DASH_CUDA_TRY(cudaStreamUpdateCaptureDependencies(m_main, &node, nullptr, 1,
                                                      cudaStreamSetCaptureDependencies));
    if (m_profiler) {
        m_seenNodes.push_back(node);
        m_nodeTags.push_back({node, layer, StreamKind::Compute});
    }
    for (int k = 0; k < kStateCount; ++k) {
        cudaGraph_t body = params.conditional.phGraph_out[k];
        DASH_CUDA_TRY(cudaStreamBeginCaptureToGraph(m_body, body, nullptr, nullptr, 0,
                                                    cudaStreamCaptureModeThreadLocal));
        const Status filled = enqueueFixedLayer(layer, kStates[k], m_body, splits);
        cudaGraph_t captured = nullptr;
        const cudaError_t ended = cudaStreamEndCapture(m_body, &captured);
        DASH_TRY(filled);
        DASH_CUDA_TRY(ended);
        DASH_TRY(tagNewNodes(body, layer, StreamKind::Compute));
    }
    return {};
}

Status DeviceRunner::enqueuePlan(const std::vector<StepNode>& plan, int64_t position,
                                 bool capturing) {
    PassBuffers& b = *m_pass;
    // Every mode splits attention as the graph does (for the longest
    // context; each split's share follows the position read on the device),
    // so that all modes run identical kernels and agree to the bit.
    const int32_t splits = splitsFor(m_maxContext, static_cast<int64_t>(m_config.heads));
    const TokenRows one{nullptr, 0, 1};
    StreamProfiler* profiler = capturing ? nullptr : m_profiler;
    cudaGraph_t captureGraph = nullptr;
    if (capturing) {
        cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
        DASH_CUDA_TRY(cudaStreamGetCaptureInfo(m_main, &status, nullptr, &captureGraph));
    }
    for (const StepNode& node : plan) {
        const int32_t l = node.layer;
        const cudaStream_t stream = node.stream == StreamKind::Policy ? m_side : m_main;
        switch (node.op) {
        case StepOp::Embed: {
            EmbedLaunch e;
            e.table = m_model->embedding();
            e.ids = b.tokens();
            e.count = 1;
            e.x = b.x.as<float>();
            DASH_TRY(launchEmbed(e, m_main));
            break;
        }
        case StepOp::LayerInput: {
            OptionalSpan span(profiler, StreamKind::Compute, position, l);
            DASH_TRY(enqueueLayerInput(l, one, m_snapshot, m_main));
            break;
        }
        case StepOp::RecordFeature:
            DASH_CUDA_TRY(cudaEventRecord(m_featureEvents[static_cast<size_t>(l)], m_main));
            break;
        case StepOp::WaitFeature:
            DASH_CUDA_TRY(cudaStreamWaitEvent(m_side, m_featureEvents[static_cast<size_t>(l)], 0));
            break;
        case StepOp::Score: {
            OptionalSpan span(profiler, node.stream, position, l);
            DASH_TRY(launchScorer(scorerLaunch(l, stream), stream));
            break;
        }
        case StepOp::RecordDecision:
            DASH_CUDA_TRY(cudaEventRecord(m_decisionEvents[static_cast<size_t>(l)], m_side));
            break;
        case StepOp::WaitDecision:
            DASH_CUDA_TRY(cudaStreamWaitEvent(m_main, m_decisionEvents[static_cast<size_t>(l)], 0));
            break;
        case StepOp::CopyDecision:
            DASH_CUDA_TRY(
                cudaMemcpyAsync(m_stepHost.as<uint8_t>() + kStepInputBytes + m_config.layers + l,
                                m_layerStates + l, 1, cudaMemcpyDeviceToHost, m_main));
            break;
        case StepOp::HostWait: {
            DASH_CUDA_TRY(cudaStreamSynchronize(m_main));
            const uint8_t code =
                m_stepHost.as<uint8_t>()[kStepInputBytes + static_cast<size_t>(m_config.layers) +
                                         static_cast<size_t>(l)];
            if (!isValidState(code))
                return internalError("the device scorer wrote state " + std::to_string(code) +
                                     " for layer " + std::to_string(l));
            m_hostKnown[static_cast<size_t>(l)] = static_cast<LayerState>(code);
            break;
        }
        case StepOp::LayerFixed: {
            NvtxRange range("layer", l);
            OptionalSpan span(profiler, StreamKind::Compute, position, l);
            LayerState state = LayerState::Full;
            if (l > 0)
                state = m_hasScorer ? m_hostKnown[static_cast<size_t>(l)]
                                    : m_fixedStates[static_cast<size_t>(l)];
            DASH_TRY(enqueueFixedLayer(l, state, m_main, splits));
            break;
        }
        case StepOp::LayerBranch: {
            NvtxRange range("layer", l);
            OptionalSpan span(profiler, StreamKind::Compute, position, l);
            LayerCall call;
            call.layer = l;
            call.tokens = one;
            call.state = {m_layerStates + l, LayerState::Full};
            call.codes = {m_layerStates + l, 0};
            call.splits = splits;
            call.stream = m_main;
            for (LayerKernel k : branchLayerKernels())
                DASH_TRY(enqueueKernel(k, call));
            break;
        }
        case StepOp::LayerSwitch:
            if (!capturing)
                return internalError("SWITCH layers exist only in a captured graph");
            DASH_TRY(enqueueSwitchLayer(l, splits));
            break;
        case StepOp::Head:
            DASH_TRY(enqueueHead(0, 1, m_main));
            break;
        case StepOp::Argmax: {
            ArgmaxLaunch a;
            a.logits = b.logits.as<const float>();
            a.vocab = m_config.vocabSize;
            a.token = b.tokens();
            a.position = b.positions();
            a.history = m_history;
            a.counter = m_counter;
            a.historySize = static_cast<int32_t>(m_maxContext);
            DASH_TRY(launchArgmax(a, m_main));
            break;
        }
        }
        if (capturing && node.op != StepOp::LayerSwitch)
            DASH_TRY(tagNewNodes(captureGraph, l, node.stream));
    }
    return {};
}

void DeviceRunner::destroyGraph() {
    if (m_exec)
        cudaGraphExecDestroy(m_exec);
    if (m_graph)
        cudaGraphDestroy(m_graph);
    m_exec = nullptr;
    m_graph = nullptr;
    m_handles.clear();
    m_nodeTags.clear();
    m_seenNodes.clear();
    m_graphValid = false;
}

Status DeviceRunner::captureGraph() {
    DASH_TRY(synchronize());
    destroyGraph();
    const std::vector<StepNode> plan = buildStepPlan(m_config.layers, m_mode, m_hasScorer);
    DASH_TRY(checkStepPlan(plan, m_config.layers, m_mode, m_hasScorer));
    DASH_CUDA_TRY(cudaStreamBeginCapture(m_main, cudaStreamCaptureModeThreadLocal));
    Status filled = [&]() -> Status {
        if (m_mode == DecisionMode::GraphSwitch) {
            cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
            cudaGraph_t graph = nullptr;
            DASH_CUDA_TRY(cudaStreamGetCaptureInfo(m_main, &status, nullptr, &graph));
            m_handles.assign(static_cast<size_t>(m_config.layers), 0);
            for (int32_t l = 1; l < m_config.layers; ++l) {
                // Default: full precision (index 3) at every launch, until a
                // scorer kernel sets it; without a scorer the states come from
                // the host's array through the branch kernels instead.
                DASH_CUDA_TRY(cudaGraphConditionalHandleCreate(
                    &m_handles[static_cast<size_t>(l)], graph, 3, cudaGraphCondAssignDefault));
            }
        }
        return enqueuePlan(plan, 0, true);
    }();
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(m_main, &graph);
    m_graph = graph;
    if (!filled) {
        destroyGraph();
        return filled.error().withContext("capturing the decode step");
    }
    if (ended != cudaSuccess) {
        destroyGraph();
        return cudaFailure("cudaStreamEndCapture (decode step)", ended);
    }
    DASH_CUDA_TRY(cudaGraphInstantiate(&m_exec, m_graph, 0));
    DASH_CUDA_TRY(cudaGraphUpload(m_exec, m_main));
    if (auto* cupti = dynamic_cast<CuptiProfiler*>(m_profiler)) {
        for (const NodeTag& t : m_nodeTags)
            DASH_TRY(cupti->tagGraphNode(t.node, t.layer, t.stream));
    }
    m_graphValid = true;
    return {};
}

Status DeviceRunner::enqueueStep(int64_t position) {
    NvtxRange range("token", position);
    if (!m_hasScorer)
        DASH_CUDA_TRY(cudaMemcpyAsync(m_layerStates, m_stepHost.as<uint8_t>() + kStepInputBytes,
                                      static_cast<size_t>(m_config.layers), cudaMemcpyHostToDevice,
                                      m_main));
    if (m_mode == DecisionMode::GraphBranch || m_mode == DecisionMode::GraphSwitch) {
        if (m_mode == DecisionMode::GraphSwitch && !m_hasScorer)
            return invalidError("graph-switch mode needs a DASH scorer to set its SWITCH nodes; "
                                "use graph-branch for states set by the host");
        if (!m_graphValid)
            DASH_TRY(captureGraph());
        OptionalSpan span(m_profiler, StreamKind::Compute, position, -1);
        DASH_CUDA_TRY(cudaGraphLaunch(m_exec, m_main));
        return {};
    }
    return enqueuePlan(buildStepPlan(m_config.layers, m_mode, m_hasScorer), position, false);
}

// ---- Steps

Status DeviceRunner::decodeStep(int32_t token, int64_t position) {
    if (token < 0 || token >= m_config.vocabSize)
        return invalidError("token id " + std::to_string(token) + " is outside the vocabulary");
    DASH_TRY(checkStepReady(position, 1));
    return generate(token, position, 1, nullptr);
}

Status DeviceRunner::generate(int32_t token, int64_t position, int32_t steps,
                              std::vector<int32_t>* out) {
    if (token < 0 || token >= m_config.vocabSize)
        return invalidError("token id " + std::to_string(token) + " is outside the vocabulary");
    DASH_TRY(checkStepReady(position, steps));
    // The pinned staging below may still be read by the previous step's copies.
    DASH_TRY(synchronize());
    // A step's activations live in the pass buffers (regrown here if a failed
    // growth left none).
    DASH_TRY(ensurePassCapacity(1));
    PassBuffers& b = *m_pass;
    auto* input = m_stepHost.as<int32_t>();
    input[0] = token;
    input[1] = static_cast<int32_t>(position);
    uint8_t* states = m_stepHost.as<uint8_t>() + kStepInputBytes;
    for (size_t l = 0; l < m_fixedStates.size(); ++l)
        states[l] = static_cast<uint8_t>(m_fixedStates[l]);
    DASH_CUDA_TRY(
        cudaMemcpyAsync(b.tokens(), input, sizeof(int32_t), cudaMemcpyHostToDevice, m_main));
    DASH_CUDA_TRY(
        cudaMemcpyAsync(b.positions(), input + 1, sizeof(int32_t), cudaMemcpyHostToDevice, m_main));
    DASH_CUDA_TRY(cudaMemsetAsync(m_counter, 0, sizeof(int32_t), m_main));
    for (int32_t s = 0; s < steps; ++s)
        DASH_TRY(enqueueStep(position + s));
    m_passTokens = 1;
    m_passFirst = position + steps - 1;
    m_logitsReady = true;
    m_logitsFirst = 0;
    if (!out)
        return {};
    out->assign(static_cast<size_t>(steps), 0);
    DASH_CUDA_TRY(cudaMemcpyAsync(out->data(), m_history, sizeof(int32_t) * out->size(),
                                  cudaMemcpyDeviceToHost, m_main));
    DASH_TRY(synchronize());
    return {};
}

Expected<std::vector<LayerState>> DeviceRunner::stepStates() {
    std::vector<uint8_t> codes(static_cast<size_t>(m_config.layers));
    DASH_CUDA_TRY(
        cudaMemcpyAsync(codes.data(), m_layerStates, codes.size(), cudaMemcpyDeviceToHost, m_main));
    DASH_TRY(synchronize());
    std::vector<LayerState> out;
    for (uint8_t c : codes) {
        if (!isValidState(c))
            return internalError("the device holds state " + std::to_string(c) + " for a layer");
        out.push_back(static_cast<LayerState>(c));
    }
    return out;
}

Expected<std::vector<float>> DeviceRunner::stepScores() {
    std::vector<float> out(static_cast<size_t>(m_config.layers) * 4, NAN);
    if (!m_hasScorer)
        return out;
    DASH_CUDA_TRY(cudaMemcpyAsync(out.data(), m_scores, out.size() * sizeof(float),
                                  cudaMemcpyDeviceToHost, m_main));
    DASH_TRY(synchronize());
    for (int k = 0; k < 4; ++k)
        out[static_cast<size_t>(k)] = NAN; // layer 0 is never scored
    return out;
}

Status DeviceRunner::decide(std::span<const float> input, int64_t n, int32_t next,
                            std::span<const LayerState> current, std::span<LayerState> chosen) {
    const ModelConfig& c = m_config;
    if (!m_hasScorer)
        return invalidError("decide: no DASH scorer is set");
    if (next < 1 || next >= c.layers)
        return invalidError("decide: layer " + std::to_string(next) + " is not decided");
    if (n <= 0 || input.size() < static_cast<size_t>(n) * c.dim ||
        current.size() < static_cast<size_t>(n) || chosen.size() < static_cast<size_t>(n))
        return invalidError("decide: buffers too small for " + std::to_string(n) + " tokens");
    DASH_ASSIGN_OR_RETURN(
        DeviceBuffer x,
        DeviceBuffer::allocate(static_cast<size_t>(n) * c.dim * sizeof(float), "scorer inputs"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer codes,
                          DeviceBuffer::allocate(2 * static_cast<size_t>(n), "scorer states"));
    std::vector<uint8_t> host(2 * static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t)
        host[static_cast<size_t>(t)] = static_cast<uint8_t>(current[static_cast<size_t>(t)]);
    DASH_TRY(copyToDevice(x.data(), input.data(), x.bytes()));
    DASH_TRY(copyToDevice(codes.data(), host.data(), host.size()));
    ScorerLaunch s = scorerLaunch(next, m_main);
    s.input = x.as<const float>();
    s.count = static_cast<int32_t>(n);
    s.current = {codes.as<const uint8_t>(), 1};
    s.chosen = codes.as<uint8_t>() + n;
    s.chosenStride = 1;
    s.scores = nullptr;
    s.conditional = 0;
    DASH_TRY(launchScorer(s, m_main));
    DASH_CUDA_TRY(
        cudaMemcpyAsync(host.data(), codes.data(), host.size(), cudaMemcpyDeviceToHost, m_main));
    DASH_TRY(synchronize());
    for (int64_t t = 0; t < n; ++t) {
        const uint8_t code = host[static_cast<size_t>(n + t)];
        if (!isValidState(code))
            return internalError("the device scorer wrote state " + std::to_string(code));
        chosen[static_cast<size_t>(t)] = static_cast<LayerState>(code);
    }
    return {};
}

} // namespace dash::cuda
