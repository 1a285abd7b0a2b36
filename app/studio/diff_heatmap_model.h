// SPDX-License-Identifier: MIT
// The differential heatmap of two runs: rows are layers, columns the tokens
// both runs share by position (core's RunComparison alignment), and each cell
// holds run B minus run A. A state difference is also a nominal cost
// difference: -4 means B skipped a layer that A ran at full precision.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/store/run_store.h"

#include <QAbstractTableModel>

#include <memory>

namespace dash::studio {

class DiffHeatmapModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        StateDeltaRole = Qt::UserRole + 1, // int: state B - state A, in [-4, 4]
        StateARole,                        // int
        StateBRole,                        // int
        StateDeltaFractionRole,            // double in [-1, 1]: state delta / 4
        CosInOutDeltaRole,                 // double Δ cos(in,out); invalid where either is NaN
        CosInOutDeltaFractionRole,         // double in [-1, 1]: Δ / the largest |Δ| of the pair
        TimeDeltaNsRole,                   // double Δ layer time (ns)
        TokenTextRole,                     // QString: A's token text
        SameTokenRole,                     // bool: both runs hold the same token id here
        TokenIndexRole,                    // int: the column
        LayerRole,                         // int: the row
    };

    explicit DiffHeatmapModel(QObject* parent = nullptr);

    // Shows b minus a; `comparison` must be compareRuns() of the records that
    // `a` and `b` show. Null arguments clear the table.
    void setComparison(SnapshotPtr a, SnapshotPtr b,
                       std::shared_ptr<const RunComparison> comparison);
    const RunComparison* comparison() const { return m_comparison.get(); }
    // Largest |Δ cos(in,out)| over the cells (0 when none).
    double maxAbsCosDelta() const { return m_maxAbsCos; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    size_t cell(int token, int layer) const;
    QString tokenText(const RunSnapshot& run, int token) const;
    QString cellToolTip(int token, int layer) const;

    SnapshotPtr m_a;
    SnapshotPtr m_b;
    std::shared_ptr<const RunComparison> m_comparison;
    double m_maxAbsCos = 0;
};

} // namespace dash::studio
