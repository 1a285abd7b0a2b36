// SPDX-License-Identifier: MIT
// Portable kernels: the reference every SIMD path is tested against, and the
// fallback on CPUs without AVX2.
#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/tiled_layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dash::cpu {

void prepareActivations(QuantizedActivations& a, int64_t n, int32_t cols) {
    a.n = n;
    a.cols = cols;
    const size_t blocks = static_cast<size_t>(n) * static_cast<size_t>(cols / 32);
    a.q.resize(static_cast<size_t>(n) * cols);
    a.d.resize(blocks);
    a.sum.resize(blocks);
    a.sum16.resize(2 * blocks);
    a.dsum.resize(blocks);
}

void groupActivations(const QuantizedActivations& a, GroupedActivations& out) {
    out.n = a.n;
    out.blocks = a.blocks();
    out.width = a.n == 1 ? 1 : 8;
    const int w = out.width;
    const size_t factors = static_cast<size_t>(out.groups()) * out.blocks * w;
    out.ownNegSum.resize(factors);
    out.ownNegSum16.resize(2 * factors);
    if (w == 1) {
        out.q = a.q.data();
        out.d = a.d.data();
        out.dsum = a.dsum.data();
        for (size_t i = 0; i < factors; ++i)
            out.ownNegSum[i] = -a.sum[i];
        for (size_t i = 0; i < 2 * factors; ++i)
            out.ownNegSum16[i] = -a.sum16[i];
        out.negSum = out.ownNegSum.data();
        out.negSum16 = out.ownNegSum16.data();
        return;
    }
    // Padding tokens of the last group are zero: d = 0 scales them away.
    out.ownQ.assign(factors * 32, 0);
    out.ownD.assign(factors, 0.0f);
    out.ownDsum.assign(factors, 0.0f);
    std::fill(out.ownNegSum.begin(), out.ownNegSum.end(), 0);
    std::fill(out.ownNegSum16.begin(), out.ownNegSum16.end(), 0);
    for (int64_t t = 0; t < a.n; ++t) {
        const int64_t g = t / w;
        const int i = static_cast<int>(t % w);
        const int8_t* src = a.row(t);
        for (int32_t b = 0; b < out.blocks; ++b) {
            const size_t base = out.factorOffset(g) + static_cast<size_t>(b) * w;
            int8_t* dst = out.ownQ.data() + out.qOffset(g) + static_cast<size_t>(b) * 32 * w;
            for (int q = 0; q < 8; ++q)
                std::memcpy(dst + (q * w + i) * 4, src + b * 32 + q * 4, 4);
            const size_t ab = static_cast<size_t>(t) * out.blocks + b;
            out.ownD[base + i] = a.d[ab];
            out.ownDsum[base + i] = a.dsum[ab];
            out.ownNegSum[base + i] = -a.sum[ab];
            out.ownNegSum16[2 * base + i] = -a.sum16[2 * ab];
            out.ownNegSum16[2 * base + w + i] = -a.sum16[2 * ab + 1];
        }
    }
    out.q = out.ownQ.data();
    out.d = out.ownD.data();
    out.dsum = out.ownDsum.data();
    out.negSum = out.ownNegSum.data();
    out.negSum16 = out.ownNegSum16.data();
}

void quantizeActivationsScalar(const float* x, int64_t n, int32_t cols, QuantizedActivations& out) {
    prepareActivations(out, n, cols);
    const int32_t blocks = cols / 32;
    for (int64_t t = 0; t < n; ++t) {
        for (int32_t b = 0; b < blocks; ++b) {
            const float* src = x + t * cols + b * 32;
            int8_t* dst = out.q.data() + t * cols + b * 32;
            float amax = 0;
            for (int k = 0; k < 32; ++k)
                amax = std::max(amax, std::fabs(src[k]));
            const float d = amax / 127.0f;
            const float inv = d > 0 ? 1.0f / d : 0.0f;
            int32_t half[2] = {0, 0};
            for (int k = 0; k < 32; ++k) {
                const int v = static_cast<int>(std::nearbyint(src[k] * inv));
                dst[k] = static_cast<int8_t>(v);
                half[k / 16] += v;
            }
            const size_t i = static_cast<size_t>(t) * blocks + b;
            out.d[i] = d;
            out.sum[i] = half[0] + half[1];
            out.sum16[2 * i] = half[0];
            out.sum16[2 * i + 1] = half[1];
            out.dsum[i] = d * static_cast<float>(half[0] + half[1]);
        }
    }
}

void tiledScalar(const Matrix& w, const QuantizedActivations& a, float* y, int32_t tile0,
                 int32_t tile1) {
    const TiledFormat& f = tiledFormat(w.type);
    const int32_t blocks = w.blocks();
    const int64_t n = a.n;
    uint8_t codes[kTileRows][kBlock];
    BlockFactors factors;
    int8_t q6[2][kTileRows];
    std::vector<float> acc(static_cast<size_t>(n) * kTileRows);
    for (int32_t tile = tile0; tile < tile1; ++tile) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int32_t b = 0; b < blocks; ++b) {
            unpackTileCodes(f, tileCodes(w, tile, b), codes);
            blockFactors(w, tile, b, factors);
            if (f.params == ParamKind::Q6K)
                q6Scales(w, tile, b, q6);
            for (int64_t t = 0; t < n; ++t) {
                const int8_t* xq = a.row(t) + b * kBlock;
                const size_t ab = static_cast<size_t>(t) * blocks + b;
                const float dx = a.d[ab];
                for (int r = 0; r < kTileRows; ++r) {
                    int32_t dot[2] = {0, 0};
                    for (int k = 0; k < kBlock; ++k)
                        dot[k / 16] += codes[r][k] * xq[k];
                    float& out = acc[static_cast<size_t>(t) * kTileRows + r];
                    switch (f.params) {
                    case ParamKind::ScaleF16:
                        out += (factors.scale[r] * dx) *
                               static_cast<float>(dot[0] + dot[1] - f.offset * a.sum[ab]);
                        break;
                    case ParamKind::ScaleMinF16:
                    case ParamKind::KQuant:
                        out += (factors.scale[r] * dx) * static_cast<float>(dot[0] + dot[1]) +
                               factors.bias[r] * a.dsum[ab];
                        break;
                    case ParamKind::Q6K:
                        out += (factors.scale[r] * dx) *
                               static_cast<float>(q6[0][r] * (dot[0] - 32 * a.sum16[2 * ab]) +
                                                  q6[1][r] * (dot[1] - 32 * a.sum16[2 * ab + 1]));
                        break;
                    }
                }
            }
        }
        for (int64_t t = 0; t < n; ++t)
            for (int r = 0; r < kTileRows; ++r) {
                const int32_t row = tile * kTileRows + r;
                if (row < w.rows)
                    y[t * w.rows + row] = acc[static_cast<size_t>(t) * kTileRows + r];
            }
    }
}

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

} // namespace dash::cpu
