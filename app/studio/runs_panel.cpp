// SPDX-License-Identifier: MIT
#include "app/studio/runs_panel.h"

#include "app/studio/comparison_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/run_list_model.h"
#include "app/studio/run_rerun.h"
#include "app/studio/studio_settings.h"
#include "core/dash/input_awareness.h"
#include "core/dash/policy.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

namespace dash::studio {

namespace {

constexpr int kFilterDelayMs = 250;
constexpr PolicyKind kKinds[] = {PolicyKind::Full,
                                 PolicyKind::Dash,
                                 PolicyKind::EarlyExit,
                                 PolicyKind::SkipDecode,
                                 PolicyKind::AdaSkip,
                                 PolicyKind::RandomSkip,
                                 PolicyKind::StaticSimilarity};

QString excerpt(const std::string& text, int length) {
    QString s = QString::fromStdString(text).simplified();
    return s.size() > length ? s.left(length) + QChar(0x2026) : s;
}

} // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent) {
    m_store = new RunStoreClient(this);
    m_list = new RunListModel(this);
    m_opened = new HeatmapModel(this);
    m_rerunner = new RunRerunner(this);
    m_rerunAction = new QAction(tr("Re-run with Another &Policy…"), this);
    m_rerunAction->setObjectName(QStringLiteral("rerunRunAction"));
    m_rerunAction->setStatusTip(
        tr("Run the selected run's prompt again on its model with another policy"));

