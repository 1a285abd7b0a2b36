// SPDX-License-Identifier: MIT
// Figure export: every view (heatmap, similarity curves, stream timeline) in
// every format (SVG, PDF, PNG) is written, parses, and has the requested
// physical size (and pixel size at the requested DPI); the PNG shows the
// run's states; the CSVs hold the run's numbers (checked against the trace
// and against means computed here); the dialog writes what it shows; and the
// headless `dash-studio --export-figure` writes the same figures from a trace
// file.
#include "app/studio/export_actions.h"
#include "app/studio/export_figure_dialog.h"
#include "app/studio/figure_export_cli.h"
#include "app/studio/figure_renderer.h"
#include "app/studio/heatmap_palette.h"
#include "core/engine/trace_json.h"
#include "core/export/latex_table.h"
#include "test_support.h"

#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>

using namespace dash;
using namespace dash::studio;

namespace {

constexpr int kLayers = 6;
constexpr int kPromptTokens = 7;
constexpr int kTokens = 10;

// A run with every state, NaN at layer 0's adjacent similarity, a prompt and
// generated tokens, and spans on both streams.
SnapshotPtr makeSnapshot() {
    auto s = std::make_shared<RunSnapshot>();
    Trace& t = s->trace;
    t.layers = kLayers;
    std::vector<int32_t> ids;
    for (int i = 0; i < kTokens; ++i)
        ids.push_back(100 + i);
    t.appendTokens(ids);
    for (int tok = 0; tok < kTokens; ++tok) {
        for (int l = 0; l < kLayers; ++l) {
            const size_t c = t.cell(tok, l);
            // Per layer after the first: 4 full, 3 skip, 2 INT8, 1 INT4 (distinct counts for the
            // PNG check).
            const int k = (tok * 7 + l * 3) % 10;
            t.states[c] = static_cast<uint8_t>(l == 0 ? 4 : k < 4 ? 4 : k < 7 ? 0 : k < 9 ? 2 : 1);
            t.cosInOut[c] =
                0.55f + 0.05f * static_cast<float>(l) + 0.003f * static_cast<float>(tok);
            t.cosAdjacent[c] = l == 0 ? kNoValue : 0.2f + 0.1f * static_cast<float>(l);
            t.normIn[c] = 1.0f + static_cast<float>(l);
            t.normOut[c] = 1.5f + static_cast<float>(l);
            t.layerTimeNs[c] = 1000.0f * static_cast<float>(l + 1);
        }
    }
    int64_t now = 0;
    for (int l = 0; l < kLayers; ++l) {
        t.spans.push_back({StreamKind::Compute, 0, kTokens, l, now, now + 400000});
        t.spans.push_back({StreamKind::Policy, 0, kTokens, l, now + 50000, now + 150000});
        now += 420000;
    }
    s->promptIds.assign(ids.begin(), ids.begin() + kPromptTokens);
    s->generatedIds.assign(ids.begin() + kPromptTokens, ids.end());
    for (int i = 0; i < kTokens; ++i)
        s->tokenTexts.append(i == 3 ? QStringLiteral(" \"quoted\", text")
                                    : QStringLiteral(" w%1").arg(i));
    s->prompt = QStringLiteral("prompt");
    return s;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The root <svg> element's width and height attributes, in mm.
QSizeF svgSizeMm(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QXmlStreamReader xml(&f);
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement &&
            xml.name() == QLatin1String("svg")) {
            auto mm = [](QStringView v) {
                return v.endsWith(QLatin1String("mm")) ? v.chopped(2).toDouble() : -1.0;
            };
            return {mm(xml.attributes().value(QLatin1String("width"))),
                    mm(xml.attributes().value(QLatin1String("height")))};
        }
    }
    return {};
}

// All text content of an SVG.
QString svgText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QXmlStreamReader xml(&f);
    QString text;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::Characters) {
            text += xml.text();
            text += QLatin1Char(' ');
        }
    }
    return xml.hasError() ? QString() : text;
}

