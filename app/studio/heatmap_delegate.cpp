// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_delegate.h"

#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_palette.h"

#include <QPainter>

#include <cmath>

namespace dash::studio {

HeatmapDelegate::HeatmapDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QColor HeatmapDelegate::cellColor(const QModelIndex& index, HeatmapColorMode mode) {
    if (mode == HeatmapColorMode::State) {
        const QVariant state = index.data(HeatmapModel::StateRole);
        return state.isValid() ? stateColor(state.toInt()) : missingValueColor();
    }
    const QVariant fraction = index.data(HeatmapModel::CosInOutFractionRole);
    return fraction.isValid() ? sequentialColor(fraction.toDouble()) : missingValueColor();
}

void HeatmapDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
    const QColor fill = cellColor(index, m_mode);
    // A one-pixel gap separates cells once they are large enough to spare it.
    QRect cell = option.rect;
    if (cell.width() >= 8 && cell.height() >= 8)
        cell.adjust(0, 0, -1, -1);
    painter->fillRect(cell, fill);

    if (cell.width() >= 28 && cell.height() >= 14) {
        QString text;
        if (m_mode == HeatmapColorMode::State) {
            text = index.data(Qt::DisplayRole).toString();
        } else {
            const QVariant cos = index.data(HeatmapModel::CosInOutRole);
            if (cos.isValid())
                text = QString::number(cos.toDouble(), 'f', 2);
        }
        painter->setPen(contrastingTextColor(fill));
        painter->drawText(cell, Qt::AlignCenter, text);
    }

    if (option.state & QStyle::State_Selected) {
        // The selected token's column gets an outline in the highlight colour.
        const QColor highlight = option.palette.color(QPalette::Highlight);
        painter->save();
        painter->setPen(QPen(highlight, 2));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(cell.adjusted(1, 0, -1, 0));
        painter->restore();
    }
}

QSize HeatmapDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const {
    return {16, 14};
}

} // namespace dash::studio
