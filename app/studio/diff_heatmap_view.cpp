// SPDX-License-Identifier: MIT
#include "app/studio/diff_heatmap_view.h"

#include "app/studio/diff_heatmap_model.h"
#include "app/studio/elided_label.h"
#include "app/studio/heatmap_palette.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>

namespace dash::studio {

namespace {

// ColorBrewer PuOr, 9 classes, from orange (-1) through white (0) to purple (+1).
constexpr std::array<QRgb, 9> kPuOr = {0xb35806, 0xe08214, 0xfdb863, 0xfee0b6, 0xf7f7f7,
                                       0xd8daeb, 0xb2abd2, 0x8073ac, 0x542788};
constexpr int kCellWidth = 30;
constexpr int kCellHeight = 16;
constexpr int kSwatch = 12;
constexpr int kGap = 4;
constexpr int kScaleWidth = 120;

} // namespace

QColor divergingColor(double fraction) {
    if (!std::isfinite(fraction))
        return missingValueColor();
    const double x = (std::clamp(fraction, -1.0, 1.0) + 1.0) / 2.0 * (kPuOr.size() - 1);
    const auto i = std::min(static_cast<size_t>(x), kPuOr.size() - 2);
    const double f = x - static_cast<double>(i);
    const QColor a(kPuOr[i]);
    const QColor b(kPuOr[i + 1]);
    auto mix = [f](int u, int v) { return static_cast<int>(std::lround(u + (v - u) * f)); };
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()));
}

DiffHeatmapDelegate::DiffHeatmapDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QColor DiffHeatmapDelegate::cellColor(const QModelIndex& index, DiffColorMode mode) {
    const QVariant v =
        index.data(mode == DiffColorMode::State ? DiffHeatmapModel::StateDeltaFractionRole
                                                : DiffHeatmapModel::CosInOutDeltaFractionRole);
    return v.isValid() ? divergingColor(v.toDouble()) : missingValueColor();
}

void DiffHeatmapDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
    const QColor fill = cellColor(index, m_mode);
    QRect cell = option.rect;
    if (cell.width() >= 8 && cell.height() >= 8)
        cell.adjust(0, 0, -1, -1);
    painter->fillRect(cell, fill);
    if (cell.width() >= 28 && cell.height() >= 14) {
        QString text;
        if (m_mode == DiffColorMode::State) {
            text = index.data(Qt::DisplayRole).toString();
        } else if (const QVariant cos = index.data(DiffHeatmapModel::CosInOutDeltaRole);
                   cos.isValid() && cos.toDouble() != 0) {
            text = QString::number(cos.toDouble(), 'f', 2);
        }
        painter->setPen(contrastingTextColor(fill));
        painter->drawText(cell, Qt::AlignCenter, text);
    }
    // Positions where the runs hold different tokens are hatched: their
    // difference compares unlike things.
    if (!index.data(DiffHeatmapModel::SameTokenRole).toBool()) {
        painter->save();
        painter->setBrush(QBrush(contrastingTextColor(fill), Qt::BDiagPattern));
        painter->setPen(Qt::NoPen);
        painter->drawRect(cell);
        painter->restore();
    }
}

QSize DiffHeatmapDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const {
    return {kCellWidth, kCellHeight};
}

DiffHeatmapLegend::DiffHeatmapLegend(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void DiffHeatmapLegend::setColorMode(DiffColorMode mode) {
    m_mode = mode;
    updateGeometry();
    update();
}

void DiffHeatmapLegend::setCosRange(double maxAbs) {
    m_maxAbsCos = maxAbs;
    update();
}

QSize DiffHeatmapLegend::sizeHint() const {
    const QFontMetrics fm = fontMetrics();
    const int labels = fm.horizontalAdvance(tr("B computes less")) +
                       fm.horizontalAdvance(tr("B computes more")) +
                       fm.horizontalAdvance(QStringLiteral("−0.000  +0.000"));
    return {kScaleWidth + labels + 6 * kGap, std::max(kSwatch, fm.height()) + 2};
}

void DiffHeatmapLegend::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setPen(palette().color(QPalette::WindowText));
    const QFontMetrics fm = fontMetrics();
    const bool state = m_mode == DiffColorMode::State;
    const QString lo = state ? tr("B computes less")
                             : QStringLiteral("−%1").arg(QString::number(m_maxAbsCos, 'f', 3));
    const QString hi = state ? tr("B computes more")
                             : QStringLiteral("+%1").arg(QString::number(m_maxAbsCos, 'f', 3));
    int x = 0;
    painter.drawText(QRect(x, 0, fm.horizontalAdvance(lo), height()), Qt::AlignVCenter, lo);
    x += fm.horizontalAdvance(lo) + kGap;
    const int y = (height() - kSwatch) / 2;
    if (state) {
        // One swatch per possible cost difference, -4 ... +4.
        const int w = kScaleWidth / 9;
        for (int d = -4; d <= 4; ++d)
            painter.fillRect(QRect(x + (d + 4) * w, y, w - 1, kSwatch), divergingColor(d / 4.0));
    } else {
        for (int i = 0; i < kScaleWidth; ++i)
            painter.fillRect(QRect(x + i, y, 1, kSwatch),
                             divergingColor(2.0 * i / (kScaleWidth - 1) - 1.0));
    }
    x += kScaleWidth + kGap;
    painter.drawText(QRect(x, 0, fm.horizontalAdvance(hi), height()), Qt::AlignVCenter, hi);
}

DiffHeatmapPanel::DiffHeatmapPanel(DiffHeatmapModel* model, QWidget* parent)
    : QWidget(parent), m_model(model) {
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("diffHeatmapView"));
    m_delegate = new DiffHeatmapDelegate(m_view);
    m_view->setItemDelegate(m_delegate);
    m_view->setModel(model);
    m_view->setShowGrid(false);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionMode(QAbstractItemView::NoSelection);
    m_view->setMouseTracking(true);
    m_view->setTabKeyNavigation(false); // Tab leaves the table
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    for (QHeaderView* header : {m_view->horizontalHeader(), m_view->verticalHeader()}) {
        header->setSectionResizeMode(QHeaderView::Fixed);
        header->setMinimumSectionSize(1);
    }
    m_view->horizontalHeader()->setDefaultSectionSize(kCellWidth);
    m_view->verticalHeader()->setDefaultSectionSize(kCellHeight);
    m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);

    m_legend = new DiffHeatmapLegend(this);
    m_mode = new QComboBox(this);
    m_mode->addItem(tr("Δ state (cost)"), static_cast<int>(DiffColorMode::State));
    m_mode->addItem(tr("Δ cos(in,out)"), static_cast<int>(DiffColorMode::CosInOut));
    m_mode->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_mode->setMinimumContentsLength(8);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &DiffHeatmapPanel::applyColorMode);
    connect(model, &QAbstractItemModel::modelReset, this,
            [this] { m_legend->setCosRange(m_model->maxAbsCosDelta()); });

    auto* controls = new QHBoxLayout;
    auto* title = new ElidedLabel(this);
    title->setFullText(tr("Difference B − A (hatched: different tokens)"));
    controls->addWidget(title, 1);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Colour:"), this));
    controls->addWidget(m_mode);
    controls->addWidget(m_legend);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);
}

void DiffHeatmapPanel::applyColorMode() {
    const auto mode = static_cast<DiffColorMode>(m_mode->currentData().toInt());
    m_delegate->setColorMode(mode);
    m_legend->setColorMode(mode);
    m_view->viewport()->update();
}

} // namespace dash::studio
