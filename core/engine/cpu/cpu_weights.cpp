// SPDX-License-Identifier: MIT
#include "core/engine/cpu/cpu_weights.h"

#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <cmath>
#include <cstring>
#include <functional>
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

// Once rows of a tensor are repacked their bytes in the file are not read
// again on the CPU: unmap their pages, so that a quantised model is not
// resident twice (file and repacked copy). MADV_DONTNEED on a read-only
// private file mapping drops only this process's page-table entries: nothing
// was ever written there, so a later read (a CUDA upload, the DASH states'
// quantisation) maps the file's unchanged bytes again, and the page cache
// keeps them for the kernel to reclaim or for the next load. MADV_PAGEOUT
// would evict the cache too, but only for files this process may write.
// With `partial`, every page that [begin, end) touches is dropped, those it
// shares with a neighbouring tensor included (dropping a page of this mapping
// never loses anything: a later read maps it again); without, only the pages
// inside it, so that the rows being read next do not fault their page in
// again (which would map 64 KiB around it, fault-around, behind it too).
void dropMappedPages(const uint8_t* begin, const uint8_t* end, bool partial) {
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto b = reinterpret_cast<uintptr_t>(begin);
    const auto e = reinterpret_cast<uintptr_t>(end);
    const auto first = partial ? b / page * page : (b + page - 1) / page * page;
    const auto last = partial ? (e + page - 1) / page * page : e / page * page;
    if (last > first)
        madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

} // namespace

Expected<Matrix> cpuMatrix(const WeightTensor& t, bool dropFilePages) {
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
    // Dropped as the repacking goes (the rows read so far, about every MiB),
    // so that at most the repacked tensor and 1 MiB of its source are
    // resident at once.
    const uint8_t* dropped = t.data;
    std::function<void(int32_t)> consumed;
    if (dropFilePages)
        consumed = [&](int32_t rows) {
            const uint8_t* end = t.data + static_cast<size_t>(rows) * t.rowBytes;
            dropMappedPages(dropped, end, false);
            dropped = end;
        };
    auto repacked = repackBlocks(t.type, t.rows, t.cols, t.data, consumed);
    if (!repacked.ok())
        return repacked.error().withContext(t.name);
    return repacked;
}

Expected<std::shared_ptr<const CpuWeights>> CpuWeights::of(const Model& model) {
    return model.derived<CpuWeights>("cpu", [&]() -> Expected<std::shared_ptr<const CpuWeights>> {
        auto w = std::make_shared<CpuWeights>();
        const int32_t layers = model.config().layers;
        const bool mapped = model.file().mapped();
        w->layers.resize(static_cast<size_t>(layers));
        for (int32_t i = 0; i < layers; ++i)
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                DASH_ASSIGN_OR_RETURN(w->layers[static_cast<size_t>(i)].matrices[k],
                                      cpuMatrix(model.layer(i).matrices[k], mapped));
            }
        DASH_ASSIGN_OR_RETURN(w->tokenEmbedding, cpuMatrix(model.tokenEmbedding(), mapped));
        if (model.config().tiedOutput) {
            w->output = w->tokenEmbedding;
        } else {
            DASH_ASSIGN_OR_RETURN(w->output, cpuMatrix(model.output(), mapped));
        }
        // Pages a tensor shares with its neighbours, and those a fault mapped
        // around it (fault-around): once all are repacked, drop every page
        // of every repacked tensor.
        if (mapped) {
            auto sweep = [](const WeightTensor& t, const Matrix& m) {
                if (m.data != t.data)
                    dropMappedPages(t.data, t.data + t.byteSize(), true);
            };
            for (int32_t i = 0; i < layers; ++i)
                for (int k = 0; k < kLayerMatrixCount; ++k)
                    sweep(model.layer(i).matrices[k],
                          w->layers[static_cast<size_t>(i)].matrices[k]);
            sweep(model.tokenEmbedding(), w->tokenEmbedding);
            sweep(model.output(), w->output);
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
