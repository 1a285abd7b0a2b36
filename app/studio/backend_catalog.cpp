// SPDX-License-Identifier: MIT
#include "app/studio/backend_catalog.h"

#include "core/engine/backend_registry.h"

#include <QCoreApplication>

namespace dash::studio {

namespace {

QString label(const std::string& id) {
    if (id == "cpu")
        return QCoreApplication::translate("BackendCatalog", "CPU");
    if (id == "cuda")
        return QCoreApplication::translate("BackendCatalog", "CUDA");
    return QString::fromStdString(id);
}

} // namespace

QList<BackendEntry> backendEntries() {
    QList<BackendEntry> out;
    for (const BackendAvailability& b : listBackends()) {
        BackendEntry e;
        e.id = QString::fromStdString(b.name);
        e.label = label(b.name);
        e.available = b.available;
        // The device in words when available, else why not; the core's
        // English text, shown as it is.
        if (b.available)
            e.device = QString::fromStdString(b.detail);
        else
            e.reason = QString::fromStdString(b.detail);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace dash::studio
