// SPDX-License-Identifier: MIT
#include "app/studio/welcome_page.h"

#include "app/studio/model_download_panel.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace dash::studio {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    auto* title = new QLabel(tr("<h1>DASH Studio</h1>"), this);
    auto* intro = new QLabel(tr("Open a GGUF model to explore, token by token and layer by "
                                "layer, how it computes a prompt as you type."),
                             this);
    intro->setWordWrap(true);
    auto* open = new QPushButton(tr("Open model…"), this);
    open->setObjectName(QStringLiteral("welcomeOpenButton"));
    connect(open, &QPushButton::clicked, this, &WelcomePage::openFileRequested);

    m_recentTitle = new QLabel(tr("<b>Recent models</b>"), this);
    m_recent = new QListWidget(this);
    m_recent->setObjectName(QStringLiteral("welcomeRecentList"));
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        emit modelChosen(item->data(Qt::UserRole).toString());
    });
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("welcomeStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* download = new ModelDownloadPanel(this);
    connect(download, &ModelDownloadPanel::modelDownloaded, this, &WelcomePage::modelChosen);

    auto* column = new QVBoxLayout;
    column->addWidget(title);
    column->addWidget(intro);
    column->addSpacing(12);
    column->addWidget(open, 0, Qt::AlignLeft);
    column->addWidget(m_status);
    column->addSpacing(12);
    column->addWidget(download);
    column->addSpacing(12);
    column->addWidget(m_recentTitle);
    column->addWidget(m_recent, 1);

    auto* outer = new QHBoxLayout(this);
    outer->addStretch(1);
    outer->addLayout(column, 3);
    outer->addStretch(1);
    setRecentModels({});
}

void WelcomePage::setRecentModels(const QStringList& paths) {
    m_recent->clear();
    for (const QString& path : paths) {
        auto* item = new QListWidgetItem(QFileInfo(path).fileName(), m_recent);
        item->setToolTip(path);
        item->setData(Qt::UserRole, path);
        if (!QFileInfo::exists(path))
            item->setText(tr("%1 (missing)").arg(QFileInfo(path).fileName()));
    }
    m_recentTitle->setVisible(!paths.isEmpty());
    m_recent->setVisible(!paths.isEmpty());
}

void WelcomePage::setStatus(const QString& text) {
    m_status->setText(text);
}

} // namespace dash::studio
