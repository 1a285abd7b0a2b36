// SPDX-License-Identifier: MIT
// The heatmap with its controls: colour mode, zoom buttons and the legend.
#pragma once

#include <QWidget>

class QComboBox;

namespace dash::studio {

class HeatmapLegend;
class HeatmapModel;
class HeatmapView;

class HeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPanel(HeatmapModel* model, QWidget* parent = nullptr);

    HeatmapView* view() const { return m_view; }
    HeatmapModel* model() const { return m_model; }

private:
    void applyColorMode();
    void updateLegendRange();

    HeatmapModel* m_model;
    HeatmapView* m_view;
    HeatmapLegend* m_legend;
    QComboBox* m_colorMode;
};

} // namespace dash::studio
