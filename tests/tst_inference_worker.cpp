// SPDX-License-Identifier: MIT
// InferenceWorker and InferenceClient on the demo model: results match an
// independent engine run, stale results are dropped, the last prompt wins,
// and a newer request cancels the running one.
#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "studio_reference.h"
#include "test_support.h"

#include <QElapsedTimer>
#include <QSemaphore>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 30000;

// Cells of `snap` equal those of a fresh engine run of the same prompt.
void compareWithReference(const RunSnapshot& snap, const test::ReferenceRun& ref) {
    QVERIFY2(snap.ok(), qPrintable(snap.error));
    QCOMPARE(snap.promptIds, ref.promptIds);
    QCOMPARE(snap.generatedIds, ref.generated);
    QCOMPARE(snap.trace.layers, ref.trace.layers);
    QCOMPARE(snap.trace.tokens, ref.trace.tokens);
    QCOMPARE(snap.trace.states, ref.trace.states);
    QCOMPARE(snap.tokenTexts.size(), snap.trace.tokenCount());
    double worst = 0;
    for (size_t c = 0; c < ref.trace.cosInOut.size(); ++c) {
        worst = std::max(worst, std::abs(static_cast<double>(snap.trace.cosInOut[c]) -
                                         static_cast<double>(ref.trace.cosInOut[c])));
        QCOMPARE(std::isfinite(snap.trace.cosAdjacent[c]), std::isfinite(ref.trace.cosAdjacent[c]));
    }
    QVERIFY2(worst < 1e-4, qPrintable(QStringLiteral("cos(in,out) differs by %1").arg(worst)));
}

// The snapshot of `prompt` once the client is idle, or null on timeout.
SnapshotPtr waitForPrompt(const InferenceClient& client, const QString& prompt) {
    auto done = [&] {
        const SnapshotPtr s = client.latestSnapshot();
        return s && s->prompt == prompt && !client.busy();
    };
    return QTest::qWaitFor(done, kTimeoutMs) ? client.latestSnapshot() : nullptr;
}

} // namespace

class TestInferenceWorker : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void runMatchesEngine();
    void cachedPrefixMatchesFreshRun();
    void generationMatchesEngine();
    void newRequestCancelsRunningOne();
    void staleResultIsDropped();
    void debouncerCoalescesEdits();
    void errorsAreReported();

private:
    // A client with the demo model loaded.
    std::unique_ptr<InferenceClient> loadedClient();

    std::string m_path;
    std::shared_ptr<const Model> m_model;
};

void TestInferenceWorker::initTestCase() {
    m_path = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(m_path);
    m_model = test::loadModelOrFail(m_path);
}

std::unique_ptr<InferenceClient> TestInferenceWorker::loadedClient() {
    auto client = std::make_unique<InferenceClient>();
    client->setThreads(2);
    client->setDebounceMs(0);
    QSignalSpy loaded(client.get(), &InferenceClient::modelLoaded);
    client->loadModel(QString::fromStdString(m_path));
    if (!loaded.wait(kTimeoutMs))
        return nullptr;
    // Loading runs the (empty) current prompt once; let it settle.
    if (!QTest::qWaitFor([&] { return !client->busy(); }, kTimeoutMs))
        return nullptr;
    return client;
}

void TestInferenceWorker::runMatchesEngine() {
    auto client = loadedClient();
    QVERIFY(client);
    QCOMPARE(client->modelInfo().layers, 16);
    QCOMPARE(client->modelInfo().path, QString::fromStdString(m_path));
    const QString prompt = QStringLiteral("The old man looked at the sea.");
    client->setPrompt(prompt);
    const SnapshotPtr snap = waitForPrompt(*client, prompt);
    QVERIFY(snap);
    QCOMPARE(snap->backend, QStringLiteral("cpu"));
    QVERIFY(snap->msPerToken() > 0);
    QCOMPARE(snap->nominalRatio(), 1.0);
    QVERIFY(!snap->trace.spans.empty());
    compareWithReference(*snap, test::referenceRun(m_model, prompt, 0));
}