// The /MediaBox of the PDF's page, in points.
QSizeF pdfMediaBox(const QByteArray& pdf) {
    static const QRegularExpression box(
        QStringLiteral(R"(/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\])"));
    const QRegularExpressionMatch m = box.match(QString::fromLatin1(pdf));
    return m.hasMatch() ? QSizeF(m.captured(1).toDouble(), m.captured(2).toDouble()) : QSizeF();
}

// Splits one CSV line (fields may be quoted, with "" for a quote).
QStringList csvFields(const QString& line) {
    QStringList fields;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            fields.append(field);
            field.clear();
        } else {
            field += c;
        }
    }
    fields.append(field);
    return fields;
}

int countColor(const QImage& image, const QColor& color) {
    int n = 0;
    const QRgb rgb = color.rgb();
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            n += image.pixel(x, y) == rgb;
    return n;
}

FigureSpec specFor(FigureKind kind, FigureFormat format, QSizeF mm = {}, int dpi = 300) {
    FigureSpec s;
    s.kind = kind;
    s.format = format;
    s.sizeMm = mm.isEmpty() ? defaultFigureSizeMm(kind) : mm;
    s.dpi = dpi;
    return s;
}

} // namespace

class TestFigureExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyFigureInEveryFormat_data();
    void everyFigureInEveryFormat();
    void pngPixelsFollowDpiAndSize();
    void heatmapPngShowsTheStates();
    void fontChoiceReachesTheSvg();
    void heatmapCsvMatchesTheRun();
    void curveCsvMatchesTheRun();
    void timelineCsvMatchesTheRun();
    void sizesParse();
    void dialogWritesFigureAndCsv();
    void dialogKeepsPhysicalSizeAcrossUnits();
    void sweepTableFromTheGui();
    void traceFileLoads();
    void headlessExport();

private:
    QTemporaryDir m_dir;
    SnapshotPtr m_snapshot;
};

void TestFigureExport::initTestCase() {
    QVERIFY(m_dir.isValid());
    // The export dialog remembers its folder and format in the settings.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    m_snapshot = makeSnapshot();
}

void TestFigureExport::everyFigureInEveryFormat_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("format");
    for (FigureKind kind :
         {FigureKind::Heatmap, FigureKind::SimilarityCurves, FigureKind::StreamTimeline})
        for (FigureFormat format : {FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Png})
            QTest::addRow("%s.%s", qPrintable(figureKindId(kind)),
                          qPrintable(figureFormatSuffix(format)))
                << static_cast<int>(kind) << static_cast<int>(format);
}

void TestFigureExport::everyFigureInEveryFormat() {
    QFETCH(int, kind);
    QFETCH(int, format);
    const QSizeF mm(123.4, 56.7);
    const FigureSpec spec =
        specFor(static_cast<FigureKind>(kind), static_cast<FigureFormat>(format), mm, 200);
    const QString path = m_dir.filePath(figureKindId(spec.kind) + QLatin1Char('.') +
                                        figureFormatSuffix(spec.format));
    QVERIFY(!QFile::exists(path));
    const QString error = writeFigure(*m_snapshot, spec, path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(QFileInfo(path).size() > 0);

    switch (spec.format) {
    case FigureFormat::Svg: {
        QSvgRenderer renderer(path);
        QVERIFY(renderer.isValid());
        const QSizeF size = svgSizeMm(path);
        QVERIFY2(std::abs(size.width() - mm.width()) < 0.1 &&
                     std::abs(size.height() - mm.height()) < 0.1,
                 qPrintable(QStringLiteral("%1 x %2 mm").arg(size.width()).arg(size.height())));
        // Axis labels are text, not outlines.
        const QString text = svgText(path);
        const QString label = spec.kind == FigureKind::StreamTimeline ? QStringLiteral("compute")
                                                                      : QStringLiteral("layer");
        QVERIFY2(text.contains(label), qPrintable(text.left(200)));
        break;
    }
    case FigureFormat::Pdf: {
        const QByteArray pdf = readAll(path);
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        const QSizeF points = pdfMediaBox(pdf);
        QVERIFY2(
            std::abs(points.width() - mm.width() / 25.4 * 72) < 0.5 &&
                std::abs(points.height() - mm.height() / 25.4 * 72) < 0.5,
            qPrintable(
                QStringLiteral("MediaBox %1 x %2 pt").arg(points.width()).arg(points.height())));
        break;
    }
    case FigureFormat::Png: {
        QImage image(path);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(),
                 QSize(qRound(mm.width() / 25.4 * 200), qRound(mm.height() / 25.4 * 200)));
        QVERIFY(std::abs(image.dotsPerMeterX() * 0.0254 - 200) < 0.5);
        // Something was drawn on the white page.
        QVERIFY(countColor(image, Qt::white) < image.width() * image.height());
        break;
    }
    }
}

