// SPDX-License-Identifier: MIT
// Which model the app opens at start.
#pragma once

#include <QString>
#include <QStringList>

namespace dash::studio {

// Name of the demo model looked for in the model directory.
inline constexpr const char* kDemoModelName = "dash-demo-16L.gguf";

// Directories searched for the demo model, in order: $DASH_MODEL_DIR, then
// the shared model directory the build was configured with.
QStringList modelSearchDirs();

// The first of: `commandLine` (when not empty), `lastUsed` (when the file
// exists), the demo model in modelSearchDirs() (when it exists). Empty: show
// the welcome page.
QString initialModelPath(const QString& commandLine, const QString& lastUsed);

} // namespace dash::studio
