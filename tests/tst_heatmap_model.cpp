// SPDX-License-Identifier: MIT
// HeatmapModel, HeatmapDelegate and HeatmapView against a trace built here.
#include "app/studio/heatmap_delegate.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_palette.h"
#include "app/studio/heatmap_view.h"

#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QSignalSpy>
#include <QWheelEvent>
#include <QtTest>

#include <cmath>
#include <set>

using namespace dash;
using namespace dash::studio;

namespace {

// A run of `tokens` tokens over `layers` layers with distinct values in every
// cell, states cycling through 4, 2, 1, 0, and policy scores on odd tokens.
std::shared_ptr<RunSnapshot> makeSnapshot(int tokens, int layers, int promptTokens) {
    auto snap = std::make_shared<RunSnapshot>();
    Trace& t = snap->trace;
    t.layers = layers;
    std::vector<int32_t> ids;
    for (int i = 0; i < tokens; ++i)
        ids.push_back(100 + 7 * i);
    t.appendTokens(ids);
    const uint8_t cycle[4] = {4, 2, 1, 0};
    for (int tok = 0; tok < tokens; ++tok) {
        for (int l = 0; l < layers; ++l) {
            const size_t c = t.cell(tok, l);
            t.states[c] = l == 0 ? 4 : cycle[(tok + l) % 4];
            t.cosInOut[c] = 0.5f + 0.01f * static_cast<float>(tok * layers + l);
            t.cosAdjacent[c] = l == 0 ? kNoValue : -0.2f + 0.03f * static_cast<float>(l + tok);
            t.normIn[c] = 1.0f + static_cast<float>(l);
            t.normOut[c] = 1.5f + static_cast<float>(l);
            t.layerTimeNs[c] = 1000.0f * static_cast<float>(l + 1) + static_cast<float>(tok);
            if (tok % 2 == 1)
                for (int s = 0; s < kStateCount; ++s)
                    t.scores[c * kStateCount + static_cast<size_t>(s)] =
                        0.1f * static_cast<float>(s) + 0.001f * static_cast<float>(l);
        }
    }
    snap->promptIds.assign(ids.begin(), ids.begin() + promptTokens);
    snap->generatedIds.assign(ids.begin() + promptTokens, ids.end());
    for (int i = 0; i < tokens; ++i)
        snap->tokenTexts << (i == 1 ? QStringLiteral(" 100%1") : QStringLiteral("tok%1").arg(i));
    return snap;
}

bool sameValue(const QVariant& v, float expected) {
    if (!std::isfinite(expected))
        return !v.isValid();
    return v.isValid() && std::abs(v.toDouble() - static_cast<double>(expected)) < 1e-6;
}

} // namespace

class TestHeatmapModel : public QObject {
    Q_OBJECT
private slots:
    void emptyModel();
    void rolesMatchTrace();
    void headers();
    void toolTip();
    void resetOnNewSnapshot();
    void delegateColours();
    void paletteIsOrderedAndDistinct();
    void viewSelectsTokenAndZooms();
};

void TestHeatmapModel::emptyModel() {
    HeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
    QVERIFY(!model.headerData(0, Qt::Horizontal).isValid());
}

