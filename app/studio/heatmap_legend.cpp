// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_legend.h"

#include "app/studio/heatmap_palette.h"

#include <QPainter>

namespace dash::studio {

namespace {

constexpr int kSwatch = 12;
constexpr int kGap = 4;
constexpr int kScaleWidth = 120;
constexpr int kStateValues[] = {0, 1, 2, 4};

} // namespace

HeatmapLegend::HeatmapLegend(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void HeatmapLegend::setColorMode(HeatmapColorMode mode) {
    m_mode = mode;
    updateGeometry();
    update();
}

void HeatmapLegend::setRange(double min, double max) {
    m_min = min;
    m_max = max;
    updateGeometry();
    update();
}

QSize HeatmapLegend::sizeHint() const {
    const QFontMetrics fm = fontMetrics();
    const int height = std::max(kSwatch, fm.height()) + 2;
    if (m_mode == HeatmapColorMode::CosInOut) {
        const int labels = fm.horizontalAdvance(QStringLiteral("-0.000")) * 2 +
                           fm.horizontalAdvance(tr("cos(in,out)"));
        return {kScaleWidth + labels + 4 * kGap, height};
    }
    int width = 0;
    for (int s : kStateValues)
        width += kSwatch + kGap + fm.horizontalAdvance(stateLabel(s)) + 3 * kGap;
    return {width, height};
}

void HeatmapLegend::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setPen(palette().color(QPalette::WindowText));
    if (m_mode == HeatmapColorMode::State)
        paintStates(painter);
    else
        paintScale(painter);
}

void HeatmapLegend::paintStates(QPainter& painter) {
    const QFontMetrics fm = fontMetrics();
    const int y = (height() - kSwatch) / 2;
    int x = 0;
    for (int s : kStateValues) {
        painter.fillRect(QRect(x, y, kSwatch, kSwatch), stateColor(s));
        x += kSwatch + kGap;
        const QString label = stateLabel(s);
        painter.drawText(QRect(x, 0, fm.horizontalAdvance(label), height()), Qt::AlignVCenter,
                         label);
        x += fm.horizontalAdvance(label) + 3 * kGap;
    }
}

void HeatmapLegend::paintScale(QPainter& painter) {
    const QFontMetrics fm = fontMetrics();
    const bool hasRange = m_min <= m_max;
    const QString title = tr("cos(in,out)");
    const QString lo = hasRange ? QString::number(m_min, 'f', 3) : QStringLiteral("–");
    const QString hi = hasRange ? QString::number(m_max, 'f', 3) : QStringLiteral("–");
    int x = 0;
    for (const QString& text : {title, lo}) {
        painter.drawText(QRect(x, 0, fm.horizontalAdvance(text), height()), Qt::AlignVCenter, text);
        x += fm.horizontalAdvance(text) + kGap;
    }
    const int y = (height() - kSwatch) / 2;
    for (int i = 0; i < kScaleWidth; ++i)
        painter.fillRect(QRect(x + i, y, 1, kSwatch), sequentialColor(i / double(kScaleWidth - 1)));
    x += kScaleWidth + kGap;
    painter.drawText(QRect(x, 0, fm.horizontalAdvance(hi), height()), Qt::AlignVCenter, hi);
}

} // namespace dash::studio
