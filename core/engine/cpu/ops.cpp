// SPDX-License-Identifier: MIT
#include "core/engine/cpu/ops.h"

#include "core/engine/cpu/thread_pool.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#define DASH_X86 1
#define DASH_AVX2 __attribute__((target("avx2,fma")))
#define DASH_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
// Loops over the rows of a lockstep kernel (1 to 4): unrolled, their
// accumulators stay in registers.
#define DASH_UNROLL_ROWS _Pragma("GCC unroll 4")
#endif

namespace dash::cpu {

namespace {

#if DASH_X86
DASH_AVX2 float dotAvx2(const float* a, const float* b, int32_t count) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int32_t k = 0;
    for (; k + 16 <= count; k += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), acc1);
    }
    for (; k + 8 <= count; k += 8)
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), acc0);
    acc0 = _mm256_add_ps(acc0, acc1);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc0), _mm256_extractf128_ps(acc0, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s);
    for (; k < count; ++k)
        sum += a[k] * b[k];
    return sum;
}

// e^x in eight lanes: x = n·ln2 + r with |r| <= ln2/2, e^r from its Taylor
// polynomial of degree 7 (truncation below 6e-9 relative on that interval),
// and 2^n written into the exponent bits. Inputs below -87.3 give 0 (also -inf),
// inputs above 88.7 are clamped to it (a finite result near FLT_MAX).
DASH_AVX2 inline __m256 expAvx2(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.3f);
    const __m256 underflow = _mm256_cmp_ps(x, low, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, low), _mm256_set1_ps(88.7f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // ln 2 split in two so that n · ln2_hi is exact.
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-6f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // 2^n: n is in [-126, 128]; 2^128 is split as 2 · 2^127 so the bits stay valid.
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i top = _mm256_cmpeq_epi32(ni, _mm256_set1_epi32(128));
    const __m256i e = _mm256_sub_epi32(ni, _mm256_and_si256(top, _mm256_set1_epi32(1)));
    const __m256 scale =
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
    p = _mm256_mul_ps(p, scale);
    p = _mm256_blendv_ps(p, _mm256_add_ps(p, p), _mm256_castsi256_ps(top));
    return _mm256_andnot_ps(underflow, p);
}

DASH_AVX2 void expInPlaceAvx2(float* x, int64_t count) {
    int64_t k = 0;
    for (; k + 8 <= count; k += 8)
        _mm256_storeu_ps(x + k, expAvx2(_mm256_loadu_ps(x + k)));
    if (k < count) {
        float tail[8];
        for (int i = 0; i < 8; ++i)
            tail[i] = k + i < count ? x[k + i] : 0.0f;
        _mm256_storeu_ps(tail, expAvx2(_mm256_loadu_ps(tail)));
        for (int64_t i = 0; k + i < count; ++i)
            x[k + i] = tail[i];
    }
}

DASH_AVX2 void swigluAvx2(float* a, const float* b, int64_t count) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 g = _mm256_loadu_ps(a + i);
        const __m256 sigmoidDenominator = _mm256_add_ps(one, expAvx2(_mm256_xor_ps(g, sign)));
        _mm256_storeu_ps(
            a + i, _mm256_mul_ps(_mm256_div_ps(g, sigmoidDenominator), _mm256_loadu_ps(b + i)));
    }
    for (; i < count; ++i)
        a[i] = a[i] / (1.0f + std::exp(-a[i])) * b[i];
}

// Sum of squares of x[0..dim) in double: each group of eight floats is
// widened to two vectors of four doubles, four accumulators in flight.
DASH_AVX2 double sumSquaresAvx2(const float* x, int32_t dim) {
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    __m256d acc2 = _mm256_setzero_pd(), acc3 = _mm256_setzero_pd();
    int32_t k = 0;
    for (; k + 16 <= dim; k += 16) {
        const __m256 a = _mm256_loadu_ps(x + k), b = _mm256_loadu_ps(x + k + 8);
        const __m256d a0 = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
        const __m256d a1 = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
        const __m256d b0 = _mm256_cvtps_pd(_mm256_castps256_ps128(b));
        const __m256d b1 = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
        acc0 = _mm256_fmadd_pd(a0, a0, acc0);
        acc1 = _mm256_fmadd_pd(a1, a1, acc1);
        acc2 = _mm256_fmadd_pd(b0, b0, acc2);
        acc3 = _mm256_fmadd_pd(b1, b1, acc3);
    }
    acc0 = _mm256_add_pd(_mm256_add_pd(acc0, acc1), _mm256_add_pd(acc2, acc3));
    alignas(32) double lanes[4];
    _mm256_store_pd(lanes, acc0);
    double ss = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; k < dim; ++k)
        ss += static_cast<double>(x[k]) * x[k];
    return ss;
}

