// SPDX-License-Identifier: MIT
// Tools ▸ Evaluate… (app/studio/eval_dialog.h) on the demo model with a tiny
// plan (WikiText-2, two methods, one ratio, 96 windows: long enough that a
// cancel lands inside the second cell): the cells the
// dialog's job writes equal those core/eval's runEvaluation writes for the
// same plan; cancelling keeps the finished cells and a second run resumes
// without recomputing them; the results view shows Table 1 and exports the
// tables and the Pareto figure.
#include "app/studio/eval_dialog.h"
#include "core/eval/eval_run.h"
#include "core/model/model.h"
#include "test_support.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 300000;

// The cells of a folder by key, without their wall time (which differs
// between runs).
std::map<std::string, std::string> cellsByKey(const QString& dir) {
    std::map<std::string, std::string> out;
    auto cells = eval::readCells(QFile::encodeName(dir).toStdString());
    if (!cells.ok())
        return out;
    for (eval::CellResult c : *cells) {
        c.seconds = 0;
        out[c.key] = eval::cellToJson(c).dump();
    }
    return out;
}

QStringList cellFiles(const QString& dir) {
    return QDir(QDir(dir).filePath(QStringLiteral("cells")))
        .entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
}

} // namespace

class TestStudioEval : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void dialogMatchesCoreCancelsAndResumes();

private:
    void configure(EvalJobDialog& dialog, const QString& out);
    QTemporaryDir m_dir;
    std::string m_model;
    std::string m_wikitext;
    std::string m_tune;
};

void TestStudioEval::initTestCase() {
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_studio_eval"));
    m_model = test::modelPath("dash-demo-16L.gguf");
    m_wikitext = test::dataPath("wikitext2_test.txt");
    m_tune = test::dataPath("wikitext2_valid.txt");
}

void TestStudioEval::configure(EvalJobDialog& dialog, const QString& out) {
    dialog.setModelPath(QString::fromStdString(m_model));
    dialog.setTasks(QStringLiteral("wikitext2"));
    dialog.setMethods(QStringLiteral("full, random"));
    dialog.setRatios(QStringLiteral("1.5"));
    dialog.setLimits(QStringLiteral("wikitext2=96"));
    dialog.setWikitextPath(QString::fromStdString(m_wikitext));
    dialog.setShard(1, 1);
    dialog.setOutputDir(out);
}

