// SPDX-License-Identifier: MIT
// Two questions about the run shown in a heatmap, answered on the inference
// worker: the counterfactual of one cell (force a (token, layer) cell to
// another state, replay the run's states otherwise exactly, and show what
// changes for each later token: Δ log p of the next token and the KL
// divergence) and the logit lens of the selected token (top-k tokens read from
// each layer's residual through the final norm and the output head).
//
// A cell is forced from the heatmap's context menu (right click, the Menu key
// or Shift+F10 on the current cell) or with the panel's buttons, which act on
// the heatmap's current cell.
#pragma once

#include "app/studio/cell_probe.h"

#include <QWidget>

class QLabel;
class QMenu;
class QPushButton;
class QTableWidget;

namespace dash::studio {

class HeatmapView;
class InferenceClient;

class CellProbePanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kLensTopK = 5;

    CellProbePanel(HeatmapView* view, InferenceClient* client, QWidget* parent = nullptr);

    // Replays the shown run with (token, layer) forced to `state`.
    void forceCell(int token, int layer, LayerState state);
    // Forgets the counterfactual.
    void clearCounterfactual();
    // The heatmap's menu of states for (token, layer); the caller owns it.
    QMenu* forceMenu(int token, int layer, QWidget* parent);

    // The latest answers shown (null: none).
    const ProbeResultPtr& counterfactual() const { return m_counterfactual; }
    const ProbeResultPtr& lens() const { return m_lens; }
    QLabel* counterfactualSummary() const { return m_cfSummary; }
    QTableWidget* counterfactualTable() const { return m_cfTable; }
    QTableWidget* lensTable() const { return m_lensTable; }

signals:
    // A probe's answer is on screen (tests wait for it).
    void probeShown(dash::studio::ProbeKind kind);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void requestLens(int token);
    void onProbeFinished(const ProbeResultPtr& result);
    void onModelReset();
    void showCounterfactual();
    void showLens();
    void forceCurrentCell(LayerState state);
    QString tokenText(int token) const;

    HeatmapView* m_view;
    InferenceClient* m_client;
    SnapshotPtr m_snapshot; // the run the answers below belong to
    ProbeResultPtr m_counterfactual;
    ProbeResultPtr m_lens;
    SnapshotPtr m_lensAsked;   // the lens last asked for: this run's...
    int m_lensAskedToken = -1; // ...token

    QLabel* m_cfSummary;
    QTableWidget* m_cfTable;
    QPushButton* m_clear;
    QLabel* m_lensTitle;
    QTableWidget* m_lensTable;
};

} // namespace dash::studio
