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

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dash {

namespace cpu {
class ThreadPool;
}

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

} // namespace dash
