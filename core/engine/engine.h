// The CPU inference engine: one sequence, a KV cache, prefill and decode, and
// per-token x per-layer execution states (full, INT8, INT4, skip with scale
// compensation) chosen by an optional LayerController.
#pragma once

#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/ops.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/engine/layer_controller.h"
#include "core/engine/trace.h"
#include "core/model/model.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <memory>
#include <span>
#include <vector>

namespace dash {

// What later tokens see at layer i for an earlier token that skipped layer i.
enum class KvMode : uint8_t {
    Project, // K/V projected from the skipped layer's input, so the position stays visible
    Mask,    // the position is hidden from later tokens at that layer
};
const char* kvModeName(KvMode mode);
Expected<KvMode> parseKvMode(const std::string& text);

// Reduced-precision copies of every layer matrix, for the INT8 and INT4 states.
struct QuantizedLayer {
    cpu::Matrix wq, wk, wv, wo, wGate, wUp, wDown;
};
struct QuantizedWeights {
    int32_t group = 32;
    std::vector<QuantizedLayer> int8; // [layer]
    std::vector<QuantizedLayer> int4; // [layer]

    // Quantises each layer matrix of `model` with symmetric per-group scales.
    static Expected<std::shared_ptr<const QuantizedWeights>> build(const Model& model,
                                                                   int32_t group);
};

// Scale compensation of skipped layers: y = alpha[layer] ⊙ x, alpha a scalar
// (size 1) or a per-channel vector (size dim). Empty: identity.
struct Compensation {
    std::vector<std::vector<float>> alpha; // [layer]
};

struct EngineOptions {
    int threads = 0;        // <= 0: one per hardware thread
    int64_t maxContext = 0; // <= 0: the model's context length
};

struct ForwardOptions {
    bool allLogits = false; // logits of every token instead of the last only
    Trace* trace = nullptr; // append cells for these tokens (no cost when null)
    const CancelToken* cancel = nullptr;
    LayerController* controller = nullptr; // null: every layer at full precision
};

class Engine {
public:
    explicit Engine(std::shared_ptr<const Model> model, EngineOptions options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Model& model() const { return *m_model; }
    std::shared_ptr<const Model> modelPtr() const { return m_model; }
    int threads() const { return m_pool.size(); }
    cpu::ThreadPool& pool() { return m_pool; }

    int64_t position() const { return m_position; } // tokens in the KV cache
    int64_t maxContext() const { return m_maxContext; }
    void reset() { m_position = 0; }
    // Forgets cached tokens from `count` on (keeps a common prefix).
    void truncate(int64_t count);

    // Runs `tokens` at the next positions and appends them to the KV cache.
    // Returns the logits: [vocab] of the last token, or [tokens][vocab] with
    // allLogits; valid until the next call. On error (including cancellation)
    // the cache and the trace are as they were before the call.
    Expected<std::span<const float>> forward(std::span<const int32_t> tokens,
                                             const ForwardOptions& options = {});

    void setQuantizedWeights(std::shared_ptr<const QuantizedWeights> weights);
    const QuantizedWeights* quantizedWeights() const { return m_quantized.get(); }
    Status setCompensation(Compensation compensation);
    const Compensation& compensation() const { return m_compensation; }
    void setKvMode(KvMode mode) { m_kvMode = mode; }
    KvMode kvMode() const { return m_kvMode; }

private:
    struct Buffers;
    // The matrices used for `state` at `layer` (null when that state's weights are missing).
    const cpu::Matrix* weightsFor(int32_t layer, LayerState state, int which) const;
    Status runLayer(int32_t layer, const LayerState* states, int64_t n, const int64_t* positions);
    void ensureCapacity(int64_t tokens);

    std::shared_ptr<const Model> m_model;
    cpu::ThreadPool m_pool;
    cpu::Rope m_rope;
    int64_t m_maxContext = 0;
    int64_t m_position = 0;
    int64_t m_capacity = 0;
    std::vector<std::vector<float>> m_keys;      // [layer][capacity][kvDim]
    std::vector<std::vector<float>> m_values;    // [layer][capacity][kvDim]
    std::vector<std::vector<uint8_t>> m_visible; // [layer][capacity], Mask mode
    std::unique_ptr<Buffers> m_buffers;
    std::shared_ptr<const QuantizedWeights> m_quantized;
    Compensation m_compensation;
    KvMode m_kvMode = KvMode::Project;
};

} // namespace dash
