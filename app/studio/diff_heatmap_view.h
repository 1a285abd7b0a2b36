// SPDX-License-Identifier: MIT
// The differential heatmap on screen: a diverging palette (ColorBrewer PuOr,
// readable under the common colour-vision deficiencies and in greyscale):
// orange where run B computes less than run A, purple where it computes more,
// near-white where they agree. Colour shows the state difference, or the
// cos(in,out) difference scaled to its largest magnitude.
#pragma once

#include <QStyledItemDelegate>
#include <QTableView>
#include <QWidget>

class QComboBox;

namespace dash::studio {

class DiffHeatmapModel;

// Colour of `fraction` in [-1, 1] (clamped) on the diverging scale; grey for NaN.
QColor divergingColor(double fraction);

enum class DiffColorMode { State, CosInOut };

class DiffHeatmapDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit DiffHeatmapDelegate(QObject* parent = nullptr);

    void setColorMode(DiffColorMode mode) { m_mode = mode; }
    static QColor cellColor(const QModelIndex& index, DiffColorMode mode);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    DiffColorMode m_mode = DiffColorMode::State;
};

// The scale of the current colour mode, B cheaper on the left.
class DiffHeatmapLegend : public QWidget {
    Q_OBJECT
public:
    explicit DiffHeatmapLegend(QWidget* parent = nullptr);
    void setColorMode(DiffColorMode mode);
    void setCosRange(double maxAbs);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    DiffColorMode m_mode = DiffColorMode::State;
    double m_maxAbsCos = 0;
};

// The table, the colour-mode switch and the legend.
class DiffHeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit DiffHeatmapPanel(DiffHeatmapModel* model, QWidget* parent = nullptr);
    QTableView* view() const { return m_view; }

private:
    void applyColorMode();

    DiffHeatmapModel* m_model;
    QTableView* m_view;
    DiffHeatmapDelegate* m_delegate;
    DiffHeatmapLegend* m_legend;
    QComboBox* m_mode;
};

} // namespace dash::studio
