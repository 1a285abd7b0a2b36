// SPDX-License-Identifier: MIT
// The kernels behind matmul(), one set per instruction set (kernels_*.cpp).
// Internal to the CPU backend; matmul.cpp picks the set.
//
// Integer kernels compute, for every row r of a tile and token t, block by block:
//   D = Σ_k n_rk · q_tk (exact, in int32), then
//   symmetric types (offset c):   y += (a_r · d_t) · (D − c · S_t)
//   Q4_1, Q5_1:                   y += (a_r · d_t) · D + m_r · (d_t · S_t)
//   Q4_K, Q5_K:                   y += ((d_r · sc_r) · d_t) · D + (−dmin_r · mn_r) · (d_t · S_t)
//   Q6_K, halves h of 16:         y += (d_r · d_t) · Σ_h sc_rh · (D_h − 32 · S_th)
// with the activations' block scale d_t and code sum S_t (QuantizedActivations).
// Every path evaluates these same expressions; they differ only in how the
// float sums are ordered (the integer parts are exact).
#pragma once

#include "core/engine/cpu/matmul.h"

#include <cstdint>
#include <vector>

namespace dash::cpu {

// Activation rows quantised per block of 32 for the integer kernels:
//   x[t][k] ≈ d[t][b] · q[t][k], d = max|x| / 127 over block b, q = round(x / d)
// (to nearest, ties to even) in [-127, 127].
struct QuantizedActivations {
    int64_t n = 0;
    int32_t cols = 0;
    std::vector<int8_t> q;      // [n][cols]
    std::vector<float> d;       // [n][blocks]
    std::vector<int32_t> sum;   // [n][blocks]: Σ q over the block
    std::vector<int32_t> sum16; // [n][2 blocks]: Σ q over each half of the block
    std::vector<float> dsum;    // [n][blocks]: d · sum

    int32_t blocks() const { return cols / 32; }
    const int8_t* row(int64_t t) const { return q.data() + t * cols; }
};

// The same activations regrouped for the SIMD kernels: tokens in groups of
// `width` (8 for batches, 1 for a single token; the last group padded with
// zero tokens), so that a kernel finds everything a block needs for the
// tokens of a group at constant offsets from one pointer:
//   q:        [group][block][quad 0..7][token of group][4 bytes]
//   d, dsum:  [group][block][token of group]
//   negSum:   [group][block][token of group]   −Σ q over the block
//   negSum16: [group][block][half][token of group]
// With width 1 that is the layout of QuantizedActivations itself, so q, d
// and dsum then point into it (valid while it is unchanged).
struct GroupedActivations {
    int64_t n = 0;
    int32_t blocks = 0;
    int32_t width = 8;
    const int8_t* q = nullptr;
    const float* d = nullptr;
    const float* dsum = nullptr;
    const int32_t* negSum = nullptr;
    const int32_t* negSum16 = nullptr;

    int64_t groups() const { return (n + width - 1) / width; }
    // Offsets of group g's data in each array.
    size_t qOffset(int64_t g) const { return static_cast<size_t>(g) * blocks * 32 * width; }
    size_t factorOffset(int64_t g) const { return static_cast<size_t>(g) * blocks * width; }

    std::vector<int8_t> ownQ;
    std::vector<float> ownD, ownDsum;
    std::vector<int32_t> ownNegSum, ownNegSum16;
};

// Sizes the buffers for n rows of `cols` (a multiple of 32).
void prepareActivations(QuantizedActivations& a, int64_t n, int32_t cols);
// Regroups `a` (width 1 when a.n == 1, else 8).
void groupActivations(const QuantizedActivations& a, GroupedActivations& out);

// How far ahead of its loads a float decode kernel prefetches the matrix it
// streams. With the hardware prefetcher alone, the F16 products of a 0.5B
// decode step ran at 20-22 tok/s on the 2-core Intel machine; with every line
// also asked for 4 KiB ahead, at 23-28 (docs/results.md, "Prefetching").
inline constexpr size_t kStreamPrefetchBytes = 4096;

// Asks for the cache lines of [p, p + bytes) (bytes a multiple of 64; no
// effect on the results, and no fault past the end of a mapping).
inline void prefetchLines(const uint8_t* p, size_t bytes) {
    for (size_t b = 0; b < bytes; b += 64)
        __builtin_prefetch(p + b, 0, 3);
}

// ---- Portable reference (kernels_scalar.cpp)
void quantizeActivationsScalar(const float* x, int64_t n, int32_t cols, QuantizedActivations& out);
// Tiles [tile0, tile1) of a tiled matrix: y[t][row] for every token.
void tiledScalar(const Matrix& w, const QuantizedActivations& a, float* y, int32_t tile0,
                 int32_t tile1);
// Rows [r0, r1) of a float matrix.
void floatRowsScalar(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0, int32_t r1);

#if defined(__x86_64__)
// ---- AVX2 (kernels_avx2.cpp)
void quantizeActivationsAvx2(const float* x, int64_t n, int32_t cols, QuantizedActivations& out);
void tiledAvx2(const Matrix& w, const GroupedActivations& a, float* y, int32_t tile0,
               int32_t tile1);
void floatRowsAvx2(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0, int32_t r1);

// ---- AVX-512 F/BW/VL/DQ (kernels_avx512.cpp)
void quantizeActivationsAvx512(const float* x, int64_t n, int32_t cols, QuantizedActivations& out);
// Token groups firstGroup.. of `a` (all of them by default).
void tiledAvx512(const Matrix& w, const GroupedActivations& a, float* y, int32_t tile0,
                 int32_t tile1, int64_t firstGroup = 0);
// Float matrices: rows [r0, r1) (multiples of 16 except at the end).
void floatRowsAvx512(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0, int32_t r1);

// ---- AVX-512 VNNI (kernels_avx512_vnni.cpp)
void tiledAvx512Vnni(const Matrix& w, const GroupedActivations& a, float* y, int32_t tile0,
                     int32_t tile1, int64_t firstGroup = 0);

// ---- AVX-512 BF16 (kernels_avx512_bf16.cpp): BF16 matrices with activations
// rounded to bfloat16 (to nearest even), products summed in float32 by vdpbf16ps.
void bf16RowsAvx512Bf16(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0,
                        int32_t r1);

// ---- AMX (kernels_amx.cpp): tiles of 16 tokens through tdpbsud; fewer
// tokens go to the VNNI kernels.
void tiledAmx(const Matrix& w, const QuantizedActivations& a, const GroupedActivations& grouped,
              float* y, int32_t tile0, int32_t tile1);
#endif

} // namespace dash::cpu
