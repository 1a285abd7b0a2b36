// SPDX-License-Identifier: MIT
// AVX2 kernels: activation quantisation, float matrices (F32, F16, BF16) and
// tiled integer matrices through vpmaddubsw + vpmaddwd (a tile of 16 rows is
// two vectors of 8 lanes).
#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>

#define DASH_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace dash::cpu {

namespace {

DASH_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

DASH_AVX2 inline int32_t hsumInt(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

} // namespace

// ---------------------------------------------------------------------------
// Activations

DASH_AVX2 void quantizeActivationsAvx2(const float* x, int64_t n, int32_t cols,
                                       QuantizedActivations& out) {
    prepareActivations(out, n, cols);
    const int32_t blocks = cols / 32;
    const __m256 signMask = _mm256_set1_ps(-0.0f);
    // packs interleave 128-bit lanes; this restores element order.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t b = 0; b < blocks; ++b) {
            const float* src = x + t * cols + b * 32;
            __m256 v[4];
            __m256 amax = _mm256_setzero_ps();
            for (int i = 0; i < 4; ++i) {
                v[i] = _mm256_loadu_ps(src + 8 * i);
                amax = _mm256_max_ps(amax, _mm256_andnot_ps(signMask, v[i]));
            }
            __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
            m = _mm_max_ps(m, _mm_movehl_ps(m, m));
            m = _mm_max_ss(m, _mm_movehdup_ps(m));
            const float d = _mm_cvtss_f32(m) / 127.0f;
            const __m256 inv = _mm256_set1_ps(d > 0 ? 1.0f / d : 0.0f);
            __m256i q[4];
            for (int i = 0; i < 4; ++i)
                q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], inv));
            const int32_t s0 = hsumInt(_mm256_add_epi32(q[0], q[1]));
            const int32_t s1 = hsumInt(_mm256_add_epi32(q[2], q[3]));
            const __m256i packed = _mm256_permutevar8x32_epi32(
                _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3])),
                order);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.q.data() + t * cols + b * 32),
                                packed);
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

// 8 consecutive weights of a float matrix row as float32.
DASH_AVX2 inline __m256 loadWeights8(MatrixType type, const uint8_t* row, int32_t k) {
    switch (type) {
    case MatrixType::F32:
        return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + k);
    case MatrixType::F16:
        return _mm256_cvtph_ps(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * static_cast<size_t>(k))));
    default:
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128(
                reinterpret_cast<const __m128i*>(row + 2 * static_cast<size_t>(k)))),
            16));
    }
}

float weightAt(MatrixType type, const uint8_t* row, int32_t k) {
    if (type == MatrixType::F32) {
        float v;
        std::memcpy(&v, row + 4 * static_cast<size_t>(k), 4);
        return v;
    }
    uint16_t h;
    std::memcpy(&h, row + 2 * static_cast<size_t>(k), 2);
    return type == MatrixType::F16 ? halfToFloat(h) : bf16ToFloat(h);
}

size_t elementBytes(MatrixType type) {
    return type == MatrixType::F32 ? 4 : 2;
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

// One activation row against weights streamed straight from memory: the
// decode path, bound by the bandwidth of reading the weights. Rows are read
// one after the other, so a thread's rows form one sequential stream for the
// hardware prefetcher (interleaving four rows, four streams a row apart, ran
// at well under half the bandwidth); four accumulators hide the FMA latency.
DASH_AVX2 void rowsOneToken(const Matrix& w, const float* x, float* y, int32_t r0, int32_t r1) {
    const int32_t cols = w.cols;
    const int32_t c8 = cols & ~7;
    const int32_t c32 = cols & ~31;
    const size_t rowBytes = static_cast<size_t>(cols) * elementBytes(w.type);
    for (int32_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.data + static_cast<size_t>(r) * rowBytes;
        __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                       _mm256_setzero_ps()};
        for (int32_t k = 0; k < c32; k += 32) {
            prefetchLines(row + static_cast<size_t>(k) * elementBytes(w.type) +
                              kStreamPrefetchBytes,
                          32 * elementBytes(w.type));
            for (int u = 0; u < 4; ++u)
                a[u] = _mm256_fmadd_ps(loadWeights8(w.type, row, k + 8 * u),
                                       _mm256_loadu_ps(x + k + 8 * u), a[u]);
        }
        for (int32_t k = c32; k < c8; k += 8)
            a[0] = _mm256_fmadd_ps(loadWeights8(w.type, row, k), _mm256_loadu_ps(x + k), a[0]);
        float s = hsum(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])));
        for (int32_t k = c8; k < cols; ++k)
            s += weightAt(w.type, row, k) * x[k];
        y[r] = s;
    }
}

