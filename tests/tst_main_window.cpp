// SPDX-License-Identifier: MIT
// Drives the real main window offscreen: loads the demo model, types prompts
// key by key, and checks that the heatmap shows what core's Engine computes
// for the same text and what the dash-cli binary's `trace --json` prints.
#include "app/studio/elided_label.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/inference_client.h"
#include "app/studio/main_window.h"
#include "app/studio/studio_settings.h"
#include "core/store/run_store.h"
#include "studio_reference.h"
#include "test_support.h"

#include <QDockWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 60000;
constexpr int kGenerateTokens = 4;

// True once the heatmap shows the editor's current text and nothing is pending.
bool showsCurrentText(const MainWindow& w) {
    const SnapshotPtr s = w.heatmapModel()->snapshot();
    return s && s->prompt == w.promptEditor()->toPlainText() && !w.inference()->busy();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void typedPromptMatchesEngine();
    void burstOfKeystrokes();
    void failedLoadShowsWelcomePage();
    void dropOpensModel();

private:
    // Compares every heatmap cell with a fresh engine run of the editor's text.
    void checkHeatmapAgainstEngine(const MainWindow& w);
    // The same against `dash-cli trace --json` run as a separate process.
    void checkHeatmapAgainstCli(const MainWindow& w);
    bool loadModel(MainWindow& w);

    QTemporaryDir m_settingsDir;
    std::string m_path;
    std::shared_ptr<const Model> m_model;
};

void TestMainWindow::initTestCase() {
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    // The window saves runs to the per-user store and downloads models to the
    // app's data folder; both follow the XDG variables, so this test writes
    // only inside its temporary folder, never into the user's data.
    const QString data = m_settingsDir.path() + QStringLiteral("/data");
    const QString cache = m_settingsDir.path() + QStringLiteral("/cache");
    qputenv("XDG_DATA_HOME", QFile::encodeName(data));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(cache));
    auto store = defaultDatabasePath();
    QVERIFY(store.ok());
    QVERIFY2(QString::fromStdString(*store).startsWith(data), store->c_str());
    QVERIFY(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation).startsWith(data));
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    StudioSettings settings;
    settings.setDebounceMs(20);
    settings.setGenerateTokens(kGenerateTokens);
    settings.setThreads(2);
    m_path = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(m_path);
    m_model = test::loadModelOrFail(m_path);
}

bool TestMainWindow::loadModel(MainWindow& w) {
    w.openModel(QString::fromStdString(m_path));
    return QTest::qWaitFor([&] { return w.inference()->hasModel() && !w.inference()->busy(); },
                           kTimeoutMs);
}

void TestMainWindow::checkHeatmapAgainstEngine(const MainWindow& w) {
    const HeatmapModel& model = *w.heatmapModel();
    const QString text = w.promptEditor()->toPlainText();
    const test::ReferenceRun ref = test::referenceRun(m_model, text, kGenerateTokens);
    const Trace& t = ref.trace;
    QCOMPARE(model.rowCount(), t.layers);
    QCOMPARE(model.columnCount(), t.tokenCount());
    double worst = 0;
    for (int tok = 0; tok < t.tokenCount(); ++tok) {
        QCOMPARE(model.index(0, tok).data(HeatmapModel::TokenIdRole).toInt(),
                 t.tokens[static_cast<size_t>(tok)]);
        for (int l = 0; l < t.layers; ++l) {
            const QModelIndex i = model.index(l, tok);
            QCOMPARE(i.data(HeatmapModel::StateRole).toInt(),
                     static_cast<int>(t.states[t.cell(tok, l)]));
            const QVariant cos = i.data(HeatmapModel::CosInOutRole);
            QVERIFY(cos.isValid());
            worst = std::max(
                worst, std::abs(cos.toDouble() - static_cast<double>(t.cosInOut[t.cell(tok, l)])));
        }
    }
    QVERIFY2(worst < 1e-4, qPrintable(QStringLiteral("cos(in,out) differs by %1").arg(worst)));
    QCOMPARE(static_cast<int>(ref.generated.size()),
             static_cast<int>(model.snapshot()->generatedIds.size()));
}

