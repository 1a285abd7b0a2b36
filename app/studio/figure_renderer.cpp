// SPDX-License-Identifier: MIT
#include "app/studio/figure_renderer.h"

#include "app/studio/heatmap_palette.h"
#include "app/studio/similarity_curves.h"
#include "app/studio/token_text.h"
#include "core/engine/trace_json.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace dash::studio {

namespace {

// Vector outputs get a device resolution of their own: 254 dpi is 10 units
// per millimetre, so the SVG's size in mm is exact to 0.1 mm; the PDF's page
// size is exact whatever its resolution.
constexpr int kSvgDpi = 254;
constexpr int kPdfDpi = 1200;

constexpr int kStateValues[] = {0, 1, 2, 4};

// Okabe–Ito colours, as the widgets use them.
const QColor kTokenColor(0x0072b2);
const QColor kMeanColor(0x999999);
const QColor kAdjacentColor(0xe69f00);
const QColor kSkippedColor(0xd55e00);
const QColor kAxisColor(0x222222);
const QColor kGridColor(0xdddddd);

// Smallest step of the form 1, 2, 5 × 10^k that is at least `minimum`.
int integerStep(double minimum) {
    int step = 1;
    for (int p = 1;; p *= 10)
        for (int m : {1, 2, 5})
            if ((step = m * p) >= minimum)
                return step;
}

QColor spanColor(const Span& span) {
    const bool odd = span.layer >= 0 && (span.layer % 2) == 1;
    if (span.stream == StreamKind::Compute)
        return odd ? QColor(0x56b4e9) : QColor(0x0072b2);
    return odd ? QColor(0xf0c060) : QColor(0xe69f00);
}

// One legend item: a swatch drawn into its box, then the label.
struct LegendEntry {
    QString label;
    std::function<void(QPainter&, const QRectF&)> swatch;
};

class FigurePainter {
    Q_DECLARE_TR_FUNCTIONS(dash::studio::FigurePainter)
public:
    FigurePainter(QPainter& painter, const QRectF& rect, const RunSnapshot& snapshot,
                  const FigureSpec& spec)
        : m_painter(painter), m_rect(rect), m_snapshot(snapshot), m_spec(spec),
          m_k(painter.device()->logicalDpiY() / kPointsPerInch) {}

    void paint() {
        m_painter.save();
        m_painter.setRenderHint(QPainter::Antialiasing, true);
        m_painter.setRenderHint(QPainter::TextAntialiasing, true);
        switch (m_spec.kind) {
        case FigureKind::Heatmap:
            paintHeatmap();
            break;
        case FigureKind::SimilarityCurves:
            paintCurves();
            break;
        case FigureKind::StreamTimeline:
            paintTimeline();
            break;
        }
        m_painter.restore();
    }

private:
    double pt(double points) const { return points * m_k; }

    QFont font(double scale) const {
        const bool serif = m_spec.font == FigureFont::Serif;
        QFont f(serif ? QStringLiteral("serif") : QStringLiteral("sans-serif"));
        f.setStyleHint(serif ? QFont::Serif : QFont::SansSerif);
        f.setPointSizeF(std::max(1.0, m_spec.fontPt * scale));
        return f;
    }

    QFontMetricsF metrics(const QFont& f) const { return QFontMetricsF(f, m_painter.device()); }

    QPen pen(const QColor& color, double widthPt, Qt::PenStyle style = Qt::SolidLine) const {
        QPen p(color, pt(widthPt), style);
        p.setCapStyle(Qt::FlatCap);
        p.setJoinStyle(Qt::MiterJoin);
        return p;
    }

    // Text at `anchor` (baseline-independent: the anchor is the box's edge or
    // centre that `align` names).
    void drawText(const QPointF& anchor, Qt::Alignment align, const QString& text, const QFont& f) {
        const QFontMetricsF fm = metrics(f);
        const double w = fm.horizontalAdvance(text) + 1;
        const double h = fm.height();
        double x = anchor.x(), y = anchor.y();
        if (align & Qt::AlignRight)
            x -= w;
        else if (align & Qt::AlignHCenter)
            x -= w / 2;
        if (align & Qt::AlignBottom)
            y -= h;
        else if (align & Qt::AlignVCenter)
            y -= h / 2;
        m_painter.setFont(f);
        m_painter.drawText(QRectF(x, y, w, h), Qt::AlignLeft | Qt::AlignVCenter, text);
    }

