// SPDX-License-Identifier: MIT
// The smaller DASH Studio parts: similarity curves, stream timeline, token
// text, settings, start-up model choice, policy and backend catalogues.
#include "app/studio/backend_catalog.h"
#include "app/studio/generated_text_view.h"
#include "app/studio/model_locator.h"
#include "app/studio/policy_catalog.h"
#include "app/studio/run_controls.h"
#include "app/studio/similarity_chart.h"
#include "app/studio/similarity_curves.h"
#include "app/studio/stream_timeline.h"
#include "app/studio/studio_settings.h"
#include "app/studio/timeline_panel.h"
#include "app/studio/token_text.h"

#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QTemporaryDir>
#include <QTextCursor>
#include <QTextDocument>
#include <QValueAxis>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

// 3 prompt tokens + 1 generated over 4 layers; token 2 skips layers 1 and 2.
std::shared_ptr<RunSnapshot> makeSnapshot() {
    auto snap = std::make_shared<RunSnapshot>();
    Trace& t = snap->trace;
    t.layers = 4;
    t.appendTokens({1, 20, 30, 40});
    for (int tok = 0; tok < 4; ++tok) {
        for (int l = 0; l < 4; ++l) {
            const size_t c = t.cell(tok, l);
            t.cosInOut[c] = 0.6f + 0.05f * static_cast<float>(l) + 0.01f * static_cast<float>(tok);
            t.cosAdjacent[c] = l == 0 ? kNoValue : 0.1f * static_cast<float>(l * (tok + 1));
            t.layerTimeNs[c] = 2000.0f;
        }
    }
    t.states[t.cell(2, 1)] = 0;
    t.states[t.cell(2, 2)] = 0;
    t.states[t.cell(3, 3)] = 2;
    // Two layers on both streams; the policy span half overlaps compute.
    t.spans = {{StreamKind::Compute, 0, 4, 0, 0, 1000000},
               {StreamKind::Compute, 0, 4, 1, 1000000, 2000000},
               {StreamKind::Policy, 0, 4, 1, 1500000, 2500000}};
    t.passes = {{0, 4, 2500000, {1000000, 1000000}}};
    snap->promptIds = {1, 20, 30};
    snap->generatedIds = {40};
    snap->tokenTexts = {QStringLiteral("<s>"), QStringLiteral(" The"), QStringLiteral(" cat"),
                        QStringLiteral(" sat")};
    return snap;
}

QList<QPointF> points(const QXYSeries* s) {
    return s->points();
}

} // namespace

class TestStudioViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void snapshotFigures();
    void similarityCurves();
    void similarityAxisRange();
    void timeline();
    void generatedTextShading();
    void tokenLabels();
    void settingsRecentModels();
    void initialModelChoice();
    void catalogues();

private:
    QTemporaryDir m_settingsDir;
};

void TestStudioViews::initTestCase() {
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_studio_views"));
}

void TestStudioViews::snapshotFigures() {
    const auto snap = makeSnapshot();
    // Pass wall time over computed tokens: one 2.5 ms pass over 4 tokens
    // (not the 4 layers x 2 us of layer time per token: that leaves out
    // everything between layers).
    QCOMPARE(snap->msPerToken(), 0.625);
    QCOMPARE(snap->prefillMsPerToken(), 0.625);
    QVERIFY(std::isnan(snap->decodeMsPerToken()));
    QCOMPARE(snap->computeFraction(0), 1.0);
    QCOMPARE(snap->computeFraction(2), 0.5);                    // (4 + 0 + 0 + 4) / 16
    QCOMPARE(snap->computeFraction(3), (4 + 4 + 4 + 2) / 16.0); // one INT8 layer
    QCOMPARE(snap->nominalRatio(), 64.0 / (64 - 8 - 2));
    QCOMPARE(snap->overlap(), 0.5);
    QVERIFY(!snap->isGenerated(2));
    QVERIFY(snap->isGenerated(3));
}

