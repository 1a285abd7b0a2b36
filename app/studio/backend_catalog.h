// SPDX-License-Identifier: MIT
// The inference backends and whether this build and machine can use them. The
// only app file that knows which backends were compiled in.
#pragma once

#include <QList>
#include <QString>

namespace dash::studio {

struct BackendEntry {
    QString id;    // "cpu", "cuda"
    QString label; // translated
    bool available = false;
    QString reason; // why it is unavailable (translated); empty when available
};

// Queries the CUDA runtime when the CUDA backend was built, so call it once.
QList<BackendEntry> backendEntries();

} // namespace dash::studio