DASH_AVX2 void rowToF32(MatrixType type, const uint8_t* row, float* dst, int32_t count) {
    int32_t k = 0;
    for (; k + 8 <= count; k += 8)
        _mm256_storeu_ps(dst + k, loadWeights8(type, row, k));
    for (; k < count; ++k)
        dst[k] = weightAt(type, row, k);
}

} // namespace

DASH_AVX2 void floatRowsAvx2(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0,
                             int32_t r1) {
    if (n == 1) {
        rowsOneToken(w, x, y, r0, r1);
        return;
    }
    const int32_t cols = w.cols;
    const size_t rowBytes = static_cast<size_t>(cols) * elementBytes(w.type);
    // Four rows at a time converted to float32 (F32 rows are read in place).
    thread_local std::vector<float> converted;
    if (w.type != MatrixType::F32)
        converted.resize(static_cast<size_t>(4) * cols);
    for (int32_t r = r0; r < r1; r += 4) {
        const int32_t valid = std::min(4, r1 - r);
        const float* rows[4];
        for (int i = 0; i < 4; ++i) {
            // Missing rows of a partial tile repeat the last real row; their
            // results are not stored.
            const int32_t src = r + std::min(i, valid - 1);
            const uint8_t* row = w.data + static_cast<size_t>(src) * rowBytes;
            if (w.type == MatrixType::F32) {
                rows[i] = reinterpret_cast<const float*>(row);
            } else {
                rowToF32(w.type, row, converted.data() + static_cast<size_t>(i) * cols, cols);
                rows[i] = converted.data() + static_cast<size_t>(i) * cols;
            }
        }
        fourRowsAllTokens(rows, cols, x, n, y, w.rows, r, valid);
    }
}

// ---------------------------------------------------------------------------
// Tiled integer matrices: the algorithm of kernels_avx512_tiled.inc with each
// 64-byte quad split into two vectors (rows 0-7 and 8-15).

namespace {

DASH_AVX2 inline __m256i load32(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

DASH_AVX2 inline __m256i bcast4(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

// acc + Σ of 4 products of unsigned codes (<= 63) and signed bytes per lane.
DASH_AVX2 inline __m256i dot4(__m256i acc, __m256i codes, __m256i x) {
    return _mm256_add_epi32(
        acc, _mm256_madd_epi16(_mm256_maddubs_epi16(codes, x), _mm256_set1_epi16(1)));
}

// 8-bit codes n = q + 128: |q| times x with q's sign (vpmaddubsw would
// saturate on 255 · 127 pairs).
DASH_AVX2 inline __m256i dot4Code8(__m256i acc, __m256i codes, __m256i x) {
    const __m256i q = _mm256_xor_si256(codes, _mm256_set1_epi8(static_cast<char>(0x80)));
    return _mm256_add_epi32(
        acc, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(q), _mm256_sign_epi8(x, q)),
                               _mm256_set1_epi16(1)));
}

// Adds `bit` to the 32 bytes whose bits are set in the 32-bit mask at p.
DASH_AVX2 inline __m256i addPlane(__m256i codes, const uint8_t* p, int bit) {
    uint32_t m;
    std::memcpy(&m, p, 4);
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int32_t>(m)),
                            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
                                             2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bits = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bits), bits);
    return _mm256_add_epi8(codes, _mm256_and_si256(set, _mm256_set1_epi8(static_cast<char>(bit))));
}

