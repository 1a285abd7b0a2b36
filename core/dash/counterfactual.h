// SPDX-License-Identifier: MIT
// What one cell costs: a run's recorded states replayed exactly, once as
// recorded and once with a single (token, layer) cell forced to another state,
// and the per-token change in the log-likelihood of each next token and the
// KL divergence between the two next-token distributions.
#pragma once

#include "core/dash/state_table.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <cstdint>
#include <span>
#include <vector>

namespace dash {

struct CounterfactualCell {
    int64_t token = 0;
    int32_t layer = 0;
    LayerState state = LayerState::Full;
};

// Per token t of the sequence (index 0 has no prediction: NaN), in nats.
struct CounterfactualResult {
    CounterfactualCell cell;
    LayerState originalState = LayerState::Full; // the table's state of the cell
    std::vector<float> originalLogProbs;         // log p_table(t | <t)
    std::vector<float> forcedLogProbs;           // log p_forced(t | <t)
    std::vector<float> deltaLogProbs;            // forced - original
    std::vector<float> kl; // KL(p_table || p_forced) of the distributions predicting t

    // The token whose prediction the forced cell feeds first: cell.token + 1
    // (the logits of position cell.token predict it); -1 past the end.
    int64_t nextToken() const;
};

// Runs `tokens` twice on `engine` with `table`'s rows as the layer states
// (row t for token t; rows past the table's end at full precision): as
// recorded, and with `cell` forced. Attention is causal, so tokens up to
// cell.token are predicted identically by construction (delta 0, KL 0) and
// both runs share that prefix of the KV cache; positions cell.token... are
// computed twice with the same pass shape, so forcing a cell to its own state
// changes nothing bit for bit. The engine's compensation, KV mode and
// quantised states are used as configured (Int8/Int4 cells need them). The
// engine's KV cache is reset. Memory: (tokens - cell.token) x vocab floats.
Expected<CounterfactualResult> runCounterfactual(Engine& engine, std::span<const int32_t> tokens,
                                                 const StateTable& table,
                                                 const CounterfactualCell& cell,
                                                 const CancelToken* cancel = nullptr);

} // namespace dash
