// SPDX-License-Identifier: MIT
// The heatmap table: fixed-size cells drawn by HeatmapDelegate, the token
// header on top and layer numbers at the side. Clicking a cell selects its
// token; Ctrl+wheel and the zoom slots scale the cells.
#pragma once

#include <QTableView>

namespace dash::studio {

class HeatmapDelegate;
class HeatmapModel;

class HeatmapView : public QTableView {
    Q_OBJECT
public:
    static constexpr double kMinZoom = 0.25;
    static constexpr double kMaxZoom = 6.0;

    explicit HeatmapView(QWidget* parent = nullptr);

    void setHeatmapModel(HeatmapModel* model);
    HeatmapModel* heatmapModel() const { return m_model; }
    HeatmapDelegate* heatmapDelegate() const { return m_delegate; }

    double zoom() const { return m_zoom; }
    void setZoom(double zoom);
    // The selected token (column), or -1.
    int selectedToken() const { return m_selectedToken; }
    void selectToken(int token);

    // Outlines one cell (the cell a counterfactual forced); -1: none.
    void setMarkedCell(int token, int layer);
    int markedToken() const { return m_markedToken; }
    int markedLayer() const { return m_markedLayer; }

    void zoomIn();
    void zoomOut();
    void resetZoom();

signals:
    // After a click, or after a new run when the selection moved (-1: none).
    void tokenSelected(int token);
    void zoomChanged(double zoom);
    // After the cells on screen were painted (latency measurements wait for it).
    void viewportPainted();

protected:
    void wheelEvent(QWheelEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    void applyZoom();
    void onModelReset();
    void onCurrentChanged(const QModelIndex& current);

    HeatmapModel* m_model = nullptr;
    HeatmapDelegate* m_delegate = nullptr;
    double m_zoom = 1.0;
    int m_selectedToken = -1;
    int m_markedToken = -1;
    int m_markedLayer = -1;
    // While the last token is selected, new runs keep selecting their last
    // token, so that the curves follow typing.
    bool m_followLast = true;
};

} // namespace dash::studio
