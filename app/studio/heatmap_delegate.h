// SPDX-License-Identifier: MIT
// Paints heatmap cells: reads a cell's raw values through HeatmapModel's
// roles and turns them into colour.
#pragma once

#include <QStyledItemDelegate>

namespace dash::studio {

enum class HeatmapColorMode {
    State,    // categorical: skip, INT4, INT8, full
    CosInOut, // sequential: cos(layer input, layer output) within the run's range
};

class HeatmapDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit HeatmapDelegate(QObject* parent = nullptr);

    void setColorMode(HeatmapColorMode mode) { m_mode = mode; }
    HeatmapColorMode colorMode() const { return m_mode; }

    // Fill colour of the cell at `index` in `mode`.
    static QColor cellColor(const QModelIndex& index, HeatmapColorMode mode);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    HeatmapColorMode m_mode = HeatmapColorMode::State;
};

} // namespace dash::studio