void TestFigureExport::pngPixelsFollowDpiAndSize() {
    FigureSpec spec = specFor(FigureKind::SimilarityCurves, FigureFormat::Png, QSizeF(76.2, 50.8));
    for (int dpi : {72, 150, 600}) {
        spec.dpi = dpi;
        const QString path = m_dir.filePath(QStringLiteral("curves_%1.png").arg(dpi));
        QVERIFY(writeFigure(*m_snapshot, spec, path).isEmpty());
        QCOMPARE(QImage(path).size(), QSize(3 * dpi, 2 * dpi)); // 3 x 2 inches
    }
}

void TestFigureExport::heatmapPngShowsTheStates() {
    FigureSpec spec = specFor(FigureKind::Heatmap, FigureFormat::Png, QSizeF(160, 80), 150);
    const QImage image = renderFigureImage(*m_snapshot, spec, spec.dpi);
    std::map<int, int> cells;
    for (uint8_t s : m_snapshot->trace.states)
        ++cells[s];
    QCOMPARE(cells.size(), size_t(4));
    // Pixels of each state's colour rank like the state's cell counts.
    std::vector<std::pair<int, int>> byCells, byPixels;
    for (auto [state, count] : cells) {
        byCells.emplace_back(count, state);
        byPixels.emplace_back(countColor(image, stateColor(state)), state);
    }
    std::sort(byCells.begin(), byCells.end());
    std::sort(byPixels.begin(), byPixels.end());
    for (size_t i = 0; i < byCells.size(); ++i)
        QCOMPARE(byPixels[i].second, byCells[i].second);
    // Each cell covers about (plot area / cells) pixels: the full-precision
    // colour covers at least its cells' share of a fifth of the image.
    const double share = double(cells[4]) / m_snapshot->trace.states.size();
    QVERIFY(countColor(image, stateColor(4)) > share * image.width() * image.height() / 5);

    // In cos mode the state colours are gone from the cells (only the
    // sequential scale remains).
    spec.heatmapColor = HeatmapColorMode::CosInOut;
    const QImage cos = renderFigureImage(*m_snapshot, spec, spec.dpi);
    QVERIFY(countColor(cos, stateColor(1)) < countColor(image, stateColor(1)));
}

void TestFigureExport::fontChoiceReachesTheSvg() {
    FigureSpec spec = specFor(FigureKind::SimilarityCurves, FigureFormat::Svg);
    for (FigureFont font : {FigureFont::Serif, FigureFont::SansSerif}) {
        spec.font = font;
        const QString path =
            m_dir.filePath(QStringLiteral("font_%1.svg").arg(static_cast<int>(font)));
        QVERIFY(writeFigure(*m_snapshot, spec, path).isEmpty());
        const QByteArray svg = readAll(path);
        QVERIFY(svg.contains(font == FigureFont::Serif ? "font-family=\"serif\""
                                                       : "font-family=\"sans-serif\""));
    }
    // Font sizes are points: 10 pt text at the SVG's 254 dpi is 35.3 units.
    spec.fontPt = 10;
    const QString path = m_dir.filePath(QStringLiteral("font_10pt.svg"));
    QVERIFY(writeFigure(*m_snapshot, spec, path).isEmpty());
    static const QRegularExpression size(QStringLiteral(R"re(font-size="([\d.]+)")re"));
    double largest = 0;
    auto it = size.globalMatch(QString::fromUtf8(readAll(path)));
    while (it.hasNext())
        largest = std::max(largest, it.next().captured(1).toDouble());
    QVERIFY2(std::abs(largest - 10.0 * 254 / 72) < 0.6, qPrintable(QString::number(largest)));
}

