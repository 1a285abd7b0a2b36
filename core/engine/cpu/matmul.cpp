// SPDX-License-Identifier: MIT
#include "core/engine/cpu/matmul.h"

#include "core/engine/cpu/thread_pool.h"
#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define DASH_X86 1
#define DASH_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

namespace dash::cpu {

namespace {

// Activation rows quantised per group for the integer kernels.
//   Int8 weights: x ≈ scale · (u - 64), u in [1, 127] unsigned (7 bits), so that
//     maddubs(u, w) never saturates: 2 · 127 · 127 < 32768.
//   Int4 weights: x ≈ scale · q, q in [-127, 127]; the kernel multiplies the
//     unsigned nibbles (q_w + 8) and removes 8 · Σq per group afterwards.
struct QuantizedActivations {
    std::vector<uint8_t> q;     // [n][cols]: u (Int8) or q as int8 bits (Int4)
    std::vector<float> scales;  // [n][groups]
    std::vector<float> offsets; // Int4: [n][groups] 8 · scale · Σq
};

void quantizeActivations(const float* x, int64_t n, int32_t cols, int32_t group, bool forInt4,
                         QuantizedActivations& out) {
    const int32_t groups = cols / group;
    const float qmax = forInt4 ? 127.0f : 63.0f;
    const int bias = forInt4 ? 0 : 64;
    out.q.resize(static_cast<size_t>(n) * cols);
    out.scales.resize(static_cast<size_t>(n) * groups);
    out.offsets.resize(forInt4 ? static_cast<size_t>(n) * groups : 0);
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t g = 0; g < groups; ++g) {
            const float* src = x + t * cols + static_cast<int64_t>(g) * group;
            uint8_t* dst = out.q.data() + t * cols + static_cast<int64_t>(g) * group;
            float amax = 0;
            for (int32_t k = 0; k < group; ++k)
                amax = std::max(amax, std::fabs(src[k]));
            const float scale = amax / qmax;
            const float inv = scale > 0 ? 1.0f / scale : 0.0f;
            int32_t sum = 0;
            for (int32_t k = 0; k < group; ++k) {
                const int v = static_cast<int>(std::lrintf(src[k] * inv));
                sum += v;
                dst[k] = static_cast<uint8_t>(v + bias);
            }
            out.scales[static_cast<size_t>(t) * groups + g] = scale;
            if (forInt4)
                out.offsets[static_cast<size_t>(t) * groups + g] =
                    8.0f * scale * static_cast<float>(sum);
        }
    }
}

// Signed values of 32 consecutive Int4 weights starting at chunk `chunk`
// (32-value units) of a row of `cols` values.
inline void unpackInt4(const uint8_t* row, int32_t cols, int32_t chunk, int8_t* dst) {
    const int32_t first = chunk * 32;
    if (first + 64 <= cols || chunk % 2 == 1) {
        // Inside a 64-value run: the low nibbles hold its first half.
        const int32_t run = chunk / 2;
        const uint8_t* bytes = row + run * 32;
        const bool high = chunk % 2 == 1;
        for (int j = 0; j < 32; ++j)
            dst[j] = static_cast<int8_t>((high ? bytes[j] >> 4 : bytes[j] & 0x0F) - 8);
    } else {
        const uint8_t* bytes = row + (chunk / 2) * 32;
        for (int j = 0; j < 16; ++j) {
            dst[j] = static_cast<int8_t>((bytes[j] & 0x0F) - 8);
            dst[j + 16] = static_cast<int8_t>((bytes[j] >> 4) - 8);
        }
    }
}

// ---------------------------------------------------------------------------
// Portable kernels: the reference the SIMD kernels are tested against, and the
// fallback on CPUs without AVX2.

void floatRowsScalar(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0, int32_t r1) {
    std::vector<float> row(static_cast<size_t>(w.cols));
    for (int32_t r = r0; r < r1; ++r) {
        readRow(w, r, row.data());
        for (int64_t t = 0; t < n; ++t) {
            const float* xt = x + t * w.cols;
            float sum = 0;
            for (int32_t k = 0; k < w.cols; ++k)
                sum += row[static_cast<size_t>(k)] * xt[k];
            y[t * w.rows + r] = sum;
        }
    }
}

