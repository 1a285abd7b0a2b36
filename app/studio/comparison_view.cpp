// SPDX-License-Identifier: MIT
#include "app/studio/comparison_view.h"

#include "app/studio/diff_heatmap_model.h"
#include "app/studio/diff_heatmap_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/similarity_curves.h"

#include <QChart>
#include <QChartView>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QLineSeries>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace dash::studio {

namespace {

QString signedText(double v, int precision) {
    const QString digits = QString::number(std::abs(v), 'f', precision);
    return v > 0 ? QStringLiteral("+") + digits : v < 0 ? QChar(0x2212) + digits : digits;
}

QString runTitle(const QString& side, const RunRecord& r) {
    QString title = QStringLiteral("<b>%1</b> #%2").arg(side, QString::number(r.id));
    if (!r.label.empty())
        title += QStringLiteral(" “%1”").arg(QString::fromStdString(r.label).toHtmlEscaped());
    return title +
           QStringLiteral(" · %1 · %2 · %3 UTC")
               .arg(QFileInfo(QString::fromStdString(r.model.path)).fileName().toHtmlEscaped(),
                    QString::fromStdString(r.policy.kind).toHtmlEscaped(),
                    QString::fromStdString(formatUtcTimestamp(r.createdMs)));
}

QLabel* newLabel(QWidget* parent, const char* name) {
    auto* l = new QLabel(parent);
    l->setObjectName(QString::fromLatin1(name));
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setWordWrap(true);
    return l;
}

} // namespace