void TestFigureExport::heatmapCsvMatchesTheRun() {
    FigureSpec spec = specFor(FigureKind::Heatmap, FigureFormat::Png);
    const QString path = m_dir.filePath(QStringLiteral("heatmap.csv"));
    QVERIFY(ExportActions::writeDataCsv(*m_snapshot, FigureKind::Heatmap, -1, path).isEmpty());
    const QStringList lines = QString::fromUtf8(readAll(path)).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1 + kTokens * kLayers);
    const QStringList header = csvFields(lines[0]);
    const int text = header.indexOf(QStringLiteral("token_text"));
    const int state = header.indexOf(QStringLiteral("state"));
    const int cos = header.indexOf(QStringLiteral("cos_in_out"));
    const int adjacent = header.indexOf(QStringLiteral("cos_adjacent"));
    QVERIFY(text > 0 && state > 0 && cos > 0 && adjacent > 0);
    const Trace& t = m_snapshot->trace;
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList f = csvFields(lines[i]);
        QCOMPARE(f.size(), header.size());
        const int token = f[0].toInt();
        const int layer = f[header.indexOf(QStringLiteral("layer"))].toInt();
        const size_t c = t.cell(token, layer);
        QCOMPARE(f[1].toInt(), t.tokens[static_cast<size_t>(token)]);
        QCOMPARE(f[text], m_snapshot->tokenTexts[token]);
        QCOMPARE(f[state].toInt(), static_cast<int>(t.states[c]));
        QVERIFY(std::abs(f[cos].toDouble() - t.cosInOut[c]) < 1e-6);
        if (std::isnan(t.cosAdjacent[c]))
            QVERIFY(f[adjacent].isEmpty());
        else
            QVERIFY(std::abs(f[adjacent].toDouble() - t.cosAdjacent[c]) < 1e-6);
    }
}

void TestFigureExport::curveCsvMatchesTheRun() {
    const int token = 4;
    const QString path = m_dir.filePath(QStringLiteral("curves.csv"));
    QVERIFY(ExportActions::writeDataCsv(*m_snapshot, FigureKind::SimilarityCurves, token, path)
                .isEmpty());
    const QStringList lines = QString::fromUtf8(readAll(path)).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1 + kLayers);
    QCOMPARE(csvFields(lines[0]),
             (QStringList{QStringLiteral("layer"), QStringLiteral("token"),
                          QStringLiteral("token_cos_in_out"), QStringLiteral("mean_cos_in_out"),
                          QStringLiteral("adjacent_similarity"), QStringLiteral("skipped")}));
    const Trace& t = m_snapshot->trace;
    for (int l = 0; l < kLayers; ++l) {
        const QStringList f = csvFields(lines[1 + l]);
        QCOMPARE(f[0].toInt(), l);
        QCOMPARE(f[1].toInt(), token);
        QVERIFY(std::abs(f[2].toDouble() - t.cosInOut[t.cell(token, l)]) < 1e-6);
        // The mean runs over the prompt tokens only.
        double sum = 0;
        for (int p = 0; p < kPromptTokens; ++p)
            sum += t.cosInOut[t.cell(p, l)];
        QVERIFY(std::abs(f[3].toDouble() - sum / kPromptTokens) < 1e-6);
        // Adjacent similarity is undefined at layer 0 and where this or the
        // layer before is skipped.
        const bool undefined =
            l == 0 || t.states[t.cell(token, l)] == 0 || t.states[t.cell(token, l - 1)] == 0;
        QCOMPARE(f[4].isEmpty(), undefined);
        QCOMPARE(f[5] == QLatin1String("1"), t.states[t.cell(token, l)] == 0);
    }
    // Without a valid token the curves follow the last prompt token.
    QVERIFY(
        ExportActions::writeDataCsv(*m_snapshot, FigureKind::SimilarityCurves, -1, path).isEmpty());
    QCOMPARE(csvFields(QString::fromUtf8(readAll(path)).split(QLatin1Char('\n'))[1])[1].toInt(),
             kPromptTokens - 1);
}