void TestMainWindow::checkHeatmapAgainstCli(const MainWindow& w) {
    const HeatmapModel& model = *w.heatmapModel();
    QProcess cli;
    cli.start(QStringLiteral(DASH_CLI_BINARY),
              {QStringLiteral("trace"), QStringLiteral("--model"), QString::fromStdString(m_path),
               QStringLiteral("--prompt"), w.promptEditor()->toPlainText(), QStringLiteral("--n"),
               QString::number(kGenerateTokens), QStringLiteral("--json")});
    QVERIFY(cli.waitForFinished(kTimeoutMs));
    QCOMPARE(cli.exitCode(), 0);
    QJsonParseError error;
    const QJsonObject trace = QJsonDocument::fromJson(cli.readAllStandardOutput(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonArray ids = trace.value(QStringLiteral("ids")).toArray();
    const QJsonArray states = trace.value(QStringLiteral("states")).toArray();
    const QJsonArray cos = trace.value(QStringLiteral("cos_in_out")).toArray();
    QCOMPARE(trace.value(QStringLiteral("layers")).toInt(), model.rowCount());
    QCOMPARE(ids.size(), model.columnCount());
    QCOMPARE(states.size(), model.rowCount());
    double worst = 0;
    for (int tok = 0; tok < model.columnCount(); ++tok) {
        QCOMPARE(model.index(0, tok).data(HeatmapModel::TokenIdRole).toInt(), ids.at(tok).toInt());
        for (int l = 0; l < model.rowCount(); ++l) {
            const QModelIndex i = model.index(l, tok);
            QCOMPARE(i.data(HeatmapModel::StateRole).toInt(),
                     states.at(l).toArray().at(tok).toInt());
            worst = std::max(worst, std::abs(i.data(HeatmapModel::CosInOutRole).toDouble() -
                                             cos.at(l).toArray().at(tok).toDouble()));
        }
    }
    QVERIFY2(worst < 1e-4, qPrintable(QStringLiteral("cos(in,out) differs by %1").arg(worst)));
}

void TestMainWindow::typedPromptMatchesEngine() {
    MainWindow w;
    w.resize(1280, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadModel(w));
    QVERIFY(!w.showingWelcomePage());

    // Keys slower than the debounce interval: runs overlap typing and reuse
    // the cached prefix.
    const QString prompt = QStringLiteral("The old man and the sea");
    w.promptEditor()->setFocus();
    QTest::keyClicks(w.promptEditor(), prompt, Qt::NoModifier, 30);
    QCOMPARE(w.promptEditor()->toPlainText(), prompt);
    QVERIFY(QTest::qWaitFor([&] { return showsCurrentText(w); }, kTimeoutMs));
    checkHeatmapAgainstEngine(w);
    checkHeatmapAgainstCli(w);

    const auto* ratio = w.findChild<ElidedLabel*>(QStringLiteral("statusNominalRatio"));
    QVERIFY(ratio);
    QVERIFY2(ratio->fullText().contains(QStringLiteral("1.00")), qPrintable(ratio->fullText()));
    // Full precision everywhere: no token leaves its layer's majority state.
    QVERIFY2(ratio->fullText().contains(QStringLiteral("input-aware 0.00")),
             qPrintable(ratio->fullText()));
    QVERIFY(ratio->toolTip().contains(QStringLiteral("majority state")));
    const auto* speed = w.findChild<ElidedLabel*>(QStringLiteral("statusMsPerToken"));
    QVERIFY(speed && speed->fullText().contains(QStringLiteral("ms/token")));
    // One ms/token definition: the status line and the timeline show the same
    // prefill and decode figures, computed from the run's passes.
    const SnapshotPtr s = w.heatmapModel()->snapshot();
    const QString prefill = QString::number(s->prefillMsPerToken(), 'f', 3);
    const QString decode = QString::number(s->decodeMsPerToken(), 'f', 3);
    QVERIFY2(speed->fullText().contains(QStringLiteral("prefill ") + prefill) &&
                 speed->fullText().contains(QStringLiteral("decode ") + decode),
             qPrintable(speed->fullText()));
    QVERIFY(speed->toolTip().contains(QStringLiteral("wall time")));
    const auto* timeline = w.findChild<QLabel*>(QStringLiteral("timelineSummary"));
    QVERIFY(timeline);
    QVERIFY2(timeline->text().contains(speed->fullText()), qPrintable(timeline->text()));
    // The overlap figure is named for what it measures on the CPU.
    const auto* overlap = w.findChild<ElidedLabel*>(QStringLiteral("statusOverlap"));
    QVERIFY(overlap && overlap->fullText().startsWith(QStringLiteral("thread concurrency")));
    QVERIFY(overlap->toolTip().contains(QStringLiteral("wall-clock")));

    // A screenshot for the CTest result (ATTACHED_FILES).
    QTest::qWait(100);
    const QString shot = QStringLiteral(DASH_TEST_BINARY_DIR "/tst_main_window.png");
    QVERIFY(w.grab().save(shot));
    QImage image(shot);
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), w.width() * static_cast<int>(w.devicePixelRatio()));
    w.timelineDock()->raise();
    QTest::qWait(50);
    QVERIFY(w.grab().save(QStringLiteral(DASH_TEST_BINARY_DIR "/tst_main_window_timeline.png")));
}

