// SPDX-License-Identifier: MIT
#include "cuda/device_model.h"

#include "core/engine/quantize.h"
#include "cuda/cuda_check.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <optional>
#include <thread>

namespace dash::cuda {

namespace {

// Headroom left free for the KV cache, activations and cuBLAS's workspace
// when deciding whether weights fit.
constexpr uint64_t kHeadroomBytes = uint64_t{512} << 20;

uint64_t weightBytes(DeviceFormat format, int64_t rows, int64_t cols, int32_t group) {
    switch (format) {
    case DeviceFormat::F16:
    case DeviceFormat::BF16:
        return static_cast<uint64_t>(rows * cols * 2);
    case DeviceFormat::Int8:
        return static_cast<uint64_t>(rows * cols + rows * (cols / group) * 4);
    case DeviceFormat::Int4:
        return static_cast<uint64_t>(rows * cols / 2 + rows * (cols / group) * 4);
    }
    return 0;
}

Status checkFits(uint64_t needed, const std::string& what) {
    DASH_ASSIGN_OR_RETURN(DeviceMemory memory, deviceMemory());
    if (needed + kHeadroomBytes > memory.freeBytes)
        return unsupportedError(what + " need " + formatBytes(needed) +
                                " of GPU memory; the GPU has " + formatBytes(memory.freeBytes) +
                                " free of " + formatBytes(memory.totalBytes) +
                                " (the model is too large for this GPU)");
    return {};
}

} // namespace

uint64_t matrixBytes(const DeviceMatrix& m) {
    if (!m.data)
        return 0;
    return weightBytes(m.format, m.rows, m.cols, m.group > 0 ? m.group : 32);
}

Expected<DeviceMemory> deviceMemory() {
    size_t freeBytes = 0, totalBytes = 0;
    DASH_CUDA_TRY(cudaMemGetInfo(&freeBytes, &totalBytes));
    return DeviceMemory{freeBytes, totalBytes};
}

Expected<DeviceMatrix> DeviceModel::allocateMatrix(DeviceFormat format, int32_t rows, int32_t cols,
                                                   int32_t group, const std::string& what) {
    DeviceMatrix m;
    m.format = format;
    m.rows = rows;
    m.cols = cols;
    m.group = group;
    const bool integer = format == DeviceFormat::Int8 || format == DeviceFormat::Int4;
    const uint64_t dataBytes =
        weightBytes(format, rows, cols, integer ? group : 32) -
        (integer ? static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols / group) * 4 : 0);
    std::vector<DeviceBuffer>& owner = integer ? m_quantizedBuffers : m_buffers;
    DASH_ASSIGN_OR_RETURN(DeviceBuffer data, DeviceBuffer::allocate(dataBytes, what));
    m.data = data.as<const uint8_t>();
    m_bytes += data.bytes();
    owner.push_back(std::move(data));
    if (integer) {
        DASH_ASSIGN_OR_RETURN(
            DeviceBuffer scales,
            DeviceBuffer::allocate(static_cast<size_t>(rows) * static_cast<size_t>(cols / group) *
                                       sizeof(float),
                                   what + " (scales)"));
        m.scales = scales.as<const float>();
        m_bytes += scales.bytes();
        owner.push_back(std::move(scales));
    }
    return m;
}

Expected<DeviceMatrix> DeviceModel::uploadMatrix(const HostMatrix& host, const std::string& what) {
    DASH_ASSIGN_OR_RETURN(DeviceMatrix m,
                          allocateMatrix(host.format, host.rows, host.cols, host.group, what));
    DASH_TRY(copyToDevice(const_cast<uint8_t*>(m.data), host.data.data(), host.data.size()));
    if (!host.scales.empty())
        DASH_TRY(copyToDevice(const_cast<float*>(m.scales), host.scales.data(),
                              host.scales.size() * sizeof(float)));
    return m;
}

Expected<const float*> DeviceModel::uploadFloats(const std::vector<float>& values,
                                                 const std::string& what) {
    if (values.empty())
        return static_cast<const float*>(nullptr);
    DASH_ASSIGN_OR_RETURN(DeviceBuffer b,
                          DeviceBuffer::allocate(values.size() * sizeof(float), what));
    DASH_TRY(copyToDevice(b.data(), values.data(), values.size() * sizeof(float)));
    const float* p = b.as<const float>();
    m_bytes += b.bytes();
    m_buffers.push_back(std::move(b));
    return p;
}

