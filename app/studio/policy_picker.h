// SPDX-License-Identifier: MIT
// The policy picker: full precision, a policy file (with recent files), or a
// baseline at a target ratio; the calibration file of static similarity
// skipping; the KV mode and DASH's asynchronous decisions. Shows the worker's
// progress while a baseline is tuned, and policy errors (a file made for
// another model) where the policy is chosen.
#pragma once

#include "app/studio/policy_catalog.h"
#include "app/studio/run_snapshot.h"
#include "app/studio/studio_settings.h"

#include <QWidget>

class QAction;
class QActionGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace dash::studio {

class ElidedLabel;

class InferenceClient;

class PolicyPicker : public QWidget {
    Q_OBJECT
public:
    explicit PolicyPicker(QWidget* parent = nullptr);

    PolicySpec policy() const;
    // The policy kind box (the picker's focus target).
    QComboBox* kindBox() const { return m_kind; }
    // Selects `kind` when this build offers it; returns whether it did.
    bool setPolicyKind(const QString& kind);
    void setRatio(double ratio);
    // Selects the policy-file entry with `path`, and remembers it as recent.
    void setPolicyFile(const QString& path);
    void setCalibrationFile(const QString& path);
    void setKvMode(KvMode mode);
    void setAsync(bool async);
    // Re-reads the held-out text settings (after the preferences change).
    void reloadSettings();

    // Shows the tuning progress and the policy errors of `client`'s runs.
    void attach(InferenceClient* client);

    // The policy error of the latest run of this policy; empty when none.
    QString errorText() const;
    bool errorShown() const;
    bool progressShown() const;
    QString statusText() const;

signals:
    void policyChanged(const dash::studio::PolicySpec& policy);
    // The user asked for a calibration to be computed (a calibration job).
    void calibrationJobRequested();

private:
    void onKindChanged(int index);
    void onKindActivated();
    // The entry cannot run without a file that is not chosen yet.
    bool missingFile(const PolicyEntry& entry) const;
    void updateVisibility();
    void updateRecentMenu();
    void updateButtons();
    void chooseFile();
    void chooseCalibration();
    void emitChanged();
    void onPreparing(const QString& message);
    void onSnapshot(const SnapshotPtr& snapshot);
    void showError(const QString& text);

    StudioSettings m_settings;
    QList<PolicyEntry> m_entries;
    QString m_file;
    QString m_calibrationFile;
    QString m_heldOutText;
    int m_tuneWindows = 8;

    QComboBox* m_kind;
    QDoubleSpinBox* m_ratio;
    QToolButton* m_fileButton;
    QMenu* m_fileMenu;
    QToolButton* m_calibrationButton;
    QMenu* m_calibrationMenu;
    int m_appliedIndex = 0;     // the kind whose policy runs now
    bool m_settingKind = false; // the kind is being set by code, not chosen
    QString m_pendingKind;      // chosen, waiting for its file
    QToolButton* m_optionsButton;
    QAction* m_projectKv;
    QAction* m_maskKv;
    QAction* m_async;
    QProgressBar* m_progress;
    ElidedLabel* m_status;
    QLabel* m_error;
};

} // namespace dash::studio
