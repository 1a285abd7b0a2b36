// SPDX-License-Identifier: MIT
// Live A/B, offscreen: typing a prompt runs both policies; each heatmap holds
// the cells of its policy (full precision against a fresh core Engine, the
// baseline by replaying its states on a fresh Engine), the Δ log p and KL
// rows match a float64 recomputation from two fresh engines' logits, the
// views scroll, zoom and select together, the strip's cells sit under the
// heatmap's columns, and the window fits a 1366 x 768 screen. Measuring
// runs both sides in the alternating schedule, without the KV cache, and
// shows the median of the runs it made. With the default (automatic)
// debounce both sides wait as long as their recent runs took, not a fixed
// 150 ms, and a fixed wait set in Preferences reaches both sides.
#include "app/studio/diff_heatmap_model.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "app/studio/live_ab_window.h"
#include "app/studio/main_window.h"
#include "app/studio/policy_picker.h"
#include "app/studio/settings_dialog.h"
#include "app/studio/studio_settings.h"
#include "app/studio/token_delta_strip.h"
#include "core/engine/layer_controller.h"
#include "studio_reference.h"
#include "test_support.h"

#include <QAction>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 120000;

// Sets every layer of every token to the state a recorded trace holds, so that
// a fresh engine recomputes exactly the run the app showed.
class ReplayController : public LayerController {
public:
    explicit ReplayController(const Trace& trace) : m_trace(trace) {}
    void beginPass(const PassInfo& pass) override { m_first = pass.firstPosition; }
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        for (int64_t t = 0; t < count; ++t)
            states[t] = m_trace.state(static_cast<int32_t>(m_first + t), layer);
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    const Trace& m_trace;
    int64_t m_first = 0;
};

// [position][vocab] log-softmax in float64 of every prompt position's logits.
std::vector<std::vector<double>> logSoftmaxRows(Engine& engine, const std::vector<int32_t>& ids,
                                                LayerController* controller, Trace* trace) {
    ForwardOptions options;
    options.allLogits = true;
    options.controller = controller;
    options.trace = trace;
    auto logits = engine.forward(ids, options);
    if (!logits.ok())
        qFatal("forward failed: %s", logits.error().message().c_str());
    const auto vocab = static_cast<size_t>(engine.model().config().vocabSize);
    std::vector<std::vector<double>> rows(ids.size(), std::vector<double>(vocab));
    for (size_t p = 0; p < ids.size(); ++p) {
        const float* row = logits->data() + p * vocab;
        double peak = -INFINITY;
        for (size_t v = 0; v < vocab; ++v)
            peak = std::max(peak, static_cast<double>(row[v]));
        double sum = 0;
        for (size_t v = 0; v < vocab; ++v)
            sum += std::exp(row[v] - peak);
        for (size_t v = 0; v < vocab; ++v)
            rows[p][v] = row[v] - peak - std::log(sum);
    }
    return rows;
}

} // namespace

class TestStudioAb : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void typingRunsBothPolicies();
    void measureAlternatesAndSummarises();
    void mainWindowOpensIt();
    void defaultDebounceFollowsRunTime();
    void olderDebounceSettingsMigrate();

private:
    QTemporaryDir m_dir;
    QString m_model;
};

void TestStudioAb::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::isolateStudio(m_dir.path(), "tst_studio_ab");
    StudioSettings settings;
    settings.setDebounceMs(20);
    settings.setThreads(2);
    settings.setAutoSaveRuns(false);
    m_model = QString::fromStdString(test::modelPath("dash-demo-16L.gguf"));
}