DASH_AVX2 void scaleByWeightAvx2(const float* x, const float* weight, float scale, int32_t dim,
                                 float* out) {
    const __m256 s = _mm256_set1_ps(scale);
    int32_t k = 0;
    // (x · scale) · weight, in the order of the scalar loop.
    for (; k + 8 <= dim; k += 8)
        _mm256_storeu_ps(out + k, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + k), s),
                                                _mm256_loadu_ps(weight + k)));
    for (; k < dim; ++k)
        out[k] = x[k] * scale * weight[k];
}

// p[0..8) = e^(p - m), its eight values added to the double sums.
DASH_AVX2 inline void expBlockAvx2(float* p, __m256 m, __m256d& sum0, __m256d& sum1) {
    const __m256 e = expAvx2(_mm256_sub_ps(_mm256_loadu_ps(p), m));
    _mm256_storeu_ps(p, e);
    sum0 = _mm256_add_pd(sum0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    sum1 = _mm256_add_pd(sum1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
}

DASH_AVX2 void softmaxAvx2(float* x, int64_t count) {
    __m256 mv = _mm256_set1_ps(-INFINITY);
    int64_t k = 0;
    for (; k + 8 <= count; k += 8)
        mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + k));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, mv);
    float maxValue = lanes[0];
    for (int i = 1; i < 8; ++i)
        maxValue = std::max(maxValue, lanes[i]);
    for (int64_t i = k; i < count; ++i)
        maxValue = std::max(maxValue, x[i]);

    // e^(x - max) stored, its sum widened to double; the tail padded with
    // -inf, whose exponential is 0.
    const __m256 m = _mm256_set1_ps(maxValue);
    __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
    for (k = 0; k + 8 <= count; k += 8)
        expBlockAvx2(x + k, m, sum0, sum1);
    if (k < count) {
        float tail[8];
        for (int i = 0; i < 8; ++i)
            tail[i] = k + i < count ? x[k + i] : -INFINITY;
        expBlockAvx2(tail, m, sum0, sum1);
        for (int64_t i = 0; k + i < count; ++i)
            x[k + i] = tail[i];
    }
    alignas(32) double sums[4];
    _mm256_store_pd(sums, _mm256_add_pd(sum0, sum1));
    const auto inv = static_cast<float>(1.0 / ((sums[0] + sums[1]) + (sums[2] + sums[3])));
    const __m256 iv = _mm256_set1_ps(inv);
    for (k = 0; k + 8 <= count; k += 8)
        _mm256_storeu_ps(x + k, _mm256_mul_ps(_mm256_loadu_ps(x + k), iv));
    for (; k < count; ++k)
        x[k] *= inv;
}

// expAvx2 in sixteen lanes: the same operations in the same order, so every
// lane's result is the same bit for bit.
DASH_AVX512 inline __m512 expAvx512(__m512 x) {
    const __m512 low = _mm512_set1_ps(-87.3f);
    const __mmask16 underflow = _mm512_cmp_ps_mask(x, low, _CMP_LT_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, low), _mm512_set1_ps(88.7f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    const __m512i ni = _mm512_cvtps_epi32(n);
    const __mmask16 top = _mm512_cmpeq_epi32_mask(ni, _mm512_set1_epi32(128));
    const __m512i e = _mm512_mask_sub_epi32(ni, top, ni, _mm512_set1_epi32(1));
    const __m512 scale =
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(e, _mm512_set1_epi32(127)), 23));
    p = _mm512_mul_ps(p, scale);
    p = _mm512_mask_add_ps(p, top, p, p);
    return _mm512_maskz_mov_ps(static_cast<__mmask16>(~underflow), p);
}

inline __mmask16 firstLanes(int64_t count) {
    return static_cast<__mmask16>((1u << std::min<int64_t>(count, 16)) - 1);
}

DASH_AVX512 void expInPlaceAvx512(float* x, int64_t count) {
    for (int64_t k = 0; k < count; k += 16) {
        const __mmask16 m = firstLanes(count - k);
        _mm512_mask_storeu_ps(x + k, m, expAvx512(_mm512_maskz_loadu_ps(m, x + k)));
    }
}

