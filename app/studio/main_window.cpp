// SPDX-License-Identifier: MIT
#include "app/studio/main_window.h"

#include "app/studio/cell_probe_panel.h"
#include "app/studio/elided_label.h"
#include "app/studio/export_actions.h"
#include "app/studio/generated_text_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "app/studio/live_ab_window.h"
#include "app/studio/model_locator.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_saver.h"
#include "app/studio/run_tools.h"
#include "app/studio/settings_dialog.h"
#include "app/studio/similarity_chart.h"
#include "app/studio/timeline_panel.h"
#include "app/studio/ui_language.h"
#include "app/studio/welcome_page.h"
#include "core/dash/input_awareness.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

// Outside any namespace, as Q_INIT_RESOURCE requires.
static void initStudioResources() {
    Q_INIT_RESOURCE(studio);
}

namespace dash::studio {

namespace {

// The first local .gguf file among dropped URLs, or empty.
QString droppedModel(const QMimeData* mime) {
    if (!mime || !mime->hasUrls())
        return {};
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile() &&
            url.toLocalFile().endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive))
            return url.toLocalFile();
    return {};
}

// Version of the saved dock layout; an older layout is not restored.
constexpr int kLayoutVersion = 2;

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    initStudioResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/dash-studio.svg")));
    setWindowTitle(tr("DASH Studio"));
    setAcceptDrops(true);

    m_client = new InferenceClient(this);
    m_saver = new RunSaver(this);
    m_heatmapModel = new HeatmapModel(this);

    m_welcome = new WelcomePage(this);
    m_workspace = createWorkspace();
    m_stack = new QStackedWidget(this);
    // The welcome page scrolls on a small screen rather than setting the
    // window's minimum height.
    m_welcomeScroll = new QScrollArea(this);
    m_welcomeScroll->setWidgetResizable(true);
    m_welcomeScroll->setFrameShape(QFrame::NoFrame);
    m_welcomeScroll->setWidget(m_welcome);
    m_stack->addWidget(m_welcomeScroll);
    m_stack->addWidget(m_workspace);

    m_errorBanner = new QLabel(this);
    m_errorBanner->setObjectName(QStringLiteral("errorBanner"));
    m_errorBanner->setWordWrap(true);
    m_errorBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorBanner->setStyleSheet(
        QStringLiteral("QLabel { background: #fde0dd; color: #67000d; padding: 4px; }"));
    m_errorBanner->hide();

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    createMenus();
    createStatusBar();
    m_runTools = new RunTools(this, m_client, m_saver, m_controls->policyPicker());

    connect(m_welcome, &WelcomePage::openFileRequested, this, &MainWindow::chooseModelFile);
    connect(m_welcome, &WelcomePage::modelChosen, this, &MainWindow::openModel);
    connect(m_client, &InferenceClient::modelLoadStarted, this, &MainWindow::onModelLoadStarted);
    connect(m_client, &InferenceClient::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_client, &InferenceClient::modelLoadFailed, this, &MainWindow::onModelLoadFailed);
    connect(m_client, &InferenceClient::snapshotReady, this, &MainWindow::onSnapshot);
    connect(m_client, &InferenceClient::busyChanged, this, &MainWindow::onBusyChanged);
    connect(m_saver, &RunSaver::runSaved, this, [this](qint64 id, const QString& path) {
        statusBar()->showMessage(
            tr("Saved run #%1 to %2").arg(QString::number(id), QDir::toNativeSeparators(path)),
            5000);
    });
    connect(m_saver, &RunSaver::saveFailed, this, [this](const QString& message) {
        setErrorText(tr("The run was not saved: %1").arg(message));
    });
    connect(m_prompt, &QPlainTextEdit::textChanged, this,
            [this] { m_client->setPrompt(m_prompt->toPlainText()); });
    connect(m_controls, &RunControls::policyChanged, m_client, &InferenceClient::setPolicy);
    // The chosen backend takes effect at the next run; the worker says which
    // device it uses, or why it fell back to the CPU.
    connect(m_controls, &RunControls::backendChanged, this, [this](const QString& id) {
        m_client->worker()->setBackend(id);
        if (m_client->hasModel())
            m_client->runNow();
    });
    connect(
        m_client->worker(), &InferenceWorker::backendSelected, this,
        [this](const QString&, const QString& detail) { statusBar()->showMessage(detail, 15000); });
    connect(m_controls, &RunControls::generateTokensChanged, m_client,
            &InferenceClient::setGenerateTokens);
    connect(m_heatmap->view(), &HeatmapView::tokenSelected, m_chart,
            &SimilarityChart::setSelectedToken);

    restoreSettings();
    m_stack->setCurrentWidget(m_welcomeScroll);
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createWorkspace() {
    auto* workspace = new QWidget(this);
    m_controls = new RunControls(workspace);

    m_prompt = new QPlainTextEdit(workspace);
    m_prompt->setObjectName(QStringLiteral("promptEditor"));
    m_prompt->setPlaceholderText(tr("Type a prompt; every edit runs the model again"));
    m_prompt->setMinimumHeight(3 * m_prompt->fontMetrics().lineSpacing());
    // Tab moves on to the next control; a tab character would re-run the model.
    m_prompt->setTabChangesFocus(true);
    m_generated = new GeneratedTextView(workspace);
    m_generated->setObjectName(QStringLiteral("generatedText"));
    m_generated->setToolTip(tr("Tokens shaded by the compute they used (Σ states / 4L); "
                               "generated tokens in bold"));

    m_textSplitter = new QSplitter(Qt::Horizontal, workspace);
    m_textSplitter->setObjectName(QStringLiteral("textSplitter"));
    m_textSplitter->addWidget(m_prompt);
    m_textSplitter->addWidget(m_generated);
    m_textSplitter->setChildrenCollapsible(false);

    m_heatmap = new HeatmapPanel(m_heatmapModel, workspace);

    // The curves and the timeline live in docks (tabbed below the heatmap at
    // first start), so that a small screen can hide or stack them.
    m_chart = new SimilarityChart(this);
    m_chart->setObjectName(QStringLiteral("similarityChart"));
    m_timeline = new TimelinePanel(this);
    m_curvesDock = createDock(m_chart, tr("Similarity Curves"), "curvesDock");
    m_timelineDock = createDock(m_timeline, tr("Stream Timeline"), "timelineDock");
    m_probeDock = createDock(new CellProbePanel(m_heatmap->view(), m_client, this),
                             tr("Counterfactual and Logit Lens"), "probeDock");

    m_mainSplitter = new QSplitter(Qt::Vertical, workspace);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_textSplitter);
    m_mainSplitter->addWidget(m_heatmap);
    m_mainSplitter->setChildrenCollapsible(false);
    m_mainSplitter->setStretchFactor(0, 1);
    m_mainSplitter->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(workspace);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(m_controls);
    layout->addWidget(m_mainSplitter, 1);
    return workspace;
}