void intRowsScalar(const Matrix& w, const QuantizedActivations& xa, int64_t n, float* y, int32_t r0,
                   int32_t r1) {
    const int32_t groups = w.cols / w.group;
    const bool int4 = w.type == MatrixType::Int4;
    int8_t unpacked[32];
    for (int32_t r = r0; r < r1; ++r) {
        const uint8_t* wr = w.data + static_cast<size_t>(r) * w.rowBytes();
        const float* ws = w.scales + static_cast<size_t>(r) * groups;
        for (int64_t t = 0; t < n; ++t) {
            const uint8_t* xq = xa.q.data() + t * w.cols;
            const float* xs = xa.scales.data() + t * groups;
            float sum = 0;
            for (int32_t g = 0; g < groups; ++g) {
                int32_t isum = 0;
                for (int32_t c = 0; c < w.group; c += 32) {
                    const int32_t k0 = g * w.group + c;
                    if (int4) {
                        unpackInt4(wr, w.cols, k0 / 32, unpacked);
                        for (int k = 0; k < 32; ++k)
                            isum += unpacked[k] * static_cast<int8_t>(xq[k0 + k]);
                    } else {
                        const auto* wq = reinterpret_cast<const int8_t*>(wr) + k0;
                        for (int k = 0; k < 32; ++k)
                            isum += wq[k] * (static_cast<int32_t>(xq[k0 + k]) - 64);
                    }
                }
                sum += static_cast<float>(isum) * ws[g] * xs[g];
            }
            y[t * w.rows + r] = sum;
        }
    }
}

#if DASH_X86

DASH_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

DASH_AVX2 inline __m256 loadF16(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Four weight rows (already float) against every token, three tokens at a time:
// 12 accumulators stay in registers and each weight load feeds three FMAs.
DASH_AVX2 void fourRowsAllTokens(const float* const wr[4], int32_t cols, const float* x, int64_t n,
                                 float* y, int32_t yStride, int32_t r, int32_t validRows) {
    const int32_t c8 = cols & ~7;
    int64_t t = 0;
    for (; t + 3 <= n; t += 3) {
        const float* x0 = x + t * cols;
        const float* x1 = x0 + cols;
        const float* x2 = x1 + cols;
        __m256 acc[4][3];
        for (auto& a : acc)
            for (auto& b : a)
                b = _mm256_setzero_ps();
        for (int32_t k = 0; k < c8; k += 8) {
            const __m256 xv0 = _mm256_loadu_ps(x0 + k);
            const __m256 xv1 = _mm256_loadu_ps(x1 + k);
            const __m256 xv2 = _mm256_loadu_ps(x2 + k);
            for (int i = 0; i < 4; ++i) {
                const __m256 wv = _mm256_loadu_ps(wr[i] + k);
                acc[i][0] = _mm256_fmadd_ps(wv, xv0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(wv, xv1, acc[i][1]);
                acc[i][2] = _mm256_fmadd_ps(wv, xv2, acc[i][2]);
            }
        }
        for (int i = 0; i < validRows; ++i) {
            for (int j = 0; j < 3; ++j) {
                const float* xj = x + (t + j) * cols;
                float s = hsum(acc[i][j]);
                for (int32_t k = c8; k < cols; ++k)
                    s += wr[i][k] * xj[k];
                y[(t + j) * yStride + r + i] = s;
            }
        }
    }
    for (; t < n; ++t) {
        const float* xt = x + t * cols;
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                         _mm256_setzero_ps()};
        for (int32_t k = 0; k < c8; k += 8) {
            const __m256 xv = _mm256_loadu_ps(xt + k);
            for (int i = 0; i < 4; ++i)
                acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(wr[i] + k), xv, acc[i]);
        }
        for (int i = 0; i < validRows; ++i) {
            float s = hsum(acc[i]);
            for (int32_t k = c8; k < cols; ++k)
                s += wr[i][k] * xt[k];
            y[t * yStride + r + i] = s;
        }
    }
}