void TestStudioAb::typingRunsBothPolicies() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    LiveAbWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.openModel(m_model, 2);
    QVERIFY(QTest::qWaitFor([&] { return w.client(0)->hasModel() && w.client(1)->hasModel(); },
                            kTimeoutMs));
    QCOMPARE(w.picker(0)->policy().kind, QStringLiteral("full"));
    QCOMPARE(w.picker(1)->policy().kind, QStringLiteral("early-exit"));

    // Typed key by key: every edit re-runs both sides, from their KV caches.
    const QString text = QStringLiteral("The lighthouse keeper climbed the stairs at dusk");
    w.promptEditor()->setFocus();
    QTest::keyClicks(w.promptEditor(), text);
    QCOMPARE(w.prompt(), text);
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int side : {0, 1}) {
                const SnapshotPtr s = w.heatmapModel(side)->snapshot();
                if (!s || s->prompt != text || w.client(side)->busy())
                    return false;
            }
            return w.diffModel()->comparison() != nullptr;
        },
        kTimeoutMs));
    const SnapshotPtr a = w.heatmapModel(0)->snapshot();
    const SnapshotPtr b = w.heatmapModel(1)->snapshot();
    QVERIFY2(a->ok(), qPrintable(a->error));
    QVERIFY2(b->ok(), qPrintable(b->error));

    auto model = test::loadModelOrFail(m_model.toStdString());
    const int layers = model->config().layers;

    // A, full precision: cell by cell as a fresh engine computes it.
    const test::ReferenceRun ref = test::referenceRun(model, text, 0);
    QCOMPARE(a->promptIds, ref.promptIds);
    const int tokens = static_cast<int>(ref.promptIds.size());
    QCOMPARE(w.heatmapModel(0)->columnCount(), tokens);
    QCOMPARE(w.heatmapModel(0)->rowCount(), layers);
    for (int t = 0; t < tokens; ++t)
        for (int l = 0; l < layers; ++l) {
            const QModelIndex i = w.heatmapModel(0)->index(l, t);
            QCOMPARE(i.data(HeatmapModel::StateRole).toInt(),
                     static_cast<int>(ref.trace.state(t, l)));
            QVERIFY(std::fabs(i.data(HeatmapModel::CosInOutRole).toDouble() -
                              ref.trace.cosInOut[ref.trace.cell(t, l)]) < 1e-4);
        }

    // B, the baseline: its states replayed on a fresh engine give the same
    // cells; it must skip something, or the Δ row below proves nothing.
    QCOMPARE(b->promptIds, ref.promptIds);
    int skipped = 0;
    for (int t = 0; t < tokens; ++t)
        for (int l = 0; l < layers; ++l) {
            const LayerState s = b->trace.state(t, l);
            QVERIFY(s == LayerState::Skip || s == LayerState::Full);
            skipped += s == LayerState::Skip;
            QCOMPARE(w.heatmapModel(1)->index(l, t).data(HeatmapModel::StateRole).toInt(),
                     static_cast<int>(s));
        }
    QVERIFY(skipped > 0);
    QCOMPARE(w.diffModel()->comparison()->differingStates, static_cast<int64_t>(skipped));

    Engine fullEngine(model, EngineOptions{2, 0});
    const auto full = logSoftmaxRows(fullEngine, ref.promptIds, nullptr, nullptr);
    Engine replayEngine(model, EngineOptions{2, 0});
    ReplayController replay(b->trace);
    Trace replayTrace;
    const auto policy = logSoftmaxRows(replayEngine, ref.promptIds, &replay, &replayTrace);
    for (int t = 0; t < tokens; ++t)
        for (int l = 0; l < layers; ++l) {
            const size_t c = replayTrace.cell(t, l);
            const double shown =
                w.heatmapModel(1)->index(l, t).data(HeatmapModel::CosInOutRole).toDouble();
            if (std::isfinite(replayTrace.cosInOut[c]))
                QVERIFY2(std::fabs(shown - replayTrace.cosInOut[c]) < 1e-4,
                         qPrintable(QStringLiteral("token %1 layer %2").arg(t).arg(l)));
        }

    // Δ log p and KL of every prompt token, against float64 from the logits.
    TokenDeltaStrip* stripA = w.deltaStrip(0);
    TokenDeltaStrip* stripB = w.deltaStrip(1);
    using Row = TokenDeltaStrip::Row;
    QVERIFY(std::isnan(stripB->value(Row::DeltaLogProb, 0)));
    QVERIFY(!stripB->cellColor(Row::DeltaLogProb, 0).isValid()); // a gap, not a zero
    double largest = 0;
    for (int t = 1; t < tokens; ++t) {
        const size_t target = static_cast<size_t>(ref.promptIds[static_cast<size_t>(t)]);
        const auto& p = policy[static_cast<size_t>(t - 1)];
        const auto& f = full[static_cast<size_t>(t - 1)];
        const double delta = p[target] - f[target];
        double kl = 0;
        for (size_t v = 0; v < f.size(); ++v)
            kl += std::exp(f[v]) * (f[v] - p[v]);
        const double shownDelta = stripB->value(Row::DeltaLogProb, t);
        const double shownKl = stripB->value(Row::Kl, t);
        QVERIFY2(
            std::fabs(shownDelta - delta) < 2e-3,
            qPrintable(
                QStringLiteral("token %1: Δ %2, expected %3").arg(t).arg(shownDelta).arg(delta)));
        QVERIFY2(
            std::fabs(shownKl - kl) < 2e-3 + 1e-2 * kl,
            qPrintable(QStringLiteral("token %1: KL %2, expected %3").arg(t).arg(shownKl).arg(kl)));
        largest = std::max(largest, std::fabs(delta));
        // Full precision against itself: nothing changes.
        QCOMPARE(stripA->value(Row::DeltaLogProb, t), 0.0);
        QCOMPARE(stripA->value(Row::Kl, t), 0.0);
    }
    QVERIFY(largest > 1e-4);

    // One zoom, one scroll position and one selected token for both sides.
    HeatmapView* viewA = w.heatmapPanel(0)->view();
    HeatmapView* viewB = w.heatmapPanel(1)->view();
    viewA->zoomIn();
    QCOMPARE(viewB->zoom(), viewA->zoom());
    viewA->selectToken(5);
    QCOMPARE(viewB->selectedToken(), 5);
    viewB->horizontalScrollBar()->setValue(viewB->horizontalScrollBar()->maximum());
    QCOMPARE(viewA->horizontalScrollBar()->value(), viewB->horizontalScrollBar()->value());

    // The strip's cell of a visible token sits under the heatmap's column.
    QCoreApplication::processEvents();
    const int visible = viewB->columnAt(viewB->viewport()->width() / 2);
    QVERIFY(visible >= 0);
    const QRect column = viewB->visualRect(w.heatmapModel(1)->index(0, visible));
    const QRect cell = stripB->cellRect(Row::DeltaLogProb, visible);
    QVERIFY(!cell.isEmpty());
    QCOMPARE(stripB->mapToGlobal(cell.topLeft()).x(),
             viewB->viewport()->mapToGlobal(column.topLeft()).x());
    QVERIFY(stripB->toolTipAt(cell.center().x()).contains(QStringLiteral("Δ log p")));

    // It fits a 1366 x 768 screen, or 1920 x 1080 at 200 % (QT_SCALE_FACTOR=2),
    // less 60 physical pixels of title and task bar.
    const bool scaled = qEnvironmentVariableIntValue("QT_SCALE_FACTOR") == 2;
    const QSize budget = scaled ? QSize(960, 510) : QSize(1366, 708);
    const QSize least = w.minimumSizeHint();
    QVERIFY2(least.width() <= budget.width() && least.height() <= budget.height(),
             qPrintable(QStringLiteral("%1x%2").arg(least.width()).arg(least.height())));
}