Expected<std::shared_ptr<DeviceModel>> DeviceModel::upload(const Model& model) {
    const ModelConfig& c = model.config();
    uint64_t needed = 0;
    auto tensorBytes = [](const WeightTensor& t) {
        return static_cast<uint64_t>(t.rows) * static_cast<uint64_t>(t.cols) * 2;
    };
    for (int32_t i = 0; i < c.layers; ++i)
        for (const WeightTensor& t : model.layer(i).matrices) {
            DASH_TRY(checkDeviceShape(t.name, t.rows, t.cols));
            needed += tensorBytes(t);
        }
    needed += tensorBytes(model.tokenEmbedding());
    if (!c.tiedOutput)
        needed += tensorBytes(model.output());
    DASH_TRY(checkFits(needed, "the model's weights at full precision"));

    std::shared_ptr<DeviceModel> d(new DeviceModel());
    d->m_config = c;
    d->m_layers.resize(static_cast<size_t>(c.layers));
    for (int32_t i = 0; i < c.layers; ++i) {
        const LayerWeights& lw = model.layer(i);
        std::array<HostMatrix, kLayerMatrixCount> host;
        for (int k = 0; k < kLayerMatrixCount; ++k) {
            DASH_ASSIGN_OR_RETURN(host[static_cast<size_t>(k)],
                                  fullPrecisionMatrix(lw.matrices[k]));
        }
        shareHalfFormat(host[static_cast<size_t>(LayerMatrix::Gate)],
                        host[static_cast<size_t>(LayerMatrix::Up)]);
        DeviceLayer& dl = d->m_layers[static_cast<size_t>(i)];
        for (int k = 0; k < kLayerMatrixCount; ++k) {
            DASH_ASSIGN_OR_RETURN(dl.matrices[k].byState[stateSlot(4)],
                                  d->uploadMatrix(host[static_cast<size_t>(k)],
                                                  "tensor '" + lw.matrices[k].name + "'"));
        }
        const std::string layer = "layer " + std::to_string(i);
        DASH_ASSIGN_OR_RETURN(dl.attnNorm, d->uploadFloats(lw.attnNorm, layer + " attention norm"));
        DASH_ASSIGN_OR_RETURN(dl.ffnNorm, d->uploadFloats(lw.ffnNorm, layer + " FFN norm"));
        DASH_ASSIGN_OR_RETURN(dl.bq, d->uploadFloats(lw.bq, layer + " q bias"));
        DASH_ASSIGN_OR_RETURN(dl.bk, d->uploadFloats(lw.bk, layer + " k bias"));
        DASH_ASSIGN_OR_RETURN(dl.bv, d->uploadFloats(lw.bv, layer + " v bias"));
    }
    DASH_ASSIGN_OR_RETURN(HostMatrix embedding, fullPrecisionMatrix(model.tokenEmbedding()));
    DASH_ASSIGN_OR_RETURN(d->m_embedding, d->uploadMatrix(embedding, "the token embedding"));
    if (c.tiedOutput) {
        d->m_output = d->m_embedding;
    } else {
        DASH_ASSIGN_OR_RETURN(HostMatrix output, fullPrecisionMatrix(model.output()));
        DASH_ASSIGN_OR_RETURN(d->m_output, d->uploadMatrix(output, "the output head"));
    }
    DASH_ASSIGN_OR_RETURN(d->m_outputNorm, d->uploadFloats(model.outputNorm(), "the output norm"));
    return d;
}

Status DeviceModel::addQuantized(const Model& model, int32_t group) {
    if (group == m_group)
        return {};
    if (group <= 0 || group % 32 != 0)
        return invalidError("INT8/INT4 group " + std::to_string(group) +
                            " is not a positive multiple of 32");
    const ModelConfig& c = m_config;
    uint64_t needed = 0;
    for (int32_t i = 0; i < c.layers; ++i)
        for (const WeightTensor& t : model.layer(i).matrices) {
            if (t.cols % group != 0)
                return invalidError("tensor '" + t.name + "' has rows of " +
                                    std::to_string(t.cols) + " weights, not a multiple of the " +
                                    "group " + std::to_string(group));
            needed += weightBytes(DeviceFormat::Int8, t.rows, t.cols, group) +
                      weightBytes(DeviceFormat::Int4, t.rows, t.cols, group);
        }
    if (m_group != 0) {
        DASH_CUDA_TRY(cudaDeviceSynchronize());
        dropQuantized();
    }
    DASH_TRY(checkFits(needed, "the INT8 and INT4 copies of the layers"));
    const Status uploaded = uploadQuantizedLayers(model, group);
    if (!uploaded.ok()) {
        dropQuantized();
        return uploaded;
    }
    m_group = group;
    return {};
}

