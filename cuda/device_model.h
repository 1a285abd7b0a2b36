// SPDX-License-Identifier: MIT
// A model's weights resident on the GPU: every layer matrix at full
// precision (F16, or BF16 where the file has BF16) and, once
// addQuantized() ran, in the INT8 and INT4 states (gpu_layout.h), plus the
// norms, biases, embedding table and output head. Made from a Model (its
// GGUF file) or, for benchmarks, generated on the device in a given shape.
#pragma once

#include "core/model/config.h"
#include "core/model/model.h"
#include "core/util/status.h"
#include "cuda/device_buffer.h"
#include "cuda/kernels.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace dash::cuda {

struct DeviceLayer {
    StateMatrices matrices[kLayerMatrixCount]; // indexed by LayerMatrix
    const float* attnNorm = nullptr;           // [dim]
    const float* ffnNorm = nullptr;            // [dim]
    const float* bq = nullptr;                 // [qDim] or null
    const float* bk = nullptr;                 // [kvDim] or null
    const float* bv = nullptr;                 // [kvDim] or null

    const StateMatrices& operator[](LayerMatrix which) const {
        return matrices[static_cast<int>(which)];
    }
};

class DeviceModel {
public:
    // The full-precision weights of `model` on the current device. An error
    // says when they do not fit the GPU's free memory.
    static Expected<std::shared_ptr<DeviceModel>> upload(const Model& model);
    // Random F16 weights in the shape of `config`, made on the device; with
    // group > 0 also random INT8/INT4 copies (for timing only).
    static Expected<std::shared_ptr<DeviceModel>> synthetic(const ModelConfig& config,
                                                            uint64_t seed, int32_t group);

    // INT8 and INT4 copies of every layer matrix, quantised from the file by
    // core/engine/quantize.h with `group` weights per scale, then packed.
    // Idempotent for the same group; copies of another group are freed first
    // (after the device is idle: the caller rebuilds whatever holds their
    // pointers), and a failure leaves no copies at all (group 0).
    Status addQuantized(const Model& model, int32_t group);

    const ModelConfig& config() const { return m_config; }
    const DeviceLayer& layer(int32_t i) const { return m_layers[static_cast<size_t>(i)]; }
    const DeviceMatrix& embedding() const { return m_embedding; } // [vocab][dim]
    const DeviceMatrix& output() const { return m_output; }       // [vocab][dim]
    const float* outputNorm() const { return m_outputNorm; }
    int32_t quantizedGroup() const { return m_group; }
    // Device memory the weights hold.
    uint64_t bytes() const { return m_bytes; }
    // Bytes of weights (and scales) one decode token reads from layer
    // `layer` in `state` (Skip: K and V at full precision in the Project KV
    // mode, nothing in Mask mode), and from the output head.
    uint64_t layerReadBytes(int32_t layer, LayerState state, bool projectSkipped) const;
    uint64_t headReadBytes() const;

private:
    DeviceModel() = default;
    Expected<DeviceMatrix> uploadMatrix(const HostMatrix& host, const std::string& what);
    Expected<const float*> uploadFloats(const std::vector<float>& values, const std::string& what);
    Expected<DeviceMatrix> allocateMatrix(DeviceFormat format, int32_t rows, int32_t cols,
                                          int32_t group, const std::string& what);
    Status uploadQuantizedLayers(const Model& model, int32_t group);
    // Frees the INT8/INT4 copies and clears their slots.
    void dropQuantized();

    ModelConfig m_config;
    std::vector<DeviceLayer> m_layers;
    DeviceMatrix m_embedding;
    DeviceMatrix m_output;
    const float* m_outputNorm = nullptr;
    int32_t m_group = 0;
    uint64_t m_bytes = 0;
    std::vector<DeviceBuffer> m_buffers;
    std::vector<DeviceBuffer> m_quantizedBuffers; // the INT8/INT4 copies and their scales
};

// Bytes of a device matrix's weights and scales.
uint64_t matrixBytes(const DeviceMatrix& m);

// Free and total memory of the current device.
struct DeviceMemory {
    uint64_t freeBytes = 0;
    uint64_t totalBytes = 0;
};
Expected<DeviceMemory> deviceMemory();

} // namespace dash::cuda
