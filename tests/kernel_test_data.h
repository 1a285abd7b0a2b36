// SPDX-License-Identifier: MIT
// Test data for the CPU kernels (tst_kernels, tst_isa_paths): random values
// of very different sizes per block, random GGUF blocks and tiled matrices of
// every integer type.
#pragma once

#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace dash::test {

inline float uniform(std::mt19937& rng, float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(rng);
}

// Values of very different sizes per group of 32, so that a scale applied to
// the wrong group, row or token shows up as a large error.
inline std::vector<float> groupedValues(std::mt19937& rng, size_t rows, size_t cols) {
    std::vector<float> v(rows * cols);
    for (size_t r = 0; r < rows; ++r) {
        for (size_t g = 0; g < cols; g += 32) {
            const float scale = std::exp(uniform(rng, -2.0f, 2.0f));
            for (size_t k = g; k < std::min(cols, g + 32); ++k)
                v[r * cols + k] = scale * uniform(rng, -1.0f, 1.0f);
        }
    }
    return v;
}

inline std::vector<float> readAll(const cpu::Matrix& w) {
    std::vector<float> out(static_cast<size_t>(w.rows) * static_cast<size_t>(w.cols));
    for (int32_t r = 0; r < w.rows; ++r)
        cpu::readRow(w, r, out.data() + static_cast<size_t>(r) * w.cols);
    return out;
}

constexpr TensorType kBlockTypes[] = {TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1,
                                      TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K,
                                      TensorType::Q5_K, TensorType::Q6_K};
constexpr const char* kTiledFormats[] = {"INT8 g32", "INT8 g128", "INT4 g32", "INT4 g64",
                                         "Q8_0",     "Q4_0",      "Q4_1",     "Q5_0",
                                         "Q5_1",     "Q4_K",      "Q5_K",     "Q6_K"};

inline void putHalf(uint8_t* p, float v) {
    const uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
}

// rows x cols of GGUF blocks of `type`: random codes and scale bytes, and
// half-precision factors of very different sizes per block (a factor applied
// to the wrong block, row or token shows up as a large error).
inline std::vector<uint8_t> randomBlocks(TensorType type, int rows, int cols, std::mt19937& rng) {
    const TypeTraits* traits = typeTraits(type);
    const size_t count = static_cast<size_t>(rows) * (cols / traits->blockElements);
    std::vector<uint8_t> bytes(count * traits->blockBytes);
    std::uniform_int_distribution<int> byte(0, 255);
    for (uint8_t& b : bytes)
        b = static_cast<uint8_t>(byte(rng));
    auto factor = [&](bool positive) {
        const float v = std::exp(uniform(rng, -4.0f, 0.0f));
        return positive || byte(rng) < 128 ? v : -v;
    };
    for (size_t i = 0; i < count; ++i) {
        uint8_t* b = bytes.data() + i * traits->blockBytes;
        switch (type) {
        case TensorType::Q8_0:
        case TensorType::Q4_0:
        case TensorType::Q5_0:
            putHalf(b, factor(false));
            break;
        case TensorType::Q4_1:
        case TensorType::Q5_1:
            putHalf(b, factor(true) / 8);
            putHalf(b + 2, factor(false));
            break;
        case TensorType::Q4_K:
        case TensorType::Q5_K:
            putHalf(b, factor(true) / 32);
            putHalf(b + 2, factor(true) / 64);
            break;
        case TensorType::Q6_K:
            putHalf(b + 208, factor(true) / 64);
            break;
        default:
            break;
        }
    }
    return bytes;
}

// A tiled matrix of one of kTiledFormats with random contents.
inline cpu::Matrix tiledMatrix(const std::string& format, int rows, int cols, std::mt19937& rng) {
    for (TensorType type : kBlockTypes) {
        if (format != tensorTypeName(type))
            continue;
        const std::vector<uint8_t> blocks = randomBlocks(type, rows, cols, rng);
        return cpu::repackBlocks(type, rows, cols, blocks.data()).value();
    }
    const cpu::MatrixType type =
        format.rfind("INT8", 0) == 0 ? cpu::MatrixType::Int8 : cpu::MatrixType::Int4;
    const int group = std::stoi(format.substr(format.find('g') + 1));
    const std::vector<float> values = groupedValues(rng, static_cast<size_t>(rows), cols);
    return cpu::quantizeMatrix(values.data(), rows, cols, type, group).value();
}

// The additive part of the values of (row, block) of a tiled matrix.
inline double blockBias(const cpu::Matrix& m, int row, int block) {
    cpu::BlockFactors f;
    cpu::blockFactors(m, row / 16, block, f);
    return f.bias[row % 16];
}

} // namespace dash::test
