// SPDX-License-Identifier: MIT
// The trace of a run as a table: rows are layers (row 0 = layer 0, at the
// top), columns are tokens in sequence order. Layers go down and tokens go
// across because prompts grow far longer than models grow deep: a long prompt
// scrolls horizontally while every layer stays in view.
//
// Cells expose raw numbers through custom roles; HeatmapDelegate turns them
// into colour.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QAbstractTableModel>

namespace dash::studio {

class HeatmapModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        StateRole = Qt::UserRole + 1, // int: 0, 1, 2 or 4
        CosInOutRole,                 // double cos(layer input, layer output); invalid if none
        CosInOutFractionRole,         // double in [0, 1]: cos(in,out) within this run's range
        CosAdjacentRole,              // double; invalid at layer 0
        NormInRole,                   // double ||x||
        NormOutRole,                  // double ||y||
        TimeNsRole,                   // double: layer time of the cell (ns)
        ScoresRole,                   // QVariantList of 4 doubles (skip, INT4, INT8, full);
                                      // invalid when no policy scored the cell
        TokenTextRole,                // QString
        TokenIdRole,                  // int
        TokenIndexRole,               // int: the column
        LayerRole,                    // int: the row
        GeneratedRole,                // bool: the token was generated, not typed
    };

    explicit HeatmapModel(QObject* parent = nullptr);

    // Swaps in a new run (a model reset); null clears the table.
    void setSnapshot(SnapshotPtr snapshot);
    const SnapshotPtr& snapshot() const { return m_snapshot; }
    // Smallest and largest finite cos(in,out) of the run (min > max when none).
    double cosInOutMin() const { return m_cosMin; }
    double cosInOutMax() const { return m_cosMax; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    QString cellToolTip(int token, int layer) const;
    QString tokenText(int token) const;

    SnapshotPtr m_snapshot;
    double m_cosMin = 0;
    double m_cosMax = 1;
};

} // namespace dash::studio
