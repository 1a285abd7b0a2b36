// SPDX-License-Identifier: MIT
// Preferences: typing debounce and engine threads (the window applies them),
// automatic saving of runs and the held-out text that baselines are tuned on
// (stored by the dialog itself when accepted).
#pragma once

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QSpinBox;

namespace dash::studio {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);

    void setDebounceMs(int ms);
    int debounceMs() const;
    void setThreads(int threads);
    int threads() const; // 0: one per hardware thread

    void accept() override;

private:
    QSpinBox* m_debounce;
    QSpinBox* m_threads;
    QCheckBox* m_autoSave;
    QSpinBox* m_autoSaveDelay;
    QLineEdit* m_heldOutText;
    QSpinBox* m_tuneWindows;
};

} // namespace dash::studio
