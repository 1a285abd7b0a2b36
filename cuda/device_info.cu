// SPDX-License-Identifier: MIT
#include "cuda/device_info.h"

#include <cuda_runtime.h>

namespace dash::cuda {

Expected<RuntimeInfo> queryRuntime() {
    RuntimeInfo info;
    cudaRuntimeGetVersion(&info.runtimeVersion);
    if (cudaDriverGetVersion(&info.driverVersion) != cudaSuccess || info.driverVersion == 0)
        return unsupportedError("no CUDA driver is installed");
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess)
        return unsupportedError(std::string("CUDA is unavailable: ") + cudaGetErrorString(err));
    if (count == 0)
        return unsupportedError("the CUDA driver reports no device");
    if (info.driverVersion < info.runtimeVersion)
        return unsupportedError("the CUDA driver (" + std::to_string(info.driverVersion) +
                                ") is older than the runtime this build needs (" +
                                std::to_string(info.runtimeVersion) + ")");
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess)
            continue;
        DeviceInfo d;
        d.index = i;
        d.name = prop.name;
        d.computeMajor = prop.major;
        d.computeMinor = prop.minor;
        d.totalMemoryBytes = prop.totalGlobalMem;
        d.multiprocessors = prop.multiProcessorCount;
        info.devices.push_back(std::move(d));
    }
    return info;
}

} // namespace dash::cuda
