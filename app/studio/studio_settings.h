// SPDX-License-Identifier: MIT
// Typed access to the app's persisted settings (QSettings, so the platform's
// usual place; tests point QSettings at a temporary directory).
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace dash::studio {

class StudioSettings {
public:
    static constexpr int kMaxRecentModels = 10;

    QStringList recentModels() const;
    // Moves `path` to the front of the recent list and makes it the last used model.
    void addRecentModel(const QString& path);
    void removeRecentModel(const QString& path);
    QString lastModel() const;

    int debounceMs() const;
    void setDebounceMs(int ms);
    int generateTokens() const;
    void setGenerateTokens(int count);
    int threads() const; // 0: one per hardware thread
    void setThreads(int threads);
    QString policyKind() const;
    void setPolicyKind(const QString& kind);
    QString backend() const;
    void setBackend(const QString& id);
    double heatmapZoom() const;
    void setHeatmapZoom(double zoom);
    // UI language code ("de", "zh_CN", ...); empty: follow the system locale.
    QString language() const;
    void setLanguage(const QString& code);

    static constexpr int kMaxRecentPolicyFiles = 10;
    QStringList recentPolicyFiles() const;
    // Moves `path` to the front of the recent policy files.
    void addRecentPolicyFile(const QString& path);
    void clearRecentPolicyFiles();
    QString policyFile() const;
    void setPolicyFile(const QString& path);
    double policyRatio() const;
    void setPolicyRatio(double ratio);
    QString calibrationFile() const;
    void setCalibrationFile(const QString& path);
    QString kvMode() const; // "project" or "mask"
    void setKvMode(const QString& mode);
    bool asyncPolicy() const;
    void setAsyncPolicy(bool async);
    // Held-out text that text-dependent baselines are tuned on, and how many
    // windows of it each tuning evaluation reads.
    QString heldOutText() const;
    void setHeldOutText(const QString& path);
    int tuneWindows() const;
    void setTuneWindows(int windows);
    // $DASH_DATA_DIR/wikitext2_valid.txt, else the build's shared data directory.
    static QString defaultHeldOutText();

    bool autoSaveRuns() const;
    void setAutoSaveRuns(bool on);
    // How long results must stay unchanged before a run is saved automatically.
    int autoSaveDelayMs() const;
    void setAutoSaveDelayMs(int ms);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray splitterState(const QString& name) const;
    void setSplitterState(const QString& name, const QByteArray& state);
    // Where and as what the last figure was exported ("pdf", "svg", "png").
    QString exportFolder() const;
    void setExportFolder(const QString& folder);
    QString exportFormat() const;
    void setExportFormat(const QString& suffix);
    // The prompt in the editor when the window last closed.
    QString prompt() const;
    void setPrompt(const QString& text);

private:
    QSettings m_settings;
};

} // namespace dash::studio