void TestStudioViews::similarityCurves() {
    const auto snap = makeSnapshot();
    const Trace& t = snap->trace;
    SimilarityChart chart;
    chart.setSnapshot(snap);
    chart.setSelectedToken(2);

    const QList<QPointF> token = points(chart.tokenCosSeries());
    QCOMPARE(token.size(), 4);
    for (int l = 0; l < 4; ++l) {
        QCOMPARE(token[l].x(), double(l));
        QCOMPARE(token[l].y(), static_cast<double>(t.cosInOut[t.cell(2, l)]));
    }
    // The mean runs over the 3 prompt tokens only.
    const QList<QPointF> mean = points(chart.meanCosSeries());
    QCOMPARE(mean.size(), 4);
    for (int l = 0; l < 4; ++l) {
        double sum = 0;
        for (int tok = 0; tok < 3; ++tok)
            sum += static_cast<double>(t.cosInOut[t.cell(tok, l)]);
        QVERIFY(std::abs(mean[l].y() - sum / 3) < 1e-9);
    }
    // Adjacent similarity is undefined at layer 0, at a skipped layer (its
    // update is zero) and at the layer after one: token 2 skips layers 1 and
    // 2, so it has no value anywhere; nothing is drawn as 0.
    QCOMPARE(chart.adjacentSeries()->count(), 0);
    for (QLineSeries* s : chart.adjacentSegments())
        QCOMPARE(s->count(), 0);
    // Skipped layers of token 2 are marked.
    const QList<QPointF> skipped = points(chart.skippedSeries());
    QCOMPARE(skipped.size(), 2);
    QCOMPARE(skipped[0].x(), 1.0);
    QCOMPARE(skipped[1].x(), 2.0);

    chart.setSelectedToken(0);
    QCOMPARE(chart.skippedSeries()->count(), 0);
    // Token 0 skips nothing: layers 1..3, in one unbroken line.
    QCOMPARE(chart.adjacentSegments().size(), 1);
    const QList<QPointF> adjacent = points(chart.adjacentSeries());
    QCOMPARE(adjacent.size(), 3);
    for (int l = 1; l < 4; ++l) {
        QCOMPARE(adjacent[l - 1].x(), double(l));
        QCOMPARE(adjacent[l - 1].y(), static_cast<double>(t.cosAdjacent[t.cell(0, l)]));
    }
    QVERIFY(std::isnan(adjacentSimilarity(t, 2, 3)));
    QCOMPARE(adjacentSimilarity(t, 3, 3), t.cosAdjacent[t.cell(3, 3)]);

    // A gap in the middle (token 1 skips layer 2 of 6) splits the line in two
    // and leaves layers 2 and 3 without a value.
    auto gap = std::make_shared<RunSnapshot>(*snap);
    Trace& g = gap->trace;
    g = Trace();
    g.layers = 6;
    g.appendTokens({1, 20});
    for (int l = 0; l < 6; ++l)
        for (int tok = 0; tok < 2; ++tok)
            g.cosAdjacent[g.cell(tok, l)] = l == 0 ? kNoValue : 0.5f;
    g.states[g.cell(1, 2)] = 0;
    gap->promptIds = {1, 20};
    gap->generatedIds.clear();
    gap->tokenTexts = {QStringLiteral("<s>"), QStringLiteral(" The")};
    chart.setSnapshot(gap);
    chart.setSelectedToken(1);
    const QList<QLineSeries*> segments = chart.adjacentSegments();
    QCOMPARE(segments.size(), 2);
    QCOMPARE(points(segments[0]), (QList<QPointF>{{1, 0.5}}));
    QCOMPARE(points(segments[1]), (QList<QPointF>{{4, 0.5}, {5, 0.5}}));
    chart.setSnapshot(snap);
    chart.setSelectedToken(0);
    chart.setSelectedToken(-1);
    QCOMPARE(chart.tokenCosSeries()->count(), 0);
    QCOMPARE(chart.meanCosSeries()->count(), 4);
}

