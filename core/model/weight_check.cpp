// SPDX-License-Identifier: MIT
#include "core/model/weight_check.h"

#include "core/gguf/quant.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace dash {

namespace {

// Byte offsets of the half-precision scales in one block of each quantized
// type (ggml's block layouts; Q8_K's single scale is a float at 0).
struct ScaleLayout {
    TensorType type;
    uint32_t blockBytes;
    uint32_t offsets[2];
    int count;
};

constexpr ScaleLayout kScaleLayouts[] = {
    {TensorType::Q4_0, 18, {0, 0}, 1},    {TensorType::Q4_1, 20, {0, 2}, 2},
    {TensorType::Q5_0, 22, {0, 0}, 1},    {TensorType::Q5_1, 24, {0, 2}, 2},
    {TensorType::Q8_0, 34, {0, 0}, 1},    {TensorType::Q8_1, 36, {0, 2}, 2},
    {TensorType::Q2_K, 84, {80, 82}, 2},  {TensorType::Q3_K, 110, {108, 0}, 1},
    {TensorType::Q4_K, 144, {0, 2}, 2},   {TensorType::Q5_K, 176, {0, 2}, 2},
    {TensorType::Q6_K, 210, {208, 0}, 1},
};

uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

bool halfNonFinite(uint16_t h) {
    return (h & 0x7C00u) == 0x7C00u;
}

bool bf16NonFinite(uint16_t h) {
    return (h & 0x7F80u) == 0x7F80u;
}

bool floatNonFinite(uint32_t bits) {
    return (bits & 0x7F800000u) == 0x7F800000u;
}

Error nonFinite(const std::string& tensor, const std::string& where, float value) {
    return invalidError("weight tensor '" + tensor + "' holds " +
                        (std::isnan(value) ? std::string("NaN") : std::string("an infinity")) +
                        " at " + where + "; the model cannot give meaningful results");
}

std::string elementText(uint64_t index, int32_t cols) {
    return "row " + std::to_string(index / static_cast<uint64_t>(cols)) + ", column " +
           std::to_string(index % static_cast<uint64_t>(cols));
}

Status checkMatrix(const WeightTensor& w) {
    if (!w.data || w.rows <= 0 || w.cols <= 0)
        return {};
    const uint8_t* data = w.data;
    const size_t bytes = w.byteSize();
    const uint64_t elements = static_cast<uint64_t>(w.rows) * static_cast<uint64_t>(w.cols);
    switch (w.type) {
    case TensorType::F32:
    case TensorType::F16:
    case TensorType::BF16: {
        // First a branch-free pass that only detects (vectorises), then a
        // search for the element when something was found.
        const bool f32 = w.type == TensorType::F32;
        bool any = false;
        if (f32) {
            for (uint64_t i = 0; i < elements; ++i)
                any |= floatNonFinite(load32(data + 4 * i));
        } else if (w.type == TensorType::F16) {
            for (uint64_t i = 0; i < elements; ++i)
                any |= halfNonFinite(load16(data + 2 * i));
        } else {
            for (uint64_t i = 0; i < elements; ++i)
                any |= bf16NonFinite(load16(data + 2 * i));
        }
        if (!any)
            return {};
        for (uint64_t i = 0; i < elements; ++i) {
            float v = 0;
            if (f32) {
                const uint32_t bits = load32(data + 4 * i);
                std::memcpy(&v, &bits, sizeof v);
            } else if (w.type == TensorType::F16) {
                v = halfToFloat(load16(data + 2 * i));
            } else {
                v = bf16ToFloat(load16(data + 2 * i));
            }
            if (!std::isfinite(v))
                return nonFinite(w.name, elementText(i, w.cols), v);
        }
        return {};
    }
    case TensorType::Q8_K: {
        for (size_t b = 0; b * 292 < bytes; ++b) {
            const uint32_t bits = load32(data + b * 292);
            if (floatNonFinite(bits)) {
                float v;
                std::memcpy(&v, &bits, sizeof v);
                return nonFinite(w.name, "the scale of block " + std::to_string(b), v);
            }
        }
        return {};
    }
    default:
        break;
    }
    for (const ScaleLayout& layout : kScaleLayouts) {
        if (layout.type != w.type)
            continue;
        const TypeTraits* traits = typeTraits(w.type);
        if (!traits || traits->blockBytes != layout.blockBytes)
            break; // a layout this table does not know: read the values instead
        const size_t blocks = bytes / layout.blockBytes;
        for (size_t b = 0; b < blocks; ++b) {
            const uint8_t* block = data + b * layout.blockBytes;
            for (int k = 0; k < layout.count; ++k) {
                const uint16_t h = load16(block + layout.offsets[k]);
                if (halfNonFinite(h))
                    return nonFinite(w.name,
                                     std::string(k == 0 ? "the scale" : "the minimum") +
                                         " of block " + std::to_string(b),
                                     halfToFloat(h));
            }
        }
        return {};
    }
    // Any other type the loader accepted: dequantise row by row.
    std::vector<float> row(static_cast<size_t>(w.cols));
    for (int32_t r = 0; r < w.rows; ++r) {
        w.readRow(r, row.data());
        for (int32_t c = 0; c < w.cols; ++c)
            if (!std::isfinite(row[static_cast<size_t>(c)]))
                return nonFinite(w.name,
                                 "row " + std::to_string(r) + ", column " + std::to_string(c),
                                 row[static_cast<size_t>(c)]);
    }
    return {};
}

Status checkVector(const std::vector<float>& values, const std::string& name) {
    for (size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i]))
            return nonFinite(name, "element " + std::to_string(i), values[i]);
    return {};
}

} // namespace

Status checkWeightsFinite(const Model& model) {
    const ModelConfig& c = model.config();
    DASH_TRY(checkMatrix(model.tokenEmbedding()));
    if (model.output().data != model.tokenEmbedding().data)
        DASH_TRY(checkMatrix(model.output()));
    DASH_TRY(checkVector(model.outputNorm(), "output_norm.weight"));
    for (int32_t i = 0; i < c.layers; ++i) {
        const LayerWeights& l = model.layer(i);
        const std::string prefix = "blk." + std::to_string(i) + ".";
        DASH_TRY(checkVector(l.attnNorm, prefix + "attn_norm.weight"));
        DASH_TRY(checkVector(l.ffnNorm, prefix + "ffn_norm.weight"));
        DASH_TRY(checkVector(l.bq, prefix + "attn_q.bias"));
        DASH_TRY(checkVector(l.bk, prefix + "attn_k.bias"));
        DASH_TRY(checkVector(l.bv, prefix + "attn_v.bias"));
        for (const WeightTensor& w : l.matrices)
            DASH_TRY(checkMatrix(w));
    }
    return {};
}

} // namespace dash
