// SPDX-License-Identifier: MIT
// The main window as a daily tool, offscreen: it fits a 1366 x 768 screen
// (and 1920 x 1080 at 200 % when QT_SCALE_FACTOR=2, which CTest runs as
// tst_studio_workflow_scale2), its docks and prompt come back after a
// restart, the compare window opens usable and aligned, every control is
// reachable from the keyboard, runs are saved once, and the export dialog
// follows the file name.
#include "app/studio/comparison_view.h"
#include "app/studio/elided_label.h"
#include "app/studio/export_actions.h"
#include "app/studio/export_figure_dialog.h"
#include "app/studio/figure_spec.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/main_window.h"
#include "app/studio/policy_picker.h"
#include "app/studio/run_record.h"
#include "app/studio/run_saver.h"
#include "app/studio/run_store_client.h"
#include "app/studio/runs_panel.h"
#include "app/studio/studio_settings.h"
#include "app/studio/ui_language.h"
#include "core/store/run_store.h"
#include "test_support.h"

#include <QChartView>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QLibraryInfo>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScrollBar>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 60000;

// The screen the window must fit, in logical pixels: 1366 x 768 at 100 %,
// 1920 x 1080 at 200 % (QT_SCALE_FACTOR=2); less 60 physical pixels of title
// bar and task bar.
QSize screenBudget() {
    const double scale = qEnvironmentVariableIntValue("QT_SCALE_FACTOR") == 2 ? 2.0 : 1.0;
    const QSize physical = scale > 1 ? QSize(1920, 1080) : QSize(1366, 768);
    return {static_cast<int>(physical.width() / scale),
            static_cast<int>((physical.height() - 60) / scale)};
}

// `w` is shown, not covered by its parent's edges and at least as large as
// its minimum size hint.
bool fullyVisible(const QWidget* w, const QWidget* window, QString* why) {
    if (!w->isVisible()) {
        *why = w->objectName() + QStringLiteral(" is hidden");
        return false;
    }
    const QRect inWindow(w->mapTo(window, QPoint(0, 0)), w->size());
    if (!window->rect().contains(inWindow)) {
        *why = QStringLiteral("%1 at %2,%3 %4x%5 is outside the window %6x%7")
                   .arg(w->objectName())
                   .arg(inWindow.x())
                   .arg(inWindow.y())
                   .arg(inWindow.width())
                   .arg(inWindow.height())
                   .arg(window->width())
                   .arg(window->height());
        return false;
    }
    // What a layout grants it at least: an explicit minimum, else the hint.
    QSize least = w->minimumSizeHint();
    if (w->minimumWidth() > 0)
        least.setWidth(w->minimumWidth());
    if (w->minimumHeight() > 0)
        least.setHeight(w->minimumHeight());
    if (w->width() < least.width() || w->height() < least.height()) {
        *why = QStringLiteral("%1 is squeezed below its minimum size").arg(w->objectName());
        return false;
    }
    return true;
}

// A synthetic stored run: `tokens` x `layers` cells; B skips every third cell.
StoredRunPtr storedRun(int64_t id, int tokens, int layers, bool skips) {
    RunRecord r;
    r.id = id;
    r.createdMs = 1700000000000 + id;
    r.model.path = "/models/m.gguf";
    r.policy.kind = skips ? "random" : "full";
    Trace& t = r.trace;
    t.layers = layers;
    std::vector<int32_t> ids;
    for (int i = 0; i < tokens; ++i)
        ids.push_back(10 + i);
    t.appendTokens(ids);
    for (int tok = 0; tok < tokens; ++tok)
        for (int l = 0; l < layers; ++l) {
            const size_t c = t.cell(tok, l);
            t.states[c] = skips && (tok + l) % 3 == 0 ? 0 : 4;
            t.cosInOut[c] = 0.5f + 0.01f * static_cast<float>(l);
            t.layerTimeNs[c] = 1000.0f;
        }
    r.promptIds = ids;
    r.metrics.msPerToken = skips ? 0.8 : 1.0;
    return std::make_shared<StoredRun>(StoredRun{r, snapshotFromRecord(r, nullptr)});
}

} // namespace

