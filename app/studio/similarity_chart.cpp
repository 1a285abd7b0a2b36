// SPDX-License-Identifier: MIT
#include "app/studio/similarity_chart.h"

#include "app/studio/similarity_curves.h"
#include "app/studio/token_text.h"

#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>

namespace dash::studio {

SimilarityChart::SimilarityChart(QWidget* parent) : QChartView(new QChart, parent) {
    QChart* chart = this->chart();
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);

    m_tokenCos = new QLineSeries(chart);
    m_meanCos = new QLineSeries(chart);
    m_adjacent = new QLineSeries(chart);
    m_skipped = new QScatterSeries(chart);
    m_meanCos->setName(tr("cos(in,out), prompt mean"));
    m_adjacent->setName(tr("adjacent-layer similarity"));
    m_skipped->setName(tr("skipped layer"));
    m_skipped->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_skipped->setMarkerSize(9);
    // Okabe–Ito colours: distinguishable under colour-vision deficiencies.
    m_tokenCos->setPen(QPen(QColor(0x0072b2), 2));
    m_meanCos->setPen(QPen(QColor(0x999999), 2, Qt::DashLine));
    m_adjacent->setPen(QPen(QColor(0xe69f00), 1.5));
    m_skipped->setColor(QColor(0xd55e00));
    m_skipped->setBorderColor(QColor(0xd55e00));

    m_axisX = new QValueAxis(chart);
    m_axisX->setTitleText(tr("layer"));
    m_axisX->setLabelFormat(QStringLiteral("%d"));
    m_axisY = new QValueAxis(chart);
    m_axisY->setTitleText(tr("cosine similarity"));
    m_niceY = new QValueAxis(this);
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    for (QXYSeries* s : {static_cast<QXYSeries*>(m_meanCos), static_cast<QXYSeries*>(m_tokenCos),
                         static_cast<QXYSeries*>(m_adjacent), static_cast<QXYSeries*>(m_skipped)}) {
        chart->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
    }
    setRenderHint(QPainter::Antialiasing);
    rebuild();
}

void SimilarityChart::setSnapshot(SnapshotPtr snapshot) {
    m_snapshot = std::move(snapshot);
    rebuild();
}

QList<QLineSeries*> SimilarityChart::adjacentSegments() const {
    QList<QLineSeries*> out = {m_adjacent};
    for (QLineSeries* s : m_adjacentMore)
        if (s->count() > 0)
            out.append(s);
    return out;
}

void SimilarityChart::setSelectedToken(int token) {
    // The heatmap reselects the token after every run; setSnapshot() drew
    // that run with it already, so only the y axis takes its second step
    // (applyNiceNumbers() starts from the tick count it left).
    if (token == m_token) {
        updateAxes();
        return;
    }
    m_token = token;
    rebuild();
}

void SimilarityChart::rebuild() {
    const SimilarityCurves curves = similarityCurves(m_snapshot.get(), m_token);
    m_tokenCos->replace(curves.tokenCos);
    m_meanCos->replace(curves.meanCos);
    // One series per run of consecutive layers, so that no line bridges a gap.
    QList<QList<QPointF>> runs;
    for (qsizetype i = 0; i < curves.adjacent.size(); ++i) {
        if (i == 0 || curves.adjacent[i].x() - curves.adjacent[i - 1].x() != 1.0)
            runs.append(QList<QPointF>());
        runs.last().append(curves.adjacent[i]);
    }
    m_adjacent->replace(runs.value(0));
    while (m_adjacentMore.size() < runs.size() - 1) {
        auto* s = new QLineSeries(chart());
        s->setPen(m_adjacent->pen());
        chart()->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
        for (QLegendMarker* m : chart()->legend()->markers(s))
            m->setVisible(false);
        m_adjacentMore.append(s);
    }
    for (qsizetype i = 0; i < m_adjacentMore.size(); ++i)
        m_adjacentMore[i]->replace(runs.value(i + 1));
    m_skipped->replace(curves.skipped);

    m_layers = curves.layers;
    m_minValue = curves.minValue;
    m_maxValue = curves.maxValue;
    if (curves.token >= 0) {
        const QString text = tokenLabel(m_snapshot->tokenTexts.value(m_token));
        m_tokenCos->setName(tr("cos(in,out), token %1 “%2”").arg(QString::number(m_token), text));
    } else {
        m_tokenCos->setName(tr("cos(in,out), selected token"));
    }
    updateAxes();
}

void SimilarityChart::updateAxes() {
    m_axisX->setRange(0, std::max(1, m_layers - 1));
    m_axisX->setTickCount(std::clamp(m_layers, 2, 17));
    double lo = m_minValue, hi = m_maxValue;
    if (lo > hi) {
        lo = 0;
        hi = 1;
    }
    const double pad = std::max(0.02, (hi - lo) * 0.08);
    // The nice range depends on the tick count the axis has now, as it did
    // when applyNiceNumbers() ran on the visible axis itself.
    m_niceY->setTickCount(m_axisY->tickCount());
    m_niceY->setRange(std::max(-1.05, lo - pad), std::min(1.05, hi + pad));
    m_niceY->applyNiceNumbers();
    m_axisY->setTickCount(m_niceY->tickCount());
    m_axisY->setRange(m_niceY->min(), m_niceY->max());
}

} // namespace dash::studio
