// SPDX-License-Identifier: MIT
// Shown while no model is loaded: open a file or pick a recent model.
#pragma once

#include <QWidget>

class QLabel;
class QListWidget;

namespace dash::studio {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    void setRecentModels(const QStringList& paths);
    // A line under the buttons: progress of a load, or why it failed.
    void setStatus(const QString& text);

signals:
    void openFileRequested();
    void modelChosen(const QString& path);

private:
    QListWidget* m_recent;
    QLabel* m_recentTitle;
    QLabel* m_status;
};

} // namespace dash::studio
