// SPDX-License-Identifier: MIT
#include "app/studio/main_window.h"

#include "app/studio/export_actions.h"
#include "app/studio/generated_text_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "app/studio/model_locator.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_saver.h"
#include "app/studio/run_tools.h"
#include "app/studio/settings_dialog.h"
#include "app/studio/similarity_chart.h"
#include "app/studio/timeline_panel.h"
#include "app/studio/ui_language.h"
#include "app/studio/welcome_page.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
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
    m_stack->addWidget(m_welcome);
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
    m_stack->setCurrentWidget(m_welcome);
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createWorkspace() {
    auto* workspace = new QWidget(this);
    m_controls = new RunControls(workspace);

    m_prompt = new QPlainTextEdit(workspace);
    m_prompt->setObjectName(QStringLiteral("promptEditor"));
    m_prompt->setPlaceholderText(tr("Type a prompt; every edit runs the model again"));
    m_generated = new GeneratedTextView(workspace);
    m_generated->setObjectName(QStringLiteral("generatedText"));
    m_generated->setToolTip(tr("Tokens shaded by the compute they used (Σ states / 4L); "
                               "generated tokens in bold"));

    m_textSplitter = new QSplitter(Qt::Horizontal, workspace);
    m_textSplitter->addWidget(m_prompt);
    m_textSplitter->addWidget(m_generated);

    m_heatmap = new HeatmapPanel(m_heatmapModel, workspace);
    m_chart = new SimilarityChart(workspace);
    m_chart->setObjectName(QStringLiteral("similarityChart"));
    m_timeline = new TimelinePanel(workspace);
    m_tabs = new QTabWidget(workspace);
    m_tabs->addTab(m_chart, tr("Similarity curves"));
    m_tabs->addTab(m_timeline, tr("Stream timeline"));

    m_mainSplitter = new QSplitter(Qt::Vertical, workspace);
    m_mainSplitter->addWidget(m_textSplitter);
    m_mainSplitter->addWidget(m_heatmap);
    m_mainSplitter->addWidget(m_tabs);
    m_mainSplitter->setStretchFactor(0, 1);
    m_mainSplitter->setStretchFactor(1, 2);
    m_mainSplitter->setStretchFactor(2, 2);

    auto* layout = new QVBoxLayout(workspace);
    layout->addWidget(m_controls);
    layout->addWidget(m_mainSplitter, 1);
    return workspace;
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

    menuBar()->addMenu(tr("&Settings"))->addMenu(createLanguageMenu(this));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DASH Studio"), this, &MainWindow::showAbout);
}

void MainWindow::createStatusBar() {
    m_statusActivity = new QLabel(this);
    m_statusTokens = new QLabel(this);
    m_statusSpeed = new QLabel(this);
    m_statusSpeed->setObjectName(QStringLiteral("statusMsPerToken"));
    m_statusRatio = new QLabel(this);
    m_statusRatio->setObjectName(QStringLiteral("statusNominalRatio"));
    m_statusOverlap = new QLabel(this);
    m_statusOverlap->setObjectName(QStringLiteral("statusOverlap"));
    statusBar()->addWidget(m_statusActivity, 1);
    for (QLabel* l : {m_statusTokens, m_statusSpeed, m_statusRatio, m_statusOverlap})
        statusBar()->addPermanentWidget(l);
}

void MainWindow::restoreSettings() {
    restoreGeometry(m_settings.windowGeometry());
    restoreState(m_settings.windowState());
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
    updateRecentMenu();
}

void MainWindow::saveSettings() {
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
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
        m_stack->setCurrentWidget(m_welcome);
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
    m_saver->save(snapshot, m_client->modelInfo());
}

bool MainWindow::showingWelcomePage() const {
    return m_stack->currentWidget() == m_welcome;
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
    m_statusActivity->setText(text);
    m_welcome->setStatus(text);
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
    m_settings.addRecentModel(info.path);
    updateRecentMenu();
    setErrorText({});
    m_welcome->setStatus({});
    setWindowTitle(tr("%1 — DASH Studio").arg(info.name));
    m_statusActivity->setText(
        tr("%1 · %2 · %n thread(s)", nullptr, info.threads).arg(info.name, info.summary));
    m_stack->setCurrentWidget(m_workspace);
    m_prompt->setFocus();
}

void MainWindow::onModelLoadFailed(const QString& path, const QString& message) {
    const QString text = tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), message);
    if (m_client->hasModel()) {
        setErrorText(text);
        m_statusActivity->setText(tr("Model not changed"));
    } else {
        m_welcome->setStatus(text);
        m_statusActivity->setText(text);
        m_stack->setCurrentWidget(m_welcome);
    }
}

void MainWindow::onSnapshot(const SnapshotPtr& snapshot) {
    if (!snapshot->ok()) {
        setErrorText(tr("The prompt did not run: %1").arg(snapshot->error));
    } else {
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
        for (QLabel* l : {m_statusTokens, m_statusSpeed, m_statusRatio, m_statusOverlap})
            l->clear();
        return;
    }
    m_statusTokens->setText(tr("%n token(s)", nullptr, snapshot->tokenCount()));
    m_statusSpeed->setText(tr("%1 ms/token").arg(QString::number(snapshot->msPerToken(), 'f', 3)));
    m_statusRatio->setText(
        tr("nominal ratio %1×").arg(QString::number(snapshot->nominalRatio(), 'f', 2)));
    const bool hasPolicy = busyTimeNs(snapshot->trace.spans, StreamKind::Policy) > 0;
    m_statusOverlap->setText(
        hasPolicy ? tr("overlap %1 %").arg(QString::number(snapshot->overlap() * 100, 'f', 1))
                  : tr("overlap –"));
}

void MainWindow::onBusyChanged(bool busy) {
    if (busy)
        m_statusActivity->setText(tr("Running…"));
    else if (m_client->hasModel())
        m_statusActivity->setText(tr("Ready · %1").arg(m_client->modelInfo().name));
}

} // namespace dash::studio