void TestFigureExport::timelineCsvMatchesTheRun() {
    const QString path = m_dir.filePath(QStringLiteral("timeline.csv"));
    QVERIFY(
        ExportActions::writeDataCsv(*m_snapshot, FigureKind::StreamTimeline, -1, path).isEmpty());
    const QStringList lines = QString::fromUtf8(readAll(path)).trimmed().split(QLatin1Char('\n'));
    const std::vector<Span>& spans = m_snapshot->trace.spans;
    QCOMPARE(lines.size(), 1 + static_cast<int>(spans.size()));
    for (size_t i = 0; i < spans.size(); ++i) {
        const QStringList f = csvFields(lines[static_cast<int>(i) + 1]);
        QCOMPARE(f[0], spans[i].stream == StreamKind::Compute ? QStringLiteral("compute")
                                                              : QStringLiteral("policy"));
        QCOMPARE(f[1].toInt(), spans[i].layer);
        QCOMPARE(f[4].toLongLong(), spans[i].startNs);
        QCOMPARE(f[5].toLongLong(), spans[i].endNs);
    }
}

void TestFigureExport::sizesParse() {
    QCOMPARE(parseFigureSize(QStringLiteral("160x70mm")), std::optional<QSizeF>(QSizeF(160, 70)));
    QCOMPARE(parseFigureSize(QStringLiteral("160x70")), std::optional<QSizeF>(QSizeF(160, 70)));
    const auto inches = parseFigureSize(QStringLiteral("3.5x2in"));
    QVERIFY(inches && std::abs(inches->width() - 88.9) < 1e-9 &&
            std::abs(inches->height() - 50.8) < 1e-9);
    QVERIFY(!parseFigureSize(QStringLiteral("160mm")));
    QVERIFY(!parseFigureSize(QStringLiteral("0x10mm")));
    QVERIFY(!parseFigureSize(QStringLiteral("10x10cm")));
    QCOMPARE(figureFormatFromPath(QStringLiteral("/a/b.SVG")), std::optional(FigureFormat::Svg));
    QVERIFY(!figureFormatFromPath(QStringLiteral("b.jpg")));
    QCOMPARE(figureKindFromId(QStringLiteral("timeline")),
             std::optional(FigureKind::StreamTimeline));
}

void TestFigureExport::dialogWritesFigureAndCsv() {
    FigureSpec spec = specFor(FigureKind::StreamTimeline, FigureFormat::Png, QSizeF(100, 40), 100);
    ExportFigureDialog dialog(m_snapshot, spec);
    QCOMPARE(dialog.spec().kind, FigureKind::StreamTimeline);
    QCOMPARE(dialog.spec().dpi, 100);
    // No file yet: the dialog stays open and says why.
    dialog.accept();
    QVERIFY(dialog.result() != QDialog::Accepted);
    QVERIFY(!dialog.errorText().isEmpty());

    const QString path = m_dir.filePath(QStringLiteral("dialog.png"));
    dialog.setPath(path);
    dialog.setWritesCsv(true);
    QSignalSpy exported(&dialog, &ExportFigureDialog::exported);
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(exported.count(), 1);
    QCOMPARE(QImage(path).size(), QSize(qRound(100 / 25.4 * 100), qRound(40 / 25.4 * 100)));
    QCOMPARE(readAll(ExportFigureDialog::csvPathFor(path)),
             figureDataCsv(*m_snapshot, dialog.spec()));

    // Switching the format renames the file's suffix.
    auto* format = dialog.findChild<QComboBox*>(QStringLiteral("exportFormat"));
    format->setCurrentIndex(format->findData(static_cast<int>(FigureFormat::Svg)));
    QVERIFY(QDir::fromNativeSeparators(dialog.path()).endsWith(QStringLiteral("dialog.svg")));

    // An unwritable place is reported, not ignored.
    dialog.setPath(QStringLiteral("/nonexistent-dir/figure.svg"));
    dialog.accept();
    QVERIFY(dialog.errorText().contains(QStringLiteral("nonexistent-dir")));
}

