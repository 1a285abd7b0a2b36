// SPDX-License-Identifier: MIT
// The heatmap with its controls: colour mode, zoom buttons and the legend.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;

namespace dash {
struct InputAwareness;
}

namespace dash::studio {

// The input awareness of the states a run chose (traceInputAwareness of its
// trace): a short text for the status line and the run details, and its
// definition with the mutual-information figures; empty where nothing was
// measured (fewer than 2 tokens).
QString inputAwarenessText(const InputAwareness& awareness);
QString inputAwarenessDefinition(const InputAwareness& awareness);

class HeatmapLegend;
class HeatmapModel;
class HeatmapView;

class HeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPanel(HeatmapModel* model, QWidget* parent = nullptr);

    HeatmapView* view() const { return m_view; }
    HeatmapModel* model() const { return m_model; }
    // Colours cells as `leader` does and leaves the colour choice and the
    // legend to it (two heatmaps side by side, one legend: narrower).
    void followColorMode(HeatmapPanel* leader);

private:
    void applyColorMode();
    void updateLegendRange();

    HeatmapModel* m_model;
    HeatmapView* m_view;
    HeatmapLegend* m_legend;
    QComboBox* m_colorMode;
    QLabel* m_colorLabel;
};

} // namespace dash::studio
