// SPDX-License-Identifier: MIT
// The seam between the engine and the device that runs a model's layers.
//
// A backend owns the weights in its own layouts (full precision, and the INT8
// and INT4 copies of the DASH states), the KV cache and the activations of a
// pass. The engine drives it one layer at a time: it decides every token's
// state for the layer (through a LayerController), asks the backend to run the
// layer, and reads the hidden state back only when a controller or the trace
// needs it. The CPU backend is the reference every other backend is checked
// against (tests/tst_backend_parity.cpp): op by op through the single-op
// entries below, and layer by layer in every state.
//
// Which backends a build contains is known only to backend_registry.cpp.
#pragma once

#include "core/engine/trace.h"
#include "core/model/model.h"
#include "core/util/status.h"

#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dash {

namespace cpu {
class ThreadPool;
}
class DeviceDecisions;
struct LayerPartTimes;

// What later tokens see at layer i for an earlier token that skipped layer i.
enum class KvMode : uint8_t {
    Project, // K/V projected from the skipped layer's input, so the position stays visible
    Mask,    // the position is hidden from later tokens at that layer
};
const char* kvModeName(KvMode mode);
Expected<KvMode> parseKvMode(const std::string& text);

// Scale compensation of skipped layers: y = alpha[layer] ⊙ x, alpha a scalar
// (size 1) or a per-channel vector (size dim). Empty: identity.
struct Compensation {
    std::vector<std::vector<float>> alpha; // [layer]
};
// Rejects a compensation whose shape does not fit the model or whose values
// are not finite.
Status checkCompensation(const Compensation& compensation, const ModelConfig& config);

struct BackendOptions {
    int threads = 0;        // CPU worker threads; <= 0: one per hardware thread
    int64_t maxContext = 0; // KV cache positions; <= 0: the model's context length
    // CPU kernels: empty for the best this CPU runs, or a name from
    // cpu::isaNames() ("scalar" is the portable reference path).
    std::string isa;
    int device = 0; // GPU ordinal
};

struct BackendInfo {
    std::string name;   // "cpu", "cuda"
    std::string device; // the processor or GPU, in words
    std::string detail; // kernels in use, memory, driver
    int threads = 1;    // host threads the backend computes with
};

// The weights one matrix product reads: a layer's matrix in a state (Full,
// Int8 or Int4), or the output head (layer == kOutputHead).
struct WeightRef {
    static constexpr int32_t kOutputHead = -1;
    int32_t layer = 0;
    LayerMatrix matrix = LayerMatrix::Q;
    LayerState state = LayerState::Full;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual const BackendInfo& info() const = 0;
    virtual const Model& model() const = 0;
    int64_t maxContext() const { return m_maxContext; }

    // ---- Configuration (between passes)

    // INT8 and INT4 copies of every layer matrix, symmetric per `group`
    // weights (a multiple of 32 that divides every row), for the Int8 and Int4
    // states. Idempotent for the same group.
    virtual Status enableQuantizedStates(int32_t group) = 0;
    // The group of the INT8/INT4 copies; 0 while there are none.
    virtual int32_t quantizedGroup() const = 0;
    // Checked with checkCompensation by the caller.
    virtual Status setCompensation(const Compensation& compensation) = 0;
    virtual void setKvMode(KvMode mode) = 0;

    // ---- One forward pass over `tokens` at positions firstPosition...

    // Embeds the tokens: the hidden state becomes [tokens][dim]. The caller
    // has checked ids and positions (firstPosition + tokens <= maxContext()).
    virtual Status beginPass(std::span<const int32_t> tokens, int64_t firstPosition) = 0;
    // Runs one layer with states[t] for token t, writing K/V of the pass's
    // positions into the layer's cache (skipped tokens as the KV mode says).
    // Int8/Int4 states need enableQuantizedStates.
    virtual Status runLayer(int32_t layer, std::span<const LayerState> states) = 0;
    // The hidden state [tokens][dim] on the host, valid until the next call:
    // the backend's own buffer on the CPU, a copy from a device's memory.
    virtual Expected<std::span<const float>> hidden() = 0;
    // Final norm and output head for tokens first.. of the pass:
    // [tokens - first][vocab], valid until the next call.
    virtual Expected<std::span<const float>> logits(int64_t first) = 0;

