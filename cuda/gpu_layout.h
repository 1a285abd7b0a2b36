// SPDX-License-Identifier: MIT
// The CUDA backend's weight layouts, built on the host and copied to the
// device byte for byte. Every matrix is row-major [rows][cols] (rows = output
// features) with rows that start on 16-byte boundaries, so that one thread
// reads 16 bytes of a row (a "chunk") with one 128-bit load:
//
//   F16, BF16  8 weights per chunk, the file's bits (cols a multiple of 8).
//   Int8       16 weights per chunk, q as signed bytes in column order; the
//              scales live in their own array [rows][cols / group] (float).
//   Int4       32 weights per chunk, stored as q + 8 in four 32-bit words:
//              weight 8i + e of the chunk is the nibble at bit nibbleShift(e)
//              of word i (block_math.h), so one load holds a whole group-32
//              run and its conversion needs shifts and masks only.
//              Scales as for Int8.
//
// Unlike GGUF's Q8_0/Q4_0 (34- and 18-byte blocks with the scale inside,
// 2-byte aligned), quants and scales are separate and every load is aligned.
// The INT8/INT4 states are quantised by core/engine/quantize.h (the same q
// and scales as the CPU backend) and only repacked here. No CUDA header.
#pragma once

#include "core/engine/quantize.h"
#include "core/model/model.h"
#include "core/util/status.h"
#include "cuda/block_math.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash::cuda {

enum class DeviceFormat : uint8_t { F16, BF16, Int8, Int4 };
const char* deviceFormatName(DeviceFormat format); // "f16", "bf16", "int8", "int4"

// Weights in one 16-byte chunk: 8, 8, 16, 32.
int32_t chunkWeights(DeviceFormat format);

// Columns every device matrix must have a multiple of (one F16 chunk).
inline constexpr int32_t kColumnMultiple = 8;

// The host image of one device matrix.
struct HostMatrix {
    DeviceFormat format = DeviceFormat::F16;
    int32_t rows = 0;
    int32_t cols = 0;
    int32_t group = 0;         // Int8/Int4: weights per scale
    std::vector<uint8_t> data; // rows * rowBytes()
    std::vector<float> scales; // Int8/Int4: [rows][cols / group]
    size_t rowBytes() const;   // 2·cols, 2·cols, cols, cols / 2
    size_t chunksPerRow() const;
    size_t bytes() const { return data.size() + scales.size() * sizeof(float); }
};

// An error naming `name` unless a [rows, cols] matrix fits the layouts.
Status checkDeviceShape(const std::string& name, int64_t rows, int64_t cols);

// Int8 (qmax 127) or Int4 (qmax 7) packing of quantised weights, and back.
Expected<HostMatrix> packQuantized(const GroupQuantized& quantized);
Expected<GroupQuantized> unpackQuantized(const HostMatrix& matrix);

// The full-precision state of a file tensor: F16 and BF16 tensors as they
// are; F32 and every quantised type (Q8_0, Q4_0, K-quants, ...) dequantised
// to F16, or to BF16 when a value lies beyond half precision's range.
Expected<HostMatrix> fullPrecisionMatrix(const WeightTensor& tensor);

// Gives two full-precision matrices one 16-bit format: when one is F16 and the
// other BF16, the F16 one is re-encoded as BF16 (every half value converted,
// so nothing beyond BF16's rounding changes). The fused gate/up product reads
// both matrices, and its activations, in the gate's format.
void shareHalfFormat(HostMatrix& a, HostMatrix& b);

// The 16 bytes a thread loads for chunk `chunk` of row `row`.
Word128 loadChunk(const HostMatrix& matrix, int32_t row, int64_t chunk);

// Row `row` as the kernels see it: scale · q for integer formats, the exact
// half/bfloat values otherwise.
void dequantizeRow(const HostMatrix& matrix, int32_t row, float* out);

// One row's dot product with x [cols] computed as a kernel lane computes
// chunks (unpack, chunkDot, times the group's scale), the chunk sums added in
// column order. The device adds the same chunk sums in another order.
float referenceRowDot(const HostMatrix& matrix, int32_t row, const float* x);

} // namespace dash::cuda
