// SPDX-License-Identifier: MIT
// Weight matrices in the layouts the CPU kernels read, and y = x·Wᵀ for a batch
// of activation rows.
//
// Float matrices (F32, F16, BF16) are read as the file stores them, row-major
// (cpu_weights.h says where they lie).
// Every integer type is repacked once into one tiled layout (tiled_layout.h):
// tiles of 16 rows, blocks of 32 columns, each block's 16 x 32 codes stored so
// that one 64-byte vector holds four consecutive columns of all 16 rows. That
// is the operand order of vpdpbusd, of vpmaddubsw + vpmaddwd and of an AMX B
// tile, so one layout serves every instruction set; scales stay in the
// precision the file stores them in, and a repacked matrix takes the bytes of
// its GGUF blocks (K-quants: within 3 %).
#pragma once

#include "core/engine/cpu/isa.h"
#include "core/gguf/gguf.h"
#include "core/util/status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace dash {
struct GroupQuantized;
}

namespace dash::cpu {

class ThreadPool;

enum class MatrixType : uint8_t {
    F32,
    F16,
    BF16,
    // The DASH states: symmetric per-group integers q with half scales
    // (value = scale · q), kept per block of 32 (a group of 64 or 128 repeats
    // its scale).
    Int8, // q in [-127, 127]
    Int4, // q in [-8, 7]
    // GGUF block types, the file's values and scales repacked (tiled_layout.h).
    Q8_0,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q4_K,
    Q5_K,
    Q6_K,
};

const char* matrixTypeName(MatrixType type);
bool isTiled(MatrixType type); // every integer type
// The tiled type a GGUF tensor type is repacked into (false for float types
// and types without integer kernels).
bool tiledTypeOf(TensorType type, MatrixType& out);

// A [rows, cols] weight matrix (rows = output features). Float types: `data`
// is row-major, possibly inside a memory-mapped file. Tiled types: `data` the
// codes and `params` the scales of tiled_layout.h, owned by `storage`.
struct Matrix {
    MatrixType type = MatrixType::F32;
    int32_t rows = 0;
    int32_t cols = 0;
    int32_t group = 0; // Int8/Int4: columns per scale of the source (a multiple of 32)
    const uint8_t* data = nullptr;
    const uint8_t* params = nullptr;
    std::shared_ptr<const void> storage;

    int32_t tiles() const { return (rows + 15) / 16; }
    int32_t blocks() const { return cols / 32; }
    size_t byteSize() const; // codes plus scales (or the float data)
};

// Owns converted data and returns a Matrix viewing it.
Matrix makeF32Matrix(int32_t rows, int32_t cols, std::vector<float> values);
Matrix makeF16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values);
Matrix makeBf16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values);

// Quantises float weights [rows, cols] to Int8 or Int4 through quantizeGroups
// (core/engine/quantize.h): scale = max|w| / 127 or / 7 per `group` values,
// rounded up to a half.
Expected<Matrix> quantizeMatrix(const float* values, int32_t rows, int32_t cols, MatrixType type,
                                int32_t group);
// The Int8 (qmax 127) or Int4 (qmax 7) matrix of quantised weights.
Expected<Matrix> fromQuantized(const GroupQuantized& quantized);
// An Int8/Int4 matrix from integer values q [rows][cols] (in range for the type)
// and scales [rows][cols / group], each a half-precision value (an error
// otherwise): the matrix stores them as halves, in the layout of Q8_0 / Q4_0.
Expected<Matrix> makeIntMatrix(MatrixType type, int32_t rows, int32_t cols, int32_t group,
                               const int8_t* q, const float* scales);
// A tiled matrix of GGUF blocks: `src` holds rows x (cols / block size)
// blocks of `type` (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), rows after
// each other as a GGUF tensor stores them. `consumed`, when given, is called
// as the repacking goes (about every MiB of `src`, and once at the end) with
// the number of leading rows of `src` it has read for the last time, so that
// the caller can hand their pages back before the rest is read: the source of
// a large tensor (a 151936 x 896 embedding) is then never resident whole
// beside its repacked copy.
Expected<Matrix> repackBlocks(TensorType type, int32_t rows, int32_t cols, const uint8_t* src,
                              const std::function<void(int32_t rows)>& consumed = {});

// Row r of w as floats (dequantised; for GGUF block types the same values as
// dequantize() gives for the file's blocks).
void readRow(const Matrix& w, int32_t row, float* out);

// y[n, rows] = x[n, cols] · wᵀ (+ bias[rows] when not null).
//   Float matrices: float32 products and sums (BF16 on avx512-bf16 or amx:
//     activations rounded to bfloat16 pairs, see kernels.h).
//   Tiled matrices: each activation row is quantised per block of 32 to
//     8 bits (d = max|x| / 127, q = round(x / d)), and the kernels sum exact
//     integer dot products per block before scaling them in float.
// `isa` picks the kernels (a set the CPU supports).
void matmul(const Matrix& w, const float* x, int64_t n, float* y, ThreadPool& pool, Isa isa,
            const float* bias = nullptr);

// Several products of the same activations x[n, cols] (every matrix has
// `cols` columns): y[n, rows] = x · wᵀ (+ bias) for each. The activations are
// quantised once for all tiled matrices, and one parallel loop covers the
// rows of every matrix (one hand-off to the workers instead of one each).
struct Product {
    const Matrix* w = nullptr;
    float* y = nullptr;
    const float* bias = nullptr;
};
void matmulShared(std::span<const Product> products, const float* x, int64_t n, ThreadPool& pool,
                  Isa isa);

} // namespace dash::cpu
