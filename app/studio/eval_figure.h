// SPDX-License-Identifier: MIT
// The speed/quality Pareto figure of an evaluation (`dash-cli eval`'s
// results.json), in the print style of figure_renderer (white background,
// the spec's typography, Okabe–Ito colours), written as SVG, PDF or PNG by
// `dash-studio --export-figure pareto --results results.json --out FILE`.
//
// One curve per method through its cells at the evaluation's ratios, sorted
// by speed; full precision is one point. The x axis is the measured decode
// speedup when the evaluation has the speed task (the speed cell of the same
// method and ratio), else the nominal ratio of the quality cell itself. The
// y axis is one quality task's primary metric: perplexity (lower is better),
// or accuracy / ROUGE-L F1 in percent.
#pragma once

#include "app/studio/figure_spec.h"
#include "core/util/json.h"

#include <QList>
#include <QPointF>
#include <QString>

class QPainter;
class QRectF;

namespace dash::studio {

struct ParetoSeries {
    QString method;
    QList<QPointF> points; // (speed, quality), by increasing speed
};

struct ParetoData {
    QString task;   // wikitext2, cnndm, mmlu, arc
    QString xLabel; // "measured decode speedup (x)" or "nominal ratio (x)"
    QString yLabel;
    bool measuredSpeed = false; // x is the measured speedup
    QList<ParetoSeries> series;
};

// The figure's data from results.json; `task` empty: the first task of the
// layout other than speed. Errors name the field.
Expected<ParetoData> paretoFromResults(const Json& results, const QString& task);

void paintPareto(QPainter& painter, const QRectF& rect, const ParetoData& data,
                 const FigureSpec& spec);
// Writes the figure to `path` in spec.format; an empty string on success,
// else why the file was not written.
QString writePareto(const ParetoData& data, const FigureSpec& spec, const QString& path);
// method,x,y per point.
QByteArray paretoDataCsv(const ParetoData& data);

} // namespace dash::studio
