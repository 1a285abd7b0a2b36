// SPDX-License-Identifier: MIT
// The run browser: saved runs filtered by model, policy, label and date;
// labels edited in place, notes beside the opened run's heatmap; deleting
// (after confirmation), comparing two runs side by side, and re-running a run
// with another policy (opened beside the original). Every store operation
// runs off the UI thread (RunStoreClient).
#pragma once

#include "app/studio/run_snapshot.h"
#include "app/studio/run_store_client.h"

#include <QList>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace dash::studio {

class ComparisonView;
class HeatmapModel;
class RunListModel;
class RunRerunner;

class RunsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunsPanel(QWidget* parent = nullptr);

    RunStoreClient* store() const { return m_store; }
    RunListModel* listModel() const { return m_list; }
    HeatmapModel* openedRunModel() const { return m_opened; }
    const StoredRunPtr& openedRun() const { return m_openedRun; }
    QTableView* table() const { return m_table; }

    // Empty: the per-user store. Lists the runs of the new store.
    void setDatabasePath(const QString& path);
    // The filter the controls describe.
    RunFilter filter() const;
    void setModelFilter(const QString& text);
    void setPolicyFilter(const QString& kind); // empty: any
    void setLabelFilter(const QString& text);
    // Only runs created on these local dates (inclusive); null dates: no limit.
    void setDateFilter(const QDate& from, const QDate& to);

    // Lists the runs that match the filter (in the background).
    void refresh();
    void openRun(qint64 id);
    // Deletes after the confirmation says yes.
    void deleteRuns(const QList<qint64>& ids);
    void compareRuns(qint64 a, qint64 b);
    // Ids of the selected rows, in list order.
    QList<qint64> selectedRuns() const;
    // Re-runs run `id` (a run of a prompt) with `policy`: the new run is
    // saved, labelled, listed and compared with the original.
    void rerunRun(qint64 id, const PolicySpec& policy);
    // Asks for the policy of a re-run of the selected run (RerunDialog).
    void rerunSelected();
    // "Re-run with Another Policy…": enabled for one selected run of a prompt.
    QAction* rerunAction() const { return m_rerunAction; }
    RunRerunner* rerunner() const { return m_rerunner; }
    // Replaces the confirmation question (tests answer it themselves).
    void setDeleteConfirmation(std::function<bool(const QList<qint64>&)> confirm);

    // A run was saved to `databasePath`: the browser follows that store.
    void onRunSaved(qint64 id, const QString& databasePath);

signals:
    void runsListed(int count);
    void runOpened(const dash::studio::StoredRunPtr& run);
    void comparisonShown(dash::studio::ComparisonView* view);
    void runsDeleted(const QList<qint64>& ids);
    void notesSaved(qint64 id);
    void rerunFinished(qint64 originalId, qint64 rerunId);
    void rerunFailed(qint64 originalId, const QString& message);

private:
    void scheduleRefresh();
    void onListed(quint64 request, const RunSummaries& runs);
    void onLoaded(quint64 request, const StoredRunPtr& run);
    void onFailed(quint64 request, const QString& message);
    void updateButtons();
    void showDetails();
    void saveNotes();
    bool confirmDelete(const QList<qint64>& ids);
    void showContextMenu(const QPoint& pos);
    void startRerun(const RunRecord& run, const PolicySpec& policy);
    void onRerunFinished(qint64 originalId, qint64 rerunId, const QString& databasePath);

    RunStoreClient* m_store;
    RunListModel* m_list;
    QSortFilterProxyModel* m_sorted;
    HeatmapModel* m_opened;
    StoredRunPtr m_openedRun;
    quint64 m_listRequest = 0;
    quint64 m_loadRequest = 0;
    quint64 m_compareRequest = 0;
    quint64 m_notesRequest = 0;
    quint64 m_rerunRequest = 0;
    qint64 m_rerunId = 0; // the run m_rerunRequest loads
    // The policy of the re-run whose run is being loaded; none: ask for it.
    std::optional<PolicySpec> m_rerunPolicy;
    RunRerunner* m_rerunner;
    QAction* m_rerunAction;
    QTimer m_filterDelay;
    std::function<bool(const QList<qint64>&)> m_confirm;

    QLineEdit* m_modelFilter;
    QComboBox* m_policyFilter;
    QLineEdit* m_labelFilter;
    QCheckBox* m_dateFilter;
    QDateEdit* m_from;
    QDateEdit* m_to;
    QTableView* m_table;
    QLabel* m_status;
    QPushButton* m_openButton;
    QPushButton* m_compareButton;
    QPushButton* m_deleteButton;
    QLabel* m_details;
    QPlainTextEdit* m_notes;
    QPushButton* m_saveNotes;
};

} // namespace dash::studio