    // Workers that a layer controller may run work aside on while a layer
    // runs (the CPU backend's pool); null where the host has no such workers.
    virtual cpu::ThreadPool* hostPool() { return nullptr; }

    // Optional: DASH decisions made on the backend's device, without the host
    // in the loop (see DeviceDecisions below); null where the backend has none
    // (the CPU backend). Passes through beginPass/runLayer are unaffected.
    virtual DeviceDecisions* deviceDecisions() { return nullptr; }

    // Optional: from now on, add where each one-token layer of layers
    // times->firstLayer..lastLayer spends its time to `times` (see
    // LayerPartTimes below); null stops timing. Backends that cannot time a
    // layer's parts on the host (a GPU's asynchronous streams) refuse.
    virtual Status setLayerPartTimes(LayerPartTimes* times) {
        if (!times)
            return {};
        return unsupportedError("the " + info().name +
                                " backend does not time the parts of a layer");
    }

    // ---- Single operations on host data, for the parity harness. Shapes
    // are row-major; each call is independent of passes and caches.

    // out[t] = x[t] / rms(x[t]) * weight.
    virtual Status rmsNorm(std::span<const float> x, std::span<const float> weight, int64_t n,
                           float eps, std::span<float> out) = 0;
    // y[n][rows] = x[n][cols] · Wᵀ (+ the matrix's bias, for Q/K/V).
    virtual Status linear(const WeightRef& weights, std::span<const float> x, int64_t n,
                          std::span<float> y) = 0;
    // Rotates `heads` vectors of headDim per token in place, token t at positions[t].
    virtual Status rope(std::span<float> v, int64_t n, int32_t heads,
                        std::span<const int64_t> positions) = 0;
    // Causal grouped-query attention of n query rows over keys/values
    // [positions][kvDim]; visible (may be empty) hides rows flagged 0 except
    // a token's own.
    virtual Status attention(std::span<const float> q, std::span<const float> keys,
                             std::span<const float> values, std::span<const int64_t> positions,
                             std::span<const uint8_t> visible, int64_t n, std::span<float> out) = 0;
    // gate[i] = silu(gate[i]) * up[i].
    virtual Status swiglu(std::span<float> gate, std::span<const float> up) = 0;
    // x[t] = alpha ⊙ x[t], alpha of size 1 or dim (skip compensation).
    virtual Status scaleRows(std::span<float> x, int64_t n, std::span<const float> alpha) = 0;

protected:
    int64_t m_maxContext = 0;
};

// ---- Optional extension: where a decode layer's time goes

// The parts of a layer in the order they run. Setup sorts the tokens by
// state; the products include their residual adds; Compensation is the
// skipped tokens' alpha scaling.
enum class LayerPart : uint8_t {
    Setup,
    AttnNorm,
    QkvProduct,
    RopeCache,
    Attention,
    OutProduct,
    FfnNorm,
    GateUpProduct,
    Swiglu,
    DownProduct,
    Compensation,
};
inline constexpr int kLayerPartCount = static_cast<int>(LayerPart::Compensation) + 1;
const char* layerPartName(LayerPart part); // "setup", "norm", "qkv", ...

// Time per part and state, summed over the timed layers. Ticks are those of
// the backend's cheapest clock (the time-stamp counter on x86-64); ns() turns
// them into nanoseconds with the rate measured while timing was on.
struct LayerPartTimes {
    int32_t firstLayer = 0;
    int32_t lastLayer = INT32_MAX;
    std::array<std::array<double, kLayerPartCount>, kStateCount> ticks{}; // [state][part]
    std::array<int64_t, kStateCount> layers{};                            // timed layers per state
    // Ticks and nanoseconds that passed while timing was on.
    double clockTicks = 0;
    double clockNs = 0;

    // Mean nanoseconds per timed layer of `state` in `part` (0 where none ran).
    double ns(LayerState state, LayerPart part) const;
};

// ---- Optional extension: DASH decisions on the device

