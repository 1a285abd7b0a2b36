// SPDX-License-Identifier: MIT
#include "cuda/cuda_backend.h"

#include "core/engine/op_checks.h"

#include "cuda/cuda_check.h"
#include "cuda/device_info.h"

#include <algorithm>
#include <cstdio>

namespace dash::cuda {

Expected<std::string> describeDevice(int index) {
    DASH_ASSIGN_OR_RETURN(RuntimeInfo runtime, queryRuntime());
    DASH_ASSIGN_OR_RETURN(const DeviceInfo d, runtime.device(index));
    char text[256];
    std::snprintf(text, sizeof text, "%s, %.1f GiB, driver %d.%d", d.name.c_str(),
                  static_cast<double>(d.totalMemoryBytes) / (1u << 30),
                  runtime.driverVersion / 1000, runtime.driverVersion % 1000 / 10);
    return std::string(text);
}

namespace {

// Host data to a new device buffer.
template <class T>
Expected<DeviceBuffer> upload(std::span<const T> values, const char* what) {
    DASH_ASSIGN_OR_RETURN(DeviceBuffer b, DeviceBuffer::allocate(values.size_bytes(), what));
    if (!values.empty())
        DASH_TRY(copyToDevice(b.data(), values.data(), values.size_bytes()));
    return b;
}

Status download(const DeviceBuffer& b, std::span<float> out, size_t count) {
    DASH_CUDA_TRY(cudaDeviceSynchronize());
    DASH_CUDA_TRY(cudaMemcpy(out.data(), b.data(), count * sizeof(float), cudaMemcpyDeviceToHost));
    return {};
}

Expected<std::vector<int32_t>> narrowPositions(std::span<const int64_t> positions, size_t n,
                                               int64_t limit, const char* op) {
    std::vector<int32_t> out(n);
    for (size_t t = 0; t < n; ++t) {
        if (positions[t] < 0 || positions[t] >= limit)
            return invalidError(std::string(op) + ": position " + std::to_string(positions[t]) +
                                " is outside 0.." + std::to_string(limit - 1));
        out[t] = static_cast<int32_t>(positions[t]);
    }
    return out;
}

} // namespace

Expected<std::unique_ptr<CudaBackend>> CudaBackend::create(std::shared_ptr<const Model> model,
                                                           const BackendOptions& options) {
    DASH_ASSIGN_OR_RETURN(RuntimeInfo runtime, queryRuntime());
    DASH_ASSIGN_OR_RETURN(std::string device, describeDevice(options.device));
    DASH_CUDA_TRY(cudaSetDevice(options.device));
    DASH_ASSIGN_OR_RETURN(const DeviceInfo d, runtime.device(options.device));
    if (d.computeMajor < 7)
        return unsupportedError(device + " has compute capability " +
                                std::to_string(d.computeMajor) + "." +
                                std::to_string(d.computeMinor) + "; the CUDA backend needs 7.0+");
    std::unique_ptr<CudaBackend> b(new CudaBackend());
    b->m_model = std::move(model);
    const ModelConfig& c = b->m_model->config();
    b->m_maxContext = options.maxContext > 0 ? options.maxContext : c.contextLength;
    DASH_ASSIGN_OR_RETURN(b->m_device, DeviceModel::upload(*b->m_model));
    RunnerOptions ro;
    ro.maxContext = b->m_maxContext;
    DASH_ASSIGN_OR_RETURN(b->m_runner, DeviceRunner::create(b->m_device, ro));
    b->m_info.name = "cuda";
    b->m_info.device =
        d.name + " (sm_" + std::to_string(d.computeMajor) + std::to_string(d.computeMinor) + ")";
    char detail[256];
    std::snprintf(detail, sizeof detail,
                  "%s weights on the GPU (%.2f GiB), %.1f GiB device memory, driver %d.%d, "
                  "runtime %d.%d",
                  deviceFormatName(b->m_device->layer(0)[LayerMatrix::Q].byState[2].format),
                  static_cast<double>(b->m_device->bytes()) / (1u << 30),
                  static_cast<double>(d.totalMemoryBytes) / (1u << 30),
                  runtime.driverVersion / 1000, runtime.driverVersion % 1000 / 10,
                  runtime.runtimeVersion / 1000, runtime.runtimeVersion % 1000 / 10);
    b->m_info.detail = detail;
    b->m_info.threads = 1;
    return b;
}

CudaBackend::~CudaBackend() = default;

Status CudaBackend::enableQuantizedStates(int32_t group) {
    if (group == m_device->quantizedGroup())
        return {};
    DASH_TRY(m_runner->synchronize());
    const Status added = m_device->addQuantized(*m_model, group);
    // Also after a failure: the old copies may be freed already.
    m_runner->weightsChanged();
    return added;
}

Status CudaBackend::setCompensation(const Compensation& compensation) {
    DASH_TRY(checkCompensation(compensation, m_model->config()));
    return m_runner->setCompensation(compensation);
}

Status CudaBackend::beginPass(std::span<const int32_t> tokens, int64_t firstPosition) {
    return m_runner->beginPass(tokens, firstPosition);
}

Status CudaBackend::runLayer(int32_t layer, std::span<const LayerState> states) {
    return m_runner->runLayer(layer, states);
}

Expected<std::span<const float>> CudaBackend::hidden() {
    return m_runner->hidden();
}

Expected<std::span<const float>> CudaBackend::logits(int64_t first) {
    return m_runner->logits(first);
}

// ---- Single operations

Status CudaBackend::rmsNorm(std::span<const float> x, std::span<const float> weight, int64_t n,
                            float eps, std::span<float> out) {
    const auto dim = static_cast<int32_t>(weight.size());
    const size_t count = static_cast<size_t>(n) * static_cast<size_t>(dim);
    DASH_TRY(checkOpSize("rmsNorm", "x", x.size(), count));
    DASH_TRY(checkOpSize("rmsNorm", "out", out.size(), count));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dx, upload(x.first(count), "rmsNorm input"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dw, upload(weight, "rmsNorm weight"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dout,
                          DeviceBuffer::allocate(count * sizeof(float), "rmsNorm output"));
    RmsNormLaunch r;
    r.x = dx.as<const float>();
    r.xStride = dim;
    r.weight = dw.as<const float>();
    r.out = dout.as<float>();
    r.outStride = dim;
    r.dim = dim;
    r.eps = eps;
    r.tokens = {nullptr, 0, static_cast<int32_t>(n)};
    DASH_TRY(launchRmsNorm(r, m_runner->computeStream()));
    return download(dout, out, count);
}

Status CudaBackend::linear(const WeightRef& weights, std::span<const float> x, int64_t n,
                           std::span<float> y) {
    StateMatrices matrices;
    const float* bias = nullptr;
    if (weights.layer == WeightRef::kOutputHead) {
        matrices.byState[stateSlot(4)] = m_device->output();
        if (weights.state != LayerState::Full)
            return invalidError("linear: the output head has full-precision weights only");
    } else {
        if (weights.layer < 0 || weights.layer >= m_model->config().layers)
            return invalidError("linear: no layer " + std::to_string(weights.layer));
        const DeviceLayer& l = m_device->layer(weights.layer);
        matrices = l[weights.matrix];
        if (weights.matrix == LayerMatrix::Q)
            bias = l.bq;
        else if (weights.matrix == LayerMatrix::K)
            bias = l.bk;
        else if (weights.matrix == LayerMatrix::V)
            bias = l.bv;
    }
    if (weights.state == LayerState::Skip)
        return invalidError("linear: no weights for state skip");
    const DeviceMatrix& m = matrices.byState[stateSlot(static_cast<int>(weights.state))];
    if (!m.data)
        return invalidError(std::string("linear: no weights for state ") +
                            stateName(weights.state));
    const size_t inCount = static_cast<size_t>(n) * m.cols;
    const size_t outCount = static_cast<size_t>(n) * m.rows;
    DASH_TRY(checkOpSize("linear", "x", x.size(), inCount));
    DASH_TRY(checkOpSize("linear", "y", y.size(), outCount));
    DASH_TRY(m_runner->reserveTokens(static_cast<int32_t>(n)));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dx, upload(x.first(inCount), "linear input"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dy,
                          DeviceBuffer::allocate(outCount * sizeof(float), "linear output"));
    DASH_TRY(m_runner->linearOnDevice(matrices, weights.state, bias, dx.as<const float>(),
                                      static_cast<int32_t>(n), dy.as<float>()));
    return download(dy, y, outCount);
}

Status CudaBackend::rope(std::span<float> v, int64_t n, int32_t heads,
                         std::span<const int64_t> positions) {
    const size_t count = static_cast<size_t>(n) * heads * m_model->config().headDim;
    DASH_TRY(checkOpSize("rope", "v", v.size(), count));
    DASH_TRY(checkOpSize("rope", "positions", positions.size(), static_cast<size_t>(n)));
    DASH_ASSIGN_OR_RETURN(std::vector<int32_t> pos,
                          narrowPositions(positions, static_cast<size_t>(n), m_maxContext, "rope"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dv,
                          upload(std::span<const float>(v.first(count)), "rope values"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dp, upload(std::span<const int32_t>(pos), "rope positions"));
    DASH_TRY(m_runner->ropeOnDevice(dv.as<float>(), dp.as<const int32_t>(), static_cast<int32_t>(n),
                                    heads));
    return download(dv, v, count);
}

Status CudaBackend::attention(std::span<const float> q, std::span<const float> keys,
                              std::span<const float> values, std::span<const int64_t> positions,
                              std::span<const uint8_t> visible, int64_t n, std::span<float> out) {
    const ModelConfig& c = m_model->config();
    DASH_ASSIGN_OR_RETURN(const int64_t rows,
                          checkAttentionArgs(c, q, keys, values, positions, visible, n, out));
    DASH_ASSIGN_OR_RETURN(
        std::vector<int32_t> pos,
        narrowPositions(positions, static_cast<size_t>(n), INT32_MAX, "attention"));
    const size_t kvCount = static_cast<size_t>(rows) * c.kvDim();
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dq,
                          upload(q.first(static_cast<size_t>(n) * c.qDim()), "attention queries"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dk, upload(keys.first(kvCount), "attention keys"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dv, upload(values.first(kvCount), "attention values"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dp,
                          upload(std::span<const int32_t>(pos), "attention positions"));
    DeviceBuffer dm;
    if (!visible.empty()) {
        DASH_ASSIGN_OR_RETURN(dm,
                              upload(visible.first(static_cast<size_t>(rows)), "attention mask"));
    }
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dout,
                          DeviceBuffer::allocate(static_cast<size_t>(n) * c.qDim() * sizeof(float),
                                                 "attention output"));
    DASH_TRY(m_runner->attentionOnDevice(
        dq.as<const float>(), dk.as<const float>(), dv.as<const float>(), dp.as<const int32_t>(),
        dm.as<const uint8_t>(), static_cast<int32_t>(n), rows, dout.as<float>()));
    return download(dout, out, static_cast<size_t>(n) * c.qDim());
}

Status CudaBackend::swiglu(std::span<float> gate, std::span<const float> up) {
    DASH_TRY(checkOpSize("swiglu", "up", up.size(), gate.size()));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dg, upload(std::span<const float>(gate), "swiglu gate"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer du, upload(up.first(gate.size()), "swiglu up"));
    DASH_TRY(launchSwiglu(dg.as<float>(), du.as<const float>(), static_cast<int64_t>(gate.size()),
                          m_runner->computeStream()));
    return download(dg, gate, gate.size());
}

Status CudaBackend::scaleRows(std::span<float> x, int64_t n, std::span<const float> alpha) {
    const int32_t dim = m_model->config().dim;
    const size_t count = static_cast<size_t>(n) * dim;
    DASH_TRY(checkOpSize("scaleRows", "x", x.size(), count));
    if (alpha.size() != 1 && alpha.size() != static_cast<size_t>(dim))
        return invalidError("scaleRows: alpha has " + std::to_string(alpha.size()) +
                            " values, expected 1 or " + std::to_string(dim));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer dx,
                          upload(std::span<const float>(x.first(count)), "scaleRows rows"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer da, upload(alpha, "scaleRows alpha"));
    ScaleLaunch s;
    s.x = dx.as<float>();
    s.xStride = dim;
    s.dim = dim;
    s.alpha = da.as<const float>();
    s.alphaSize = static_cast<int32_t>(alpha.size());
    s.tokens = {nullptr, 0, static_cast<int32_t>(n)};
    s.all = true;
    DASH_TRY(launchScale(s, m_runner->computeStream()));
    return download(dx, x, count);
}

Expected<std::unique_ptr<Backend>> createCudaBackend(std::shared_ptr<const Model> model,
                                                     const BackendOptions& options) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<CudaBackend> b,
                          CudaBackend::create(std::move(model), options));
    return std::unique_ptr<Backend>(std::move(b));
}

} // namespace dash::cuda
