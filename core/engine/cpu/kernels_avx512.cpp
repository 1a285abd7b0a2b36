// SPDX-License-Identifier: MIT
// AVX-512 F/BW/VL/DQ kernels: activation quantisation, float matrices (F32,
// F16, BF16) and tiled integer matrices through vpmaddubsw.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports the deliberately undefined vectors of its own AVX-512
// intrinsics (_mm512_undefined_*) as uninitialised where they are inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>

#define DASH_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

namespace dash::cpu {

// ---------------------------------------------------------------------------
// Activations: per block of 32, two vectors of 16 floats.

DASH_TARGET void quantizeActivationsAvx512(const float* x, int64_t n, int32_t cols,
                                           QuantizedActivations& out) {
    prepareActivations(out, n, cols);
    const int32_t blocks = cols / 32;
    const __m512 absMask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t b = 0; b < blocks; ++b) {
            const float* src = x + t * cols + b * 32;
            const __m512 v0 = _mm512_loadu_ps(src);
            const __m512 v1 = _mm512_loadu_ps(src + 16);
            const float amax = _mm512_reduce_max_ps(
                _mm512_max_ps(_mm512_and_ps(v0, absMask), _mm512_and_ps(v1, absMask)));
            const float d = amax / 127.0f;
            const __m512 inv = _mm512_set1_ps(d > 0 ? 1.0f / d : 0.0f);
            // Round to nearest even, as std::nearbyint in the default mode.
            const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv));
            const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
            int8_t* dst = out.q.data() + t * cols + b * 32;
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(q0));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), _mm512_cvtepi32_epi8(q1));
            const int32_t s0 = _mm512_reduce_add_epi32(q0);
            const int32_t s1 = _mm512_reduce_add_epi32(q1);
            const size_t i = static_cast<size_t>(t) * blocks + b;
            out.d[i] = d;
            out.sum[i] = s0 + s1;
            out.sum16[2 * i] = s0;
            out.sum16[2 * i + 1] = s1;
            out.dsum[i] = d * static_cast<float>(s0 + s1);
        }
    }
}

// ---------------------------------------------------------------------------
// Float matrices

namespace {

// 16 consecutive weights of a float matrix row as float32 (count < 16: the
// rest zero).
template <MatrixType Type>
DASH_TARGET inline __m512 loadWeights(const uint8_t* row, int32_t k, int32_t count = 16) {
    const __mmask16 m =
        count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1);
    if constexpr (Type == MatrixType::F32) {
        return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + k);
    } else if constexpr (Type == MatrixType::F16) {
        return _mm512_cvtph_ps(
            _mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + k));
    } else { // BF16: the upper half of a float32
        return _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(
                                  m, reinterpret_cast<const uint16_t*>(row) + k)),
                              16));
    }
}

template <MatrixType Type>
constexpr size_t kElementBytes = Type == MatrixType::F32 ? 4 : 2;

// The sums of four vectors' lanes: [Σ a, Σ b, Σ c, Σ d].
DASH_TARGET inline __m128 reduceFour(__m512 a, __m512 b, __m512 c, __m512 d) {
    auto fold = [](__m512 v) DASH_TARGET {
        const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
        return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    };
    return _mm_hadd_ps(_mm_hadd_ps(fold(a), fold(b)), _mm_hadd_ps(fold(c), fold(d)));
}

