// SPDX-License-Identifier: MIT
// The backends this build contains, whether this machine can run them, and
// creating one by name. backend_registry.cpp is the only file that knows which
// backends were compiled in; it is its own library (dash_backends) so that the
// engine does not depend on the devices.
#pragma once

#include "core/engine/backend.h"

#include <memory>
#include <string>
#include <vector>

namespace dash {

struct BackendAvailability {
    std::string name;       // "cpu", "cuda"
    bool available = false; // built in, and this machine can run it
    std::string detail;     // the device when available, else why not
};

// Every backend this project has, built in or not, CPU first.
std::vector<BackendAvailability> listBackends();
// The names accepted by createBackend, comma-separated (for help texts).
std::string backendNames();
// A backend for `model`. An error names the backend and says why it cannot run.
Expected<std::unique_ptr<Backend>> createBackend(const std::string& name,
                                                 std::shared_ptr<const Model> model,
                                                 const BackendOptions& options = {});

} // namespace dash
