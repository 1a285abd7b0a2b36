// SPDX-License-Identifier: MIT
// The sweep → LaTeX table writer (core/latex_table.h) and `dash-cli export`:
// the table's shape against the paper's Table 1 (methods as rows, one column
// group per metric with a column per ratio, full precision spanning each
// group), every cell's number read back from the LaTeX, the best values in
// bold, bad sweep files refused with the row and field named, and the CLI
// writing the table and a trace's CSV.
#include "core/engine/trace_json.h"
#include "core/export/latex_table.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dash;

namespace {

// One table row split into cells; \multicolumn{n}{c}{x} counts as n cells of x.
QStringList splitRow(const QString& row) {
    static const QRegularExpression multi(
        QStringLiteral(R"(^\\multicolumn\{(\d+)\}\{c\}\{(.*)\}$)"));
    QStringList cells;
    for (const QString& raw : row.split(QStringLiteral(" & "))) {
        const QString cell = raw.trimmed();
        const QRegularExpressionMatch m = multi.match(cell);
        if (m.hasMatch()) {
            for (int i = 0; i < m.captured(1).toInt(); ++i)
                cells.append(m.captured(2));
        } else {
            cells.append(cell);
        }
    }
    return cells;
}

// The rows of the tabular body (between \midrule and \bottomrule), without "\\".
QList<QStringList> bodyRows(const QString& latex) {
    QList<QStringList> rows;
    const qsizetype begin = latex.indexOf(QStringLiteral("\\midrule"));
    const qsizetype end = latex.indexOf(QStringLiteral("\\bottomrule"));
    for (const QString& line : latex.mid(begin, end - begin).split(QLatin1Char('\n'))) {
        if (!line.endsWith(QStringLiteral(" \\\\")))
            continue;
        rows.append(splitRow(line.chopped(3)));
    }
    return rows;
}

bool isBold(const QString& cell) {
    return cell.startsWith(QStringLiteral("\\textbf{"));
}

// The number a cell shows: "7.43", "1.25$\times$", "$1.2{\times}10^{3}$",
// possibly in \textbf{}; NaN for "--".
double cellValue(QString cell) {
    if (isBold(cell))
        cell = cell.mid(8).chopped(1);
    if (cell == QLatin1String("--"))
        return std::nan("");
    static const QRegularExpression power(
        QStringLiteral(R"(^\$([\d.]+)\{\\times\}10\^\{(\d+)\}\$$)"));
    const QRegularExpressionMatch m = power.match(cell);
    if (m.hasMatch())
        return m.captured(1).toDouble() * std::pow(10.0, m.captured(2).toDouble());
    cell.remove(QStringLiteral("$\\times$"));
    bool ok = false;
    const double v = cell.toDouble(&ok);
    return ok ? v : std::nan("");
}

SweepRow row(const char* method, double target, double nominal, double speedup, double pplAll,
             double pplHalf) {
    return {method, target, nominal, speedup, pplAll, pplHalf};
}

// Values as a real sweep might print them, in the order the CLI writes rows.
std::vector<SweepRow> sampleSweep() {
    return {
        row("full", 1.0, 1.0, 1.0, 6.62, 6.05),
        row("dash", 1.33, 1.334, 1.21, 7.43, 7.01),
        row("early-exit", 1.33, 1.33, 1.27, 13.1, 12.4),
        row("random", 1.33, 1.33, 1.30, 85.2, 80.5),
        row("dash", 1.67, 1.671, 1.42, 19.9, 18.2),
        row("early-exit", 1.67, 1.66, 1.50, 35.4, 33.0),
        row("random", 1.67, 1.67, 1.55, 173.4, 150.0),
        row("dash", 2.0, 2.003, 1.66, 53.2, 49.0),
        row("early-exit", 2.0, 1.99, 1.80, 1000.0, 950.0),
        row("random", 2.0, 2.0, 1.85, 4321.0, std::nan("")),
    };
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestLatexTable : public QObject {
    Q_OBJECT
private slots:
    void tableHasThePapersShape();
    void cellsHoldTheSweepsNumbers();
    void bestValuesAreBold();
    void missingCellsAndUnknownMethods();
    void refusesBadSweeps();
    void readsSweepJson();
    void escapesLatex();
    void cliWritesTableAndCsv();
};

void TestLatexTable::tableHasThePapersShape() {
    auto latex = sweepToLatex(sampleSweep(), {"Demo model sweep", "tab:sweep", "FP32", true});
    QVERIFY(latex.ok());
    const QString text = QString::fromStdString(*latex);
    QVERIFY(text.contains(QStringLiteral("\\begin{tabular}{l") + QString(12, QLatin1Char('c')) +
                          QStringLiteral("}")));
    QVERIFY(text.contains(QStringLiteral("\\caption{Demo model sweep}")));
    QVERIFY(text.contains(QStringLiteral("\\label{tab:sweep}")));
    // Four metric groups of three ratio columns, each underlined.
    QCOMPARE(text.count(QStringLiteral("\\multicolumn{3}{c}{PPL")), 2);
    for (const char* range : {"{2-4}", "{5-7}", "{8-10}", "{11-13}"})
        QVERIFY2(text.contains(QStringLiteral("\\cmidrule(lr)") + QLatin1String(range)), range);
    const qsizetype methodLine = text.indexOf(QStringLiteral("\nMethod & "));
    QVERIFY(methodLine > 0);
    const QString header =
        text.mid(methodLine + 1, text.indexOf(QLatin1Char('\n'), methodLine + 1) - methodLine - 1);
    const QStringList headerCells = splitRow(header.chopped(3));
    QCOMPARE(headerCells.size(), 13);
    for (int g = 0; g < 4; ++g) {
        QCOMPARE(headerCells[1 + 3 * g], QStringLiteral("1.33$\\times$"));
        QCOMPARE(headerCells[2 + 3 * g], QStringLiteral("1.67$\\times$"));
        QCOMPARE(headerCells[3 + 3 * g], QStringLiteral("2.0$\\times$"));
    }

    const QList<QStringList> rows = bodyRows(text);
    QCOMPARE(rows.size(), 4);
    QStringList methods;
    for (const QStringList& r : rows) {
        QCOMPARE(r.size(), 13);
        methods.append(r.front());
    }
    // The paper's order: full precision first, the baselines, the method last.
    QCOMPARE(methods, (QStringList{QStringLiteral("FP32"), QStringLiteral("Early-Exit"),
                                   QStringLiteral("RandomSkip"), QStringLiteral("DASH")}));
    // Full precision spans each group with one value.
    QVERIFY(text.contains(QStringLiteral("FP32 & \\multicolumn{3}{c}{")));
}

void TestLatexTable::cellsHoldTheSweepsNumbers() {
    const std::vector<SweepRow> sweep = sampleSweep();
    auto latex = sweepToLatex(sweep);
    QVERIFY(latex.ok());
    const QList<QStringList> rows = bodyRows(QString::fromStdString(*latex));
    const double ratios[] = {1.33, 1.67, 2.0};
    auto fieldOf = [](const SweepRow& r, int group) {
        switch (group) {
        case 0:
            return r.pplAll;
        case 1:
            return r.pplSecondHalf;
        case 2:
            return r.nominalRatio;
        default:
            return r.measuredSpeedup;
        }
    };
    const std::map<std::string, QString> names = {{"full", QStringLiteral("Full precision")},
                                                  {"dash", QStringLiteral("DASH")},
                                                  {"early-exit", QStringLiteral("Early-Exit")},
                                                  {"random", QStringLiteral("RandomSkip")}};
    int checked = 0;
    for (const SweepRow& r : sweep) {
        const QStringList* cells = nullptr;
        for (const QStringList& candidate : rows)
            if (candidate.front() == names.at(r.method))
                cells = &candidate;
        QVERIFY2(cells, r.method.c_str());
        for (int g = 0; g < 4; ++g) {
            for (int k = 0; k < 3; ++k) {
                if (r.method != "full" && std::abs(ratios[k] - r.targetRatio) > 1e-9)
                    continue;
                const double expected = fieldOf(r, g);
                const double shown = cellValue(cells->at(1 + 3 * g + k));
                if (std::isnan(expected)) {
                    QVERIFY(std::isnan(shown));
                } else {
                    // Printed with 3 significant digits (2 above 1000).
                    const double tolerance = expected >= 1000 ? 0.05 * expected : 0.006 * expected;
                    QVERIFY2(std::abs(shown - expected) <= tolerance,
                             qPrintable(QStringLiteral("%1 group %2 ratio %3: %4 shown for %5")
                                            .arg(QString::fromStdString(r.method))
                                            .arg(g)
                                            .arg(ratios[k])
                                            .arg(shown)
                                            .arg(expected)));
                }
                ++checked;
            }
        }
    }
    QCOMPARE(checked, 4 * 3 + 9 * 4); // full spans 3 ratios per group; others fill one each
}

void TestLatexTable::bestValuesAreBold() {
    const std::vector<SweepRow> sweep = sampleSweep();
    const QList<QStringList> rows = bodyRows(QString::fromStdString(sweepToLatex(sweep).value()));
    // Lowest perplexity and highest speedup of each column among the methods,
    // found here from the cells themselves.
    for (int column = 1; column < 13; ++column) {
        const int group = (column - 1) / 3;
        if (group == 2)
            continue; // the nominal ratio has no "better"
        double best = group == 3 ? -1e300 : 1e300;
        for (int r = 1; r < rows.size(); ++r) { // row 0 is full precision
            const double v = cellValue(rows[r][column]);
            if (!std::isnan(v))
                best = group == 3 ? std::max(best, v) : std::min(best, v);
        }
        for (int r = 1; r < rows.size(); ++r) {
            const double v = cellValue(rows[r][column]);
            QCOMPARE(isBold(rows[r][column]), !std::isnan(v) && v == best);
        }
        QVERIFY(!isBold(rows[0][column]));
    }
    auto plain = sweepToLatex(sweep, {{}, {}, "Full precision", false});
    QVERIFY(!QString::fromStdString(plain.value()).contains(QStringLiteral("\\textbf")));
}

void TestLatexTable::missingCellsAndUnknownMethods() {
    const std::vector<SweepRow> sweep = {
        row("dash", 1.5, 1.5, 1.3, 9.0, 8.0),
        row("my_method", 2.0, 2.0, 1.6, 30.0, 29.0),
        row("adaskip", 2.0, 2.0, 1.7, 25.0, 24.0),
    };
    const QString text = QString::fromStdString(sweepToLatex(sweep).value());
    // No full-precision row; two ratio columns per group.
    QVERIFY(!text.contains(QStringLiteral("Full precision")));
    QVERIFY(text.contains(QStringLiteral("\\begin{tabular}{l") + QString(8, QLatin1Char('c')) +
                          QStringLiteral("}")));
    const QList<QStringList> rows = bodyRows(text);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].front(), QStringLiteral("AdaSkip"));
    QCOMPARE(rows[1].front(), QStringLiteral("my\\_method")); // unknown: before DASH, escaped
    QCOMPARE(rows[2].front(), QStringLiteral("DASH"));
    QCOMPARE(rows[2][2], QStringLiteral("--")); // DASH has no 2.0x row
    QCOMPARE(rows[0][1], QStringLiteral("--"));
    // A column with one value has no best to mark.
    QVERIFY(!isBold(rows[2][1]));
}