QDockWidget* MainWindow::createDock(QWidget* content, const QString& title, const char* name) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QString::fromLatin1(name));
    content->setMinimumSize(0, 0);
    dock->setWidget(content);
    return dock;
}

void MainWindow::showLiveAb() {
    if (!m_ab) {
        m_ab = new LiveAbWindow(this);
        m_ab->setDebounceMs(m_client->debounceMs());
        // The main prompt leads: what is typed here runs there too.
        connect(m_prompt, &QPlainTextEdit::textChanged, m_ab, [this] {
            if (m_ab->isVisible())
                m_ab->setPrompt(m_prompt->toPlainText());
        });
    }
    const QString path = m_client->modelInfo().path;
    if (!path.isEmpty() && m_ab->client(0)->modelInfo().path != path)
        m_ab->openModel(path, m_settings.threads());
    m_ab->setPrompt(m_prompt->toPlainText());
    m_ab->show();
    m_ab->raise();
    m_ab->activateWindow();
}

void MainWindow::resetLayout() {
    // All docks tabbed below the heatmap: the layout that fits the smallest
    // screens; the run list joins them (RunTools created its dock already).
    QList<QDockWidget*> docks = {m_curvesDock, m_timelineDock, m_probeDock};
    if (auto* runs = findChild<QDockWidget*>(QStringLiteral("runsDock")))
        docks << runs;
    for (QDockWidget* d : docks) {
        d->setFloating(false);
        addDockWidget(Qt::BottomDockWidgetArea, d);
        d->show();
    }
    for (int i = 1; i < docks.size(); ++i)
        tabifyDockWidget(docks[0], docks[i]);
    m_curvesDock->raise();
    // The heatmap keeps most of the height.
    resizeDocks({m_curvesDock}, {260}, Qt::Vertical);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::chooseModelFile);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    m_saveRunAction = file->addAction(tr("&Save Run"), this, &MainWindow::saveRun);
    m_saveRunAction->setShortcut(QKeySequence::Save);
    m_saveRunAction->setStatusTip(tr("Save the latest run to the run store"));
    m_saveRunAction->setEnabled(false);
    QAction* runNow = file->addAction(tr("&Generate Now"), this, [this] {
        if (m_client->hasModel())
            m_client->runNow();
    });
    runNow->setObjectName(QStringLiteral("generateNowAction"));
    runNow->setShortcut(QKeySequence(tr("Ctrl+Return")));
    runNow->setStatusTip(tr("Run the prompt now instead of waiting for typing to pause"));
    auto* exporter = new ExportActions(m_heatmapModel, m_heatmap->view(), this);
    connect(exporter, &ExportActions::exported, this, [this](const QString& path) {
        statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), 5000);
    });
    file->addMenu(exporter->menu());
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* prefs = edit->addAction(tr("&Preferences…"), this, &MainWindow::showPreferences);
    prefs->setShortcut(QKeySequence::Preferences);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    HeatmapView* heatmap = m_heatmap->view();
    view->addAction(tr("Zoom &In Heatmap"), heatmap, &HeatmapView::zoomIn)
        ->setShortcut(QKeySequence::ZoomIn);
    view->addAction(tr("Zoom &Out Heatmap"), heatmap, &HeatmapView::zoomOut)
        ->setShortcut(QKeySequence::ZoomOut);
    view->addAction(tr("&Reset Heatmap Zoom"), heatmap, &HeatmapView::resetZoom);
    view->addSeparator();
    QAction* curves = m_curvesDock->toggleViewAction();
    curves->setText(tr("Similarity &Curves"));
    view->addAction(curves);
    QAction* timeline = m_timelineDock->toggleViewAction();
    timeline->setText(tr("Stream &Timeline"));
    view->addAction(timeline);
    QAction* probe = m_probeDock->toggleViewAction();
    probe->setText(tr("Counter&factual and Logit Lens"));
    view->addAction(probe);
    view->addAction(tr("Reset &Layout"), this, &MainWindow::resetLayout);
    view->addSeparator();
    QAction* ab = view->addAction(tr("Live &A/B…"), this, &MainWindow::showLiveAb);
    ab->setShortcut(QKeySequence(tr("Ctrl+Shift+B")));
    view->addSeparator();
    QAction* focusPrompt = view->addAction(tr("Go to &Prompt"), this,
                                           [this] { m_prompt->setFocus(Qt::ShortcutFocusReason); });
    focusPrompt->setShortcut(QKeySequence(tr("Ctrl+L")));
    QAction* focusHeatmap = view->addAction(tr("Go to &Heatmap"), this, [this] {
        m_heatmap->view()->setFocus(Qt::ShortcutFocusReason);
    });
    // Not Ctrl+H: line edits take it as Backspace.
    focusHeatmap->setShortcut(QKeySequence(tr("Ctrl+Shift+H")));
    m_viewMenu = view;

    menuBar()->addMenu(tr("&Settings"))->addMenu(createLanguageMenu(this));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DASH Studio"), this, &MainWindow::showAbout);
}

