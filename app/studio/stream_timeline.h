// SPDX-License-Identifier: MIT
// The stream timeline: busy spans of the compute stream and the policy stream
// of one run on a shared time axis, one lane per stream, one box per
// (layer, token range). Horizontal zoom (Ctrl+wheel, slots) and scrolling.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QAbstractScrollArea>

namespace dash::studio {

class StreamTimeline : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit StreamTimeline(QWidget* parent = nullptr);

    void setSnapshot(SnapshotPtr snapshot);

    // Pixels per millisecond.
    double scale() const { return m_scale; }
    void zoomIn();
    void zoomOut();
    // Fits the whole run into the view; new runs are fitted until the user zooms.
    void zoomToFit();

    // Index into the snapshot's spans under viewport position `pos`, or -1.
    int spanAt(const QPoint& pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    bool viewportEvent(QEvent* event) override;

private:
    void setScale(double scale, double anchorX);
    void updateScrollBar();
    QRectF spanRect(const Span& span) const;
    double xOf(int64_t ns) const;
    void paintAxis(QPainter& painter);

    SnapshotPtr m_snapshot;
    int64_t m_startNs = 0; // earliest span start
    int64_t m_endNs = 0;   // latest span end
    double m_scale = 1.0;  // px per ms
    bool m_fit = true;
};

} // namespace dash::studio
