// SPDX-License-Identifier: MIT
// Tools ▸ Train Policy…: the imitation target chosen in the dialog is the one
// the trained policy records, the job says what it imitates, and the target
// can only be chosen while there are imitation steps.
#include "app/studio/job_dialogs.h"
#include "core/dash/calibration.h"
#include "core/engine/engine.h"
#include "core/model/model.h"
#include "core/util/json.h"
#include "test_support.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <iterator>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 300000;

} // namespace

class TestStudioTraining : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void imitationTargetReachesThePolicy();

private:
    QTemporaryDir m_dir;
    std::string m_model;
    std::string m_valid;
};

void TestStudioTraining::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_model = test::modelPath("dash-demo-16L.gguf");
    m_valid = test::dataPath("wikitext2_valid.txt");
}

void TestStudioTraining::imitationTargetReachesThePolicy() {
    DASH_REQUIRE_FILE(m_model);
    DASH_REQUIRE_FILE(m_valid);
    // A short training text: about 1,580 tokens, 22 windows of 64 for the
    // oracle to label and a held-out tenth longer than the 128 tokens the
    // cost bias is tuned on.
    std::ifstream in(m_valid, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.resize(std::min<size_t>(text.size(), 4000));
    const QString textPath = m_dir.filePath(QStringLiteral("train.txt"));
    {
        QFile f(textPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(text.data(), static_cast<qint64>(text.size())),
                 static_cast<qint64>(text.size()));
    }
    auto model = Model::load(m_model);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message().c_str());
    const std::vector<int32_t> ids = (*model)->tokenizer().encode(text, true, false);
    EngineOptions eo;
    eo.threads = 2;
    Engine engine(*model, eo);
    CalibrationOptions co;
    co.sequences = 4;
    co.sequenceLength = 64;
    auto calibration = calibrate(engine, ids, co);
    QVERIFY2(calibration.ok(), calibration.ok() ? "" : calibration.error().message().c_str());
    calibration->modelSha256 = (*model)->sha256();
    const QString calibrationPath = m_dir.filePath(QStringLiteral("calib.json"));
    QVERIFY(saveJsonFile(calibrationPath.toStdString(), calibration->toJson()).ok());

    JobDefaults defaults;
    defaults.threads = 2;
    TrainingJobDialog dialog(defaults);
    QComboBox* imitate = nullptr;
    for (QComboBox* box : dialog.findChildren<QComboBox*>())
        if (box->findData(static_cast<int>(ImitationTarget::Oracle)) >= 0)
            imitate = box;
    QVERIFY(imitate);
    QVERIFY(!imitate->isEnabled()); // no imitation steps by default

    TrainingJobSettings s;
    s.modelPath = QString::fromStdString(m_model);
    s.calibrationPath = calibrationPath;
    s.textPath = textPath;
    s.outPath = m_dir.filePath(QStringLiteral("oracle.policy"));
    s.targetRatio = 2.0;
    s.steps = 12;
    s.imitationSteps = 12;
    s.imitationTarget = ImitationTarget::Oracle;
    s.skipAndFullOnly = true;
    s.window = 64;
    s.threads = 2;
    dialog.setSettings(s);
    QVERIFY(imitate->isEnabled());
    QCOMPARE(imitate->currentData().toInt(), static_cast<int>(ImitationTarget::Oracle));
    QCOMPARE(dialog.settings().imitationTarget, ImitationTarget::Oracle);

    QSignalSpy finished(&dialog, &JobDialog::jobFinished);
    QVERIFY(dialog.startJob());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    const JobOutcome done = finished.takeFirst().first().value<JobOutcome>();
    QVERIFY2(done.ok, qPrintable(done.message + QStringLiteral("\n") + dialog.logText()));
    QVERIFY2(dialog.logText().contains(
                 QStringLiteral("Imitating the oracle's per-token decisions for 12 steps")),
             qPrintable(dialog.logText()));

    auto file = readJsonFile(s.outPath.toStdString());
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
    const Json& training = (*file)["state"]["training"];
    QCOMPARE(QString::fromStdString(training["imitation_target"].asString()),
             QStringLiteral("oracle"));
    QCOMPARE(QString::fromStdString(training["oracle_budget"].asString()),
             QStringLiteral("per-token"));

    // Back to no imitation: the target cannot be chosen.
    for (QSpinBox* box : dialog.findChildren<QSpinBox*>())
        if (box->value() == 12 && box->toolTip().contains(QStringLiteral("imitate")))
            box->setValue(0);
    QVERIFY(!imitate->isEnabled());
}

QTEST_MAIN(TestStudioTraining)
#include "tst_studio_training.moc"
