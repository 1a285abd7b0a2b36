// SPDX-License-Identifier: MIT
// Causal grouped-query attention over a KV cache whose keys are stored
// transposed per KV head ([kvHeads][headDim][capacity]): the scores of 16
// positions are then one 16-wide FMA per head dimension, with no horizontal
// sums, and the values ([capacity][kvDim]) are mixed 16 dimensions at a time.
// A query head's task: scores for positions 0..last, softmax (max subtracted,
// exponentials, sum in double), out = Σ_j (w_j / Σ w) v_j.
#include "core/engine/cpu/ops.h"
#include "core/engine/cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define DASH_X86 1
#define DASH_AVX2 __attribute__((target("avx2,fma")))
#define DASH_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#endif

namespace dash::cpu {

namespace {

// scores[j] = scale · Σ_d q[d] keys[d][j] for j < count.
void scoresScalar(const float* q, const float* keys, int64_t capacity, int64_t count,
                  int32_t headDim, float scale, float* scores) {
    for (int64_t j = 0; j < count; ++j) {
        float s = 0;
        for (int32_t d = 0; d < headDim; ++d)
            s += q[d] * keys[d * capacity + j];
        scores[j] = s * scale;
    }
}

// out[d] = Σ_j w[j] · values[j][d].
void mixScalar(const float* w, const float* values, int64_t stride, int64_t count, int32_t headDim,
               float* out) {
    std::fill(out, out + headDim, 0.0f);
    for (int64_t j = 0; j < count; ++j)
        if (w[j] != 0.0f)
            for (int32_t d = 0; d < headDim; ++d)
                out[d] += w[j] * values[j * stride + d];
}

#if DASH_X86

DASH_AVX2 void scoresAvx2(const float* q, const float* keys, int64_t capacity, int64_t count,
                          int32_t headDim, float scale, float* scores) {
    int64_t j = 0;
    for (; j + 32 <= count; j += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int32_t d = 0; d < headDim; ++d) {
            const float* k = keys + d * capacity + j;
            const __m256 qd = _mm256_set1_ps(q[d]);
            a0 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k), a0);
            a1 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 8), a1);
            a2 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 16), a2);
            a3 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 24), a3);
        }
        const __m256 s = _mm256_set1_ps(scale);
        _mm256_storeu_ps(scores + j, _mm256_mul_ps(a0, s));
        _mm256_storeu_ps(scores + j + 8, _mm256_mul_ps(a1, s));
        _mm256_storeu_ps(scores + j + 16, _mm256_mul_ps(a2, s));
        _mm256_storeu_ps(scores + j + 24, _mm256_mul_ps(a3, s));
    }
    for (; j + 8 <= count; j += 8) {
        __m256 a = _mm256_setzero_ps();
        for (int32_t d = 0; d < headDim; ++d)
            a = _mm256_fmadd_ps(_mm256_set1_ps(q[d]), _mm256_loadu_ps(keys + d * capacity + j), a);
        _mm256_storeu_ps(scores + j, _mm256_mul_ps(a, _mm256_set1_ps(scale)));
    }
    scoresScalar(q, keys + j, capacity, count - j, headDim, scale, scores + j);
}

DASH_AVX2 void mixAvx2(const float* w, const float* values, int64_t stride, int64_t count,
                       int32_t headDim, float* out) {
    int32_t d = 0;
    for (; d + 8 <= headDim; d += 8) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;
        int64_t j = 0;
        for (; j + 2 <= count; j += 2) {
            a0 =
                _mm256_fmadd_ps(_mm256_set1_ps(w[j]), _mm256_loadu_ps(values + j * stride + d), a0);
            a1 = _mm256_fmadd_ps(_mm256_set1_ps(w[j + 1]),
                                 _mm256_loadu_ps(values + (j + 1) * stride + d), a1);
        }
        if (j < count)
            a0 =
                _mm256_fmadd_ps(_mm256_set1_ps(w[j]), _mm256_loadu_ps(values + j * stride + d), a0);
        _mm256_storeu_ps(out + d, _mm256_add_ps(a0, a1));
    }
    for (; d < headDim; ++d) {
        float s = 0;
        for (int64_t j = 0; j < count; ++j)
            s += w[j] * values[j * stride + d];
        out[d] = s;
    }
}