    // Text running upwards, centred on `centre`.
    void drawVerticalText(const QPointF& centre, const QString& text, const QFont& f) {
        m_painter.save();
        m_painter.translate(centre);
        m_painter.rotate(-90);
        drawText(QPointF(0, 0), Qt::AlignCenter, text, f);
        m_painter.restore();
    }

    // Lays the entries out left to right, wrapping at `width`; draws them when
    // `draw`. Returns the height used.
    double legend(const QPointF& topLeft, double width, const QList<LegendEntry>& entries,
                  bool draw) {
        const QFont f = font(0.9);
        const QFontMetricsF fm = metrics(f);
        const double swatchW = pt(12), gap = pt(3), spacing = pt(9), line = fm.height();
        double x = 0, y = 0;
        for (const LegendEntry& e : entries) {
            const double w = swatchW + gap + fm.horizontalAdvance(e.label);
            if (x > 0 && x + w > width) {
                x = 0;
                y += line;
            }
            if (draw) {
                const QRectF box(topLeft.x() + x, topLeft.y() + y, swatchW, line);
                m_painter.save();
                e.swatch(m_painter, box);
                m_painter.restore();
                m_painter.setPen(kAxisColor);
                drawText(QPointF(box.right() + gap, box.center().y()), Qt::AlignVCenter, e.label,
                         f);
            }
            x += w + spacing;
        }
        return entries.isEmpty() ? 0 : y + line;
    }

    LegendEntry lineEntry(const QString& label, const QPen& linePen) const {
        return {label, [linePen](QPainter& p, const QRectF& box) {
                    p.setPen(linePen);
                    p.drawLine(QPointF(box.left(), box.center().y()),
                               QPointF(box.right(), box.center().y()));
                }};
    }

    LegendEntry boxEntry(const QString& label, const QColor& fill, double sizePt) const {
        const double side = pt(sizePt);
        return {label, [fill, side](QPainter& p, const QRectF& box) {
                    p.fillRect(QRectF(box.center().x() - side / 2, box.center().y() - side / 2,
                                      side, side),
                               fill);
                }};
    }

    void paintNoData(const QString& text) {
        m_painter.setPen(kAxisColor);
        drawText(m_rect.center(), Qt::AlignCenter, text, font(1.0));
    }

    void paintHeatmap();
    void paintCurves();
    void paintTimeline();