void TestInferenceWorker::cachedPrefixMatchesFreshRun() {
    auto client = loadedClient();
    QVERIFY(client);
    const QString first = QStringLiteral("It was a bright cold day in April");
    client->setPrompt(first);
    QVERIFY(waitForPrompt(*client, first));
    const QString longer = QStringLiteral("It was a bright cold day in April, and the clocks");
    client->setPrompt(longer);
    const SnapshotPtr snap = waitForPrompt(*client, longer);
    QVERIFY(snap);
    QVERIFY2(snap->reusedTokens > 3, qPrintable(QString::number(snap->reusedTokens)));
    // This run's own spans cover only the tokens it computed.
    for (const Span& s : snap->trace.spans)
        QVERIFY(s.firstToken >= snap->reusedTokens);
    compareWithReference(*snap, test::referenceRun(m_model, longer, 0));

    // Going back to a shorter prompt reuses its prefix too.
    const QString shorter = QStringLiteral("It was a bright");
    client->setPrompt(shorter);
    const SnapshotPtr back = waitForPrompt(*client, shorter);
    QVERIFY(back);
    QVERIFY(back->reusedTokens > 1);
    compareWithReference(*back, test::referenceRun(m_model, shorter, 0));
}

void TestInferenceWorker::generationMatchesEngine() {
    auto client = loadedClient();
    QVERIFY(client);
    client->setGenerateTokens(6);
    const QString prompt = QStringLiteral("Once upon a time");
    client->setPrompt(prompt);
    const SnapshotPtr snap = waitForPrompt(*client, prompt);
    QVERIFY(snap);
    const auto ref = test::referenceRun(m_model, prompt, 6);
    QVERIFY(!ref.generated.empty());
    compareWithReference(*snap, ref);
    QCOMPARE(snap->trace.tokenCount(),
             static_cast<int>(ref.promptIds.size() + ref.generated.size()));
    const std::string text = m_model->tokenizer().decode(ref.generated);
    QCOMPARE(snap->generatedText, QString::fromStdString(text));
    QVERIFY(snap->isGenerated(static_cast<int32_t>(ref.promptIds.size())));
}

void TestInferenceWorker::newRequestCancelsRunningOne() {
    auto client = loadedClient();
    QVERIFY(client);
    // Hold the first run at its start until every other request is queued.
    QSemaphore started, release;
    std::atomic<int> holds{1};
    client->worker()->setRunStartHook([&](const RunRequest&) {
        if (holds.fetch_sub(1) > 0) {
            started.release();
            release.acquire();
        }
    });
    QSignalSpy ready(client.get(), &InferenceClient::snapshotReady);
    QSignalSpy cancelled(client.get(), &InferenceClient::runCancelled);
    QSignalSpy dropped(client.get(), &InferenceClient::staleSnapshotDropped);

    client->setPrompt(QStringLiteral("first prompt, which will be cancelled"));
    client->runNow();
    const quint64 first = client->latestGeneration();
    QVERIFY(started.tryAcquire(1, kTimeoutMs));
    QStringList prompts;
    for (int i = 0; i < 20; ++i) {
        prompts << QStringLiteral("prompt number %1 of the burst").arg(i);
        client->setPrompt(prompts.last());
        client->runNow();
    }
    release.release();
    QVERIFY(QTest::qWaitFor([&] { return !client->busy(); }, kTimeoutMs));

    // The held run was cancelled, the 19 queued in between never ran, the last one won.
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.first().at(0).value<quint64>(), first);
    QCOMPARE(dropped.count(), 0);
    QCOMPARE(ready.count(), 1);
    const auto snap = ready.last().at(0).value<SnapshotPtr>();
    QCOMPARE(snap->prompt, prompts.last());
    QCOMPARE(snap->generation, client->latestGeneration());
    // The cancelled run left the engine's cache consistent.
    compareWithReference(*snap, test::referenceRun(m_model, prompts.last(), 0));
    client->worker()->setRunStartHook({});
}