// How a device-side decode step makes DASH's per-layer decisions.
enum class DecisionMode : uint8_t {
    // The decision for layer i+1 is copied to the host after layer i, and the
    // host launches layer i+1 in that state: the comparison for the others.
    HostSync,
    // The scorer for layer i+1 runs on a second stream from h~_i while layer i
    // runs, joined by events; the layer's kernels read state[layer].
    DeviceAsync,
    // DeviceAsync captured once as a CUDA graph and replayed every token.
    GraphBranch,
    // A CUDA graph whose layers are SWITCH conditional nodes, one body per
    // state, set by the scorer kernel.
    GraphSwitch,
};
inline constexpr DecisionMode kDecisionModes[] = {DecisionMode::HostSync, DecisionMode::DeviceAsync,
                                                  DecisionMode::GraphBranch,
                                                  DecisionMode::GraphSwitch};
inline const char* decisionModeName(DecisionMode mode) {
    switch (mode) {
    case DecisionMode::HostSync:
        return "host-sync";
    case DecisionMode::DeviceAsync:
        return "device-async";
    case DecisionMode::GraphBranch:
        return "graph-branch";
    case DecisionMode::GraphSwitch:
        return "graph-switch";
    }
    return "unknown";
}

// DASH's scoring model (core/dash/scorer.h) as plain arrays, with the
// runtime options of a greedy decision, for a device to evaluate:
//   pre   = constant[next][current] + W1t^T · rmsnormalised(h~)
//   score = b2 + w2 · relu(pre + candidate[k]) - lambda·|code(k) - code(current)|
//           - costBias · stateCosts[k]
// over the allowed states (Skip only below the last layer), the first
// highest score winning. h~ = gamma[i] ⊙ x_i for the input x_i of layer i,
// or alpha[i] ⊙ x_i when the token skips layer i (the asynchronous source of
// DashController).
struct DeviceScorer {
    int32_t dim = 0;
    int32_t layers = 0;
    int32_t hidden = 0;
    float lambda = 0;
    float b2 = 0;
    float costBias = 0;
    std::array<float, kStateCount> stateCosts = {0.0f, 1.0f, 2.0f, 4.0f};
    bool allowInt4 = true;
    bool allowInt8 = true;
    std::vector<float> w1t;                // [dim][hidden]
    std::vector<float> constant;           // [layers][kStateCount][hidden]
    std::vector<float> candidate;          // [kStateCount][hidden]
    std::vector<float> w2;                 // [hidden]
    std::vector<std::vector<float>> gamma; // [layer][1 or dim]
    std::vector<std::vector<float>> alpha; // [layer][1 or dim]; empty: identity
    // [layer] or empty: states that replace the scorer's choices (to time
    // fixed state mixes with the scorer still running).
    std::vector<LayerState> forcedStates;
};

// Implemented by a backend that can decide on its device. A decode step runs
// one token through every layer; afterwards hidden() and logits(0) read it
// as after a one-token pass, and the KV cache holds its position.
class DeviceDecisions {
public:
    virtual ~DeviceDecisions() = default;

    // The scoring model to decide with; null: no scorer, the layers run in
    // the states of setLayerStates.
    virtual Status setScorer(const DeviceScorer* scorer) = 0;
    // States per layer used when there is no scorer (all Full by default).
    virtual Status setLayerStates(std::span<const LayerState> states) = 0;
    virtual Status setDecisionMode(DecisionMode mode) = 0;

    virtual Status decodeStep(int32_t token, int64_t position) = 0;
    // The states the last decode step ran in [layers], and the scores the
    // scorer gave [layers][kStateCount] (NaN where it did not score).
    virtual Expected<std::vector<LayerState>> stepStates() = 0;
    virtual Expected<std::vector<float>> stepScores() = 0;

    // One decision on the device, for parity checks: chosen[t] for layer
    // `next` from `input` [n][dim], the input of layer next - 1 whose tokens
    // ran in current[t].
    virtual Status decide(std::span<const float> input, int64_t n, int32_t next,
                          std::span<const LayerState> current, std::span<LayerState> chosen) = 0;
};

} // namespace dash
