// SPDX-License-Identifier: MIT
// Helpers shared by the QtTest suites: where the shared models and data live,
// skipping (or failing, in CI) when they are absent, and whole-file text
// reading and writing, and a GUI test's private settings and data folders.
#pragma once

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QString>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

namespace dash::test {

// The whole file as bytes ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes `text` to `path`, creating its folder.
inline void spit(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// The first `lines` lines of a file.
inline std::string headLines(const std::string& path, int lines) {
    std::ifstream in(path, std::ios::binary);
    std::string out, line;
    for (int i = 0; i < lines && std::getline(in, line); ++i)
        out += line + "\n";
    return out;
}

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

// A _data function must not fail: QtTest then runs the test function without
// rows and aborts the whole program. Where a shared file that the rows come
// from is missing, the _data function adds one row tagged kMissingSharedRow
// instead, and the test function calls DASH_REQUIRE_FILE for it, which skips
// (or, with DASH_REQUIRE_SHARED=1, fails) that one test cleanly.
inline constexpr char kMissingSharedRow[] = "shared file missing";

inline bool filesExist(std::initializer_list<std::string> paths) {
    for (const std::string& p : paths)
        if (!QFileInfo::exists(QString::fromStdString(p)))
            return false;
    return true;
}

inline bool isMissingSharedRow() {
    const char* tag = QTest::currentDataTag();
    return tag && std::string(tag) == kMissingSharedRow;
}

// Points QSettings and the app's data and cache folders (the run store, the
// downloaded models; through the XDG variables) into `dir`, so that a GUI test
// never reads or writes the user's.
inline void isolateStudio(const QString& dir, const char* application) {
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir);
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QString::fromLatin1(application));
    qputenv("XDG_DATA_HOME", QFile::encodeName(dir + QStringLiteral("/data")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(dir + QStringLiteral("/cache")));
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
