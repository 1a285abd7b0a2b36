// SPDX-License-Identifier: MIT
// Block layouts of the ggml tensor types the engine reads, half/bfloat
// conversion, and dequantisation of rows to float.
#pragma once

#include "core/gguf/gguf.h"
#include "core/util/status.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace dash {

struct TypeTraits {
    const char* name;
    uint32_t blockElements; // elements per block (1 for plain float types)
    uint32_t blockBytes;    // bytes per block
};

// Null when the type is not one this build can read.
const TypeTraits* typeTraits(TensorType type);
// "F16", "Q4_K", or "type 17" for an unknown id.
std::string tensorTypeName(TensorType type);

// Bytes taken by `elements` values of `type`; an error when `elements` is not a
// whole number of blocks or the size overflows.
Expected<uint64_t> rowBytes(TensorType type, uint64_t elements);

// IEEE half <-> float, bit exact (round to nearest even on the way down).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
inline float bf16ToFloat(uint16_t h) {
    uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
uint16_t floatToBf16(float f);

// Whether dequantize() handles `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1, Q4_K, Q5_K, Q6_K).
bool canDequantize(TensorType type);

// Dequantises `elements` values starting at `src` into dst[elements]. An error
// when `elements` is not a whole number of blocks or the type is not handled.
Status dequantize(TensorType type, const void* src, float* dst, uint64_t elements);

// Whether quantize() writes `type` (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K).
bool canQuantize(TensorType type);

// Encodes `elements` floats (a whole number of blocks) as blocks of `type` into
// dst (rowBytes(type, elements) bytes). Round to nearest with per-block
// scales from the block's range; not the iterative search of ggml's own
// quantiser, so the error may be somewhat larger than llama.cpp's files.
Status quantize(TensorType type, const float* src, void* dst, uint64_t elements);

// All values of a tensor of `file`, in file order (shape[0] fastest). Checks
// that the tensor's extent lies inside the file and matches its element count.
Expected<std::vector<float>> dequantizeTensor(const GgufFile& file, const GgufTensorInfo& info);

} // namespace dash