void DeviceModel::dropQuantized() {
    for (DeviceLayer& dl : m_layers)
        for (StateMatrices& m : dl.matrices)
            for (int code : {1, 2})
                m.byState[stateSlot(code)] = DeviceMatrix();
    for (const DeviceBuffer& b : m_quantizedBuffers)
        m_bytes -= b.bytes();
    m_quantizedBuffers.clear();
    m_group = 0;
}

Status DeviceModel::uploadQuantizedLayers(const Model& model, int32_t group) {
    const ModelConfig& c = m_config;
    // One layer at a time: its 14 quantisations run on host threads, then
    // the images go to the device and are freed.
    const unsigned threads = std::max(1u, std::min(14u, std::thread::hardware_concurrency()));
    for (int32_t i = 0; i < c.layers; ++i) {
        const LayerWeights& lw = model.layer(i);
        std::vector<std::optional<Expected<HostMatrix>>> images(2 * kLayerMatrixCount);
        std::atomic<int> nextJob{0};
        auto work = [&] {
            for (int job = nextJob++; job < 2 * kLayerMatrixCount; job = nextJob++) {
                const LayerState state =
                    job < kLayerMatrixCount ? LayerState::Int8 : LayerState::Int4;
                const WeightTensor& t = lw.matrices[job % kLayerMatrixCount];
                auto q = quantizeWeight(t, state, group);
                if (!q.ok()) {
                    images[static_cast<size_t>(job)].emplace(q.error());
                    continue;
                }
                auto packed = packQuantized(*q);
                images[static_cast<size_t>(job)].emplace(
                    packed.ok() ? std::move(packed)
                                : Expected<HostMatrix>(packed.error().withContext(t.name)));
            }
        };
        std::vector<std::thread> pool;
        for (unsigned w = 1; w < threads; ++w)
            pool.emplace_back(work);
        work();
        for (std::thread& t : pool)
            t.join();
        DeviceLayer& dl = m_layers[static_cast<size_t>(i)];
        for (int job = 0; job < 2 * kLayerMatrixCount; ++job) {
            Expected<HostMatrix>& image = *images[static_cast<size_t>(job)];
            if (!image.ok())
                return image.error();
            const int k = job % kLayerMatrixCount;
            const int code = job < kLayerMatrixCount ? 2 : 1;
            DASH_ASSIGN_OR_RETURN(dl.matrices[k].byState[stateSlot(code)],
                                  uploadMatrix(*image, std::string(code == 2 ? "INT8" : "INT4") +
                                                           " copy of '" + lw.matrices[k].name +
                                                           "'"));
        }
    }
    return {};
}