    QPainter& m_painter;
    QRectF m_rect;
    const RunSnapshot& m_snapshot;
    const FigureSpec& m_spec;
    double m_k; // device units per point
};

void FigurePainter::paintHeatmap() {
    const Trace& trace = m_snapshot.trace;
    const int tokens = trace.tokenCount();
    const int layers = trace.layers;
    if (tokens == 0 || layers == 0) {
        paintNoData(tr("No tokens"));
        return;
    }
    const QFont labelFont = font(1.0);
    const QFont tickFont = font(0.8);
    const QFontMetricsF labelFm = metrics(labelFont);
    const QFontMetricsF tickFm = metrics(tickFont);
    QRectF area = m_rect.adjusted(pt(2), pt(2), -pt(2), -pt(2));

    double cosMin = std::numeric_limits<double>::infinity();
    double cosMax = -cosMin;
    for (float v : trace.cosInOut) {
        if (std::isfinite(v)) {
            cosMin = std::min(cosMin, static_cast<double>(v));
            cosMax = std::max(cosMax, static_cast<double>(v));
        }
    }
    const bool stateMode = m_spec.heatmapColor == HeatmapColorMode::State;

    // Legend: state swatches, or the cos(in,out) scale with its range.
    double legendHeight = 0;
    if (stateMode) {
        QList<LegendEntry> entries;
        for (int s : kStateValues)
            entries.append(boxEntry(stateLabel(s), stateColor(s), 6));
        legendHeight = legend(area.topLeft(), area.width(), entries, true);
    } else {
        const QFont f = font(0.9);
        const QFontMetricsF fm = metrics(f);
        const bool hasRange = cosMin <= cosMax;
        const QString lo = hasRange ? QString::number(cosMin, 'f', 3) : QStringLiteral("–");
        const QString hi = hasRange ? QString::number(cosMax, 'f', 3) : QStringLiteral("–");
        const double y = area.top() + fm.height() / 2;
        double x = area.left();
        m_painter.setPen(kAxisColor);
        for (const QString& text : {tr("cos(in,out)"), lo}) {
            drawText(QPointF(x, y), Qt::AlignVCenter, text, f);
            x += fm.horizontalAdvance(text) + pt(4);
        }
        const double barWidth = pt(60);
        const int steps = 64;
        for (int i = 0; i < steps; ++i)
            m_painter.fillRect(
                QRectF(x + barWidth * i / steps, y - pt(3), barWidth / steps + 0.5, pt(6)),
                sequentialColor(i / double(steps - 1)));
        drawText(QPointF(x + barWidth + pt(4), y), Qt::AlignVCenter, hi, f);
        legendHeight = fm.height();
    }
    area.setTop(area.top() + legendHeight + pt(4));

    // Axes: the layer label and numbers on the left, token labels below.
    const double yTickWidth = tickFm.horizontalAdvance(QString::number(layers - 1));
    const double gridLeft = area.left() + labelFm.height() + pt(3) + yTickWidth + pt(3);
    double cellWidth = (area.right() - gridLeft) / tokens;
    const bool textLabels =
        m_snapshot.tokenTexts.size() >= tokens && cellWidth >= tickFm.height() * 0.9;
    QStringList labels;
    double xTickHeight = tickFm.height();
    if (textLabels) {
        const double maxLabel = area.height() * 0.3;
        double widest = 0;
        for (int t = 0; t < tokens; ++t) {
            labels.append(tickFm.elidedText(tokenLabel(m_snapshot.tokenTexts.at(t)).trimmed(),
                                            Qt::ElideRight, maxLabel));
            widest = std::max(widest, tickFm.horizontalAdvance(labels.back()));
        }
        xTickHeight = widest;
    }
    const QRectF grid(gridLeft, area.top(), area.right() - gridLeft,
                      area.height() - pt(2) - xTickHeight - pt(2) - labelFm.height());
    if (grid.width() <= 0 || grid.height() <= 0) {
        paintNoData(tr("The figure is too small"));
        return;
    }
    cellWidth = grid.width() / tokens;
    const double cellHeight = grid.height() / layers;

    // Cells: shared edges and no antialiasing, so neighbours neither overlap nor gap.
    m_painter.save();
    m_painter.setRenderHint(QPainter::Antialiasing, false);
    for (int t = 0; t < tokens; ++t) {
        const double x0 = grid.left() + t * cellWidth;
        const double x1 = grid.left() + (t + 1) * cellWidth;
        for (int l = 0; l < layers; ++l) {
            const size_t cell = trace.cell(t, l);
            QColor fill;
            if (stateMode) {
                fill = stateColor(trace.states[cell]);
            } else {
                const float v = trace.cosInOut[cell];
                const double span = cosMax - cosMin;
                fill = std::isfinite(v) ? sequentialColor(span > 0 ? (v - cosMin) / span : 1.0)
                                        : missingValueColor();
            }
            const double y0 = grid.top() + l * cellHeight;
            const double y1 = grid.top() + (l + 1) * cellHeight;
            m_painter.fillRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)), fill);
        }
    }
    m_painter.restore();

    m_painter.setPen(pen(kAxisColor, 0.5));
    m_painter.setBrush(Qt::NoBrush);
    m_painter.drawRect(grid);
    // Where the typed prompt ends and generation begins.
    const int promptTokens = std::min(tokens, static_cast<int>(m_snapshot.promptIds.size()));
    if (promptTokens > 0 && promptTokens < tokens) {
        const double x = grid.left() + promptTokens * cellWidth;
        m_painter.setPen(pen(Qt::black, 1.0, Qt::DashLine));
        m_painter.drawLine(QPointF(x, grid.top() - pt(2)), QPointF(x, grid.bottom() + pt(2)));
    }

    m_painter.setPen(kAxisColor);
    const int layerStep = integerStep(tickFm.height() * 1.2 / cellHeight);
    for (int l = 0; l < layers; l += layerStep)
        drawText(QPointF(gridLeft - pt(3), grid.top() + (l + 0.5) * cellHeight),
                 Qt::AlignRight | Qt::AlignVCenter, QString::number(l), tickFont);
    drawVerticalText(QPointF(area.left() + labelFm.height() / 2, grid.center().y()), tr("layer"),
                     labelFont);

    const double tickTop = grid.bottom() + pt(2);
    if (textLabels) {
        for (int t = 0; t < tokens; ++t) {
            // Rotated so that the text runs up and ends at the grid.
            m_painter.save();
            m_painter.translate(grid.left() + (t + 0.5) * cellWidth, tickTop);
            m_painter.rotate(-90);
            drawText(QPointF(0, 0), Qt::AlignRight | Qt::AlignVCenter, labels.at(t), tickFont);
            m_painter.restore();
        }
    } else {
        const double labelWidth = tickFm.horizontalAdvance(QString::number(tokens - 1)) * 2;
        const int tokenStep = integerStep(labelWidth / cellWidth);
        for (int t = 0; t < tokens; t += tokenStep)
            drawText(QPointF(grid.left() + (t + 0.5) * cellWidth, tickTop), Qt::AlignHCenter,
                     QString::number(t), tickFont);
    }
    drawText(QPointF(grid.center().x(), tickTop + xTickHeight + pt(2)), Qt::AlignHCenter,
             tr("token"), labelFont);
}