// Few tokens (decode): rows straight from the matrix, one after the other,
// vectors along the columns. Each row is read to its end before the next
// starts, so a thread's share of the matrix is one sequential stream that the
// hardware prefetcher follows; interleaving four rows (four streams 1 row
// apart, three of them restarting cold every four rows) ran at well under
// half the bandwidth. U accumulators per token hide the FMA latency; the sums
// of four rows are reduced together.
template <MatrixType Type, int T>
DASH_TARGET void rowsDirect(const Matrix& w, const float* x, float* y, int64_t t0, int32_t r0,
                            int32_t r1) {
    constexpr int U = T == 1 ? 4 : 2;
    constexpr int32_t kStep = 16 * U;
    const int32_t cols = w.cols;
    const size_t rowBytes = static_cast<size_t>(cols) * kElementBytes<Type>;
    const int32_t kMain = cols / kStep * kStep;
    const int32_t k16 = cols / 16 * 16;
    const int32_t left = cols - k16;
    const __mmask16 tail = static_cast<__mmask16>((1u << left) - 1);
    const float* xt[T];
#pragma GCC unroll 4
    for (int j = 0; j < T; ++j)
        xt[j] = x + (t0 + j) * cols;
    for (int32_t r = r0; r < r1; r += 4) {
        const int valid = std::min(4, r1 - r);
        __m512 sums[T][4];
        for (int i = 0; i < 4; ++i) {
            if (i >= valid) {
#pragma GCC unroll 4
                for (int j = 0; j < T; ++j)
                    sums[j][i] = _mm512_setzero_ps();
                continue;
            }
            const uint8_t* row = w.data + static_cast<size_t>(r + i) * rowBytes;
            __m512 acc[T][U];
#pragma GCC unroll 4
            for (int j = 0; j < T; ++j)
#pragma GCC unroll 4
                for (int u = 0; u < U; ++u)
                    acc[j][u] = _mm512_setzero_ps();
            for (int32_t k = 0; k < kMain; k += kStep) {
                prefetchLines(row + static_cast<size_t>(k) * kElementBytes<Type> +
                                  kStreamPrefetchBytes,
                              kStep * kElementBytes<Type>);
#pragma GCC unroll 4
                for (int u = 0; u < U; ++u) {
                    const __m512 wv = loadWeights<Type>(row, k + 16 * u);
#pragma GCC unroll 4
                    for (int j = 0; j < T; ++j)
                        acc[j][u] =
                            _mm512_fmadd_ps(wv, _mm512_loadu_ps(xt[j] + k + 16 * u), acc[j][u]);
                }
            }
            for (int32_t k = kMain; k < k16; k += 16) {
                const __m512 wv = loadWeights<Type>(row, k);
#pragma GCC unroll 4
                for (int j = 0; j < T; ++j)
                    acc[j][0] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xt[j] + k), acc[j][0]);
            }
            if (left > 0) {
                const __m512 wv = loadWeights<Type>(row, k16, left);
#pragma GCC unroll 4
                for (int j = 0; j < T; ++j)
                    acc[j][0] =
                        _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(tail, xt[j] + k16), acc[j][0]);
            }
#pragma GCC unroll 4
            for (int j = 0; j < T; ++j) {
                __m512 s = acc[j][0];
#pragma GCC unroll 4
                for (int u = 1; u < U; ++u)
                    s = _mm512_add_ps(s, acc[j][u]);
                sums[j][i] = s;
            }
        }
#pragma GCC unroll 4
        for (int j = 0; j < T; ++j) {
            float out[4];
            _mm_storeu_ps(out, reduceFour(sums[j][0], sums[j][1], sums[j][2], sums[j][3]));
            for (int i = 0; i < valid; ++i)
                y[(t0 + j) * w.rows + r + i] = out[i];
        }
    }
}

