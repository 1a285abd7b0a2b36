// SPDX-License-Identifier: MIT
// Tools ▸ Train Policy…: the imitation target, trainer and learning rate chosen
// in the dialog are the ones the trained policy records, the job says what it
// imitates, the target can only be chosen while there are imitation steps, and
// the relaxed trainer (which keeps no checkpoint) cannot be given one.
#include "app/studio/job_dialogs.h"
#include "core/dash/calibration.h"
#include "core/engine/engine.h"
#include "core/model/model.h"
#include "core/util/json.h"
#include "test_support.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
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
    void relaxedTrainerReachesThePolicy();

private:
    TrainingJobSettings shortTraining(const QString& out) const;

    QTemporaryDir m_dir;
    std::string m_model;
    QString m_textPath;
    QString m_calibrationPath;
};

void TestStudioTraining::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_model = test::modelPath("dash-demo-16L.gguf");
    const std::string valid = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(m_model);
    DASH_REQUIRE_FILE(valid);
    // A short training text: about 1,580 tokens, 22 windows of 64 for the
    // oracle to label and a held-out tenth longer than the 128 tokens the
    // cost bias is tuned on.
    std::ifstream in(valid, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.resize(std::min<size_t>(text.size(), 4000));
    m_textPath = m_dir.filePath(QStringLiteral("train.txt"));
    {
        QFile f(m_textPath);
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
    m_calibrationPath = m_dir.filePath(QStringLiteral("calib.json"));
    QVERIFY(saveJsonFile(m_calibrationPath.toStdString(), calibration->toJson()).ok());
}

TrainingJobSettings TestStudioTraining::shortTraining(const QString& out) const {
    TrainingJobSettings s;
    s.modelPath = QString::fromStdString(m_model);
    s.calibrationPath = m_calibrationPath;
    s.textPath = m_textPath;
    s.outPath = m_dir.filePath(out);
    s.targetRatio = 2.0;
    s.steps = 12;
    s.skipAndFullOnly = true;
    s.window = 64;
    s.threads = 2;
    return s;
}

void TestStudioTraining::imitationTargetReachesThePolicy() {
    JobDefaults defaults;
    defaults.threads = 2;
    TrainingJobDialog dialog(defaults);
    auto* imitate = dialog.findChild<QComboBox*>(QStringLiteral("imitationTarget"));
    auto* imitationSteps = dialog.findChild<QSpinBox*>(QStringLiteral("imitationSteps"));
    QVERIFY(imitate && imitationSteps);
    QVERIFY(!imitate->isEnabled()); // no imitation steps by default

    TrainingJobSettings s = shortTraining(QStringLiteral("oracle.policy"));
    s.imitationSteps = 12;
    s.imitationTarget = ImitationTarget::Oracle;
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
    QCOMPARE(QString::fromStdString(training["trainer"].asString()), QStringLiteral("reinforce"));

    // Back to no imitation: the target cannot be chosen.
    imitationSteps->setValue(0);
    QVERIFY(!imitate->isEnabled());
}

void TestStudioTraining::relaxedTrainerReachesThePolicy() {
    JobDefaults defaults;
    defaults.threads = 2;
    TrainingJobDialog dialog(defaults);
    auto* trainer = dialog.findChild<QComboBox*>(QStringLiteral("trainer"));
    auto* learningRate = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("learningRate"));
    auto* checkpoint = dialog.findChild<QCheckBox*>(QStringLiteral("checkpoint"));
    QVERIFY(trainer && learningRate && checkpoint);
    // Its size hint is within the 1366 x 708 that tst_studio_ab allows a window on
    // a 1366 x 768 screen (the title bar not counted).
    const QSize size = dialog.sizeHint();
    qInfo("training dialog %d x %d", size.width(), size.height());
    QVERIFY(size.width() <= 1366 && size.height() <= 708);
    // The defaults are train-policy's: the paper's REINFORCE at its learning rate.
    QCOMPARE(dialog.settings().trainer, TrainerKind::Reinforce);
    QVERIFY(std::abs(learningRate->value() - TrainOptions{}.learningRate) < 1e-8);
    QVERIFY(checkpoint->isEnabled());

    TrainingJobSettings s = shortTraining(QStringLiteral("relaxed.policy"));
    s.imitationSteps = 4;
    s.trainer = TrainerKind::Relaxed;
    s.learningRate = 0.006;
    s.checkpointPath = s.outPath + QStringLiteral(".checkpoint");
    dialog.setSettings(s);
    QCOMPARE(trainer->currentData().toInt(), static_cast<int>(TrainerKind::Relaxed));
    // The relaxed trainer keeps no checkpoint: the box is off and asks for none.
    QVERIFY(!checkpoint->isEnabled());
    QVERIFY(dialog.settings().checkpointPath.isEmpty());
    QCOMPARE(dialog.settings().learningRate, 0.006);

    // The relaxed trainer does not imitate the similarity forecast: refused
    // before anything loads.
    TrainingJobSettings forecast = s;
    forecast.imitationTarget = ImitationTarget::Forecast;
    dialog.setSettings(forecast);
    QVERIFY(!dialog.startJob());
    QVERIFY2(dialog.logText().contains(
                 QStringLiteral("the relaxed trainer cannot imitate the similarity forecast")),
             qPrintable(dialog.logText()));
    dialog.setSettings(s);

    QSignalSpy finished(&dialog, &JobDialog::jobFinished);
    QVERIFY(dialog.startJob());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    const JobOutcome done = finished.takeFirst().first().value<JobOutcome>();
    QVERIFY2(done.ok, qPrintable(done.message + QStringLiteral("\n") + dialog.logText()));
    // The relaxed steps log the relaxation's temperature, λ and KL, not REINFORCE's reward.
    QVERIFY2(dialog.logText().contains(QStringLiteral("Gumbel τ")), qPrintable(dialog.logText()));

    auto file = readJsonFile(s.outPath.toStdString());
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
    const Json& training = (*file)["state"]["training"];
    QCOMPARE(QString::fromStdString(training["trainer"].asString()), QStringLiteral("relaxed"));
    QCOMPARE(training["learning_rate"].asNumber(), static_cast<double>(0.006f));
    QCOMPARE(training["imitation_steps"].asNumber(), 4.0);

    // Back to REINFORCE: a checkpoint can be kept again.
    trainer->setCurrentIndex(trainer->findData(static_cast<int>(TrainerKind::Reinforce)));
    QVERIFY(checkpoint->isEnabled());
}

QTEST_MAIN(TestStudioTraining)
#include "tst_studio_training.moc"