// The codes of quad pair (p, p + 4), half h, of one block of a 4/5/6-bit tile
// at c: the low nibbles are quad p's, the high ones quad p + 4's, each with
// the block's extra bit planes (5- and 6-bit formats) added.
template <int Bits>
DASH_AVX2 inline void unpackQuadPair(const uint8_t* c, int p, int h, __m256i& lo, __m256i& hi) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i v = load32(c + 64 * p + 32 * h);
    lo = _mm256_and_si256(v, low4);
    hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    if constexpr (Bits >= 5) {
        lo = addPlane(lo, c + 256 + 8 * p + 4 * h, 0x10);
        hi = addPlane(hi, c + 256 + 8 * (p + 4) + 4 * h, 0x10);
    }
    if constexpr (Bits >= 6) {
        lo = addPlane(lo, c + 320 + 8 * p + 4 * h, 0x20);
        hi = addPlane(hi, c + 320 + 8 * (p + 4) + 4 * h, 0x20);
    }
}

DASH_AVX2 inline __m256 loadHalves8(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

DASH_AVX2 inline __m256 bytesToFloat8(const uint8_t* p) {
    return _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// The float scale `a` and minimum `b` (zero where the format has none) of the
// eight rows of half h of one block's parameters at P; `sub` picks a K-quant
// sub-block's 8-bit scales and minima.
template <ParamKind PK>
DASH_AVX2 inline void loadBlockParams(const uint8_t* P, int sub, int h, __m256& a, __m256& b) {
    b = _mm256_setzero_ps();
    if constexpr (PK == ParamKind::ScaleF16 || PK == ParamKind::Q6K) {
        a = loadHalves8(P + 16 * h);
    } else if constexpr (PK == ParamKind::ScaleMinF16) {
        a = loadHalves8(P + 16 * h);
        b = loadHalves8(P + 32 + 16 * h);
    } else {
        a = _mm256_mul_ps(loadHalves8(P + 16 * h), bytesToFloat8(P + 64 + sub * 32 + 8 * h));
        b = _mm256_mul_ps(loadHalves8(P + 32 + 16 * h),
                          bytesToFloat8(P + 64 + sub * 32 + 16 + 8 * h));
    }
}

// A tile's 16 row results (two halves of 8) to dst; a partial last tile
// writes only its `valid` rows.
DASH_AVX2 inline void storeTileRows(float* dst, __m256 lo, __m256 hi, int valid) {
    if (valid == kTileRows) {
        _mm256_storeu_ps(dst, lo);
        _mm256_storeu_ps(dst + 8, hi);
        return;
    }
    float lanes[16];
    _mm256_storeu_ps(lanes, lo);
    _mm256_storeu_ps(lanes + 8, hi);
    std::memcpy(dst, lanes, sizeof(float) * static_cast<size_t>(valid));
}

template <int Bits, ParamKind PK>
struct Format {
    static constexpr int kCodeBytes = Bits == 8 ? 512 : 256 + 64 * (Bits - 4);
    static constexpr bool kSuper = PK == ParamKind::KQuant || PK == ParamKind::Q6K;
    static constexpr int kBlocksPerSuper = kSuper ? 8 : 1;
    static constexpr int kParamBytes = PK == ParamKind::ScaleF16      ? 32
                                       : PK == ParamKind::ScaleMinF16 ? 64
                                       : PK == ParamKind::KQuant      ? 320
                                                                      : 288;
    // 8-bit codes go through the sign trick, which removes their offset.
    static constexpr bool kSymmetric = PK == ParamKind::ScaleF16;
    static constexpr int kShift = kSymmetric && Bits != 8 ? Bits - 1 : 0;
};

// MR tokens (i0.. of token group `group`, GW tokens wide) against one tile.
template <int Bits, ParamKind PK, int MR, int GW>
DASH_AVX2 void tileTokens(const Matrix& w, const GroupedActivations& a, int32_t tile, int64_t group,
                          int i0, float* y) {
    using F = Format<Bits, PK>;
    constexpr bool kSplit = PK == ParamKind::Q6K;
    const int32_t blocks = w.blocks();
    const uint8_t* codes = w.data + static_cast<size_t>(tile) * blocks * F::kCodeBytes;
    const uint8_t* params =
        w.params + static_cast<size_t>(tile) * (blocks / F::kBlocksPerSuper) * F::kParamBytes;
    const int8_t* xq = a.q + a.qOffset(group) + i0 * 4;
    const size_t fo = a.factorOffset(group) + static_cast<size_t>(i0);
    const float* dx = a.d + fo;
    const float* ds = a.dsum + fo;
    const int32_t* ns = a.negSum + fo;
    const int32_t* ns16 = a.negSum16 + 2 * a.factorOffset(group) + i0;
    __m256 yacc[MR][2];
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i)
        yacc[i][0] = yacc[i][1] = _mm256_setzero_ps();
    for (int32_t b = 0; b < blocks; ++b) {
        __m256i acc[MR][2], acc2[MR][2];
#pragma GCC unroll 4
        for (int i = 0; i < MR; ++i) {
            if constexpr (kSplit) {
                acc[i][0] = acc[i][1] = _mm256_slli_epi32(_mm256_set1_epi32(ns16[i]), 5);
                acc2[i][0] = acc2[i][1] = _mm256_slli_epi32(_mm256_set1_epi32(ns16[GW + i]), 5);
            } else {
                acc[i][0] = acc[i][1] = F::kShift
                                            ? _mm256_slli_epi32(_mm256_set1_epi32(ns[i]), F::kShift)
                                            : _mm256_setzero_si256();
            }
        }
        if constexpr (Bits == 8) {
#pragma GCC unroll 8
            for (int q = 0; q < 8; ++q) {
#pragma GCC unroll 2
                for (int h = 0; h < 2; ++h) {
                    const __m256i wq = load32(codes + 64 * q + 32 * h);
#pragma GCC unroll 4
                    for (int i = 0; i < MR; ++i)
                        acc[i][h] = dot4Code8(acc[i][h], wq, bcast4(xq + (q * GW + i) * 4));
                }
            }
        } else {
#pragma GCC unroll 4
            for (int p = 0; p < 4; ++p) {
#pragma GCC unroll 2
                for (int h = 0; h < 2; ++h) {
                    __m256i lo, hi;
                    unpackQuadPair<Bits>(codes, p, h, lo, hi);
#pragma GCC unroll 4
                    for (int i = 0; i < MR; ++i) {
                        acc[i][h] = dot4(acc[i][h], lo, bcast4(xq + (p * GW + i) * 4));
                        __m256i& target = kSplit ? acc2[i][h] : acc[i][h];
                        target = dot4(target, hi, bcast4(xq + ((p + 4) * GW + i) * 4));
                    }
                }
            }
        }
        const uint8_t* P = params + (b / F::kBlocksPerSuper) * F::kParamBytes;
        const int sub = b % F::kBlocksPerSuper;
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            __m256 av, bv;
            __m256i sc0 = _mm256_setzero_si256(), sc1 = sc0;
            loadBlockParams<PK>(P, sub, h, av, bv);
            if constexpr (kSplit) {
                sc0 = _mm256_cvtepi8_epi32(
                    _mm_loadl_epi64(reinterpret_cast<const __m128i*>(P + 32 + sub * 32 + 8 * h)));
                sc1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(
                    reinterpret_cast<const __m128i*>(P + 32 + sub * 32 + 16 + 8 * h)));
            }
#pragma GCC unroll 4
            for (int i = 0; i < MR; ++i) {
                __m256i total = acc[i][h];
                if constexpr (kSplit)
                    total = _mm256_add_epi32(_mm256_mullo_epi32(acc[i][h], sc0),
                                             _mm256_mullo_epi32(acc2[i][h], sc1));
                const __m256 s = _mm256_mul_ps(av, _mm256_set1_ps(dx[i]));
                yacc[i][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), s, yacc[i][h]);
                if constexpr (PK == ParamKind::ScaleMinF16)
                    yacc[i][h] = _mm256_fmadd_ps(bv, _mm256_set1_ps(ds[i]), yacc[i][h]);
                else if constexpr (PK == ParamKind::KQuant)
                    yacc[i][h] = _mm256_fnmadd_ps(bv, _mm256_set1_ps(ds[i]), yacc[i][h]);
            }
        }
        codes += F::kCodeBytes;
        xq += 32 * GW;
        dx += GW;
        ds += GW;
        ns += GW;
        ns16 += 2 * GW;
    }
    const int32_t row0 = tile * kTileRows;
    const int valid = std::min(kTileRows, w.rows - row0);
    const int64_t t0 = group * GW + i0;
    for (int i = 0; i < MR; ++i)
        storeTileRows(y + (t0 + i) * w.rows + row0, yacc[i][0], yacc[i][1], valid);
}

