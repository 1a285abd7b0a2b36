// SPDX-License-Identifier: MIT
// `dash-cli sweep` and dash-studio's sweep job are two front ends of one
// sweep: with the same inputs they write the same rows (every field except
// the timing ones, which differ between any two runs), and the sweep dialog
// starts from the core sweep's defaults, which `dash-cli sweep --help` shows.
#include "sweep_fixture.h"
#include "test_support.h"

#include "app/studio/job_dialogs.h"
#include "app/studio/jobs.h"
#include "core/dash/sweep.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 600000;

Expected<Json> readJson(const QByteArray& bytes, const char* what) {
    auto json = Json::parse(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())));
    if (!json.ok())
        return json.error().withContext(what);
    if (!json->isArray())
        return invalidError(std::string(what) + ": not a JSON array");
    return json;
}

} // namespace

class TestSweepFrontends : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void dialogStartsFromTheCoreDefaults();
    void cliAndJobWriteTheSameRows();

private:
    QTemporaryDir m_dir;
    std::string m_modelPath;
    test::SweepFixture m_f;
};

void TestSweepFrontends::initTestCase() {
    m_modelPath = test::modelPath("dash-demo-16L.gguf");
    const std::string testPath = test::dataPath("wikitext2_test.txt");
    const std::string validPath = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(m_modelPath);
    DASH_REQUIRE_FILE(testPath);
    DASH_REQUIRE_FILE(validPath);
    QVERIFY(m_dir.isValid());
    auto f = test::makeSweepFixture(m_modelPath, testPath, validPath, m_dir.path().toStdString());
    QVERIFY2(f.ok(), f.ok() ? "" : f.error().message().c_str());
    m_f = std::move(f).value();
}

void TestSweepFrontends::dialogStartsFromTheCoreDefaults() {
    const SweepOptions core;
    SweepJobDialog dialog(JobDefaults{});
    auto s = dialog.settings();
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message().c_str());
    QCOMPARE(s->sweep.maxTokens, core.maxTokens);
    QCOMPARE(s->sweep.tuneWindows, core.tuneWindows);
    QCOMPARE(s->sweep.speedRounds, core.speedRounds);
    QCOMPARE(s->sweep.ratios, core.ratios);
    QVERIFY(s->sweep.methods == core.methods);
    QVERIFY(s->sweep.kvMode == core.kvMode);

    // The CLI's help shows the same numbers.
    QProcess cli;
    cli.start(QStringLiteral(DASH_CLI_BINARY), {QStringLiteral("sweep"), QStringLiteral("--help")});
    QVERIFY(cli.waitForFinished(30000));
    const QString help =
        QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
    for (const QString& shown : {QStringLiteral("--max-tokens %1").arg(core.maxTokens),
                                 QStringLiteral("--tune-windows %1").arg(core.tuneWindows),
                                 QStringLiteral("--speed-repeats %1").arg(core.speedRounds),
                                 QStringLiteral("--ratios 1.33,1.67,2]")})
        QVERIFY2(help.contains(shown), qPrintable(shown + QStringLiteral(" not in:\n") + help));
}