void TestLatexTable::refusesBadSweeps() {
    auto onlyFull = sweepToLatex({row("full", 1, 1, 1, 5, 5)});
    QVERIFY(!onlyFull.ok());
    QVERIFY(onlyFull.error().message().find("no method") != std::string::npos);
    auto duplicate =
        sweepToLatex({row("dash", 2.0, 2, 1.5, 9, 9), row("dash", 2.001, 2, 1.5, 9, 9)});
    QVERIFY(!duplicate.ok());
    QVERIFY(duplicate.error().message().find("'dash'") != std::string::npos);
    auto twoFull = sweepToLatex(
        {row("full", 1, 1, 1, 5, 5), row("full", 1, 1, 1, 5, 5), row("dash", 2, 2, 1, 6, 6)});
    QVERIFY(!twoFull.ok());

    struct Case {
        const char* json;
        const char* expected; // part of the message
    };
    const Case cases[] = {
        {R"({"method":"dash"})", "JSON array"},
        {R"([3])", "row 0 must be an object"},
        {R"([{"method":"full","target_ratio":1,"nominal_ratio":1,"measured_speedup":1,
             "ppl_all":5,"ppl_second_half":5},{"target_ratio":1}])",
         "row 1: 'method'"},
        {R"([{"method":"dash","target_ratio":"2x","nominal_ratio":1,"measured_speedup":1,
             "ppl_all":5,"ppl_second_half":5}])",
         "'target_ratio' must be a number, got string"},
        {R"([{"method":"dash","target_ratio":2,"nominal_ratio":1,"measured_speedup":1,
             "ppl_all":5}])",
         "missing 'ppl_second_half'"},
        {R"([{"method":"dash","target_ratio":0,"nominal_ratio":1,"measured_speedup":1,
             "ppl_all":5,"ppl_second_half":5}])",
         "positive"},
    };
    for (const Case& c : cases) {
        auto json = Json::parse(c.json);
        QVERIFY(json.ok());
        auto rows = sweepRowsFromJson(*json);
        QVERIFY2(!rows.ok(), c.json);
        QVERIFY2(rows.error().message().find(c.expected) != std::string::npos,
                 rows.error().message().c_str());
    }
}