void TestStudioAb::measureAlternatesAndSummarises() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    LiveAbWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.openModel(m_model, 2);
    QVERIFY(QTest::qWaitFor([&] { return w.client(0)->hasModel() && w.client(1)->hasModel(); },
                            kTimeoutMs));
    const QString text = QStringLiteral("Once upon a time");
    w.setPrompt(text);
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int side : {0, 1}) {
                const SnapshotPtr s = w.heatmapModel(side)->snapshot();
                if (!s || s->prompt != text || w.client(side)->busy())
                    return false;
            }
            return true;
        },
        kTimeoutMs));

    // Every snapshot either side delivers from here on, in order.
    std::vector<std::pair<int, SnapshotPtr>> runs;
    for (int side : {0, 1})
        connect(w.client(side), &InferenceClient::snapshotReady, this,
                [&runs, side](const SnapshotPtr& s) { runs.emplace_back(side, s); });
    QSignalSpy finished(&w, &LiveAbWindow::measureFinished);
    const int rounds = 2;
    QVERIFY(w.measure(rounds));
    QVERIFY(!w.measure(rounds)); // one at a time
    QVERIFY(finished.wait(kTimeoutMs));

    std::vector<int> schedule;
    for (int round = 0; round <= rounds; ++round)
        for (int side : alternationOrder(2, round))
            schedule.push_back(side);
    QCOMPARE(runs.size(), schedule.size());
    std::vector<double> seconds[2];
    for (size_t i = 0; i < runs.size(); ++i) {
        QCOMPARE(runs[i].first, schedule[i]);
        QCOMPARE(runs[i].second->reusedTokens, 0); // a full prefill each time
        QCOMPARE(runs[i].second->prompt, text);
        if (i >= 4) // the warm-up round is not counted
            seconds[runs[i].first].push_back(static_cast<double>(runs[i].second->prefillNs) / 1e9);
    }
    QCOMPARE(w.measuredOrder(), schedule);
    for (int side : {0, 1}) {
        QCOMPARE(w.measuredSeconds(side), seconds[side]);
        QCOMPARE(seconds[side].size(), static_cast<size_t>(2 * rounds));
    }
    // The medians shown are those of these runs, per prompt token.
    const double tokens = static_cast<double>(runs.back().second->promptIds.size());
    const QString shown = w.measureText();
    for (int side : {0, 1}) {
        std::vector<double> ms;
        for (double s : seconds[side])
            ms.push_back(s * 1e3 / tokens);
        std::sort(ms.begin(), ms.end());
        const double med = (ms[1] + ms[2]) / 2; // four runs
        QVERIFY2(shown.contains(QString::number(med, 'f', 3)), qPrintable(shown));
    }
    QVERIFY(shown.contains(QStringLiteral("–"))); // the spread, never a bare ratio
    QCOMPARE(w.findChild<QLabel*>(QStringLiteral("abMeasure"))->text(), shown);
    // Live runs reuse the KV cache again afterwards.
    runs.clear();
    w.promptEditor()->moveCursor(QTextCursor::End);
    QTest::keyClicks(w.promptEditor(), QStringLiteral(" x"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return !runs.empty() && runs.back().second->prompt == w.prompt() &&
                   runs.back().second->reusedTokens > 0;
        },
        kTimeoutMs));
}