class TestStudioWorkflow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void windowFitsScreen();
    void layoutAndPromptRestored();
    void compareWindowFits();
    void keyboardReachesEverything();
    void runsSavedOnce();
    void policyFileChoiceKeepsResults();
    void exportFollowsFileName();
    void helpWithoutDisplay();
    void qtTranslationsLoadedOrLogged();

private:
    bool loadModel(MainWindow& w);
    bool typeAndWait(MainWindow& w, const QString& text);

    QTemporaryDir m_dir;
    QString m_model;
};

void TestStudioWorkflow::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::isolateStudio(m_dir.path(), "tst_studio_workflow");
    StudioSettings settings;
    settings.setDebounceMs(20);
    settings.setGenerateTokens(3);
    settings.setThreads(2);
    settings.setAutoSaveRuns(false);
    m_model = QString::fromStdString(test::modelPath("dash-demo-16L.gguf"));
    DASH_REQUIRE_FILE(m_model.toStdString());
}

bool TestStudioWorkflow::loadModel(MainWindow& w) {
    w.openModel(m_model);
    return QTest::qWaitFor([&] { return w.inference()->hasModel() && !w.inference()->busy(); },
                           kTimeoutMs);
}

bool TestStudioWorkflow::typeAndWait(MainWindow& w, const QString& text) {
    w.promptEditor()->setFocus();
    QTest::keyClicks(w.promptEditor(), text);
    return QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = w.heatmapModel()->snapshot();
            return s && s->prompt == w.promptEditor()->toPlainText() && !w.inference()->busy();
        },
        kTimeoutMs);
}

void TestStudioWorkflow::windowFitsScreen() {
    const QSize budget = screenBudget();
    qInfo("screen budget %dx%d logical pixels", budget.width(), budget.height());
    // The widest case: a policy with a long file name that fails to load
    // (its error shows), the run list shown, long status texts.
    StudioSettings().setPolicyFile(
        m_dir.filePath(QStringLiteral("a-policy-file-with-a-rather-long-name-trained-on-"
                                      "wikitext-103-for-the-demo-model.policy")));
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadModel(w));
    QVERIFY(typeAndWait(w, QStringLiteral("Leuchtturmwaerter")));
    auto* picker = w.findChild<PolicyPicker*>();
    QVERIFY(picker);
    QVERIFY(picker->setPolicyKind(policyFileKind()));
    QVERIFY(QTest::qWaitFor([&] { return picker->errorShown() && !w.inference()->busy(); },
                            kTimeoutMs));
    auto* runs = w.findChild<QDockWidget*>(QStringLiteral("runsDock"));
    QVERIFY(runs);
    for (QDockWidget* d : {w.curvesDock(), w.timelineDock(), runs})
        QVERIFY(d->isVisibleTo(&w));

    const QSize least = w.minimumSizeHint().expandedTo(w.minimumSize());
    qInfo("minimum size %dx%d", least.width(), least.height());
    QVERIFY2(least.width() <= budget.width() && least.height() <= budget.height(),
             qPrintable(QStringLiteral("minimum %1x%2 exceeds %3x%4")
                            .arg(least.width())
                            .arg(least.height())
                            .arg(budget.width())
                            .arg(budget.height())));
    w.resize(budget);
    QVERIFY(QTest::qWaitFor([&] { return w.size() == budget; }, 2000));
    QTest::qWait(50);
    QString why;
    QVERIFY2(fullyVisible(w.statusBar(), &w, &why), qPrintable(why));
    QVERIFY2(fullyVisible(picker->kindBox(), &w, &why), qPrintable(why));
    QVERIFY2(fullyVisible(w.promptEditor(), &w, &why), qPrintable(why));
    QVERIFY(w.promptEditor()->height() >= 2 * w.promptEditor()->fontMetrics().lineSpacing());
    auto* backend = w.findChild<QComboBox*>(QStringLiteral("backendPicker"));
    QVERIFY2(fullyVisible(backend, &w, &why), qPrintable(why));

    // A run that succeeds fills the status line; it still fits, and every
    // figure is on screen (cut text whole in the tooltip).
    QVERIFY(picker->setPolicyKind(QStringLiteral("full")));
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = w.heatmapModel()->snapshot();
            return s && s->ok() && s->policy.kind == QLatin1String("full") &&
                   !w.inference()->busy();
        },
        kTimeoutMs));
    QTest::qWait(50);
    const QSize filled = w.minimumSizeHint().expandedTo(w.minimumSize());
    QVERIFY(filled.width() <= budget.width() && filled.height() <= budget.height());
    QVERIFY2(fullyVisible(w.statusBar(), &w, &why), qPrintable(why));
    for (const char* name : {"statusMsPerToken", "statusNominalRatio", "statusOverlap"}) {
        auto* label = w.findChild<ElidedLabel*>(QString::fromLatin1(name));
        QVERIFY(label);
        QVERIFY2(fullyVisible(label, &w, &why), qPrintable(why));
        QVERIFY(!label->fullText().isEmpty());
        QVERIFY(label->width() > 0);
        // Whole where the screen has room; cut text is whole in the tooltip.
        if (budget.width() >= 1366)
            QVERIFY2(!label->isElided(), qPrintable(label->text()));
        if (label->isElided())
            QVERIFY(label->toolTip().contains(label->fullText()));
    }
    QVERIFY(w.grab().save(QStringLiteral(DASH_TEST_BINARY_DIR "/tst_studio_workflow_fit.png")));
    StudioSettings().setPolicyFile(QString());
}