void TestLatexTable::readsSweepJson() {
    // The shape cmd_sweep.cpp prints, NaN written as null.
    auto json = Json::parse(R"([
        {"method":"full","target_ratio":1,"nominal_ratio":1,"measured_speedup":1,
         "ppl_all":6.5,"ppl_second_half":6.25},
        {"method":"skipdecode","target_ratio":1.67,"nominal_ratio":1.6,"measured_speedup":1.3,
         "ppl_all":null,"ppl_second_half":12.5}])");
    QVERIFY(json.ok());
    auto rows = sweepRowsFromJson(*json);
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), size_t(2));
    QCOMPARE(QString::fromStdString((*rows)[1].method), QStringLiteral("skipdecode"));
    QCOMPARE((*rows)[1].targetRatio, 1.67);
    QCOMPARE((*rows)[1].nominalRatio, 1.6);
    QCOMPARE((*rows)[1].measuredSpeedup, 1.3);
    QVERIFY(std::isnan((*rows)[1].pplAll));
    QCOMPARE((*rows)[1].pplSecondHalf, 12.5);
    QCOMPARE((*rows)[0].pplSecondHalf, 6.25);
}

void TestLatexTable::escapesLatex() {
    QCOMPARE(QString::fromStdString(latexEscape("a_b & 50% $x$ #1 {y} ~ ^ \\")),
             QStringLiteral("a\\_b \\& 50\\% \\$x\\$ \\#1 \\{y\\} \\textasciitilde{} "
                            "\\textasciicircum{} \\textbackslash{}"));
    auto latex = sweepToLatex({row("dash", 2, 2, 1.5, 9, 9)}, {{}, {}, "FP_16", true});
    QVERIFY(latex.ok());
}

