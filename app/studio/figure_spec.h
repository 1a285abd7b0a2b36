// SPDX-License-Identifier: MIT
// What a paper figure export asks for: which view, which file format, the
// physical size, the raster resolution and the typography. Shared by the
// export dialog and the headless `dash-studio --export-figure`.
#pragma once

#include "app/studio/heatmap_delegate.h"

#include <QSize>
#include <QSizeF>
#include <QString>

#include <optional>

namespace dash::studio {

enum class FigureKind { Heatmap, SimilarityCurves, StreamTimeline };
enum class FigureFormat { Svg, Pdf, Png };
enum class FigureFont { Serif, SansSerif };

struct FigureSpec {
    FigureKind kind = FigureKind::Heatmap;
    FigureFormat format = FigureFormat::Pdf;
    QSizeF sizeMm{160, 70};
    int dpi = 300; // PNG pixels per inch; the vector formats do not need one
    FigureFont font = FigureFont::Serif;
    double fontPt = 8; // base text size; tick labels are a little smaller
    HeatmapColorMode heatmapColor = HeatmapColorMode::State;
    int token = -1; // token of the similarity curves; -1: the last prompt token
};

// Command-line names: "heatmap", "curves", "timeline".
QString figureKindId(FigureKind kind);
std::optional<FigureKind> figureKindFromId(const QString& id);
// "svg", "pdf", "png".
QString figureFormatSuffix(FigureFormat format);
// The format a file name's suffix asks for.
std::optional<FigureFormat> figureFormatFromPath(const QString& path);
// A size that suits the figure in a one-column (curves) or full-width layout.
QSizeF defaultFigureSizeMm(FigureKind kind);
// Pixel size of the PNG: the physical size at spec.dpi.
QSize figurePixelSize(const FigureSpec& spec);
// "160x70mm", "6.3x2.5in", "160x70" (millimetres) as millimetres.
std::optional<QSizeF> parseFigureSize(const QString& text);

inline constexpr double kMmPerInch = 25.4;
inline constexpr double kPointsPerInch = 72.0;

} // namespace dash::studio