// One activation row against F16 weights streamed straight from memory, four
// rows at a time so each activation load feeds four FMAs. This is the decode
// path, bound by the bandwidth of reading the weights.
DASH_AVX2 void f16RowsOneToken(const Matrix& w, const float* x, float* y, int32_t r0, int32_t r1) {
    const int32_t cols = w.cols;
    const int32_t c8 = cols & ~7;
    const auto* base = reinterpret_cast<const uint16_t*>(w.data);
    int32_t r = r0;
    for (; r + 4 <= r1; r += 4) {
        const uint16_t* w0 = base + static_cast<size_t>(r) * cols;
        const uint16_t* w1 = w0 + cols;
        const uint16_t* w2 = w1 + cols;
        const uint16_t* w3 = w2 + cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (int32_t k = 0; k < c8; k += 8) {
            const __m256 xv = _mm256_loadu_ps(x + k);
            a0 = _mm256_fmadd_ps(loadF16(w0 + k), xv, a0);
            a1 = _mm256_fmadd_ps(loadF16(w1 + k), xv, a1);
            a2 = _mm256_fmadd_ps(loadF16(w2 + k), xv, a2);
            a3 = _mm256_fmadd_ps(loadF16(w3 + k), xv, a3);
        }
        float s[4] = {hsum(a0), hsum(a1), hsum(a2), hsum(a3)};
        const uint16_t* rows[4] = {w0, w1, w2, w3};
        for (int i = 0; i < 4; ++i) {
            for (int32_t k = c8; k < cols; ++k)
                s[i] += halfToFloat(rows[i][k]) * x[k];
            y[r + i] = s[i];
        }
    }
    for (; r < r1; ++r) {
        const uint16_t* wr = base + static_cast<size_t>(r) * cols;
        __m256 a = _mm256_setzero_ps();
        for (int32_t k = 0; k < c8; k += 8)
            a = _mm256_fmadd_ps(loadF16(wr + k), _mm256_loadu_ps(x + k), a);
        float s = hsum(a);
        for (int32_t k = c8; k < cols; ++k)
            s += halfToFloat(wr[k]) * x[k];
        y[r] = s;
    }
}

DASH_AVX2 void f16ToF32(const uint16_t* src, float* dst, int32_t count) {
    int32_t k = 0;
    for (; k + 8 <= count; k += 8)
        _mm256_storeu_ps(dst + k, loadF16(src + k));
    for (; k < count; ++k)
        dst[k] = halfToFloat(src[k]);
}

DASH_AVX2 void floatRowsAvx2(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0,
                             int32_t r1) {
    if (w.type == MatrixType::F16 && n == 1) {
        f16RowsOneToken(w, x, y, r0, r1);
        return;
    }
    const int32_t cols = w.cols;
    thread_local std::vector<float> converted;
    if (w.type == MatrixType::F16)
        converted.resize(static_cast<size_t>(4) * cols);
    for (int32_t r = r0; r < r1; r += 4) {
        const int32_t valid = std::min(4, r1 - r);
        const float* rows[4];
        for (int i = 0; i < 4; ++i) {
            // Missing rows of a partial tile repeat the last real row; their
            // results are not stored.
            const int32_t src = r + std::min(i, valid - 1);
            if (w.type == MatrixType::F16) {
                f16ToF32(reinterpret_cast<const uint16_t*>(w.data) +
                             static_cast<size_t>(src) * cols,
                         converted.data() + static_cast<size_t>(i) * cols, cols);
                rows[i] = converted.data() + static_cast<size_t>(i) * cols;
            } else {
                rows[i] = reinterpret_cast<const float*>(w.data) + static_cast<size_t>(src) * cols;
            }
        }
        fourRowsAllTokens(rows, cols, x, n, y, w.rows, r, valid);
    }
}

