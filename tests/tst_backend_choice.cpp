// SPDX-License-Identifier: MIT
// Where the app chooses a backend: the catalogue lists what the core's
// registry lists; the inference worker builds its engine on the chosen
// backend, falls back to the CPU with the reason when that backend cannot
// run (on a machine without a GPU, CUDA), and switches back when asked; run
// records carry the backend and, for CUDA, the GPU, driver and runtime.
#include "app/studio/backend_catalog.h"
#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_record.h"
#include "core/engine/backend_registry.h"
#include "tiny_model.h"

#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 30000;

bool cudaUsable() {
    for (const BackendAvailability& b : listBackends())
        if (b.name == "cuda")
            return b.available;
    return false;
}

QString registryDetail(const std::string& name) {
    for (const BackendAvailability& b : listBackends())
        if (b.name == name)
            return QString::fromStdString(b.detail);
    return {};
}

} // namespace

class TestBackendChoice : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void catalogueFollowsRegistry();
    void workerFallsBackWithReason();
    void runEnvironment();

private:
    QTemporaryDir m_dir;
    QString m_modelPath;
};

void TestBackendChoice::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::TinyModelSpec spec;
    spec.weightType = TensorType::F16;
    const std::vector<uint8_t> bytes = test::buildTinyModel(spec);
    m_modelPath = m_dir.filePath(QStringLiteral("tiny.gguf"));
    QFile f(m_modelPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<qint64>(bytes.size())),
        static_cast<qint64>(bytes.size()));
}

void TestBackendChoice::catalogueFollowsRegistry() {
    const QList<BackendEntry> entries = backendEntries();
    const std::vector<BackendAvailability> registry = listBackends();
    QCOMPARE(static_cast<size_t>(entries.size()), registry.size());
    for (size_t i = 0; i < registry.size(); ++i) {
        const BackendEntry& e = entries[static_cast<qsizetype>(i)];
        QCOMPARE(e.id, QString::fromStdString(registry[i].name));
        QCOMPARE(e.available, registry[i].available);
        QCOMPARE(e.available ? e.device : e.reason, QString::fromStdString(registry[i].detail));
        QVERIFY(!e.label.isEmpty());
    }
    QCOMPARE(entries.front().id, QStringLiteral("cpu"));
    QVERIFY(entries.front().available);

    // The picker's tooltip names the device of a usable backend, and the
    // reason for one that is not.
    RunControls controls;
    auto* picker = controls.findChild<QComboBox*>(QStringLiteral("backendPicker"));
    QVERIFY(picker);
    QCOMPARE(static_cast<size_t>(picker->count()), registry.size());
    for (int i = 0; i < picker->count(); ++i)
        QCOMPARE(picker->itemData(i, Qt::ToolTipRole).toString(),
                 QString::fromStdString(registry[static_cast<size_t>(i)].detail));
}

void TestBackendChoice::workerFallsBackWithReason() {
    InferenceClient client;
    client.setThreads(1);
    client.setDebounceMs(0);
    QSignalSpy selected(client.worker(), &InferenceWorker::backendSelected);
    client.worker()->setBackend(QStringLiteral("cuda"));
    QSignalSpy loaded(&client, &InferenceClient::modelLoaded);
    client.loadModel(m_modelPath);
    QVERIFY(loaded.wait(kTimeoutMs));
    QVERIFY(QTest::qWaitFor([&] { return !client.busy(); }, kTimeoutMs));
    QVERIFY(!selected.isEmpty());
    const QString expected = cudaUsable() ? QStringLiteral("cuda") : QStringLiteral("cpu");
    QCOMPARE(selected.last().at(0).toString(), expected);
    const QString detail = selected.last().at(1).toString();
    if (!cudaUsable()) {
        // The reason is the registry's, and the status bar line says it.
        QVERIFY2(detail.contains(QStringLiteral("running on the CPU")), qPrintable(detail));
        QVERIFY2(detail.contains(registryDetail("cuda").left(20)), qPrintable(detail));
        QVERIFY(client.modelInfo().summary.contains(QStringLiteral("running on the CPU")));
    }
    const QString prompt = QStringLiteral("ab");
    client.setPrompt(prompt);
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = client.latestSnapshot();
            return s && s->prompt == prompt && !client.busy();
        },
        kTimeoutMs));
    QVERIFY2(client.latestSnapshot()->ok(), qPrintable(client.latestSnapshot()->error));
    QCOMPARE(client.latestSnapshot()->backend, expected);

    // Back to the CPU: the next run builds a CPU engine.
    const qsizetype before = selected.size();
    client.worker()->setBackend(QStringLiteral("cpu"));
    const QString next = QStringLiteral("abc");
    client.setPrompt(next);
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = client.latestSnapshot();
            return s && s->prompt == next && !client.busy();
        },
        kTimeoutMs));
    QCOMPARE(client.latestSnapshot()->backend, QStringLiteral("cpu"));
    QCOMPARE(selected.size(), before + 1);
    QCOMPARE(selected.last().at(0).toString(), QStringLiteral("cpu"));
    QVERIFY(selected.last().at(1).toString().startsWith(QStringLiteral("cpu: ")));
}

void TestBackendChoice::runEnvironment() {
    const RunEnvironment cpu = studio::runEnvironment("cpu");
    QCOMPARE(cpu.backend, std::string("cpu"));
    QCOMPARE(cpu.deviceName, cpuDeviceName());
    QVERIFY(cpu.driverVersion.empty() && cpu.cudaVersion.empty());
    // The backend's detail (kernels, threads, weights) goes with the device.
    const RunEnvironment detailed = studio::runEnvironment("cpu", "avx2 kernels, 2 threads");
    QCOMPARE(detailed.deviceName, cpuDeviceName() + " (avx2 kernels, 2 threads)");
    const RunEnvironment gpu = studio::runEnvironment("cuda");
    QCOMPARE(gpu.backend, std::string("cuda"));
    if (cudaUsable()) {
        QVERIFY(!gpu.driverVersion.empty());
        QVERIFY(!gpu.cudaVersion.empty());
        QVERIFY(gpu.deviceName != cpuDeviceName());
    } else {
        // Nothing to name: no GPU fields are invented.
        QVERIFY(gpu.driverVersion.empty() && gpu.cudaVersion.empty());
    }
}

QTEST_MAIN(TestBackendChoice)
#include "tst_backend_choice.moc"
