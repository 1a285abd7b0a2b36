// SPDX-License-Identifier: MIT
// The CUDA backend: the Backend interface over a DeviceModel (the weights on
// the GPU) and a DeviceRunner (KV cache, activations, streams, decode steps
// with DASH decisions on the device). Single operations copy their host data
// to the device, run the same kernels as a pass and copy the result back.
#pragma once

#include "core/engine/backend.h"
#include "cuda/device_model.h"
#include "cuda/device_runner.h"

#include <memory>
#include <string>

namespace dash::cuda {

// "NVIDIA H100 80GB HBM3, 79.1 GiB, driver 13.0", or why device `index`
// cannot be used (no driver, no device, a driver older than the runtime).
Expected<std::string> describeDevice(int index);

class CudaBackend final : public Backend {
public:
    static Expected<std::unique_ptr<CudaBackend>> create(std::shared_ptr<const Model> model,
                                                         const BackendOptions& options);
    ~CudaBackend() override;

    const BackendInfo& info() const override { return m_info; }
    const Model& model() const override { return *m_model; }
    DeviceRunner& runner() { return *m_runner; }

    Status enableQuantizedStates(int32_t group) override;
    int32_t quantizedGroup() const override { return m_device->quantizedGroup(); }
    Status setCompensation(const Compensation& compensation) override;
    void setKvMode(KvMode mode) override { m_runner->setKvMode(mode); }

    Status beginPass(std::span<const int32_t> tokens, int64_t firstPosition) override;
    Status runLayer(int32_t layer, std::span<const LayerState> states) override;
    Expected<std::span<const float>> hidden() override;
    Expected<std::span<const float>> logits(int64_t first) override;
    DeviceDecisions* deviceDecisions() override { return m_runner.get(); }

    Status rmsNorm(std::span<const float> x, std::span<const float> weight, int64_t n, float eps,
                   std::span<float> out) override;
    Status linear(const WeightRef& weights, std::span<const float> x, int64_t n,
                  std::span<float> y) override;
    Status rope(std::span<float> v, int64_t n, int32_t heads,
                std::span<const int64_t> positions) override;
    Status attention(std::span<const float> q, std::span<const float> keys,
                     std::span<const float> values, std::span<const int64_t> positions,
                     std::span<const uint8_t> visible, int64_t n, std::span<float> out) override;
    Status swiglu(std::span<float> gate, std::span<const float> up) override;
    Status scaleRows(std::span<float> x, int64_t n, std::span<const float> alpha) override;

private:
    CudaBackend() = default;

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<DeviceModel> m_device;
    std::unique_ptr<DeviceRunner> m_runner;
    BackendInfo m_info;
};

// For the backend registry.
Expected<std::unique_ptr<Backend>> createCudaBackend(std::shared_ptr<const Model> model,
                                                     const BackendOptions& options);

} // namespace dash::cuda