void TestStudioWorkflow::layoutAndPromptRestored() {
    const QString prompt = QStringLiteral("The lighthouse keeper");
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // Docks are tabbed at first start; each can be hidden.
        auto* runs = w.findChild<QDockWidget*>(QStringLiteral("runsDock"));
        QVERIFY(runs);
        const QList<QDockWidget*> tabbed = w.tabifiedDockWidgets(w.curvesDock());
        QVERIFY(tabbed.contains(w.timelineDock()) && tabbed.contains(runs));
        w.promptEditor()->setPlainText(prompt);
        w.timelineDock()->toggleViewAction()->trigger();
        QVERIFY(!w.timelineDock()->isVisibleTo(&w));
        QVERIFY(w.close());
    }
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.promptEditor()->toPlainText(), prompt);
        QVERIFY(!w.timelineDock()->isVisibleTo(&w));
        QVERIFY(w.curvesDock()->isVisibleTo(&w));
        // Reset Layout brings it back.
        w.resetLayout();
        QVERIFY(w.timelineDock()->isVisibleTo(&w));
        w.promptEditor()->clear();
        QVERIFY(w.close());
    }
}

void TestStudioWorkflow::compareWindowFits() {
    const QSize budget = screenBudget();
    auto stored = std::make_shared<StoredComparison>();
    stored->a = storedRun(1, 40, 16, false);
    stored->b = storedRun(2, 36, 16, true);
    stored->comparison = compareRuns(stored->a->record, stored->b->record);
    QCOMPARE(stored->comparison.tokens, 36);

    ComparisonView view;
    view.setComparison(stored);
    QVERIFY2(view.minimumSizeHint().width() <= budget.width() &&
                 view.minimumSizeHint().height() <= budget.height(),
             qPrintable(QStringLiteral("%1x%2")
                            .arg(view.minimumSizeHint().width())
                            .arg(view.minimumSizeHint().height())));
    view.resize(budget);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTest::qWait(50);
    // The chart opens with room for its axes, not squeezed by the heatmaps.
    const int chart = view.chartView()->width();
    QVERIFY2(chart >= view.width() / 4 && chart >= 250,
             qPrintable(QStringLiteral("chart %1 px of %2").arg(chart).arg(view.width())));
    // All three heatmaps open at the last token both runs have.
    QCOMPARE(view.selectedToken(), 35);
    QCOMPARE(view.viewA()->selectedToken(), 35);
    QCOMPARE(view.viewB()->selectedToken(), 35);
    QCOMPARE(view.diffView()->currentIndex().column(), 35);
    // Selecting in one selects in all, and they scroll together.
    view.viewB()->selectToken(3);
    QCOMPARE(view.viewA()->selectedToken(), 3);
    QCOMPARE(view.diffView()->currentIndex().column(), 3);
    QCOMPARE(view.selectedToken(), 3);
    view.viewA()->horizontalScrollBar()->setValue(40);
    QCOMPARE(view.diffView()->horizontalScrollBar()->value(),
             std::min(40, view.diffView()->horizontalScrollBar()->maximum()));
}