void TestStudioEval::dialogMatchesCoreCancelsAndResumes() {
    DASH_REQUIRE_FILE(m_model);
    DASH_REQUIRE_FILE(m_wikitext);
    DASH_REQUIRE_FILE(m_tune);
    const QString out = m_dir.filePath(QStringLiteral("gui"));
    JobDefaults defaults;
    defaults.textPath = QString::fromStdString(m_tune);
    EvalJobDialog dialog(defaults, test::dataDir());
    configure(dialog, out);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.resumeLabel()->text().contains(QStringLiteral("no finished cells")));
    QSignalSpy finished(&dialog, &JobDialog::jobFinished);

    // 1. Cancel while the second cell (random at 1.5x, tuned first) runs:
    // the full-precision cell stays, the run reports a cancellation.
    auto* phase = dialog.findChild<QLabel*>(QStringLiteral("jobPhase"));
    QVERIFY(phase);
    QVERIFY(dialog.startJob());
    QTRY_VERIFY_WITH_TIMEOUT(
        phase->text().contains(QStringLiteral("2 of 2")) || finished.count() > 0, kTimeoutMs);
    QVERIFY2(finished.count() == 0, qPrintable(dialog.logText()));
    dialog.cancelJob();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    const JobOutcome cancelled = finished.takeFirst().first().value<JobOutcome>();
    QVERIFY2(cancelled.cancelled, qPrintable(cancelled.message));
    const QStringList afterCancel = cellFiles(out);
    QCOMPARE(afterCancel.size(), 1);
    const QString fullCell = QDir(out).filePath(QStringLiteral("cells/") + afterCancel.first());
    const QDateTime fullWritten = QFileInfo(fullCell).lastModified();
    QFile fullFile(fullCell);
    QVERIFY(fullFile.open(QIODevice::ReadOnly));
    const QByteArray fullBytes = fullFile.readAll();
    fullFile.close();
    QVERIFY(dialog.resumeLabel()->text().contains(QStringLiteral("resumes")));

    // 2. The same plan again resumes: the full cell is read back, not
    // recomputed (same file, same bytes), and the random cell is computed.
    QVERIFY(dialog.startJob());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    const JobOutcome done = finished.takeFirst().first().value<JobOutcome>();
    QVERIFY2(done.ok, qPrintable(done.message));
    QVERIFY(dialog.logText().contains(QStringLiteral("stored earlier, not recomputed")));
    QCOMPARE(cellFiles(out).size(), 2);
    QCOMPARE(QFileInfo(fullCell).lastModified(), fullWritten);
    QVERIFY(fullFile.open(QIODevice::ReadOnly));
    QCOMPARE(fullFile.readAll(), fullBytes);
    fullFile.close();

    // 3. core/eval on the same plan, in another folder: the same cells
    // (keys, configurations, metrics), timings aside.
    auto settings = dialog.settings();
    QVERIFY(settings.ok());
    const QString coreOut = m_dir.filePath(QStringLiteral("core"));
    {
        auto model = Model::load(m_model);
        QVERIFY(model.ok());
        Engine engine(*model, EngineOptions{});
        eval::EvalPlan plan = settings->plan;
        plan.storePath =
            QFile::encodeName(QDir(coreOut).filePath(QStringLiteral("runs.sqlite"))).toStdString();
        auto cells =
            eval::runEvaluation(engine, m_model, plan, QFile::encodeName(coreOut).toStdString());
        QVERIFY2(cells.ok(), cells.ok() ? "" : cells.error().message().c_str());
        QCOMPARE(cells->size(), size_t{2});
    }
    const auto gui = cellsByKey(out);
    const auto core = cellsByKey(coreOut);
    QCOMPARE(gui.size(), size_t{2});
    QVERIFY(gui == core);

    // 4. The results view: Table 1's rows (full, random) and one column per
    // ratio and task; full precision's perplexity as the cell holds it.
    QTableWidget* table = dialog.resultTable();
    QVERIFY(table->isVisible());
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->columnCount(), 2);
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("full"));
    QCOMPARE(table->item(1, 0)->text(), QStringLiteral("random"));
    auto fullResult = eval::readCells(QFile::encodeName(out).toStdString());
    QVERIFY(fullResult.ok());
    for (const eval::CellResult& c : *fullResult)
        if (c.method == "full")
            QCOMPARE(table->item(0, 1)->text(), QString::number(c.metrics.at("ppl"), 'f', 2));

    // 5. Exports: the tables the core wrote, copied; the figure in two formats.
    QTemporaryDir exportDir;
    QVERIFY(exportDir.isValid());
    auto copied = dialog.exportTables(exportDir.path());
    QVERIFY2(copied.ok(), copied.ok() ? "" : copied.error().message().c_str());
    for (const char* name : {"results.csv", "results.json", "table1.tex"}) {
        const QFileInfo info(QDir(exportDir.path()).filePath(QString::fromLatin1(name)));
        QVERIFY2(info.exists() && info.size() > 0, name);
    }
    for (const char* name : {"pareto.svg", "pareto.png"}) {
        const QString path = QDir(exportDir.path()).filePath(QString::fromLatin1(name));
        const Status st = dialog.exportFigure(path);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message().c_str());
        QVERIFY2(QFileInfo(path).size() > 0, name);
    }
    QVERIFY(!dialog.exportFigure(QDir(exportDir.path()).filePath(QStringLiteral("p.bmp"))).ok());

    // 6. An existing folder in a new dialog: it says it resumes, and shows
    // the same table.
    EvalJobDialog other(defaults, QString());
    other.setOutputDir(out);
    QVERIFY(other.resumeLabel()->text().contains(QStringLiteral("2")));
    QVERIFY(other.showResults(out).ok());
    QCOMPARE(other.resultTable()->rowCount(), 2);
    QCOMPARE(other.resultTable()->item(0, 1)->text(), table->item(0, 1)->text());
    QVERIFY(!other.showResults(m_dir.filePath(QStringLiteral("nothing"))).ok());
}

QTEST_MAIN(TestStudioEval)
#include "tst_studio_eval.moc"
