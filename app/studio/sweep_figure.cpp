// SPDX-License-Identifier: MIT
#include "app/studio/sweep_figure.h"

#include <QDir>
#include <QPainter>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace dash::studio {

Expected<std::vector<SweepRow>> sweepRowsFromJobJson(const QByteArray& json) {
    if (json.isEmpty())
        return invalidError("the sweep result holds no rows");
    DASH_ASSIGN_OR_RETURN(Json parsed, Json::parse(json.toStdString()));
    return sweepRowsFromJson(parsed);
}

Expected<ParetoData> paretoFromSweep(const std::vector<SweepRow>& rows, SweepSpeed speed) {
    ParetoData data;
    data.task = QStringLiteral("sweep");
    data.measuredSpeed = speed == SweepSpeed::Measured;
    // English like the evaluation's figure: figure words are not translated.
    data.xLabel = data.measuredSpeed ? QStringLiteral("measured decode speedup (×)")
                                     : QStringLiteral("nominal ratio (×)");
    data.yLabel = QStringLiteral("perplexity");
    for (const SweepRow& row : rows) {
        const double x = data.measuredSpeed ? row.measuredSpeedup : row.nominalRatio;
        if (!std::isfinite(x) || !std::isfinite(row.pplAll))
            continue;
        const QString method = QString::fromStdString(row.method);
        auto series = std::find_if(data.series.begin(), data.series.end(),
                                   [&](const ParetoSeries& s) { return s.method == method; });
        if (series == data.series.end()) {
            data.series.append(ParetoSeries{method, {}});
            series = data.series.end() - 1;
        }
        series->points.append(QPointF(x, row.pplAll));
    }
    for (ParetoSeries& s : data.series)
        std::sort(s.points.begin(), s.points.end(),
                  [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
    if (data.series.isEmpty())
        return invalidError("the sweep has no row with a perplexity to plot");
    return data;
}

Expected<FigureSpec> sweepFigureSpec(const QString& path) {
    const auto format = figureFormatFromPath(path);
    if (!format)
        return invalidError("the figure's file name must end in .svg, .pdf or .png: " +
                            path.toStdString());
    FigureSpec spec;
    spec.kind = FigureKind::SimilarityCurves; // the one-column size, as --export-figure pareto
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    spec.format = *format;
    return spec;
}

QString writeSweepLatex(const std::vector<SweepRow>& rows, const QString& path) {
    auto table = sweepToLatex(rows);
    if (!table.ok())
        return QString::fromStdString(table.error().message());
    QSaveFile file(path);
    const QByteArray bytes = QByteArray::fromStdString(*table);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2")
            .arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

SweepFigureView::SweepFigureView(QWidget* parent) : QWidget(parent) {
    m_spec.kind = FigureKind::SimilarityCurves;
    m_spec.sizeMm = defaultFigureSizeMm(m_spec.kind);
    setMinimumSize(240, 100);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SweepFigureView::setData(const ParetoData& data) {
    m_data = data;
    update();
}

QSize SweepFigureView::sizeHint() const {
    return {480, 300};
}

void SweepFigureView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), Qt::white); // the print style, as in the files
    if (!m_data.series.isEmpty())
        paintPareto(painter, QRectF(rect()), m_data, m_spec);
}

} // namespace dash::studio