DASH_AVX512 void scoresAvx512(const float* q, const float* keys, int64_t capacity, int64_t count,
                              int32_t headDim, float scale, float* scores) {
    const __m512 s = _mm512_set1_ps(scale);
    for (int64_t j = 0; j < count; j += 64) {
        // Four vectors of 16 positions; the last ones masked at the end.
        __mmask16 m[4];
        for (int v = 0; v < 4; ++v) {
            const int64_t left = std::clamp<int64_t>(count - j - 16 * v, 0, 16);
            m[v] = static_cast<__mmask16>((1u << left) - 1);
        }
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int32_t d = 0; d < headDim; ++d) {
            const float* k = keys + d * capacity + j;
            const __m512 qd = _mm512_set1_ps(q[d]);
            a0 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m[0], k), a0);
            a1 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m[1], k + 16), a1);
            a2 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m[2], k + 32), a2);
            a3 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m[3], k + 48), a3);
        }
        _mm512_mask_storeu_ps(scores + j, m[0], _mm512_mul_ps(a0, s));
        _mm512_mask_storeu_ps(scores + j + 16, m[1], _mm512_mul_ps(a1, s));
        _mm512_mask_storeu_ps(scores + j + 32, m[2], _mm512_mul_ps(a2, s));
        _mm512_mask_storeu_ps(scores + j + 48, m[3], _mm512_mul_ps(a3, s));
    }
}

// Up to 4 blocks of 16 dimensions in one pass over the positions: each block
// keeps its own two chains (even and odd positions, summed in the same order
// as one block at a time), so a short head has 2 x B independent FMA chains
// instead of 2.
template <int B>
DASH_AVX512 void mixBlocksAvx512(const float* w, const float* values, int64_t stride, int64_t count,
                                 int32_t headDim, int32_t d0, float* out) {
    __mmask16 m[B];
    __m512 a0[B], a1[B];
    for (int b = 0; b < B; ++b) {
        m[b] = static_cast<__mmask16>((1u << std::min(16, headDim - d0 - 16 * b)) - 1);
        a0[b] = _mm512_setzero_ps();
        a1[b] = _mm512_setzero_ps();
    }
    const float* v = values + d0;
    int64_t j = 0;
    for (; j + 2 <= count; j += 2) {
        const __m512 w0 = _mm512_set1_ps(w[j]), w1 = _mm512_set1_ps(w[j + 1]);
        for (int b = 0; b < B; ++b) {
            a0[b] =
                _mm512_fmadd_ps(w0, _mm512_maskz_loadu_ps(m[b], v + j * stride + 16 * b), a0[b]);
            a1[b] = _mm512_fmadd_ps(w1, _mm512_maskz_loadu_ps(m[b], v + (j + 1) * stride + 16 * b),
                                    a1[b]);
        }
    }
    if (j < count)
        for (int b = 0; b < B; ++b)
            a0[b] = _mm512_fmadd_ps(_mm512_set1_ps(w[j]),
                                    _mm512_maskz_loadu_ps(m[b], v + j * stride + 16 * b), a0[b]);
    for (int b = 0; b < B; ++b)
        _mm512_mask_storeu_ps(out + d0 + 16 * b, m[b], _mm512_add_ps(a0[b], a1[b]));
}

DASH_AVX512 void mixAvx512(const float* w, const float* values, int64_t stride, int64_t count,
                           int32_t headDim, float* out) {
    int32_t d = 0;
    for (; headDim - d > 48; d += 64)
        mixBlocksAvx512<4>(w, values, stride, count, headDim, d, out);
    if (headDim - d > 32)
        mixBlocksAvx512<3>(w, values, stride, count, headDim, d, out);
    else if (headDim - d > 16)
        mixBlocksAvx512<2>(w, values, stride, count, headDim, d, out);
    else if (headDim - d > 0)
        mixBlocksAvx512<1>(w, values, stride, count, headDim, d, out);
}
#endif

} // namespace