DASH_AVX512 void swigluAvx512(float* a, const float* b, int64_t count) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (int64_t i = 0; i < count; i += 16) {
        const __mmask16 m = firstLanes(count - i);
        const __m512 g = _mm512_maskz_loadu_ps(m, a + i);
        const __m512 sigmoidDenominator = _mm512_add_ps(one, expAvx512(_mm512_xor_ps(g, sign)));
        _mm512_mask_storeu_ps(
            a + i, m,
            _mm512_mul_ps(_mm512_div_ps(g, sigmoidDenominator), _mm512_maskz_loadu_ps(m, b + i)));
    }
}

// softmaxAvx2 sixteen lanes at a time, with the same results bit for bit:
// the maximum is exact in any order, each lane's exponential and scaling are
// the AVX2 ones, and the double sums keep the AVX2 order (lanes 0-3 of each
// block of eight in the low half of the accumulator, lanes 4-7 in the high
// half, the blocks in turn; a padded half adds +0). R rows of the same length
// go in lockstep, each with its own maximum and sums: a short row's passes
// are chains of dependent steps, and R rows give R independent chains.
template <int R>
DASH_AVX512 void softmaxRowsAvx512(float* const* rows, int64_t count) {
    const __m512 minusInf = _mm512_set1_ps(-INFINITY);
    __m512 mv[R];
    DASH_UNROLL_ROWS
    for (int r = 0; r < R; ++r)
        mv[r] = minusInf;
    for (int64_t k = 0; k < count; k += 16) {
        const __mmask16 lanes = firstLanes(count - k);
        DASH_UNROLL_ROWS
        for (int r = 0; r < R; ++r)
            mv[r] = _mm512_max_ps(mv[r], _mm512_mask_loadu_ps(minusInf, lanes, rows[r] + k));
    }
    __m512 m[R];
    __m512d sum[R];
    DASH_UNROLL_ROWS
    for (int r = 0; r < R; ++r) {
        m[r] = _mm512_set1_ps(_mm512_reduce_max_ps(mv[r]));
        sum[r] = _mm512_setzero_pd();
    }
    for (int64_t k = 0; k < count; k += 16) {
        const __mmask16 lanes = firstLanes(count - k);
        DASH_UNROLL_ROWS
        for (int r = 0; r < R; ++r) {
            const __m512 e =
                expAvx512(_mm512_sub_ps(_mm512_mask_loadu_ps(minusInf, lanes, rows[r] + k), m[r]));
            _mm512_mask_storeu_ps(rows[r] + k, lanes, e);
            sum[r] = _mm512_add_pd(sum[r], _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
            sum[r] = _mm512_add_pd(sum[r], _mm512_cvtps_pd(_mm256_castpd_ps(
                                               _mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
        }
    }
    __m512 iv[R];
    DASH_UNROLL_ROWS
    for (int r = 0; r < R; ++r) {
        alignas(32) double sums[4];
        _mm256_store_pd(
            sums, _mm256_add_pd(_mm512_castpd512_pd256(sum[r]), _mm512_extractf64x4_pd(sum[r], 1)));
        iv[r] =
            _mm512_set1_ps(static_cast<float>(1.0 / ((sums[0] + sums[1]) + (sums[2] + sums[3]))));
    }
    for (int64_t k = 0; k < count; k += 16) {
        const __mmask16 lanes = firstLanes(count - k);
        DASH_UNROLL_ROWS
        for (int r = 0; r < R; ++r)
            _mm512_mask_storeu_ps(rows[r] + k, lanes,
                                  _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, rows[r] + k), iv[r]));
    }
}

// Rotates pairs (x0, x1) by the angle whose cosine and sine are in `cs`
// ([pair][cos, sin]): x0' = x0 c - x1 s, x1' = x0 s + x1 c, each product
// rounded before the sum, as in the scalar loop (masked adds and subtractions,
// which the compiler leaves unfused), so the result is the same bit for bit.
DASH_AVX512 void ropeAvx512(float* v, int32_t heads, int32_t headDim, const float* cs,
                            RopeLayout layout) {
    const int32_t half = headDim / 2;
    for (int32_t h = 0; h < heads; ++h) {
        float* head = v + static_cast<int64_t>(h) * headDim;
        if (layout == RopeLayout::AdjacentPairs) {
            // Sixteen values are eight pairs; their cos/sin are the matching
            // sixteen table entries.
            for (int32_t k = 0; k < headDim; k += 16) {
                const __mmask16 m = firstLanes(headDim - k);
                const __m512 x = _mm512_maskz_loadu_ps(m, head + k);
                const __m512 t = _mm512_maskz_loadu_ps(m, cs + k);
                const __m512 a = _mm512_mul_ps(x, _mm512_moveldup_ps(t)); // x0 c, x1 c
                const __m512 b = _mm512_mul_ps(_mm512_permute_ps(x, 0xB1),
                                               _mm512_movehdup_ps(t)); // x1 s, x0 s
                const __m512 even = _mm512_mask_sub_ps(a, 0x5555, a, b);
                _mm512_mask_storeu_ps(head + k, m, _mm512_mask_add_ps(even, 0xAAAA, a, b));
            }
        } else {
            const __m512i evens =
                _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
            for (int32_t i = 0; i < half; i += 16) {
                const __mmask16 m = firstLanes(half - i);
                const __m512 t0 = _mm512_maskz_loadu_ps(firstLanes(2 * (half - i)), cs + 2 * i);
                const __m512 t1 = _mm512_maskz_loadu_ps(
                    firstLanes(std::max(0, 2 * (half - i) - 16)), cs + 2 * i + 16);
                const __m512 c = _mm512_permutex2var_ps(t0, evens, t1);
                const __m512 s = _mm512_permutex2var_ps(t0, odds, t1);
                const __m512 x0 = _mm512_maskz_loadu_ps(m, head + i);
                const __m512 x1 = _mm512_maskz_loadu_ps(m, head + half + i);
                const __m512 first =
                    _mm512_mask_sub_ps(x0, 0xFFFF, _mm512_mul_ps(x0, c), _mm512_mul_ps(x1, s));
                const __m512 second =
                    _mm512_mask_add_ps(x0, 0xFFFF, _mm512_mul_ps(x0, s), _mm512_mul_ps(x1, c));
                _mm512_mask_storeu_ps(head + i, m, first);
                _mm512_mask_storeu_ps(head + half + i, m, second);
            }
        }
    }
}

#endif

} // namespace

float dotFloat(const float* a, const float* b, int32_t count, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx2))
        return dotAvx2(a, b, count);
