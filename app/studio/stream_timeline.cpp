// SPDX-License-Identifier: MIT
#include "app/studio/stream_timeline.h"

#include <QHelpEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

constexpr int kLabelWidth = 72; // lane names, left of the time axis
constexpr int kAxisHeight = 22;
constexpr int kLaneHeight = 30;
constexpr int kLaneGap = 6;
constexpr int kRightMargin = 12;
constexpr double kZoomStep = 1.5;
constexpr double kMaxScale = 1e6; // px per ms: 1 px per ns

int laneOf(StreamKind stream) {
    return stream == StreamKind::Compute ? 0 : 1;
}

QColor spanColor(const Span& span) {
    // Alternate shades by layer so that neighbouring boxes stay apart.
    const bool odd = span.layer >= 0 && (span.layer % 2) == 1;
    if (span.stream == StreamKind::Compute)
        return odd ? QColor(0x56b4e9) : QColor(0x0072b2);
    return odd ? QColor(0xf0c060) : QColor(0xe69f00);
}

// A round step of about `target` ms (1, 2 or 5 times a power of ten).
double niceStep(double target) {
    const double p = std::pow(10.0, std::floor(std::log10(target)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * p >= target)
            return m * p;
    return 10 * p;
}

} // namespace

StreamTimeline::StreamTimeline(QWidget* parent) : QAbstractScrollArea(parent) {
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, viewport(),
            [this] { viewport()->update(); });
}

QSize StreamTimeline::sizeHint() const {
    return {600, kAxisHeight + 2 * (kLaneHeight + kLaneGap) + 24};
}

QSize StreamTimeline::minimumSizeHint() const {
    return {200, kAxisHeight + 2 * (kLaneHeight + kLaneGap)};
}

void StreamTimeline::setSnapshot(SnapshotPtr snapshot) {
    m_snapshot = std::move(snapshot);
    m_startNs = 0;
    m_endNs = 0;
    if (m_snapshot && !m_snapshot->trace.spans.empty()) {
        m_startNs = m_snapshot->trace.spans.front().startNs;
        m_endNs = m_snapshot->trace.spans.front().endNs;
        for (const Span& s : m_snapshot->trace.spans) {
            m_startNs = std::min(m_startNs, s.startNs);
            m_endNs = std::max(m_endNs, s.endNs);
        }
    }
    if (m_fit)
        zoomToFit();
    else
        updateScrollBar();
    viewport()->update();
}

void StreamTimeline::zoomIn() {
    m_fit = false;
    setScale(m_scale * kZoomStep, viewport()->width() / 2.0);
}

void StreamTimeline::zoomOut() {
    m_fit = false;
    setScale(m_scale / kZoomStep, viewport()->width() / 2.0);
}

void StreamTimeline::zoomToFit() {
    m_fit = true;
    const double durationMs = static_cast<double>(m_endNs - m_startNs) / 1e6;
    const double width = std::max(1, viewport()->width() - kLabelWidth - kRightMargin);
    setScale(durationMs > 0 ? width / durationMs : 1.0, 0);
}

void StreamTimeline::setScale(double scale, double anchorX) {
    // Keep the time under anchorX in place.
    const double anchorMs =
        (horizontalScrollBar()->value() + anchorX - kLabelWidth) / std::max(m_scale, 1e-12);
    m_scale = std::clamp(scale, 1e-6, kMaxScale);
    updateScrollBar();
    horizontalScrollBar()->setValue(
        static_cast<int>(std::lround(anchorMs * m_scale - anchorX + kLabelWidth)));
    viewport()->update();
}

void StreamTimeline::updateScrollBar() {
    const double durationMs = static_cast<double>(m_endNs - m_startNs) / 1e6;
    const double content = durationMs * m_scale + kLabelWidth + kRightMargin;
    const int page = viewport()->width();
    horizontalScrollBar()->setPageStep(page);
    horizontalScrollBar()->setSingleStep(std::max(1, page / 10));
    horizontalScrollBar()->setRange(0, std::max(0, static_cast<int>(content) - page));
}

void StreamTimeline::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    if (m_fit)
        zoomToFit();
    else
        updateScrollBar();
}

void StreamTimeline::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        m_fit = false;
        const double factor = event->angleDelta().y() > 0 ? kZoomStep : 1.0 / kZoomStep;
        setScale(m_scale * factor, event->position().x());
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

