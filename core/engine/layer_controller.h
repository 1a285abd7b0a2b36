// SPDX-License-Identifier: MIT
// The hook through which a policy decides how each layer runs. The engine
// calls it on its own thread, between layers; pointers are valid for the call.
#pragma once

#include "core/engine/stream_profiler.h"
#include "core/engine/trace.h"

#include <cstdint>

namespace dash {

namespace cpu {
class ThreadPool;
}

// What a forward pass covers: `count` tokens at positions firstPosition...,
// which are cells firstTraceToken... of `trace` when a trace is kept.
struct PassInfo {
    int64_t firstPosition = 0;
    int64_t count = 0;
    Trace* trace = nullptr;
    int32_t firstTraceToken = 0;
    int32_t dim = 0; // hidden size: rows of `input`/`output` below hold dim floats
    // The engine's workers: a controller may run work aside on them
    // (ThreadPool::runAside) while the layer computes. Null: no pool.
    cpu::ThreadPool* pool = nullptr;
    // Where the controller marks its policy spans (StreamKind::Policy); null
    // when the pass is not traced.
    StreamProfiler* profiler = nullptr;
};

class LayerController {
public:
    virtual ~LayerController() = default;

    virtual void beginPass(const PassInfo& pass) = 0;

    // Fills states[t] for layer `layer`, given the layer's input
    // `input` [count][dim]. A controller may start asynchronous work here that
    // overlaps the layer's computation (scoring layer + 1 from an approximation
    // of this layer's output).
    virtual void beforeLayer(int32_t layer, const float* input, int64_t count,
                             LayerState* states) = 0;

    // The layer ran; `output` [count][dim] is its output.
    virtual void afterLayer(int32_t layer, const float* output, int64_t count) = 0;

    virtual void endPass() = 0;
};

} // namespace dash
