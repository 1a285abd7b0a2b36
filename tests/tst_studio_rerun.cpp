// SPDX-License-Identifier: MIT
// Re-running a saved run with another policy from the run list: the new run
// holds the original's prompt, model and number of generated tokens with the
// new policy, is compared with the original, and the original stays byte for
// byte as it was. A re-run with the same policy (full precision, which is
// deterministic on one machine) repeats the original's tokens and states.
#include "app/studio/comparison_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/run_list_model.h"
#include "app/studio/run_rerun.h"
#include "app/studio/run_saver.h"
#include "app/studio/runs_panel.h"
#include "app/studio/studio_settings.h"
#include "core/store/run_store.h"
#include "core/util/json.h"
#include "tests/test_support.h"

#include <QAction>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 120000;

RunRecord loadRun(const QString& db, qint64 id) {
    auto store = RunStore::open(db.toStdString(), RunStore::OpenMode::ReadOnly);
    if (!store.ok())
        qFatal("cannot open %s", qPrintable(db));
    auto run = store->load(id);
    if (!run.ok())
        qFatal("cannot load run %lld", static_cast<long long>(id));
    return std::move(run).value();
}

// Everything of a run that a re-run must not change.
void compareRecords(const RunRecord& a, const RunRecord& b) {
    QCOMPARE(a.id, b.id);
    QCOMPARE(a.createdMs, b.createdMs);
    QCOMPARE(a.updatedMs, b.updatedMs);
    QCOMPARE(a.label, b.label);
    QCOMPARE(a.notes, b.notes);
    QCOMPARE(a.policy.kind, b.policy.kind);
    QCOMPARE(a.policy.parametersJson, b.policy.parametersJson);
    QCOMPARE(a.promptText, b.promptText);
    QCOMPARE(a.promptIds, b.promptIds);
    QCOMPARE(a.generatedIds, b.generatedIds);
    QCOMPARE(a.trace.states, b.trace.states);
    QCOMPARE(a.metrics.msPerToken, b.metrics.msPerToken);
}

} // namespace

class TestStudioRerun : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rerunWithAnotherPolicy();
    void sweepRowsAndMissingModels();

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_db;
    qint64 m_original = 0;
};

void TestStudioRerun::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::isolateStudio(m_dir.path(), "tst_studio_rerun");
    StudioSettings settings;
    settings.setThreads(2);
    m_model = QString::fromStdString(test::modelPath("dash-demo-16L.gguf"));
    m_db = m_dir.filePath(QStringLiteral("runs.sqlite"));
}

