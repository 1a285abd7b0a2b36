// SPDX-License-Identifier: MIT
#include "app/studio/run_tools.h"

#include "app/studio/eval_dialog.h"
#include "app/studio/inference_client.h"
#include "app/studio/job_dialogs.h"
#include "app/studio/policy_picker.h"
#include "app/studio/run_autosaver.h"
#include "app/studio/run_list_model.h"
#include "app/studio/run_saver.h"
#include "app/studio/runs_panel.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QScrollArea>
#include <QTableView>

namespace dash::studio {

RunTools::RunTools(QMainWindow* window, InferenceClient* client, RunSaver* saver,
                   PolicyPicker* picker)
    : QObject(window), m_window(window), m_client(client), m_saver(saver), m_picker(picker) {
    m_panel = new RunsPanel(window);
    m_dock = new QDockWidget(tr("Runs"), window);
    m_dock->setObjectName(QStringLiteral("runsDock"));
    // Scrolls rather than widening the window past a small screen.
    auto* scroll = new QScrollArea(m_dock);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(m_panel);
    m_dock->setWidget(scroll);
    window->addDockWidget(Qt::RightDockWidgetArea, m_dock);
    m_autoSaver = new RunAutoSaver(client, saver, this);
    reloadSettings();

    picker->attach(client);
    connect(picker, &PolicyPicker::calibrationJobRequested, this, &RunTools::showCalibrationJob);
    connect(saver, &RunSaver::runSaved, m_panel, &RunsPanel::onRunSaved);
    // The store is read when the browser is first shown, not at start-up.
    connect(m_dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_panel->listModel()->rowCount() == 0)
            m_panel->setDatabasePath(m_saver->databasePath());
    });
    createMenus();
}

void RunTools::reloadSettings() {
    m_autoSaver->setEnabled(m_settings.autoSaveRuns());
    m_autoSaver->setDelayMs(m_settings.autoSaveDelayMs());
    m_picker->reloadSettings();
}

void RunTools::createMenus() {
    QMenuBar* bar = m_window->menuBar();
    // Before Help, which stays last.
    const QList<QAction*> actions = bar->actions();
    QAction* before = actions.isEmpty() ? nullptr : actions.last();

    auto* runs = new QMenu(tr("&Runs"), bar);
    QAction* browser = m_dock->toggleViewAction();
    browser->setText(tr("Run &Browser"));
    runs->addAction(browser);
    QAction* goToRuns = runs->addAction(tr("&Go to Run List"), this, [this] {
        m_dock->show();
        m_dock->raise();
        m_panel->table()->setFocus(Qt::ShortcutFocusReason);
    });
    goToRuns->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    QAction* autoSave = runs->addAction(tr("Save Runs &Automatically"));
    autoSave->setCheckable(true);
    autoSave->setChecked(m_autoSaver->isEnabled());
    autoSave->setStatusTip(tr("Save each run once results stay unchanged for a moment"));
    connect(autoSave, &QAction::toggled, this, [this](bool on) {
        m_settings.setAutoSaveRuns(on);
        m_autoSaver->setEnabled(on);
    });
    runs->addSeparator();
    QAction* compare = runs->addAction(tr("&Compare Selected Runs"), this, [this] {
        const QList<qint64> ids = m_panel->selectedRuns();
        if (ids.size() == 2)
            m_panel->compareRuns(std::min(ids[0], ids[1]), std::max(ids[0], ids[1]));
    });
    compare->setObjectName(QStringLiteral("compareRunsAction"));
    compare->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
    runs->addAction(m_panel->rerunAction());
    runs->addAction(tr("&Refresh"), m_panel, &RunsPanel::refresh);

    auto* tools = new QMenu(tr("&Tools"), bar);
    tools->addAction(tr("&Calibrate…"), this, &RunTools::showCalibrationJob);
    tools->addAction(tr("&Train Policy…"), this, &RunTools::showTrainingJob);
    tools->addAction(tr("Run &Sweep…"), this, &RunTools::showSweepJob);
    tools->addAction(tr("&Evaluate…"), this, &RunTools::showEvalJob);

    bar->insertMenu(before, runs);
    bar->insertMenu(before, tools);
}

void RunTools::show(JobDialog* dialog) {
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

JobDialog* RunTools::showCalibrationJob() {
    JobDefaults defaults{m_client->hasModel() ? m_client->modelInfo().path : QString(),
                         m_settings.heldOutText(), m_settings.threads()};
    auto* dialog = new CalibrationJobDialog(defaults, m_window);
    connect(dialog, &JobDialog::useRequested, m_picker, [this](const QString& path) {
        m_picker->setCalibrationFile(path);
        m_picker->setPolicyKind(QStringLiteral("static"));
    });
    show(dialog);
    return dialog;
}

JobDialog* RunTools::showTrainingJob() {
    JobDefaults defaults{m_client->hasModel() ? m_client->modelInfo().path : QString(),
                         m_settings.heldOutText(), m_settings.threads()};
    auto* dialog = new TrainingJobDialog(defaults, m_window);
    connect(dialog, &JobDialog::useRequested, m_picker, &PolicyPicker::setPolicyFile);
    show(dialog);
    return dialog;
}

JobDialog* RunTools::showSweepJob() {
    JobDefaults defaults{m_client->hasModel() ? m_client->modelInfo().path : QString(),
                         m_settings.heldOutText(), m_settings.threads()};
    auto* dialog = new SweepJobDialog(defaults, m_window);
    dialog->setDatabasePath(m_saver->databasePath());
    connect(dialog, &JobDialog::jobFinished, m_panel, [this](const JobOutcome& outcome) {
        if (outcome.ok)
            m_panel->refresh();
    });
    show(dialog);
    return dialog;
}

JobDialog* RunTools::showEvalJob() {
    JobDefaults defaults{m_client->hasModel() ? m_client->modelInfo().path : QString(),
                         m_settings.heldOutText(), m_settings.threads()};
    const QString dataDir = QFileInfo(StudioSettings::defaultHeldOutText()).absolutePath();
    auto* dialog = new EvalJobDialog(defaults, dataDir, m_window);
    show(dialog);
    return dialog;
}

} // namespace dash::studio
