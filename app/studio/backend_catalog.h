// SPDX-License-Identifier: MIT
// The inference backends and whether this build and machine can use them, as
// the core's backend registry (core/engine/backend_registry.h) lists them.
#pragma once

#include <QList>
#include <QString>

namespace dash::studio {

struct BackendEntry {
    QString id;    // "cpu", "cuda"
    QString label; // translated
    bool available = false;
    QString reason; // why it is unavailable; empty when available
    QString device; // the processor or GPU (memory, driver) when available
};

// Queries the CUDA runtime when the CUDA backend was built, so call it once.
QList<BackendEntry> backendEntries();

} // namespace dash::studio