void FigurePainter::paintCurves() {
    const int token = figureToken(m_snapshot, m_spec);
    const SimilarityCurves curves = similarityCurves(&m_snapshot, token);
    if (curves.layers == 0) {
        paintNoData(tr("No layers"));
        return;
    }
    const QFont labelFont = font(1.0);
    const QFont tickFont = font(0.85);
    const QFontMetricsF labelFm = metrics(labelFont);
    const QFontMetricsF tickFm = metrics(tickFont);
    QRectF area = m_rect.adjusted(pt(2), pt(2), -pt(2), -pt(2));

    const QPen tokenPen = pen(kTokenColor, 1.2);
    const QPen meanPen = pen(kMeanColor, 1.2, Qt::DashLine);
    const QPen adjacentPen = pen(kAdjacentColor, 1.0);
    QList<LegendEntry> entries;
    if (curves.token >= 0) {
        const QString text = tokenLabel(m_snapshot.tokenTexts.value(curves.token));
        entries.append(lineEntry(
            tr("cos(in,out), token %1 “%2”").arg(QString::number(curves.token), text), tokenPen));
    }
    entries.append(lineEntry(tr("cos(in,out), prompt mean"), meanPen));
    if (!curves.adjacent.isEmpty())
        entries.append(lineEntry(tr("adjacent-layer similarity"), adjacentPen));
    if (!curves.skipped.isEmpty())
        entries.append(boxEntry(tr("skipped layer"), kSkippedColor, 3.5));
    area.setTop(area.top() + legend(area.topLeft(), area.width(), entries, true) + pt(4));

    double lo = curves.minValue, hi = curves.maxValue;
    if (lo > hi) {
        lo = 0;
        hi = 1;
    }
    const double pad = std::max(0.01, (hi - lo) * 0.05);
    const double plotHeightGuess = area.height() - 2 * tickFm.height() - labelFm.height();
    const int maxYTicks = std::max(2, static_cast<int>(plotHeightGuess / (tickFm.height() * 2)));
    const QList<double> yTicks = niceTicks(std::max(-1.0, lo - pad), hi + pad, maxYTicks);
    const double yStep = yTicks.size() > 1 ? yTicks[1] - yTicks[0] : 1;
    const double yMin = yTicks.front(), yMax = yTicks.back();
    double yTickWidth = 0;
    for (double v : yTicks)
        yTickWidth = std::max(yTickWidth, tickFm.horizontalAdvance(tickLabel(v, yStep)));

    const double left = area.left() + labelFm.height() + pt(3) + yTickWidth + pt(3);
    const QRectF plot(left, area.top() + tickFm.height() / 2, area.right() - left - pt(4),
                      area.bottom() - area.top() - tickFm.height() / 2 - pt(3) - tickFm.height() -
                          pt(2) - labelFm.height());
    if (plot.width() <= 0 || plot.height() <= 0) {
        paintNoData(tr("The figure is too small"));
        return;
    }
    const double xMax = std::max(1, curves.layers - 1);
    auto map = [&](const QPointF& p) {
        return QPointF(plot.left() + p.x() / xMax * plot.width(),
                       plot.bottom() - (p.y() - yMin) / (yMax - yMin) * plot.height());
    };

    // Grid and axes.
    m_painter.setPen(pen(kGridColor, 0.4));
    for (double v : yTicks)
        m_painter.drawLine(map(QPointF(0, v)), map(QPointF(xMax, v)));
    m_painter.setPen(pen(kAxisColor, 0.6));
    m_painter.drawLine(plot.bottomLeft(), plot.topLeft());
    m_painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    for (double v : yTicks) {
        const QPointF p = map(QPointF(0, v));
        m_painter.setPen(pen(kAxisColor, 0.6));
        m_painter.drawLine(p, p - QPointF(pt(2), 0));
        m_painter.setPen(kAxisColor);
        drawText(p - QPointF(pt(3), 0), Qt::AlignRight | Qt::AlignVCenter, tickLabel(v, yStep),
                 tickFont);
    }
    const double xLabelWidth = tickFm.horizontalAdvance(QString::number(curves.layers - 1)) * 2.5;
    const int layerStep = integerStep(xLabelWidth / (plot.width() / xMax));
    for (int l = 0; l < curves.layers; l += layerStep) {
        const QPointF p = map(QPointF(l, yMin));
        m_painter.setPen(pen(kAxisColor, 0.6));
        m_painter.drawLine(p, p + QPointF(0, pt(2)));
        m_painter.setPen(kAxisColor);
        drawText(p + QPointF(0, pt(3)), Qt::AlignHCenter, QString::number(l), tickFont);
    }
    drawText(QPointF(plot.center().x(), plot.bottom() + pt(3) + tickFm.height() + pt(1)),
             Qt::AlignHCenter, tr("layer"), labelFont);
    drawVerticalText(QPointF(area.left() + labelFm.height() / 2, plot.center().y()),
                     tr("cosine similarity"), labelFont);

    // Series: lines join neighbouring layers only, so a missing value leaves a gap.
    m_painter.save();
    m_painter.setClipRect(plot.adjusted(-pt(2), -pt(2), pt(2), pt(2)));
    auto drawSeries = [&](const QList<QPointF>& points, const QPen& seriesPen) {
        QPainterPath path;
        for (qsizetype i = 0; i < points.size(); ++i) {
            const bool joined = i > 0 && points[i].x() - points[i - 1].x() == 1.0;
            if (joined)
                path.lineTo(map(points[i]));
            else
                path.moveTo(map(points[i]));
        }
        m_painter.setPen(seriesPen);
        m_painter.setBrush(Qt::NoBrush);
        m_painter.drawPath(path);
    };
    drawSeries(curves.meanCos, meanPen);
    drawSeries(curves.adjacent, adjacentPen);
    drawSeries(curves.tokenCos, tokenPen);
    const double side = pt(3.5);
    for (const QPointF& p : curves.skipped) {
        const QPointF c = map(p);
        m_painter.fillRect(QRectF(c.x() - side / 2, c.y() - side / 2, side, side), kSkippedColor);
    }
    m_painter.restore();
}