    m_modelFilter = new QLineEdit(this);
    m_modelFilter->setObjectName(QStringLiteral("runsModelFilter"));
    m_modelFilter->setPlaceholderText(tr("Model path or SHA-256"));
    m_modelFilter->setClearButtonEnabled(true);
    m_policyFilter = new QComboBox(this);
    m_policyFilter->setObjectName(QStringLiteral("runsPolicyFilter"));
    m_policyFilter->addItem(tr("Any policy"), QString());
    for (PolicyKind kind : kKinds)
        m_policyFilter->addItem(QString::fromLatin1(policyKindName(kind)),
                                QString::fromLatin1(policyKindName(kind)));
    m_labelFilter = new QLineEdit(this);
    m_labelFilter->setObjectName(QStringLiteral("runsLabelFilter"));
    m_labelFilter->setPlaceholderText(tr("Label contains"));
    m_labelFilter->setClearButtonEnabled(true);
    m_dateFilter = new QCheckBox(tr("Created from"), this);
    m_from = new QDateEdit(QDate::currentDate().addDays(-7), this);
    m_to = new QDateEdit(QDate::currentDate(), this);
    for (QDateEdit* d : {m_from, m_to}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
        d->setEnabled(false);
    }

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("runsTable"));
    // Sorted by any column (newest first until a header is clicked); rows
    // are read back through RunIdRole, so the proxy needs no mapping there.
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_list);
    m_sorted->setSortRole(RunListModel::SortRole);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunListModel::IdColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                             QAbstractItemView::SelectedClicked);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("runsStatus"));

    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    m_openButton = new QPushButton(tr("Open"), this);
    m_openButton->setToolTip(tr("Show the selected run's heatmap"));
    m_compareButton = new QPushButton(tr("Compare"), this);
    m_compareButton->setToolTip(tr("Compare two selected runs side by side (A: the older)"));
    m_deleteButton = new QPushButton(tr("Delete…"), this);

    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("runDetails"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notes = new QPlainTextEdit(this);
    m_notes->setObjectName(QStringLiteral("runNotes"));
    m_notes->setPlaceholderText(tr("Notes on the opened run"));
    m_notes->setEnabled(false);
    m_saveNotes = new QPushButton(tr("Save Notes"), this);
    m_saveNotes->setEnabled(false);

    auto* filters = new QFormLayout;
    filters->addRow(tr("Model:"), m_modelFilter);
    filters->addRow(tr("Policy:"), m_policyFilter);
    filters->addRow(tr("Label:"), m_labelFilter);
    auto* dates = new QHBoxLayout;
    dates->addWidget(m_dateFilter);
    dates->addWidget(m_from);
    dates->addWidget(new QLabel(tr("to"), this));
    dates->addWidget(m_to);
    dates->addStretch(1);
    filters->addRow(dates);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(refreshButton);
    buttons->addWidget(m_openButton);
    buttons->addWidget(m_compareButton);
    buttons->addWidget(m_deleteButton);
    buttons->addStretch(1);
    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(filters);
    topLayout->addWidget(m_table, 1);
    topLayout->addWidget(m_status);
    topLayout->addLayout(buttons);

    auto* detail = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_details);
    auto* openedHeatmap = new HeatmapPanel(m_opened, detail);
    // Not "heatmapView": that name finds the main window's live heatmap.
    openedHeatmap->view()->setObjectName(QStringLiteral("runHeatmapView"));
    detailLayout->addWidget(openedHeatmap, 2);
    detailLayout->addWidget(m_notes, 1);
    auto* notesButtons = new QHBoxLayout;
    notesButtons->addStretch(1);
    notesButtons->addWidget(m_saveNotes);
    detailLayout->addLayout(notesButtons);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(detail);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(kFilterDelayMs);
    connect(&m_filterDelay, &QTimer::timeout, this, &RunsPanel::refresh);
    connect(m_modelFilter, &QLineEdit::textChanged, this, &RunsPanel::scheduleRefresh);
    connect(m_labelFilter, &QLineEdit::textChanged, this, &RunsPanel::scheduleRefresh);
    connect(m_policyFilter, &QComboBox::currentIndexChanged, this, &RunsPanel::scheduleRefresh);
    connect(m_dateFilter, &QCheckBox::toggled, this, [this](bool on) {
        m_from->setEnabled(on);
        m_to->setEnabled(on);
        scheduleRefresh();
    });
    connect(m_from, &QDateEdit::dateChanged, this, &RunsPanel::scheduleRefresh);
    connect(m_to, &QDateEdit::dateChanged, this, &RunsPanel::scheduleRefresh);
    connect(refreshButton, &QPushButton::clicked, this, &RunsPanel::refresh);
    connect(m_openButton, &QPushButton::clicked, this, [this] {
        const QList<qint64> ids = selectedRuns();
        if (!ids.isEmpty())
            openRun(ids.first());
    });
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex& index) {
        if (index.column() != RunListModel::LabelColumn)
            openRun(index.data(RunListModel::RunIdRole).toLongLong());
    });
    connect(m_compareButton, &QPushButton::clicked, this, [this] {
        const QList<qint64> ids = selectedRuns();
        if (ids.size() == 2)
            compareRuns(std::min(ids[0], ids[1]), std::max(ids[0], ids[1]));
    });
    connect(m_deleteButton, &QPushButton::clicked, this, [this] { deleteRuns(selectedRuns()); });
    connect(m_table, &QTableView::customContextMenuRequested, this, &RunsPanel::showContextMenu);
    connect(m_rerunAction, &QAction::triggered, this, &RunsPanel::rerunSelected);
    connect(m_rerunner, &RunRerunner::finished, this, &RunsPanel::onRerunFinished);
    connect(m_rerunner, &RunRerunner::failed, this, [this](qint64 id, const QString& message) {
        m_status->setText(tr("Re-run of #%1 failed: %2").arg(id).arg(message));
        updateButtons();
        emit rerunFailed(id, message);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RunsPanel::updateButtons);
    connect(m_list, &RunListModel::labelEdited, this,
            [this](qint64 id, const QString& label) { m_store->setLabel(id, label); });
    connect(m_notes, &QPlainTextEdit::textChanged, this, [this] {
        m_saveNotes->setEnabled(m_openedRun &&
                                m_notes->toPlainText().toStdString() != m_openedRun->record.notes);
    });
    connect(m_saveNotes, &QPushButton::clicked, this, &RunsPanel::saveNotes);

    connect(m_store, &RunStoreClient::runsListed, this, &RunsPanel::onListed);
    connect(m_store, &RunStoreClient::runLoaded, this, &RunsPanel::onLoaded);
    connect(m_store, &RunStoreClient::operationFailed, this, &RunsPanel::onFailed);
    connect(m_store, &RunStoreClient::runsRemoved, this, [this](quint64, const QList<qint64>& ids) {
        if (m_openedRun && ids.contains(m_openedRun->record.id)) {
            m_openedRun.reset();
            m_opened->setSnapshot(nullptr);
            showDetails();
        }
        emit runsDeleted(ids);
        refresh();
    });
    connect(m_store, &RunStoreClient::runChanged, this, [this](quint64 request, qint64 id) {
        if (request == m_notesRequest)
            emit notesSaved(id);
    });
    connect(m_store, &RunStoreClient::runsCompared, this,
            [this](quint64 request, const StoredComparisonPtr& comparison) {
                if (request != m_compareRequest)
                    return;
                auto* view = new ComparisonView;
                view->setAttribute(Qt::WA_DeleteOnClose);
                view->setWindowTitle(tr("Compare runs #%1 and #%2 — DASH Studio")
                                         .arg(comparison->a->record.id)
                                         .arg(comparison->b->record.id));
                view->setComparison(comparison);
                view->resize(1200, 800);
                view->show();
                emit comparisonShown(view);
            });
    updateButtons();
    showDetails();
}

