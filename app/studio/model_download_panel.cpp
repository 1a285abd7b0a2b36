// SPDX-License-Identifier: MIT
#include "app/studio/model_download_panel.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace dash::studio {

ModelDownloadPanel::ModelDownloadPanel(QWidget* parent)
    : QWidget(parent), m_downloader(new ModelDownloader(this)) {
    m_directory = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                      .filePath(QStringLiteral("models"));
    auto* title = new QLabel(tr("<b>No model at hand?</b> Download a small one:"), this);
    m_list = new QComboBox(this);
    m_list->setObjectName(QStringLiteral("downloadModelList"));
    m_download = new QPushButton(tr("Download"), this);
    m_download->setObjectName(QStringLiteral("downloadButton"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("downloadCancelButton"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("downloadProgress"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("downloadStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* row = new QHBoxLayout;
    row->addWidget(m_list, 1);
    row->addWidget(m_download);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title);
    layout->addLayout(row);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);

    connect(m_download, &QPushButton::clicked, this, [this] { download(m_list->currentIndex()); });
    connect(m_cancel, &QPushButton::clicked, this, &ModelDownloadPanel::cancel);
    connect(m_downloader, &ModelDownloader::progress, this, &ModelDownloadPanel::onProgress);
    connect(m_downloader, &ModelDownloader::resumed, this, [this](qint64 offset) {
        m_status->setText(tr("Resuming at %1").arg(QLocale().formattedDataSize(offset)));
    });
    connect(m_downloader, &ModelDownloader::finished, this, [this](const QString& path) {
        setRunning(false);
        m_status->setText(tr("Downloaded and checked: %1").arg(QDir::toNativeSeparators(path)));
        emit modelDownloaded(path);
    });
    connect(m_downloader, &ModelDownloader::failed, this, [this](const QString& message) {
        setRunning(false);
        m_status->setText(tr("Download failed: %1").arg(message));
    });
    connect(m_downloader, &ModelDownloader::cancelled, this, [this] {
        setRunning(false);
        m_status->setText(tr("Cancelled; a new download resumes where this one stopped"));
    });
    setModels(builtInKnownModels());
    setRunning(false);
}

void ModelDownloadPanel::setModels(const QList<KnownModel>& models) {
    m_models = models;
    m_list->clear();
    const QLocale locale;
    for (const KnownModel& m : models) {
        m_list->addItem(tr("%1 (%2)").arg(m.name, locale.formattedDataSize(m.size)));
        m_list->setItemData(m_list->count() - 1, m.description, Qt::ToolTipRole);
    }
    setVisible(!models.isEmpty());
    m_download->setEnabled(!models.isEmpty());
}

void ModelDownloadPanel::download(int index) {
    if (index < 0 || index >= m_models.size() || m_downloader->running())
        return;
    const KnownModel& m = m_models.at(index);
    const QString destination = QDir(m_directory).filePath(m.name);
    // Only checked downloads are ever renamed to the model's name.
    if (QFileInfo(destination).size() == m.size) {
        m_status->setText(tr("Already downloaded: %1").arg(QDir::toNativeSeparators(destination)));
        emit modelDownloaded(destination);
        return;
    }
    m_status->setText(tr("Downloading %1…").arg(m.name));
    setRunning(true);
    m_downloader->start(m.url, destination, m.sha256, m.size);
}

void ModelDownloadPanel::cancel() {
    m_downloader->cancel();
}

void ModelDownloadPanel::setRunning(bool running) {
    m_download->setEnabled(!running && !m_models.isEmpty());
    m_list->setEnabled(!running);
    m_cancel->setVisible(running);
    m_progress->setVisible(running);
    if (!running)
        m_progress->reset();
}

void ModelDownloadPanel::onProgress(qint64 received, qint64 total) {
    if (total > 0) {
        // QProgressBar holds ints: count in KiB.
        m_progress->setRange(0, static_cast<int>(total / 1024));
        m_progress->setValue(static_cast<int>(received / 1024));
        m_progress->setFormat(
            tr("%1 of %2")
                .arg(QLocale().formattedDataSize(received), QLocale().formattedDataSize(total)));
    } else {
        m_progress->setRange(0, 0);
    }
}

} // namespace dash::studio
