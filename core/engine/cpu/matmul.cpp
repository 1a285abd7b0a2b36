// SPDX-License-Identifier: MIT
#include "core/engine/cpu/matmul.h"

#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cstring>

namespace dash::cpu {

const char* matrixTypeName(MatrixType type) {
    switch (type) {
    case MatrixType::F32:
        return "F32";
    case MatrixType::F16:
        return "F16";
    case MatrixType::BF16:
        return "BF16";
    case MatrixType::Int8:
        return "INT8";
    case MatrixType::Int4:
        return "INT4";
    case MatrixType::Q8_0:
        return "Q8_0";
    case MatrixType::Q4_0:
        return "Q4_0";
    case MatrixType::Q4_1:
        return "Q4_1";
    case MatrixType::Q5_0:
        return "Q5_0";
    case MatrixType::Q5_1:
        return "Q5_1";
    case MatrixType::Q4_K:
        return "Q4_K";
    case MatrixType::Q5_K:
        return "Q5_K";
    case MatrixType::Q6_K:
        return "Q6_K";
    }
    return "?";
}

size_t Matrix::byteSize() const {
    switch (type) {
    case MatrixType::F32:
        return static_cast<size_t>(rows) * cols * 4;
    case MatrixType::F16:
    case MatrixType::BF16:
        return static_cast<size_t>(rows) * cols * 2;
    default: {
        const TiledFormat& f = tiledFormat(type);
        const size_t t = static_cast<size_t>(tiles());
        return t * blocks() * f.codeBytes + t * (blocks() / f.blocksPerSuper) * f.paramBytes;
    }
    }
}

namespace {

template <class T>
Matrix ownedFloatMatrix(MatrixType type, int32_t rows, int32_t cols, std::vector<T> values) {
    auto owned = std::make_shared<std::vector<T>>(std::move(values));
    Matrix m;
    m.type = type;
    m.rows = rows;
    m.cols = cols;
    m.data = reinterpret_cast<const uint8_t*>(owned->data());
    m.storage = owned;
    return m;
}

} // namespace

Matrix makeF32Matrix(int32_t rows, int32_t cols, std::vector<float> values) {
    return ownedFloatMatrix(MatrixType::F32, rows, cols, std::move(values));
}

Matrix makeF16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values) {
    return ownedFloatMatrix(MatrixType::F16, rows, cols, std::move(values));
}

Matrix makeBf16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values) {
    return ownedFloatMatrix(MatrixType::BF16, rows, cols, std::move(values));
}

void readRow(const Matrix& w, int32_t row, float* out) {
    switch (w.type) {
    case MatrixType::F32:
        std::memcpy(out, w.data + static_cast<size_t>(row) * w.cols * 4,
                    static_cast<size_t>(w.cols) * 4);
        return;
    case MatrixType::F16:
    case MatrixType::BF16: {
        const uint8_t* src = w.data + static_cast<size_t>(row) * w.cols * 2;
        for (int32_t k = 0; k < w.cols; ++k) {
            uint16_t h;
            std::memcpy(&h, src + 2 * k, 2);
            out[k] = w.type == MatrixType::F16 ? halfToFloat(h) : bf16ToFloat(h);
        }
        return;
    }
    default:
        break;
    }
    const TiledFormat& f = tiledFormat(w.type);
    const int32_t tile = row / kTileRows;
    const int r = row % kTileRows;
    uint8_t codes[kTileRows][kBlock];
    BlockFactors factors;
    int8_t q6[2][kTileRows];
    for (int32_t b = 0; b < w.blocks(); ++b) {
        unpackTileCodes(f, tileCodes(w, tile, b), codes);
        blockFactors(w, tile, b, factors);
        float* dst = out + b * kBlock;
        if (f.params == ParamKind::Q6K) {
            q6Scales(w, tile, b, q6);
            for (int k = 0; k < kBlock; ++k)
                dst[k] = factors.scale[r] * static_cast<float>(q6[k / 16][r]) *
                         static_cast<float>(codes[r][k] - 32);
        } else if (f.offset != 0) {
            for (int k = 0; k < kBlock; ++k)
                dst[k] = factors.scale[r] * static_cast<float>(codes[r][k] - f.offset);
        } else {
            for (int k = 0; k < kBlock; ++k)
                dst[k] = factors.scale[r] * static_cast<float>(codes[r][k]) + factors.bias[r];
        }
    }
}

