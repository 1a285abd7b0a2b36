// SPDX-License-Identifier: MIT
// The welcome page's "download a small model" box: the known models, a
// Download button, a progress bar with Cancel, and the outcome. A finished
// (checked) download is announced for the window to open.
#pragma once

#include "app/studio/model_download.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace dash::studio {

class ModelDownloadPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelDownloadPanel(QWidget* parent = nullptr);

    void setModels(const QList<KnownModel>& models);
    // Where models are saved; by default the app's data directory, "models".
    void setDownloadDirectory(const QString& path) { m_directory = path; }
    QString downloadDirectory() const { return m_directory; }
    ModelDownloader* downloader() const { return m_downloader; }

    // Downloads the model at `index` of the list (or opens it when a checked
    // copy is already there).
    void download(int index);
    void cancel();

signals:
    void modelDownloaded(const QString& path);

private:
    void setRunning(bool running);
    void onProgress(qint64 received, qint64 total);

    QList<KnownModel> m_models;
    QString m_directory;
    ModelDownloader* m_downloader;
    QComboBox* m_list;
    QPushButton* m_download;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_status;
};

} // namespace dash::studio