void TestMainWindow::burstOfKeystrokes() {
    MainWindow w;
    w.resize(1100, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadModel(w));
    // Every keystroke submits a run: the worker is cancelled and results go
    // stale all the time.
    w.inference()->setDebounceMs(1);
    int cancelled = 0, dropped = 0;
    connect(w.inference(), &InferenceClient::runCancelled, this, [&] { ++cancelled; });
    connect(w.inference(), &InferenceClient::staleSnapshotDropped, this, [&] { ++dropped; });

    QPlainTextEdit* editor = w.promptEditor();
    editor->setFocus();
    const QStringList words = {QStringLiteral("the"),    QStringLiteral("river"),
                               QStringLiteral("ran"),    QStringLiteral("quietly"),
                               QStringLiteral("under"),  QStringLiteral("an"),
                               QStringLiteral("old"),    QStringLiteral("stone"),
                               QStringLiteral("bridge"), QStringLiteral("while")};
    QRandomGenerator rng(1234);
    QString pending; // characters of the word being typed
    for (int key = 0; key < 1000; ++key) {
        const int length = static_cast<int>(editor->toPlainText().size());
        // Erase now and then, and always when the text nears the model's context.
        if (length > 0 && (length > 160 || rng.bounded(8) == 0)) {
            QTest::keyClick(editor, Qt::Key_Backspace);
        } else {
            if (pending.isEmpty())
                pending = words[rng.bounded(static_cast<int>(words.size()))] + QLatin1Char(' ');
            QTest::keyClick(editor, pending.front().toLatin1());
            pending.remove(0, 1);
        }
        QTest::qWait(5);
    }
    QVERIFY(QTest::qWaitFor([&] { return showsCurrentText(w); }, kTimeoutMs));
    qInfo("burst: %d runs cancelled, %d stale results dropped, final text %d chars", cancelled,
          dropped, static_cast<int>(editor->toPlainText().size()));
    QVERIFY(!editor->toPlainText().isEmpty());
    checkHeatmapAgainstEngine(w);
}

void TestMainWindow::failedLoadShowsWelcomePage() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.showingWelcomePage());
    w.openModel(QStringLiteral("/nonexistent/broken-model.gguf"));
    auto* status = w.findChild<QLabel*>(QStringLiteral("welcomeStatus"));
    QVERIFY(status);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return status->text().contains(QStringLiteral("broken-model.gguf")) &&
                   !w.inference()->busy();
        },
        kTimeoutMs));
    QVERIFY(w.showingWelcomePage());
    QVERIFY(!w.inference()->hasModel());
}

void TestMainWindow::dropOpensModel() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(m_path))});
    const QPoint pos = w.rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(QTest::qWaitFor([&] { return w.inference()->hasModel(); }, kTimeoutMs));
    const QString path = QFileInfo(QString::fromStdString(m_path)).absoluteFilePath();
    QCOMPARE(w.inference()->modelInfo().path, path);
    QVERIFY(!w.showingWelcomePage());
    // The dropped model became the most recent one.
    QCOMPARE(StudioSettings().recentModels().value(0), path);

    // Something that is not a model is refused.
    QMimeData text;
    text.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/notes.txt"))});
    QDragEnterEvent refused(pos, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QApplication::sendEvent(&w, &refused);
    QVERIFY(!refused.isAccepted());
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
