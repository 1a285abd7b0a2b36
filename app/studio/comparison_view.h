// SPDX-License-Identifier: MIT
// Two saved runs side by side: both heatmaps, the differential heatmap (B − A),
// their similarity curves overlaid, and what B changes: speed (ms/token,
// measured speedup), nominal ratio and quality (mean log-likelihood of the
// prompt tokens, perplexity), all from core's RunStore::compare.
#pragma once

#include "app/studio/run_store_client.h"

#include <QWidget>

class QChartView;
class QLabel;
class QLineSeries;
class QSplitter;
class QTableView;
class QValueAxis;

namespace dash::studio {

class DiffHeatmapModel;
class HeatmapModel;
class HeatmapView;

class ComparisonView : public QWidget {
    Q_OBJECT
public:
    explicit ComparisonView(QWidget* parent = nullptr);

    void setComparison(StoredComparisonPtr comparison);
    const StoredComparisonPtr& comparison() const { return m_comparison; }

    DiffHeatmapModel* diffModel() const { return m_diff; }
    HeatmapModel* heatmapA() const { return m_heatmapA; }
    HeatmapModel* heatmapB() const { return m_heatmapB; }
    // The summary figures as shown (for tests and export).
    QString speedText() const;
    QString qualityText() const;
    // Curves of the token in column `token` (-1: prompt means only).
    void setSelectedToken(int token);
    int selectedToken() const { return m_token; }
    // The views, for tests: A, B and the difference.
    HeatmapView* viewA() const { return m_viewA; }
    HeatmapView* viewB() const { return m_viewB; }
    QTableView* diffView() const { return m_diffView; }
    QChartView* chartView() const { return m_chart; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void updateSummary();
    void updateCurves();

    StoredComparisonPtr m_comparison;
    int m_token = -1;
    HeatmapModel* m_heatmapA;
    HeatmapModel* m_heatmapB;
    DiffHeatmapModel* m_diff;
    QLabel* m_titleA;
    QLabel* m_titleB;
    QLabel* m_speed;
    QLabel* m_ratio;
    QLabel* m_quality;
    QLabel* m_cells;
    QChartView* m_chart;
    HeatmapView* m_viewA;
    HeatmapView* m_viewB;
    QTableView* m_diffView;
    QSplitter* m_split;
    bool m_sized = false; // the splitter got its first sizes
    QLineSeries* m_meanA;
    QLineSeries* m_meanB;
    QLineSeries* m_tokenA;
    QLineSeries* m_tokenB;
    QValueAxis* m_axisX;
    QValueAxis* m_axisY;
};

} // namespace dash::studio