void RunsPanel::setDatabasePath(const QString& path) {
    m_store->setDatabasePath(path);
    refresh();
}

RunFilter RunsPanel::filter() const {
    RunFilter f;
    f.model = m_modelFilter->text().trimmed().toStdString();
    f.policyKind = m_policyFilter->currentData().toString().toStdString();
    f.labelContains = m_labelFilter->text().trimmed().toStdString();
    if (m_dateFilter->isChecked()) {
        f.createdFromMs = QDateTime(m_from->date(), QTime(0, 0)).toMSecsSinceEpoch();
        f.createdBeforeMs = QDateTime(m_to->date().addDays(1), QTime(0, 0)).toMSecsSinceEpoch();
    }
    return f;
}

void RunsPanel::setModelFilter(const QString& text) {
    m_modelFilter->setText(text);
}

void RunsPanel::setPolicyFilter(const QString& kind) {
    m_policyFilter->setCurrentIndex(std::max(0, m_policyFilter->findData(kind)));
}

void RunsPanel::setLabelFilter(const QString& text) {
    m_labelFilter->setText(text);
}

void RunsPanel::setDateFilter(const QDate& from, const QDate& to) {
    const bool on = from.isValid() || to.isValid();
    if (on) {
        m_from->setDate(from.isValid() ? from : m_from->minimumDate());
        m_to->setDate(to.isValid() ? to : m_to->maximumDate());
    }
    m_dateFilter->setChecked(on);
}

void RunsPanel::scheduleRefresh() {
    m_filterDelay.start();
}

void RunsPanel::refresh() {
    m_filterDelay.stop();
    m_listRequest = m_store->list(filter());
}

void RunsPanel::onListed(quint64 request, const RunSummaries& runs) {
    if (request != m_listRequest)
        return; // a newer filter was asked for
    const QList<qint64> selected = selectedRuns();
    m_list->setRuns(*runs);
    for (qint64 id : selected) {
        const int row = m_list->rowOf(id);
        if (row >= 0)
            m_table->selectionModel()->select(m_sorted->mapFromSource(m_list->index(row, 0)),
                                              QItemSelectionModel::Select |
                                                  QItemSelectionModel::Rows);
    }
    m_status->setText(tr("%n run(s)", nullptr, static_cast<int>(runs->size())));
    updateButtons();
    emit runsListed(static_cast<int>(runs->size()));
}

void RunsPanel::openRun(qint64 id) {
    if (id > 0)
        m_loadRequest = m_store->load(id);
}

