// SPDX-License-Identifier: MIT
#include "core/engine/cpu/cpu_weights.h"

#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <cmath>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace dash::cpu {

namespace {

// Types without integer kernels (none that the loader accepts today) are
// dequantised once, kept as F16 unless a value does not fit in half precision.
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

// Once a tensor is repacked its bytes in the file are not read again on the
// CPU: hand the pages back so that a quantised model does not occupy its
// file twice. MADV_PAGEOUT keeps the contents (pages of a mapped file are
// read again if touched; anonymous memory is left alone without swap).
void releasePages(const uint8_t* data, size_t bytes) {
#if defined(MADV_PAGEOUT)
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
    const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
    if (end > begin)
        madvise(reinterpret_cast<void*>(begin), end - begin, MADV_PAGEOUT);
#else
    (void)data;
    (void)bytes;
#endif
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
    case TensorType::BF16:
        m.type = MatrixType::BF16;
        m.data = t.data;
        return m;
    default:
        break;
    }
    MatrixType tiled;
    if (!tiledTypeOf(t.type, tiled))
        return dequantized(t);
    auto repacked = repackBlocks(t.type, t.rows, t.cols, t.data);
    if (!repacked.ok())
        return repacked.error().withContext(t.name);
    releasePages(t.data, t.byteSize());
    return repacked;
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