// The y axis is computed on an axis that is never shown and then set once;
// it must end where the visible axis of a chart would after setRange() and
// applyNiceNumbers() on it, step by step, tick count carried along, and a
// repeated selection must change nothing.
void TestStudioViews::similarityAxisRange() {
    const auto snap = makeSnapshot();
    auto other = std::make_shared<RunSnapshot>(*snap);
    Trace& o = other->trace;
    for (size_t c = 0; c < o.cosInOut.size(); ++c)
        o.cosInOut[c] = -0.3f + 0.11f * static_cast<float>(c % 7);
    SimilarityChart chart;
    QValueAxis* axisY = nullptr;
    for (QAbstractAxis* a : chart.chart()->axes(Qt::Vertical))
        axisY = qobject_cast<QValueAxis*>(a);
    QVERIFY(axisY);

    QChart reference;
    auto* series = new QLineSeries(&reference);
    auto* refY = new QValueAxis(&reference);
    reference.addSeries(series);
    reference.addAxis(refY, Qt::AlignLeft);
    series->attachAxis(refY);
    auto applyReference = [&](const RunSnapshot* s, int token) {
        const SimilarityCurves curves = dash::studio::similarityCurves(s, token);
        double lo = curves.minValue, hi = curves.maxValue;
        if (lo > hi) {
            lo = 0;
            hi = 1;
        }
        const double pad = std::max(0.02, (hi - lo) * 0.08);
        refY->setRange(std::max(-1.05, lo - pad), std::min(1.05, hi + pad));
        refY->applyNiceNumbers();
    };
    applyReference(nullptr, -1); // what the constructor drew
    QCOMPARE(axisY->tickCount(), refY->tickCount());

    const struct {
        SnapshotPtr snapshot;
        int token;
    } steps[] = {{snap, 2}, {other, 2}, {other, 0}, {snap, 3}, {other, 3}, {snap, -1}};
    int shownToken = -1;
    for (const auto& step : steps) {
        // setSnapshot() draws the token shown before; the selection follows.
        chart.setSnapshot(step.snapshot);
        applyReference(step.snapshot.get(), shownToken);
        chart.setSelectedToken(step.token);
        shownToken = step.token;
        applyReference(step.snapshot.get(), step.token);
        QCOMPARE(axisY->min(), refY->min());
        QCOMPARE(axisY->max(), refY->max());
        QCOMPARE(axisY->tickCount(), refY->tickCount());
        const QList<QPointF> before = points(chart.tokenCosSeries());
        chart.setSelectedToken(step.token);
        applyReference(step.snapshot.get(), step.token);
        QCOMPARE(points(chart.tokenCosSeries()), before);
        QCOMPARE(axisY->min(), refY->min());
        QCOMPARE(axisY->max(), refY->max());
        QCOMPARE(axisY->tickCount(), refY->tickCount());
        for (const QPointF& p : before)
            QVERIFY(p.y() >= axisY->min() && p.y() <= axisY->max());
    }
}

