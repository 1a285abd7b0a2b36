// SPDX-License-Identifier: MIT
// The run-history and job tools of the main window, installed in one place:
// the run browser dock, automatic saving of runs, the Runs and Tools menus
// (calibrate, train a policy, run a sweep, evaluate) and the policy picker's link to the
// inference client and to calibration jobs.
#pragma once

#include "app/studio/studio_settings.h"

#include <QObject>
#include <QPointer>

class QDockWidget;
class QMainWindow;

namespace dash::studio {

class InferenceClient;
class JobDialog;
class PolicyPicker;
class RunAutoSaver;
class RunSaver;
class RunsPanel;

class RunTools : public QObject {
    Q_OBJECT
public:
    RunTools(QMainWindow* window, InferenceClient* client, RunSaver* saver, PolicyPicker* picker);

    RunsPanel* runsPanel() const { return m_panel; }
    RunAutoSaver* autoSaver() const { return m_autoSaver; }
    QDockWidget* runsDock() const { return m_dock; }
    // Applies the preferences (automatic saving, held-out text) after they change.
    void reloadSettings();

    // Open the job dialogs (non-modal); each returns the dialog.
    JobDialog* showCalibrationJob();
    JobDialog* showTrainingJob();
    JobDialog* showSweepJob();
    JobDialog* showEvalJob();

private:
    void createMenus();
    void show(JobDialog* dialog);

    StudioSettings m_settings;
    QMainWindow* m_window;
    InferenceClient* m_client;
    RunSaver* m_saver;
    PolicyPicker* m_picker;
    RunsPanel* m_panel;
    RunAutoSaver* m_autoSaver;
    QDockWidget* m_dock;
};

} // namespace dash::studio
