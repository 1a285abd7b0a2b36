// SPDX-License-Identifier: MIT
// Saving app runs to the run store: the record built from a snapshot, and a
// real run of the demo model saved in the background and read back.
#include "app/studio/inference_client.h"
#include "app/studio/main_window.h"
#include "app/studio/run_record.h"
#include "app/studio/run_saver.h"
#include "core/store/run_store.h"
#include "test_support.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 60000;

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

} // namespace

class TestRunSaver : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void recordFromSnapshot();
    void savesRealRun();
    void reportsFailure();

private:
    QTemporaryDir m_dir;
    std::string m_path;
};

void TestRunSaver::initTestCase() {
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_run_saver"));
    m_path = test::modelPath("dash-demo-16L.gguf");
}

void TestRunSaver::recordFromSnapshot() {
    RunSnapshot snap;
    snap.prompt = QStringLiteral("Grüße");
    snap.promptIds = {1, 5, 6};
    snap.generatedIds = {7};
    snap.generatedText = QStringLiteral("!");
    snap.backend = QStringLiteral("cpu");
    snap.policy.kind = QStringLiteral("full");
    snap.trace.layers = 2;
    snap.trace.appendTokens({1, 5, 6, 7});
    snap.trace.states[snap.trace.cell(3, 1)] = 2;
    for (size_t c = 0; c < snap.trace.layerTimeNs.size(); ++c)
        snap.trace.layerTimeNs[c] = 500.0f;
    // A prefill pass over the 3 prompt tokens and a decode pass.
    snap.trace.passes = {{0, 3, 3000, {1500, 1500}}, {3, 1, 1200, {600, 600}}};
    ModelInfo model;
    model.path = QStringLiteral("/models/m.gguf");
    model.architecture = QStringLiteral("llama");
    model.metadataJson = QStringLiteral("{\"general.name\":\"m\"}");
    model.threads = 3;

    const RunRecord r = makeRunRecord(snap, model, "ab12", 1234);
    QCOMPARE(r.model.path, std::string("/models/m.gguf"));
    QCOMPARE(r.model.sha256, std::string("ab12"));
    QCOMPARE(r.model.sizeBytes, int64_t(1234));
    QCOMPARE(r.model.architecture, std::string("llama"));
    QCOMPARE(r.model.metadataJson, std::string("{\"general.name\":\"m\"}"));
    QCOMPARE(r.policy.kind, std::string("full"));
    QCOMPARE(r.policy.parametersJson, std::string("{}"));
    QCOMPARE(r.environment.backend, std::string("cpu"));
    QCOMPARE(r.environment.threads, 3);
    QVERIFY(!r.environment.deviceName.empty());
    QCOMPARE(QString::fromStdString(r.promptText), snap.prompt);
    QCOMPARE(r.promptIds, snap.promptIds);
    QCOMPARE(r.generatedIds, snap.generatedIds);
    QCOMPARE(r.generatedText, std::string("!"));
    QCOMPARE(r.trace.states, snap.trace.states);
    // 8 cells, one at INT8: 32 / 30.
    QCOMPARE(r.metrics.nominalRatio, 32.0 / 30.0);
    // Pass wall time over computed tokens: 4200 ns / 4 tokens.
    QCOMPARE(r.metrics.msPerToken, 4200.0 / 4 / 1e6);
    QCOMPARE(snap.prefillMsPerToken(), 3000.0 / 3 / 1e6);
    QCOMPARE(snap.decodeMsPerToken(), 1200.0 / 1 / 1e6);
    QVERIFY(!r.metrics.perplexity);
}

void TestRunSaver::savesRealRun() {
    DASH_REQUIRE_FILE(m_path);
    MainWindow w;
    const QString db = m_dir.filePath(QStringLiteral("runs.sqlite"));
    w.runSaver()->setDatabasePath(db);
    w.inference()->setDebounceMs(0);
    w.inference()->setGenerateTokens(3);
    w.openModel(QString::fromStdString(m_path));
    QVERIFY(QTest::qWaitFor([&] { return w.inference()->hasModel(); }, kTimeoutMs));
    const QString prompt = QStringLiteral("A run worth keeping");
    w.inference()->setPrompt(prompt);
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = w.inference()->latestSnapshot();
            return s && s->prompt == prompt && !w.inference()->busy();
        },
        kTimeoutMs));
    const SnapshotPtr snap = w.inference()->latestSnapshot();

    QSignalSpy saved(w.runSaver(), &RunSaver::runSaved);
    w.saveRun();
    QVERIFY(w.runSaver()->busy());
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(saved.first().at(1).toString(), db);
    const qint64 id = saved.first().at(0).toLongLong();

    auto store = RunStore::open(db.toStdString(), RunStore::OpenMode::ReadOnly);
    QVERIFY2(store.ok(), store.ok() ? "" : store.error().message().c_str());
    auto run = store->load(id);
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().message().c_str());
    QCOMPARE(QString::fromStdString(run->promptText), prompt);
    QCOMPARE(run->promptIds, snap->promptIds);
    QCOMPARE(run->generatedIds, snap->generatedIds);
    QCOMPARE(run->generatedIds.size(), size_t(3));
    QCOMPARE(QString::fromStdString(run->model.sha256), sha256Of(w.inference()->modelInfo().path));
    QVERIFY(run->model.metadataJson.find("\"llama.block_count\":16") != std::string::npos);
    QCOMPARE(run->trace.states, snap->trace.states);
    QVERIFY(sameBits(run->trace.cosInOut, snap->trace.cosInOut));
    QCOMPARE(run->metrics.nominalRatio, 1.0);

    // Saving the same run again adds nothing.
    w.saveRun();
    QVERIFY(!w.runSaver()->busy());
    QTest::qWait(200);
    QCOMPARE(saved.count(), 1);

    // Another prompt on the same model reuses the digest and adds a run.
    const QString other = prompt + QStringLiteral(" too");
    w.inference()->setPrompt(other);
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = w.inference()->latestSnapshot();
            return s && s->prompt == other && !w.inference()->busy();
        },
        kTimeoutMs));
    w.saveRun();
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY(saved.last().at(0).toLongLong() > id);
}

void TestRunSaver::reportsFailure() {
    DASH_REQUIRE_FILE(m_path);
    RunSaver saver;
    // A directory where the database file should be cannot be opened as one.
    saver.setDatabasePath(m_dir.path());
    QSignalSpy failed(&saver, &RunSaver::saveFailed);
    auto snap = std::make_shared<RunSnapshot>();
    snap->trace.layers = 1;
    ModelInfo model;
    model.path = QString::fromStdString(m_path);
    saver.save(snap, model);
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY(!failed.first().at(0).toString().isEmpty());

    // A model file that is gone: the message names it.
    model.path = m_dir.filePath(QStringLiteral("gone.gguf"));
    saver.setDatabasePath(m_dir.filePath(QStringLiteral("other.sqlite")));
    saver.save(snap, model);
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY2(failed.last().at(0).toString().contains(QStringLiteral("gone.gguf")),
             qPrintable(failed.last().at(0).toString()));
}

QTEST_MAIN(TestRunSaver)
#include "tst_run_saver.moc"