// Transposes 16 vectors of 16 floats in place: v[i][j] <- v[j][i].
DASH_TARGET inline void transpose16(__m512 v[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        v[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        v[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        v[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        v[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    // v[4b + c] now holds, in each 128-bit lane L, the 4 values of rows 4b..4b+3
    // at column 4L + c'; gather lanes across the four groups.
    for (int i = 0; i < 4; ++i) {
        t[i] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; ++i) {
        v[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        v[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        v[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        v[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

// Rows r..r+15 (fewer at the end: zero rows) as packed[k][16] float32.
template <MatrixType Type>
DASH_TARGET void packTile(const Matrix& w, int32_t r, float* packed) {
    const int32_t cols = w.cols;
    const size_t rowBytes = static_cast<size_t>(cols) * kElementBytes<Type>;
    const int valid = std::min(16, w.rows - r);
    for (int32_t k = 0; k < cols; k += 16) {
        const int32_t count = std::min(16, cols - k);
        __m512 v[16];
        for (int i = 0; i < 16; ++i)
            v[i] = i < valid
                       ? loadWeights<Type>(w.data + static_cast<size_t>(r + i) * rowBytes, k, count)
                       : _mm512_setzero_ps();
        transpose16(v);
        for (int j = 0; j < count; ++j)
            _mm512_storeu_ps(packed + static_cast<size_t>(k + j) * 16, v[j]);
    }
}

constexpr int kPackedTokens = 12;

// MR tokens against a packed tile of 16 rows: one zmm accumulator per token,
// each step one weight vector and MR broadcast activations, read from the
// token panel xp[k][kPackedTokens] at constant offsets.
template <int MR>
DASH_TARGET void packedTokens(const float* packed, int32_t cols, const float* xp, int64_t t0,
                              float* y, int32_t yStride, int32_t r, int valid) {
    __m512 acc[MR];
#pragma GCC unroll 16
    for (int j = 0; j < MR; ++j)
        acc[j] = _mm512_setzero_ps();
    for (int32_t k = 0; k < cols; ++k, xp += kPackedTokens) {
        const __m512 wv = _mm512_loadu_ps(packed + static_cast<size_t>(k) * 16);
#pragma GCC unroll 16
        for (int j = 0; j < MR; ++j)
            acc[j] = _mm512_fmadd_ps(wv, _mm512_set1_ps(xp[j]), acc[j]);
    }
    const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1);
#pragma GCC unroll 16
    for (int j = 0; j < MR; ++j)
        _mm512_mask_storeu_ps(y + (t0 + j) * yStride + r, mask, acc[j]);
}

template <int MR>
DASH_TARGET void packedTail(const float* packed, int32_t cols, const float* xp, int64_t t0,
                            int64_t left, float* y, int32_t yStride, int32_t r, int valid) {
    if constexpr (MR > 0) {
        if (left == MR)
            packedTokens<MR>(packed, cols, xp, t0, y, yStride, r, valid);
        else
            packedTail<MR - 1>(packed, cols, xp, t0, left, y, yStride, r, valid);
    }
}

} // namespace

namespace {

template <MatrixType Type>
DASH_TARGET void floatRows(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0,
                           int32_t r1) {
    if (n < 4) {
        int64_t t = 0;
        for (; t + 2 <= n; t += 2)
            rowsDirect<Type, 2>(w, x, y, t, r0, r1);
        if (t < n)
            rowsDirect<Type, 1>(w, x, y, t, r0, r1);
        return;
    }
    // Batches: each tile of 16 rows is converted and transposed once into a
    // float32 panel [cols][16] and multiplied by every token; the tokens are
    // transposed once per call into groups of 12, [group][cols][12].
    const int32_t cols = w.cols;
    const int64_t groups = (n + kPackedTokens - 1) / kPackedTokens;
    thread_local std::vector<float> panel, tokens;
    panel.resize(static_cast<size_t>(cols) * 16);
    tokens.assign(static_cast<size_t>(groups) * cols * kPackedTokens, 0.0f);
    for (int64_t t = 0; t < n; ++t) {
        float* dst = tokens.data() + static_cast<size_t>(t / kPackedTokens) * cols * kPackedTokens +
                     t % kPackedTokens;
        const float* src = x + t * cols;
        for (int32_t k = 0; k < cols; ++k)
            dst[static_cast<size_t>(k) * kPackedTokens] = src[k];
    }
    for (int32_t r = r0; r < r1; r += 16) {
        const int valid = std::min(16, r1 - r);
        packTile<Type>(w, r, panel.data());
        for (int64_t g = 0; g < groups; ++g) {
            const float* xp = tokens.data() + static_cast<size_t>(g) * cols * kPackedTokens;
            const int64_t t = g * kPackedTokens;
            if (t + kPackedTokens <= n)
                packedTokens<kPackedTokens>(panel.data(), cols, xp, t, y, w.rows, r, valid);
            else
                packedTail<kPackedTokens - 1>(panel.data(), cols, xp, t, n - t, y, w.rows, r,
                                              valid);
        }
    }
}

} // namespace

DASH_TARGET void floatRowsAvx512(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0,
                                 int32_t r1) {
    switch (w.type) {
    case MatrixType::F32:
        return floatRows<MatrixType::F32>(w, x, n, y, r0, r1);
    case MatrixType::F16:
        return floatRows<MatrixType::F16>(w, x, n, y, r0, r1);
    case MatrixType::BF16:
        return floatRows<MatrixType::BF16>(w, x, n, y, r0, r1);
    default:
        return;
    }
}

// ---------------------------------------------------------------------------
// Tiled integer matrices

#define DASH_VNNI 0
#define DASH_TILED_ENTRY tiledAvx512
#include "core/engine/cpu/kernels_avx512_tiled.inc"

} // namespace dash::cpu