void TestStudioViews::timeline() {
    const auto snap = makeSnapshot();
    TimelinePanel panel;
    panel.resize(800, 200);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setSnapshot(snap);
    const QString summary = panel.summaryText();
    QVERIFY2(summary.contains(QStringLiteral("50.0")), qPrintable(summary));
    // One pass of 2.5 ms over 4 tokens, starting at a prompt token: prefill.
    QVERIFY2(summary.contains(QStringLiteral("prefill 0.625")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("decode –")), qPrintable(summary));
    // On the CPU the overlap is named for what it measures.
    QVERIFY2(summary.contains(QStringLiteral("thread concurrency 50.0 %")), qPrintable(summary));

    StreamTimeline* timeline = panel.timeline();
    QVERIFY(timeline->scale() > 0);
    // Fitted: every span is on screen. Find each one's box by probing.
    const QSize size = timeline->viewport()->size();
    QRect boxes[3];
    for (int x = 0; x < size.width(); ++x) {
        for (int y = 0; y < size.height(); ++y) {
            const int i = timeline->spanAt(QPoint(x, y));
            if (i >= 0)
                boxes[i] |= QRect(x, y, 1, 1);
        }
    }
    for (const QRect& box : boxes)
        QVERIFY(box.width() > 10);
    // Compute spans share a lane, the policy span has its own.
    QCOMPARE(boxes[0].top(), boxes[1].top());
    QVERIFY(boxes[2].top() > boxes[0].bottom());
    // Time order, and the policy span starts halfway through compute span 1.
    QVERIFY(boxes[0].right() < boxes[1].left() + 2);
    const int middle = (boxes[1].left() + boxes[1].right()) / 2;
    QVERIFY(std::abs(boxes[2].left() - middle) <= 2);
    QVERIFY(boxes[2].right() > boxes[1].right());
    const double oldScale = timeline->scale();
    timeline->zoomIn();
    QVERIFY(timeline->scale() > oldScale);
    timeline->zoomToFit();
    QCOMPARE(timeline->scale(), oldScale);

    panel.setSnapshot(nullptr);
    QCOMPARE(timeline->spanAt(boxes[0].center()), -1);
}

void TestStudioViews::generatedTextShading() {
    const auto snap = makeSnapshot();
    GeneratedTextView view;
    view.setSnapshot(snap);
    const QString text = view.toPlainText();
    QVERIFY2(text.contains(QStringLiteral("The cat")), qPrintable(text));
    // More compute, stronger shade.
    QVERIFY(GeneratedTextView::computeColor(1.0).alpha() >
            GeneratedTextView::computeColor(0.5).alpha());
    QVERIFY(GeneratedTextView::computeColor(0.0).alpha() > 0);

    // Each token's text carries the shade of its compute; generated ones are bold.
    qsizetype from = 0;
    for (int t = 0; t < snap->tokenCount(); ++t) {
        const qsizetype at = text.indexOf(snap->tokenTexts[t], from);
        QVERIFY2(at >= 0, qPrintable(snap->tokenTexts[t]));
        from = at + snap->tokenTexts[t].size();
        QTextCursor cursor(view.document());
        cursor.setPosition(static_cast<int>(at + 1)); // the format of the character at `at`
        const QTextCharFormat format = cursor.charFormat();
        const QColor expected = GeneratedTextView::computeColor(snap->computeFraction(t));
        const QColor shade = format.background().color();
        QCOMPARE(shade.rgb(), expected.rgb());
        QVERIFY(std::abs(shade.alpha() - expected.alpha()) <= 2);
        QCOMPARE(format.fontWeight() == QFont::Bold, snap->isGenerated(t));
    }
    view.setSnapshot(nullptr);
    QVERIFY(view.toPlainText().isEmpty());
}

void TestStudioViews::tokenLabels() {
    QCOMPARE(tokenLabel(QStringLiteral(" a b")), QString(QChar(0x2423)) + QStringLiteral("a b"));
    QCOMPARE(tokenLabel(QStringLiteral("x\ny\t")),
             QStringLiteral("x") + QChar(0x21B5) + QStringLiteral("y") + QChar(0x2192));
    QCOMPARE(tokenLabel(QString(QChar(0x01))), QString(QChar(0x00B7)));

    // Byte-level tokens: whole characters decode, stray bytes show as <0xHH>
    // instead of U+FFFD.
    QCOMPARE(bytesDisplayText("W\xC3\xB6rter"), QStringLiteral("Wörter"));
    QCOMPARE(bytesDisplayText("w\xC3"), QStringLiteral("w<0xC3>"));
    QCOMPARE(bytesDisplayText("\xB6rter"), QStringLiteral("<0xB6>rter"));
    QCOMPARE(bytesDisplayText("\xE4\xB8"), QStringLiteral("<0xE4><0xB8>"));
    QCOMPARE(bytesDisplayText("\xE4\xB8\xAD"), QString(QChar(0x4E2D)));
    QCOMPARE(bytesDisplayText("\xC0\x80"), QStringLiteral("<0xC0><0x80>")); // overlong NUL
    QCOMPARE(bytesDisplayText("\xEF\xBF\xBD"), QString(QChar::ReplacementCharacter));
    QCOMPARE(bytesDisplayText("\xF0\x9F\x98\x80"), QString::fromUtf8("\xF0\x9F\x98\x80"));
}

