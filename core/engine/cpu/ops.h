// SPDX-License-Identifier: MIT
// Elementwise and attention operations of a transformer layer on the CPU, in
// float32. Activations are row-major [tokens][features].
#pragma once

#include "core/engine/cpu/isa.h"
#include "core/model/config.h"

#include <cstdint>
#include <vector>

namespace dash::cpu {

class ThreadPool;

// Σ x[k]² in double on every path (AVX2: four lanes of partial sums; scalar:
// four partial sums), so paths differ only in the order of the double adds.
double sumOfSquares(const float* x, int32_t dim, Isa isa = bestIsa());

// out[t] = x[t] / rms(x[t]) * weight, rms = sqrt(mean(x^2) + eps), the sum of
// squares by sumOfSquares. x may equal out.
void rmsNorm(const float* x, const float* weight, int64_t n, int32_t dim, float eps, float* out,
             Isa isa = bestIsa());

// Rows [first, last) of the RoPE table for `inverseFrequency` [half]: row p
// holds (cos, sin) of p·inverseFrequency[i] for every i, computed in double
// and rounded to float, written to out [last - first][half][2]. The CPU
// backend and the CUDA backend's device table both come from here.
void ropeTableRows(const std::vector<double>& inverseFrequency, int64_t first, int64_t last,
                   float* out);

// Rotary position embeddings. Angles position * theta_i, with theta_i =
// base^(-2i/d) or the inverse frequencies given (ropeInverseFrequencies: the
// file's scaling applied), are computed in double and their cos/sin cached
// per position as positions are first used.
class Rope {
public:
    Rope(int32_t headDim, double base, RopeLayout layout);
    // inverseFrequency: [headDim / 2].
    Rope(std::vector<double> inverseFrequency, RopeLayout layout);
    // Rotates `heads` vectors of headDim in place for one token at `position`
    // (every instruction set gives the same result bit for bit). Not
    // thread-safe (the cache grows).
    void apply(float* v, int32_t heads, int64_t position, Isa isa = bestIsa());

private:
    int32_t m_headDim;
    RopeLayout m_layout;
    std::vector<double> m_inverseFrequency; // [headDim / 2]
    std::vector<float> m_table;             // [position][headDim / 2][cos, sin]
};

// x[i] = e^x[i] for `count` values (vectorised where the CPU allows: within
// a few units in the last place of std::exp; -inf and values below -87.3 give
// 0, values above 88.7 the value at 88.7).
void expInPlace(float* x, int64_t count, Isa isa = bestIsa());

// x[i] = e^(x[i] - max x) / Σ e^(x[j] - max x) for `count` > 0 values, the
// sum in double; -inf entries give 0 (one at least must be finite). One pass
// for the maximum, one for the exponentials and their sum, one for the scale:
// a decode step's attention weights over up to a few hundred positions.
void softmaxInPlace(float* x, int64_t count, Isa isa = bestIsa());

// softmaxInPlace on each of `rowCount` rows of `count` values, with the same
// results; rows go through the passes together where the CPU allows.
void softmaxRows(float* const* rows, int32_t rowCount, int64_t count, Isa isa = bestIsa());

// a[i] = silu(a[i]) * b[i] (SwiGLU), for `count` values.
void swiglu(float* a, const float* b, int64_t count, Isa isa);

// Causal multi-head attention with grouped K/V heads for `n` query tokens.
//   q:      [n][heads * headDim] (already rotated)
//   keys:   [positions][kvHeads * headDim], values likewise (the layer's cache)
//   positions[t]: absolute position of query t; it attends to cache rows 0..positions[t]
//   visible: optional [cache rows] flags; rows with 0 are ignored (masked KV mode),
//            except a token always sees its own row
//   out:    [n][heads * headDim]
void attention(const float* q, const float* keys, const float* values, const int64_t* positions,
               int64_t n, int32_t heads, int32_t kvHeads, int32_t headDim, const uint8_t* visible,
               float* out, ThreadPool& pool, Isa isa);
// The same over the CPU backend's KV cache, whose keys are stored transposed:
//   keys:   [kvHeads * headDim][capacity] (position fastest)
//   values: [capacity][kvHeads * headDim]
void attentionTransposed(const float* q, const float* keys, const float* values, int64_t capacity,
                         const int64_t* positions, int64_t n, int32_t heads, int32_t kvHeads,
                         int32_t headDim, const uint8_t* visible, float* out, ThreadPool& pool,
                         Isa isa);

// Float dot product with SIMD accumulation where available (summation order
// differs from a sequential loop).
float dotFloat(const float* a, const float* b, int32_t count, Isa isa = bestIsa());

// Dot product and cosine similarity of float vectors (accumulated in double).
double dot(const float* a, const float* b, int64_t count);
double norm(const float* a, int64_t count);
double cosine(const float* a, const float* b, int64_t count);

} // namespace dash::cpu