void TestFigureExport::dialogKeepsPhysicalSizeAcrossUnits() {
    FigureSpec spec = specFor(FigureKind::Heatmap, FigureFormat::Pdf, QSizeF(127, 50.8));
    ExportFigureDialog dialog(m_snapshot, spec);
    auto* unit = dialog.findChild<QComboBox*>(QStringLiteral("exportUnit"));
    unit->setCurrentIndex(1); // inches
    QVERIFY(std::abs(dialog.spec().sizeMm.width() - 127) < 0.2);
    QVERIFY(std::abs(dialog.spec().sizeMm.height() - 50.8) < 0.2);
    unit->setCurrentIndex(0);
    QVERIFY(std::abs(dialog.spec().sizeMm.width() - 127) < 0.2);
    // Changing the figure picks that figure's default size.
    auto* kind = dialog.findChild<QComboBox*>(QStringLiteral("exportKind"));
    kind->setCurrentIndex(kind->findData(static_cast<int>(FigureKind::SimilarityCurves)));
    QCOMPARE(dialog.spec().sizeMm, defaultFigureSizeMm(FigureKind::SimilarityCurves));
}

void TestFigureExport::sweepTableFromTheGui() {
    const QString sweep = m_dir.filePath(QStringLiteral("sweep.json"));
    {
        QFile f(sweep);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"([{"method":"full","target_ratio":1,"nominal_ratio":1,"measured_speedup":1,
                     "ppl_all":6.5,"ppl_second_half":6.2},
                    {"method":"dash","target_ratio":2,"nominal_ratio":2,"measured_speedup":1.6,
                     "ppl_all":9.5,"ppl_second_half":9.1}])");
    }
    const QString tex = m_dir.filePath(QStringLiteral("sweep.tex"));
    QVERIFY(ExportActions::writeSweepTable(sweep, tex).isEmpty());
    auto rows = sweepRowsFromJson(readJsonFile(sweep.toStdString()).value());
    QCOMPARE(readAll(tex), QByteArray::fromStdString(sweepToLatex(rows.value()).value()));
    // A broken sweep names the file.
    QFile::resize(sweep, 20);
    const QString error = ExportActions::writeSweepTable(sweep, tex);
    QVERIFY2(error.contains(QStringLiteral("sweep.json")), qPrintable(error));
}

void TestFigureExport::traceFileLoads() {
    Json json = traceToJson(m_snapshot->trace);
    json.set("prompt_tokens", kPromptTokens);
    const QString path = m_dir.filePath(QStringLiteral("trace.json"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(json.dump()));
    }
    auto loaded = loadTraceSnapshot(path, {});
    QVERIFY(loaded.ok());
    const RunSnapshot& s = **loaded;
    QCOMPARE(static_cast<int>(s.promptIds.size()), kPromptTokens);
    QCOMPARE(static_cast<int>(s.generatedIds.size()), kTokens - kPromptTokens);
    QCOMPARE(s.trace.states, m_snapshot->trace.states);
    QCOMPARE(s.tokenTexts.size(), kTokens);
    QCOMPARE(s.tokenTexts[0], QStringLiteral("#100"));
    // The same figure data as the run it came from.
    QCOMPARE(figureDataCsv(s, specFor(FigureKind::SimilarityCurves, FigureFormat::Svg)),
             figureDataCsv(*m_snapshot, specFor(FigureKind::SimilarityCurves, FigureFormat::Svg)));

    auto missing = loadTraceSnapshot(m_dir.filePath(QStringLiteral("none.json")), {});
    QVERIFY(!missing.ok());

    // With the model, tokens get their text from its tokenizer.
    const std::string model = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(model);
    auto labelled = loadTraceSnapshot(path, QString::fromStdString(model));
    QVERIFY(labelled.ok());
    QCOMPARE((*labelled)->tokenTexts.size(), kTokens);
    QVERIFY(!(*labelled)->tokenTexts[0].startsWith(QLatin1Char('#')));
}

