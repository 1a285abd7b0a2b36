// SPDX-License-Identifier: MIT
// The File ▸ Export menu: paper figures of the current run (through
// ExportFigureDialog), the data behind each view as CSV, and a sweep file
// (`dash-cli sweep --json`) as a LaTeX table. The window installs it with its
// heatmap, whose model holds the current run and whose view the selected token.
#pragma once

#include "app/studio/figure_spec.h"
#include "app/studio/run_snapshot.h"

#include <QObject>

class QMenu;
class QWidget;

namespace dash::studio {

class HeatmapModel;
class HeatmapView;

class ExportActions : public QObject {
    Q_OBJECT
public:
    ExportActions(HeatmapModel* model, HeatmapView* view, QWidget* window);

    QMenu* menu() const { return m_menu; }

    // Opens the figure dialog for the current run (non-modal).
    void exportFigure(FigureKind kind);
    // Asks for a file, then writes the view's data as CSV.
    void exportData(FigureKind kind);
    // Asks for a sweep JSON file and the .tex file to write.
    void exportSweepTable();

    // The steps behind the dialogs. Each returns an empty string on success,
    // else why nothing was written.
    static QString writeDataCsv(const RunSnapshot& snapshot, FigureKind kind, int token,
                                const QString& path);
    static QString writeSweepTable(const QString& sweepPath, const QString& texPath);

signals:
    void exported(const QString& path);

private:
    void updateEnabled();
    void report(const QString& error, const QString& path);

    HeatmapModel* m_model;
    HeatmapView* m_view;
    QWidget* m_window;
    QMenu* m_menu;
    QList<QAction*> m_runActions; // need a run
};

} // namespace dash::studio
