// SPDX-License-Identifier: MIT
#include "app/studio/cell_probe_panel.h"

#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/token_text.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

QString stateLabel(LayerState s) {
    switch (s) {
    case LayerState::Skip:
        return CellProbePanel::tr("Skip");
    case LayerState::Int4:
        return CellProbePanel::tr("INT4");
    case LayerState::Int8:
        return CellProbePanel::tr("INT8");
    case LayerState::Full:
        break;
    }
    return CellProbePanel::tr("Full");
}

QString number(double v, int decimals) {
    return std::isfinite(v) ? QLocale().toString(v, 'f', decimals) : QStringLiteral("–");
}

// Colour of a Δ log p cell: red for a loss, blue for a gain, by |v| / scale.
QColor deltaColor(double v, double scale) {
    const double f = scale > 0 ? std::min(1.0, std::fabs(v) / scale) : 0.0;
    const int fade = static_cast<int>(255 - 150 * f);
    return v < 0 ? QColor(255, fade, fade) : QColor(fade, fade, 255);
}

QTableWidget* makeTable(QWidget* parent) {
    auto* table = new QTableWidget(parent);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setTabKeyNavigation(false); // Tab leaves the table
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setMinimumSize(0, 0);
    return table;
}

} // namespace

CellProbePanel::CellProbePanel(HeatmapView* view, InferenceClient* client, QWidget* parent)
    : QWidget(parent), m_view(view), m_client(client) {
    setObjectName(QStringLiteral("cellProbePanel"));
    m_cfSummary = new QLabel(this);
    m_cfSummary->setObjectName(QStringLiteral("counterfactualSummary"));
    m_cfSummary->setWordWrap(true);
    m_cfSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cfTable = makeTable(this);
    m_cfTable->setObjectName(QStringLiteral("counterfactualTable"));
    m_cfTable->setRowCount(2);
    m_cfTable->setVerticalHeaderLabels({tr("Δ log p"), tr("KL")});
    m_cfTable->setToolTip(tr("Per later token: the change in log-likelihood of the token when the "
                             "cell is forced, and the KL divergence (nats) from the run's "
                             "next-token distribution to the forced one"));

    auto* forceRow = new QHBoxLayout;
    auto* forceLabel = new QLabel(tr("Force the current heatmap cell to:"), this);
    forceLabel->setWordWrap(true);
    forceRow->addWidget(forceLabel);
    for (LayerState s : {LayerState::Skip, LayerState::Int4, LayerState::Int8, LayerState::Full}) {
        auto* button = new QPushButton(stateLabel(s), this);
        button->setObjectName(QStringLiteral("force_%1").arg(QString::fromLatin1(stateName(s))));
        connect(button, &QPushButton::clicked, this, [this, s] { forceCurrentCell(s); });
        forceRow->addWidget(button);
    }
    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setObjectName(QStringLiteral("clearCounterfactual"));
    m_clear->setEnabled(false);
    connect(m_clear, &QPushButton::clicked, this, &CellProbePanel::clearCounterfactual);
    forceRow->addWidget(m_clear);
    forceRow->addStretch(1);

    m_lensTitle = new QLabel(this);
    m_lensTitle->setObjectName(QStringLiteral("lensTitle"));
    m_lensTable = makeTable(this);
    m_lensTable->setObjectName(QStringLiteral("lensTable"));
    m_lensTable->setColumnCount(kLensTopK);
    QStringList ranks;
    for (int r = 1; r <= kLensTopK; ++r)
        ranks << tr("#%1").arg(r);
    m_lensTable->setHorizontalHeaderLabels(ranks);
    m_lensTable->setToolTip(tr("Logit lens: the most probable next tokens read from each layer's "
                               "output through the final norm and the output head"));

    // In a scroll area, so that the dock can be as small as a small screen
    // needs.
    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_cfSummary);
    layout->addLayout(forceRow);
    layout->addWidget(m_cfTable, 1);
    layout->addWidget(m_lensTitle);
    layout->addWidget(m_lensTable, 3);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumSize(0, 0);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    clearCounterfactual();
    m_lensTitle->setText(tr("Logit lens: select a token in the heatmap."));

    m_view->installEventFilter(this);
    m_view->viewport()->installEventFilter(this);
    // Shift+F10 opens the menu where the platform does not map it to one.
    auto* menuKey = new QAction(m_view);
    menuKey->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F10));
    menuKey->setShortcutContext(Qt::WidgetShortcut);
    connect(menuKey, &QAction::triggered, this, [this] {
        const QModelIndex index = m_view->currentIndex();
        if (!index.isValid())
            return;
        QMenu* menu = forceMenu(index.column(), index.row(), m_view);
        menu->popup(m_view->viewport()->mapToGlobal(m_view->visualRect(index).center()));
    });
    m_view->addAction(menuKey);

    connect(m_view, &HeatmapView::tokenSelected, this, &CellProbePanel::requestLens);
    if (HeatmapModel* model = m_view->heatmapModel())
        connect(model, &QAbstractItemModel::modelReset, this, &CellProbePanel::onModelReset);
    connect(m_client, &InferenceClient::probeFinished, this, &CellProbePanel::onProbeFinished);
}