void TestFigureExport::headlessExport() {
    Json json = traceToJson(m_snapshot->trace);
    json.set("prompt_tokens", kPromptTokens);
    const QString trace = m_dir.filePath(QStringLiteral("headless_trace.json"));
    {
        QFile f(trace);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(json.dump()));
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM")); // the program picks offscreen itself
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    auto run = [&](const QStringList& args, int expectedCode) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(DASH_STUDIO_BINARY), args);
        if (!p.waitForFinished(120000))
            return QByteArray("timeout");
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != expectedCode)
            return QByteArray("exit ") + QByteArray::number(p.exitCode()) + ": " +
                   p.readAllStandardError();
        return QByteArray();
    };

    const QString svg = m_dir.filePath(QStringLiteral("headless.svg"));
    QByteArray failure = run({QStringLiteral("--export-figure"), QStringLiteral("heatmap"),
                              QStringLiteral("--trace"), trace, QStringLiteral("--out"), svg,
                              QStringLiteral("--size"), QStringLiteral("120x50mm"),
                              QStringLiteral("--font"), QStringLiteral("sans")},
                             0);
    QVERIFY2(failure.isEmpty(), failure.constData());
    QVERIFY(QSvgRenderer(svg).isValid());
    const QSizeF size = svgSizeMm(svg);
    QVERIFY(std::abs(size.width() - 120) < 0.1 && std::abs(size.height() - 50) < 0.1);

    const QString png = m_dir.filePath(QStringLiteral("headless.png"));
    const QString csv = m_dir.filePath(QStringLiteral("headless.csv"));
    failure =
        run({QStringLiteral("--export-figure"), QStringLiteral("curves"), QStringLiteral("--trace"),
             trace, QStringLiteral("--out"), png, QStringLiteral("--dpi"), QStringLiteral("120"),
             QStringLiteral("--size"), QStringLiteral("2x1.5in"), QStringLiteral("--token"),
             QStringLiteral("2"), QStringLiteral("--data"), csv},
            0);
    QVERIFY2(failure.isEmpty(), failure.constData());
    QCOMPARE(QImage(png).size(), QSize(240, 180));
    FigureSpec curves = specFor(FigureKind::SimilarityCurves, FigureFormat::Png);
    curves.token = 2;
    QCOMPARE(readAll(csv), figureDataCsv(*m_snapshot, curves));

    const QString pdf = m_dir.filePath(QStringLiteral("headless.pdf"));
    failure = run({QStringLiteral("--export-figure"), QStringLiteral("timeline"),
                   QStringLiteral("--trace"), trace, QStringLiteral("--out"), pdf},
                  0);
    QVERIFY2(failure.isEmpty(), failure.constData());
    const QSizeF points = pdfMediaBox(readAll(pdf));
    const QSizeF mm = defaultFigureSizeMm(FigureKind::StreamTimeline);
    QVERIFY(std::abs(points.width() - mm.width() / 25.4 * 72) < 0.5);

    // Bad arguments and bad inputs: usage errors exit 2, failures 1.
    failure = run({QStringLiteral("--export-figure"), QStringLiteral("pie"),
                   QStringLiteral("--trace"), trace, QStringLiteral("--out"), pdf},
                  2);
    QVERIFY2(failure.isEmpty(), failure.constData());
    failure = run({QStringLiteral("--export-figure"), QStringLiteral("heatmap"),
                   QStringLiteral("--trace"), trace, QStringLiteral("--out"),
                   m_dir.filePath(QStringLiteral("figure.jpg"))},
                  2);
    QVERIFY2(failure.isEmpty(), failure.constData());
    failure = run({QStringLiteral("--export-figure"), QStringLiteral("heatmap"),
                   QStringLiteral("--trace"), m_dir.filePath(QStringLiteral("missing.json")),
                   QStringLiteral("--out"), svg},
                  1);
    QVERIFY2(failure.isEmpty(), failure.constData());
}

QTEST_MAIN(TestFigureExport)
#include "tst_figure_export.moc"
