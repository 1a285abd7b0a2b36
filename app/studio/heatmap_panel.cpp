// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_panel.h"

#include "app/studio/elided_label.h"
#include "app/studio/heatmap_delegate.h"
#include "app/studio/heatmap_legend.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_view.h"
#include "core/dash/input_awareness.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace dash::studio {

HeatmapPanel::HeatmapPanel(HeatmapModel* model, QWidget* parent) : QWidget(parent), m_model(model) {
    m_view = new HeatmapView(this);
    m_view->setObjectName(QStringLiteral("heatmapView"));
    m_view->setHeatmapModel(model);
    m_legend = new HeatmapLegend(this);

    m_colorMode = new QComboBox(this);
    m_colorMode->addItem(tr("Layer state"), static_cast<int>(HeatmapColorMode::State));
    m_colorMode->addItem(tr("cos(in,out)"), static_cast<int>(HeatmapColorMode::CosInOut));
    m_colorMode->setToolTip(tr("What the cell colour shows"));
    m_colorMode->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_colorMode->setMinimumContentsLength(8);
    connect(m_colorMode, &QComboBox::currentIndexChanged, this, &HeatmapPanel::applyColorMode);

    auto button = [this](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, m_view, slot);
        return b;
    };

    auto* controls = new QHBoxLayout;
    // Cut rather than widen the window; the tooltip has the whole title.
    auto* title = new ElidedLabel(this);
    title->setFullText(tr("Heatmap (tokens × layers)"));
    controls->addWidget(title, 1);
    controls->addSpacing(12);
    m_colorLabel = new QLabel(tr("Colour:"), this);
    controls->addWidget(m_colorLabel);
    controls->addWidget(m_colorMode);
    controls->addWidget(m_legend);
    controls->addWidget(button(tr("−"), tr("Zoom out (Ctrl+wheel)"), &HeatmapView::zoomOut));
    controls->addWidget(button(tr("1:1"), tr("Reset zoom"), &HeatmapView::resetZoom));
    controls->addWidget(button(tr("+"), tr("Zoom in (Ctrl+wheel)"), &HeatmapView::zoomIn));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);

    connect(model, &QAbstractItemModel::modelReset, this, &HeatmapPanel::updateLegendRange);
    updateLegendRange();
}

void HeatmapPanel::applyColorMode() {
    const auto mode = static_cast<HeatmapColorMode>(m_colorMode->currentData().toInt());
    m_view->heatmapDelegate()->setColorMode(mode);
    m_legend->setColorMode(mode);
    m_view->viewport()->update();
}

void HeatmapPanel::followColorMode(HeatmapPanel* leader) {
    for (QWidget* w : {static_cast<QWidget*>(m_colorLabel), static_cast<QWidget*>(m_colorMode),
                       static_cast<QWidget*>(m_legend)})
        w->hide();
    m_colorMode->setCurrentIndex(leader->m_colorMode->currentIndex());
    connect(leader->m_colorMode, &QComboBox::currentIndexChanged, m_colorMode,
            &QComboBox::setCurrentIndex);
}

void HeatmapPanel::updateLegendRange() {
    m_legend->setRange(m_model->cosInOutMin(), m_model->cosInOutMax());
}

QString inputAwarenessText(const InputAwareness& a) {
    if (a.tokens < 2)
        return {};
    return HeatmapPanel::tr("input-aware %1").arg(QString::number(a.majorityDeviation, 'f', 2));
}

QString inputAwarenessDefinition(const InputAwareness& a) {
    if (a.tokens < 2)
        return {};
    return HeatmapPanel::tr(
               "Input awareness of this run's states over its %1 tokens: %2 of the tokens "
               "differ from their layer's majority state (mean over layers 1..%3; 0 for a "
               "policy that decides per layer only). Mutual information beyond chance "
               "between the states and the token id: %4 bits; the position: %5 bits.")
        .arg(QString::number(a.tokens), QString::number(a.majorityDeviation, 'f', 3),
             QString::number(a.layers.size() - 1), QString::number(a.miTokenExcess, 'f', 4),
             QString::number(a.miPositionExcess, 'f', 4));
}

} // namespace dash::studio