void RunsPanel::onLoaded(quint64 request, const StoredRunPtr& run) {
    if (request == m_rerunRequest && request != 0) {
        m_rerunRequest = 0;
        const std::optional<PolicySpec> policy = std::exchange(m_rerunPolicy, std::nullopt);
        if (policy) {
            startRerun(run->record, *policy);
            return;
        }
        auto* dialog = new RerunDialog(run->record, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this,
                [this, dialog, run] { startRerun(run->record, dialog->policy()); });
        dialog->open();
        return;
    }
    if (request != m_loadRequest)
        return;
    m_openedRun = run;
    m_opened->setSnapshot(run->snapshot);
    showDetails();
    emit runOpened(run);
}

void RunsPanel::rerunRun(qint64 id, const PolicySpec& policy) {
    m_rerunPolicy = policy;
    m_rerunId = id;
    m_rerunRequest = m_store->load(id);
}

void RunsPanel::rerunSelected() {
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1 || !m_rerunAction->isEnabled())
        return;
    m_rerunPolicy.reset();
    m_rerunId = ids.first();
    m_rerunRequest = m_store->load(m_rerunId);
}

void RunsPanel::startRerun(const RunRecord& run, const PolicySpec& policy) {
    if (run.trace.tokenCount() == 0) {
        m_status->setText(
            tr("Run #%1 has no traced prompt (a sweep result): nothing to re-run").arg(run.id));
        return;
    }
    m_rerunner->setDatabasePath(m_store->databasePath());
    m_rerunner->setThreads(StudioSettings().threads());
    if (!m_rerunner->start(run, policy)) {
        m_status->setText(tr("A re-run is under way; try again when it has finished"));
        return;
    }
    m_status->setText(tr("Re-running #%1 with %2…").arg(run.id).arg(policy.kind));
    updateButtons();
}

void RunsPanel::onRerunFinished(qint64 originalId, qint64 rerunId, const QString& databasePath) {
    if (databasePath != m_store->databasePath())
        m_store->setDatabasePath(databasePath);
    m_store->setLabel(rerunId, tr("re-run of #%1").arg(originalId));
    refresh();
    updateButtons();
    // Opened beside the original: A the original, B the re-run.
    m_compareRequest = m_store->compare(originalId, rerunId);
    emit rerunFinished(originalId, rerunId);
}

void RunsPanel::showContextMenu(const QPoint& pos) {
    const QModelIndex index = m_table->indexAt(pos);
    if (index.isValid() && !m_table->selectionModel()->isRowSelected(index.row(), {}))
        m_table->selectRow(index.row());
    QMenu menu(this);
    menu.addAction(tr("Open"), this,
                   [this] {
                       const QList<qint64> ids = selectedRuns();
                       if (!ids.isEmpty())
                           openRun(ids.first());
                   })
        ->setEnabled(m_openButton->isEnabled());
    menu.addAction(tr("Compare"), m_compareButton, &QPushButton::click)
        ->setEnabled(m_compareButton->isEnabled());
    menu.addAction(m_rerunAction);
    menu.addSeparator();
    menu.addAction(tr("Delete…"), this, [this] { deleteRuns(selectedRuns()); })
        ->setEnabled(m_deleteButton->isEnabled());
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void RunsPanel::onFailed(quint64 request, const QString& message) {
    m_status->setText(tr("Run store: %1").arg(message));
    if (request == m_rerunRequest && request != 0) {
        m_rerunRequest = 0;
        m_rerunPolicy.reset();
        emit rerunFailed(m_rerunId, message);
    }
}

void RunsPanel::deleteRuns(const QList<qint64>& ids) {
    if (ids.isEmpty() || !confirmDelete(ids))
        return;
    m_store->remove(ids);
}

void RunsPanel::compareRuns(qint64 a, qint64 b) {
    for (qint64 id : {a, b}) {
        const int row = m_list->rowOf(id);
        if (row >= 0 && RunListModel::isSweepRow(m_list->runs()[static_cast<size_t>(row)])) {
            m_status->setText(tr("Run #%1 is a sweep result: it has no cells to compare").arg(id));
            return;
        }
    }
    m_compareRequest = m_store->compare(a, b);
}

QList<qint64> RunsPanel::selectedRuns() const {
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    QList<qint64> ids;
    for (const QModelIndex& index : rows)
        ids << index.data(RunListModel::RunIdRole).toLongLong();
    return ids;
}

void RunsPanel::setDeleteConfirmation(std::function<bool(const QList<qint64>&)> confirm) {
    m_confirm = std::move(confirm);
}

bool RunsPanel::confirmDelete(const QList<qint64>& ids) {
    if (m_confirm)
        return m_confirm(ids);
    return QMessageBox::question(this, tr("Delete Runs"),
                                 tr("Delete %n saved run(s)? This cannot be undone.", nullptr,
                                    static_cast<int>(ids.size())),
                                 QMessageBox::Yes | QMessageBox::Cancel,
                                 QMessageBox::Cancel) == QMessageBox::Yes;
}

void RunsPanel::onRunSaved(qint64, const QString& databasePath) {
    if (databasePath != m_store->databasePath())
        m_store->setDatabasePath(databasePath);
    refresh();
}

void RunsPanel::updateButtons() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const qsizetype n = rows.size();
    // Sweep results have no cells: their heatmaps would be blank.
    const bool sweep = std::any_of(rows.begin(), rows.end(), [](const QModelIndex& i) {
        return i.data(RunListModel::SweepRowRole).toBool();
    });
    m_openButton->setEnabled(n >= 1);
    m_compareButton->setEnabled(n == 2 && !sweep);
    m_compareButton->setToolTip(
        sweep ? tr("Sweep results hold figures, not cells: there are no heatmaps to compare")
              : tr("Compare two selected runs side by side (A: the older)"));
    m_deleteButton->setEnabled(n >= 1);
    // Sweep results have no prompt of their own to run again.
    m_rerunAction->setEnabled(n == 1 && !sweep && !m_rerunner->busy());
}

