// SPDX-License-Identifier: MIT
// The key of the heatmap colours: state swatches, or the cos(in,out) scale
// with its range.
#pragma once

#include "app/studio/heatmap_delegate.h"

#include <QWidget>

namespace dash::studio {

class HeatmapLegend : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapLegend(QWidget* parent = nullptr);

    void setColorMode(HeatmapColorMode mode);
    // Range of the sequential scale (min > max: no values).
    void setRange(double min, double max);

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void paintStates(QPainter& painter);
    void paintScale(QPainter& painter);

    HeatmapColorMode m_mode = HeatmapColorMode::State;
    double m_min = 0;
    double m_max = 1;
};

} // namespace dash::studio