QString CellProbePanel::tokenText(int token) const {
    if (!m_snapshot || token < 0 || token >= m_snapshot->tokenTexts.size())
        return {};
    return tokenLabel(m_snapshot->tokenTexts[token]);
}

bool CellProbePanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::ContextMenu &&
        (watched == m_view || watched == m_view->viewport())) {
        auto* e = static_cast<QContextMenuEvent*>(event);
        QModelIndex index;
        QPoint at = e->globalPos();
        if (e->reason() == QContextMenuEvent::Mouse) {
            const QPoint pos =
                watched == m_view ? m_view->viewport()->mapFrom(m_view, e->pos()) : e->pos();
            index = m_view->indexAt(pos);
        } else {
            // The Menu key: the current cell, wherever the pointer is.
            index = m_view->currentIndex();
            at = m_view->viewport()->mapToGlobal(m_view->visualRect(index).center());
        }
        if (!index.isValid())
            return false;
        QMenu* menu = forceMenu(index.column(), index.row(), m_view);
        menu->popup(at);
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

QMenu* CellProbePanel::forceMenu(int token, int layer, QWidget* parent) {
    auto* menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("forceCellMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    const SnapshotPtr snapshot =
        m_view->heatmapModel() ? m_view->heatmapModel()->snapshot() : SnapshotPtr{};
    const bool valid = snapshot && snapshot->ok() && token >= 0 && token < snapshot->tokenCount() &&
                       layer >= 0 && layer < snapshot->trace.layers;
    menu->addSection(tr("Force token %1 / layer %2 to").arg(token).arg(layer));
    for (LayerState s : {LayerState::Skip, LayerState::Int4, LayerState::Int8, LayerState::Full}) {
        QAction* action = menu->addAction(stateLabel(s), this,
                                          [this, token, layer, s] { forceCell(token, layer, s); });
        action->setEnabled(valid);
        action->setCheckable(true);
        action->setChecked(valid && snapshot->trace.state(token, layer) == s);
    }
    menu->addSeparator();
    QAction* clear =
        menu->addAction(tr("Clear Counterfactual"), this, &CellProbePanel::clearCounterfactual);
    clear->setEnabled(m_counterfactual != nullptr);
    return menu;
}

void CellProbePanel::forceCurrentCell(LayerState state) {
    const QModelIndex index = m_view->currentIndex();
    if (!index.isValid()) {
        m_cfSummary->setText(tr("Select a heatmap cell first."));
        return;
    }
    forceCell(index.column(), index.row(), state);
}

void CellProbePanel::forceCell(int token, int layer, LayerState state) {
    const SnapshotPtr snapshot =
        m_view->heatmapModel() ? m_view->heatmapModel()->snapshot() : SnapshotPtr{};
    if (!snapshot || !snapshot->ok() || token < 0 || token >= snapshot->tokenCount() || layer < 0 ||
        layer >= snapshot->trace.layers)
        return;
    m_snapshot = snapshot;
    // The answer shows here: bring a hidden or tabbed-away dock forward.
    for (QWidget* w = parentWidget(); w; w = w->parentWidget()) {
        if (auto* dock = qobject_cast<QDockWidget*>(w)) {
            dock->show();
            dock->raise();
            break;
        }
    }
    ProbeRequest request;
    request.kind = ProbeKind::Counterfactual;
    request.snapshot = snapshot;
    request.token = token;
    request.layer = layer;
    request.state = state;
    m_client->requestProbe(request);
    m_cfSummary->setText(tr("Forcing token %1 “%2” / layer %3 to %4…")
                             .arg(token)
                             .arg(tokenText(token))
                             .arg(layer)
                             .arg(stateLabel(state)));
}

void CellProbePanel::clearCounterfactual() {
    m_counterfactual.reset();
    m_view->setMarkedCell(-1, -1);
    m_cfTable->setColumnCount(0);
    m_clear->setEnabled(false);
    m_cfSummary->setText(tr("Counterfactual: right-click a heatmap cell (or press the Menu key) "
                            "to force it to another state and see what changes for each later "
                            "token."));
}

void CellProbePanel::requestLens(int token) {
    const SnapshotPtr snapshot =
        m_view->heatmapModel() ? m_view->heatmapModel()->snapshot() : SnapshotPtr{};
    m_snapshot = snapshot;
    // A hidden panel (a dock tabbed away) costs nothing: it asks when shown.
    if (!isVisible())
        return;
    if (!snapshot || !snapshot->ok() || token < 0 || token >= snapshot->tokenCount()) {
        m_lensAsked.reset();
        m_lensAskedToken = -1;
        m_lens.reset();
        m_lensTable->setRowCount(0);
        m_lensTitle->setText(tr("Logit lens: select a token in the heatmap."));
        return;
    }
    if (m_lensAsked == snapshot && m_lensAskedToken == token)
        return; // asked already: the answer is on screen or on its way
    m_lensAsked = snapshot;
    m_lensAskedToken = token;
    ProbeRequest request;
    request.kind = ProbeKind::Lens;
    request.snapshot = snapshot;
    request.token = token;
    request.topK = kLensTopK;
    m_client->requestProbe(request);
    m_lensTitle->setText(
        tr("Logit lens of token %1 “%2”: computing…").arg(token).arg(tokenText(token)));
}

void CellProbePanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    requestLens(m_view->selectedToken());
}

void CellProbePanel::onModelReset() {
    const SnapshotPtr snapshot = m_view->heatmapModel()->snapshot();
    if (m_counterfactual && m_counterfactual->request.snapshot != snapshot)
        clearCounterfactual(); // it belonged to the previous run
    requestLens(m_view->selectedToken());
}

void CellProbePanel::onProbeFinished(const ProbeResultPtr& result) {
    const SnapshotPtr shown =
        m_view->heatmapModel() ? m_view->heatmapModel()->snapshot() : SnapshotPtr{};
    if (result->request.snapshot != shown)
        return; // a newer run replaced it
    if (result->request.kind == ProbeKind::Counterfactual) {
        if (result->cancelled) {
            m_cfSummary->setText(tr("The counterfactual was stopped by a newer run."));
            return;
        }
        if (!result->ok()) {
            m_cfSummary->setText(tr("Counterfactual failed: %1").arg(result->error));
            return;
        }
        m_counterfactual = result;
        showCounterfactual();
    } else {
        if (result->cancelled) {
            // Stopped by a newer request or a run: ask again on the next selection.
            if (result->request.token == m_lensAskedToken)
                m_lensAsked.reset();
            return;
        }
        if (!result->ok()) {
            m_lens.reset();
            m_lensTable->setRowCount(0);
            m_lensTitle->setText(tr("Logit lens failed: %1").arg(result->error));
            return;
        }
        m_lens = result;
        showLens();
    }
    emit probeShown(result->request.kind);
}

void CellProbePanel::showCounterfactual() {
    const CounterfactualResult& cf = m_counterfactual->counterfactual;
    const int k = static_cast<int>(cf.cell.token);
    const int count = static_cast<int>(cf.deltaLogProbs.size());
    m_clear->setEnabled(true);
    m_view->setMarkedCell(k, cf.cell.layer);
    // Columns: the tokens after the forced one, whose predictions it can reach.
    const int columns = std::max(0, count - k - 1);
    m_cfTable->setColumnCount(columns);
    double scale = 0;
    int changed = 0;
    int largestAt = -1;
    for (int t = k + 1; t < count; ++t) {
        const double d = cf.deltaLogProbs[static_cast<size_t>(t)];
        if (d != 0.0 || cf.kl[static_cast<size_t>(t)] != 0.0f)
            ++changed;
        if (std::fabs(d) > scale) {
            scale = std::fabs(d);
            largestAt = t;
        }
    }
    for (int c = 0; c < columns; ++c) {
        const int t = k + 1 + c;
        auto* header = new QTableWidgetItem(QStringLiteral("%1 %2").arg(t).arg(tokenText(t)));
        m_cfTable->setHorizontalHeaderItem(c, header);
        const double d = cf.deltaLogProbs[static_cast<size_t>(t)];
        auto* delta = new QTableWidgetItem(number(d, 3));
        delta->setBackground(deltaColor(d, scale));
        delta->setForeground(Qt::black);
        delta->setToolTip(tr("log p(token %1) %2 → %3")
                              .arg(t)
                              .arg(number(cf.originalLogProbs[static_cast<size_t>(t)], 4))
                              .arg(number(cf.forcedLogProbs[static_cast<size_t>(t)], 4)));
        m_cfTable->setItem(0, c, delta);
        m_cfTable->setItem(1, c, new QTableWidgetItem(number(cf.kl[static_cast<size_t>(t)], 4)));
    }
    QString text = tr("Forcing token %1 “%2” / layer %3 from %4 to %5")
                       .arg(k)
                       .arg(tokenText(k))
                       .arg(cf.cell.layer)
                       .arg(stateLabel(cf.originalState))
                       .arg(stateLabel(cf.cell.state));
    const int64_t next = cf.nextToken();
    if (next < 0) {
        text += tr(": the last token predicts nothing within the run, so nothing changes.");
    } else {
        text += tr(": next-token Δ log p %1, KL %2; later tokens changed: %3 of %4")
                    .arg(number(cf.deltaLogProbs[static_cast<size_t>(next)], 3))
                    .arg(number(cf.kl[static_cast<size_t>(next)], 4))
                    .arg(changed)
                    .arg(columns);
        if (largestAt >= 0)
            text += tr(" (largest |Δ log p| %1 at token %2 “%3”)")
                        .arg(number(scale, 3))
                        .arg(largestAt)
                        .arg(tokenText(largestAt));
        text += QLatin1Char('.');
    }
    m_cfSummary->setText(text);
}

void CellProbePanel::showLens() {
    const LogitLens& lens = m_lens->lens;
    const auto token = static_cast<int>(lens.token);
    const int layers = static_cast<int>(lens.layers.size());
    m_lensTable->setRowCount(layers);
    for (int l = 0; l < layers; ++l) {
        const LayerState s = m_snapshot && token < m_snapshot->tokenCount()
                                 ? m_snapshot->trace.state(token, l)
                                 : LayerState::Full;
        m_lensTable->setVerticalHeaderItem(
            l, new QTableWidgetItem(tr("L%1 · %2").arg(l).arg(stateLabel(s))));
        const auto& top = lens.layers[static_cast<size_t>(l)];
        for (int r = 0; r < kLensTopK; ++r) {
            if (r >= static_cast<int>(top.size())) {
                delete m_lensTable->takeItem(l, r);
                continue;
            }
            const LensCandidate& c = top[static_cast<size_t>(r)];
            const QString text = tokenLabel(m_lens->lensTexts[static_cast<size_t>(l)][r]);
            auto* item = new QTableWidgetItem(
                tr("%1  %2 %").arg(text).arg(number(100.0 * c.probability, 1)));
            item->setToolTip(tr("token id %1 “%2”: logit %3, probability %4")
                                 .arg(c.id)
                                 .arg(text)
                                 .arg(number(c.logit, 3))
                                 .arg(number(c.probability, 5)));
            m_lensTable->setItem(l, r, item);
        }
    }
    m_lensTitle->setText(tr("Logit lens of token %1 “%2” (top %3 per layer output):")
                             .arg(token)
                             .arg(tokenText(token))
                             .arg(kLensTopK));
}

} // namespace dash::studio