void MainWindow::createStatusBar() {
    // Elided labels: the status line never sets the window's minimum width,
    // and a cut figure shows whole in its tooltip.
    auto label = [this](const char* name, int minimumChars) {
        auto* l = new ElidedLabel(this);
        l->setObjectName(QString::fromLatin1(name));
        l->setMinimumChars(minimumChars);
        return l;
    };
    m_statusActivity = label("statusActivity", 4);
    m_statusTokens = label("statusTokens", 6);
    m_statusSpeed = label("statusMsPerToken", 8);
    m_statusRatio = label("statusNominalRatio", 8);
    m_statusOverlap = label("statusOverlap", 8);
    // The activity line yields its room first; the figures keep theirs.
    m_statusActivity->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(m_statusActivity, 1);
    for (ElidedLabel* l : {m_statusTokens, m_statusSpeed, m_statusRatio, m_statusOverlap})
        statusBar()->addPermanentWidget(l);
}

void MainWindow::restoreSettings() {
    resetLayout();
    restoreGeometry(m_settings.windowGeometry());
    // Layouts of other versions (without these docks) are ignored.
    restoreState(m_settings.windowState(), kLayoutVersion);
    m_mainSplitter->restoreState(m_settings.splitterState(QStringLiteral("main")));
    m_textSplitter->restoreState(m_settings.splitterState(QStringLiteral("text")));
    m_heatmap->view()->setZoom(m_settings.heatmapZoom());
    m_client->setDebounceMs(m_settings.debounceMs());
    m_client->setThreads(m_settings.threads());
    m_controls->setPolicyKind(m_settings.policyKind());
    m_controls->setBackend(m_settings.backend());
    m_client->worker()->setBackend(m_controls->backend());
    m_controls->setGenerateTokens(m_settings.generateTokens());
    m_client->setPolicy(m_controls->policy());
    m_client->setGenerateTokens(m_controls->generateTokens());
    // The client keeps the text and runs it once a model is open.
    m_prompt->setPlainText(m_settings.prompt());
    updateRecentMenu();
}