void TestStudioRerun::rerunWithAnotherPolicy() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    const std::string heldOut = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(heldOut);

    // The original: a prompt and three generated tokens at full precision,
    // saved as the app saves a run.
    const QString prompt = QStringLiteral("The lighthouse keeper climbed the stairs at dusk");
    {
        InferenceClient client;
        client.setThreads(2);
        client.setGenerateTokens(3);
        client.setPrompt(prompt);
        QSignalSpy ready(&client, &InferenceClient::snapshotReady);
        client.loadModel(m_model);
        QVERIFY(ready.wait(kTimeoutMs));
        const SnapshotPtr snapshot = ready.first().first().value<SnapshotPtr>();
        QVERIFY2(snapshot->ok(), qPrintable(snapshot->error));
        RunSaver saver;
        saver.setDatabasePath(m_db);
        QSignalSpy saved(&saver, &RunSaver::runSaved);
        saver.save(snapshot, client.modelInfo());
        QVERIFY(saved.wait(kTimeoutMs));
        m_original = saved.first().first().toLongLong();
    }
    const RunRecord before = loadRun(m_db, m_original);
    QCOMPARE(before.generatedIds.size(), size_t(3));
    QCOMPARE(QString::fromStdString(before.promptText), prompt);

    RunsPanel panel;
    QSignalSpy listed(&panel, &RunsPanel::runsListed);
    panel.setDatabasePath(m_db);
    QTRY_COMPARE_WITH_TIMEOUT(panel.table()->model()->rowCount(), 1, kTimeoutMs);
    panel.table()->selectRow(0);
    QVERIFY(panel.rerunAction()->isEnabled());

    // Another policy: Early-Exit tuned to 1.6x on held-out text.
    PolicySpec policy;
    policy.kind = QStringLiteral("early-exit");
    policy.targetRatio = 1.6;
    policy.tuneTextPath = QString::fromStdString(heldOut);
    policy.tuneWindows = 2;
    QSignalSpy finished(&panel, &RunsPanel::rerunFinished);
    QSignalSpy failed(&panel, &RunsPanel::rerunFailed);
    QSignalSpy shown(&panel, &RunsPanel::comparisonShown);
    panel.rerunRun(m_original, policy);
    QVERIFY(finished.wait(kTimeoutMs) || finished.count() == 1);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    QCOMPARE(finished.first().at(0).toLongLong(), m_original);
    const qint64 rerunId = finished.first().at(1).toLongLong();
    QVERIFY(rerunId != m_original);

    // Opened beside the original: A the original, B the re-run.
    QVERIFY(shown.wait(kTimeoutMs) || shown.count() == 1);
    auto* view = shown.first().first().value<ComparisonView*>();
    QVERIFY(view && view->comparison());
    QCOMPARE(view->comparison()->a->record.id, m_original);
    QCOMPARE(view->comparison()->b->record.id, rerunId);
    view->close();

    // Listed, labelled after the original.
    QTRY_COMPARE_WITH_TIMEOUT(panel.table()->model()->rowCount(), 2, kTimeoutMs);
    const RunRecord rerun = loadRun(m_db, rerunId);
    QVERIFY(QString::fromStdString(rerun.label).contains(QStringLiteral("#%1").arg(m_original)));
    QCOMPARE(rerun.promptText, before.promptText);
    QCOMPARE(rerun.promptIds, before.promptIds);
    QCOMPARE(rerun.generatedIds.size(), before.generatedIds.size());
    QCOMPARE(rerun.model.path, before.model.path);
    QCOMPARE(rerun.model.sha256, before.model.sha256);
    QCOMPARE(rerun.environment.backend, before.environment.backend);
    QCOMPARE(rerun.policy.kind, std::string("early-exit"));
    auto parameters = Json::parse(rerun.policy.parametersJson);
    QVERIFY(parameters.ok());
    QCOMPARE((*parameters)["target_ratio"].asNumber(), 1.6);
    // Early-Exit skipped layers: states below full precision (4) somewhere.
    QVERIFY(rerun.metrics.nominalRatio > 1.0);
    QVERIFY(std::any_of(rerun.trace.states.begin(), rerun.trace.states.end(),
                        [](auto s) { return s < 4; }));
    // The original is unchanged.
    compareRecords(loadRun(m_db, m_original), before);

    // The same policy again: full precision repeats the original's tokens and states.
    finished.clear();
    panel.rerunRun(m_original, PolicySpec{});
    QVERIFY(finished.wait(kTimeoutMs) || finished.count() == 1);
    const RunRecord again = loadRun(m_db, finished.first().at(1).toLongLong());
    QCOMPARE(again.policy.kind, std::string("full"));
    QCOMPARE(again.generatedIds, before.generatedIds);
    QCOMPARE(again.trace.states, before.trace.states);
    compareRecords(loadRun(m_db, m_original), before);
}

void TestStudioRerun::sweepRowsAndMissingModels() {
    const QString db = m_dir.filePath(QStringLiteral("other.sqlite"));
    qint64 sweepId = 0, missingId = 0;
    {
        auto store = RunStore::open(db.toStdString());
        QVERIFY(store.ok());
        RunRecord sweep; // as the sweep job saves a row: no tokens, a perplexity
        sweep.model.path = "/models/m.gguf";
        sweep.policy.kind = "adaskip";
        sweep.trace.layers = 4;
        sweep.metrics.perplexity = 21.5;
        auto id = store->save(sweep);
        QVERIFY(id.ok());
        sweepId = *id;
        RunRecord missing; // a run of a prompt whose model file is gone
        missing.model.path = m_dir.filePath(QStringLiteral("gone.gguf")).toStdString();
        missing.policy.kind = "full";
        missing.promptText = "a b";
        missing.promptIds = {11, 12};
        missing.trace.layers = 4;
        missing.trace.appendTokens(missing.promptIds);
        std::fill(missing.trace.states.begin(), missing.trace.states.end(), 4);
        id = store->save(missing);
        QVERIFY(id.ok());
        missingId = *id;
    }
    RunsPanel panel;
    panel.setDatabasePath(db);
    QTRY_COMPARE_WITH_TIMEOUT(panel.table()->model()->rowCount(), 2, kTimeoutMs);
    QAbstractItemModel* m = panel.table()->model();
    for (int row = 0; row < 2; ++row) {
        panel.table()->selectRow(row);
        const bool sweep = m->index(row, 0).data(RunListModel::SweepRowRole).toBool();
        QCOMPARE(m->index(row, 0).data(RunListModel::RunIdRole).toLongLong() == sweepId, sweep);
        // A sweep result has no prompt of its own to run again.
        QCOMPARE(panel.rerunAction()->isEnabled(), !sweep);
    }

    QSignalSpy failed(&panel, &RunsPanel::rerunFailed);
    QSignalSpy finished(&panel, &RunsPanel::rerunFinished);
    panel.rerunRun(missingId, PolicySpec{});
    QVERIFY(failed.wait(kTimeoutMs) || failed.count() == 1);
    QCOMPARE(failed.first().at(0).toLongLong(), missingId);
    QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("gone.gguf")));
    QCOMPARE(finished.count(), 0);
    QCOMPARE(panel.table()->model()->rowCount(), 2);
}

QTEST_MAIN(TestStudioRerun)
#include "tst_studio_rerun.moc"
