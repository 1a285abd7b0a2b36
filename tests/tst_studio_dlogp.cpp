// SPDX-License-Identifier: MIT
// The live view's per-token Δ log p and KL rows against `dash-cli run
// --json`, offscreen on the demo model: one prompt, full precision on side A
// and random skipping at 1.6x on side B (its ratio needs no held-out text,
// its choices are fixed by position and layer), each row compared token by token
// with the CLI's delta_log_p and kl_from_full for the same policy (the
// layer states checked equal first, so both front ends ran the same
// computation). Both reach the numbers through core's compareNextTokens; the
// app keeps them as float, so they agree to float precision.
#include "app/studio/heatmap_model.h"
#include "app/studio/inference_client.h"
#include "app/studio/live_ab_window.h"
#include "app/studio/policy_picker.h"
#include "app/studio/studio_settings.h"
#include "app/studio/token_delta_strip.h"
#include "test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 120000;

// |app - cli| allowed: the app rounds each figure to float (relative 6e-8);
// anything beyond float precision means the two computed different things.
bool closeToFloat(double app, double cli) {
    return std::fabs(app - cli) <= 1e-6 + 1e-6 * std::fabs(cli);
}

} // namespace

class TestStudioDlogp : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rowsMatchCli();

private:
    // `dash-cli run --json` of the prompt under `policy`; an empty object
    // after a failed QVERIFY.
    QJsonObject runCli(const QString& prompt, const PolicySpec& policy);

    QTemporaryDir m_dir;
    QString m_model;
};

void TestStudioDlogp::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::isolateStudio(m_dir.path(), "tst_studio_dlogp");
    StudioSettings settings;
    settings.setDebounceMs(20);
    settings.setThreads(2);
    settings.setAutoSaveRuns(false);
    m_model = QString::fromStdString(test::modelPath("dash-demo-16L.gguf"));
}

QJsonObject TestStudioDlogp::runCli(const QString& prompt, const PolicySpec& policy) {
    QStringList args = {QStringLiteral("run"),
                        QStringLiteral("--model"),
                        m_model,
                        QStringLiteral("--prompt"),
                        prompt,
                        QStringLiteral("--n"),
                        QStringLiteral("0"),
                        QStringLiteral("--threads"),
                        QStringLiteral("2"),
                        QStringLiteral("--policy"),
                        policy.kind,
                        QStringLiteral("--quiet"),
                        QStringLiteral("--json")};
    if (policy.kind != QStringLiteral("full"))
        args << QStringLiteral("--ratio") << QString::number(policy.targetRatio, 'g', 17);
    QProcess cli;
    cli.start(QStringLiteral(DASH_CLI_BINARY), args);
    if (!cli.waitForFinished(kTimeoutMs)) {
        qWarning("dash-cli run did not finish");
        return {};
    }
    if (cli.exitCode() != 0) {
        qWarning("dash-cli run failed: %s", cli.readAllStandardError().constData());
        return {};
    }
    QJsonParseError error;
    const QJsonObject out = QJsonDocument::fromJson(cli.readAllStandardOutput(), &error).object();
    if (error.error != QJsonParseError::NoError)
        qWarning("dash-cli run printed no JSON: %s", qPrintable(error.errorString()));
    return out;
}

