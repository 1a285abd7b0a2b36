// SPDX-License-Identifier: MIT
// The counterfactual and logit lens panel, offscreen, on the demo model: the
// lens of the selected token and a counterfactual chosen from the heatmap's
// context menu by keyboard arrive from the worker while the event loop runs,
// and their numbers equal a recomputation on a fresh core Engine that replays
// the run's recorded states (float64 log softmax here); Clear forgets it;
// the next edit still reuses the run's KV cache.
#include "app/studio/cell_probe_panel.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/studio_settings.h"
#include "app/studio/token_text.h"
#include "core/dash/state_table.h"
#include "studio_reference.h"
#include "test_support.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QVBoxLayout>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kTimeoutMs = 120000;

std::vector<double> logSoftmax(const float* row, size_t vocab) {
    double peak = -INFINITY;
    for (size_t v = 0; v < vocab; ++v)
        peak = std::max(peak, static_cast<double>(row[v]));
    double sum = 0;
    for (size_t v = 0; v < vocab; ++v)
        sum += std::exp(static_cast<double>(row[v]) - peak);
    std::vector<double> out(vocab);
    for (size_t v = 0; v < vocab; ++v)
        out[v] = static_cast<double>(row[v]) - peak - std::log(sum);
    return out;
}

StateTable tableOf(const Trace& trace) {
    StateTable table(trace.tokenCount(), trace.layers);
    for (size_t i = 0; i < table.cells.size(); ++i)
        table.cells[i] = static_cast<LayerState>(trace.states[i]);
    return table;
}

// All logits [tokens][vocab] of one pass over `ids` replaying `table`.
std::vector<float> replayLogits(Engine& engine, const std::vector<int32_t>& ids,
                                const StateTable& table) {
    StateTableController controller(table, 0);
    ForwardOptions options;
    options.allLogits = true;
    options.controller = &controller;
    engine.reset();
    auto logits = engine.forward(ids, options);
    if (!logits.ok())
        qFatal("replay failed: %s", logits.error().message().c_str());
    return {logits->begin(), logits->end()};
}

} // namespace

class TestStudioProbe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void lensAndCounterfactual();

private:
    QTemporaryDir m_dir;
    QString m_model;
};

void TestStudioProbe::initTestCase() {
    QVERIFY(m_dir.isValid());
    test::isolateStudio(m_dir.path(), "tst_studio_probe");
    m_model = QString::fromStdString(test::modelPath("dash-demo-16L.gguf"));
}

