// SPDX-License-Identifier: MIT
#include "app/studio/token_delta_strip.h"

#include "app/studio/diff_heatmap_view.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/token_text.h"

#include <QEvent>
#include <QHeaderView>
#include <QHelpEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

// Colour scales start at these, so that noise-sized values stay pale.
constexpr double kMinDeltaScale = 0.05; // nats
constexpr double kMinKlScale = 0.01;    // nats

const std::vector<float>& rowValues(const RunSnapshot& s, TokenDeltaStrip::Row row) {
    return row == TokenDeltaStrip::Row::DeltaLogProb ? s.deltaLogProbs : s.klFromFull;
}

} // namespace

TokenDeltaStrip::TokenDeltaStrip(HeatmapView* view, QWidget* parent)
    : QWidget(parent), m_view(view) {
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("Per token: Δ log p, the change in log-likelihood of the token under the "
                  "policy against full precision (nats; orange: less likely), and the KL "
                  "divergence KL(full ‖ policy) of the distribution that predicts it"));
    // Follow the heatmap's columns: they move when it scrolls, zooms or repaints.
    connect(view, &HeatmapView::viewportPainted, this, qOverload<>(&QWidget::update));
    connect(view->horizontalScrollBar(), &QScrollBar::valueChanged, this,
            qOverload<>(&QWidget::update));
}

void TokenDeltaStrip::setSnapshot(SnapshotPtr snapshot) {
    m_snapshot = std::move(snapshot);
    m_deltaScale = kMinDeltaScale;
    m_klScale = kMinKlScale;
    if (m_snapshot) {
        for (float v : m_snapshot->deltaLogProbs)
            if (std::isfinite(v))
                m_deltaScale = std::max(m_deltaScale, static_cast<double>(std::fabs(v)));
        for (float v : m_snapshot->klFromFull)
            if (std::isfinite(v))
                m_klScale = std::max(m_klScale, static_cast<double>(v));
    }
    update();
}

double TokenDeltaStrip::value(Row row, int token) const {
    if (!m_snapshot || token < 0)
        return NAN;
    const std::vector<float>& values = rowValues(*m_snapshot, row);
    return static_cast<size_t>(token) < values.size() ? values[static_cast<size_t>(token)] : NAN;
}

QColor TokenDeltaStrip::cellColor(Row row, int token) const {
    const double v = value(row, token);
    if (!std::isfinite(v))
        return {};
    // Both rows white at zero: orange where the policy made the token less
    // likely, purple where more likely or (KL) where the distribution moved.
    return divergingColor(row == Row::DeltaLogProb ? v / m_deltaScale : v / m_klScale);
}

int TokenDeltaStrip::rowHeight() const {
    return fontMetrics().height() + 2;
}

QSize TokenDeltaStrip::sizeHint() const {
    return {200, 2 * rowHeight() + 1};
}

QSize TokenDeltaStrip::minimumSizeHint() const {
    return sizeHint();
}

int TokenDeltaStrip::columnX(int token) const {
    if (!m_view)
        return 0;
    const QWidget* port = m_view->viewport();
    return port->mapTo(window(), QPoint(m_view->columnViewportPosition(token), 0)).x() -
           mapTo(window(), QPoint(0, 0)).x();
}

int TokenDeltaStrip::columnWidth(int token) const {
    return m_view ? m_view->columnWidth(token) : 0;
}

int TokenDeltaStrip::tokenAt(int x) const {
    if (!m_view || !m_snapshot)
        return -1;
    const QWidget* port = m_view->viewport();
    const int portX =
        x + mapTo(window(), QPoint(0, 0)).x() - port->mapTo(window(), QPoint(0, 0)).x();
    if (portX < 0 || portX >= port->width())
        return -1;
    return m_view->columnAt(portX);
}

QRect TokenDeltaStrip::cellRect(Row row, int token) const {
    if (!m_view || !m_snapshot || token < 0 || token >= m_snapshot->tokenCount())
        return {};
    const QWidget* port = m_view->viewport();
    const int left = port->mapTo(window(), QPoint(0, 0)).x() - mapTo(window(), QPoint(0, 0)).x();
    const QRect visible(left, 0, port->width(), height());
    const QRect r(columnX(token), static_cast<int>(row) * rowHeight(), columnWidth(token),
                  rowHeight());
    return r.intersected(visible);
}

void TokenDeltaStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    if (!m_view || !m_snapshot)
        return;
    const QWidget* port = m_view->viewport();
    const int left = port->mapTo(window(), QPoint(0, 0)).x() - mapTo(window(), QPoint(0, 0)).x();
    // Row names where the heatmap has its layer numbers, when there is room.
    const QString names[2] = {tr("Δ log p"), tr("KL")};
    p.setPen(palette().color(QPalette::WindowText));
    for (int r = 0; r < 2; ++r) {
        const QRect label(0, r * rowHeight(), std::max(0, left - 2), rowHeight());
        // The whole name, else its first letter ("Δ"); the tooltip has the rest.
        const QString name = fontMetrics().horizontalAdvance(names[r]) <= label.width()
                                 ? names[r]
                                 : names[r].left(1);
        p.drawText(label, Qt::AlignRight | Qt::AlignVCenter, name);
    }
    p.setClipRect(QRect(left, 0, port->width(), height()));
    const int first = std::max(0, m_view->columnAt(0));
    int last = m_view->columnAt(port->width() - 1);
    if (last < 0)
        last = m_snapshot->tokenCount() - 1;
    for (int t = first; t <= last; ++t) {
        for (Row row : {Row::DeltaLogProb, Row::Kl}) {
            QRect cell = cellRect(row, t);
            if (cell.isEmpty())
                continue;
            if (cell.width() >= 8)
                cell.adjust(0, 0, -1, -1);
            const QColor fill = cellColor(row, t);
            // A gap: the value is undefined there, not zero.
            if (fill.isValid())
                p.fillRect(cell, fill);
        }
    }
}

QString TokenDeltaStrip::toolTipAt(int x) const {
    const int token = tokenAt(x);
    if (token < 0 || !m_snapshot || token >= m_snapshot->tokenCount())
        return {};
    const QString text = tokenLabel(m_snapshot->tokenTexts.value(token)).toHtmlEscaped();
    const double delta = value(Row::DeltaLogProb, token);
    const double kl = value(Row::Kl, token);
    if (!std::isfinite(delta))
        return tr("<b>%1</b> (token %2): no value (nothing predicts the first token; generated "
                  "tokens are not compared)")
            .arg(text, QString::number(token));
    return tr("<b>%1</b> (token %2)<br>Δ log p = %3 nats (policy − full precision)<br>"
              "KL(full ‖ policy) = %4 nats")
        .arg(text, QString::number(token), QString::number(delta, 'f', 4),
             QString::number(kl, 'f', 4));
}

bool TokenDeltaStrip::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos().x());
        if (text.isEmpty())
            QToolTip::showText(help->globalPos(), toolTip(), this);
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace dash::studio