Expected<std::shared_ptr<DeviceModel>> DeviceModel::synthetic(const ModelConfig& c, uint64_t seed,
                                                              int32_t group) {
    if (c.layers <= 0 || c.dim <= 0 || c.heads <= 0 || c.kvHeads <= 0 || c.headDim <= 0 ||
        c.ffnDim <= 0 || c.vocabSize <= 0)
        return invalidError("a synthetic model needs positive dimensions");
    const int64_t shapes[kLayerMatrixCount][2] = {
        {c.qDim(), c.dim}, {c.kvDim(), c.dim}, {c.kvDim(), c.dim}, {c.dim, c.qDim()},
        {c.ffnDim, c.dim}, {c.ffnDim, c.dim},  {c.dim, c.ffnDim}};
    uint64_t needed = 0;
    for (const auto& s : shapes) {
        DASH_TRY(checkDeviceShape("synthetic layer matrix", s[0], s[1]));
        if (group > 0 && s[1] % group != 0)
            return invalidError("synthetic rows of " + std::to_string(s[1]) +
                                " weights do not split into groups of " + std::to_string(group));
        needed += weightBytes(DeviceFormat::F16, s[0], s[1], 32) * static_cast<uint64_t>(c.layers);
        if (group > 0)
            needed += (weightBytes(DeviceFormat::Int8, s[0], s[1], group) +
                       weightBytes(DeviceFormat::Int4, s[0], s[1], group)) *
                      static_cast<uint64_t>(c.layers);
    }
    needed += weightBytes(DeviceFormat::F16, c.vocabSize, c.dim, 32) * (c.tiedOutput ? 1 : 2);
    DASH_TRY(checkFits(needed, "the synthetic model's weights"));

    std::shared_ptr<DeviceModel> d(new DeviceModel());
    d->m_config = c;
    d->m_layers.resize(static_cast<size_t>(c.layers));
    uint64_t stream = seed;
    auto randomHalf = [&](int64_t rows, int64_t cols,
                          const std::string& what) -> Expected<DeviceMatrix> {
        DASH_ASSIGN_OR_RETURN(DeviceMatrix m,
                              d->allocateMatrix(DeviceFormat::F16, static_cast<int32_t>(rows),
                                                static_cast<int32_t>(cols), 0, what));
        const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
        DASH_TRY(fillRandomHalf(reinterpret_cast<uint16_t*>(const_cast<uint8_t*>(m.data)),
                                rows * cols, scale, ++stream, nullptr));
        return m;
    };
    std::vector<float> ones(static_cast<size_t>(c.dim), 1.0f);
    for (int32_t i = 0; i < c.layers; ++i) {
        DeviceLayer& dl = d->m_layers[static_cast<size_t>(i)];
        for (int k = 0; k < kLayerMatrixCount; ++k) {
            const std::string what = "synthetic layer " + std::to_string(i) + " matrix " +
                                     layerMatrixName(static_cast<LayerMatrix>(k));
            DASH_ASSIGN_OR_RETURN(dl.matrices[k].byState[stateSlot(4)],
                                  randomHalf(shapes[k][0], shapes[k][1], what));
            if (group <= 0)
                continue;
            for (DeviceFormat f : {DeviceFormat::Int8, DeviceFormat::Int4}) {
                const int code = f == DeviceFormat::Int8 ? 2 : 1;
                DASH_ASSIGN_OR_RETURN(DeviceMatrix m,
                                      d->allocateMatrix(f, static_cast<int32_t>(shapes[k][0]),
                                                        static_cast<int32_t>(shapes[k][1]), group,
                                                        what));
                const float qmax = f == DeviceFormat::Int8 ? 127.0f : 7.0f;
                DASH_TRY(
                    fillRandomQuantized(const_cast<uint8_t*>(m.data), const_cast<float*>(m.scales),
                                        shapes[k][0], shapes[k][1], group, f,
                                        1.0f / (qmax * std::sqrt(static_cast<float>(shapes[k][1]))),
                                        ++stream, nullptr));
                dl.matrices[k].byState[stateSlot(code)] = m;
            }
        }
        DASH_ASSIGN_OR_RETURN(dl.attnNorm, d->uploadFloats(ones, "synthetic norm"));
        DASH_ASSIGN_OR_RETURN(dl.ffnNorm, d->uploadFloats(ones, "synthetic norm"));
        if (c.qkvBias) {
            DASH_ASSIGN_OR_RETURN(
                dl.bq, d->uploadFloats(std::vector<float>(static_cast<size_t>(c.qDim()), 0.0f),
                                       "synthetic q bias"));
            DASH_ASSIGN_OR_RETURN(
                dl.bk, d->uploadFloats(std::vector<float>(static_cast<size_t>(c.kvDim()), 0.0f),
                                       "synthetic k bias"));
            DASH_ASSIGN_OR_RETURN(
                dl.bv, d->uploadFloats(std::vector<float>(static_cast<size_t>(c.kvDim()), 0.0f),
                                       "synthetic v bias"));
        }
    }
    DASH_ASSIGN_OR_RETURN(d->m_embedding, randomHalf(c.vocabSize, c.dim, "synthetic embedding"));
    if (c.tiedOutput) {
        d->m_output = d->m_embedding;
    } else {
        DASH_ASSIGN_OR_RETURN(d->m_output, randomHalf(c.vocabSize, c.dim, "synthetic head"));
    }
    DASH_ASSIGN_OR_RETURN(d->m_outputNorm, d->uploadFloats(ones, "synthetic output norm"));
    if (group > 0)
        d->m_group = group;
    DASH_CUDA_TRY(cudaDeviceSynchronize());
    return d;
}

uint64_t DeviceModel::layerReadBytes(int32_t layer, LayerState state, bool projectSkipped) const {
    const DeviceLayer& l = m_layers[static_cast<size_t>(layer)];
    if (state == LayerState::Skip) {
        if (!projectSkipped)
            return 0;
        return matrixBytes(l[LayerMatrix::K].byState[stateSlot(4)]) +
               matrixBytes(l[LayerMatrix::V].byState[stateSlot(4)]);
    }
    uint64_t total = 0;
    for (const StateMatrices& m : l.matrices)
        total += matrixBytes(m.byState[stateSlot(static_cast<int>(state))]);
    return total;
}

uint64_t DeviceModel::headReadBytes() const {
    return matrixBytes(m_output);
}

} // namespace dash::cuda
