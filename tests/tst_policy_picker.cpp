// SPDX-License-Identifier: MIT
// The policy picker and the policies it builds on the demo model: every entry
// yields a policy of its kind, a policy file made for another model is
// refused with a visible error, and a baseline tuned on a small held-out slice
// reaches its ratio (checked by running the tuned policy here).
#include "app/studio/inference_client.h"
#include "app/studio/policy_catalog.h"
#include "app/studio/policy_picker.h"
#include "app/studio/policy_runtime.h"
#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/policy_file.h"
#include "core/dash/scorer.h"
#include "core/model/model.h"
#include "test_support.h"

#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 120000;

// The policy kind each picker entry must produce.
const std::map<QString, PolicyKind> kExpectedKinds = {
    {QStringLiteral("full"), PolicyKind::Full},
    {QStringLiteral("file"), PolicyKind::Dash},
    {QStringLiteral("early-exit"), PolicyKind::EarlyExit},
    {QStringLiteral("skipdecode"), PolicyKind::SkipDecode},
    {QStringLiteral("adaskip"), PolicyKind::AdaSkip},
    {QStringLiteral("random"), PolicyKind::RandomSkip},
    {QStringLiteral("static"), PolicyKind::StaticSimilarity},
};

// The first `count` tokens of a text file, tokenised whole from a prefix far
// longer than they need (independent of readTextTokens' reading strategy).
std::vector<int32_t> leadingTokens(const std::string& path, const Model& model, size_t count) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray text = f.read(64 * 1024);
    std::vector<int32_t> ids = model.tokenizer().encode(
        std::string_view(text.constData(), static_cast<size_t>(text.size())));
    ids.resize(std::min(ids.size(), count));
    return ids;
}

} // namespace

class TestPolicyPicker : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyEntryBuildsItsKind();
    void pickerOffersEveryEntry();
    void policyFileForAnotherModelIsRefused();
    void tuningReachesRatio();
    void tuningShowsProgressInPicker();

private:
    QTemporaryDir m_dir;
    std::string m_modelPath;
    std::string m_textPath;
    std::shared_ptr<const Model> m_model;
    QString m_calibrationPath;
    QString m_dashPath;
};

void TestPolicyPicker::initTestCase() {
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_policy_picker"));
    m_modelPath = test::modelPath("dash-demo-16L.gguf");
    m_textPath = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(m_modelPath);
    DASH_REQUIRE_FILE(m_textPath);
    auto model = Model::load(m_modelPath);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message().c_str());
    m_model = std::move(model).value();

    // A calibration on two windows, and a DASH policy with an untrained
    // scorer: enough to load and run, which is all the picker needs.
    Engine engine(m_model, EngineOptions{2, 0});
    const std::vector<int32_t> ids = leadingTokens(m_textPath, *m_model, 256);
    QCOMPARE(ids.size(), size_t(256));
    CalibrationOptions co;
    co.sequences = 2;
    auto calibration = calibrate(engine, ids, co);
    QVERIFY2(calibration.ok(), calibration.ok() ? "" : calibration.error().message().c_str());
    calibration->modelSha256 = m_model->sha256();
    m_calibrationPath = m_dir.filePath(QStringLiteral("demo.calibration.json"));
    QVERIFY(saveJsonFile(m_calibrationPath.toStdString(), calibration->toJson()).ok());
    const ModelConfig& c = m_model->config();
    ScoringModel scorer(ScorerShape{c.dim, c.layers, 8, 16}, 0.05f);
    scorer.initialize(3);
    DashPolicy policy(std::make_shared<const ScoringModel>(scorer), *calibration, 32);
    m_dashPath = m_dir.filePath(QStringLiteral("demo.policy"));
    QVERIFY(savePolicyFile(m_dashPath.toStdString(), policy, *m_model).ok());
}