void TestInferenceWorker::staleResultIsDropped() {
    auto client = loadedClient();
    QVERIFY(client);
    std::atomic<int> finishedOnWorker{0};
    // Counted on the worker thread, so nothing here needs the UI event loop.
    const QMetaObject::Connection counter = connect(
        client->worker(), &InferenceWorker::runFinished, client->worker(),
        [&](const SnapshotPtr&) { ++finishedOnWorker; }, Qt::DirectConnection);
    QSignalSpy ready(client.get(), &InferenceClient::snapshotReady);
    QSignalSpy dropped(client.get(), &InferenceClient::staleSnapshotDropped);

    client->setPrompt(QStringLiteral("an older prompt"));
    client->runNow();
    const quint64 older = client->latestGeneration();
    // Wait without running the event loop: the result is queued for the client.
    QElapsedTimer timer;
    timer.start();
    while (finishedOnWorker.load() == 0 && timer.elapsed() < kTimeoutMs)
        QThread::msleep(1);
    QCOMPARE(finishedOnWorker.load(), 1);
    const QString newer = QStringLiteral("a newer prompt");
    client->setPrompt(newer);
    client->runNow();
    QVERIFY(QTest::qWaitFor([&] { return !client->busy(); }, kTimeoutMs));

    QCOMPARE(dropped.count(), 1);
    QCOMPARE(dropped.first().at(0).value<quint64>(), older);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.first().at(0).value<SnapshotPtr>()->prompt, newer);
    QCOMPARE(client->latestSnapshot()->prompt, newer);
    disconnect(counter);
}

void TestInferenceWorker::debouncerCoalescesEdits() {
    auto client = loadedClient();
    QVERIFY(client);
    client->setDebounceMs(300);
    QCOMPARE(client->debounceMs(), 300);
    QSignalSpy ready(client.get(), &InferenceClient::snapshotReady);
    QSignalSpy dropped(client.get(), &InferenceClient::staleSnapshotDropped);
    const QString text = QStringLiteral("Edits closer together than the interval");
    for (int i = 1; i <= text.size(); ++i) {
        client->setPrompt(text.left(i));
        QTest::qWait(5);
    }
    QVERIFY(client->busy()); // the debounce interval is still running
    QVERIFY(QTest::qWaitFor([&] { return !client->busy(); }, kTimeoutMs));
    // One run: nothing was cancelled or dropped, one result arrived.
    QCOMPARE(dropped.count(), 0);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.first().at(0).value<SnapshotPtr>()->prompt, text);
}

void TestInferenceWorker::errorsAreReported() {
    auto client = loadedClient();
    QVERIFY(client);
    QSignalSpy failed(client.get(), &InferenceClient::modelLoadFailed);
    const QString missing = QStringLiteral("/nonexistent/dir/missing-model.gguf");
    client->loadModel(missing);
    QVERIFY(failed.wait(kTimeoutMs));
    QCOMPARE(failed.first().at(0).toString(), missing);
    QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("missing-model.gguf")),
             qPrintable(failed.first().at(1).toString()));
    QVERIFY(client->hasModel()); // the loaded model stays

    // A prompt longer than the context (128 tokens) is an error snapshot, not a crash.
    QString longPrompt;
    for (int i = 0; i < 200; ++i)
        longPrompt += QStringLiteral("word%1 ").arg(i);
    client->setPrompt(longPrompt);
    const SnapshotPtr snap = waitForPrompt(*client, longPrompt);
    QVERIFY(snap);
    QVERIFY(!snap->ok());
    QVERIFY2(snap->error.contains(QStringLiteral("context")), qPrintable(snap->error));
    QCOMPARE(snap->trace.tokenCount(), 0);

    // The next prompt runs normally.
    const QString prompt = QStringLiteral("Back to normal");
    client->setPrompt(prompt);
    const SnapshotPtr normal = waitForPrompt(*client, prompt);
    QVERIFY(normal);
    compareWithReference(*normal, test::referenceRun(m_model, prompt, 0));
}

QTEST_MAIN(TestInferenceWorker)
#include "tst_inference_worker.moc"
