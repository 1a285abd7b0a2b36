// SPDX-License-Identifier: MIT
#include "app/studio/eval_figure.h"

#include "app/studio/figure_renderer.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <map>

namespace dash::studio {

namespace {

const QColor kAxisColor(0x222222);
const QColor kGridColor(0xdddddd);
// Okabe–Ito, without the yellow (too light on white), and grey as an eighth
// colour: a sweep has eight curves (full precision, DASH, DASH-skip and five
// baselines), and the eighth would otherwise repeat the first's colour.
const QColor kSeriesColors[] = {QColor(0x0072b2),  QColor(0xd55e00), QColor(0x009e73),
                                QColor(0xcc79a7),  QColor(0xe69f00), QColor(0x56b4e9),
                                QColor(Qt::black), QColor(0x999999)};

// The figure's words are English only: they are not in the translations yet.
QString english(const char* words) {
    return QString::fromUtf8(words);
}

// The ticks of an axis from lo to hi (widened by half a unit each way when
// the range is empty) and their step.
QList<double> ticks(double lo, double hi, int maxTicks, double* step) {
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    *step = niceStep(hi - lo, maxTicks);
    return niceTicks(lo, hi, maxTicks);
}

const char* primaryMetric(const QString& task) {
    if (task == QLatin1String("wikitext2"))
        return "ppl";
    if (task == QLatin1String("cnndm"))
        return "rouge_l";
    if (task == QLatin1String("mmlu"))
        return "acc";
    if (task == QLatin1String("arc"))
        return "acc_norm";
    return nullptr;
}

Error fieldError(const std::string& what) {
    return invalidError("results.json: " + what);
}

} // namespace

Expected<ParetoData> paretoFromResults(const Json& results, const QString& task) {
    if (!results.isObject())
        return fieldError("not a JSON object");
    const Json* layout = results.find("layout");
    const Json* cells = results.find("cells");
    if (!layout || !layout->isObject())
        return fieldError("no 'layout' object");
    if (!cells || !cells->isArray())
        return fieldError("no 'cells' list");
    const Json* tasks = layout->find("tasks");
    if (!tasks || !tasks->isArray())
        return fieldError("no 'layout.tasks' list");
    ParetoData data;
    bool hasSpeed = false;
    for (const Json& t : tasks->asArray()) {
        if (!t.isString())
            return fieldError("'layout.tasks' holds a non-string");
        const QString name = QString::fromStdString(t.asString());
        if (name == QLatin1String("speed"))
            hasSpeed = true;
        else if (data.task.isEmpty() && task.isEmpty())
            data.task = name;
        if (!task.isEmpty() && name == task)
            data.task = task;
    }
    if (data.task.isEmpty())
        return invalidError(task.isEmpty() ? std::string("results.json: no quality task to plot")
                                           : "results.json: the evaluation has no task '" +
                                                 task.toStdString() + "'");
    const char* metric = primaryMetric(data.task);
    if (!metric)
        return invalidError("--task must be wikitext2, cnndm, mmlu or arc");
    const bool percent = data.task != QLatin1String("wikitext2");

    // method -> ratio (in hundredths) -> (speed, quality)
    std::map<std::string, std::map<long, std::pair<double, double>>> quality, speed;
    std::vector<std::string> order;
    for (const Json& c : cells->asArray()) {
        if (!c.isObject())
            return fieldError("a cell is not an object");
        auto cellTask = c.string("task");
        auto method = c.string("method");
        auto ratio = c.number("target_ratio");
        auto nominal = c.number("nominal_ratio");
        const Json* metrics = c.find("metrics");
        if (!cellTask.ok() || !method.ok() || !ratio.ok() || !nominal.ok() || !metrics ||
            !metrics->isObject())
            return fieldError("a cell lacks task, method, target_ratio, nominal_ratio or metrics");
        const long r = std::lround(*ratio * 100);
        if (std::find(order.begin(), order.end(), *method) == order.end())
            order.push_back(*method);
        if (*cellTask == "speed") {
            const Json* s = metrics->find("speedup");
            if (s && s->isNumber())
                speed[*method][r] = {s->asNumber(), 0};
        } else if (QString::fromStdString(*cellTask) == data.task) {
            const Json* q = metrics->find(metric);
            if (q && q->isNumber() && std::isfinite(q->asNumber()))
                quality[*method][r] = {*nominal, q->asNumber() * (percent ? 100.0 : 1.0)};
        }
    }
    data.measuredSpeed = hasSpeed;
    data.xLabel = hasSpeed ? english("measured decode speedup (×)") : english("nominal ratio (×)");
    data.yLabel = data.task == QLatin1String("wikitext2") ? english("WikiText-2 perplexity")
                  : data.task == QLatin1String("cnndm")   ? english("CNN/DM ROUGE-L F1 (%)")
                  : data.task == QLatin1String("mmlu")    ? english("MMLU accuracy (%)")
                                                          : english("ARC-C accuracy (%)");
    for (const std::string& method : order) {
        const auto q = quality.find(method);
        if (q == quality.end())
            continue;
        ParetoSeries series;
        series.method = QString::fromStdString(method);
        for (const auto& [r, point] : q->second) {
            double x = point.first;
            if (hasSpeed) {
                const auto s = speed.find(method);
                if (s == speed.end() || !s->second.count(r))
                    continue; // no measured speed for this cell
                x = s->second.at(r).first;
            }
            series.points.append(QPointF(x, point.second));
        }
        std::sort(series.points.begin(), series.points.end(),
                  [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
        if (!series.points.isEmpty())
            data.series.append(series);
    }
    if (data.series.isEmpty())
        return invalidError("results.json: no cell of " + data.task.toStdString() +
                            (hasSpeed ? " with a measured speed" : "") + " to plot");
    return data;
}

void paintPareto(QPainter& painter, const QRectF& rect, const ParetoData& data,
                 const FigureSpec& spec) {
    const double k = painter.device()->logicalDpiY() / kPointsPerInch;
    auto pt = [k](double points) { return points * k; };
    auto font = [&](double scale) {
        const bool serif = spec.font == FigureFont::Serif;
        QFont f(serif ? QStringLiteral("serif") : QStringLiteral("sans-serif"));
        f.setStyleHint(serif ? QFont::Serif : QFont::SansSerif);
        f.setPointSizeF(std::max(1.0, spec.fontPt * scale));
        return f;
    };
    auto pen = [&](const QColor& c, double w, Qt::PenStyle style = Qt::SolidLine) {
        QPen p(c, pt(w), style);
        p.setCapStyle(Qt::FlatCap);
        return p;
    };
    const QFont labelFont = font(1.0), tickFont = font(0.85), legendFont = font(0.9);
    const QFontMetricsF labelFm(labelFont, painter.device()), tickFm(tickFont, painter.device()),
        legendFm(legendFont, painter.device());
    auto text = [&](const QPointF& anchor, Qt::Alignment align, const QString& s, const QFont& f) {
        const QFontMetricsF fm(f, painter.device());
        const double w = fm.horizontalAdvance(s) + 1, h = fm.height();
        double x = anchor.x(), y = anchor.y();
        if (align & Qt::AlignRight)
            x -= w;
        else if (align & Qt::AlignHCenter)
            x -= w / 2;
        if (align & Qt::AlignVCenter)
            y -= h / 2;
        painter.setFont(f);
        painter.drawText(QRectF(x, y, w, h), Qt::AlignLeft | Qt::AlignVCenter, s);
    };

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    QRectF area = rect.adjusted(pt(2), pt(2), -pt(2), -pt(2));

    // Legend on top, wrapping.
    {
        double x = 0, y = 0;
        const double swatch = pt(12), gap = pt(3), spacing = pt(9), line = legendFm.height();
        for (qsizetype i = 0; i < data.series.size(); ++i) {
            const QString& label = data.series[i].method;
            const double w = swatch + gap + legendFm.horizontalAdvance(label);
            if (x > 0 && x + w > area.width()) {
                x = 0;
                y += line;
            }
            const QColor c = kSeriesColors[i % std::size(kSeriesColors)];
            const QPointF left(area.left() + x, area.top() + y + line / 2);
            painter.setPen(pen(c, 1.2));
            painter.drawLine(left, left + QPointF(swatch, 0));
            painter.fillRect(
                QRectF(left.x() + swatch / 2 - pt(1.5), left.y() - pt(1.5), pt(3), pt(3)), c);
            painter.setPen(kAxisColor);
            text(QPointF(left.x() + swatch + gap, left.y()), Qt::AlignVCenter, label, legendFont);
            x += w + spacing;
        }
        area.setTop(area.top() + y + line + pt(4));
    }

    double xLo = 1e300, xHi = -1e300, yLo = 1e300, yHi = -1e300;
    for (const ParetoSeries& s : data.series)
        for (const QPointF& p : s.points) {
            xLo = std::min(xLo, p.x());
            xHi = std::max(xHi, p.x());
            yLo = std::min(yLo, p.y());
            yHi = std::max(yHi, p.y());
        }
    const double xPad = std::max(0.02, (xHi - xLo) * 0.05),
                 yPad = std::max(0.01, (yHi - yLo) * 0.05);
    double xStep = 1, yStep = 1;
    const QList<double> xTicks = ticks(xLo - xPad, xHi + xPad, 6, &xStep);
    // Perplexity, accuracy and ROUGE are never negative: the padding does
    // not put the axis below zero.
    const double yFrom = yLo >= 0 ? std::max(0.0, yLo - yPad) : yLo - yPad;
    const QList<double> yTicks = ticks(yFrom, yHi + yPad, 5, &yStep);
    double yTickWidth = 0;
    for (double v : yTicks)
        yTickWidth = std::max(yTickWidth, tickFm.horizontalAdvance(tickLabel(v, yStep)));
    const double left = area.left() + labelFm.height() + pt(3) + yTickWidth + pt(3);
    const QRectF plot(left, area.top() + tickFm.height() / 2, area.right() - left - pt(4),
                      area.height() - tickFm.height() / 2 - pt(3) - tickFm.height() - pt(2) -
                          labelFm.height());
    if (plot.width() <= 0 || plot.height() <= 0) {
        painter.setPen(kAxisColor);
        text(rect.center(), Qt::AlignCenter, english("The figure is too small"), labelFont);
        painter.restore();
        return;
    }
    const double x0 = xTicks.front(), x1 = xTicks.back(), y0 = yTicks.front(), y1 = yTicks.back();
    auto map = [&](const QPointF& p) {
        return QPointF(plot.left() + (p.x() - x0) / (x1 - x0) * plot.width(),
                       plot.bottom() - (p.y() - y0) / (y1 - y0) * plot.height());
    };
    painter.setPen(pen(kGridColor, 0.4));
    for (double v : yTicks)
        painter.drawLine(map(QPointF(x0, v)), map(QPointF(x1, v)));
    for (double v : xTicks)
        painter.drawLine(map(QPointF(v, y0)), map(QPointF(v, y1)));
    painter.setPen(pen(kAxisColor, 0.6));
    painter.drawLine(plot.bottomLeft(), plot.topLeft());
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.setPen(kAxisColor);
    for (double v : yTicks)
        text(map(QPointF(x0, v)) - QPointF(pt(3), 0), Qt::AlignRight | Qt::AlignVCenter,
             tickLabel(v, yStep), tickFont);
    for (double v : xTicks)
        text(map(QPointF(v, y0)) + QPointF(0, pt(3)), Qt::AlignHCenter, tickLabel(v, xStep),
             tickFont);
    text(QPointF(plot.center().x(), plot.bottom() + pt(3) + tickFm.height() + pt(1)),
         Qt::AlignHCenter, data.xLabel, labelFont);
    painter.save();
    painter.translate(area.left() + labelFm.height() / 2, plot.center().y());
    painter.rotate(-90);
    text(QPointF(0, 0), Qt::AlignCenter, data.yLabel, labelFont);
    painter.restore();

    painter.setClipRect(plot.adjusted(-pt(3), -pt(3), pt(3), pt(3)));
    for (qsizetype i = 0; i < data.series.size(); ++i) {
        const QColor c = kSeriesColors[i % std::size(kSeriesColors)];
        QPainterPath path;
        const QList<QPointF>& points = data.series[i].points;
        for (qsizetype j = 0; j < points.size(); ++j)
            j == 0 ? path.moveTo(map(points[j])) : path.lineTo(map(points[j]));
        painter.setPen(pen(c, 1.2));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        for (const QPointF& p : points) {
            const QPointF m = map(p);
            painter.fillRect(QRectF(m.x() - pt(1.75), m.y() - pt(1.75), pt(3.5), pt(3.5)), c);
        }
    }
    painter.restore();
}

QString writePareto(const ParetoData& data, const FigureSpec& spec, const QString& path) {
    return writePaintedFigure(spec, path, QStringLiteral("DASH Studio — pareto"),
                              [&](QPainter& painter, const QRectF& rect) {
                                  painter.fillRect(rect, Qt::white);
                                  paintPareto(painter, rect, data, spec);
                              });
}

QByteArray paretoDataCsv(const ParetoData& data) {
    QByteArray out = "method,x,y\n";
    for (const ParetoSeries& s : data.series)
        for (const QPointF& p : s.points) {
            QString method = s.method;
            if (method.contains(QLatin1Char(',')) || method.contains(QLatin1Char('"')))
                method = QLatin1Char('"') +
                         method.replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"');
            out +=
                QStringLiteral("%1,%2,%3\n")
                    .arg(method, QString::number(p.x(), 'g', 10), QString::number(p.y(), 'g', 10))
                    .toUtf8();
        }
    return out;
}

} // namespace dash::studio
