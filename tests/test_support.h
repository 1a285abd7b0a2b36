// SPDX-License-Identifier: MIT
// Helpers shared by the QtTest suites: where the shared models and data live,
// and skipping (or failing, in CI) when they are absent.
#pragma once

#include <QFileInfo>
#include <QString>
#include <QtTest>

#include <string>

namespace dash::test {

inline QString sharedDir() {
    const QByteArray env = qgetenv("DASH_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral(DASH_SHARED_DIR_DEFAULT) : QString::fromLocal8Bit(env);
}

inline QString modelDir() {
    const QByteArray env = qgetenv("DASH_MODEL_DIR");
    return env.isEmpty() ? sharedDir() + QStringLiteral("/models") : QString::fromLocal8Bit(env);
}

inline QString dataDir() {
    const QByteArray env = qgetenv("DASH_DATA_DIR");
    return env.isEmpty() ? sharedDir() + QStringLiteral("/data") : QString::fromLocal8Bit(env);
}

inline std::string modelPath(const char* name) {
    return (modelDir() + QLatin1Char('/') + QLatin1String(name)).toStdString();
}

inline std::string dataPath(const char* name) {
    return (dataDir() + QLatin1Char('/') + QLatin1String(name)).toStdString();
}

// CI sets DASH_REQUIRE_SHARED=1 so that a missing shared file fails instead of skipping.
inline bool sharedRequired() {
    return qgetenv("DASH_REQUIRE_SHARED") == "1";
}

} // namespace dash::test

// Skips the test (or fails it when DASH_REQUIRE_SHARED=1) when `path` is missing.
#define DASH_REQUIRE_FILE(path)                                                                    \
    do {                                                                                           \
        const QString dashRequiredPath_ = QString::fromStdString(path);                            \
        if (!QFileInfo::exists(dashRequiredPath_)) {                                               \
            const QByteArray reason_ =                                                             \
                ("shared file not found: " + dashRequiredPath_ +                                   \
                 " (set DASH_MODEL_DIR / DASH_DATA_DIR or place ../shared beside the checkout)")   \
                    .toUtf8();                                                                     \
            if (dash::test::sharedRequired())                                                      \
                QFAIL(reason_.constData());                                                        \
            QSKIP(reason_.constData());                                                            \
        }                                                                                          \
    } while (false)
