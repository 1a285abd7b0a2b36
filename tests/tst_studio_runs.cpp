// SPDX-License-Identifier: MIT
// The run list and the job dialogs as daily tools: the list sorts by any
// column (numbers as numbers), sweep results show as sweep results, not as
// runs of zero tokens, and cannot be compared cell by cell (blank heatmaps);
// closing a job dialog while its job runs asks first, and "keep running"
// keeps it running.
#include "app/studio/job_dialogs.h"
#include "app/studio/job_runner.h"
#include "app/studio/run_list_model.h"
#include "app/studio/runs_panel.h"
#include "core/store/run_store.h"

#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 20000;

// A run of `tokens` prompt tokens; no tokens and a perplexity: a sweep row,
// as the sweep job saves it.
RunRecord makeRun(int tokens, double msPerToken, double ratio, const char* backend,
                  std::optional<double> perplexity) {
    RunRecord r;
    r.model.path = "/models/m.gguf";
    r.policy.kind = tokens == 0 ? "early-exit" : "full";
    r.environment.backend = backend;
    r.trace.layers = 4;
    std::vector<int32_t> ids;
    for (int i = 0; i < tokens; ++i)
        ids.push_back(10 + i);
    r.trace.appendTokens(ids);
    for (size_t c = 0; c < r.trace.states.size(); ++c)
        r.trace.states[c] = 4;
    r.promptIds = ids;
    r.metrics.msPerToken = msPerToken;
    r.metrics.nominalRatio = ratio;
    r.metrics.perplexity = perplexity;
    return r;
}

// Waits for a job until it is cancelled (or 60 s pass).
class WaitJob : public Job {
public:
    QString title() const override { return QStringLiteral("wait"); }
    Expected<JobResult> run(JobContext& context) override {
        for (int i = 0; i < 6000 && !context.cancelled(); ++i)
            QThread::msleep(10);
        if (context.cancelled())
            return cancelledError();
        return JobResult{};
    }
};

class WaitJobDialog : public JobDialog {
public:
    using JobDialog::JobDialog;

protected:
    Expected<std::unique_ptr<Job>> createJob() override {
        return std::unique_ptr<Job>(std::make_unique<WaitJob>());
    }
};

// Answers the next confirmation box with `button`; records whether one came.
void answerNextBox(QMessageBox::StandardButton button, bool* asked) {
    QTimer::singleShot(50, [button, asked] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        *asked = box->objectName() == QStringLiteral("confirmCancelBox");
        box->button(button)->click();
    });
}

QList<qint64> idsInViewOrder(QTableView* table) {
    QList<qint64> ids;
    for (int row = 0; row < table->model()->rowCount(); ++row)
        ids << table->model()->index(row, 0).data(RunListModel::RunIdRole).toLongLong();
    return ids;
}

} // namespace

class TestStudioRuns : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void listSortsAndShowsSweepRows();
    void promptAndPolicyFileColumns();
    void closingARunningJobAsks();
    void detailsShowInputAwareness();

private:
    QTemporaryDir m_dir;
};

void TestStudioRuns::initTestCase() {
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_studio_runs"));
}