ComparisonView::ComparisonView(QWidget* parent) : QWidget(parent) {
    m_heatmapA = new HeatmapModel(this);
    m_heatmapB = new HeatmapModel(this);
    m_diff = new DiffHeatmapModel(this);

    m_titleA = newLabel(this, "comparisonTitleA");
    m_titleB = newLabel(this, "comparisonTitleB");
    m_speed = newLabel(this, "comparisonSpeed");
    m_ratio = newLabel(this, "comparisonRatio");
    m_quality = newLabel(this, "comparisonQuality");
    m_cells = newLabel(this, "comparisonCells");

    auto* chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    m_meanA = new QLineSeries(chart);
    m_meanB = new QLineSeries(chart);
    m_tokenA = new QLineSeries(chart);
    m_tokenB = new QLineSeries(chart);
    m_meanA->setName(tr("A: cos(in,out), prompt mean"));
    m_meanB->setName(tr("B: cos(in,out), prompt mean"));
    // Okabe–Ito blue for A, vermillion for B; the selected token dashed.
    m_meanA->setPen(QPen(QColor(0x0072b2), 2));
    m_meanB->setPen(QPen(QColor(0xd55e00), 2));
    m_tokenA->setPen(QPen(QColor(0x0072b2), 1.5, Qt::DashLine));
    m_tokenB->setPen(QPen(QColor(0xd55e00), 1.5, Qt::DashLine));
    m_axisX = new QValueAxis(chart);
    m_axisX->setTitleText(tr("layer"));
    m_axisX->setLabelFormat(QStringLiteral("%d"));
    m_axisY = new QValueAxis(chart);
    m_axisY->setTitleText(tr("cosine similarity"));
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    for (QLineSeries* s : {m_meanA, m_meanB, m_tokenA, m_tokenB}) {
        chart->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
    }
    m_chart = new QChartView(chart, this);
    m_chart->setObjectName(QStringLiteral("comparisonChart"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    // Room for the axis labels and the legend.
    m_chart->setMinimumWidth(250);

    auto* panelA = new HeatmapPanel(m_heatmapA, this);
    auto* panelB = new HeatmapPanel(m_heatmapB, this);
    auto* diffPanel = new DiffHeatmapPanel(m_diff, this);
    m_viewA = panelA->view();
    m_viewB = panelB->view();
    m_diffView = diffPanel->view();
    // One token selected in all three, and one horizontal scroll position.
    connect(m_diffView, &QTableView::clicked, this,
            [this](const QModelIndex& index) { setSelectedToken(index.column()); });
    for (HeatmapView* v : {m_viewA, m_viewB})
        connect(v, &HeatmapView::tokenSelected, this, [this](int token) {
            if (token >= 0 && m_comparison)
                setSelectedToken(token);
        });
    const QList<QAbstractItemView*> views = {m_viewA, m_viewB, m_diffView};
    for (QAbstractItemView* from : views)
        for (QAbstractItemView* to : views)
            if (from != to)
                connect(from->horizontalScrollBar(), &QScrollBar::valueChanged,
                        to->horizontalScrollBar(), &QScrollBar::setValue);

    auto* summary = new QGridLayout;
    summary->addWidget(m_titleA, 0, 0, 1, 2);
    summary->addWidget(m_titleB, 1, 0, 1, 2);
    summary->addWidget(m_speed, 2, 0);
    summary->addWidget(m_ratio, 2, 1);
    summary->addWidget(m_quality, 3, 0);
    summary->addWidget(m_cells, 3, 1);

    auto* heatmaps = new QSplitter(Qt::Vertical, this);
    heatmaps->addWidget(panelA);
    heatmaps->addWidget(panelB);
    heatmaps->addWidget(diffPanel);
    auto* main = new QSplitter(Qt::Horizontal, this);
    main->setObjectName(QStringLiteral("comparisonSplitter"));
    main->addWidget(heatmaps);
    main->addWidget(m_chart);
    main->setStretchFactor(0, 3);
    main->setStretchFactor(1, 2);
    main->setChildrenCollapsible(false);
    m_split = main;

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(summary);
    layout->addWidget(main, 1);
    updateSummary();
}

void ComparisonView::setComparison(StoredComparisonPtr comparison) {
    m_comparison = std::move(comparison);
    m_token = -1;
    if (m_comparison) {
        m_heatmapA->setSnapshot(m_comparison->a->snapshot);
        m_heatmapB->setSnapshot(m_comparison->b->snapshot);
        // Shares the comparison without copying its cell arrays.
        m_diff->setComparison(
            m_comparison->a->snapshot, m_comparison->b->snapshot,
            std::shared_ptr<const RunComparison>(m_comparison, &m_comparison->comparison));
    } else {
        m_heatmapA->setSnapshot(nullptr);
        m_heatmapB->setSnapshot(nullptr);
        m_diff->setComparison(nullptr, nullptr, nullptr);
    }
    updateSummary();
    // All three open at the last token both runs have.
    const int common = m_comparison ? m_comparison->comparison.tokens : 0;
    setSelectedToken(common > 0 ? common - 1 : -1);
}

void ComparisonView::setSelectedToken(int token) {
    const bool changed = token != m_token;
    m_token = token;
    if (token >= 0) {
        for (HeatmapView* v : {m_viewA, m_viewB})
            if (v->selectedToken() != token)
                v->selectToken(token);
        const QAbstractItemModel* diff = m_diffView->model();
        if (diff && token < diff->columnCount() && diff->rowCount() > 0) {
            const QModelIndex cell = diff->index(0, token);
            m_diffView->setCurrentIndex(cell);
            m_diffView->scrollTo(cell, QAbstractItemView::EnsureVisible);
        }
    }
    if (changed || token < 0)
        updateCurves();
}

void ComparisonView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_sized)
        return;
    // The splitter would give the chart only its minimum; start at 3 : 2.
    m_sized = true;
    const int width = std::max(m_split->width(), 2 * m_chart->minimumWidth());
    m_split->setSizes({width * 3 / 5, width * 2 / 5});
}

QString ComparisonView::speedText() const {
    return m_speed->text();
}

QString ComparisonView::qualityText() const {
    return m_quality->text();
}

