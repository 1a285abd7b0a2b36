// SPDX-License-Identifier: MIT
// Runs a DeviceModel's layers on one GPU: the KV cache, the activations of a
// pass, two streams (compute and policy) and the decode step with DASH's
// decisions made on the device (DeviceDecisions, core/engine/backend.h).
//
// Passes the host drives (beginPass / runLayer / hidden / logits) group the
// tokens of a layer by state, as the CPU backend does, and launch each group
// in its state; full-precision groups of kCublasMinTokens tokens or more go
// to cuBLAS. A decode step walks the plan of step_plan.h for the decision
// mode: eagerly (HostSync, DeviceAsync) or as one CUDA graph captured once
// and replayed (GraphBranch, GraphSwitch). Every kernel reads the token and
// position from device memory, and the greedy argmax writes the next ones
// there, so a graph replays without the host touching anything.
//
// Buffers, shapes (n tokens of a pass, L layers, P = maxContext):
//   x, h [n][dim]; q, att [n][qDim]; k, v [n][kvDim]; ffn [n][ffnDim];
//   logits [n][vocab]; KV cache [L][P][kvDim] float each; visible [L][P];
//   rope table [P][headDim / 2][cos, sin] (computed on the host in double,
//   as the CPU backend does); states [L] and scores [L][4] of a decode step.
// All work of one runner goes to its streams from one host thread.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/stream_profiler.h"
#include "cuda/cublas_gemm.h"
#include "cuda/device_buffer.h"
#include "cuda/device_model.h"
#include "cuda/kernels.h"
#include "cuda/step_plan.h"

#include <cuda_runtime.h>

#include <memory>
#include <span>
#include <vector>

namespace dash::cuda {

struct RunnerOptions {
    int64_t maxContext = 0; // KV cache positions (> 0)
};

class DeviceRunner final : public DeviceDecisions {
public:
    // On the current device.
    static Expected<std::unique_ptr<DeviceRunner>> create(std::shared_ptr<const DeviceModel> model,
                                                          const RunnerOptions& options);
    ~DeviceRunner() override;
    DeviceRunner(const DeviceRunner&) = delete;
    DeviceRunner& operator=(const DeviceRunner&) = delete;

    const ModelConfig& config() const { return m_config; }
    const DeviceModel& model() const { return *m_model; }
    int64_t maxContext() const { return m_maxContext; }
    int smCount() const { return m_sm; }
    cudaStream_t computeStream() const { return m_main; }
    cudaStream_t policyStream() const { return m_side; }

    void setKvMode(KvMode mode);
    KvMode kvMode() const { return m_kvMode; }
    // alpha per layer (checked by the caller); empty: identity.
    Status setCompensation(const Compensation& compensation);
    // The model gained INT8/INT4 copies: captured graphs hold stale pointers.
    void weightsChanged() { m_graphValid = false; }
    // Spans of decode steps go to `profiler` (null: none); its streams are
    // registered here.
    Status setProfiler(StreamProfiler* profiler);

    // ---- Passes driven by the host (the Backend interface)
    Status beginPass(std::span<const int32_t> tokens, int64_t firstPosition);
    Status runLayer(int32_t layer, std::span<const LayerState> states);
    Expected<std::span<const float>> hidden();
    Expected<std::span<const float>> logits(int64_t first);

    // ---- DeviceDecisions
    Status setScorer(const DeviceScorer* scorer) override;
    Status setLayerStates(std::span<const LayerState> states) override;
    Status setDecisionMode(DecisionMode mode) override;
    DecisionMode decisionMode() const { return m_mode; }
    Status decodeStep(int32_t token, int64_t position) override;
    Expected<std::vector<LayerState>> stepStates() override;
    Expected<std::vector<float>> stepScores() override;
    Status decide(std::span<const float> input, int64_t n, int32_t next,
                  std::span<const LayerState> current, std::span<LayerState> chosen) override;

    // Greedy decoding of `steps` tokens after `token` at `position`, each
    // step's argmax fed back on the device. With `out`, waits and returns the
    // tokens; without, only enqueues (for timing: synchronize() after).
    Status generate(int32_t token, int64_t position, int32_t steps, std::vector<int32_t>* out);
    Status synchronize();

    // Pass buffers for at least `tokens` rows (single operations on many rows).
    Status reserveTokens(int32_t tokens) { return ensurePassCapacity(tokens); }

    // ---- Single operations on device data (the parity harness, through
    // CudaBackend). Shapes as in Backend.
    Status linearOnDevice(const StateMatrices& weights, LayerState state, const float* bias,
                          const float* x, int32_t n, float* y);
    Status ropeOnDevice(float* v, const int32_t* positions, int32_t n, int32_t heads);
    Status attentionOnDevice(const float* q, const float* keys, const float* values,
                             const int32_t* positions, const uint8_t* visible, int32_t n,
                             int64_t rows, float* out);

private:
    explicit DeviceRunner(std::shared_ptr<const DeviceModel> model);

