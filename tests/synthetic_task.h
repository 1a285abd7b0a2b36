// SPDX-License-Identifier: MIT
// A tiny model whose layers matter for some token kinds and not for others,
// and text sampled from it: the task on which a skip/full policy can only do
// well by looking at its input.
//
// Tokens come in two kinds, A (even ids) and B (odd ids). Channel 0 of the
// residual stream carries the kind (+s for A, -s for B): the embeddings set
// it, and no layer writes to it (row 0 of every attn_output and ffn_down is
// zero). Layers 0 and L-1 are ordinary. Each inner layer belongs to one kind:
// its attention output is scaled by 0.01, and its FFN gate reads only channel
// 0, with a sign that opens the gate (silu(+g) ≈ g) for its own kind and
// closes it (silu(-g) ≈ 0) for the other. So an A-layer changes A tokens a
// lot and B tokens hardly at all. At a ratio where each token can skip half
// the inner layers, the right choice is to skip the other kind's layers,
// which no static (per-layer) choice can do.
#pragma once

#include "core/model/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dash::test {

struct SyntheticTaskSpec {
    int32_t layers = 6; // inner layers alternate A, B, A, B, ...
    int32_t dim = 64;
    int32_t window = 32;
    int32_t trainSequences = 48;
    int32_t evalSequences = 16;
    uint32_t seed = 2024;
};

struct SyntheticTask {
    std::shared_ptr<const Model> model;
    std::vector<int32_t> train; // trainSequences windows, each BOS-first
    std::vector<int32_t> eval;  // evalSequences windows, sampled with another seed
    std::vector<int> layerKind; // [layer]: 0 ordinary, 1 matters for A, 2 matters for B
    int64_t window = 0;
};

// Null model with *error set on failure.
SyntheticTask makeInputDependentTask(const SyntheticTaskSpec& spec, std::string* error = nullptr);

// Sequences of `window` tokens from a model's own next-token distribution
// (temperature 1), each BOS first, each from an empty cache.
std::vector<int32_t> sampleFromModel(const std::shared_ptr<const Model>& model, int sequences,
                                     int64_t window, uint32_t seed);

} // namespace dash::test