void attentionTransposed(const float* q, const float* keys, const float* values, int64_t capacity,
                         const int64_t* positions, int64_t n, int32_t heads, int32_t kvHeads,
                         int32_t headDim, const uint8_t* visible, float* out, ThreadPool& pool,
                         Isa isa) {
    const int32_t qDim = heads * headDim;
    const int32_t kvDim = kvHeads * headDim;
    const int32_t groupSize = heads / kvHeads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(headDim));
    const int64_t tasks = n * heads;
    int64_t span = 0;
    for (int64_t t = 0; t < n; ++t)
        span = std::max(span, positions[t] + 1);
    const int64_t work = tasks * span * headDim;

    auto run = [&](int64_t begin, int64_t end) {
        thread_local std::vector<float> weights;
        weights.resize(static_cast<size_t>(span));
        float* w = weights.data();
        for (int64_t task = begin; task < end; ++task) {
            const int64_t t = task / heads;
            const int32_t h = static_cast<int32_t>(task % heads);
            const int32_t kvh = h / groupSize;
            const float* qh = q + t * qDim + static_cast<int64_t>(h) * headDim;
            const float* kh = keys + static_cast<int64_t>(kvh) * headDim * capacity;
            const float* vh = values + static_cast<int64_t>(kvh) * headDim;
            float* oh = out + t * qDim + static_cast<int64_t>(h) * headDim;
            const int64_t count = positions[t] + 1;
#if DASH_X86
            if (hasLevel(isa, Isa::Avx512))
                scoresAvx512(qh, kh, capacity, count, headDim, scale, w);
            else if (hasLevel(isa, Isa::Avx2))
                scoresAvx2(qh, kh, capacity, count, headDim, scale, w);
            else
#endif
                scoresScalar(qh, kh, capacity, count, headDim, scale, w);
            // Masked positions hold -inf and come out of the exponential as 0.
            if (visible)
                for (int64_t j = 0; j + 1 < count; ++j)
                    if (!visible[j])
                        w[j] = -INFINITY;
            const float maxScore = *std::max_element(w, w + count);
            for (int64_t j = 0; j < count; ++j)
                w[j] -= maxScore;
            expInPlace(w, count, isa);
            double total = 0;
            for (int64_t j = 0; j < count; ++j)
                total += w[j];
            const auto inv = static_cast<float>(1.0 / total);
            for (int64_t j = 0; j < count; ++j)
                w[j] *= inv;
#if DASH_X86
            if (hasLevel(isa, Isa::Avx512))
                mixAvx512(w, vh, kvDim, count, headDim, oh);
            else if (hasLevel(isa, Isa::Avx2))
                mixAvx2(w, vh, kvDim, count, headDim, oh);
            else
#endif
                mixScalar(w, vh, kvDim, count, headDim, oh);
        }
    };
    if (work < (1 << 16))
        run(0, tasks);
    else
        pool.parallelFor(tasks, 1, run);
}

void attention(const float* q, const float* keys, const float* values, const int64_t* positions,
               int64_t n, int32_t heads, int32_t kvHeads, int32_t headDim, const uint8_t* visible,
               float* out, ThreadPool& pool, Isa isa) {
    int64_t rows = 0;
    for (int64_t t = 0; t < n; ++t)
        rows = std::max(rows, positions[t] + 1);
    const int32_t kvDim = kvHeads * headDim;
    std::vector<float> transposed(static_cast<size_t>(rows) * kvDim);
    for (int64_t j = 0; j < rows; ++j)
        for (int32_t c = 0; c < kvDim; ++c)
            transposed[static_cast<size_t>(c) * rows + j] = keys[j * kvDim + c];
    attentionTransposed(q, transposed.data(), values, rows, positions, n, heads, kvHeads, headDim,
                        visible, out, pool, isa);
}

} // namespace dash::cpu
