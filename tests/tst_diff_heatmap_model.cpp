// SPDX-License-Identifier: MIT
// DiffHeatmapModel and the comparison view on two runs built here: every cell
// of the differential is checked against the difference computed in the test
// from the runs' own arrays, under QAbstractItemModelTester.
#include "app/studio/comparison_view.h"
#include "app/studio/diff_heatmap_model.h"
#include "app/studio/diff_heatmap_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_palette.h"
#include "app/studio/run_store_client.h"
#include "core/store/run_store.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

// A run of `tokens` x `layers` cells. States follow `stateOf`; cos(in,out) is
// a distinct value per cell, NaN where `nanAt` says.
RunRecord makeRecord(int64_t id, int tokens, int layers, int (*stateOf)(int, int), float cosOffset,
                     bool (*nanAt)(int, int)) {
    RunRecord r;
    r.id = id;
    r.createdMs = 1700000000000 + id;
    r.model.path = "/models/m.gguf";
    r.policy.kind = id == 1 ? "full" : "random";
    Trace& t = r.trace;
    t.layers = layers;
    std::vector<int32_t> ids;
    for (int i = 0; i < tokens; ++i)
        ids.push_back(10 + i);
    t.appendTokens(ids);
    for (int tok = 0; tok < tokens; ++tok) {
        for (int l = 0; l < layers; ++l) {
            const size_t c = t.cell(tok, l);
            t.states[c] = static_cast<uint8_t>(stateOf(tok, l));
            t.cosInOut[c] =
                nanAt(tok, l) ? kNoValue : cosOffset + 0.01f * static_cast<float>(tok * 7 + l);
            t.layerTimeNs[c] = 1000.0f + 10.0f * static_cast<float>(l) + cosOffset * 100.0f;
        }
    }
    r.promptIds = ids;
    return r;
}

int allFull(int, int) {
    return 4;
}

// Run B: skips odd layers of even tokens, INT8 on layer 2, INT4 on token 3.
int mixed(int tok, int l) {
    if (l == 0)
        return 4;
    if (tok % 2 == 0 && l % 2 == 1)
        return 0;
    if (l == 2)
        return 2;
    return tok == 3 ? 1 : 4;
}

bool noNan(int, int) {
    return false;
}

bool someNan(int tok, int l) {
    return tok == 1 && l == 2;
}

} // namespace

class TestDiffHeatmapModel : public QObject {
    Q_OBJECT
private slots:
    void differentialOfKnownRuns();
    void emptyAndReset();
    void divergingPalette();
    void comparisonViewSummary();
};