// Eight int32 lanes summing 32 products of unsigned `u` and signed `v` bytes.
DASH_AVX2 inline __m256i dotUnsignedSigned(__m256i u, __m256i v) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, v), _mm256_set1_epi16(1));
}

// The four lane vectors of four rows reduced to [Σ s0, Σ s1, Σ s2, Σ s3] as floats.
DASH_AVX2 inline __m128 reduceFour(__m256i s0, __m256i s1, __m256i s2, __m256i s3) {
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
    return _mm_cvtepi32_ps(
        _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1)));
}

DASH_AVX2 inline __m256i loadBytes(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// Quantises activation rows (see QuantizedActivations) with AVX2: per group of
// 32 lanes, the max |x|, a scale, round-to-nearest conversion and packing.
DASH_AVX2 void quantizeActivationsAvx2(const float* x, int64_t n, int32_t cols, int32_t group,
                                       bool forInt4, QuantizedActivations& out) {
    const int32_t groups = cols / group;
    const float qmax = forInt4 ? 127.0f : 63.0f;
    out.q.resize(static_cast<size_t>(n) * cols);
    out.scales.resize(static_cast<size_t>(n) * groups);
    out.offsets.resize(forInt4 ? static_cast<size_t>(n) * groups : 0);
    const __m256 signMask = _mm256_set1_ps(-0.0f);
    const __m256i bias = _mm256_set1_epi8(forInt4 ? 0 : 64);
    // packs interleave 128-bit lanes; this restores element order.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t g = 0; g < groups; ++g) {
            const float* src = x + t * cols + static_cast<int64_t>(g) * group;
            __m256 amax = _mm256_setzero_ps();
            for (int32_t k = 0; k < group; k += 8)
                amax = _mm256_max_ps(amax, _mm256_andnot_ps(signMask, _mm256_loadu_ps(src + k)));
            __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
            m = _mm_max_ps(m, _mm_movehl_ps(m, m));
            m = _mm_max_ss(m, _mm_movehdup_ps(m));
            const float scale = _mm_cvtss_f32(m) / qmax;
            const __m256 inv = _mm256_set1_ps(scale > 0 ? 1.0f / scale : 0.0f);
            __m256i sum = _mm256_setzero_si256();
            for (int32_t k = 0; k < group; k += 32) {
                const __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + k), inv));
                const __m256i b =
                    _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + k + 8), inv));
                const __m256i c =
                    _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + k + 16), inv));
                const __m256i d =
                    _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + k + 24), inv));
                sum = _mm256_add_epi32(
                    sum, _mm256_add_epi32(_mm256_add_epi32(a, b), _mm256_add_epi32(c, d)));
                const __m256i packed = _mm256_permutevar8x32_epi32(
                    _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d)), order);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.q.data() + t * cols +
                                                               static_cast<int64_t>(g) * group + k),
                                    _mm256_add_epi8(packed, bias));
            }
            out.scales[static_cast<size_t>(t) * groups + g] = scale;
            if (forInt4) {
                __m128i s4 =
                    _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
                s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
                s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
                out.offsets[static_cast<size_t>(t) * groups + g] =
                    8.0f * scale * static_cast<float>(_mm_cvtsi128_si32(s4));
            }
        }
    }
}