void TestSweepFrontends::cliAndJobWriteTheSameRows() {
    // Both DASH variants, a baseline tuned on the held-out text, a baseline
    // tuned on its predicted ratio and static skipping with its calibration.
    SweepJobSettings s;
    s.modelPath = QString::fromStdString(m_modelPath);
    s.sweep.testTextPath = m_f.testText;
    s.sweep.tuneTextPath = m_f.tuneText;
    s.sweep.calibrationPath = m_f.calibration;
    s.sweep.dashFiles = {m_f.dash20, m_f.skipA};
    s.sweep.methods = {PolicyKind::Dash, PolicyKind::EarlyExit, PolicyKind::RandomSkip,
                       PolicyKind::StaticSimilarity};
    s.sweep.ratios = {2.0};
    s.sweep.maxTokens = 256;
    s.sweep.tuneWindows = 2;
    s.sweep.speedRounds = 1;
    s.threads = 2;
    s.saveToStore = false;
    s.jsonPath = m_dir.filePath(QStringLiteral("gui-sweep.json"));

    QProcess cli;
    cli.start(QStringLiteral(DASH_CLI_BINARY), {QStringLiteral("sweep"),
                                                QStringLiteral("--model"),
                                                s.modelPath,
                                                QStringLiteral("--file"),
                                                QString::fromStdString(m_f.testText),
                                                QStringLiteral("--tune-file"),
                                                QString::fromStdString(m_f.tuneText),
                                                QStringLiteral("--calibration"),
                                                QString::fromStdString(m_f.calibration),
                                                QStringLiteral("--dash"),
                                                QString::fromStdString(m_f.dash20),
                                                QStringLiteral("--dash"),
                                                QString::fromStdString(m_f.skipA),
                                                QStringLiteral("--methods"),
                                                QStringLiteral("dash,early-exit,random,static"),
                                                QStringLiteral("--ratios"),
                                                QStringLiteral("2.0"),
                                                QStringLiteral("--max-tokens"),
                                                QStringLiteral("256"),
                                                QStringLiteral("--tune-windows"),
                                                QStringLiteral("2"),
                                                QStringLiteral("--speed-repeats"),
                                                QStringLiteral("1"),
                                                QStringLiteral("--threads"),
                                                QStringLiteral("2"),
                                                QStringLiteral("--quiet"),
                                                QStringLiteral("--json")});
    QVERIFY(cli.waitForFinished(kTimeoutMs));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    auto cliRows = readJson(cli.readAllStandardOutput(), "dash-cli sweep --json");
    QVERIFY2(cliRows.ok(), cliRows.ok() ? "" : cliRows.error().message().c_str());

    // The GUI's job, started from its dialog with the same settings.
    SweepJobDialog dialog(JobDefaults{});
    dialog.setSettings(s);
    QSignalSpy finished(&dialog, &JobDialog::jobFinished);
    QVERIFY(dialog.startJob());
    QVERIFY(finished.wait(kTimeoutMs));
    const auto outcome = finished.at(0).at(0).value<JobOutcome>();
    QVERIFY2(outcome.ok, qPrintable(outcome.message));
    QFile file(s.jsonPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    auto guiRows = readJson(file.readAll(), "the sweep job's JSON");
    QVERIFY2(guiRows.ok(), guiRows.ok() ? "" : guiRows.error().message().c_str());

    QCOMPARE(cliRows->size(), size_t(6)); // full, dash, dash-skip, early-exit, random, static
    QCOMPARE(guiRows->size(), cliRows->size());
    QCOMPARE(int(outcome.result.rows.size()), int(cliRows->size()));
    int compared = 0;
    for (size_t i = 0; i < cliRows->size(); ++i) {
        const Json& a = (*cliRows)[i];
        const Json& b = (*guiRows)[i];
        QCOMPARE(a.asObject().size(), b.asObject().size());
        for (const auto& [key, value] : a.asObject()) {
            const Json* other = b.find(key);
            QVERIFY2(
                other,
                qPrintable(
                    QStringLiteral("row %1 lacks %2").arg(i).arg(QString::fromStdString(key))));
            if (isTimingField(key))
                continue;
            QVERIFY2(value.dump() == other->dump(),
                     qPrintable(QStringLiteral("row %1 %2: %3 vs %4")
                                    .arg(i)
                                    .arg(QString::fromStdString(key),
                                         QString::fromStdString(value.dump()),
                                         QString::fromStdString(other->dump()))));
            ++compared;
        }
    }
    QVERIFY(compared >= 6 * 8);
    QCOMPARE((*cliRows)[1]["method"].asString(), std::string("dash"));
    QCOMPARE((*cliRows)[2]["method"].asString(), std::string("dash-skip"));
    // The job's table lists the DASH rows' input awareness and the perplexity
    // of their statically reassigned counts; the other rows leave them empty.
    QCOMPARE(outcome.result.columns.size(), 9);
    QCOMPARE(outcome.result.rows[1][7].toDouble(), (*cliRows)[1]["majority_deviation"].asNumber());
    QCOMPARE(outcome.result.rows[2][8].toDouble(), (*cliRows)[2]["reassigned_ppl_all"].asNumber());
    QVERIFY(!outcome.result.rows[0][7].isValid() && !outcome.result.rows[3][8].isValid());
}

QTEST_MAIN(TestSweepFrontends)
#include "tst_sweep_frontends.moc"