void TestStudioWorkflow::keyboardReachesEverything() {
    MainWindow w;
    w.resize(screenBudget());
    w.show();
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QVERIFY(loadModel(w));
    QVERIFY(typeAndWait(w, QStringLiteral("Once upon")));
    QPlainTextEdit* prompt = w.promptEditor();
    auto* picker = w.findChild<PolicyPicker*>();
    auto* backend = w.findChild<QComboBox*>(QStringLiteral("backendPicker"));
    auto* generate = w.findChild<QSpinBox*>(QStringLiteral("generateTokens"));
    // The live heatmap, by name (the run browser's has another).
    HeatmapView* heatmap = w.findChild<HeatmapView*>(QStringLiteral("heatmapView"));
    QVERIFY(heatmap && heatmap->heatmapModel() == w.heatmapModel());
    QVERIFY(picker && backend && generate && heatmap);

    // Tab leaves the prompt without typing a tab character.
    prompt->setFocus();
    QTRY_VERIFY(prompt->hasFocus());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QVERIFY(!prompt->hasFocus());
    QCOMPARE(prompt->toPlainText(), QStringLiteral("Once upon"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
    QVERIFY(prompt->hasFocus());

    // Mnemonics reach policy, backend and generate.
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_P, Qt::AltModifier);
    QVERIFY(picker->kindBox()->hasFocus());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_B, Qt::AltModifier);
    QVERIFY(backend->hasFocus());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_G, Qt::AltModifier);
    QVERIFY(generate->hasFocus());

    // The heatmap: reached by Ctrl+Shift+H, left by Tab, its cell unchanged.
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_H,
                    Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(heatmap->hasFocus());
    const int token = heatmap->selectedToken();
    QTest::keyClick(heatmap, Qt::Key_Tab);
    QVERIFY(!heatmap->hasFocus());
    QCOMPARE(heatmap->selectedToken(), token);

    // Generate now: Ctrl+Return runs the prompt again.
    QSignalSpy runs(w.inference(), &InferenceClient::snapshotReady);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(runs.wait(kTimeoutMs));

    // Export: Ctrl+E opens the figure dialog; Escape closes it.
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_E, Qt::ControlModifier);
    ExportFigureDialog* exportDialog = nullptr;
    QVERIFY(QTest::qWaitFor(
        [&] { return (exportDialog = w.findChild<ExportFigureDialog*>()) != nullptr; }, 2000));
    QTRY_VERIFY(exportDialog->isVisible());
    QTest::keyClick(exportDialog, Qt::Key_Escape);
    QTRY_VERIFY(w.findChild<ExportFigureDialog*>() == nullptr);

    // Compare: save two runs with Ctrl+S, go to the run list, select both,
    // Ctrl+Shift+C.
    QSignalSpy saved(w.runSaver(), &RunSaver::runSaved);
    QApplication::setActiveWindow(&w);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_S, Qt::ControlModifier);
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY(typeAndWait(w, QStringLiteral(" a time")));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_S, Qt::ControlModifier);
    QVERIFY(saved.count() == 2 || saved.wait(kTimeoutMs));
    auto* panel = w.findChild<RunsPanel*>();
    QVERIFY(panel);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_R,
                    Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(panel->table()->hasFocus());
    QTRY_COMPARE_WITH_TIMEOUT(panel->table()->model()->rowCount(), 2, kTimeoutMs);
    QTest::keyClick(panel->table(), Qt::Key_Home, Qt::ControlModifier);
    QTest::keyClick(panel->table(), Qt::Key_Down, Qt::ShiftModifier);
    QCOMPARE(panel->selectedRuns().size(), 2);
    QSignalSpy compared(panel, &RunsPanel::comparisonShown);
    QTest::keyClick(panel->table(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(compared.count() == 1 || compared.wait(kTimeoutMs));
    auto* view = compared.first().first().value<ComparisonView*>();
    QVERIFY(view);
    view->close();
}

void TestStudioWorkflow::runsSavedOnce() {
    StudioSettings settings;
    settings.setAutoSaveRuns(true);
    settings.setAutoSaveDelayMs(50);
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy saved(w.runSaver(), &RunSaver::runSaved);
    QSignalSpy runs(w.inference(), &InferenceClient::snapshotReady);
    QVERIFY(loadModel(w));
    // The empty prompt runs, but is not saved.
    QVERIFY(runs.count() > 0 || runs.wait(kTimeoutMs));
    QTest::qWait(400);
    QCOMPARE(saved.count(), 0);

    QVERIFY(typeAndWait(w, QStringLiteral("The keeper")));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(saved.count(), 1);
    // Running the same prompt again saves nothing new.
    runs.clear();
    w.inference()->runNow();
    QVERIFY(runs.wait(kTimeoutMs));
    QTest::qWait(400);
    QCOMPARE(saved.count(), 1);
    // Neither does Ctrl+S right after the automatic save.
    w.saveRun();
    QTest::qWait(400);
    QCOMPARE(saved.count(), 1);
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("already saved")));
    settings.setAutoSaveRuns(false);
    w.promptEditor()->clear();
}