// One token (a decode step) against NT consecutive tiles from `tile0`, the
// AVX2 form of tilesOneToken in kernels_avx512_tiled.inc: each activation
// broadcast (one per quad of a block) feeds the NT · 2 tile-halves, whose
// accumulation chains are independent of each other, and the codes of the
// next blocks are prefetched. With 16 ymm registers, NT = 4 leaves room for
// the 8 integer chains, 2 broadcasts and the decoded codes; the float
// accumulators go to memory once per block. The integer sums and the float
// expressions are those of tileTokens<..., 1, 1>, so the results are the same
// to the bit.
template <int Bits, ParamKind PK, int NT>
DASH_AVX2 void tilesOneToken(const Matrix& w, const GroupedActivations& a, int32_t tile0,
                             float* y) {
    using F = Format<Bits, PK>;
    static_assert(PK != ParamKind::Q6K, "Q6_K halves are scaled apart: tileTokens");
    const int32_t blocks = w.blocks();
    const size_t codeStride = static_cast<size_t>(blocks) * F::kCodeBytes;
    const size_t paramStride = static_cast<size_t>(blocks / F::kBlocksPerSuper) * F::kParamBytes;
    const uint8_t* codes = w.data + static_cast<size_t>(tile0) * codeStride;
    const uint8_t* params = w.params + static_cast<size_t>(tile0) * paramStride;
    const int8_t* xq = a.q;
    // Rows of 8 blocks or fewer (the demo model's 128 columns): four blocks
    // ahead would land inside the tiles being read, so the same block of the
    // next NT tiles instead, which the next call reads.
    const bool shortRows = blocks <= 8;
    const size_t codeAhead = shortRows ? NT * codeStride : 4 * F::kCodeBytes;
    const size_t paramAhead = shortRows ? NT * paramStride : 4 * F::kParamBytes;
    __m256 yacc[NT][2];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t)
        yacc[t][0] = yacc[t][1] = _mm256_setzero_ps();
    for (int32_t b = 0; b < blocks; ++b) {
        const __m256i start = F::kShift
                                  ? _mm256_slli_epi32(_mm256_set1_epi32(a.negSum[b]), F::kShift)
                                  : _mm256_setzero_si256();
        const __m256 dxv = _mm256_set1_ps(a.d[b]);
        const __m256 dsv = _mm256_set1_ps(a.dsum[b]);
        const size_t po = static_cast<size_t>(b / F::kBlocksPerSuper) * F::kParamBytes;
        const int sub = b % F::kBlocksPerSuper;
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const uint8_t* c = codes + t * codeStride;
            for (int o = 0; o < F::kCodeBytes; o += 64)
                _mm_prefetch(reinterpret_cast<const char*>(c + codeAhead + o), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(params + t * paramStride + po + paramAhead),
                         _MM_HINT_T0);
        }
        // One chain per tile-half (NT · 2 of them), each broadcast feeding them all.
        __m256i acc[NT][2];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t][0] = acc[t][1] = start;
        if constexpr (Bits == 8) {
            // Not unrolled: unrolled, the compiler hoists the quads' loads and
            // spills them.
#pragma GCC unroll 1
            for (int q = 0; q < 8; ++q) {
                const __m256i x = bcast4(xq + 4 * q);
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t)
#pragma GCC unroll 2
                    for (int h = 0; h < 2; ++h)
                        acc[t][h] = dot4Code8(acc[t][h],
                                              load32(codes + t * codeStride + 64 * q + 32 * h), x);
            }
        } else {
#pragma GCC unroll 1
            for (int p = 0; p < 4; ++p) {
                const __m256i xlo = bcast4(xq + 4 * p);
                const __m256i xhi = bcast4(xq + 4 * (p + 4));
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* c = codes + t * codeStride;
#pragma GCC unroll 2
                    for (int h = 0; h < 2; ++h) {
                        __m256i lo, hi;
                        unpackQuadPair<Bits>(c, p, h, lo, hi);
                        acc[t][h] = dot4(dot4(acc[t][h], lo, xlo), hi, xhi);
                    }
                }
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const uint8_t* P = params + t * paramStride + po;
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const __m256i total = acc[t][h];
                __m256 av, bv;
                loadBlockParams<PK>(P, sub, h, av, bv);
                const __m256 s = _mm256_mul_ps(av, dxv);
                yacc[t][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), s, yacc[t][h]);
                if constexpr (PK == ParamKind::ScaleMinF16)
                    yacc[t][h] = _mm256_fmadd_ps(bv, dsv, yacc[t][h]);
                else if constexpr (PK == ParamKind::KQuant)
                    yacc[t][h] = _mm256_fnmadd_ps(bv, dsv, yacc[t][h]);
            }
        }
        codes += F::kCodeBytes;
        xq += 32;
    }
    for (int t = 0; t < NT; ++t) {
        const int32_t row0 = (tile0 + t) * kTileRows;
        storeTileRows(y + row0, yacc[t][0], yacc[t][1], std::min(kTileRows, w.rows - row0));
    }
}

