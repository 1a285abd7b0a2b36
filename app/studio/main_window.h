// SPDX-License-Identifier: MIT
// The DASH Studio main window: model, policy and backend pickers, the prompt
// editor, and the views of the latest run (generated text, heatmap,
// similarity curves, stream timeline). All engine work goes through
// InferenceClient; the window only swaps finished snapshots into its views.
#pragma once

#include "app/studio/run_snapshot.h"
#include "app/studio/studio_settings.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QScrollArea;
class QSplitter;
class QStackedWidget;

namespace dash::studio {

class ElidedLabel;
class GeneratedTextView;
class HeatmapModel;
class HeatmapPanel;
class InferenceClient;
class LiveAbWindow;
class RunControls;
class RunSaver;
class RunTools;
class SimilarityChart;
class TimelinePanel;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens `commandLinePath`, else the last used model, else the demo model;
    // shows the welcome page when there is none.
    void openInitialModel(const QString& commandLinePath);
    void openModel(const QString& path);

    InferenceClient* inference() const { return m_client; }
    RunSaver* runSaver() const { return m_saver; }
    // Saves the latest run to the run store (in the background).
    void saveRun();
    HeatmapModel* heatmapModel() const { return m_heatmapModel; }
    QPlainTextEdit* promptEditor() const { return m_prompt; }
    bool showingWelcomePage() const;
    // The similarity curves and the stream timeline (the run list's dock
    // belongs to RunTools); each can be hidden, floated or tabbed.
    QDockWidget* curvesDock() const { return m_curvesDock; }
    QDockWidget* timelineDock() const { return m_timelineDock; }
    // Puts every dock back where a first start puts it and shows it.
    void resetLayout();
    // Opens the live A/B window on this model and prompt (it then follows
    // the prompt typed here).
    void showLiveAb();
    LiveAbWindow* liveAbWindow() const { return m_ab; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createMenus();
    QWidget* createWorkspace();
    QDockWidget* createDock(QWidget* content, const QString& title, const char* name);
    void createStatusBar();
    void restoreSettings();
    void saveSettings();
    void updateRecentMenu();
    void chooseModelFile();
    void showPreferences();
    void showAbout();
    void setErrorText(const QString& text);

    void onModelLoadStarted(const QString& path);
    void onModelLoaded(const ModelInfo& info);
    void onModelLoadFailed(const QString& path, const QString& message);
    void onSnapshot(const SnapshotPtr& snapshot);
    void onBusyChanged(bool busy);

    StudioSettings m_settings;
    InferenceClient* m_client;
    RunSaver* m_saver;
    RunTools* m_runTools = nullptr;
    HeatmapModel* m_heatmapModel;
    QAction* m_saveRunAction = nullptr;
    RunControls* m_controls = nullptr;
    QStackedWidget* m_stack = nullptr;
    WelcomePage* m_welcome = nullptr;
    QScrollArea* m_welcomeScroll = nullptr;
    QWidget* m_workspace = nullptr;
    QLabel* m_errorBanner = nullptr;
    QPlainTextEdit* m_prompt = nullptr;
    GeneratedTextView* m_generated = nullptr;
    HeatmapPanel* m_heatmap = nullptr;
    SimilarityChart* m_chart = nullptr;
    TimelinePanel* m_timeline = nullptr;
    QDockWidget* m_curvesDock = nullptr;
    QDockWidget* m_timelineDock = nullptr;
    QDockWidget* m_probeDock = nullptr; // CellProbePanel
    LiveAbWindow* m_ab = nullptr;
    QMenu* m_viewMenu = nullptr;
    QSplitter* m_mainSplitter = nullptr;
    QSplitter* m_textSplitter = nullptr;
    QMenu* m_recentMenu = nullptr;
    ElidedLabel* m_statusActivity = nullptr;
    ElidedLabel* m_statusTokens = nullptr;
    ElidedLabel* m_statusSpeed = nullptr;
    ElidedLabel* m_statusRatio = nullptr;
    ElidedLabel* m_statusOverlap = nullptr;
};

} // namespace dash::studio