    struct PassBuffers;
    Status ensurePassCapacity(int32_t tokens);
    // The split count for `queries` (token, head) pairs over `positions` keys
    // that the partials workspace holds.
    int32_t splitsFor(int64_t positions, int64_t queries) const;

    // Layer pieces (device_runner_layer.cpp). `tokens` index the pass rows.
    struct LayerCall {
        int32_t layer = 0;
        TokenRows tokens;
        StateSelect state;
        StateCodes codes; // per-token states for the row kernels
        int32_t splits = 1;
        cudaStream_t stream = nullptr;
    };
    Status enqueueLayerInput(int32_t layer, TokenRows tokens, float* snapshot, cudaStream_t s);
    Status enqueueKernel(LayerKernel kernel, const LayerCall& call);
    Status enqueueHead(int32_t first, int32_t count, cudaStream_t s);
    // cuBLAS for a full-precision matrix and many tokens: gather, GEMM, scatter.
    Status cublasLinear(const DeviceMatrix& w, const float* bias, const float* x, int32_t xStride,
                        TokenRows tokens, float* y, int32_t yStride, bool accumulate,
                        const DeviceMatrix* up, const float* upBias);
    bool useCublas(const StateSelect& state, int32_t count) const;
    // Whether the pass buffers' cuBLAS scratch holds w's products (the layers'
    // matrices; not the output head).
    bool fitsCublasScratch(const DeviceMatrix& w) const;

    // Decode steps (device_runner_decode.cpp).
    Status checkStepReady(int64_t position, int32_t steps) const;
    Status enqueueStep(int64_t position);
    Status enqueuePlan(const std::vector<StepNode>& plan, int64_t position, bool capturing);
    Status enqueueFixedLayer(int32_t layer, LayerState state, cudaStream_t s, int32_t splits);
    Status enqueueSwitchLayer(int32_t layer, int32_t splits);
    Status captureGraph();
    void destroyGraph();
    Status tagNewNodes(cudaGraph_t graph, int32_t layer, StreamKind stream);
    ScorerLaunch scorerLaunch(int32_t next, cudaStream_t s) const;
    const uint8_t* stateConstant(LayerState state) const;

    std::shared_ptr<const DeviceModel> m_model;
    ModelConfig m_config;
    int m_device = 0;
    int m_sm = 1;
    int64_t m_maxContext = 0;
    KvMode m_kvMode = KvMode::Project;
    cudaStream_t m_main = nullptr;
    cudaStream_t m_side = nullptr;
    cudaStream_t m_body = nullptr;             // captures SWITCH bodies
    std::vector<cudaEvent_t> m_featureEvents;  // [layer]
    std::vector<cudaEvent_t> m_decisionEvents; // [layer]
    CublasGemm m_cublas;

    DeviceBuffer m_keys, m_values, m_visible, m_rope;
    std::unique_ptr<PassBuffers> m_pass;
    int32_t m_passTokens = 0;
    int64_t m_passFirst = 0;
    bool m_logitsReady = false;
    int32_t m_logitsFirst = 0;

    // Compensation: alpha per layer, concatenated on the device.
    DeviceBuffer m_alpha;
    std::vector<const float*> m_alphaLayer; // [layer] or empty
    std::vector<int32_t> m_alphaSize;       // [layer]: 0, 1 or dim

    // Decode-step state on the device.
    DeviceBuffer m_stepState; // states [L], scores [L][4], snapshot [dim], history [P],
                              // counter, state constants [5]
    uint8_t* m_layerStates = nullptr;
    float* m_scores = nullptr;
    float* m_snapshot = nullptr;
    int32_t* m_history = nullptr;
    int32_t* m_counter = nullptr;
    uint8_t* m_stateConstants = nullptr;
    PinnedBuffer m_stepHost; // step input {token, position}, states [L], decided states [L]
    DecisionMode m_mode = DecisionMode::DeviceAsync;
    std::vector<LayerState> m_fixedStates; // [layer], without a scorer
    std::vector<LayerState> m_hostKnown;   // [layer], HostSync decisions read back

    // The scorer on the device.
    bool m_hasScorer = false;
    DeviceScorer m_scorer; // scalars, shapes and forced states (the big arrays cleared)
    DeviceBuffer m_scorerData;
    const float* m_w1t = nullptr;
    const float* m_constant = nullptr;
    const float* m_candidate = nullptr;
    const float* m_w2 = nullptr;
    std::vector<const float*> m_gamma, m_scorerAlpha; // [layer]
    std::vector<int32_t> m_gammaSize, m_scorerAlphaSize;

    // The captured decode step.
    cudaGraph_t m_graph = nullptr;
    cudaGraphExec_t m_exec = nullptr;
    bool m_graphValid = false;
    std::vector<unsigned long long> m_handles; // [layer] SWITCH handles
    struct NodeTag {
        cudaGraphNode_t node;
        int32_t layer;
        StreamKind stream;
    };
    std::vector<NodeTag> m_nodeTags;
    std::vector<cudaGraphNode_t> m_seenNodes;

    StreamProfiler* m_profiler = nullptr;
};

} // namespace dash::cuda
