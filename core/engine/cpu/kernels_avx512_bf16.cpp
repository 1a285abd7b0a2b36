// SPDX-License-Identifier: MIT
// AVX-512 BF16 kernels: BF16 weights multiplied as they are stored, with
// vdpbf16ps (two bfloat16 products per float32 lane, summed in float32). The
// activations are rounded to bfloat16 (to nearest even) once per call: a
// relative change of at most 2^-8 per value, the price of the instruction.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports the deliberately undefined vectors of its own AVX-512
// intrinsics (_mm512_undefined_*) as uninitialised where they are inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/engine/cpu/kernels.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>
#include <vector>

#define DASH_TARGET                                                                                \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma,f16c")))

namespace dash::cpu {

namespace {

// R weight rows against T tokens; vectors of 32 columns, one accumulator per
// (row, token) reduced at the end.
template <int R, int T>
DASH_TARGET void bf16Rows(const Matrix& w, const uint16_t* xb, float* y, int64_t t0, int32_t r) {
    const int32_t cols = w.cols;
    const auto* base = reinterpret_cast<const uint16_t*>(w.data);
    const uint16_t* rows[R];
    for (int i = 0; i < R; ++i)
        rows[i] = base + static_cast<size_t>(r + i) * cols;
    __m512 acc[R][T];
    for (auto& ar : acc)
        for (auto& v : ar)
            v = _mm512_setzero_ps();
    for (int32_t k = 0; k < cols; k += 32) {
        const int32_t left = std::min(32, cols - k);
        const __mmask32 m = left == 32 ? 0xFFFFFFFFu : (1u << left) - 1;
        __m512bh xv[T];
        for (int j = 0; j < T; ++j)
            xv[j] =
                reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, xb + (t0 + j) * cols + k));
        for (int i = 0; i < R; ++i) {
            const __m512bh wv =
                reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, rows[i] + k));
            for (int j = 0; j < T; ++j)
                acc[i][j] = _mm512_dpbf16_ps(acc[i][j], wv, xv[j]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < T; ++j)
            y[(t0 + j) * w.rows + r + i] = _mm512_reduce_add_ps(acc[i][j]);
}

// One row against T tokens (decode), U accumulators per token to hide the
// latency of vdpbf16ps. Rows are read one after the other so that a thread's
// rows form one sequential stream for the hardware prefetcher (see
// rowsDirect in kernels_avx512.cpp).
template <int T>
DASH_TARGET void bf16Row(const Matrix& w, const uint16_t* xb, float* y, int64_t t0, int32_t r) {
    constexpr int U = T == 1 ? 4 : 2;
    const int32_t cols = w.cols;
    const uint16_t* row = reinterpret_cast<const uint16_t*>(w.data) + static_cast<size_t>(r) * cols;
    __m512 acc[T][U];
    for (auto& a : acc)
        for (auto& v : a)
            v = _mm512_setzero_ps();
    const int32_t kMain = cols / (32 * U) * (32 * U);
    for (int32_t k = 0; k < kMain; k += 32 * U) {
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u) {
            const __m512bh wv = reinterpret_cast<__m512bh>(
                _mm512_loadu_si512(reinterpret_cast<const void*>(row + k + 32 * u)));
#pragma GCC unroll 4
            for (int j = 0; j < T; ++j)
                acc[j][u] = _mm512_dpbf16_ps(
                    acc[j][u], wv,
                    reinterpret_cast<__m512bh>(_mm512_loadu_si512(
                        reinterpret_cast<const void*>(xb + (t0 + j) * cols + k + 32 * u))));
        }
    }
    for (int32_t k = kMain; k < cols; k += 32) {
        const int32_t left = std::min(32, cols - k);
        const __mmask32 m = left == 32 ? 0xFFFFFFFFu : (1u << left) - 1;
        const __m512bh wv = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, row + k));
#pragma GCC unroll 4
        for (int j = 0; j < T; ++j)
            acc[j][0] = _mm512_dpbf16_ps(
                acc[j][0], wv,
                reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, xb + (t0 + j) * cols + k)));
    }
#pragma GCC unroll 4
    for (int j = 0; j < T; ++j) {
        __m512 s = acc[j][0];
        for (int u = 1; u < U; ++u)
            s = _mm512_add_ps(s, acc[j][u]);
        y[(t0 + j) * w.rows + r] = _mm512_reduce_add_ps(s);
    }
}

// Batches (T = 4): four rows at a time share each token vector.
template <int T>
DASH_TARGET void bf16AllRows(const Matrix& w, const uint16_t* xb, float* y, int64_t t0, int32_t r0,
                             int32_t r1) {
    int32_t r = r0;
    if constexpr (T >= 4) {
        for (; r + 4 <= r1; r += 4)
            bf16Rows<4, T>(w, xb, y, t0, r);
        for (; r < r1; ++r)
            bf16Rows<1, T>(w, xb, y, t0, r);
    } else {
        for (; r < r1; ++r)
            bf16Row<T>(w, xb, y, t0, r);
    }
}

} // namespace

DASH_TARGET void bf16RowsAvx512Bf16(const Matrix& w, const float* x, int64_t n, float* y,
                                    int32_t r0, int32_t r1) {
    const size_t count = static_cast<size_t>(n) * w.cols;
    thread_local std::vector<uint16_t> xb;
    xb.resize(count);
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
        _mm512_storeu_si512(xb.data() + i, reinterpret_cast<__m512i>(v));
    }
    for (; i < count; ++i) {
        const __m256bh v = _mm512_cvtneps_pbh(_mm512_set1_ps(x[i]));
        uint16_t lanes[16];
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), reinterpret_cast<__m256i>(v));
        xb[i] = lanes[0];
    }
    int64_t t = 0;
    for (; t + 4 <= n; t += 4)
        bf16AllRows<4>(w, xb.data(), y, t, r0, r1);
    for (; t + 2 <= n; t += 2)
        bf16AllRows<2>(w, xb.data(), y, t, r0, r1);
    for (; t < n; ++t)
        bf16AllRows<1>(w, xb.data(), y, t, r0, r1);
}

} // namespace dash::cpu