// Ctrl+Shift+B opens the A/B window on the main window's model and prompt,
// and the prompt typed in the main window goes on to run there.
void TestStudioAb::mainWindowOpensIt() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.openModel(m_model);
    QVERIFY(QTest::qWaitFor([&] { return w.inference()->hasModel() && !w.inference()->busy(); },
                            kTimeoutMs));
    w.promptEditor()->setFocus();
    QTest::keyClicks(w.promptEditor(), QStringLiteral("Rain fell"));
    QVERIFY(!w.liveAbWindow());
    QTest::keyClick(w.promptEditor(), Qt::Key_B, Qt::ControlModifier | Qt::ShiftModifier);
    LiveAbWindow* ab = w.liveAbWindow();
    QVERIFY(ab);
    QVERIFY(ab->isVisible());
    QCOMPARE(ab->prompt(), QStringLiteral("Rain fell"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return ab->client(0)->modelInfo().path == w.inference()->modelInfo().path &&
                   ab->client(1)->hasModel();
        },
        kTimeoutMs));
    QTest::keyClicks(w.promptEditor(), QStringLiteral(" softly"));
    QCOMPARE(ab->prompt(), QStringLiteral("Rain fell softly"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int side : {0, 1}) {
                const SnapshotPtr s = ab->heatmapModel(side)->snapshot();
                if (!s || s->prompt != QStringLiteral("Rain fell softly"))
                    return false;
            }
            return true;
        },
        kTimeoutMs));
}

void TestStudioAb::olderDebounceSettingsMigrate() {
    const QString current = QStringLiteral("inference/debounce");
    const QString old = QStringLiteral("inference/debounceMs");
    QSettings().remove(current);
    // Earlier versions saved their fixed default, 150 ms, with every accepted
    // Preferences dialog: that is not a choice and gets the automatic wait.
    QSettings().setValue(old, 150);
    QCOMPARE(StudioSettings().debounceMs(), InferenceClient::kAutoDebounce);
    // Any other old value was chosen and stays.
    QSettings().setValue(old, 40);
    QCOMPARE(StudioSettings().debounceMs(), 40);
    QSettings().setValue(old, 0);
    QCOMPARE(StudioSettings().debounceMs(), 0);
    // Saving writes the new key and drops the old one, so a later fixed
    // 150 ms is kept as chosen.
    StudioSettings().setDebounceMs(150);
    QVERIFY(!QSettings().contains(old));
    QCOMPARE(StudioSettings().debounceMs(), 150);
    StudioSettings().setDebounceMs(InferenceClient::kAutoDebounce);
    QCOMPARE(StudioSettings().debounceMs(), InferenceClient::kAutoDebounce);
    QSettings().remove(current);
}

