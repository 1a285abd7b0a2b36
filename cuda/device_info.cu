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
    // Within one major version an older driver runs a newer runtime (minor
    // version compatibility); across majors it does not.
    if (info.driverVersion / 1000 < info.runtimeVersion / 1000)
        return unsupportedError("the CUDA driver (" + std::to_string(info.driverVersion) +
                                ") is older than the runtime this build needs (" +
                                std::to_string(info.runtimeVersion) + ")");
    info.deviceCount = count;
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

Expected<DeviceInfo> RuntimeInfo::device(int index) const {
    if (index < 0 || index >= deviceCount)
        return invalidError("no CUDA device " + std::to_string(index) + " (" +
                            std::to_string(deviceCount) + " found)");
    for (const DeviceInfo& d : devices)
        if (d.index == index)
            return d;
    return unsupportedError("the properties of CUDA device " + std::to_string(index) +
                            " cannot be read");
}

} // namespace dash::cuda
