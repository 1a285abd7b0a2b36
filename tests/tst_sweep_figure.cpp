// SPDX-License-Identifier: MIT
// The result of a sweep run from the GUI as a Pareto figure and a LaTeX
// table: rows serialised as the sweep job serialises them (sweepRowsJson),
// shown in the sweep dialog, plotted against the measured speedup or the
// nominal ratio, exported as SVG/PDF (parsed back) and as the LaTeX table
// (its rows read back against hand-written values).
#include "app/studio/job_dialogs.h"
#include "app/studio/sweep_figure.h"
#include "core/dash/sweep.h"

#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

SweepRowResult row(const char* method, PolicyKind kind, double target, double nominal,
                   double speedup, double ppl) {
    SweepRowResult r;
    r.method = method;
    r.kind = kind;
    r.targetRatio = target;
    r.evaluation.nominalRatio = nominal;
    r.evaluation.pplAll = ppl;
    r.evaluation.pplSecondHalf = ppl - 0.5;
    r.speed.speedup.median = speedup;
    r.speed.control.median = 1.0;
    return r;
}

// A sweep of full precision, Early-Exit and DASH at 1.5x and 2x; DASH's rows
// listed out of speed order.
QByteArray sweepJson() {
    const std::vector<SweepRowResult> rows = {
        row("full", PolicyKind::Full, 1.0, 1.0, 1.0, 6.62),
        row("early-exit", PolicyKind::EarlyExit, 1.5, 1.52, 1.31, 7.31),
        row("early-exit", PolicyKind::EarlyExit, 2.0, 2.04, 1.68, 8.95),
        row("dash", PolicyKind::Dash, 2.0, 1.97, 1.44, 7.44),
        row("dash", PolicyKind::Dash, 1.5, 1.49, 1.22, 6.90),
    };
    return QByteArray::fromStdString(sweepRowsJson(rows).dump(2));
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The text of every <text> element of an SVG; empty when it does not parse.
QStringList svgTexts(const QByteArray& svg, QString* error) {
    QXmlStreamReader xml(svg);
    QStringList texts;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    if (xml.hasError())
        *error = xml.errorString();
    return texts;
}

} // namespace

class TestSweepFigure : public QObject {
    Q_OBJECT
private slots:
    void paretoOfSweepRows();
    void dialogShowsAndExports();
    void hostileResults();

private:
    QTemporaryDir m_dir;
};

void TestSweepFigure::paretoOfSweepRows() {
    auto rows = sweepRowsFromJobJson(sweepJson());
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), size_t(5));
    auto measured = paretoFromSweep(*rows, SweepSpeed::Measured);
    QVERIFY(measured.ok());
    QVERIFY(measured->measuredSpeed);
    // One curve per method, in the order the sweep ran them; points by speed.
    QCOMPARE(measured->series.size(), 3);
    QCOMPARE(measured->series[0].method, QStringLiteral("full"));
    QCOMPARE(measured->series[0].points, (QList<QPointF>{{1.0, 6.62}}));
    QCOMPARE(measured->series[1].method, QStringLiteral("early-exit"));
    QCOMPARE(measured->series[1].points, (QList<QPointF>{{1.31, 7.31}, {1.68, 8.95}}));
    QCOMPARE(measured->series[2].method, QStringLiteral("dash"));
    QCOMPARE(measured->series[2].points, (QList<QPointF>{{1.22, 6.90}, {1.44, 7.44}}));
    auto nominal = paretoFromSweep(*rows, SweepSpeed::Nominal);
    QVERIFY(nominal.ok());
    QVERIFY(!nominal->measuredSpeed);
    QVERIFY(nominal->xLabel != measured->xLabel);
    QCOMPARE(nominal->series[2].points, (QList<QPointF>{{1.49, 6.90}, {1.97, 7.44}}));
    QCOMPARE(nominal->series[1].points, (QList<QPointF>{{1.52, 7.31}, {2.04, 8.95}}));

    // A row without a perplexity is left out, not drawn at 0.
    std::vector<SweepRow> withGap = *rows;
    withGap[2].pplAll = std::nan("");
    auto gap = paretoFromSweep(withGap, SweepSpeed::Measured);
    QVERIFY(gap.ok());
    QCOMPARE(gap->series[1].points, (QList<QPointF>{{1.31, 7.31}}));
}