double StreamTimeline::xOf(int64_t ns) const {
    return kLabelWidth + static_cast<double>(ns - m_startNs) / 1e6 * m_scale -
           horizontalScrollBar()->value();
}

QRectF StreamTimeline::spanRect(const Span& span) const {
    const double x0 = xOf(span.startNs);
    const double x1 = std::max(xOf(span.endNs), x0 + 1.0);
    const double y = kAxisHeight + laneOf(span.stream) * (kLaneHeight + kLaneGap);
    return {x0, y, x1 - x0, static_cast<double>(kLaneHeight)};
}

int StreamTimeline::spanAt(const QPoint& pos) const {
    if (!m_snapshot || pos.x() < kLabelWidth)
        return -1;
    const std::vector<Span>& spans = m_snapshot->trace.spans;
    for (size_t i = 0; i < spans.size(); ++i)
        if (spanRect(spans[i]).contains(pos))
            return static_cast<int>(i);
    return -1;
}

void StreamTimeline::paintAxis(QPainter& painter) {
    const QColor text = palette().color(QPalette::WindowText);
    const int width = viewport()->width();
    const double stepMs = niceStep(80.0 / m_scale);
    const double firstMs = std::max(0.0, (horizontalScrollBar()->value() - 0.0) / m_scale);
    double t = std::floor(firstMs / stepMs) * stepMs;
    painter.setPen(text);
    for (; t * m_scale + kLabelWidth - horizontalScrollBar()->value() < width; t += stepMs) {
        const double x = xOf(m_startNs + static_cast<int64_t>(t * 1e6));
        if (x < kLabelWidth)
            continue;
        painter.drawLine(QPointF(x, kAxisHeight - 5), QPointF(x, kAxisHeight));
        painter.drawText(QPointF(x + 2, kAxisHeight - 7),
                         tr("%1 ms").arg(QString::number(t, 'g', 4)));
    }
    painter.drawLine(QPointF(kLabelWidth, kAxisHeight), QPointF(width, kAxisHeight));
}

void StreamTimeline::paintEvent(QPaintEvent*) {
    QPainter painter(viewport());
    painter.fillRect(viewport()->rect(), palette().color(QPalette::Base));
    if (!m_snapshot || m_snapshot->trace.spans.empty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(viewport()->rect(), Qt::AlignCenter, tr("No spans recorded"));
        return;
    }
    painter.save();
    painter.setClipRect(
        QRect(kLabelWidth, 0, viewport()->width() - kLabelWidth, viewport()->height()));
    const QFontMetrics fm = fontMetrics();
    for (const Span& span : m_snapshot->trace.spans) {
        const QRectF r = spanRect(span);
        if (r.right() < kLabelWidth || r.left() > viewport()->width())
            continue;
        const QColor fill = spanColor(span);
        painter.fillRect(r, fill);
        const QString label = span.layer >= 0 ? QString::number(span.layer) : QString();
        if (!label.isEmpty() && r.width() > fm.horizontalAdvance(label) + 4) {
            painter.setPen(span.stream == StreamKind::Compute ? Qt::white : Qt::black);
            painter.drawText(r, Qt::AlignCenter, label);
        }
    }
    painter.restore();
    paintAxis(painter);
    painter.setPen(palette().color(QPalette::WindowText));
    const QString lanes[2] = {tr("compute"), tr("policy")};
    for (int lane = 0; lane < 2; ++lane)
        painter.drawText(
            QRect(4, kAxisHeight + lane * (kLaneHeight + kLaneGap), kLabelWidth - 8, kLaneHeight),
            Qt::AlignVCenter | Qt::AlignLeft, lanes[lane]);
}

bool StreamTimeline::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int i = spanAt(help->pos());
        if (i < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const Span& s = m_snapshot->trace.spans[static_cast<size_t>(i)];
        const QString stream = s.stream == StreamKind::Compute ? tr("compute") : tr("policy");
        const QString layer = s.layer >= 0 ? QString::number(s.layer) : tr("none");
        QToolTip::showText(
            help->globalPos(),
            tr("%1 stream · layer %2\ntokens %3–%4\n%5 µs, from %6 ms")
                .arg(stream, layer, QString::number(s.firstToken),
                     QString::number(s.firstToken + s.tokenCount - 1),
                     QString::number(static_cast<double>(s.endNs - s.startNs) / 1e3, 'f', 1),
                     QString::number(static_cast<double>(s.startNs - m_startNs) / 1e6, 'f', 3)),
            viewport());
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

} // namespace dash::studio
