#include "core/cpu/matmul.h"

#include "core/cpu/thread_pool.h"
#include "core/quant.h"

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

// Activation rows quantised to int8 per group, for the integer kernels.
struct QuantizedActivations {
    std::vector<int8_t> q;     // [n][cols]
    std::vector<float> scales; // [n][cols / group]
};

void quantizeActivations(const float* x, int64_t n, int32_t cols, int32_t group,
                         QuantizedActivations& out) {
    const int32_t groups = cols / group;
    out.q.resize(static_cast<size_t>(n) * cols);
    out.scales.resize(static_cast<size_t>(n) * groups);
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t g = 0; g < groups; ++g) {
            const float* src = x + t * cols + static_cast<int64_t>(g) * group;
            int8_t* dst = out.q.data() + t * cols + static_cast<int64_t>(g) * group;
            float amax = 0;
            for (int32_t k = 0; k < group; ++k)
                amax = std::max(amax, std::fabs(src[k]));
            const float scale = amax / 127.0f;
            const float inv = scale > 0 ? 1.0f / scale : 0.0f;
            for (int32_t k = 0; k < group; ++k)
                dst[k] = static_cast<int8_t>(std::lrintf(src[k] * inv));
            out.scales[static_cast<size_t>(t) * groups + g] = scale;
        }
    }
}

// Unpacks 32 Int4 values (16 bytes) to signed integers.
inline void unpackInt4(const uint8_t* src, int8_t* dst) {
    for (int j = 0; j < 16; ++j) {
        dst[j] = static_cast<int8_t>((src[j] & 0x0F) - 8);
        dst[j + 16] = static_cast<int8_t>((src[j] >> 4) - 8);
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
    int8_t unpacked[32];
    for (int32_t r = r0; r < r1; ++r) {
        const uint8_t* wr = w.data + static_cast<size_t>(r) * w.rowBytes();
        const float* ws = w.scales + static_cast<size_t>(r) * groups;
        for (int64_t t = 0; t < n; ++t) {
            const int8_t* xq = xa.q.data() + t * w.cols;
            const float* xs = xa.scales.data() + t * groups;
            float sum = 0;
            for (int32_t g = 0; g < groups; ++g) {
                int32_t isum = 0;
                for (int32_t c = 0; c < w.group; c += 32) {
                    const int32_t k0 = g * w.group + c;
                    const int8_t* wq;
                    if (w.type == MatrixType::Int8) {
                        wq = reinterpret_cast<const int8_t*>(wr) + k0;
                    } else {
                        unpackInt4(wr + k0 / 2, unpacked);
                        wq = unpacked;
                    }
                    for (int k = 0; k < 32; ++k)
                        isum += static_cast<int32_t>(wq[k]) * xq[k0 + k];
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

// Sum over 32 int8 products, as eight int32 lanes. maddubs needs an unsigned
// first operand, so the sign of w is moved onto x.
DASH_AVX2 inline __m256i dot32(__m256i wv, __m256i xv) {
    const __m256i ax = _mm256_sign_epi8(wv, wv);
    const __m256i sx = _mm256_sign_epi8(xv, wv);
    const __m256i p16 = _mm256_maddubs_epi16(ax, sx);
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

DASH_AVX2 inline __m256i loadInt4x32(const uint8_t* src) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(bytes, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
}

DASH_AVX2 void intRowsAvx2(const Matrix& w, const QuantizedActivations& xa, int64_t n, float* y,
                           int32_t r0, int32_t r1) {
    const int32_t groups = w.cols / w.group;
    const bool int4 = w.type == MatrixType::Int4;
    for (int32_t r = r0; r < r1; ++r) {
        const uint8_t* wr = w.data + static_cast<size_t>(r) * w.rowBytes();
        const float* ws = w.scales + static_cast<size_t>(r) * groups;
        for (int64_t t = 0; t < n; ++t) {
            const int8_t* xq = xa.q.data() + t * w.cols;
            const float* xs = xa.scales.data() + t * groups;
            __m256 acc = _mm256_setzero_ps();
            for (int32_t g = 0; g < groups; ++g) {
                __m256i isum = _mm256_setzero_si256();
                for (int32_t c = 0; c < w.group; c += 32) {
                    const int32_t k0 = g * w.group + c;
                    const __m256i wv =
                        int4 ? loadInt4x32(wr + k0 / 2)
                             : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + k0));
                    const __m256i xv =
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + k0));
                    isum = _mm256_add_epi32(isum, dot32(wv, xv));
                }
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(ws[g] * xs[g]), acc);
            }
            y[t * w.rows + r] = hsum(acc);
        }
    }
}

bool detectSimd() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
}

#else

bool detectSimd() {
    return false;
}

#endif

const bool kSimd = detectSimd();

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

bool simdAvailable() {
    return kSimd;
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

Expected<Matrix> quantizeMatrix(const float* values, int32_t rows, int32_t cols, MatrixType type,
                                int32_t group) {
    if (type != MatrixType::Int8 && type != MatrixType::Int4)
        return invalidError(std::string("cannot quantise to ") + matrixTypeName(type));
    if (group <= 0 || group % 32 != 0)
        return invalidError("quantisation group " + std::to_string(group) +
                            " is not a positive multiple of 32");
    if (cols % group != 0)
        return invalidError("a row of " + std::to_string(cols) +
                            " values is not a whole number of groups of " + std::to_string(group));
    struct Storage {
        std::vector<uint8_t> data;
        std::vector<float> scales;
    };
    auto owned = std::make_shared<Storage>();
    Matrix m;
    m.type = type;
    m.rows = rows;
    m.cols = cols;
    m.group = group;
    owned->data.assign(m.rowBytes() * static_cast<size_t>(rows), 0);
    const int32_t groups = cols / group;
    owned->scales.resize(static_cast<size_t>(rows) * groups);
    const float qmax = type == MatrixType::Int8 ? 127.0f : 7.0f;
    std::vector<int8_t> q(static_cast<size_t>(group));
    for (int32_t r = 0; r < rows; ++r) {
        uint8_t* dst = owned->data.data() + static_cast<size_t>(r) * m.rowBytes();
        for (int32_t g = 0; g < groups; ++g) {
            const float* src = values + static_cast<size_t>(r) * cols + g * group;
            float amax = 0;
            for (int32_t k = 0; k < group; ++k)
                amax = std::max(amax, std::fabs(src[k]));
            const float scale = amax / qmax;
            const float inv = scale > 0 ? 1.0f / scale : 0.0f;
            for (int32_t k = 0; k < group; ++k)
                q[static_cast<size_t>(k)] = static_cast<int8_t>(std::clamp(
                    std::lrintf(src[k] * inv), -static_cast<long>(qmax), static_cast<long>(qmax)));
            owned->scales[static_cast<size_t>(r) * groups + g] = scale;
            if (type == MatrixType::Int8) {
                std::memcpy(dst + g * group, q.data(), static_cast<size_t>(group));
            } else {
                for (int32_t c = 0; c < group; c += 32) {
                    uint8_t* block = dst + (g * group + c) / 2;
                    for (int j = 0; j < 16; ++j)
                        block[j] =
                            static_cast<uint8_t>((q[c + j] + 8) | ((q[c + j + 16] + 8) << 4));
                }
            }
        }
    }
    m.data = owned->data.data();
    m.scales = owned->scales.data();
    m.storage = owned;
    return m;
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
                unpackInt4(src + k0 / 2, unpacked);
                q = unpacked;
            }
            for (int k = 0; k < 32; ++k)
                out[k0 + k] = scales[(k0 + k) / w.group] * q[k];
        }
        return;
    }
    }
}

