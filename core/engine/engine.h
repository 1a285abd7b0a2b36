// SPDX-License-Identifier: MIT
// The inference engine: one sequence, prefill and decode on a Backend, and
// per-token x per-layer execution states (full, INT8, INT4, skip with scale
// compensation) chosen by an optional LayerController. The engine checks
// inputs, drives the layers, calls the controller between them and records
// the trace; the backend computes.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/cpu_profiler.h"
#include "core/engine/layer_controller.h"
#include "core/engine/trace.h"
#include "core/model/model.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <memory>
#include <span>
#include <vector>

namespace dash {

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
    // On the CPU backend, which reads every weight type Model::load accepts.
    explicit Engine(std::shared_ptr<const Model> model, EngineOptions options = {});
    // On a backend made for `model` (see backend_registry.h).
    Engine(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Model& model() const { return *m_model; }
    std::shared_ptr<const Model> modelPtr() const { return m_model; }
    Backend& backend() { return *m_backend; }
    const Backend& backend() const { return *m_backend; }
    int threads() const { return m_backend->info().threads; }

    int64_t position() const { return m_position; } // tokens in the KV cache
    int64_t maxContext() const { return m_backend->maxContext(); }
    void reset() { m_position = 0; }
    // Forgets cached tokens from `count` on (keeps a common prefix).
    void truncate(int64_t count);

    // Runs `tokens` at the next positions and appends them to the KV cache.
    // Returns the logits: [vocab] of the last token, or [tokens][vocab] with
    // allLogits; valid until the next call. On error (including cancellation)
    // the cache and the trace are as they were before the call.
    Expected<std::span<const float>> forward(std::span<const int32_t> tokens,
                                             const ForwardOptions& options = {});

    // INT8/INT4 weights for those states, quantised per `group` (see Backend).
    Status enableQuantizedStates(int32_t group) { return m_backend->enableQuantizedStates(group); }
    int32_t quantizedGroup() const { return m_backend->quantizedGroup(); }
    Status setCompensation(Compensation compensation);
    const Compensation& compensation() const { return m_compensation; }
    void setKvMode(KvMode mode);
    KvMode kvMode() const { return m_kvMode; }

    // Where a traced pass records its compute spans (one per layer) and a
    // controller its policy spans: `profiler`, or the engine's own CPU
    // profiler when null. The trace's spans are what it collects after each
    // pass. The profiler must outlive its use here.
    void setProfiler(StreamProfiler* profiler) { m_profiler = profiler; }
    StreamProfiler& profiler() { return m_profiler ? *m_profiler : m_cpuProfiler; }

private:
    std::shared_ptr<const Model> m_model;
    std::unique_ptr<Backend> m_backend;
    int64_t m_position = 0;
    Compensation m_compensation;
    KvMode m_kvMode = KvMode::Project;
    CpuProfiler m_cpuProfiler;
    StreamProfiler* m_profiler = nullptr;
    std::vector<LayerState> m_states;                 // [tokens] of the running layer
    std::vector<float> m_input, m_delta, m_prevDelta; // trace only: [tokens][dim]
};

} // namespace dash