// Int8 weights against 7-bit unsigned activations, four rows at a time:
//   y_r = Σ_g xs_g · (ws_rg · Σ_k u_k w_rk - 64 · ws_rg · Σ_k w_rk)
// maddubs does 32 multiply-adds per instruction; each activation load feeds
// four rows, and the four rows' group sums reduce together, so no per-row
// horizontal sum is needed.
DASH_AVX2 void int8TilesAvx2(const Matrix& w, const QuantizedActivations& xa, int64_t n, float* y,
                             int32_t r0, int32_t r1) {
    const int32_t groups = w.cols / w.group;
    const int32_t chunksPerGroup = w.group / 32;
    for (int32_t r = r0; r < r1; r += 4) {
        const uint8_t* w0 = w.data + static_cast<size_t>(r) * w.cols;
        const uint8_t* w1 = w0 + w.cols;
        const uint8_t* w2 = w1 + w.cols;
        const uint8_t* w3 = w2 + w.cols;
        const float* ts = w.tileScales + static_cast<size_t>(r) * groups;
        const float* to = w.tileOffsets + static_cast<size_t>(r) * groups;
        for (int64_t t = 0; t < n; ++t) {
            const uint8_t* xq = xa.q.data() + t * w.cols;
            const float* xs = xa.scales.data() + t * groups;
            __m128 acc = _mm_setzero_ps();
            for (int32_t g = 0; g < groups; ++g) {
                __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
                for (int32_t c = 0; c < chunksPerGroup; ++c) {
                    const int32_t k = (g * chunksPerGroup + c) * 32;
                    const __m256i xv = loadBytes(xq + k);
                    s0 = _mm256_add_epi32(s0, dotUnsignedSigned(xv, loadBytes(w0 + k)));
                    s1 = _mm256_add_epi32(s1, dotUnsignedSigned(xv, loadBytes(w1 + k)));
                    s2 = _mm256_add_epi32(s2, dotUnsignedSigned(xv, loadBytes(w2 + k)));
                    s3 = _mm256_add_epi32(s3, dotUnsignedSigned(xv, loadBytes(w3 + k)));
                }
                const __m128 f = _mm_fmsub_ps(reduceFour(s0, s1, s2, s3), _mm_loadu_ps(ts + g * 4),
                                              _mm_loadu_ps(to + g * 4));
                acc = _mm_fmadd_ps(f, _mm_set1_ps(xs[g]), acc);
            }
            float out[4];
            _mm_storeu_ps(out, acc);
            for (int i = 0; i < 4; ++i)
                y[t * w.rows + r + i] = out[i];
        }
    }
}

// Int4 weights (unsigned nibbles q + 8) against signed 8-bit activations, four
// rows at a time:
//   y_r = Σ_g ws_rg · (xs_g · Σ_k (q_rk + 8) x_k - 8 · xs_g · Σ_k x_k)
// A 64-value run of a row unpacks with one mask and one shift for both halves.
DASH_AVX2 void int4TilesAvx2(const Matrix& w, const QuantizedActivations& xa, int64_t n, float* y,
                             int32_t r0, int32_t r1) {
    const int32_t groups = w.cols / w.group;
    const int32_t chunks = w.cols / 32;
    const int32_t chunksPerGroup = w.group / 32;
    const size_t rowBytes = w.rowBytes();
    const __m256i mask = _mm256_set1_epi8(0x0F);
    const __m128i mask128 = _mm_set1_epi8(0x0F);
    for (int32_t r = r0; r < r1; r += 4) {
        const uint8_t* rows[4];
        for (int i = 0; i < 4; ++i)
            rows[i] = w.data + static_cast<size_t>(r + i) * rowBytes;
        const float* ts = w.tileScales + static_cast<size_t>(r) * groups;
        for (int64_t t = 0; t < n; ++t) {
            const uint8_t* xq = xa.q.data() + t * w.cols;
            const float* xs = xa.scales.data() + t * groups;
            const float* xo = xa.offsets.data() + t * groups;
            __m128 acc = _mm_setzero_ps();
            __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
            int32_t g = 0;
            int32_t left = chunksPerGroup; // chunks until the group is complete
            // Adds chunk k of the four rows (nibbles n0..n3); folds a finished group.
            // Written out (no arrays, no helper state) so everything stays in registers.
#define DASH_INT4_CHUNK(k, n0, n1, n2, n3)                                                         \
    do {                                                                                           \
        const __m256i xv = loadBytes(xq + (k)*32);                                                 \
        s0 = _mm256_add_epi32(s0, dotUnsignedSigned(n0, xv));                                      \
        s1 = _mm256_add_epi32(s1, dotUnsignedSigned(n1, xv));                                      \
        s2 = _mm256_add_epi32(s2, dotUnsignedSigned(n2, xv));                                      \
        s3 = _mm256_add_epi32(s3, dotUnsignedSigned(n3, xv));                                      \
        if (--left == 0) {                                                                         \
            const __m128 f =                                                                       \
                _mm_fmsub_ps(reduceFour(s0, s1, s2, s3), _mm_set1_ps(xs[g]), _mm_set1_ps(xo[g]));  \
            acc = _mm_fmadd_ps(f, _mm_loadu_ps(ts + g * 4), acc);                                  \
            s0 = s1 = s2 = s3 = _mm256_setzero_si256();                                            \
            ++g;                                                                                   \
            left = chunksPerGroup;                                                                 \
        }                                                                                          \
    } while (false)
            int32_t k = 0;
            for (; k + 2 <= chunks; k += 2) {
                const __m256i b0 = loadBytes(rows[0] + k * 16);
                const __m256i b1 = loadBytes(rows[1] + k * 16);
                const __m256i b2 = loadBytes(rows[2] + k * 16);
                const __m256i b3 = loadBytes(rows[3] + k * 16);
                DASH_INT4_CHUNK(k, _mm256_and_si256(b0, mask), _mm256_and_si256(b1, mask),
                                _mm256_and_si256(b2, mask), _mm256_and_si256(b3, mask));
                DASH_INT4_CHUNK(k + 1, _mm256_and_si256(_mm256_srli_epi16(b0, 4), mask),
                                _mm256_and_si256(_mm256_srli_epi16(b1, 4), mask),
                                _mm256_and_si256(_mm256_srli_epi16(b2, 4), mask),
                                _mm256_and_si256(_mm256_srli_epi16(b3, 4), mask));
            }
            if (k < chunks) {
                auto tail = [&](int i) DASH_AVX2 {
                    const __m128i b =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[i] + k * 16));
                    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), mask128),
                                            _mm_and_si128(b, mask128));
                };
                DASH_INT4_CHUNK(k, tail(0), tail(1), tail(2), tail(3));
            }
