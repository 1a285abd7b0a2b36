// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_view.h"

#include "app/studio/heatmap_delegate.h"
#include "app/studio/heatmap_model.h"

#include <QHeaderView>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

constexpr int kBaseCellWidth = 30; // room for short token text in the header
constexpr int kBaseCellHeight = 16;
constexpr double kZoomStep = 1.25;

} // namespace

HeatmapView::HeatmapView(QWidget* parent) : QTableView(parent) {
    m_delegate = new HeatmapDelegate(this);
    setItemDelegate(m_delegate);
    setShowGrid(false);
    setSelectionBehavior(QAbstractItemView::SelectColumns);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setMouseTracking(true);
    // Arrows move between cells; Tab leaves the heatmap.
    setTabKeyNavigation(false);
    for (QHeaderView* header : {horizontalHeader(), verticalHeader()}) {
        header->setSectionResizeMode(QHeaderView::Fixed);
        header->setMinimumSectionSize(1);
        header->setHighlightSections(true);
    }
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    applyZoom();
}

void HeatmapView::setHeatmapModel(HeatmapModel* model) {
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, &HeatmapView::onModelReset);
    connect(selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentChanged(current); });
    onModelReset();
}

void HeatmapView::setZoom(double zoom) {
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    if (std::abs(zoom - m_zoom) < 1e-9)
        return;
    m_zoom = zoom;
    applyZoom();
    emit zoomChanged(m_zoom);
}

void HeatmapView::zoomIn() {
    setZoom(m_zoom * kZoomStep);
}

void HeatmapView::zoomOut() {
    setZoom(m_zoom / kZoomStep);
}

void HeatmapView::resetZoom() {
    setZoom(1.0);
}

void HeatmapView::applyZoom() {
    const int width = std::max(2, static_cast<int>(std::lround(kBaseCellWidth * m_zoom)));
    const int height = std::max(2, static_cast<int>(std::lround(kBaseCellHeight * m_zoom)));
    horizontalHeader()->setDefaultSectionSize(width);
    verticalHeader()->setDefaultSectionSize(height);
    // Headers only where their text has room.
    horizontalHeader()->setVisible(width >= 24);
    verticalHeader()->setVisible(height >= 10);
}

void HeatmapView::setMarkedCell(int token, int layer) {
    if (token == m_markedToken && layer == m_markedLayer)
        return;
    m_markedToken = token;
    m_markedLayer = layer;
    viewport()->update();
}

void HeatmapView::paintEvent(QPaintEvent* event) {
    QTableView::paintEvent(event);
    if (m_markedToken >= 0 && m_markedLayer >= 0 && model()) {
        const QRect cell = visualRect(model()->index(m_markedLayer, m_markedToken));
        if (cell.isValid() && cell.intersects(event->rect())) {
            // Black and white dashes: visible on every palette colour.
            QPainter painter(viewport());
            const QRect box = cell.adjusted(1, 1, -2, -2);
            painter.setPen(QPen(Qt::white, 2));
            painter.drawRect(box);
            painter.setPen(QPen(Qt::black, 2, Qt::DashLine));
            painter.drawRect(box);
        }
    }
    emit viewportPainted();
}

void HeatmapView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        const int delta = event->angleDelta().y();
        if (delta > 0)
            zoomIn();
        else if (delta < 0)
            zoomOut();
        event->accept();
        return;
    }
    QTableView::wheelEvent(event);
}

void HeatmapView::selectToken(int token) {
    if (!m_model || token < 0 || token >= m_model->columnCount() || m_model->rowCount() == 0)
        return;
    const int row = std::clamp(currentIndex().row(), 0, m_model->rowCount() - 1);
    selectionModel()->setCurrentIndex(m_model->index(row, token),
                                      QItemSelectionModel::ClearAndSelect |
                                          QItemSelectionModel::Columns);
}

void HeatmapView::onModelReset() {
    const int columns = m_model ? m_model->columnCount() : 0;
    if (columns == 0 || m_model->rowCount() == 0) {
        if (m_selectedToken != -1) {
            m_selectedToken = -1;
            emit tokenSelected(-1);
        }
        return;
    }
    const bool follow = m_followLast || m_selectedToken < 0 || m_selectedToken >= columns;
    const int token = follow ? columns - 1 : m_selectedToken;
    m_selectedToken = -1; // the new run's token is news even at the same index
    selectToken(token);
    if (follow)
        scrollTo(m_model->index(0, token), QAbstractItemView::EnsureVisible);
}

void HeatmapView::onCurrentChanged(const QModelIndex& current) {
    if (!current.isValid())
        return;
    const int token = current.column();
    m_followLast = token == m_model->columnCount() - 1;
    if (token == m_selectedToken)
        return;
    m_selectedToken = token;
    emit tokenSelected(token);
}

} // namespace dash::studio
