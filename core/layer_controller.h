// The hook through which a policy decides how each layer runs. The engine
// calls it on its own thread, between layers; pointers are valid for the call.
#pragma once

#include "core/trace.h"

#include <cstdint>

namespace dash {

class LayerController {
public:
    virtual ~LayerController() = default;

    // A pass over tokens [firstToken, firstToken + count) of the trace (or of the
    // engine's sequence when no trace is kept) begins. `trace` may be null.
    virtual void beginPass(int64_t firstToken, int64_t count, Trace* trace) = 0;

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