void TestStudioViews::settingsRecentModels() {
    StudioSettings settings;
    for (int i = 0; i < StudioSettings::kMaxRecentModels + 3; ++i)
        settings.addRecentModel(QStringLiteral("/m/%1.gguf").arg(i));
    settings.addRecentModel(QStringLiteral("/m/2.gguf"));
    const QStringList recent = settings.recentModels();
    QCOMPARE(recent.size(), StudioSettings::kMaxRecentModels);
    QCOMPARE(recent.first(), QStringLiteral("/m/2.gguf"));
    QCOMPARE(recent.count(QStringLiteral("/m/2.gguf")), 1);
    QCOMPARE(settings.lastModel(), QStringLiteral("/m/2.gguf"));
    settings.removeRecentModel(QStringLiteral("/m/2.gguf"));
    QVERIFY(settings.lastModel().isEmpty());
    QVERIFY(!StudioSettings().recentModels().contains(QStringLiteral("/m/2.gguf")));

    settings.setDebounceMs(42);
    QCOMPARE(StudioSettings().debounceMs(), 42);
}

void TestStudioViews::initialModelChoice() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString demo = dir.filePath(QLatin1String(kDemoModelName));
    const QString last = dir.filePath(QStringLiteral("last.gguf"));
    qputenv("DASH_MODEL_DIR", dir.path().toLocal8Bit());
    QVERIFY(modelSearchDirs().first() == dir.path());

    QCOMPARE(initialModelPath(QStringLiteral("/cli.gguf"), last), QStringLiteral("/cli.gguf"));
    // Neither the last model nor the demo exists here.
    const QString fallback = initialModelPath({}, last);
    QVERIFY(fallback != last);
    QVERIFY(fallback != demo);
    for (const QString& p : {demo, last}) {
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QCOMPARE(initialModelPath({}, last), last);
    QCOMPARE(initialModelPath({}, QStringLiteral("/gone.gguf")), demo);
    qunsetenv("DASH_MODEL_DIR");
}

void TestStudioViews::catalogues() {
    const QList<PolicyEntry> policies = policyEntries();
    QVERIFY(findPolicy(policies, QStringLiteral("full")));
    QVERIFY(!findPolicy(policies, QStringLiteral("no-such-policy")));

    const QList<BackendEntry> backends = backendEntries();
    QCOMPARE(backends.size(), 2);
    QCOMPARE(backends[0].id, QStringLiteral("cpu"));
    QVERIFY(backends[0].available);
    QCOMPARE(backends[1].id, QStringLiteral("cuda"));
    QVERIFY(!backends[1].available);
    QVERIFY(!backends[1].reason.isEmpty());
#ifndef DASH_HAVE_CUDA
    QVERIFY(backends[1].reason.contains(QStringLiteral("DASH_WITH_CUDA=ON")));
#endif

    RunControls controls;
    QCOMPARE(controls.policy().kind, QStringLiteral("full"));
    QVERIFY(!controls.setBackend(QStringLiteral("cuda")));
    QCOMPARE(controls.backend(), QStringLiteral("cpu"));
    QVERIFY(!controls.setPolicyKind(QStringLiteral("no-such-policy")));
}

QTEST_MAIN(TestStudioViews)
#include "tst_studio_views.moc"
