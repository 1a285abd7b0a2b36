// SPDX-License-Identifier: MIT
// The logit lens: what each layer's output residual of one token would
// predict if it went straight to the final RMSNorm and the output head.
#pragma once

#include "core/dash/state_table.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <cstdint>
#include <span>
#include <vector>

namespace dash {

struct LensCandidate {
    int32_t id = 0;
    float logit = 0.0f;
    double probability = 0.0; // softmax over the whole vocabulary, float64
};

struct LogitLens {
    int64_t token = 0; // the position read
    // [layer][rank]: the top k candidates of layer l's output, most probable first
    // (ties: smaller id first).
    std::vector<std::vector<LensCandidate>> layers;
};

// The k most probable ids of one row of logits, by the rule above.
std::vector<LensCandidate> topCandidates(std::span<const float> logits, int k);

// Runs tokens[0..token] on `engine` with `table`'s rows as layer states (null:
// every layer at full precision), keeps the residual of position `token` after
// each layer, and sends each through the model's final norm and output head
// with the backend's own kernels (Backend::rmsNorm, Backend::linear of the
// head, one row at a time, as the engine computes a pass's last logits). The
// engine's KV cache is reset.
Expected<LogitLens> runLogitLens(Engine& engine, std::span<const int32_t> tokens,
                                 const StateTable* table, int64_t token, int k,
                                 const CancelToken* cancel = nullptr);

} // namespace dash