void TestStudioProbe::lensAndCounterfactual() {
    DASH_REQUIRE_FILE(m_model.toStdString());
    InferenceClient client;
    client.setDebounceMs(0);
    client.setThreads(2);
    PolicySpec policy;
    policy.kind = QStringLiteral("random");
    policy.targetRatio = 1.6;
    client.setPolicy(policy);
    HeatmapModel heatmapModel;
    QWidget window;
    auto* view = new HeatmapView(&window);
    view->setHeatmapModel(&heatmapModel);
    auto* panel = new CellProbePanel(view, &client, &window);
    auto* layout = new QVBoxLayout(&window);
    layout->addWidget(view);
    layout->addWidget(panel);
    window.resize(1000, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    connect(&client, &InferenceClient::snapshotReady, &heatmapModel, &HeatmapModel::setSnapshot);
    QSignalSpy shown(panel, &CellProbePanel::probeShown);

    client.loadModel(m_model);
    QVERIFY(QTest::qWaitFor([&] { return client.hasModel(); }, kTimeoutMs));
    const QString prompt = QStringLiteral("The keeper climbed the stairs of the lighthouse");
    client.setPrompt(prompt);
    client.runNow();
    QVERIFY(QTest::qWaitFor(
        [&] { return heatmapModel.snapshot() && heatmapModel.snapshot()->prompt == prompt; },
        kTimeoutMs));
    const SnapshotPtr snap = heatmapModel.snapshot();
    QVERIFY2(snap->ok(), qPrintable(snap->error));
    const int tokens = snap->tokenCount();
    const int layers = snap->trace.layers;
    QVERIFY(tokens >= 6);
    const StateTable table = tableOf(snap->trace);
    QVERIFY2(table.nominalRatio() > 1.2, "the policy skips nothing: the test would show nothing");

    auto model = test::loadModelOrFail(m_model.toStdString());
    Engine engine(model, EngineOptions{2, 0});
    const auto vocab = static_cast<size_t>(model->config().vocabSize);
    const std::vector<int32_t> ids = snap->trace.tokens;
    const std::vector<float> before = replayLogits(engine, ids, table);

    // The lens of the selected token (the last, after a run).
    QVERIFY(QTest::qWaitFor([&] { return panel->lens() != nullptr; }, kTimeoutMs));
    const int selected = view->selectedToken();
    QCOMPARE(static_cast<int>(panel->lens()->lens.token), selected);
    QCOMPARE(panel->lensTable()->rowCount(), layers);
    const auto& last = panel->lens()->lens.layers.back();
    const float* row = before.data() + static_cast<size_t>(selected) * vocab;
    const auto top1 = static_cast<int32_t>(std::max_element(row, row + vocab) - row);
    QCOMPARE(last.front().id, top1);
    const auto ref = logSoftmax(row, vocab);
    QVERIFY(std::fabs(last.front().probability - std::exp(ref[static_cast<size_t>(top1)])) < 1e-4);
    QVERIFY(panel->lensTable()
                ->item(layers - 1, 0)
                ->text()
                .startsWith(tokenLabel(panel->lens()->lensTexts.back().front())));

    // A cell whose prediction reaches later tokens, forced to another state
    // from the context menu opened with the keyboard.
    const int token = 2;
    const int layer = layers / 2;
    const LayerState was = table.at(token, layer);
    const LayerState forced = was == LayerState::Skip ? LayerState::Full : LayerState::Skip;
    view->setFocus();
    view->setCurrentIndex(heatmapModel.index(layer, token));
    // Shift+F10 opens the menu of the current cell.
    QTest::keyClick(view, Qt::Key_F10, Qt::ShiftModifier);
    auto openMenu = [] {
        for (QWidget* w : QApplication::topLevelWidgets())
            if (w->objectName() == QStringLiteral("forceCellMenu") && w->isVisible())
                return qobject_cast<QMenu*>(w);
        return static_cast<QMenu*>(nullptr);
    };
    QVERIFY(QTest::qWaitFor([&] { return openMenu() != nullptr; }, 5000));
    QVERIFY(openMenu()->actions().first()->text().contains(
        QStringLiteral("token %1 / layer %2").arg(token).arg(layer)));
    openMenu()->close();
    QVERIFY(QTest::qWaitFor([&] { return openMenu() == nullptr; }, 5000));
    // The Menu key does too.
    QContextMenuEvent menuKey(QContextMenuEvent::Keyboard, QPoint(1, 1),
                              view->mapToGlobal(QPoint(1, 1)));
    QApplication::sendEvent(view, &menuKey);
    QMenu* menu = nullptr;
    QVERIFY(QTest::qWaitFor([&] { return (menu = openMenu()) != nullptr; }, 5000));
    const QString label =
        forced == LayerState::Skip ? QStringLiteral("Skip") : QStringLiteral("Full");
    QAction* action = nullptr;
    for (QAction* a : menu->actions())
        if (a->text() == label)
            action = a;
    QVERIFY(action && action->isEnabled());
    shown.clear();
    QElapsedTimer request;
    request.start();
    action->trigger();
    menu->close();
    // The UI thread only queued the work.
    QVERIFY(request.elapsed() < 1000);
    QVERIFY(QTest::qWaitFor([&] { return panel->counterfactual() != nullptr; }, kTimeoutMs));
    const CounterfactualResult& cf = panel->counterfactual()->counterfactual;
    QCOMPARE(static_cast<int>(cf.cell.token), token);
    QCOMPARE(cf.cell.layer, layer);
    QCOMPARE(cf.cell.state, forced);
    QCOMPARE(cf.originalState, was);
    QCOMPARE(panel->counterfactualTable()->columnCount(), tokens - token - 1);
    QCOMPARE(view->markedToken(), token);
    QCOMPARE(view->markedLayer(), layer);
    QVERIFY(panel->counterfactualSummary()->text().contains(QStringLiteral("token %1").arg(token)));

    StateTable changed = table;
    changed.at(token, layer) = forced;
    const std::vector<float> after = replayLogits(engine, ids, changed);
    double largest = 0;
    for (int t = 1; t < tokens; ++t) {
        const auto a = logSoftmax(before.data() + static_cast<size_t>(t - 1) * vocab, vocab);
        const auto b = logSoftmax(after.data() + static_cast<size_t>(t - 1) * vocab, vocab);
        double kl = 0;
        for (size_t v = 0; v < vocab; ++v)
            kl += std::exp(a[v]) * (a[v] - b[v]);
        const auto target = static_cast<size_t>(ids[static_cast<size_t>(t)]);
        const double delta = b[target] - a[target];
        largest = std::max(largest, std::fabs(delta));
        QVERIFY2(std::fabs(cf.deltaLogProbs[static_cast<size_t>(t)] - delta) < 1e-3,
                 qPrintable(QStringLiteral("t %1: %2 vs %3")
                                .arg(t)
                                .arg(cf.deltaLogProbs[static_cast<size_t>(t)])
                                .arg(delta)));
        QVERIFY(std::fabs(cf.kl[static_cast<size_t>(t)] - kl) < 1e-4 + 1e-2 * kl);
    }
    QVERIFY2(largest > 1e-3, "forcing the cell changed nothing: pick another cell");

    auto* clear = panel->findChild<QPushButton*>(QStringLiteral("clearCounterfactual"));
    QVERIFY(clear && clear->isEnabled());
    clear->click();
    QVERIFY(!panel->counterfactual());
    QCOMPARE(panel->counterfactualTable()->columnCount(), 0);
    QCOMPARE(view->markedToken(), -1);

    // Probes ran on an engine of their own: the next edit still reuses the
    // run's KV cache and keeps the reused tokens' cells.
    const QString longer = prompt + QStringLiteral(" at dusk");
    client.setPrompt(longer);
    client.runNow();
    QVERIFY(QTest::qWaitFor(
        [&] { return heatmapModel.snapshot() && heatmapModel.snapshot()->prompt == longer; },
        kTimeoutMs));
    const SnapshotPtr next = heatmapModel.snapshot();
    QVERIFY2(next->ok(), qPrintable(next->error));
    QVERIFY(next->reusedTokens > 0);
    for (int t = 0; t < next->reusedTokens; ++t)
        for (int l = 0; l < layers; ++l)
            QCOMPARE(next->trace.state(t, l), snap->trace.state(t, l));
}

QTEST_MAIN(TestStudioProbe)
#include "tst_studio_probe.moc"