void TestLatexTable::cliWritesTableAndCsv() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A sweep file as `dash-cli sweep --json` writes it.
    Json sweepJson(Json::Array{});
    for (const SweepRow& r : sampleSweep()) {
        Json j = Json::object();
        j.set("method", r.method);
        j.set("target_ratio", r.targetRatio);
        j.set("nominal_ratio", r.nominalRatio);
        j.set("measured_speedup", r.measuredSpeedup);
        j.set("ppl_all", r.pplAll);
        j.set("ppl_second_half", r.pplSecondHalf);
        sweepJson.push(std::move(j));
    }
    const QString sweepPath = dir.filePath(QStringLiteral("sweep.json"));
    {
        QFile f(sweepPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(sweepJson.dump(2)));
    }
    const QString texPath = dir.filePath(QStringLiteral("table.tex"));
    QProcess cli;
    cli.start(QStringLiteral(DASH_CLI_BINARY),
              {QStringLiteral("export"), QStringLiteral("--sweep"), sweepPath,
               QStringLiteral("--latex"), texPath, QStringLiteral("--caption"),
               QStringLiteral("Sweep"), QStringLiteral("--fp-label"), QStringLiteral("FP16")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    LatexTableOptions options;
    options.caption = "Sweep";
    options.fullPrecisionName = "FP16";
    // The sweep went through JSON (NaN as null), so compare with the rows read back.
    auto reread = sweepRowsFromJson(Json::parse(sweepJson.dump()).value());
    QVERIFY(reread.ok());
    QCOMPARE(readAll(texPath), QByteArray::fromStdString(sweepToLatex(*reread, options).value()));

    // A trace as `dash-cli trace --json` writes it, to CSV.
    Trace trace;
    trace.layers = 3;
    trace.appendTokens({1, 42, 7, 99});
    for (size_t c = 0; c < trace.states.size(); ++c) {
        trace.states[c] = static_cast<uint8_t>(c % 3 == 0 ? 0 : 4);
        trace.cosInOut[c] = 0.5f + 0.01f * static_cast<float>(c);
    }
    Json traceJson = traceToJson(trace);
    traceJson.set("prompt_tokens", 3);
    const QString tracePath = dir.filePath(QStringLiteral("trace.json"));
    {
        QFile f(tracePath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(traceJson.dump()));
    }
    const QString csvPath = dir.filePath(QStringLiteral("trace.csv"));
    cli.start(QStringLiteral(DASH_CLI_BINARY), {QStringLiteral("export"), QStringLiteral("--trace"),
                                                tracePath, QStringLiteral("--csv"), csvPath});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    const QList<QByteArray> lines = readAll(csvPath).trimmed().split('\n');
    QCOMPARE(lines.size(), 1 + 4 * 3);
    QVERIFY(lines[0].startsWith("token_index,token_id,layer,state,cos_in_out"));
    for (int i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> f = lines[i].split(',');
        const int token = f[0].toInt(), layer = f[2].toInt();
        const size_t c = trace.cell(token, layer);
        QCOMPARE(f[1].toInt(), trace.tokens[static_cast<size_t>(token)]);
        QCOMPARE(f[3].toInt(), static_cast<int>(trace.states[c]));
        QVERIFY(std::abs(f[4].toDouble() - trace.cosInOut[c]) < 1e-6);
    }

    // Neither mode, or both: refused with a usage message.
    cli.start(QStringLiteral(DASH_CLI_BINARY), {QStringLiteral("export"), QStringLiteral("--sweep"),
                                                sweepPath, QStringLiteral("--trace"), tracePath});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY(cli.readAllStandardError().contains("--sweep"));
    // A bad sweep names the file and the field.
    {
        QFile f(sweepPath);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(R"([{"method":"dash","target_ratio":2}])");
    }
    cli.start(QStringLiteral(DASH_CLI_BINARY), {QStringLiteral("export"), QStringLiteral("--sweep"),
                                                sweepPath, QStringLiteral("--latex"), texPath});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    const QByteArray err = cli.readAllStandardError();
    QVERIFY2(err.contains("sweep.json") && err.contains("nominal_ratio"), err.constData());
}

QTEST_GUILESS_MAIN(TestLatexTable)
#include "tst_latex_table.moc"
