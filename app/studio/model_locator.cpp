// SPDX-License-Identifier: MIT
#include "app/studio/model_locator.h"

#include <QDir>
#include <QFileInfo>

namespace dash::studio {

QStringList modelSearchDirs() {
    QStringList dirs;
    const QByteArray env = qgetenv("DASH_MODEL_DIR");
    if (!env.isEmpty())
        dirs << QString::fromLocal8Bit(env);
#ifdef DASH_DEFAULT_MODEL_DIR
    dirs << QStringLiteral(DASH_DEFAULT_MODEL_DIR);
#endif
    return dirs;
}

QString initialModelPath(const QString& commandLine, const QString& lastUsed) {
    if (!commandLine.isEmpty())
        return commandLine;
    if (!lastUsed.isEmpty() && QFileInfo::exists(lastUsed))
        return lastUsed;
    for (const QString& dir : modelSearchDirs()) {
        const QString demo = QDir(dir).filePath(QLatin1String(kDemoModelName));
        if (QFileInfo::exists(demo))
            return demo;
    }
    return {};
}

} // namespace dash::studio