#undef DASH_INT4_CHUNK
            float out[4];
            _mm_storeu_ps(out, acc);
            for (int i = 0; i < 4; ++i)
                y[t * w.rows + r + i] = out[i];
        }
    }
}

#endif

} // namespace

const char* matrixTypeName(MatrixType type) {
    switch (type) {
    case MatrixType::F32:
        return "F32";
    case MatrixType::F16:
        return "F16";
    case MatrixType::Int8:
        return "INT8";
    case MatrixType::Int4:
        return "INT4";
    }
    return "?";
}

size_t Matrix::rowBytes() const {
    switch (type) {
    case MatrixType::F32:
        return static_cast<size_t>(cols) * 4;
    case MatrixType::F16:
        return static_cast<size_t>(cols) * 2;
    case MatrixType::Int8:
        return static_cast<size_t>(cols);
    case MatrixType::Int4:
        return static_cast<size_t>(cols) / 2;
    }
    return 0;
}

size_t Matrix::byteSize() const {
    size_t bytes = rowBytes() * static_cast<size_t>(rows);
    if (type == MatrixType::Int8 || type == MatrixType::Int4)
        bytes += static_cast<size_t>(rows) * static_cast<size_t>(cols / group) * sizeof(float);
    return bytes;
}

Matrix makeF32Matrix(int32_t rows, int32_t cols, std::vector<float> values) {
    auto owned = std::make_shared<std::vector<float>>(std::move(values));
    Matrix m;
    m.type = MatrixType::F32;
    m.rows = rows;
    m.cols = cols;
    m.data = reinterpret_cast<const uint8_t*>(owned->data());
    m.storage = owned;
    return m;
}

Matrix makeF16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values) {
    auto owned = std::make_shared<std::vector<uint16_t>>(std::move(values));
    Matrix m;
    m.type = MatrixType::F16;
    m.rows = rows;
    m.cols = cols;
    m.data = reinterpret_cast<const uint8_t*>(owned->data());
    m.storage = owned;
    return m;
}

