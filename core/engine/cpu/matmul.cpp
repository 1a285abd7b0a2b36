// SPDX-License-Identifier: MIT
#include "core/engine/cpu/matmul.h"

#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <array>
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
    const Product p{&w, y, bias};
    matmulShared(std::span<const Product>(&p, 1), x, n, pool, isa);
}

void matmulShared(std::span<const Product> products, const float* x, int64_t n, ThreadPool& pool,
                  Isa isa) {
    if (products.empty() || n <= 0)
        return;
    // Below this many multiply-adds a loop is not worth splitting across threads:
    // handing chunks to a worker and waiting for it costs a few microseconds,
    // as much as a decode step's 128 x 352 product takes on one core.
    constexpr int64_t kParallelWork = 1 << 18;
    const int32_t cols = products[0].w->cols;
    int64_t rows = 0;
    bool anyTiled = false;
    // Units of 16 rows: a tile of a tiled matrix, a chunk of a float one.
    std::array<int64_t, 8> firstUnit{};
    std::vector<int64_t> manyFirstUnits;
    int64_t* unitStart = firstUnit.data();
    if (products.size() > firstUnit.size()) {
        manyFirstUnits.resize(products.size());
        unitStart = manyFirstUnits.data();
    }
    int64_t units = 0;
    for (size_t i = 0; i < products.size(); ++i) {
        rows += products[i].w->rows;
        anyTiled = anyTiled || isTiled(products[i].w->type);
        unitStart[i] = units;
        units += (products[i].w->rows + 15) / 16;
    }
    const bool parallel = n * rows * static_cast<int64_t>(cols) >= kParallelWork && pool.size() > 1;

    // Quantised once by the calling thread, read by every worker (named
    // references: a lambda naming the thread_locals themselves would see each
    // worker's own, empty, instances).
    thread_local QuantizedActivations callerActivations;
    thread_local GroupedActivations callerGrouped;
    QuantizedActivations& a = callerActivations;
    GroupedActivations& g = callerGrouped;
    if (anyTiled) {
        quantizeActivations(x, n, cols, isa, a);
        if (isa != Isa::Scalar)
            groupActivations(a, g);
    }
    auto run = [&](int64_t begin, int64_t end) {
        for (size_t i = 0; i < products.size(); ++i) {
            const Matrix& w = *products[i].w;
            const int64_t first = unitStart[i];
            const int64_t last = first + (w.rows + 15) / 16;
            const int64_t u0 = std::max(begin, first), u1 = std::min(end, last);
            if (u0 >= u1)
                continue;
            const auto l0 = static_cast<int32_t>(u0 - first), l1 = static_cast<int32_t>(u1 - first);
            if (isTiled(w.type))
                tiledTiles(w, a, g, products[i].y, l0, l1, isa);
            else
                floatRows(w, x, n, products[i].y, l0 * 16, std::min(w.rows, l1 * 16), isa);
        }
    };
    if (parallel)
        pool.parallelFor(units, 1, run);
    else
        run(0, units);

    for (const Product& p : products)
        if (p.bias)
            for (int64_t t = 0; t < n; ++t)
                for (int32_t r = 0; r < p.w->rows; ++r)
                    p.y[t * p.w->rows + r] += p.bias[r];
}

} // namespace dash::cpu