void TestHeatmapModel::rolesMatchTrace() {
    HeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto snap = makeSnapshot(6, 5, 4);
    model.setSnapshot(snap);
    const Trace& t = snap->trace;
    QCOMPARE(model.rowCount(), 5);    // layers
    QCOMPARE(model.columnCount(), 6); // tokens

    // Range of cos(in,out), computed independently of the model.
    double lo = 1e9, hi = -1e9;
    for (float v : t.cosInOut) {
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
    }
    for (int l = 0; l < 5; ++l) {
        for (int tok = 0; tok < 6; ++tok) {
            const QModelIndex i = model.index(l, tok);
            const size_t c = t.cell(tok, l);
            QCOMPARE(i.data(HeatmapModel::StateRole).toInt(), static_cast<int>(t.states[c]));
            QCOMPARE(i.data(Qt::DisplayRole).toString(), QString::number(t.states[c]));
            QVERIFY(sameValue(i.data(HeatmapModel::CosInOutRole), t.cosInOut[c]));
            // Undefined (no value) at a skipped layer and the layer after it:
            // a skipped layer's update is zero.
            const bool undefined = t.states[c] == 0 || (l > 0 && t.states[t.cell(tok, l - 1)] == 0);
            QVERIFY(sameValue(i.data(HeatmapModel::CosAdjacentRole),
                              undefined ? kNoValue : t.cosAdjacent[c]));
            QVERIFY(sameValue(i.data(HeatmapModel::NormInRole), t.normIn[c]));
            QVERIFY(sameValue(i.data(HeatmapModel::NormOutRole), t.normOut[c]));
            QVERIFY(sameValue(i.data(HeatmapModel::TimeNsRole), t.layerTimeNs[c]));
            const double fraction = (static_cast<double>(t.cosInOut[c]) - lo) / (hi - lo);
            QVERIFY(std::abs(i.data(HeatmapModel::CosInOutFractionRole).toDouble() - fraction) <
                    1e-6);
            QCOMPARE(i.data(HeatmapModel::TokenIdRole).toInt(), 100 + 7 * tok);
            QCOMPARE(i.data(HeatmapModel::TokenIndexRole).toInt(), tok);
            QCOMPARE(i.data(HeatmapModel::LayerRole).toInt(), l);
            QCOMPARE(i.data(HeatmapModel::TokenTextRole).toString(), snap->tokenTexts[tok]);
            QCOMPARE(i.data(HeatmapModel::GeneratedRole).toBool(), tok >= 4);
            const QVariant scores = i.data(HeatmapModel::ScoresRole);
            if (tok % 2 == 0) {
                QVERIFY(!scores.isValid());
            } else {
                const QVariantList list = scores.toList();
                QCOMPARE(list.size(), kStateCount);
                for (int s = 0; s < kStateCount; ++s)
                    QVERIFY(sameValue(list[s], t.scores[c * kStateCount + static_cast<size_t>(s)]));
            }
        }
    }
    QVERIFY(!model.index(0, 0).data(HeatmapModel::CosAdjacentRole).isValid());
    QCOMPARE(model.cosInOutMin(), lo);
    QCOMPARE(model.cosInOutMax(), hi);
}

void TestHeatmapModel::headers() {
    HeatmapModel model;
    model.setSnapshot(makeSnapshot(3, 2, 3));
    QCOMPARE(model.headerData(2, Qt::Vertical).toString(), QString());
    QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QStringLiteral("1"));
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("tok0"));
    // A leading space is made visible in the one-line label.
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QString(QChar(0x2423)) + "100%1");
    QCOMPARE(model.headerData(1, Qt::Horizontal, HeatmapModel::TokenTextRole).toString(),
             QStringLiteral(" 100%1"));
    QVERIFY(!model.headerData(3, Qt::Horizontal).isValid());
}

void TestHeatmapModel::toolTip() {
    HeatmapModel model;
    const auto snap = makeSnapshot(4, 3, 4);
    model.setSnapshot(snap);
    // Token 1 has scores and a text holding "%1", which must survive formatting.
    const QString tip = model.index(2, 1).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("100%1")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("Layer 2")), qPrintable(tip));
    const size_t c = snap->trace.cell(1, 2);
    QVERIFY2(tip.contains(stateLabel(snap->trace.states[c])), qPrintable(tip));
    QVERIFY2(tip.contains(QString::number(static_cast<double>(snap->trace.cosInOut[c]), 'f', 4)),
             qPrintable(tip));
    QVERIFY2(tip.contains(
                 QString::number(static_cast<double>(snap->trace.layerTimeNs[c]) / 1e3, 'f', 1)),
             qPrintable(tip));
    QVERIFY2(tip.contains(QString::number(
                 static_cast<double>(snap->trace.scores[c * kStateCount + 3]), 'f', 3)),
             qPrintable(tip));
    const QString noScores = model.index(0, 0).data(Qt::ToolTipRole).toString();
    QVERIFY2(noScores.contains(QStringLiteral("no policy")), qPrintable(noScores));
}