void TestStudioAb::defaultDebounceFollowsRunTime() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    // The user never chose a debounce: the default applies.
    QSettings().remove(QStringLiteral("inference/debounce"));
    QSettings().remove(QStringLiteral("inference/debounceMs"));
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.openModel(m_model);
    QVERIFY(QTest::qWaitFor([&] { return w.inference()->hasModel(); }, kTimeoutMs));
    w.showLiveAb();
    LiveAbWindow* ab = w.liveAbWindow();
    QVERIFY(ab);
    QVERIFY(QTest::qWaitFor([&] { return ab->client(0)->hasModel() && ab->client(1)->hasModel(); },
                            kTimeoutMs));
    InferenceClient* clients[] = {ab->client(0), ab->client(1)};
    for (InferenceClient* c : clients)
        QCOMPARE(c->debounceMs(), InferenceClient::kAutoDebounce);

    // Every finished run's worker time, per side, as the snapshots report it,
    // from a model load on (a load starts the history afresh).
    std::vector<int64_t> wallNs[2];
    for (int side : {0, 1}) {
        connect(clients[side], &InferenceClient::snapshotReady, this,
                [&wallNs, side](const SnapshotPtr& s) {
                    if (s->ok())
                        wallNs[side].push_back(s->wallNs);
                });
        connect(clients[side], &InferenceClient::modelLoaded, this,
                [&wallNs, side] { wallNs[side].clear(); });
    }
    ab->openModel(m_model, 2);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return clients[0]->hasModel() && clients[1]->hasModel() && !clients[0]->busy() &&
                   !clients[1]->busy();
        },
        kTimeoutMs));
    // When each side's worker started its newest run, on the test's clock.
    QElapsedTimer clock;
    clock.start();
    std::atomic<qint64> startedMs[2] = {-1, -1};
    for (int side : {0, 1})
        clients[side]->worker()->setRunStartHook(
            [&clock, &startedMs, side](const RunRequest&) { startedMs[side] = clock.elapsed(); });
    auto idleOn = [&](const QString& text) {
        return QTest::qWaitFor(
            [&] {
                for (int side : {0, 1}) {
                    const SnapshotPtr s = ab->heatmapModel(side)->snapshot();
                    if (!s || s->prompt != text || clients[side]->busy())
                        return false;
                }
                return true;
            },
            kTimeoutMs);
    };

    ab->promptEditor()->setFocus();
    ab->promptEditor()->moveCursor(QTextCursor::End);
    qint64 shortestWaitMs[2] = {INT64_MAX, INT64_MAX};
    for (const char key : QByteArrayLiteral("Tide turns")) {
        QTest::keyClick(ab->promptEditor(), key);
        const qint64 typedMs = clock.elapsed();
        int expectedWait[2];
        for (int side : {0, 1}) {
            // Until a run finished the wait is the bound; then the lower median
            // of the last five runs' worker times, rounded up to whole ms.
            std::vector<int64_t> last = wallNs[side];
            if (last.size() > 5)
                last.erase(last.begin(), last.end() - 5);
            std::sort(last.begin(), last.end());
            expectedWait[side] = last.empty()
                                     ? InferenceClient::kAutoDebounceMaxMs
                                     : static_cast<int>(std::min<int64_t>(
                                           (last[(last.size() - 1) / 2] + 999'999) / 1'000'000,
                                           InferenceClient::kAutoDebounceMaxMs));
            QCOMPARE(clients[side]->effectiveDebounceMs(), expectedWait[side]);
        }
        QVERIFY(idleOn(ab->prompt()));
        for (int side : {0, 1}) {
            const qint64 waited = startedMs[side] - typedMs;
            // A timer may fire a little early (Qt's coarse timers: 5 %), and
            // the clock was read after the key.
            QVERIFY2(waited >= expectedWait[side] * 9 / 10 - 2,
                     qPrintable(QStringLiteral("side %1 started after %2 ms, wait %3 ms")
                                    .arg(side)
                                    .arg(waited)
                                    .arg(expectedWait[side])));
            shortestWaitMs[side] = std::min(shortestWaitMs[side], waited);
        }
    }
    for (int side : {0, 1}) {
        QVERIFY(wallNs[side].size() >= 5);
        // The demo model's runs take a few ms, so the automatic wait is far
        // below the bound, and at least one key started its run well before it.
        QVERIFY2(clients[side]->effectiveDebounceMs() < InferenceClient::kAutoDebounceMaxMs / 2,
                 qPrintable(QString::number(clients[side]->effectiveDebounceMs())));
        QVERIFY2(shortestWaitMs[side] < InferenceClient::kAutoDebounceMaxMs,
                 qPrintable(QString::number(shortestWaitMs[side])));
    }
    for (InferenceClient* c : clients)
        c->worker()->setRunStartHook({});

    // A fixed wait chosen in Preferences reaches both sides and is kept.
    QAction* prefs = nullptr;
    for (QAction* a : w.findChildren<QAction*>())
        if (a->text() == MainWindow::tr("&Preferences…"))
            prefs = a;
    QVERIFY(prefs);
    prefs->trigger();
    auto* dialog = w.findChild<SettingsDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->debounceMs(), InferenceClient::kAutoDebounce);
    dialog->setDebounceMs(40);
    dialog->accept();
    for (InferenceClient* c : clients) {
        QCOMPARE(c->debounceMs(), 40);
        QCOMPARE(c->effectiveDebounceMs(), 40);
    }
    QCOMPARE(StudioSettings().debounceMs(), 40);
    StudioSettings().setDebounceMs(20);
}

QTEST_MAIN(TestStudioAb)
#include "tst_studio_ab.moc"