void matmul(const Matrix& w, const float* x, int64_t n, float* y, ThreadPool& pool,
            const float* bias) {
    // Below this many multiply-adds a loop is not worth splitting across threads.
    constexpr int64_t kParallelWork = 1 << 15;
    const int64_t work = n * w.rows * static_cast<int64_t>(w.cols);
    const int64_t grain = 4;
    const bool integer = w.type == MatrixType::Int8 || w.type == MatrixType::Int4;

    // Quantised once by the calling thread, read by every worker (a named
    // reference: a lambda naming the thread_local itself would see each
    // worker's own, empty, instance).
    thread_local QuantizedActivations callerActivations;
    QuantizedActivations& xa = callerActivations;
    if (integer)
        quantizeActivations(x, n, w.cols, w.group, xa);

    auto rows = [&](int64_t begin, int64_t end, int) {
        const auto r0 = static_cast<int32_t>(begin);
        const auto r1 = static_cast<int32_t>(end);
#if DASH_X86
        if (kSimd) {
            if (integer)
                intRowsAvx2(w, xa, n, y, r0, r1);
            else
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
        rows(0, w.rows, 0);
    else
        pool.parallelFor(w.rows, grain, rows);

    if (bias)
        for (int64_t t = 0; t < n; ++t)
            for (int32_t r = 0; r < w.rows; ++r)
                y[t * w.rows + r] += bias[r];
}

} // namespace dash::cpu