void TestHeatmapModel::resetOnNewSnapshot() {
    HeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setSnapshot(makeSnapshot(4, 3, 4));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.columnCount(), 4);
    const auto bigger = makeSnapshot(9, 7, 5);
    bigger->trace.states[bigger->trace.cell(8, 6)] = 0;
    model.setSnapshot(bigger);
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(model.columnCount(), 9);
    QCOMPARE(model.index(6, 8).data(HeatmapModel::StateRole).toInt(), 0);
    QCOMPARE(model.snapshot(), SnapshotPtr(bigger));
    model.setSnapshot(nullptr);
    QCOMPARE(reset.count(), 3);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
}

void TestHeatmapModel::delegateColours() {
    HeatmapModel model;
    const auto snap = makeSnapshot(4, 4, 4);
    model.setSnapshot(snap);
    for (int l = 0; l < 4; ++l) {
        for (int tok = 0; tok < 4; ++tok) {
            const QModelIndex i = model.index(l, tok);
            const int state = snap->trace.states[snap->trace.cell(tok, l)];
            QCOMPARE(HeatmapDelegate::cellColor(i, HeatmapColorMode::State), stateColor(state));
        }
    }
    // In cos mode the smallest and largest cos(in,out) take the ends of the scale.
    QCOMPARE(HeatmapDelegate::cellColor(model.index(0, 0), HeatmapColorMode::CosInOut),
             sequentialColor(0.0));
    QCOMPARE(HeatmapDelegate::cellColor(model.index(3, 3), HeatmapColorMode::CosInOut),
             sequentialColor(1.0));
}

void TestHeatmapModel::paletteIsOrderedAndDistinct() {
    // Lightness must fall with cost so that the order reads in greyscale too.
    const int states[] = {0, 1, 2, 4};
    std::set<QRgb> colours;
    double previous = 2.0;
    for (int s : states) {
        const QColor c = stateColor(s);
        colours.insert(c.rgb());
        const double y = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF();
        QVERIFY2(y < previous - 0.1, qPrintable(QStringLiteral("state %1").arg(s)));
        previous = y;
    }
    QCOMPARE(colours.size(), size_t(4));
    QCOMPARE(stateColor(3), missingValueColor());
    QCOMPARE(sequentialColor(-1.0), sequentialColor(0.0));
    QCOMPARE(sequentialColor(std::nan("")), missingValueColor());
}

void TestHeatmapModel::viewSelectsTokenAndZooms() {
    HeatmapModel model;
    HeatmapView view;
    view.setHeatmapModel(&model);
    QSignalSpy selected(&view, &HeatmapView::tokenSelected);
    view.resize(600, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // A new run selects its last token.
    model.setSnapshot(makeSnapshot(5, 4, 5));
    QCOMPARE(view.selectedToken(), 4);
    QCOMPARE(selected.last().at(0).toInt(), 4);

    // A click selects the clicked token.
    const QRect r = view.visualRect(model.index(2, 1));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, r.center());
    QCOMPARE(view.selectedToken(), 1);
    QCOMPARE(selected.last().at(0).toInt(), 1);

    // A clicked token that still exists stays selected in the next run.
    model.setSnapshot(makeSnapshot(7, 4, 7));
    QCOMPARE(view.selectedToken(), 1);
    // A run too short for it falls back to the last token.
    model.setSnapshot(makeSnapshot(1, 4, 1));
    QCOMPARE(view.selectedToken(), 0);

    // Zoom: slots, limits and Ctrl+wheel.
    const int width = view.horizontalHeader()->defaultSectionSize();
    view.zoomIn();
    QVERIFY(view.zoom() > 1.0);
    QVERIFY(view.horizontalHeader()->defaultSectionSize() > width);
    for (int i = 0; i < 50; ++i)
        view.zoomOut();
    QCOMPARE(view.zoom(), HeatmapView::kMinZoom);
    view.resetZoom();
    QCOMPARE(view.zoom(), 1.0);
    const QPointF pos(10, 10);
    QWheelEvent wheel(pos, view.viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    QVERIFY(view.zoom() > 1.0);
}

QTEST_MAIN(TestHeatmapModel)
#include "tst_heatmap_model.moc"
