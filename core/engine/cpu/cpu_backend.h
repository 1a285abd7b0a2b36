// SPDX-License-Identifier: MIT
// The reference backend: every op in float32 on the host (integer dot products
// for the INT8/INT4 states), multithreaded on a pool whose idle workers also
// run a controller's aside jobs. BackendOptions::isa picks the kernels, and
// "scalar" with one thread is the portable path other paths are checked
// against.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/cpu/cpu_weights.h"
#include "core/engine/cpu/ops.h"
#include "core/engine/cpu/thread_pool.h"

#include <array>
#include <memory>
#include <vector>

namespace dash::cpu {

class CpuBackend final : public Backend {
public:
    static Expected<std::unique_ptr<CpuBackend>> create(std::shared_ptr<const Model> model,
                                                        const BackendOptions& options);
    ~CpuBackend() override;

    const BackendInfo& info() const override { return m_info; }
    const Model& model() const override { return *m_model; }
    Isa isa() const { return m_isa; }
    const CpuWeights& weights() const { return *m_weights; }

    Status enableQuantizedStates(int32_t group) override;
    int32_t quantizedGroup() const override { return m_group; }
    Status setCompensation(const Compensation& compensation) override;
    void setKvMode(KvMode mode) override { m_kvMode = mode; }

    Status beginPass(std::span<const int32_t> tokens, int64_t firstPosition) override;
    Status runLayer(int32_t layer, std::span<const LayerState> states) override;
    Expected<std::span<const float>> hidden() override;
    Expected<std::span<const float>> logits(int64_t first) override;
    ThreadPool* hostPool() override { return &m_pool; }
    Status setLayerPartTimes(LayerPartTimes* times) override;

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
    struct Buffers;
    CpuBackend(std::shared_ptr<const Model> model, const BackendOptions& options, Isa isa);
    // The matrix `which` of `layer` in `state` (null for Skip, or for Int8/Int4
    // before enableQuantizedStates).
    const Matrix* matrixFor(int32_t layer, LayerState state, LayerMatrix which) const;
    const float* biasFor(int32_t layer, LayerMatrix which) const;
    void ensureCapacity(int64_t positions);

    std::shared_ptr<const Model> m_model;
    Isa m_isa;
    ThreadPool m_pool;
    BackendInfo m_info;
    Rope m_rope;
    std::shared_ptr<const CpuWeights> m_weights;
    std::shared_ptr<const std::vector<LayerMatrices>> m_int8, m_int4; // [layer]
    int32_t m_group = 0;
    Compensation m_compensation;
    KvMode m_kvMode = KvMode::Project;

    int64_t m_capacity = 0;
    std::vector<std::vector<float>> m_keys;      // [layer][kvDim][capacity] (transposed)
    std::vector<std::vector<float>> m_values;    // [layer][capacity][kvDim]
    std::vector<std::vector<uint8_t>> m_visible; // [layer][capacity], Mask mode
    std::unique_ptr<Buffers> m_buffers;

    LayerPartTimes* m_partTimes = nullptr;
    uint64_t m_partStartTicks = 0; // when timing began, on both clocks
    int64_t m_partStartNs = 0;
};

} // namespace dash::cpu