void FigurePainter::paintTimeline() {
    const std::vector<Span>& spans = m_snapshot.trace.spans;
    if (spans.empty()) {
        paintNoData(tr("No spans recorded"));
        return;
    }
    int64_t startNs = spans.front().startNs, endNs = spans.front().endNs;
    for (const Span& s : spans) {
        startNs = std::min(startNs, s.startNs);
        endNs = std::max(endNs, s.endNs);
    }
    const double durationMs = std::max(1e-6, static_cast<double>(endNs - startNs) / 1e6);

    const QFont labelFont = font(1.0);
    const QFont tickFont = font(0.85);
    const QFontMetricsF labelFm = metrics(labelFont);
    const QFontMetricsF tickFm = metrics(tickFont);
    QRectF area = m_rect.adjusted(pt(2), pt(2), -pt(2), -pt(2));

    const bool hasPolicy = busyTimeNs(spans, StreamKind::Policy) > 0;
    const QString overlap = hasPolicy
                                ? tr("overlap %1 % of policy time hidden")
                                      .arg(QString::number(m_snapshot.overlap() * 100, 'f', 1))
                                : tr("no policy stream");
    const QString summary =
        tr("%1 · %2 ms/token").arg(overlap, QString::number(m_snapshot.msPerToken(), 'f', 3));
    m_painter.setPen(kAxisColor);
    drawText(area.topLeft(), Qt::AlignLeft | Qt::AlignTop, summary, font(0.9));
    area.setTop(area.top() + metrics(font(0.9)).height() + pt(4));

    const QString lanes[2] = {tr("compute"), tr("policy")};
    const double laneLabelWidth =
        std::max(labelFm.horizontalAdvance(lanes[0]), labelFm.horizontalAdvance(lanes[1])) + pt(4);
    const QRectF plot(area.left() + laneLabelWidth, area.top(),
                      area.width() - laneLabelWidth - pt(6),
                      area.height() - pt(2) - tickFm.height() - pt(2) - labelFm.height());
    if (plot.width() <= 0 || plot.height() <= 0) {
        paintNoData(tr("The figure is too small"));
        return;
    }
    const double laneGap = pt(3);
    const double laneHeight = (plot.height() - laneGap) / 2;
    auto xOf = [&](int64_t ns) {
        return plot.left() + static_cast<double>(ns - startNs) / 1e6 / durationMs * plot.width();
    };
    for (int lane = 0; lane < 2; ++lane) {
        const QRectF band(plot.left(), plot.top() + lane * (laneHeight + laneGap), plot.width(),
                          laneHeight);
        m_painter.fillRect(band, QColor(0xf2f2f2));
        m_painter.setPen(kAxisColor);
        drawText(QPointF(area.left(), band.center().y()), Qt::AlignLeft | Qt::AlignVCenter,
                 lanes[lane], labelFont);
    }

    const QFont boxFont = font(0.65);
    const QFontMetricsF boxFm = metrics(boxFont);
    for (const Span& s : spans) {
        const int lane = s.stream == StreamKind::Compute ? 0 : 1;
        const double x0 = xOf(s.startNs);
        const double x1 = std::max(xOf(s.endNs), x0 + pt(0.3));
        const QRectF box(x0, plot.top() + lane * (laneHeight + laneGap), x1 - x0, laneHeight);
        m_painter.fillRect(box, spanColor(s));
        const QString label = s.layer >= 0 ? QString::number(s.layer) : QString();
        if (!label.isEmpty() && box.width() > boxFm.horizontalAdvance(label) + pt(2) &&
            box.height() > boxFm.height()) {
            m_painter.setPen(s.stream == StreamKind::Compute ? Qt::white : Qt::black);
            drawText(box.center(), Qt::AlignCenter, label, boxFont);
        }
    }

    // Time axis.
    const double labelWidth = tickFm.horizontalAdvance(QStringLiteral("00.000")) * 1.8;
    const int maxTicks = std::max(2, static_cast<int>(plot.width() / labelWidth));
    const QList<double> ticks = niceTicks(0, durationMs, maxTicks);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : durationMs;
    m_painter.setPen(pen(kAxisColor, 0.6));
    m_painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    for (double v : ticks) {
        if (v > durationMs * (1 + 1e-9))
            break;
        const double x = plot.left() + v / durationMs * plot.width();
        m_painter.setPen(pen(kAxisColor, 0.6));
        m_painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + pt(2)));
        m_painter.setPen(kAxisColor);
        drawText(QPointF(x, plot.bottom() + pt(2)), Qt::AlignHCenter, tickLabel(v, step), tickFont);
    }
    drawText(QPointF(plot.center().x(), plot.bottom() + pt(2) + tickFm.height() + pt(2)),
             Qt::AlignHCenter, tr("time (ms)"), labelFont);
}