void TestStudioRuns::listSortsAndShowsSweepRows() {
    const QString path = m_dir.filePath(QStringLiteral("runs.sqlite"));
    qint64 ids[4] = {};
    {
        auto store = RunStore::open(path.toStdString());
        QVERIFY(store.ok());
        // ms/token 2.0, 10.5, 0.9: as text "10.5" would sort before "2.0".
        const RunRecord runs[4] = {
            makeRun(6, 2.0, 1.0, "cpu", std::nullopt), makeRun(9, 10.5, 1.5, "cuda", std::nullopt),
            makeRun(0, 0.9, 1.8, "cpu", 21.5), makeRun(0, 1.1, 1.3, "cpu", 19.0)};
        for (int i = 0; i < 4; ++i) {
            auto id = store->save(runs[i]);
            QVERIFY(id.ok());
            ids[i] = *id;
        }
    }
    RunsPanel panel;
    QSignalSpy listed(&panel, &RunsPanel::runsListed);
    panel.setDatabasePath(path);
    QVERIFY(listed.wait(kTimeoutMs) || listed.count() > 0);
    QTableView* table = panel.table();
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 4, kTimeoutMs);
    // Newest first until a header is clicked.
    QCOMPARE(idsInViewOrder(table), (QList<qint64>{ids[3], ids[2], ids[1], ids[0]}));

    table->sortByColumn(RunListModel::MsPerTokenColumn, Qt::AscendingOrder);
    QCOMPARE(idsInViewOrder(table), (QList<qint64>{ids[2], ids[3], ids[0], ids[1]}));
    table->sortByColumn(RunListModel::TokensColumn, Qt::DescendingOrder);
    QCOMPARE(idsInViewOrder(table).mid(0, 2), (QList<qint64>{ids[1], ids[0]}));
    table->sortByColumn(RunListModel::BackendColumn, Qt::DescendingOrder);
    QCOMPARE(idsInViewOrder(table).first(), ids[1]); // "cuda" after "cpu"

    // A sweep row says so where a run shows its token count.
    table->sortByColumn(RunListModel::IdColumn, Qt::AscendingOrder);
    QAbstractItemModel* m = table->model();
    QCOMPARE(m->index(0, RunListModel::TokensColumn).data().toInt(), 6);
    const QModelIndex sweepTokens = m->index(2, RunListModel::TokensColumn);
    QVERIFY(sweepTokens.data(RunListModel::SweepRowRole).toBool());
    QVERIFY(!m->index(0, 0).data(RunListModel::SweepRowRole).toBool());
    QVERIFY(sweepTokens.data().toString() != QStringLiteral("0"));
    QVERIFY(!sweepTokens.data(Qt::ToolTipRole).toString().isEmpty());
    QCOMPARE(m->index(1, RunListModel::BackendColumn).data().toString(), QStringLiteral("cuda"));

    // Two sweep rows, or a sweep row and a run: no cell-by-cell comparison.
    QPushButton* compare = nullptr;
    for (QPushButton* b : panel.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Compare"))
            compare = b;
    QVERIFY(compare);
    auto selectRows = [&](std::initializer_list<int> rows) {
        table->clearSelection();
        for (int row : rows)
            table->selectionModel()->select(m->index(row, 0), QItemSelectionModel::Select |
                                                                  QItemSelectionModel::Rows);
    };
    selectRows({0, 1});
    QVERIFY(compare->isEnabled());
    selectRows({2, 3});
    QVERIFY(!compare->isEnabled());
    selectRows({0, 2});
    QVERIFY(!compare->isEnabled());
    QVERIFY(compare->toolTip().contains(QStringLiteral("sweep"), Qt::CaseInsensitive));
    QSignalSpy shown(&panel, &RunsPanel::comparisonShown);
    panel.compareRuns(ids[2], ids[3]);
    QVERIFY(!shown.wait(1000));
    auto* status = panel.findChild<QLabel*>(QStringLiteral("runsStatus"));
    QVERIFY(status && status->text().contains(QStringLiteral("sweep")));
    // Two runs of prompts still compare.
    panel.compareRuns(ids[0], ids[1]);
    QVERIFY(shown.wait(kTimeoutMs));
}

