// SPDX-License-Identifier: MIT
#include "app/studio/export_actions.h"

#include "app/studio/export_figure_dialog.h"
#include "app/studio/figure_renderer.h"
#include "app/studio/heatmap_delegate.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/studio_settings.h"
#include "core/export/latex_table.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QWidget>

namespace dash::studio {

ExportActions::ExportActions(HeatmapModel* model, HeatmapView* view, QWidget* window)
    : QObject(window), m_model(model), m_view(view), m_window(window) {
    m_menu = new QMenu(tr("&Export"), window);
    QAction* figure =
        m_menu->addAction(tr("&Figure…"), this, [this] { exportFigure(FigureKind::Heatmap); });
    figure->setShortcut(QKeySequence(tr("Ctrl+E")));
    figure->setStatusTip(tr("Export the heatmap, the curves or the timeline as SVG, PDF or PNG"));
    m_menu->addSeparator();
    QAction* heatmapData = m_menu->addAction(tr("&Heatmap Data as CSV…"), this,
                                             [this] { exportData(FigureKind::Heatmap); });
    QAction* curveData = m_menu->addAction(tr("&Curve Data as CSV…"), this,
                                           [this] { exportData(FigureKind::SimilarityCurves); });
    QAction* timelineData = m_menu->addAction(tr("&Timeline Data as CSV…"), this,
                                              [this] { exportData(FigureKind::StreamTimeline); });
    m_menu->addSeparator();
    m_menu->addAction(tr("&Sweep as LaTeX Table…"), this, &ExportActions::exportSweepTable)
        ->setStatusTip(tr("Turn the output of dash-cli sweep --json into a table like the "
                          "paper's Table 1"));
    m_runActions = {figure, heatmapData, curveData, timelineData};
    connect(model, &QAbstractItemModel::modelReset, this, &ExportActions::updateEnabled);
    updateEnabled();
}

void ExportActions::updateEnabled() {
    const SnapshotPtr snapshot = m_model->snapshot();
    const bool hasRun = snapshot && snapshot->ok() && snapshot->tokenCount() > 0;
    for (QAction* a : m_runActions)
        a->setEnabled(hasRun);
}

void ExportActions::report(const QString& error, const QString& path) {
    if (error.isEmpty()) {
        emit exported(path);
        return;
    }
    auto* box =
        new QMessageBox(QMessageBox::Warning, tr("Export"), error, QMessageBox::Ok, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void ExportActions::exportFigure(FigureKind kind) {
    const SnapshotPtr snapshot = m_model->snapshot();
    if (!snapshot)
        return;
    FigureSpec spec;
    spec.kind = kind;
    spec.sizeMm = defaultFigureSizeMm(kind);
    spec.heatmapColor = m_view->heatmapDelegate()->colorMode();
    spec.token = m_view->selectedToken();
    // The folder and format of the last export.
    const StudioSettings settings;
    spec.format =
        figureFormatFromPath(QStringLiteral("x.") + settings.exportFormat()).value_or(spec.format);
    const QString folder =
        settings.exportFolder().isEmpty() || !QDir(settings.exportFolder()).exists()
            ? QDir::homePath()
            : settings.exportFolder();
    auto* dialog = new ExportFigureDialog(snapshot, spec, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setPath(QDir(folder).filePath(figureKindId(kind) + QLatin1Char('.') +
                                          figureFormatSuffix(spec.format)));
    connect(dialog, &ExportFigureDialog::exported, this, &ExportActions::exported);
    dialog->open();
}

QString ExportActions::writeDataCsv(const RunSnapshot& snapshot, FigureKind kind, int token,
                                    const QString& path) {
    FigureSpec spec;
    spec.kind = kind;
    spec.token = token;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(figureDataCsv(snapshot, spec)) < 0 ||
        !file.commit())
        return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

void ExportActions::exportData(FigureKind kind) {
    const SnapshotPtr snapshot = m_model->snapshot();
    if (!snapshot)
        return;
    const int token = m_view->selectedToken();
    auto* dialog =
        new QFileDialog(m_window, tr("Export Data"),
                        QDir::home().filePath(figureKindId(kind) + QStringLiteral(".csv")),
                        tr("CSV files (*.csv)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("csv"));
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, snapshot, kind, token](const QString& path) {
                report(writeDataCsv(*snapshot, kind, token, path), path);
            });
    dialog->open();
}

QString ExportActions::writeSweepTable(const QString& sweepPath, const QString& texPath) {
    auto json = readJsonFile(sweepPath.toStdString());
    if (!json.ok())
        return QString::fromStdString(json.error().message());
    auto rows = sweepRowsFromJson(*json);
    if (!rows.ok())
        return QString::fromStdString(rows.error().withContext(sweepPath.toStdString()).message());
    auto table = sweepToLatex(*rows);
    if (!table.ok())
        return QString::fromStdString(table.error().withContext(sweepPath.toStdString()).message());
    QSaveFile file(texPath);
    const QByteArray bytes = QByteArray::fromStdString(*table);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(texPath), file.errorString());
    return {};
}

void ExportActions::exportSweepTable() {
    auto* open =
        new QFileDialog(m_window, tr("Open Sweep"), QDir::homePath(), tr("Sweep results (*.json)"));
    open->setAttribute(Qt::WA_DeleteOnClose);
    open->setFileMode(QFileDialog::ExistingFile);
    connect(open, &QFileDialog::fileSelected, this, [this](const QString& sweepPath) {
        const QFileInfo info(sweepPath);
        auto* save =
            new QFileDialog(m_window, tr("Save LaTeX Table"),
                            info.dir().filePath(info.completeBaseName() + QStringLiteral(".tex")),
                            tr("LaTeX files (*.tex)"));
        save->setAttribute(Qt::WA_DeleteOnClose);
        save->setAcceptMode(QFileDialog::AcceptSave);
        save->setDefaultSuffix(QStringLiteral("tex"));
        connect(save, &QFileDialog::fileSelected, this, [this, sweepPath](const QString& texPath) {
            report(writeSweepTable(sweepPath, texPath), texPath);
        });
        save->open();
    });
    open->open();
}

} // namespace dash::studio