void MainWindow::saveSettings() {
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState(kLayoutVersion));
    m_settings.setPrompt(m_prompt->toPlainText());
    m_settings.setSplitterState(QStringLiteral("main"), m_mainSplitter->saveState());
    m_settings.setSplitterState(QStringLiteral("text"), m_textSplitter->saveState());
    m_settings.setHeatmapZoom(m_heatmap->view()->zoom());
    m_settings.setPolicyKind(m_controls->policy().kind);
    m_settings.setBackend(m_controls->backend());
    m_settings.setGenerateTokens(m_controls->generateTokens());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::updateRecentMenu() {
    const QStringList recent = m_settings.recentModels();
    m_recentMenu->clear();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName(), this,
                                             [this, path] { openModel(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
    m_welcome->setRecentModels(recent);
}

void MainWindow::openInitialModel(const QString& commandLinePath) {
    const QString path = initialModelPath(commandLinePath, m_settings.lastModel());
    if (path.isEmpty()) {
        m_stack->setCurrentWidget(m_welcomeScroll);
        return;
    }
    openModel(path);
}

void MainWindow::openModel(const QString& path) {
    m_client->loadModel(QFileInfo(path).absoluteFilePath());
}

void MainWindow::chooseModelFile() {
    const QString start = m_settings.lastModel().isEmpty()
                              ? QDir::homePath()
                              : QFileInfo(m_settings.lastModel()).absolutePath();
    // Non-blocking: the event loop (and the worker's results) keep flowing.
    auto* dialog = new QFileDialog(this, tr("Open Model"), start, tr("GGUF models (*.gguf)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &MainWindow::openModel);
    dialog->open();
}

void MainWindow::showPreferences() {
    auto* dialog = new SettingsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setDebounceMs(m_client->debounceMs());
    dialog->setThreads(m_client->threads());
    connect(dialog, &QDialog::accepted, m_runTools, &RunTools::reloadSettings);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_settings.setDebounceMs(dialog->debounceMs());
        m_client->setDebounceMs(dialog->debounceMs());
        if (m_ab)
            m_ab->setDebounceMs(dialog->debounceMs());
        if (dialog->threads() != m_client->threads()) {
            m_settings.setThreads(dialog->threads());
            m_client->setThreads(dialog->threads());
            if (m_client->hasModel())
                openModel(m_client->modelInfo().path);
        }
    });
    dialog->open();
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About DASH Studio"),
                       tr("<h3>DASH Studio %1</h3><p>Explore dynamic layer skipping: per-token, "
                          "per-layer execution states, layer similarities and timings of a "
                          "language model, live as you type.</p>")
                           .arg(QApplication::applicationVersion()));
}

void MainWindow::saveRun() {
    const SnapshotPtr snapshot = m_client->latestSnapshot();
    if (!snapshot || !snapshot->ok() || !m_client->hasModel())
        return;
    // Ctrl+S right after an automatic save would store the same run twice.
    if (m_saver->recentlySaved(*snapshot)) {
        statusBar()->showMessage(tr("This run is already saved"), 5000);
        return;
    }
    m_saver->save(snapshot, m_client->modelInfo());
}

bool MainWindow::showingWelcomePage() const {
    return m_stack->currentWidget() == m_welcomeScroll;
}

void MainWindow::setErrorText(const QString& text) {
    m_errorBanner->setText(text);
    m_errorBanner->setVisible(!text.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedModel(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = droppedModel(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    openModel(path);
}

void MainWindow::onModelLoadStarted(const QString& path) {
    const QString text = tr("Loading %1…").arg(QFileInfo(path).fileName());
    m_statusActivity->setFullText(text);
    m_welcome->setStatus(text);
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
    m_settings.addRecentModel(info.path);
    updateRecentMenu();
    setErrorText({});
    m_welcome->setStatus({});
    setWindowTitle(tr("%1 — DASH Studio").arg(info.name));
    m_statusActivity->setFullText(
        tr("%1 · %2 · %n thread(s)", nullptr, info.threads).arg(info.name, info.summary));
    m_stack->setCurrentWidget(m_workspace);
    m_prompt->setFocus();
}

void MainWindow::onModelLoadFailed(const QString& path, const QString& message) {
    const QString text = tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), message);
    if (m_client->hasModel()) {
        setErrorText(text);
        m_statusActivity->setFullText(tr("Model not changed"));
    } else {
        m_welcome->setStatus(text);
        m_statusActivity->setFullText(text);
        m_stack->setCurrentWidget(m_welcomeScroll);
    }
}

void MainWindow::onSnapshot(const SnapshotPtr& snapshot) {
    if (!snapshot->ok() && snapshot->policyError.isEmpty()) {
        setErrorText(tr("The prompt did not run: %1").arg(snapshot->error));
    } else {
        // A policy error shows once, next to the policy picker.
        setErrorText({});
    }
    // The curves take the snapshot first: the heatmap's reset selects a token,
    // which the curves then draw from the new run.
    m_saveRunAction->setEnabled(snapshot->ok());
    m_chart->setSnapshot(snapshot);
    m_heatmapModel->setSnapshot(snapshot);
    m_generated->setSnapshot(snapshot);
    m_timeline->setSnapshot(snapshot);

    if (!snapshot->ok()) {
        for (ElidedLabel* l : {m_statusTokens, m_statusSpeed, m_statusRatio, m_statusOverlap})
            l->setFullText({});
        m_statusRatio->setBaseToolTip({});
        return;
    }
    m_statusTokens->setFullText(tr("%n token(s)", nullptr, snapshot->tokenCount()));
    m_statusSpeed->setFullText(msPerTokenText(*snapshot));
    m_statusSpeed->setBaseToolTip(msPerTokenDefinition());
    const QString ratio =
        tr("nominal ratio %1×").arg(QString::number(snapshot->nominalRatio(), 'f', 2));
    const InputAwareness measured = traceInputAwareness(snapshot->trace);
    const QString awareness = inputAwarenessText(measured);
    m_statusRatio->setFullText(awareness.isEmpty() ? ratio : tr("%1 · %2").arg(ratio, awareness));
    m_statusRatio->setBaseToolTip(inputAwarenessDefinition(measured));
    m_statusOverlap->setFullText(concurrencyText(*snapshot));
    m_statusOverlap->setBaseToolTip(concurrencyDefinition(snapshot->backend));
}

void MainWindow::onBusyChanged(bool busy) {
    if (busy)
        m_statusActivity->setFullText(tr("Running…"));
    else if (m_client->hasModel())
        m_statusActivity->setFullText(tr("Ready · %1").arg(m_client->modelInfo().name));
}

} // namespace dash::studio
