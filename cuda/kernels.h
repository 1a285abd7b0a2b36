// SPDX-License-Identifier: MIT
// Launchers of the CUDA backend's kernels. Each takes a cudaStream_t and one
// struct of device pointers and shapes, checks what it can on the host,
// launches and returns the launch status; the kernels and their algorithms
// are in gemv.cu, attention.cu, rows.cu, scorer.cu and synthetic.cu.
//
// Conventions: activations are float32, row-major [token][features]; a
// TokenRows names which token rows an op works on; a StateSelect says which
// DASH state a launch computes in, either fixed by the host or read on the
// device from a state code (0 skip, 1 INT4, 2 INT8, 4 full), the same value
// for every thread, so the kernels branch warp-uniformly.
#pragma once

#include "core/engine/trace.h"
#include "core/model/config.h"
#include "core/util/status.h"
#include "cuda/gpu_layout.h"

#include <cuda_runtime.h>

#include <cstdint>

namespace dash::cuda {

// One matrix on the device in one format (see gpu_layout.h).
struct DeviceMatrix {
    const uint8_t* data = nullptr;
    const float* scales = nullptr; // Int8/Int4: [rows][cols / group]
    int32_t rows = 0;
    int32_t cols = 0;
    int32_t group = 0;
    DeviceFormat format = DeviceFormat::F16;
};

// A layer matrix in each computing state, indexed by stateSlot().
struct StateMatrices {
    DeviceMatrix byState[3];
};
// Int4 -> 0, Int8 -> 1, Full -> 2 (Skip has no weights).
DASH_HD constexpr int stateSlot(int code) {
    return code == 1 ? 0 : (code == 2 ? 1 : 2);
}

// Token rows 0.. of an op: token i is index[first + i], or first + i when
// index is null.
struct TokenRows {
    const int32_t* index = nullptr;
    int32_t first = 0;
    int32_t count = 0;
};

// The state a launch computes in: *device when not null (read on the device;
// one token), else `fixed`.
struct StateSelect {
    const uint8_t* device = nullptr;
    LayerState fixed = LayerState::Full;
};

// Per-token states for row kernels: token i's code is codes[i * stride]
// (stride 0: one code for all); null: every token at full precision.
struct StateCodes {
    const uint8_t* codes = nullptr;
    int32_t stride = 1;
};

// ---- Matrix products for a few tokens (gemv.cu)

// Rows of one output: y[token][r] (=|+=) x[token] · W[r] + bias[r].
struct GemvSegment {
    StateMatrices weights;
    const float* bias = nullptr; // [rows] or null
    float* y = nullptr;          // [token][yStride]
    int32_t yStride = 0;
    int32_t rows = 0;
    // A skipped token still computes this segment at full precision (K/V in
    // the Project KV mode).
    bool skipUsesFull = false;
};

struct GemvLaunch {
    GemvSegment segments[3]; // e.g. Q, K, V in one launch
    int32_t segmentCount = 1;
    int32_t cols = 0; // shared by every segment's matrices
    const float* x = nullptr;
    int32_t xStride = 0;
    TokenRows tokens; // any count: split into launches of kMaxGemvTokens
    StateSelect state;
    bool accumulate = false; // y += result (a residual add)
    // segments[0] = gate, [1] = up (same rows): segment 0's y gets
    // silu(x·Gate + bg) ⊙ (x·Up + bu).
    bool gluPair = false;
};
Status launchGemv(const GemvLaunch& launch, int smCount, cudaStream_t stream);

// ---- Attention over the KV cache (attention.cu)

struct AttentionLaunch {
    const float* q = nullptr; // [token][qStride], rotated
    int32_t qStride = 0;
    const float* keys = nullptr; // [position][kvStride]
    const float* values = nullptr;
    int32_t kvStride = 0;
    const int32_t* positions = nullptr; // [token]: the query's position; it sees 0..position
    const uint8_t* visible = nullptr;   // [position] or null; 0 hides a row except the query's own
    TokenRows tokens;
    StateSelect state;    // Skip: nothing to do (device-read states only)
    float* out = nullptr; // [token][outStride]
    int32_t outStride = 0;
    float* partials = nullptr; // [tokens][heads][splits][headDim + 2] when splits > 1
    int32_t heads = 0;
    int32_t kvHeads = 0;
    int32_t headDim = 0;
    int32_t splits = 1;
    float scale = 1.0f;
};
Status launchAttention(const AttentionLaunch& launch, cudaStream_t stream);

// ---- Row kernels (rows.cu)

// out[t] = x[t] / rms(x[t]) · weight; with `snapshot`, also snapshot[i] = x[t]
// (the copy of the layer input the scorer reads). state Skip: nothing.
struct RmsNormLaunch {
    const float* x = nullptr;
    int32_t xStride = 0;
    const float* weight = nullptr;
    float* out = nullptr;
    int32_t outStride = 0;
    int32_t dim = 0;
    float eps = 0;
    TokenRows tokens;
    StateSelect state;
    float* snapshot = nullptr; // [i][dim]
};
Status launchRmsNorm(const RmsNormLaunch& launch, cudaStream_t stream);

// Rotates q (unless the token skips) and k of each token at its position,
// writes k and v to the cache rows of those positions and the position's
// visibility: 0 for a skipped token in Mask mode (which writes nothing),
// else 1. Angles from `table` [position][headDim / 2][cos, sin].
struct RopeStoreLaunch {
    float* q = nullptr;
    int32_t qStride = 0;
    const float* k = nullptr;
    const float* v = nullptr;
    int32_t kvStride = 0; // of k and v
    float* keyCache = nullptr;
    float* valueCache = nullptr;
    uint8_t* visible = nullptr; // [position]
    int32_t kvDim = 0;
    const int32_t* positions = nullptr;
    TokenRows tokens;
    StateCodes states;
    bool project = true;
    const float* table = nullptr;
    int32_t heads = 0;
    int32_t kvHeads = 0;
    int32_t headDim = 0;
    RopeLayout layout = RopeLayout::AdjacentPairs;
};
Status launchRopeStore(const RopeStoreLaunch& launch, cudaStream_t stream);

// Rotates `heads` vectors per token in place (the parity harness's rope op).
struct RopeLaunch {
    float* v = nullptr; // [token][heads * headDim]
    const int32_t* positions = nullptr;
    int32_t count = 0;
    const float* table = nullptr;
    int32_t heads = 0;
    int32_t headDim = 0;
    RopeLayout layout = RopeLayout::AdjacentPairs;
};
Status launchRope(const RopeLaunch& launch, cudaStream_t stream);

// x[t] = alpha ⊙ x[t] for the tokens whose state is Skip (all tokens when
// states.codes is null and `all`); alpha of size 1 or dim.
struct ScaleLaunch {
    float* x = nullptr;
    int32_t xStride = 0;
    int32_t dim = 0;
    const float* alpha = nullptr;
    int32_t alphaSize = 0; // 0: nothing to do
    TokenRows tokens;
    StateCodes states;
    bool all = false;
};
Status launchScale(const ScaleLaunch& launch, cudaStream_t stream);

// x[i] = row ids[i] of a F16/BF16 table, as floats.
struct EmbedLaunch {
    DeviceMatrix table;
    const int32_t* ids = nullptr;
    int32_t count = 0;
    float* x = nullptr;
};
Status launchEmbed(const EmbedLaunch& launch, cudaStream_t stream);

// gate[i] = silu(gate[i]) · up[i].
Status launchSwiglu(float* gate, const float* up, int64_t count, cudaStream_t stream);

// For cuBLAS: rows of x as half or bfloat16 [count][cols], and the product's
// rows [count][rows] back to y (=|+=, + bias; with `up`, silu(src) ⊙ up).
struct GatherLaunch {
    const float* x = nullptr;
    int32_t xStride = 0;
    int32_t cols = 0;
    TokenRows tokens;
    void* out = nullptr;
    bool bf16 = false;
};
Status launchGather(const GatherLaunch& launch, cudaStream_t stream);
struct ScatterLaunch {
    const float* src = nullptr; // [i][rows]
    const float* up = nullptr;  // [i][rows] or null
    const float* bias = nullptr;
    const float* upBias = nullptr;
    int32_t rows = 0;
    TokenRows tokens;
    float* y = nullptr;
    int32_t yStride = 0;
    bool accumulate = false;
};
Status launchScatter(const ScatterLaunch& launch, cudaStream_t stream);

// The first highest logit (NaN ignored) -> *token; *position += 1; and, with
// `history`, history[*counter] = the token, *counter += 1. One block.
struct ArgmaxLaunch {
    const float* logits = nullptr;
    int32_t vocab = 0;
    int32_t* token = nullptr;
    int32_t* position = nullptr;
    int32_t* history = nullptr;
    int32_t* counter = nullptr;
    int32_t historySize = 0;
};
Status launchArgmax(const ArgmaxLaunch& launch, cudaStream_t stream);

// ---- The DASH scorer (scorer.cu)

struct ScorerLaunch {
    const float* input = nullptr; // [token][dim]: the input of layer next - 1
    int32_t count = 0;
    int32_t dim = 0;
    int32_t hidden = 0;
    int32_t layers = 0;
    int32_t next = 0;          // the layer decided
    StateCodes current;        // states of layer next - 1
    uint8_t* chosen = nullptr; // out: token i's code at chosen[i * chosenStride]
    int32_t chosenStride = 1;
    float* scores = nullptr; // out: [token][4] (NaN for disallowed states) or null
    const float* gamma = nullptr;
    int32_t gammaSize = 0;
    const float* alpha = nullptr;
    int32_t alphaSize = 0; // 0: identity
    const float* w1t = nullptr;
    const float* constant = nullptr;
    const float* candidate = nullptr;
    const float* w2 = nullptr;
    float b2 = 0;
    float lambda = 0;
    float costBias = 0;
    float costs[4] = {0, 1, 2, 4};
    bool allowInt4 = true;
    bool allowInt8 = true;
    int32_t forced = -1; // a state code to write instead of the choice
    // A SWITCH conditional node's handle to set to the chosen state's index
    // (0 skip .. 3 full), or 0 for none. One token only.
    unsigned long long conditional = 0;
};
Status launchScorer(const ScorerLaunch& launch, cudaStream_t stream);
// Allows the scorer kernel the shared memory it needs for `dim` and `hidden`
// (call once before launching it, outside any stream capture).
Status prepareScorer(int32_t dim, int32_t hidden);
size_t scorerSharedBytes(int32_t dim, int32_t hidden);

// ---- Synthetic weights for benchmarks (synthetic.cu)

// Uniform values in [-scale, scale] from a hash of (seed, index), as F16.
Status fillRandomHalf(uint16_t* data, int64_t count, float scale, uint64_t seed,
                      cudaStream_t stream);
// Random INT8 (qmax 127) or packed INT4 (qmax 7) weights and positive scales.
Status fillRandomQuantized(uint8_t* data, float* scales, int64_t rows, int64_t cols, int32_t group,
                           DeviceFormat format, float scale, uint64_t seed, cudaStream_t stream);
Status fillConstant(float* data, int64_t count, float value, cudaStream_t stream);

} // namespace dash::cuda