void RunsPanel::showDetails() {
    if (!m_openedRun) {
        m_details->setText(tr("Open a run to see its heatmap and notes."));
        m_notes->clear();
        m_notes->setEnabled(false);
        m_saveNotes->setEnabled(false);
        return;
    }
    const RunRecord& r = m_openedRun->record;
    QString metrics = tr("nominal %1× · %2 ms/token")
                          .arg(QString::number(r.metrics.nominalRatio, 'f', 2),
                               QString::number(r.metrics.msPerToken, 'f', 3));
    if (r.metrics.perplexity)
        metrics += tr(" · perplexity %1").arg(QString::number(*r.metrics.perplexity, 'f', 3));
    if (r.metrics.measuredSpeedup)
        metrics += tr(" · measured %1×").arg(QString::number(*r.metrics.measuredSpeedup, 'f', 2));
    if (const QString awareness = inputAwarenessText(traceInputAwareness(r.trace));
        !awareness.isEmpty())
        metrics += QStringLiteral(" · ") + awareness;
    m_details->setText(
        tr("<b>Run #%1</b> · %2 · %3 %4<br>Prompt: %5<br>Output: %6<br>%7")
            .arg(QString::number(r.id),
                 QFileInfo(QString::fromStdString(r.model.path)).fileName().toHtmlEscaped(),
                 QString::fromStdString(r.policy.kind).toHtmlEscaped(),
                 QString::fromStdString(r.policy.parametersJson).toHtmlEscaped(),
                 excerpt(r.promptText, 160).toHtmlEscaped(),
                 excerpt(r.generatedText, 160).toHtmlEscaped(), metrics));
    m_notes->setPlainText(QString::fromStdString(r.notes));
    m_notes->setEnabled(true);
    m_saveNotes->setEnabled(false);
}

void RunsPanel::saveNotes() {
    if (!m_openedRun)
        return;
    const qint64 id = m_openedRun->record.id;
    const QString notes = m_notes->toPlainText();
    // The opened run keeps the saved text, so the button knows it is saved.
    auto updated = std::make_shared<StoredRun>(*m_openedRun);
    updated->record.notes = notes.toStdString();
    m_openedRun = updated;
    m_saveNotes->setEnabled(false);
    m_notesRequest = m_store->setNotes(id, notes);
}

} // namespace dash::studio
