// SPDX-License-Identifier: MIT
// Saved runs as a table, one row per run (newest first, as listed). The label
// column is editable; an edit is announced with labelEdited() and shows at
// once, the store catching up in the background.
#pragma once

#include "core/store/run_store.h"

#include <QAbstractTableModel>

#include <vector>

namespace dash::studio {

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        CreatedColumn,
        LabelColumn,
        ModelColumn,
        PolicyColumn,
        TokensColumn,
        RatioColumn,
        MsPerTokenColumn,
        PerplexityColumn,
        SpeedupColumn,
        BackendColumn,
        PromptColumn,     // the prompt on one line, elided; the whole text in the tooltip
        PolicyFileColumn, // a policy file's name; its path in the tooltip
        ColumnCount
    };
    enum Role {
        RunIdRole = Qt::UserRole + 1, // qint64
        CreatedMsRole,                // qint64, Unix ms (UTC)
        ModelPathRole,                // QString
        PolicyKindRole,               // QString
        // The column's value for sorting: numbers as numbers (a missing
        // perplexity or speedup sorts first), text as text.
        SortRole,
        // bool: a sweep result (figures measured on held-out text, no cells
        // of its own), not a run of a prompt.
        SweepRowRole,
    };

    // Characters of the prompt the prompt column shows before an ellipsis.
    static constexpr int kPromptExcerpt = 60;

    // A sweep saves each row as a run without traced tokens but with a
    // perplexity; a run of a prompt always has tokens.
    static bool isSweepRow(const RunSummary& run);

    explicit RunListModel(QObject* parent = nullptr);

    void setRuns(std::vector<RunSummary> runs);
    const std::vector<RunSummary>& runs() const { return m_runs; }
    // The path of the policy file a run read ("file" of its policy
    // parameters); empty for built-in policies.
    static QString policyFilePath(const RunSummary& run);
    // Row of run `id`, or -1.
    int rowOf(qint64 id) const;
    qint64 runId(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void labelEdited(qint64 id, const QString& label);

private:
    std::vector<RunSummary> m_runs;
    std::vector<QString> m_policyFiles; // policyFilePath() of each run
};

} // namespace dash::studio
