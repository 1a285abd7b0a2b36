// SPDX-License-Identifier: MIT
#include "app/studio/backend_catalog.h"

#include <QCoreApplication>

#ifdef DASH_HAVE_CUDA
#include "cuda/device_info.h"
#endif

namespace dash::studio {

namespace {

BackendEntry cudaEntry() {
    BackendEntry e{
        QStringLiteral("cuda"), QCoreApplication::translate("BackendCatalog", "CUDA"), false, {}};
#ifdef DASH_HAVE_CUDA
    auto runtime = cuda::queryRuntime();
    if (!runtime.ok())
        e.reason = QString::fromStdString(runtime.error().message());
    else if (runtime->devices.empty())
        e.reason = QCoreApplication::translate("BackendCatalog", "no CUDA device");
    else
        e.reason =
            QCoreApplication::translate(
                "BackendCatalog", "%1 found, but the engine does not run on CUDA in this build")
                .arg(QString::fromStdString(runtime->devices.front().name));
#else
    e.reason = QCoreApplication::translate("BackendCatalog", "CUDA backend not built");
#endif
    return e;
}

} // namespace

QList<BackendEntry> backendEntries() {
    return {
        {QStringLiteral("cpu"), QCoreApplication::translate("BackendCatalog", "CPU"), true, {}},
        cudaEntry(),
    };
}

} // namespace dash::studio
