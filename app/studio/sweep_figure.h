// SPDX-License-Identifier: MIT
// The Pareto figure and LaTeX table of a sweep run from the GUI (Tools ▸ Run
// Sweep…): the rows the sweep job hands back (sweepRowsJson, as `dash-cli
// sweep --json` writes them) drawn by eval_figure's paintPareto and written
// by core's sweepToLatex, the table of `dash-cli export latex`.
//
// One curve per method through its rows, sorted by speed; full precision is
// one point. x: the measured decode speedup (the median over the speed
// repeats) or the nominal ratio on the test text; y: the perplexity over all
// scored tokens (lower is better). Rows without a finite perplexity or x are
// left out.
#pragma once

#include "app/studio/eval_figure.h"
#include "app/studio/figure_spec.h"
#include "core/export/latex_table.h"

#include <QWidget>

#include <vector>

namespace dash::studio {

enum class SweepSpeed { Measured, Nominal };

// The sweep rows of a sweep job's JSON (JobResult::json); errors name the field.
Expected<std::vector<SweepRow>> sweepRowsFromJobJson(const QByteArray& json);
Expected<ParetoData> paretoFromSweep(const std::vector<SweepRow>& rows, SweepSpeed speed);
// The size and format a sweep figure is exported at: the one-column size of
// `dash-studio --export-figure pareto`, the format from the file's suffix.
Expected<FigureSpec> sweepFigureSpec(const QString& path);
// sweepToLatex(rows) written to `path` through a temporary file; an empty
// string on success, else why nothing was written.
QString writeSweepLatex(const std::vector<SweepRow>& rows, const QString& path);

// The figure on screen, drawn by the painter that writes the files.
class SweepFigureView : public QWidget {
    Q_OBJECT
public:
    explicit SweepFigureView(QWidget* parent = nullptr);
    void setData(const ParetoData& data);
    const ParetoData& data() const { return m_data; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ParetoData m_data;
    FigureSpec m_spec;
};

} // namespace dash::studio