void TestStudioDlogp::rowsMatchCli() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    LiveAbWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.openModel(m_model, 2);
    QVERIFY(QTest::qWaitFor([&] { return w.client(0)->hasModel() && w.client(1)->hasModel(); },
                            kTimeoutMs));
    QVERIFY(w.picker(1)->setPolicyKind(QStringLiteral("random")));
    w.picker(1)->setRatio(1.6);
    QCOMPARE(w.picker(1)->policy().kind, QStringLiteral("random"));
    QCOMPARE(w.picker(1)->policy().targetRatio, 1.6);

    // One edit, so each side runs the whole prompt once (no KV cache reuse).
    const QString text =
        QStringLiteral("A quiet harbour town wakes before the fishing boats come back in");
    w.promptEditor()->setPlainText(text);
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int side : {0, 1}) {
                const SnapshotPtr s = w.heatmapModel(side)->snapshot();
                if (!s || s->prompt != text || s->policy != w.picker(side)->policy() ||
                    w.client(side)->busy())
                    return false;
            }
            return true;
        },
        kTimeoutMs));

    using Row = TokenDeltaStrip::Row;
    double largestDelta = 0;
    double largestGap = 0;
    for (int side : {0, 1}) {
        const SnapshotPtr snap = w.heatmapModel(side)->snapshot();
        QVERIFY2(snap->ok(), qPrintable(snap->error));
        const PolicySpec policy = w.picker(side)->policy();
        const QJsonObject cli = runCli(text, policy);
        QVERIFY(!cli.isEmpty());

        // The same tokens and the same layer states, else the rows below
        // compare different runs.
        const auto tokens = static_cast<int>(snap->promptIds.size());
        QCOMPARE(cli.value(QStringLiteral("prompt_tokens")).toInt(), tokens);
        const QJsonArray ids = cli.value(QStringLiteral("ids")).toArray();
        const QJsonArray states = cli.value(QStringLiteral("states")).toArray();
        QCOMPARE(ids.size(), tokens);
        for (int t = 0; t < tokens; ++t) {
            QCOMPARE(ids[t].toInt(), snap->promptIds[static_cast<size_t>(t)]);
            const QJsonArray row = states[t].toArray();
            QCOMPARE(row.size(), snap->trace.layers);
            for (int l = 0; l < snap->trace.layers; ++l)
                QCOMPARE(row[l].toInt(), static_cast<int>(snap->trace.state(t, l)));
        }

        const QJsonArray delta = cli.value(QStringLiteral("delta_log_p")).toArray();
        const QJsonArray kl = cli.value(QStringLiteral("kl_from_full")).toArray();
        const QJsonArray logP = cli.value(QStringLiteral("log_p")).toArray();
        const QJsonArray logPFull = cli.value(QStringLiteral("log_p_full")).toArray();
        QCOMPARE(delta.size(), tokens);
        QCOMPARE(kl.size(), tokens);
        QCOMPARE(cli.value(QStringLiteral("scored_tokens")).toInt(), tokens - 1);
        // Token 0 has no prediction: a gap in the app, null in the CLI.
        const TokenDeltaStrip* strip = w.deltaStrip(side);
        QVERIFY(std::isnan(strip->value(Row::DeltaLogProb, 0)));
        QVERIFY(delta[0].isNull());
        QVERIFY(kl[0].isNull());
        QVERIFY(logP[0].isNull());
        double sumDelta = 0;
        double sumKl = 0;
        for (int t = 1; t < tokens; ++t) {
            QVERIFY(delta[t].isDouble() && kl[t].isDouble());
            const double cliDelta = delta[t].toDouble();
            const double cliKl = kl[t].toDouble();
            const double appDelta = strip->value(Row::DeltaLogProb, t);
            const double appKl = strip->value(Row::Kl, t);
            QVERIFY2(closeToFloat(appDelta, cliDelta),
                     qPrintable(QStringLiteral("side %1 token %2: app Δ log p %3, dash-cli %4")
                                    .arg(side)
                                    .arg(t)
                                    .arg(appDelta, 0, 'g', 10)
                                    .arg(cliDelta, 0, 'g', 10)));
            QVERIFY2(closeToFloat(appKl, cliKl),
                     qPrintable(QStringLiteral("side %1 token %2: app KL %3, dash-cli %4")
                                    .arg(side)
                                    .arg(t)
                                    .arg(appKl, 0, 'g', 10)
                                    .arg(cliKl, 0, 'g', 10)));
            largestGap =
                std::max({largestGap, std::fabs(appDelta - cliDelta), std::fabs(appKl - cliKl)});
            // The CLI's own figures hang together: delta = log p - log p full,
            // and the policy's log p is the app's per-token log-likelihood
            // (computed there by generate.h's logProbability, another
            // summation order: 1e-5).
            QVERIFY(std::fabs(cliDelta - (logP[t].toDouble() - logPFull[t].toDouble())) < 1e-9);
            QVERIFY(std::fabs(logP[t].toDouble() - snap->promptLogProbs[static_cast<size_t>(t)]) <
                    1e-5);
            QVERIFY(cliKl >= 0);
            sumDelta += cliDelta;
            sumKl += cliKl;
            if (side == 0) {
                // Full precision is its own reference.
                QCOMPARE(cliDelta, 0.0);
                QCOMPARE(cliKl, 0.0);
            }
            largestDelta = std::max(largestDelta, std::fabs(cliDelta));
        }
        QVERIFY(std::fabs(cli.value(QStringLiteral("mean_delta_log_p")).toDouble() -
                          sumDelta / (tokens - 1)) < 1e-9);
        QVERIFY(std::fabs(cli.value(QStringLiteral("mean_kl_from_full")).toDouble() -
                          sumKl / (tokens - 1)) < 1e-9);
    }
    // The baseline must change something, or the comparison proves little.
    QVERIFY(largestDelta > 1e-4);
    qInfo("largest |app - dash-cli| over both rows: %.3g (largest |delta log p| %.3g)", largestGap,
          largestDelta);
}

QTEST_MAIN(TestStudioDlogp)
#include "tst_studio_dlogp.moc"