QString titleOf(const FigureSpec& spec) {
    return QStringLiteral("DASH Studio — %1").arg(figureKindId(spec.kind));
}

} // namespace

double niceStep(double range, int maxTicks) {
    const double raw = range / std::max(1, maxTicks);
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0})
        if (m * p >= raw)
            return m * p;
    return 10 * p;
}

QList<double> niceTicks(double lo, double hi, int maxTicks) {
    if (!(hi > lo))
        hi = lo + 1;
    const double step = niceStep(hi - lo, maxTicks);
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    QList<double> ticks;
    for (double i = first; i <= last; ++i)
        ticks.append(std::abs(i) < 1e-9 ? 0.0 : i * step);
    return ticks;
}

QString tickLabel(double value, double step) {
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    if (std::abs(step / std::pow(10.0, -decimals) - std::round(step / std::pow(10.0, -decimals))) >
        1e-6)
        ++decimals; // 2.5 × 10^k needs one more
    return QString::number(value, 'f', decimals);
}

int figureToken(const RunSnapshot& snapshot, const FigureSpec& spec) {
    const int tokens = snapshot.tokenCount();
    if (spec.token >= 0 && spec.token < tokens)
        return spec.token;
    const int prompt = std::min(tokens, static_cast<int>(snapshot.promptIds.size()));
    return prompt > 0 ? prompt - 1 : tokens - 1;
}

