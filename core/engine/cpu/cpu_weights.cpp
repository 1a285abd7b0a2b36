// SPDX-License-Identifier: MIT
#include "core/engine/cpu/cpu_weights.h"

#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <cmath>
#include <cstring>

namespace dash::cpu {

namespace {

// Q8_0 and Q4_0 blocks (f16 scale + 32 values) become Int8/Int4 matrices with
// group 32: the same values and scales, repacked for the integer kernels.
Expected<Matrix> fromBlocks(const WeightTensor& t) {
    const bool int8 = t.type == TensorType::Q8_0;
    const size_t blockBytes = int8 ? 34 : 18;
    const size_t blocks = static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols / 32);
    std::vector<int8_t> q(blocks * 32);
    std::vector<float> scales(blocks);
    for (size_t b = 0; b < blocks; ++b) {
        const uint8_t* block = t.data + b * blockBytes;
        uint16_t d;
        std::memcpy(&d, block, 2);
        scales[b] = halfToFloat(d);
        int8_t* out = q.data() + b * 32;
        if (int8) {
            std::memcpy(out, block + 2, 32);
        } else {
            // Q4_0: byte j holds value j (low nibble) and value j + 16, offset by 8.
            for (int j = 0; j < 16; ++j) {
                out[j] = static_cast<int8_t>((block[2 + j] & 0x0F) - 8);
                out[j + 16] = static_cast<int8_t>((block[2 + j] >> 4) - 8);
            }
        }
    }
    return makeIntMatrix(int8 ? MatrixType::Int8 : MatrixType::Int4, t.rows, t.cols, 32, q.data(),
                         scales.data());
}

// Other types are dequantised once, kept as F16 unless a value does not fit
// in half precision.
Expected<Matrix> dequantized(const WeightTensor& t) {
    std::vector<float> values(static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols));
    for (int32_t r = 0; r < t.rows; ++r)
        t.readRow(r, values.data() + static_cast<size_t>(r) * t.cols);
    bool fitsHalf = true;
    for (float v : values) {
        if (!std::isfinite(v) || std::fabs(v) > 65504.0f) {
            fitsHalf = false;
            break;
        }
    }
    if (!fitsHalf)
        return makeF32Matrix(t.rows, t.cols, std::move(values));
    std::vector<uint16_t> halves(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        halves[i] = floatToHalf(values[i]);
    return makeF16Matrix(t.rows, t.cols, std::move(halves));
}

} // namespace

Expected<Matrix> cpuMatrix(const WeightTensor& t) {
    Matrix m;
    m.rows = t.rows;
    m.cols = t.cols;
    switch (t.type) {
    case TensorType::F32:
        m.type = MatrixType::F32;
        m.data = t.data;
        return m;
    case TensorType::F16:
        m.type = MatrixType::F16;
        m.data = t.data;
        return m;
    case TensorType::Q8_0:
    case TensorType::Q4_0:
        return fromBlocks(t);
    default:
        return dequantized(t);
    }
}

Expected<std::shared_ptr<const CpuWeights>> CpuWeights::of(const Model& model) {
    return model.derived<CpuWeights>("cpu", [&]() -> Expected<std::shared_ptr<const CpuWeights>> {
        auto w = std::make_shared<CpuWeights>();
        const int32_t layers = model.config().layers;
        w->layers.resize(static_cast<size_t>(layers));
        for (int32_t i = 0; i < layers; ++i)
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                DASH_ASSIGN_OR_RETURN(w->layers[static_cast<size_t>(i)].matrices[k],
                                      cpuMatrix(model.layer(i).matrices[k]));
            }
        DASH_ASSIGN_OR_RETURN(w->tokenEmbedding, cpuMatrix(model.tokenEmbedding()));
        if (model.config().tiedOutput) {
            w->output = w->tokenEmbedding;
        } else {
            DASH_ASSIGN_OR_RETURN(w->output, cpuMatrix(model.output()));
        }
        return std::shared_ptr<const CpuWeights>(std::move(w));
    });
}

Expected<std::shared_ptr<const std::vector<LayerMatrices>>>
quantizedLayers(const Model& model, MatrixType type, int32_t group) {
    using Layers = std::vector<LayerMatrices>;
    const std::string key =
        std::string("cpu.") + matrixTypeName(type) + ".g" + std::to_string(group);
    return model.derived<Layers>(key, [&]() -> Expected<std::shared_ptr<const Layers>> {
        const int32_t layers = model.config().layers;
        auto out = std::make_shared<Layers>(static_cast<size_t>(layers));
        const LayerState state = type == MatrixType::Int8 ? LayerState::Int8 : LayerState::Int4;
        for (int32_t i = 0; i < layers; ++i) {
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                DASH_ASSIGN_OR_RETURN(GroupQuantized q,
                                      quantizeWeight(model.layer(i).matrices[k], state, group));
                DASH_ASSIGN_OR_RETURN((*out)[static_cast<size_t>(i)].matrices[k], fromQuantized(q));
            }
        }
        return std::shared_ptr<const Layers>(std::move(out));
    });
}

} // namespace dash::cpu