void TestStudioWorkflow::policyFileChoiceKeepsResults() {
    StudioSettings().setPolicyFile(QString());
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadModel(w));
    QVERIFY(typeAndWait(w, QStringLiteral("Keep these results")));
    auto* picker = w.findChild<PolicyPicker*>();
    auto* banner = w.findChild<QLabel*>(QStringLiteral("errorBanner"));
    QVERIFY(picker && banner);
    const SnapshotPtr before = w.heatmapModel()->snapshot();
    QVERIFY(before && before->ok());
    const QString kind = picker->policy().kind;

    // The user picks the DASH policy file entry: a file dialog asks for the
    // file, and until it is answered the results and the policy stay.
    QComboBox* box = picker->kindBox();
    box->setCurrentIndex(box->findData(policyFileKind()));
    QFileDialog* dialog = nullptr;
    QVERIFY(QTest::qWaitFor(
        [&] { return (dialog = picker->findChild<QFileDialog*>()) && dialog->isVisible(); }, 2000));
    QTest::qWait(200);
    QCOMPARE(w.heatmapModel()->snapshot(), before);
    QCOMPARE(picker->policy().kind, kind);
    QVERIFY(!picker->errorShown());
    QVERIFY(banner->isHidden());
    // Cancelling changes nothing and shows no error.
    dialog->reject();
    QTest::qWait(200);
    QCOMPARE(w.heatmapModel()->snapshot(), before);
    QCOMPARE(box->currentData().toString(), kind);
    QVERIFY(!picker->errorShown());

    // A file that does not load: its error shows once, next to the picker.
    picker->setPolicyFile(m_dir.filePath(QStringLiteral("missing.policy")));
    QVERIFY(QTest::qWaitFor([&] { return picker->errorShown() && !w.inference()->busy(); },
                            kTimeoutMs));
    QVERIFY2(banner->isHidden(), qPrintable(banner->text()));
    StudioSettings().setPolicyFile(QString());
    w.promptEditor()->clear();
}