#endif
    float sum = 0;
    for (int32_t k = 0; k < count; ++k)
        sum += a[k] * b[k];
    return sum;
}

double sumOfSquares(const float* x, int32_t dim, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx2))
        return sumSquaresAvx2(x, dim);
#endif
    // Four partial sums: independent chains of adds, where one chain makes
    // every add wait for the previous one.
    double part[4] = {0, 0, 0, 0};
    int32_t k = 0;
    for (; k + 4 <= dim; k += 4)
        for (int i = 0; i < 4; ++i)
            part[i] += static_cast<double>(x[k + i]) * x[k + i];
    for (; k < dim; ++k)
        part[0] += static_cast<double>(x[k]) * x[k];
    return (part[0] + part[1]) + (part[2] + part[3]);
}

void rmsNorm(const float* x, const float* weight, int64_t n, int32_t dim, float eps, float* out,
             Isa isa) {
    for (int64_t t = 0; t < n; ++t) {
        const float* xt = x + t * dim;
        float* ot = out + t * dim;
        const double ss = sumOfSquares(xt, dim, isa);
        const auto scale = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
#if DASH_X86
        if (hasLevel(isa, Isa::Avx2)) {
            scaleByWeightAvx2(xt, weight, scale, dim, ot);
            continue;
        }
#endif
        for (int32_t k = 0; k < dim; ++k)
            ot[k] = xt[k] * scale * weight[k];
    }
}

Rope::Rope(int32_t headDim, double base, RopeLayout layout)
    : m_headDim(headDim), m_layout(layout), m_inverseFrequency(static_cast<size_t>(headDim / 2)) {
    for (int32_t i = 0; i < headDim / 2; ++i)
        m_inverseFrequency[static_cast<size_t>(i)] = std::pow(base, -2.0 * i / headDim);
}

void ropeTableRows(const std::vector<double>& inverseFrequency, int64_t first, int64_t last,
                   float* out) {
    const auto half = static_cast<int64_t>(inverseFrequency.size());
    for (int64_t p = first; p < last; ++p)
        for (int64_t i = 0; i < half; ++i) {
            const double angle = static_cast<double>(p) * inverseFrequency[static_cast<size_t>(i)];
            float* cell = out + ((p - first) * half + i) * 2;
            cell[0] = static_cast<float>(std::cos(angle));
            cell[1] = static_cast<float>(std::sin(angle));
        }
}

