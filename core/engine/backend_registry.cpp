// SPDX-License-Identifier: MIT
#include "core/engine/backend_registry.h"

#include "core/engine/cpu/cpu_backend.h"
#include "core/engine/cpu/isa.h"

#ifdef DASH_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

namespace dash {

std::vector<BackendAvailability> listBackends() {
    std::vector<BackendAvailability> out;
    out.push_back(
        {"cpu", true, cpu::processorName() + " (" + cpu::isaName(cpu::bestIsa()) + " kernels)"});
#ifdef DASH_HAVE_CUDA
    auto device = cuda::describeDevice(0);
    out.push_back({"cuda", device.ok(), device.ok() ? *device : device.error().message()});
#else
    out.push_back(
        {"cuda", false, "this build has no CUDA backend (configure with DASH_WITH_CUDA=ON)"});
#endif
    return out;
}

std::string backendNames() {
    return "cpu, cuda";
}

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name,
                                                 std::shared_ptr<const Model> model,
                                                 const BackendOptions& options) {
    if (name == "cpu") {
        DASH_ASSIGN_OR_RETURN(std::unique_ptr<cpu::CpuBackend> b,
                              cpu::CpuBackend::create(std::move(model), options));
        return std::unique_ptr<Backend>(std::move(b));
    }
    if (name == "cuda") {
#ifdef DASH_HAVE_CUDA
        auto b = cuda::createCudaBackend(std::move(model), options);
        if (!b.ok())
            return b.error().withContext("the CUDA backend");
        return std::move(b).value();
#else
        return unsupportedError(
            "this build has no CUDA backend (configure with DASH_WITH_CUDA=ON)");
#endif
    }
    return invalidError("unknown backend '" + name + "' (expected one of " + backendNames() + ")");
}

} // namespace dash