void paintFigure(QPainter& painter, const QRectF& rect, const RunSnapshot& snapshot,
                 const FigureSpec& spec) {
    FigurePainter(painter, rect, snapshot, spec).paint();
}

QImage renderFigureImage(const RunSnapshot& snapshot, const FigureSpec& spec, int dpi) {
    FigureSpec atDpi = spec;
    atDpi.dpi = dpi;
    QImage image(figurePixelSize(atDpi), QImage::Format_RGB32);
    const int dotsPerMeter = static_cast<int>(std::lround(dpi / kMmPerInch * 1000.0));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(Qt::white);
    QPainter painter(&image);
    paintFigure(painter, QRectF(QPointF(0, 0), QSizeF(image.size())), snapshot, spec);
    return image;
}

QString writePaintedFigure(const FigureSpec& spec, const QString& path, const QString& title,
                           const std::function<void(QPainter&, const QRectF&)>& paint) {
    const QString cannotWrite =
        QCoreApplication::translate("dash::studio::FigurePainter", "Cannot write %1")
            .arg(QFileInfo(path).absoluteFilePath());
    switch (spec.format) {
    case FigureFormat::Png: {
        QImage image(figurePixelSize(spec), QImage::Format_RGB32);
        const int dotsPerMeter = static_cast<int>(std::lround(spec.dpi / kMmPerInch * 1000.0));
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        image.fill(Qt::white);
        {
            QPainter painter(&image);
            paint(painter, QRectF(QPointF(0, 0), QSizeF(image.size())));
        }
        return image.save(path, "PNG") ? QString() : cannotWrite;
    }
    case FigureFormat::Svg: {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setResolution(kSvgDpi);
        const QSize size(
            static_cast<int>(std::lround(spec.sizeMm.width() * kSvgDpi / kMmPerInch)),
            static_cast<int>(std::lround(spec.sizeMm.height() * kSvgDpi / kMmPerInch)));
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(title);
        QPainter painter;
        if (!painter.begin(&svg))
            return cannotWrite;
        paint(painter, QRectF(QPointF(0, 0), QSizeF(size)));
        painter.end();
        return QFileInfo(path).size() > 0 ? QString() : cannotWrite;
    }
    case FigureFormat::Pdf: {
        QPdfWriter pdf(path);
        pdf.setResolution(kPdfDpi);
        pdf.setPageSize(
            QPageSize(spec.sizeMm, QPageSize::Millimeter, QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout::Millimeter);
        pdf.setCreator(QStringLiteral("DASH Studio"));
        pdf.setTitle(title);
        QPainter painter;
        if (!painter.begin(&pdf))
            return cannotWrite;
        paint(painter, QRectF(0, 0, pdf.width(), pdf.height()));
        painter.end();
        return QFileInfo(path).size() > 0 ? QString() : cannotWrite;
    }
    }
    return cannotWrite;
}

QString writeFigure(const RunSnapshot& snapshot, const FigureSpec& spec, const QString& path) {
    return writePaintedFigure(
        spec, path, titleOf(spec),
        [&](QPainter& painter, const QRectF& rect) { paintFigure(painter, rect, snapshot, spec); });
}

QByteArray figureDataCsv(const RunSnapshot& snapshot, const FigureSpec& spec) {
    switch (spec.kind) {
    case FigureKind::Heatmap: {
        std::vector<std::string> texts;
        for (const QString& text : snapshot.tokenTexts)
            texts.push_back(text.toStdString());
        const std::string csv = traceToCsv(snapshot.trace, texts);
        return QByteArray(csv.data(), static_cast<qsizetype>(csv.size()));
    }
    case FigureKind::SimilarityCurves:
        return similarityCurvesCsv(similarityCurves(&snapshot, figureToken(snapshot, spec)))
            .toUtf8();
    case FigureKind::StreamTimeline: {
        QByteArray out("stream,layer,first_token,tokens,start_ns,end_ns\n");
        for (const Span& s : snapshot.trace.spans)
            out += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                       .arg(s.stream == StreamKind::Compute ? QStringLiteral("compute")
                                                            : QStringLiteral("policy"))
                       .arg(s.layer)
                       .arg(s.firstToken)
                       .arg(s.tokenCount)
                       .arg(s.startNs)
                       .arg(s.endNs)
                       .toUtf8();
        return out;
    }
    }
    return {};
}

} // namespace dash::studio