Rope::Rope(std::vector<double> inverseFrequency, RopeLayout layout)
    : m_headDim(static_cast<int32_t>(2 * inverseFrequency.size())), m_layout(layout),
      m_inverseFrequency(std::move(inverseFrequency)) {}

void Rope::apply(float* v, int32_t heads, int64_t position, Isa isa) {
    const int32_t half = m_headDim / 2;
    const auto cached = static_cast<int64_t>(m_table.size()) / (2 * half);
    if (position >= cached) {
        const int64_t grown = std::max<int64_t>(position + 1, 2 * cached);
        m_table.resize(static_cast<size_t>(grown * 2 * half));
        ropeTableRows(m_inverseFrequency, cached, grown,
                      m_table.data() + static_cast<size_t>(cached * 2 * half));
    }
    const float* cs = m_table.data() + position * half * 2;
#if DASH_X86
    if (hasLevel(isa, Isa::Avx512)) {
        ropeAvx512(v, heads, m_headDim, cs, m_layout);
        return;
    }
#endif
    for (int32_t h = 0; h < heads; ++h) {
        float* head = v + static_cast<int64_t>(h) * m_headDim;
        for (int32_t i = 0; i < half; ++i) {
            const float c = cs[2 * i];
            const float s = cs[2 * i + 1];
            float* a = m_layout == RopeLayout::AdjacentPairs ? head + 2 * i : head + i;
            float* b = m_layout == RopeLayout::AdjacentPairs ? head + 2 * i + 1 : head + i + half;
            const float x0 = *a;
            const float x1 = *b;
            *a = x0 * c - x1 * s;
            *b = x0 * s + x1 * c;
        }
    }
}

void expInPlace(float* x, int64_t count, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx512)) {
        expInPlaceAvx512(x, count);
        return;
    }
    if (hasLevel(isa, Isa::Avx2)) {
        expInPlaceAvx2(x, count);
        return;
    }
#endif
    for (int64_t i = 0; i < count; ++i)
        x[i] = std::exp(x[i]);
}

void softmaxInPlace(float* x, int64_t count, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx512)) {
        softmaxRowsAvx512<1>(&x, count);
        return;
    }
    if (hasLevel(isa, Isa::Avx2)) {
        softmaxAvx2(x, count);
        return;
    }
#endif
    const float maxScore = *std::max_element(x, x + count);
    for (int64_t j = 0; j < count; ++j)
        x[j] -= maxScore;
    expInPlace(x, count, isa);
    double total = 0;
    for (int64_t j = 0; j < count; ++j)
        total += x[j];
    const auto inv = static_cast<float>(1.0 / total);
    for (int64_t j = 0; j < count; ++j)
        x[j] *= inv;
}

void softmaxRows(float* const* rows, int32_t rowCount, int64_t count, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx512)) {
        for (int32_t r = 0; r < rowCount; r += 4) {
            switch (std::min(rowCount - r, 4)) {
            case 4:
                softmaxRowsAvx512<4>(rows + r, count);
                break;
            case 3:
                softmaxRowsAvx512<3>(rows + r, count);
                break;
            case 2:
                softmaxRowsAvx512<2>(rows + r, count);
                break;
            default:
                softmaxRowsAvx512<1>(rows + r, count);
                break;
            }
        }
        return;
    }
#endif
    for (int32_t r = 0; r < rowCount; ++r)
        softmaxInPlace(rows[r], count, isa);
}

void swiglu(float* a, const float* b, int64_t count, Isa isa) {
#if DASH_X86
    if (hasLevel(isa, Isa::Avx512)) {
        swigluAvx512(a, b, count);
        return;
    }
    if (hasLevel(isa, Isa::Avx2)) {
        swigluAvx2(a, b, count);
        return;
    }
#endif
    for (int64_t i = 0; i < count; ++i) {
        const float g = a[i];
        a[i] = g / (1.0f + std::exp(-g)) * b[i];
    }
}

double dot(const float* a, const float* b, int64_t count) {
    double sum = 0;
    for (int64_t i = 0; i < count; ++i)
        sum += static_cast<double>(a[i]) * b[i];
    return sum;
}

double norm(const float* a, int64_t count) {
    return std::sqrt(dot(a, a, count));
}

double cosine(const float* a, const float* b, int64_t count) {
    const double na = norm(a, count);
    const double nb = norm(b, count);
    if (na == 0 || nb == 0)
        return 0;
    return dot(a, b, count) / (na * nb);
}

} // namespace dash::cpu