namespace {

void quantizeActivations(const float* x, int64_t n, int32_t cols, Isa isa,
                         QuantizedActivations& out) {
#if defined(__x86_64__)
    if (hasLevel(isa, Isa::Avx512)) {
        quantizeActivationsAvx512(x, n, cols, out);
        return;
    }
    if (hasLevel(isa, Isa::Avx2)) {
        quantizeActivationsAvx2(x, n, cols, out);
        return;
    }
#endif
    (void)isa;
    quantizeActivationsScalar(x, n, cols, out);
}

// Tiles [tile0, tile1) of a tiled matrix with the kernels of `isa`.
void tiledTiles(const Matrix& w, const QuantizedActivations& a, const GroupedActivations& g,
                float* y, int32_t tile0, int32_t tile1, Isa isa) {
#if defined(__x86_64__)
    switch (isa) {
    case Isa::Amx:
        tiledAmx(w, a, g, y, tile0, tile1);
        return;
    case Isa::Avx512Bf16:
    case Isa::Avx512Vnni:
        tiledAvx512Vnni(w, g, y, tile0, tile1);
        return;
    case Isa::Avx512:
        tiledAvx512(w, g, y, tile0, tile1);
        return;
    case Isa::Avx2:
        tiledAvx2(w, g, y, tile0, tile1);
        return;
    case Isa::Scalar:
        break;
    }
#else
    (void)isa;
#endif
    tiledScalar(w, a, y, tile0, tile1);
}

void floatRows(const Matrix& w, const float* x, int64_t n, float* y, int32_t r0, int32_t r1,
               Isa isa) {
#if defined(__x86_64__)
    if (w.type == MatrixType::BF16 && hasLevel(isa, Isa::Avx512Bf16)) {
        bf16RowsAvx512Bf16(w, x, n, y, r0, r1);
        return;
    }
    if (hasLevel(isa, Isa::Avx512)) {
        floatRowsAvx512(w, x, n, y, r0, r1);
        return;
    }
    if (hasLevel(isa, Isa::Avx2)) {
        floatRowsAvx2(w, x, n, y, r0, r1);
        return;
    }
#else
    (void)isa;
#endif
    floatRowsScalar(w, x, n, y, r0, r1);
}

} // namespace

void matmul(const Matrix& w, const float* x, int64_t n, float* y, ThreadPool& pool, Isa isa,
            const float* bias) {
    // Below this many multiply-adds a loop is not worth splitting across threads:
    // handing chunks to a worker and waiting for it costs a few microseconds,
    // as much as a decode step's 128 x 352 product takes on one core.
    constexpr int64_t kParallelWork = 1 << 18;
    const int64_t work = n * w.rows * static_cast<int64_t>(w.cols);
    const bool parallel = work >= kParallelWork && pool.size() > 1;

    if (isTiled(w.type)) {
        // Quantised once by the calling thread, read by every worker (a named
        // reference: a lambda naming the thread_local itself would see each
        // worker's own, empty, instance).
        thread_local QuantizedActivations callerActivations;
        thread_local GroupedActivations callerGrouped;
        QuantizedActivations& a = callerActivations;
        GroupedActivations& g = callerGrouped;
        quantizeActivations(x, n, w.cols, isa, a);
        if (isa != Isa::Scalar)
            groupActivations(a, g);
        auto tiles = [&](int64_t begin, int64_t end) {
            tiledTiles(w, a, g, y, static_cast<int32_t>(begin), static_cast<int32_t>(end), isa);
        };
        if (parallel)
            pool.parallelFor(w.tiles(), 1, tiles);
        else
            tiles(0, w.tiles());
    } else {
        auto rows = [&](int64_t begin, int64_t end) {
            floatRows(w, x, n, y, static_cast<int32_t>(begin), static_cast<int32_t>(end), isa);
        };
        // Chunks of 16 rows: the AVX-512 kernels work on tiles of 16.
        if (parallel)
            pool.parallelFor(w.rows, 16, rows);
        else
            rows(0, w.rows);
    }

    if (bias)
        for (int64_t t = 0; t < n; ++t)
            for (int32_t r = 0; r < w.rows; ++r)
                y[t * w.rows + r] += bias[r];
}

} // namespace dash::cpu
