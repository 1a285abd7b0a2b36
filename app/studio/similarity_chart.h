// SPDX-License-Identifier: MIT
// Per-layer similarity curves of a run (Qt Charts): cos(layer input, layer
// output) of the selected token and its mean over the prompt tokens, the
// adjacent-layer similarity of the selected token, and markers on the layers
// the selected token skipped.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QChartView>

class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace dash::studio {

class SimilarityChart : public QChartView {
    Q_OBJECT
public:
    explicit SimilarityChart(QWidget* parent = nullptr);

    void setSnapshot(SnapshotPtr snapshot);
    void setSelectedToken(int token);

    QLineSeries* tokenCosSeries() const { return m_tokenCos; }
    QLineSeries* meanCosSeries() const { return m_meanCos; }
    // The first run of consecutive layers with a value; adjacentSegments()
    // has every run: the line breaks where the similarity is undefined.
    QLineSeries* adjacentSeries() const { return m_adjacent; }
    QList<QLineSeries*> adjacentSegments() const;
    QScatterSeries* skippedSeries() const { return m_skipped; }

private:
    void rebuild();
    // Sets both axes from m_layers, m_minValue and m_maxValue (the last
    // rebuild's curves); an axis whose range and tick count stay the same
    // is not laid out again.
    void updateAxes();

    QLineSeries* m_tokenCos;
    QLineSeries* m_meanCos;
    QLineSeries* m_adjacent;
    QList<QLineSeries*> m_adjacentMore; // the runs after the first
    QScatterSeries* m_skipped;
    QValueAxis* m_axisX;
    QValueAxis* m_axisY;
    // Never shown: applyNiceNumbers() runs here, so that the visible y axis
    // lays out its labels once per change instead of twice per rebuild.
    QValueAxis* m_niceY;
    SnapshotPtr m_snapshot;
    int m_token = -1;
    int m_layers = 0;
    double m_minValue = 0; // lowest and highest value drawn (min > max: none)
    double m_maxValue = 0;
};

} // namespace dash::studio
