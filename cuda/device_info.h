// SPDX-License-Identifier: MIT
// What the CUDA runtime can see: devices with their names and memory, or the
// reason why CUDA cannot be used on this machine.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash::cuda {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int computeMajor = 0;
    int computeMinor = 0;
    uint64_t totalMemoryBytes = 0;
    int multiprocessors = 0;
};

struct RuntimeInfo {
    int driverVersion = 0;           // e.g. 13000; 0 when no driver is installed
    int runtimeVersion = 0;          // version of the CUDA runtime this build linked
    int deviceCount = 0;             // what the driver reports
    std::vector<DeviceInfo> devices; // those whose properties could be read

    // The device of CUDA ordinal `index`, or an error naming it.
    Expected<DeviceInfo> device(int index) const;
};

// Queries the driver and the devices. An error says why CUDA is unavailable
// ("no CUDA driver", "no CUDA device", ...).
Expected<RuntimeInfo> queryRuntime();

} // namespace dash::cuda