void TestPolicyPicker::everyEntryBuildsItsKind() {
    Engine engine(m_model, EngineOptions{2, 0});
    const QList<PolicyEntry> entries = policyEntries();
    QCOMPARE(entries.size(), int(kExpectedKinds.size()));
    for (const PolicyEntry& entry : entries) {
        const auto expected = kExpectedKinds.find(entry.kind);
        QVERIFY2(expected != kExpectedKinds.end(), qPrintable(entry.kind));
        PolicySpec spec;
        spec.kind = entry.kind;
        spec.targetRatio = entry.takesRatio ? 2.0 : 1.0;
        spec.tuneTextPath = QString::fromStdString(m_textPath);
        spec.tuneWindows = 2;
        if (entry.takesFile)
            spec.filePath = m_dashPath;
        if (entry.needsCalibration)
            spec.calibrationPath = m_calibrationPath;
        auto built = buildPolicy(spec, engine);
        QVERIFY2(built.ok(),
                 qPrintable(entry.kind + QStringLiteral(": ") +
                            QString::fromStdString(built.ok() ? "" : built.error().message())));
        QVERIFY(built->policy->kind() == expected->second);
        QVERIFY2(!built->note.isEmpty(), qPrintable(entry.kind));
        if (entry.takesRatio) {
            QVERIFY2(built->tuning.has_value(), qPrintable(entry.kind));
            QVERIFY2(
                std::abs(built->tuning->ratio - 2.0) <= 0.06,
                qPrintable(
                    QStringLiteral("%1 reached %2").arg(entry.kind).arg(built->tuning->ratio)));
        }
        if (entry.takesFile)
            QCOMPARE(built->fileSha256.size(), size_t(64));
        // The controller runs: a short prompt goes through with every cell set.
        engine.reset();
        QVERIFY(built->policy->prepare(engine).ok());
        const std::vector<int32_t> prompt = leadingTokens(m_textPath, *m_model, 12);
        QVERIFY(built->policy->probe(engine, prompt).ok());
        auto controller = built->policy->makeController();
        Trace trace;
        ForwardOptions fo;
        fo.trace = &trace;
        fo.controller = controller.get();
        QVERIFY(engine.forward(prompt, fo).ok());
        QCOMPARE(trace.tokenCount(), 12);
        for (uint8_t s : trace.states) {
            QVERIFY(isValidState(s));
            if (expected->second == PolicyKind::Full)
                QCOMPARE(int(s), 4);
        }
    }

    // Static similarity without a calibration asks for one.
    PolicySpec spec;
    spec.kind = QStringLiteral("static");
    spec.targetRatio = 2.0;
    auto missing = buildPolicy(spec, engine);
    QVERIFY(!missing.ok());
    QVERIFY(
        QString::fromStdString(missing.error().message()).contains(QStringLiteral("calibration")));
    // Early-Exit without held-out text says where to set it.
    spec.kind = QStringLiteral("early-exit");
    auto noText = buildPolicy(spec, engine);
    QVERIFY(!noText.ok());
    QVERIFY(
        QString::fromStdString(noText.error().message()).contains(QStringLiteral("Preferences")));
}

void TestPolicyPicker::pickerOffersEveryEntry() {
    PolicyPicker picker;
    picker.show();
    QSignalSpy changed(&picker, &PolicyPicker::policyChanged);
    auto* ratio = picker.findChild<QDoubleSpinBox*>(QStringLiteral("policyRatio"));
    QVERIFY(ratio);
    QCOMPARE(ratio->value(), 2.0); // the default target
    QCOMPARE(picker.policy().kind, QStringLiteral("full"));
    for (const PolicyEntry& entry : policyEntries()) {
        QVERIFY(picker.setPolicyKind(entry.kind));
        const PolicySpec spec = picker.policy();
        QCOMPARE(spec.kind, entry.kind);
        QCOMPARE(ratio->isVisible(), entry.takesRatio);
        QCOMPARE(spec.targetRatio, entry.takesRatio ? 2.0 : 1.0);
        // The held-out text defaults to the shared validation text.
        if (entry.takesRatio)
            QVERIFY(spec.tuneTextPath.endsWith(QStringLiteral("wikitext2_valid.txt")));
    }
    QVERIFY(changed.count() >= policyEntries().size() - 1);
    QVERIFY(!picker.setPolicyKind(QStringLiteral("no-such-policy")));

    // Options reach the spec; a policy file selects its entry and is remembered.
    picker.setKvMode(KvMode::Mask);
    QCOMPARE(picker.policy().kvMode, KvMode::Mask);
    picker.setPolicyFile(m_dashPath);
    QCOMPARE(picker.policy().kind, policyFileKind());
    QCOMPARE(picker.policy().filePath, m_dashPath);
    picker.setAsync(false);
    QVERIFY(!picker.policy().async);
    QCOMPARE(StudioSettings().recentPolicyFiles().value(0), m_dashPath);
    // A new picker starts from the remembered choices.
    PolicyPicker again;
    QVERIFY(again.setPolicyKind(policyFileKind()));
    QCOMPARE(again.policy().filePath, m_dashPath);
    QCOMPARE(again.policy().kvMode, KvMode::Mask);
    QVERIFY(!again.policy().async);
    picker.setKvMode(KvMode::Project);
    picker.setAsync(true);
}

