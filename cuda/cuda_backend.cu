// SPDX-License-Identifier: MIT
#include "cuda/cuda_backend.h"

#include "cuda/device_info.h"

#include <cstdio>

namespace dash::cuda {

Expected<std::string> describeDevice(int index) {
    DASH_ASSIGN_OR_RETURN(RuntimeInfo runtime, queryRuntime());
    if (index < 0 || index >= static_cast<int>(runtime.devices.size()))
        return invalidError("no CUDA device " + std::to_string(index) + " (" +
                            std::to_string(runtime.devices.size()) + " found)");
    const DeviceInfo& d = runtime.devices[static_cast<size_t>(index)];
    char text[256];
    std::snprintf(text, sizeof text, "%s, %.1f GiB, driver %d.%d", d.name.c_str(),
                  static_cast<double>(d.totalMemoryBytes) / (1u << 30),
                  runtime.driverVersion / 1000, runtime.driverVersion % 1000 / 10);
    return std::string(text);
}

Expected<std::unique_ptr<Backend>> createCudaBackend(std::shared_ptr<const Model>,
                                                     const BackendOptions& options) {
    DASH_ASSIGN_OR_RETURN(std::string device, describeDevice(options.device));
    return unsupportedError(device + " found, but the CUDA inference backend is not built yet");
}

} // namespace dash::cuda
