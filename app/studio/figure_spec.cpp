// SPDX-License-Identifier: MIT
#include "app/studio/figure_spec.h"

#include <QFileInfo>
#include <QRegularExpression>

#include <cmath>

namespace dash::studio {

QString figureKindId(FigureKind kind) {
    switch (kind) {
    case FigureKind::Heatmap:
        return QStringLiteral("heatmap");
    case FigureKind::SimilarityCurves:
        return QStringLiteral("curves");
    case FigureKind::StreamTimeline:
        return QStringLiteral("timeline");
    }
    return {};
}

std::optional<FigureKind> figureKindFromId(const QString& id) {
    for (FigureKind kind :
         {FigureKind::Heatmap, FigureKind::SimilarityCurves, FigureKind::StreamTimeline})
        if (id.compare(figureKindId(kind), Qt::CaseInsensitive) == 0)
            return kind;
    return std::nullopt;
}

QString figureFormatSuffix(FigureFormat format) {
    switch (format) {
    case FigureFormat::Svg:
        return QStringLiteral("svg");
    case FigureFormat::Pdf:
        return QStringLiteral("pdf");
    case FigureFormat::Png:
        return QStringLiteral("png");
    }
    return {};
}

std::optional<FigureFormat> figureFormatFromPath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix();
    for (FigureFormat format : {FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Png})
        if (suffix.compare(figureFormatSuffix(format), Qt::CaseInsensitive) == 0)
            return format;
    return std::nullopt;
}

QSizeF defaultFigureSizeMm(FigureKind kind) {
    switch (kind) {
    case FigureKind::Heatmap:
        return {160, 70};
    case FigureKind::SimilarityCurves:
        return {85, 60};
    case FigureKind::StreamTimeline:
        return {160, 45};
    }
    return {160, 70};
}

QSize figurePixelSize(const FigureSpec& spec) {
    const double perMm = spec.dpi / kMmPerInch;
    return {std::max(1, static_cast<int>(std::lround(spec.sizeMm.width() * perMm))),
            std::max(1, static_cast<int>(std::lround(spec.sizeMm.height() * perMm)))};
}

std::optional<QSizeF> parseFigureSize(const QString& text) {
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*(mm|in)?\s*$)"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const double scale = m.captured(3) == QLatin1String("in") ? kMmPerInch : 1.0;
    const QSizeF size(m.captured(1).toDouble() * scale, m.captured(2).toDouble() * scale);
    if (size.width() <= 0 || size.height() <= 0)
        return std::nullopt;
    return size;
}

} // namespace dash::studio