void TestStudioWorkflow::exportFollowsFileName() {
    // A small run to draw.
    auto snap = std::make_shared<RunSnapshot>();
    snap->trace.layers = 2;
    snap->trace.appendTokens({1, 2, 3});
    snap->promptIds = {1, 2, 3};
    snap->tokenTexts = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    FigureSpec spec;
    spec.kind = FigureKind::Heatmap;
    spec.format = FigureFormat::Pdf;
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    spec.dpi = 72;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    ExportFigureDialog dialog(snap, spec);
    // The extension picks the format: x.png is a PNG, not a PDF named .png.
    const QString png = dir.filePath(QStringLiteral("x.png"));
    dialog.setPath(png);
    QCOMPARE(dialog.spec().format, FigureFormat::Png);
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QFile file(png);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.read(4), QByteArray("\x89PNG", 4));
    file.close();
    // The last folder and format are remembered for the next export.
    QCOMPARE(StudioSettings().exportFolder(), QFileInfo(png).absolutePath());
    QCOMPARE(StudioSettings().exportFormat(), QStringLiteral("png"));

    // An unknown extension is refused with a reason.
    dialog.setResult(0);
    dialog.setPath(dir.filePath(QStringLiteral("x.jpg")));
    dialog.accept();
    QVERIFY(dialog.result() != QDialog::Accepted);
    QVERIFY(dialog.errorText().contains(QStringLiteral(".jpg")));

    // Switching the figure changes a suggested name, not a chosen one.
    auto* kind = dialog.findChild<QComboBox*>(QStringLiteral("exportKind"));
    dialog.setPath(dir.filePath(QStringLiteral("heatmap.png")));
    kind->setCurrentIndex(kind->findData(static_cast<int>(FigureKind::SimilarityCurves)));
    QCOMPARE(QFileInfo(dialog.path()).fileName(), QStringLiteral("curves.png"));
    dialog.setPath(dir.filePath(QStringLiteral("mine.png")));
    kind->setCurrentIndex(kind->findData(static_cast<int>(FigureKind::StreamTimeline)));
    QCOMPARE(QFileInfo(dialog.path()).fileName(), QStringLiteral("mine.png"));

    // No silent overwrite: the existing file is kept unless confirmed.
    QStringList asked;
    bool answer = false;
    dialog.setOverwriteConfirmation([&](const QString& path) {
        asked << path;
        return answer;
    });
    dialog.setPath(png);
    dialog.setResult(0);
    const QDateTime written = QFileInfo(png).lastModified();
    QTest::qWait(20);
    dialog.accept();
    QCOMPARE(asked, QStringList{png});
    QVERIFY(dialog.result() != QDialog::Accepted);
    QCOMPARE(QFileInfo(png).lastModified(), written);
    answer = true;
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(asked.size(), 2);

    // The next export starts in that folder, in that format.
    HeatmapModel model;
    model.setSnapshot(snap);
    HeatmapView view;
    view.setHeatmapModel(&model);
    QWidget window;
    ExportActions actions(&model, &view, &window);
    actions.exportFigure(FigureKind::Heatmap);
    auto* next = window.findChild<ExportFigureDialog*>();
    QVERIFY(next);
    QCOMPARE(QDir::fromNativeSeparators(next->path()),
             QDir(QFileInfo(png).absolutePath()).filePath(QStringLiteral("heatmap.png")));
    QCOMPARE(next->spec().format, FigureFormat::Png);
    next->close();
}

void TestStudioWorkflow::helpWithoutDisplay() {
    // No display at all and no platform chosen: Qt would pick xcb and abort.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(name));
    QProcess studio;
    studio.setProcessEnvironment(env);
    studio.start(QStringLiteral(DASH_STUDIO_BINARY), {QStringLiteral("--help")});
    QVERIFY(studio.waitForFinished(kTimeoutMs));
    const QString out = QString::fromUtf8(studio.readAllStandardOutput());
    QCOMPARE(studio.exitStatus(), QProcess::NormalExit);
    QVERIFY2(studio.exitCode() == 0, qPrintable(QString::fromUtf8(studio.readAllStandardError())));
    QVERIFY2(out.contains(QStringLiteral("Usage:")) &&
                 out.contains(QStringLiteral("--export-figure")),
             qPrintable(out));
    studio.start(QStringLiteral(DASH_STUDIO_BINARY), {QStringLiteral("--version")});
    QVERIFY(studio.waitForFinished(kTimeoutMs));
    QCOMPARE(studio.exitCode(), 0);
}

void TestStudioWorkflow::qtTranslationsLoadedOrLogged() {
    // Qt's own German strings are loaded where installed; where not, the
    // log says so.
    const QString qm =
        QLibraryInfo::path(QLibraryInfo::TranslationsPath) + QStringLiteral("/qtbase_de.qm");
    UiTranslator translator;
    if (QFileInfo::exists(qm)) {
        QCOMPARE(translator.install(QStringLiteral("de")), QStringLiteral("de"));
        QVERIFY(translator.qtTranslationsInstalled());
    } else {
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("qtbase_de\\.qm.*English")));
        translator.install(QStringLiteral("de"));
        QVERIFY(!translator.qtTranslationsInstalled());
    }
    translator.install(QStringLiteral("en"));
    QVERIFY(!translator.qtTranslationsInstalled());
}

QTEST_MAIN(TestStudioWorkflow)
#include "tst_studio_workflow.moc"
