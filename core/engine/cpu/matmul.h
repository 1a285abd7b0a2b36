// SPDX-License-Identifier: MIT
// Weight matrices in the layouts the CPU kernels read, and y = x·Wᵀ for a batch
// of activation rows.
#pragma once

#include "core/engine/cpu/isa.h"
#include "core/util/status.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace dash {
struct GroupQuantized;
}

namespace dash::cpu {

class ThreadPool;

enum class MatrixType : uint8_t {
    F32,
    F16,
    // Symmetric per-group integer weights: value = scale[row][k / group] * q.
    Int8, // q in [-127, 127], one byte each
    // q in [-8, 7] stored as q + 8, two per byte. Each run of 64 values takes 32
    // bytes, byte j holding value j (low nibble) and value j + 32 (high nibble);
    // a final run of 32 values takes 16 bytes, byte j holding j and j + 16.
    Int4,
};

const char* matrixTypeName(MatrixType type);

// A row-major [rows, cols] weight matrix (rows = output features). `data` and
// `scales` may point into a memory-mapped file or into `storage`.
struct Matrix {
    MatrixType type = MatrixType::F32;
    int32_t rows = 0;
    int32_t cols = 0;
    int32_t group = 0;             // Int8/Int4: elements per scale (a multiple of 32)
    const uint8_t* data = nullptr; // rows * rowBytes()
    const float* scales = nullptr; // Int8/Int4: [rows][cols / group]
    // Int8: 64 · scale · Σq per [row][group], removing the offset the kernel
    // adds to activations so that they are unsigned.
    const float* offsets = nullptr;
    // The same factors for whole tiles of four rows, interleaved
    // [row / 4][group][row % 4] so that SIMD kernels load a tile's four at once.
    const float* tileScales = nullptr;
    const float* tileOffsets = nullptr; // Int8 only
    std::shared_ptr<const void> storage;

    size_t rowBytes() const;
    size_t byteSize() const; // data plus scales
};

// Owns converted data and returns a Matrix viewing it.
Matrix makeF32Matrix(int32_t rows, int32_t cols, std::vector<float> values);
Matrix makeF16Matrix(int32_t rows, int32_t cols, std::vector<uint16_t> values);

// Quantises float weights [rows, cols] to Int8 or Int4 with symmetric scales per
// `group` elements (scale = max|w| / 127 or / 7; Int4 uses [-7, 7] of its range).
Expected<Matrix> quantizeMatrix(const float* values, int32_t rows, int32_t cols, MatrixType type,
                                int32_t group);
// The Int8 (qmax 127) or Int4 (qmax 7) matrix of quantised weights.
Expected<Matrix> fromQuantized(const GroupQuantized& quantized);
// An Int8/Int4 matrix from integer values q [rows][cols] (in range for the type)
// and scales [rows][cols / group].
Expected<Matrix> makeIntMatrix(MatrixType type, int32_t rows, int32_t cols, int32_t group,
                               const int8_t* q, const float* scales);

// Row r of w as floats (dequantised).
void readRow(const Matrix& w, int32_t row, float* out);

// y[n, rows] = x[n, cols] · wᵀ (+ bias[rows] when not null). Integer matrices
// quantise each activation row per group first (7 bits for Int8, 8 bits for
// Int4 weights) and use integer dot products.
// `isa` picks the kernels (a set the CPU supports).
void matmul(const Matrix& w, const float* x, int64_t n, float* y, ThreadPool& pool, Isa isa,
            const float* bias = nullptr);

} // namespace dash::cpu