void TestSweepFigure::dialogShowsAndExports() {
    QVERIFY(m_dir.isValid());
    SweepJobDialog dialog(JobDefaults{});
    QWidget* page = dialog.figurePage();
    QVERIFY(!page->isVisibleTo(&dialog)); // nothing to show before a sweep finished
    // The job's outcome reaches the figure as the runner hands it over.
    JobOutcome outcome;
    outcome.ok = true;
    outcome.result.json = sweepJson();
    outcome.result.columns = QStringList{QStringLiteral("method")};
    for (int i = 0; i < 13; ++i)
        outcome.result.rows.append(QVariantList{QStringLiteral("dash")});
    emit dialog.jobFinished(outcome);
    QVERIFY(page->isVisibleTo(&dialog));
    // At its minimum size the dialog (form, log, tabs) is no taller than a
    // 768-pixel screen.
    QVERIFY2(dialog.minimumSizeHint().height() <= 768,
             qPrintable(QString::number(dialog.minimumSizeHint().height())));
    QCOMPARE(dialog.sweepRows().size(), size_t(5));
    QVERIFY(dialog.figureView()->data().measuredSpeed);
    QCOMPARE(dialog.figureView()->data().series.size(), 3);
    dialog.setMeasuredSpeedAxis(false);
    QVERIFY(!dialog.figureView()->data().measuredSpeed);
    QCOMPARE(dialog.figureView()->data().series[1].points.first(), QPointF(1.52, 7.31));
    dialog.setMeasuredSpeedAxis(true);

    // SVG: well-formed, with the axis titles and every method in the legend.
    const QString svg = m_dir.filePath(QStringLiteral("sweep.svg"));
    Status st = dialog.exportFigure(svg);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().message().c_str());
    QString error;
    const QStringList texts = svgTexts(readAll(svg), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const QString& word : {QStringLiteral("full"), QStringLiteral("early-exit"),
                                QStringLiteral("dash"), QStringLiteral("perplexity")})
        QVERIFY2(texts.contains(word),
                 qPrintable(word + QStringLiteral(" not in ") + texts.join(QLatin1Char('|'))));
    QVERIFY(std::any_of(texts.begin(), texts.end(),
                        [](const QString& t) { return t.startsWith(QLatin1String("measured")); }));
    // PDF: a PDF file.
    const QString pdf = m_dir.filePath(QStringLiteral("sweep.pdf"));
    QVERIFY(dialog.exportFigure(pdf).ok());
    const QByteArray pdfBytes = readAll(pdf);
    QVERIFY(pdfBytes.startsWith("%PDF-"));
    QVERIFY(pdfBytes.trimmed().endsWith("%%EOF"));

    // The LaTeX table: one body row per method with its perplexities, as
    // the paper prints them (two decimals below 10).
    const QString tex = m_dir.filePath(QStringLiteral("sweep.tex"));
    st = dialog.exportLatexTable(tex);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().message().c_str());
    const QString table = QString::fromUtf8(readAll(tex));
    QVERIFY(table.contains(QLatin1String("\\begin{tabular}")));
    QVERIFY(table.contains(QLatin1String("\\end{tabular}")));
    auto line = [&](const QString& method) {
        for (const QString& l : table.split(QLatin1Char('\n')))
            if (l.trimmed().startsWith(method))
                return l;
        return QString();
    };
    const QString early = line(QStringLiteral("Early-Exit"));
    QVERIFY2(early.contains(QLatin1String("7.31")) && early.contains(QLatin1String("8.95")),
             qPrintable(table));
    const QString dash = line(QStringLiteral("DASH"));
    QVERIFY2(dash.contains(QLatin1String("6.90")) && dash.contains(QLatin1String("7.44")),
             qPrintable(table));
    QVERIFY(line(QStringLiteral("Full precision")).contains(QLatin1String("6.62")));
    // 1.5x before 2x in each row: the ratio columns ascend.
    QVERIFY(early.indexOf(QLatin1String("7.31")) < early.indexOf(QLatin1String("8.95")));
    QVERIFY(dash.indexOf(QLatin1String("6.90")) < dash.indexOf(QLatin1String("7.44")));
}

void TestSweepFigure::hostileResults() {
    SweepJobDialog dialog(JobDefaults{});
    // Nothing shown yet: exports refuse and write nothing.
    const QString tex = m_dir.filePath(QStringLiteral("none.tex"));
    QVERIFY(!dialog.exportLatexTable(tex).ok());
    QVERIFY(!dialog.exportFigure(m_dir.filePath(QStringLiteral("none.svg"))).ok());
    QVERIFY(!QFile::exists(tex));
    // Broken JSON and a row without its method: an error naming the problem.
    QVERIFY(!dialog.showSweepResult(QByteArray("[{\"method\": ")).ok());
    const Status missing = dialog.showSweepResult(QByteArray("[{\"target_ratio\": 2}]"));
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message().find("method") != std::string::npos,
             missing.error().message().c_str());
    QVERIFY(dialog.sweepRows().empty());
    // A finished job whose rows do not parse still shows its table.
    JobOutcome outcome;
    outcome.ok = true;
    outcome.result.columns = QStringList{QStringLiteral("method")};
    outcome.result.rows.append(QVariantList{QStringLiteral("dash")});
    emit dialog.jobFinished(outcome);
    QVERIFY(dialog.resultTable()->isVisibleTo(&dialog));
    QVERIFY(!dialog.figurePage()->isVisibleTo(&dialog));
    // A figure file name without a known suffix.
    QVERIFY(dialog.showSweepResult(sweepJson()).ok());
    const Status suffix = dialog.exportFigure(m_dir.filePath(QStringLiteral("figure.txt")));
    QVERIFY(!suffix.ok());
    QVERIFY(suffix.error().message().find(".svg") != std::string::npos);
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("figure.txt"))));
}

QTEST_MAIN(TestSweepFigure)
#include "tst_sweep_figure.moc"
