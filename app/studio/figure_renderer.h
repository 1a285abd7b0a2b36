// SPDX-License-Identifier: MIT
// Paper figures of a run: the heatmap, the similarity curves and the stream
// timeline drawn in a print style (white background, serif or sans text sized
// in points, axis labels and a legend, none of the widgets' controls), and
// written as SVG, PDF or PNG. The export dialog, its preview and the headless
// `dash-studio --export-figure` all paint through paintFigure().
#pragma once

#include "app/studio/figure_spec.h"
#include "app/studio/run_snapshot.h"

#include <QImage>
#include <QList>
#include <QString>

#include <functional>

class QPainter;
class QRectF;

namespace dash::studio {

// Paints the figure into `rect` of the painter's device. Lengths are points,
// converted with the device's logical DPI, so every device gets the same
// figure at its own resolution.
void paintFigure(QPainter& painter, const QRectF& rect, const RunSnapshot& snapshot,
                 const FigureSpec& spec);

// The figure as an image of spec's physical size at `dpi` (the PNG, and the
// dialog's preview at screen resolution).
QImage renderFigureImage(const RunSnapshot& snapshot, const FigureSpec& spec, int dpi);

// Writes what `paint` draws into a rectangle of spec's physical size to
// `path` in spec.format (PNG at spec.dpi on white, SVG, or one PDF page),
// with `title` in the file's metadata. Returns an empty string on success,
// else why the file was not written.
QString writePaintedFigure(const FigureSpec& spec, const QString& path, const QString& title,
                           const std::function<void(QPainter&, const QRectF&)>& paint);

// Writes the figure to `path` in spec.format. Returns an empty string on
// success, else why the file was not written.
QString writeFigure(const RunSnapshot& snapshot, const FigureSpec& spec, const QString& path);

// The numbers behind the figure as CSV: the trace's cells (heatmap), the
// curves (similarity), or the spans (timeline).
QByteArray figureDataCsv(const RunSnapshot& snapshot, const FigureSpec& spec);

// Axis ticks shared by the figures: a round step (1, 2, 2.5 or 5 times a
// power of ten) that cuts `range` into at most `maxTicks` intervals; the
// multiples of that step from below `lo` to above `hi`; a tick label with as
// many decimals as the step needs.
double niceStep(double range, int maxTicks);
QList<double> niceTicks(double lo, double hi, int maxTicks);
QString tickLabel(double value, double step);

// The token whose curves a figure shows: spec.token when valid, else the last
// prompt token (-1 when the run has none).
int figureToken(const RunSnapshot& snapshot, const FigureSpec& spec);

} // namespace dash::studio
