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
#include <type_traits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define DASH_X86 1
#define DASH_AVX2 __attribute__((target("avx2,fma")))
#define DASH_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
// The loops over heads, blocks and vectors below have 1 to 4 steps and index
// arrays of accumulators: unrolled in full, the accumulators stay in
// registers (left as loops, GCC keeps them on the stack, and every FMA waits
// for a store and a load).
#define DASH_UNROLL _Pragma("GCC unroll 4")
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

// G query heads that share one K/V head in one pass over the keys: each key
// vector is loaded once for the G heads, and each head keeps its own
// accumulators in the order of a single-head pass (the same sums, bit for
// bit), so G heads (up to four) give G times the independent FMA chains of
// one. A block is V = 4 vectors of 16 positions: with four heads, 16
// accumulators.
template <int G>
DASH_AVX512 void scoresAvx512(const float* const* q, const float* keys, int64_t capacity,
                              int64_t count, int32_t headDim, float scale, float* const* scores) {
    static_assert(G >= 1 && G <= 4);
    constexpr int V = 4;
    constexpr int64_t kBlock = 16 * V;
    const __m512 s = _mm512_set1_ps(scale);
    for (int64_t j = 0; j < count; j += kBlock) {
        // The last vectors masked at the end.
        __mmask16 m[V];
        DASH_UNROLL
        for (int v = 0; v < V; ++v) {
            const int64_t left = std::clamp<int64_t>(count - j - 16 * v, 0, 16);
            m[v] = static_cast<__mmask16>((1u << left) - 1);
        }
        __m512 a[G][V];
        DASH_UNROLL
        for (int g = 0; g < G; ++g) {
            DASH_UNROLL
            for (int v = 0; v < V; ++v)
                a[g][v] = _mm512_setzero_ps();
        }
        // Each key component is a row of its own: at long contexts more
        // streams than the hardware prefetcher follows, so the next block's
        // lines (those below count) are asked for while this one is summed.
        const auto ahead =
            static_cast<int>(std::clamp<int64_t>((count - j - kBlock + 15) / 16, 0, V));
        for (int32_t d = 0; d < headDim; ++d) {
            const float* k = keys + d * capacity + j;
            for (int v = 0; v < ahead; ++v)
                _mm_prefetch(reinterpret_cast<const char*>(k + kBlock + 16 * v), _MM_HINT_T0);
            __m512 kv[V];
            DASH_UNROLL
            for (int v = 0; v < V; ++v)
                kv[v] = _mm512_maskz_loadu_ps(m[v], k + 16 * v);
            DASH_UNROLL
            for (int g = 0; g < G; ++g) {
                const __m512 qd = _mm512_set1_ps(q[g][d]);
                DASH_UNROLL
                for (int v = 0; v < V; ++v)
                    a[g][v] = _mm512_fmadd_ps(qd, kv[v], a[g][v]);
            }
        }
        DASH_UNROLL
        for (int g = 0; g < G; ++g) {
            DASH_UNROLL
            for (int v = 0; v < V; ++v)
                _mm512_mask_storeu_ps(scores[g] + j + 16 * v, m[v], _mm512_mul_ps(a[g][v], s));
        }
    }
}

// Up to 4 blocks of 16 dimensions in one pass over the positions: each block
// keeps its own two chains (even and odd positions, summed in the same order
// as one block at a time), so a short head has 2 x B independent FMA chains
// instead of 2; G heads sharing the values read each value vector once.
template <int B, int G>
DASH_AVX512 void mixBlocksAvx512(const float* const* w, const float* values, int64_t stride,
                                 int64_t count, int32_t headDim, int32_t d0, float* const* out) {
    __mmask16 m[B];
    __m512 a0[G][B], a1[G][B];
    DASH_UNROLL
    for (int b = 0; b < B; ++b) {
        m[b] = static_cast<__mmask16>((1u << std::min(16, headDim - d0 - 16 * b)) - 1);
        DASH_UNROLL
        for (int g = 0; g < G; ++g) {
            a0[g][b] = _mm512_setzero_ps();
            a1[g][b] = _mm512_setzero_ps();
        }
    }
    const float* v = values + d0;
    int64_t j = 0;
    for (; j + 2 <= count; j += 2) {
        DASH_UNROLL
        for (int b = 0; b < B; ++b) {
            const __m512 v0 = _mm512_maskz_loadu_ps(m[b], v + j * stride + 16 * b);
            const __m512 v1 = _mm512_maskz_loadu_ps(m[b], v + (j + 1) * stride + 16 * b);
            DASH_UNROLL
            for (int g = 0; g < G; ++g) {
                a0[g][b] = _mm512_fmadd_ps(_mm512_set1_ps(w[g][j]), v0, a0[g][b]);
                a1[g][b] = _mm512_fmadd_ps(_mm512_set1_ps(w[g][j + 1]), v1, a1[g][b]);
            }
        }
    }
    if (j < count) {
        DASH_UNROLL
        for (int b = 0; b < B; ++b) {
            const __m512 v0 = _mm512_maskz_loadu_ps(m[b], v + j * stride + 16 * b);
            DASH_UNROLL
            for (int g = 0; g < G; ++g)
                a0[g][b] = _mm512_fmadd_ps(_mm512_set1_ps(w[g][j]), v0, a0[g][b]);
        }
    }
    DASH_UNROLL
    for (int g = 0; g < G; ++g) {
        DASH_UNROLL
        for (int b = 0; b < B; ++b)
            _mm512_mask_storeu_ps(out[g] + d0 + 16 * b, m[b], _mm512_add_ps(a0[g][b], a1[g][b]));
    }
}