void TestStudioRuns::promptAndPolicyFileColumns() {
    const QString path = m_dir.filePath(QStringLiteral("columns.sqlite"));
    // A long prompt over two lines with a policy file, a short one with a
    // built-in policy, and one whose policy file sorts first by name.
    const std::string longPrompt = "zebras cross the river\nat dawn, " + std::string(80, 'x');
    qint64 ids[3] = {};
    {
        auto store = RunStore::open(path.toStdString());
        QVERIFY(store.ok());
        RunRecord runs[3] = {makeRun(5, 1.0, 1.0, "cpu", std::nullopt),
                             makeRun(5, 1.0, 1.0, "cpu", std::nullopt),
                             makeRun(5, 1.0, 1.0, "cpu", std::nullopt)};
        runs[0].promptText = longPrompt;
        runs[0].policy.kind = "dash";
        runs[0].policy.parametersJson = R"({"file":"/policies/run 2/zz_dash.json"})";
        runs[1].promptText = "apples";
        runs[1].policy.parametersJson = R"({"target_ratio":1.5})";
        runs[2].promptText = "Mangoes";
        runs[2].policy.kind = "dash";
        runs[2].policy.parametersJson = R"({"file":"/other/aa_dash.json","target_ratio":2})";
        for (int i = 0; i < 3; ++i) {
            auto id = store->save(runs[i]);
            QVERIFY(id.ok());
            ids[i] = *id;
        }
    }
    RunsPanel panel;
    panel.setDatabasePath(path);
    QTableView* table = panel.table();
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 3, kTimeoutMs);
    QAbstractItemModel* m = table->model();
    QCOMPARE(m->headerData(RunListModel::PromptColumn, Qt::Horizontal).toString(),
             QStringLiteral("Prompt"));
    QCOMPARE(m->headerData(RunListModel::PolicyFileColumn, Qt::Horizontal).toString(),
             QStringLiteral("Policy File"));

    table->sortByColumn(RunListModel::IdColumn, Qt::AscendingOrder);
    // On one line, cut after kPromptExcerpt characters; the whole text in the tooltip.
    const QString shown = m->index(0, RunListModel::PromptColumn).data().toString();
    const QString whole = QString::fromStdString(longPrompt);
    QCOMPARE(shown.size(), RunListModel::kPromptExcerpt + 1);
    QVERIFY(shown.endsWith(QChar(0x2026)));
    QVERIFY(!shown.contains(QLatin1Char('\n')));
    QCOMPARE(shown.left(RunListModel::kPromptExcerpt),
             whole.simplified().left(RunListModel::kPromptExcerpt));
    QCOMPARE(m->index(0, RunListModel::PromptColumn).data(Qt::ToolTipRole).toString(), whole);
    QCOMPARE(m->index(1, RunListModel::PromptColumn).data().toString(), QStringLiteral("apples"));
    // The policy file's name, its path in the tooltip; nothing for a built-in policy.
    QCOMPARE(m->index(0, RunListModel::PolicyFileColumn).data().toString(),
             QStringLiteral("zz_dash.json"));
    QCOMPARE(m->index(0, RunListModel::PolicyFileColumn).data(Qt::ToolTipRole).toString(),
             QStringLiteral("/policies/run 2/zz_dash.json"));
    QVERIFY(m->index(1, RunListModel::PolicyFileColumn).data().toString().isEmpty());

    // Sortable like the other columns, case-insensitively.
    table->sortByColumn(RunListModel::PromptColumn, Qt::AscendingOrder);
    QCOMPARE(idsInViewOrder(table), (QList<qint64>{ids[1], ids[2], ids[0]}));
    table->sortByColumn(RunListModel::PolicyFileColumn, Qt::DescendingOrder);
    QCOMPARE(idsInViewOrder(table), (QList<qint64>{ids[0], ids[2], ids[1]}));
}

void TestStudioRuns::closingARunningJobAsks() {
    WaitJobDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.startJob());
    QVERIFY(dialog.running());
    QSignalSpy finished(&dialog, &JobDialog::jobFinished);

    // "Keep running": the job goes on and the dialog stays.
    bool asked = false;
    answerNextBox(QMessageBox::No, &asked);
    dialog.close();
    QVERIFY(asked);
    QVERIFY(dialog.isVisible());
    QTest::qWait(200);
    QVERIFY(dialog.running());
    QCOMPARE(finished.count(), 0);

    // Escape asks too; "cancel the job" cancels it and closes the dialog.
    asked = false;
    answerNextBox(QMessageBox::Yes, &asked);
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QVERIFY(asked);
    QVERIFY(finished.wait(kTimeoutMs) || finished.count() == 1);
    QVERIFY(finished.first().first().value<JobOutcome>().cancelled);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isVisible(), kTimeoutMs);
}

// An opened run's details measure the states it saved: a run that skips
// layer 2 for one of its three token ids differs from that layer's majority
// at a third of the tokens (a ninth over layers 1..3).
void TestStudioRuns::detailsShowInputAwareness() {
    const QString path = m_dir.filePath(QStringLiteral("awareness.sqlite"));
    RunRecord run = makeRun(36, 1.0, 1.0, "cpu", std::nullopt);
    for (int32_t t = 0; t < run.trace.tokenCount(); ++t) {
        run.trace.tokens[static_cast<size_t>(t)] = t % 3;
        if (t % 3 == 0)
            run.trace.states[run.trace.cell(t, 2)] = 0;
    }
    qint64 id = 0;
    {
        auto store = RunStore::open(path.toStdString());
        QVERIFY(store.ok());
        auto saved = store->save(run);
        QVERIFY(saved.ok());
        id = *saved;
    }
    RunsPanel panel;
    panel.setDatabasePath(path);
    QSignalSpy opened(&panel, &RunsPanel::runOpened);
    panel.openRun(id);
    QVERIFY(opened.wait(kTimeoutMs) || opened.count() > 0);
    auto* details = panel.findChild<QLabel*>(QStringLiteral("runDetails"));
    QVERIFY(details);
    QVERIFY2(details->text().contains(QStringLiteral("input-aware 0.11")),
             qPrintable(details->text()));
}

QTEST_MAIN(TestStudioRuns)
#include "tst_studio_runs.moc"