Expected<Matrix> makeIntMatrix(MatrixType type, int32_t rows, int32_t cols, int32_t group,
                               const int8_t* q, const float* scales) {
    if (type != MatrixType::Int8 && type != MatrixType::Int4)
        return invalidError(std::string("not an integer matrix type: ") + matrixTypeName(type));
    if (group <= 0 || group % 32 != 0)
        return invalidError("quantisation group " + std::to_string(group) +
                            " is not a positive multiple of 32");
    if (cols % group != 0)
        return invalidError("a row of " + std::to_string(cols) +
                            " values is not a whole number of groups of " + std::to_string(group));
    struct Storage {
        std::vector<uint8_t> data;
        std::vector<float> scales;
        std::vector<float> offsets;
        std::vector<float> tileScales;
        std::vector<float> tileOffsets;
    };
    auto owned = std::make_shared<Storage>();
    Matrix m;
    m.type = type;
    m.rows = rows;
    m.cols = cols;
    m.group = group;
    const int32_t groups = cols / group;
    const size_t rowBytes = m.rowBytes();
    owned->data.assign(rowBytes * static_cast<size_t>(rows), 0);
    owned->scales.assign(scales, scales + static_cast<size_t>(rows) * groups);
    if (type == MatrixType::Int8)
        owned->offsets.resize(static_cast<size_t>(rows) * groups);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t* src = q + static_cast<size_t>(r) * cols;
        uint8_t* dst = owned->data.data() + static_cast<size_t>(r) * rowBytes;
        if (type == MatrixType::Int8) {
            std::memcpy(dst, src, static_cast<size_t>(cols));
            for (int32_t g = 0; g < groups; ++g) {
                int32_t sum = 0;
                for (int32_t k = 0; k < group; ++k)
                    sum += src[g * group + k];
                const size_t i = static_cast<size_t>(r) * groups + g;
                owned->offsets[i] = 64.0f * owned->scales[i] * static_cast<float>(sum);
            }
            continue;
        }
        int32_t k = 0;
        for (; k + 64 <= cols; k += 64)
            for (int j = 0; j < 32; ++j)
                dst[k / 2 + j] =
                    static_cast<uint8_t>((src[k + j] + 8) | ((src[k + j + 32] + 8) << 4));
        if (k < cols)
            for (int j = 0; j < 16; ++j)
                dst[k / 2 + j] =
                    static_cast<uint8_t>((src[k + j] + 8) | ((src[k + j + 16] + 8) << 4));
    }
    const int32_t tiled = rows / 4 * 4;
    auto interleave = [&](const std::vector<float>& src, std::vector<float>& dst) {
        dst.resize(static_cast<size_t>(tiled) * groups);
        for (int32_t r = 0; r < tiled; ++r)
            for (int32_t g = 0; g < groups; ++g)
                dst[(static_cast<size_t>(r / 4) * groups + g) * 4 + r % 4] =
                    src[static_cast<size_t>(r) * groups + g];
    };
    interleave(owned->scales, owned->tileScales);
    if (type == MatrixType::Int8)
        interleave(owned->offsets, owned->tileOffsets);
    m.data = owned->data.data();
    m.scales = owned->scales.data();
    m.offsets = owned->offsets.empty() ? nullptr : owned->offsets.data();
    m.tileScales = owned->tileScales.data();
    m.tileOffsets = owned->tileOffsets.empty() ? nullptr : owned->tileOffsets.data();
    m.storage = owned;
    return m;
}

Expected<Matrix> quantizeMatrix(const float* values, int32_t rows, int32_t cols, MatrixType type,
                                int32_t group) {
    if (type != MatrixType::Int8 && type != MatrixType::Int4)
        return invalidError(std::string("cannot quantise to ") + matrixTypeName(type));
    DASH_ASSIGN_OR_RETURN(
        GroupQuantized q,
        quantizeGroups(values, rows, cols, type == MatrixType::Int8 ? 127 : 7, group));
    return fromQuantized(q);
}