void TestDiffHeatmapModel::differentialOfKnownRuns() {
    // A: 6 tokens x 4 layers, B: 5 tokens x 5 layers -> aligned 5 x 4. B holds
    // another token at position 4.
    RunRecord a = makeRecord(1, 6, 4, allFull, 0.5f, noNan);
    RunRecord b = makeRecord(2, 5, 5, mixed, 0.3f, someNan);
    b.trace.tokens[4] = 99;
    auto comparison = std::make_shared<RunComparison>(compareRuns(a, b));
    const SnapshotPtr sa = snapshotFromRecord(a, nullptr);
    const SnapshotPtr sb = snapshotFromRecord(b, nullptr);

    DiffHeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setComparison(sa, sb, comparison);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 4);    // layers
    QCOMPARE(model.columnCount(), 5); // tokens

    double maxAbs = 0;
    for (int tok = 0; tok < 5; ++tok) {
        for (int l = 0; l < 4; ++l) {
            const float ca = a.trace.cosInOut[a.trace.cell(tok, l)];
            const float cb = b.trace.cosInOut[b.trace.cell(tok, l)];
            if (std::isfinite(ca) && std::isfinite(cb))
                maxAbs = std::max(maxAbs, std::abs(static_cast<double>(cb) - ca));
        }
    }
    QVERIFY(std::abs(model.maxAbsCosDelta() - maxAbs) < 1e-6);

    int differing = 0;
    for (int tok = 0; tok < 5; ++tok) {
        for (int l = 0; l < 4; ++l) {
            const QModelIndex index = model.index(l, tok);
            const int stateA = allFull(tok, l);
            const int stateB = mixed(tok, l);
            const int delta = stateB - stateA;
            differing += delta != 0;
            QCOMPARE(index.data(DiffHeatmapModel::StateARole).toInt(), stateA);
            QCOMPARE(index.data(DiffHeatmapModel::StateBRole).toInt(), stateB);
            QCOMPARE(index.data(DiffHeatmapModel::StateDeltaRole).toInt(), delta);
            QCOMPARE(index.data(DiffHeatmapModel::StateDeltaFractionRole).toDouble(), delta / 4.0);
            QCOMPARE(index.data(DiffHeatmapModel::LayerRole).toInt(), l);
            QCOMPARE(index.data(DiffHeatmapModel::TokenIndexRole).toInt(), tok);
            QCOMPARE(index.data(DiffHeatmapModel::SameTokenRole).toBool(), tok != 4);
            const QString shown = index.data(Qt::DisplayRole).toString();
            if (delta == 0)
                QVERIFY(shown.isEmpty());
            else
                QCOMPARE(shown, (delta > 0 ? QStringLiteral("+") : QString(QChar(0x2212))) +
                                    QString::number(std::abs(delta)));

            // Expected cos difference from the values the runs were built with.
            const double cosA = 0.5 + 0.01 * (tok * 7 + l);
            const double cosB = 0.3 + 0.01 * (tok * 7 + l);
            const QVariant dCos = index.data(DiffHeatmapModel::CosInOutDeltaRole);
            const QVariant dFrac = index.data(DiffHeatmapModel::CosInOutDeltaFractionRole);
            if (someNan(tok, l)) {
                QVERIFY(!dCos.isValid());
                QVERIFY(!dFrac.isValid());
            } else {
                QVERIFY2(std::abs(dCos.toDouble() - (cosB - cosA)) < 1e-5,
                         qPrintable(QStringLiteral("token %1 layer %2: %3")
                                        .arg(tok)
                                        .arg(l)
                                        .arg(dCos.toDouble())));
                QVERIFY(std::abs(dFrac.toDouble() - (cosB - cosA) / maxAbs) < 1e-4);
            }
            const QString tip = index.data(Qt::ToolTipRole).toString();
            QVERIFY(tip.contains(stateLabel(stateA)));
            QVERIFY(tip.contains(stateLabel(stateB)));
        }
    }
    QCOMPARE(comparison->differingStates, int64_t(differing));
    QCOMPARE(model.headerData(2, Qt::Horizontal, DiffHeatmapModel::TokenTextRole).toString(),
             QStringLiteral("#12"));
    QCOMPARE(model.headerData(3, Qt::Vertical).toString(), QStringLiteral("3"));
    QVERIFY(!model.headerData(4, Qt::Vertical).isValid());

    // The delegate colours follow the state difference on the diverging scale.
    const QModelIndex skipped = model.index(1, 0); // B skips layer 1 of token 0: -4
    QCOMPARE(DiffHeatmapDelegate::cellColor(skipped, DiffColorMode::State), divergingColor(-1.0));
    const QModelIndex same = model.index(0, 0);
    QCOMPARE(DiffHeatmapDelegate::cellColor(same, DiffColorMode::State), divergingColor(0.0));
}

void TestDiffHeatmapModel::emptyAndReset() {
    DiffHeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
    RunRecord a = makeRecord(1, 3, 2, allFull, 0.5f, noNan);
    RunRecord b = makeRecord(2, 3, 2, mixed, 0.5f, noNan);
    model.setComparison(snapshotFromRecord(a, nullptr), snapshotFromRecord(b, nullptr),
                        std::make_shared<RunComparison>(compareRuns(a, b)));
    QCOMPARE(model.rowCount(), 2);
    // Equal cos values everywhere: no scale, fractions 0.
    QCOMPARE(model.maxAbsCosDelta(), 0.0);
    QCOMPARE(model.index(1, 1).data(DiffHeatmapModel::CosInOutDeltaFractionRole).toDouble(), 0.0);
    // A missing side clears the table.
    model.setComparison(snapshotFromRecord(a, nullptr), nullptr,
                        std::make_shared<RunComparison>(compareRuns(a, b)));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
    QVERIFY(!model.comparison());
}

