// SPDX-License-Identifier: MIT
// Entry points of the CUDA backend for the backend registry.
#pragma once

#include "core/engine/backend.h"

#include <memory>
#include <string>

namespace dash::cuda {

// "NVIDIA H100 80GB HBM3, 79.1 GiB, driver 13.0", or why device `index`
// cannot be used (no driver, no device, a driver older than the runtime).
Expected<std::string> describeDevice(int index);

Expected<std::unique_ptr<Backend>> createCudaBackend(std::shared_ptr<const Model> model,
                                                     const BackendOptions& options);

} // namespace dash::cuda