template <int Bits, ParamKind PK>
DASH_AVX2 void tilesOfFormat(const Matrix& w, const GroupedActivations& a, float* y, int32_t tile0,
                             int32_t tile1) {
    // Two tokens share each decoded code vector where registers allow.
    constexpr int kTokens = PK == ParamKind::Q6K ? 1 : 2;
    if constexpr (PK != ParamKind::Q6K) {
        if (a.width == 1) {
            int32_t tile = tile0;
            for (; tile + 4 <= tile1; tile += 4)
                tilesOneToken<Bits, PK, 4>(w, a, tile, y);
            if (tile + 2 <= tile1) {
                tilesOneToken<Bits, PK, 2>(w, a, tile, y);
                tile += 2;
            }
            if (tile < tile1)
                tilesOneToken<Bits, PK, 1>(w, a, tile, y);
            return;
        }
    }
    for (int32_t tile = tile0; tile < tile1; ++tile) {
        if (a.width == 1) {
            tileTokens<Bits, PK, 1, 1>(w, a, tile, 0, 0, y);
            continue;
        }
        for (int64_t g = 0; g < a.groups(); ++g) {
            const int64_t left = std::min<int64_t>(8, a.n - g * 8);
            int i = 0;
            for (; i + kTokens <= left; i += kTokens)
                tileTokens<Bits, PK, kTokens, 8>(w, a, tile, g, i, y);
            for (; i < left; ++i)
                tileTokens<Bits, PK, 1, 8>(w, a, tile, g, i, y);
        }
    }
}

} // namespace

DASH_AVX2 void tiledAvx2(const Matrix& w, const GroupedActivations& a, float* y, int32_t tile0,
                         int32_t tile1) {
    switch (w.type) {
    case MatrixType::Int8:
    case MatrixType::Q8_0:
        return tilesOfFormat<8, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
    case MatrixType::Int4:
    case MatrixType::Q4_0:
        return tilesOfFormat<4, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
    case MatrixType::Q5_0:
        return tilesOfFormat<5, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
    case MatrixType::Q4_1:
        return tilesOfFormat<4, ParamKind::ScaleMinF16>(w, a, y, tile0, tile1);
    case MatrixType::Q5_1:
        return tilesOfFormat<5, ParamKind::ScaleMinF16>(w, a, y, tile0, tile1);
    case MatrixType::Q4_K:
        return tilesOfFormat<4, ParamKind::KQuant>(w, a, y, tile0, tile1);
    case MatrixType::Q5_K:
        return tilesOfFormat<5, ParamKind::KQuant>(w, a, y, tile0, tile1);
    case MatrixType::Q6_K:
        return tilesOfFormat<6, ParamKind::Q6K>(w, a, y, tile0, tile1);
    default:
        return;
    }
}

} // namespace dash::cpu