void TestDiffHeatmapModel::divergingPalette() {
    // ColorBrewer PuOr end points and centre.
    QCOMPARE(divergingColor(-1.0), QColor(0xb35806));
    QCOMPARE(divergingColor(0.0), QColor(0xf7f7f7));
    QCOMPARE(divergingColor(1.0), QColor(0x542788));
    QCOMPARE(divergingColor(-7.0), divergingColor(-1.0));
    QCOMPARE(divergingColor(std::nan("")), missingValueColor());
    // Lightness falls away from the centre on both sides, so the magnitude
    // reads without hue (greyscale, colour-vision deficiencies).
    auto lightness = [](double f) { return divergingColor(f).lightnessF(); };
    for (double f = 0.0; f < 1.0; f += 0.125) {
        QVERIFY2(lightness(f + 0.125) < lightness(f) + 1e-9, qPrintable(QString::number(f)));
        QVERIFY2(lightness(-f - 0.125) < lightness(-f) + 1e-9, qPrintable(QString::number(f)));
    }
    // The two sides differ in hue: orange is redder, purple bluer.
    QVERIFY(divergingColor(-0.5).red() > divergingColor(-0.5).blue());
    QVERIFY(divergingColor(0.5).blue() > divergingColor(0.5).red());
}

void TestDiffHeatmapModel::comparisonViewSummary() {
    RunRecord a = makeRecord(1, 4, 3, allFull, 0.5f, noNan);
    RunRecord b = makeRecord(2, 4, 3, mixed, 0.4f, noNan);
    a.metrics.msPerToken = 2.0;
    b.metrics.msPerToken = 0.8;
    a.metrics.perplexity = 10.0;
    b.metrics.perplexity = 12.5;
    a.metrics.nominalRatio = 1.0;
    b.metrics.nominalRatio = 1.6;
    auto stored = std::make_shared<StoredComparison>();
    stored->comparison = compareRuns(a, b);
    stored->a = std::make_shared<StoredRun>(StoredRun{a, snapshotFromRecord(a, nullptr)});
    stored->b = std::make_shared<StoredRun>(StoredRun{b, snapshotFromRecord(b, nullptr)});

    ComparisonView view;
    view.setComparison(stored);
    QCOMPARE(view.heatmapA()->rowCount(), 3);
    QCOMPARE(view.heatmapB()->columnCount(), 4);
    QCOMPARE(view.diffModel()->columnCount(), 4);
    // Δ ms/token -1.2, B at 2.5x the speed of A.
    QVERIFY2(view.speedText().contains(QStringLiteral("−1.200")), qPrintable(view.speedText()));
    QVERIFY2(view.speedText().contains(QStringLiteral("2.50×")), qPrintable(view.speedText()));
    // Mean log-likelihood: ln 10 - ln 12.5 = -0.2231 nats/token; perplexity +2.5.
    const QString ll = QString::number(std::log(12.5) - std::log(10.0), 'f', 4);
    QVERIFY2(view.qualityText().contains(QChar(0x2212) + ll), qPrintable(view.qualityText()));
    QVERIFY2(view.qualityText().contains(QStringLiteral("+2.500")), qPrintable(view.qualityText()));

    // Without stored likelihoods the quality says so.
    b.metrics.perplexity.reset();
    stored = std::make_shared<StoredComparison>(*stored);
    stored->b = std::make_shared<StoredRun>(StoredRun{b, snapshotFromRecord(b, nullptr)});
    stored->comparison = compareRuns(a, b);
    view.setComparison(stored);
    QVERIFY(view.qualityText().contains(QStringLiteral("not available")));
    view.setComparison(nullptr);
    QCOMPARE(view.diffModel()->rowCount(), 0);
}

QTEST_MAIN(TestDiffHeatmapModel)
#include "tst_diff_heatmap_model.moc"