void ComparisonView::updateSummary() {
    if (!m_comparison) {
        for (QLabel* l : {m_titleA, m_titleB, m_speed, m_ratio, m_quality, m_cells})
            l->clear();
        return;
    }
    const RunRecord& a = m_comparison->a->record;
    const RunRecord& b = m_comparison->b->record;
    const RunComparison& c = m_comparison->comparison;
    const RunMetricsDelta& d = c.metrics;
    m_titleA->setText(runTitle(tr("A"), a));
    m_titleB->setText(runTitle(tr("B"), b));

    QString speed =
        tr("Δspeed: %1 → %2 ms/token (%3 ms/token)")
            .arg(QString::number(a.metrics.msPerToken, 'f', 3),
                 QString::number(b.metrics.msPerToken, 'f', 3), signedText(d.msPerToken, 3));
    if (a.metrics.msPerToken > 0 && b.metrics.msPerToken > 0)
        speed += tr(", B at %1× the speed of A (one run each: no spread, expect run-to-run "
                    "variation)")
                     .arg(QString::number(a.metrics.msPerToken / b.metrics.msPerToken, 'f', 2));
    if (d.measuredSpeedup)
        speed += tr("; measured speedup %1").arg(signedText(*d.measuredSpeedup, 3));
    m_speed->setText(speed);

    m_ratio->setText(tr("Nominal ratio: %1× → %2× (%3)")
                         .arg(QString::number(a.metrics.nominalRatio, 'f', 2),
                              QString::number(b.metrics.nominalRatio, 'f', 2),
                              signedText(d.nominalRatio, 2)));

    // A stored perplexity is exp(-mean log-likelihood) of the scored tokens,
    // so the log-likelihood change is ln ppl(A) - ln ppl(B).
    QStringList quality;
    if (a.metrics.perplexity && b.metrics.perplexity && *a.metrics.perplexity > 0 &&
        *b.metrics.perplexity > 0) {
        quality << tr("Δquality: mean log-likelihood %1 nats/token")
                       .arg(signedText(
                           std::log(*a.metrics.perplexity) - std::log(*b.metrics.perplexity), 4));
        quality << tr("perplexity %1 → %2 (%3)")
                       .arg(QString::number(*a.metrics.perplexity, 'f', 3),
                            QString::number(*b.metrics.perplexity, 'f', 3),
                            signedText(*d.perplexity, 3));
    } else {
        quality << tr("Δquality: not available (a run has no stored likelihood)");
    }
    if (d.perplexitySecondHalf)
        quality << tr("second-half perplexity %1").arg(signedText(*d.perplexitySecondHalf, 3));
    m_quality->setText(quality.join(QStringLiteral(", ")));

    const int64_t cells = static_cast<int64_t>(c.tokens) * c.layers;
    QString cellText = tr("%1 of %2 cells differ in state; %3 of %4 positions hold the same token")
                           .arg(QString::number(c.differingStates), QString::number(cells),
                                QString::number(c.sameTokenIds), QString::number(c.tokens));
    if (c.tokensA != c.tokensB || c.layersA != c.layersB)
        cellText += tr(" (A: %1 tokens × %2 layers, B: %3 × %4; aligned on the common part)")
                        .arg(QString::number(c.tokensA), QString::number(c.layersA),
                             QString::number(c.tokensB), QString::number(c.layersB));
    m_cells->setText(cellText);
}

void ComparisonView::updateCurves() {
    const RunSnapshot* a = m_comparison ? m_comparison->a->snapshot.get() : nullptr;
    const RunSnapshot* b = m_comparison ? m_comparison->b->snapshot.get() : nullptr;
    const SimilarityCurves ca = similarityCurves(a, m_token);
    const SimilarityCurves cb = similarityCurves(b, m_token);
    m_meanA->replace(ca.meanCos);
    m_meanB->replace(cb.meanCos);
    m_tokenA->replace(ca.tokenCos);
    m_tokenB->replace(cb.tokenCos);
    const bool token = !ca.tokenCos.isEmpty() || !cb.tokenCos.isEmpty();
    m_tokenA->setName(token ? tr("A: token %1").arg(m_token) : tr("A: selected token"));
    m_tokenB->setName(token ? tr("B: token %1").arg(m_token) : tr("B: selected token"));
    const int layers = std::max(ca.layers, cb.layers);
    m_axisX->setRange(0, std::max(1, layers - 1));
    double lo = std::min(ca.minValue, cb.minValue);
    double hi = std::max(ca.maxValue, cb.maxValue);
    if (ca.minValue > ca.maxValue) {
        lo = cb.minValue;
        hi = cb.maxValue;
    } else if (cb.minValue > cb.maxValue) {
        lo = ca.minValue;
        hi = ca.maxValue;
    }
    if (lo > hi) {
        lo = 0;
        hi = 1;
    }
    const double pad = std::max(0.02, (hi - lo) * 0.05);
    m_axisY->setRange(lo - pad, hi + pad);
}

} // namespace dash::studio