void TestPolicyPicker::policyFileForAnotherModelIsRefused() {
    const std::string otherPath = test::modelPath("dash-tiny-qwen2.gguf");
    DASH_REQUIRE_FILE(otherPath);
    auto other = Model::load(otherPath);
    QVERIFY(other.ok());
    auto baseline = makeBaseline(PolicyKind::RandomSkip, **other, nullptr);
    QVERIFY(baseline.ok());
    const QString file = m_dir.filePath(QStringLiteral("qwen.policy"));
    QVERIFY(savePolicyFile(file.toStdString(), **baseline, **other).ok());

    // Directly: the message names both models.
    Engine engine(m_model, EngineOptions{2, 0});
    PolicySpec spec;
    spec.kind = policyFileKind();
    spec.filePath = file;
    auto refused = buildPolicy(spec, engine);
    QVERIFY(!refused.ok());
    const QString message = QString::fromStdString(refused.error().message());
    QVERIFY2(message.contains(QStringLiteral("dash-tiny-qwen2.gguf")) &&
                 message.contains(QStringLiteral("dash-demo-16L.gguf")),
             qPrintable(message));

    // In the app: the picker shows the worker's error where the policy is chosen.
    InferenceClient client;
    client.setThreads(2);
    client.setDebounceMs(0);
    QSignalSpy loaded(&client, &InferenceClient::modelLoaded);
    client.loadModel(QString::fromStdString(m_modelPath));
    QVERIFY(loaded.wait(kTimeoutMs));
    PolicyPicker picker;
    picker.attach(&client);
    connect(&picker, &PolicyPicker::policyChanged, &client, &InferenceClient::setPolicy);
    picker.show();
    client.setPrompt(QStringLiteral("The river"));
    picker.setPolicyFile(file);
    auto settledWith = [&](const PolicySpec& wanted) {
        return QTest::qWaitFor(
            [&] {
                const SnapshotPtr s = client.latestSnapshot();
                return s && s->policy == wanted && !client.busy();
            },
            kTimeoutMs);
    };
    QVERIFY(settledWith(picker.policy()));
    QVERIFY(picker.errorShown());
    QVERIFY2(picker.errorText().contains(QStringLiteral("dash-tiny-qwen2.gguf")),
             qPrintable(picker.errorText()));
    const SnapshotPtr failed = client.latestSnapshot();
    QVERIFY(!failed->ok());
    QCOMPARE(failed->policyError, picker.errorText());

    // A policy file for this model runs, and the error goes away.
    picker.setPolicyFile(m_dashPath);
    QVERIFY(settledWith(picker.policy()));
    QVERIFY2(!picker.errorShown(), qPrintable(picker.errorText()));
    const SnapshotPtr ran = client.latestSnapshot();
    QVERIFY2(ran->ok(), qPrintable(ran->error));
    QCOMPARE(ran->policyKind, QStringLiteral("dash"));
    QVERIFY(picker.statusText().contains(QStringLiteral("demo.policy")));
}