Expected<Matrix> fromQuantized(const GroupQuantized& q) {
    return makeIntMatrix(q.qmax == 127 ? MatrixType::Int8 : MatrixType::Int4, q.rows, q.cols,
                         q.group, q.q.data(), q.scales.data());
}

void readRow(const Matrix& w, int32_t row, float* out) {
    const uint8_t* src = w.data + static_cast<size_t>(row) * w.rowBytes();
    switch (w.type) {
    case MatrixType::F32:
        std::memcpy(out, src, static_cast<size_t>(w.cols) * 4);
        return;
    case MatrixType::F16:
        for (int32_t k = 0; k < w.cols; ++k) {
            uint16_t h;
            std::memcpy(&h, src + 2 * k, 2);
            out[k] = halfToFloat(h);
        }
        return;
    case MatrixType::Int8:
    case MatrixType::Int4: {
        const int32_t groups = w.cols / w.group;
        const float* scales = w.scales + static_cast<size_t>(row) * groups;
        int8_t unpacked[32];
        for (int32_t k0 = 0; k0 < w.cols; k0 += 32) {
            const int8_t* q;
            if (w.type == MatrixType::Int8) {
                q = reinterpret_cast<const int8_t*>(src) + k0;
            } else {
                unpackInt4(src, w.cols, k0 / 32, unpacked);
                q = unpacked;
            }
            for (int k = 0; k < 32; ++k)
                out[k0 + k] = scales[(k0 + k) / w.group] * q[k];
        }
        return;
    }
    }
}

void matmul(const Matrix& w, const float* x, int64_t n, float* y, ThreadPool& pool, Isa isa,
            const float* bias) {
    // Below this many multiply-adds a loop is not worth splitting across threads:
    // handing chunks to a worker and waiting for it costs a few microseconds,
    // as much as a decode step's 128 x 352 product takes on one core.
    constexpr int64_t kParallelWork = 1 << 18;
    const int64_t work = n * w.rows * static_cast<int64_t>(w.cols);
    const int64_t grain = 4;
    const bool integer = w.type == MatrixType::Int8 || w.type == MatrixType::Int4;

    // Quantised once by the calling thread, read by every worker (a named
    // reference: a lambda naming the thread_local itself would see each
    // worker's own, empty, instance).
    thread_local QuantizedActivations callerActivations;
    QuantizedActivations& xa = callerActivations;
    if (integer) {
#if DASH_X86
        if (isa == Isa::Avx2)
            quantizeActivationsAvx2(x, n, w.cols, w.group, w.type == MatrixType::Int4, xa);
        else
#endif
            quantizeActivations(x, n, w.cols, w.group, w.type == MatrixType::Int4, xa);
    }

    auto rows = [&](int64_t begin, int64_t end) {
        const auto r0 = static_cast<int32_t>(begin);
        const auto r1 = static_cast<int32_t>(end);
#if DASH_X86
        if (isa == Isa::Avx2) {
            if (integer) {
                // Whole tiles of four rows in SIMD, the rest portably.
                const int32_t tileEnd = r0 + (r1 - r0) / 4 * 4;
                if (w.type == MatrixType::Int8)
                    int8TilesAvx2(w, xa, n, y, r0, tileEnd);
                else
                    int4TilesAvx2(w, xa, n, y, r0, tileEnd);
                intRowsScalar(w, xa, n, y, tileEnd, r1);
            } else
                floatRowsAvx2(w, x, n, y, r0, r1);
            return;
        }
#endif
        if (integer)
            intRowsScalar(w, xa, n, y, r0, r1);
        else
            floatRowsScalar(w, x, n, y, r0, r1);
    };
    if (work < kParallelWork)
        rows(0, w.rows);
    else
        pool.parallelFor(w.rows, grain, rows);

    if (bias)
        for (int64_t t = 0; t < n; ++t)
            for (int32_t r = 0; r < w.rows; ++r)
                y[t * w.rows + r] += bias[r];
}

} // namespace dash::cpu
