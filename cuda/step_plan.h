// SPDX-License-Identifier: MIT
// What one decode step enqueues, in order, for each decision mode: a plan of
// operations on the compute (main) and policy (side) streams with the events
// that fork and join them, and the kernels of one layer in each state. The
// CUDA code walks these lists to launch eagerly or to capture a graph; the
// host tests check their dependencies (every decision is made before the
// layer that uses it, the side stream is joined, ...). No CUDA header.
#pragma once

#include "core/engine/backend.h"
#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash::cuda {

enum class StepOp : uint8_t {
    Embed,          // main: the token's embedding row into x
    LayerInput,     // main: layer i's attention RMSNorm; keeps a copy of x_i for the scorer
    RecordFeature,  // main: event "x_i is copied"
    WaitFeature,    // side: waits for it
    Score,          // the scorer decides layer i (from layer i - 1's input) into state[i]
    RecordDecision, // side: event "state[i] is written"
    WaitDecision,   // main: waits for it
    CopyDecision,   // main: state[i] to pinned host memory (HostSync)
    HostWait,       // the host waits for that copy before it launches layer i (HostSync)
    LayerFixed,     // layer i's kernels in a state the host knows
    LayerBranch,    // layer i's kernels, each reading state[i] and branching warp-uniformly
    LayerSwitch,    // a SWITCH node on state[i] with one body of kernels per state
    Head,           // main: final RMSNorm and output head into the logits
    Argmax,         // main: the greedy next token and position, kept on the device
};
const char* stepOpName(StepOp op);

struct StepNode {
    StepOp op = StepOp::Embed;
    int32_t layer = -1; // the layer the op works on or decides (-1: none)
    StreamKind stream = StreamKind::Compute;
};

// The plan of one decode step through `layers` layers. With `decide` a scorer
// chooses the states of layers 1..layers-1; without, they come from an array
// the host fills. Layer 0 always runs at full precision (LayerFixed).
std::vector<StepNode> buildStepPlan(int32_t layers, DecisionMode mode, bool decide);

// Checks a plan by simulating its streams and events: each layer's state is
// decided (and joined to the main stream, or waited for by the host) before
// the layer runs, each score reads a layer input that the main stream has
// published and not yet overwritten, every event waited for was recorded,
// the side stream ends joined, graph modes have no host waits, and SWITCH
// nodes appear only in GraphSwitch mode. The error names the first broken
// rule and the op.
Status checkStepPlan(const std::vector<StepNode>& plan, int32_t layers, DecisionMode mode,
                     bool decide);

// The kernels of one layer after LayerInput.
enum class LayerKernel : uint8_t {
    Qkv,            // Q, K and V projections (+ biases) in one launch
    RopeStore,      // rotate q and k, write k/v to the cache, mark the position's visibility
    Attention,      // split-K softmax over the cached positions (+ merging the splits)
    OutputResidual, // x += att · Oᵀ
    FfnNorm,        // h = rmsnorm(x) · ffn_norm
    GateUpSwiglu,   // g = silu(h · Gateᵀ) ⊙ (h · Upᵀ) in one launch
    DownResidual,   // x += g · Downᵀ
    Compensate,     // skipped tokens: x = alpha ⊙ x
};
const char* layerKernelName(LayerKernel kernel);

// A layer in a state the host knows. Skip: K/V still projected at full
// precision in Project mode (so later tokens see the position), only the
// position's visibility in Mask mode; then the compensation.
std::vector<LayerKernel> layerKernels(LayerState state, KvMode mode);
// A layer whose kernels read the state on the device: every kernel of every
// state, each doing nothing where the state does not need it.
std::vector<LayerKernel> branchLayerKernels();

} // namespace dash::cuda
