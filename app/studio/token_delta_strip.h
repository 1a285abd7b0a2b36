// SPDX-License-Identifier: MIT
// What the policy costs each token, as two rows under a heatmap: the change
// in log-likelihood of the token against full precision (Δ log p, diverging
// colours) and the KL divergence of the distribution that predicts it. Column
// t is drawn exactly under heatmap column t, following its zoom and scroll;
// undefined values (the first token, generated tokens) are gaps.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QWidget>

namespace dash::studio {

class HeatmapView;

class TokenDeltaStrip : public QWidget {
    Q_OBJECT
public:
    enum class Row { DeltaLogProb = 0, Kl = 1 };

    explicit TokenDeltaStrip(HeatmapView* view, QWidget* parent = nullptr);

    void setSnapshot(SnapshotPtr snapshot);
    const SnapshotPtr& snapshot() const { return m_snapshot; }
    // The value drawn in the cell of `token` (NaN for a gap or no token).
    double value(Row row, int token) const;
    // Where the cell of `token` is drawn, in this widget's coordinates
    // (empty when the column is scrolled out of view).
    QRect cellRect(Row row, int token) const;
    // The cell's colour as painted; invalid for a gap.
    QColor cellColor(Row row, int token) const;
    // The tooltip text of the column under `x` (empty where there is none).
    QString toolTipAt(int x) const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    int rowHeight() const;
    // Left edge of heatmap column `token` in this widget, and its width.
    int columnX(int token) const;
    int columnWidth(int token) const;
    int tokenAt(int x) const;

    HeatmapView* m_view; // a sibling: the panel above this strip
    SnapshotPtr m_snapshot;
    double m_deltaScale = 1.0; // |Δ log p| drawn at full colour
    double m_klScale = 1.0;
};

} // namespace dash::studio