template <int G>
DASH_AVX512 void mixAvx512(const float* const* w, const float* values, int64_t stride,
                           int64_t count, int32_t headDim, float* const* out) {
    int32_t d = 0;
    for (; headDim - d > 48; d += 64)
        mixBlocksAvx512<4, G>(w, values, stride, count, headDim, d, out);
    if (headDim - d > 32)
        mixBlocksAvx512<3, G>(w, values, stride, count, headDim, d, out);
    else if (headDim - d > 16)
        mixBlocksAvx512<2, G>(w, values, stride, count, headDim, d, out);
    else if (headDim - d > 0)
        mixBlocksAvx512<1, G>(w, values, stride, count, headDim, d, out);
}

// Calls f(std::integral_constant<int, g>) for g in 1..4.
template <typename F>
void withGroup(int32_t g, F&& f) {
    switch (g) {
    case 4:
        f(std::integral_constant<int, 4>{});
        break;
    case 3:
        f(std::integral_constant<int, 3>{});
        break;
    case 2:
        f(std::integral_constant<int, 2>{});
        break;
    default:
        f(std::integral_constant<int, 1>{});
        break;
    }
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
#if DASH_X86
    const bool avx512 = hasLevel(isa, Isa::Avx512);
#endif
    const int64_t tasks = n * heads;
    int64_t span = 0;
    for (int64_t t = 0; t < n; ++t)
        span = std::max(span, positions[t] + 1);
    const int64_t work = n * heads * span * headDim;

    // A token's query heads go in chunks of up to kRows: scores for the chunk,
    // its softmaxes in one lockstep pass, then its mixes. On AVX-512 the heads
    // of a chunk that share a K/V head read its keys in one pass and its
    // values in passes of two.
    constexpr int32_t kRows = 4;
    auto run = [&](int64_t begin, int64_t end) {
        thread_local std::vector<float> weights;
        weights.resize(static_cast<size_t>(span * kRows));
        for (int64_t first = begin; first < end;) {
            const int64_t t = first / heads;
            const auto h0 = static_cast<int32_t>(first % heads);
            int64_t last = std::min({end, (t + 1) * heads, first + kRows});
            // Where the chunk can end on a K/V group's boundary, it does, so
            // that on AVX-512 a group's heads share one pass.
            if (const int32_t boundary = (h0 + kRows) / groupSize * groupSize; boundary > h0)
                last = std::min(last, t * heads + boundary);
            const int64_t count = positions[t] + 1;
            const float* qh[kRows];
            float* oh[kRows];
            float* w[kRows];
            const auto rows = static_cast<int32_t>(last - first);
            for (int32_t r = 0; r < rows; ++r) {
                qh[r] = q + t * qDim + static_cast<int64_t>(h0 + r) * headDim;
                oh[r] = out + t * qDim + static_cast<int64_t>(h0 + r) * headDim;
                w[r] = weights.data() + r * span;
            }
            // The chunk's rows r.. that share row r's K/V head.
            auto sharing = [&](int32_t r) {
                return std::min(rows - r, ((h0 + r) / groupSize + 1) * groupSize - (h0 + r));
            };
            for (int32_t r = 0; r < rows;) {
                const int32_t kvh = (h0 + r) / groupSize;
                const float* kh = keys + static_cast<int64_t>(kvh) * headDim * capacity;
#if DASH_X86
                if (avx512) {
                    const int32_t g = sharing(r);
                    withGroup(g, [&](auto G) {
                        scoresAvx512<G()>(qh + r, kh, capacity, count, headDim, scale, w + r);
                    });
                    r += g;
                    continue;
                }
                if (hasLevel(isa, Isa::Avx2))
                    scoresAvx2(qh[r], kh, capacity, count, headDim, scale, w[r]);
                else
#endif
                    scoresScalar(qh[r], kh, capacity, count, headDim, scale, w[r]);
                ++r;
            }
            // Masked positions hold -inf and come out of the exponential as 0.
            if (visible)
                for (int32_t r = 0; r < rows; ++r)
                    for (int64_t j = 0; j + 1 < count; ++j)
                        if (!visible[j])
                            w[r][j] = -INFINITY;
            softmaxRows(w, rows, count, isa);
            for (int32_t r = 0; r < rows;) {
                const int32_t kvh = (h0 + r) / groupSize;
                const float* vh = values + static_cast<int64_t>(kvh) * headDim;
#if DASH_X86
                if (avx512) {
                    if (sharing(r) >= 2) {
                        mixAvx512<2>(w + r, vh, kvDim, count, headDim, oh + r);
                        r += 2;
                    } else {
                        mixAvx512<1>(w + r, vh, kvDim, count, headDim, oh + r);
                        ++r;
                    }
                    continue;
                }
                if (hasLevel(isa, Isa::Avx2))
                    mixAvx2(w[r], vh, kvDim, count, headDim, oh[r]);
                else
#endif
                    mixScalar(w[r], vh, kvDim, count, headDim, oh[r]);
                ++r;
            }
            first = last;
        }
    };
    // Chunks of whole K/V groups where there are enough for every thread, so
    // that one core reads each K/V head; else as many heads as give each
    // thread a chunk.
    if (work < (1 << 16))
        run(0, tasks);
    else
        pool.parallelFor(tasks, std::clamp<int64_t>(tasks / pool.size(), 1, groupSize), run);
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