void TestPolicyPicker::tuningReachesRatio() {
    Engine engine(m_model, EngineOptions{2, 0});
    const int windows = 4;
    const int64_t context = std::min<int64_t>(kTuneWindowTokens, m_model->config().contextLength);
    for (const QString& kind : {QStringLiteral("early-exit"), QStringLiteral("skipdecode")}) {
        PolicySpec spec;
        spec.kind = kind;
        spec.targetRatio = 2.0;
        spec.tuneTextPath = QString::fromStdString(m_textPath);
        spec.tuneWindows = windows;
        auto built = buildPolicy(spec, engine);
        QVERIFY2(built.ok(), built.ok() ? "" : built.error().message().c_str());
        QVERIFY(built->tuning.has_value());

        // Run the tuned policy over the same held-out windows and count states.
        const std::vector<int32_t> heldOut =
            leadingTokens(m_textPath, *m_model, static_cast<size_t>(windows * context));
        QCOMPARE(heldOut.size(), static_cast<size_t>(windows * context));
        QVERIFY(built->policy->prepare(engine).ok());
        double cost = 0;
        double cells = 0;
        for (int w = 0; w < windows; ++w) {
            engine.reset();
            const std::span<const int32_t> window(heldOut.data() + w * context,
                                                  static_cast<size_t>(context));
            auto controller = built->policy->makeController();
            Trace trace;
            ForwardOptions fo;
            fo.trace = &trace;
            fo.controller = controller.get();
            QVERIFY(engine.forward(window, fo).ok());
            for (uint8_t s : trace.states)
                cost += s;
            cells += static_cast<double>(trace.states.size());
        }
        const double ratio = 4.0 * cells / cost;
        QVERIFY2(std::abs(ratio - 2.0) <= 0.03 * 2.0,
                 qPrintable(QStringLiteral("%1: %2 on the held-out windows").arg(kind).arg(ratio)));
        if (kind == QStringLiteral("early-exit"))
            QCOMPARE(built->heldOutTokens, windows * context);
    }
}

void TestPolicyPicker::tuningShowsProgressInPicker() {
    // Two held-out windows per tuning step keep the test quick.
    StudioSettings().setTuneWindows(2);
    InferenceClient client;
    client.setThreads(2);
    client.setDebounceMs(0);
    QSignalSpy loaded(&client, &InferenceClient::modelLoaded);
    client.loadModel(QString::fromStdString(m_modelPath));
    QVERIFY(loaded.wait(kTimeoutMs));
    QVERIFY(QTest::qWaitFor([&] { return !client.busy(); }, kTimeoutMs));
    PolicyPicker picker;
    QVERIFY(picker.setPolicyKind(QStringLiteral("random")));
    QCOMPARE(picker.policy().tuneWindows, 2);
    QVERIFY(picker.setPolicyKind(QStringLiteral("full")));
    picker.attach(&client);
    connect(&picker, &PolicyPicker::policyChanged, &client, &InferenceClient::setPolicy);
    client.setPrompt(QStringLiteral("In the beginning the weather was"));
    QSignalSpy preparing(&client, &InferenceClient::policyPreparing);
    bool sawProgress = false;
    connect(&client, &InferenceClient::policyPreparing, this,
            [&] { sawProgress = sawProgress || picker.progressShown(); });
    QVERIFY(picker.setPolicyKind(QStringLiteral("early-exit")));
    QVERIFY(QTest::qWaitFor(
        [&] {
            const SnapshotPtr s = client.latestSnapshot();
            return s && s->policy == picker.policy() && !client.busy();
        },
        kTimeoutMs));
    QVERIFY(preparing.count() >= 1);
    QVERIFY(preparing.first().at(0).toString().contains(QStringLiteral("Early-Exit")));
    QVERIFY(sawProgress);
    QVERIFY(!picker.progressShown());
    const SnapshotPtr snap = client.latestSnapshot();
    QVERIFY2(snap->ok(), qPrintable(snap->error));
    QCOMPARE(snap->policyKind, QStringLiteral("early-exit"));
    QVERIFY2(snap->policyNote.contains(QStringLiteral("tuned")), qPrintable(snap->policyNote));
    QVERIFY(snap->nominalRatio() > 1.0);
    QVERIFY(picker.statusText().contains(QStringLiteral("tuned")));
}

QTEST_MAIN(TestPolicyPicker)
#include "tst_policy_picker.moc"
