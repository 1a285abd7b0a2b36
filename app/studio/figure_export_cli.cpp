// SPDX-License-Identifier: MIT
#include "app/studio/figure_export_cli.h"

#include "app/studio/eval_figure.h"
#include "app/studio/figure_renderer.h"
#include "app/studio/token_text.h"
#include "core/engine/trace_json.h"
#include "core/model/model.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QSaveFile>

#include <cstdio>
#include <cstring>

namespace dash::studio {

namespace {

const QString kExportFigure = QStringLiteral("export-figure");
const QString kTrace = QStringLiteral("trace");
const QString kOut = QStringLiteral("out");
const QString kDpi = QStringLiteral("dpi");
const QString kSize = QStringLiteral("size");
const QString kFont = QStringLiteral("font");
const QString kFontSize = QStringLiteral("font-size");
const QString kModel = QStringLiteral("model");
const QString kToken = QStringLiteral("token");
const QString kColor = QStringLiteral("color");
const QString kData = QStringLiteral("data");
const QString kResults = QStringLiteral("results");
const QString kTask = QStringLiteral("task");
const QString kPareto = QStringLiteral("pareto");

int failWith(int code, const QString& message) {
    std::fprintf(stderr, "dash-studio: %s\n", qPrintable(message));
    return code;
}

} // namespace

bool figureExportRequested(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--export-figure") == 0 ||
            std::strncmp(argv[i], "--export-figure=", 16) == 0)
            return true;
    return false;
}

void addFigureExportOptions(QCommandLineParser& parser) {
    parser.addOptions({
        {kExportFigure,
         QCoreApplication::translate("main", "Write a figure without opening a window: heatmap, "
                                             "curves or timeline."),
         QStringLiteral("kind")},
        {kTrace,
         QCoreApplication::translate("main", "Trace to draw (what dash-cli trace --json writes)."),
         QStringLiteral("trace.json")},
        {kOut,
         QCoreApplication::translate("main", "Figure file; .svg, .pdf or .png chooses the format."),
         QStringLiteral("file")},
        {kDpi, QCoreApplication::translate("main", "PNG resolution (default 300)."),
         QStringLiteral("dpi")},
        {kSize,
         QCoreApplication::translate("main", "Figure size, e.g. 160x70mm or 6x2.5in (default: "
                                             "by kind)."),
         QStringLiteral("WxH")},
        {kFont, QCoreApplication::translate("main", "serif (default) or sans."),
         QStringLiteral("family")},
        {kFontSize, QCoreApplication::translate("main", "Text size in points (default 8)."),
         QStringLiteral("pt")},
        {kModel, QCoreApplication::translate("main", "Model whose tokenizer labels the tokens."),
         QStringLiteral("model.gguf")},
        {kToken,
         QCoreApplication::translate("main", "Token of the similarity curves (default: the last "
                                             "prompt token)."),
         QStringLiteral("index")},
        {kColor, QCoreApplication::translate("main", "Heatmap colour: state (default) or cos."),
         QStringLiteral("mode")},
        {kData,
         QCoreApplication::translate("main", "Also write the figure's data as CSV to this file."),
         QStringLiteral("file.csv")},
        {kResults,
         QStringLiteral("--export-figure pareto: the evaluation to draw (results.json of "
                        "dash-cli eval)."),
         QStringLiteral("results.json")},
        {kTask,
         QStringLiteral("Quality task of the pareto figure: wikitext2, cnndm, mmlu or arc "
                        "(default: the first)."),
         QStringLiteral("task")},
    });
}

Expected<SnapshotPtr> loadTraceSnapshot(const QString& tracePath, const QString& modelPath) {
    const std::string path = tracePath.toStdString();
    DASH_ASSIGN_OR_RETURN(Json json, readJsonFile(path));
    auto trace = traceFromJson(json);
    if (!trace.ok())
        return trace.error().withContext(path);
    auto snapshot = std::make_shared<RunSnapshot>();
    snapshot->trace = std::move(trace).value();
    const std::vector<int32_t>& ids = snapshot->trace.tokens;
    // Without "prompt_tokens" every token counts as prompt.
    size_t promptCount = ids.size();
    if (const Json* n = json.find("prompt_tokens"); n && n->isNumber())
        promptCount = std::min(ids.size(), static_cast<size_t>(std::max<int64_t>(0, n->asInt())));
    snapshot->promptIds.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(promptCount));
    snapshot->generatedIds.assign(ids.begin() + static_cast<std::ptrdiff_t>(promptCount),
                                  ids.end());
    if (!modelPath.isEmpty()) {
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, Model::load(modelPath.toStdString()));
        snapshot->modelPath = modelPath;
        for (int32_t id : ids)
            snapshot->tokenTexts.append(tokenDisplayText(model->tokenizer(), id));
    } else {
        for (int32_t id : ids)
            snapshot->tokenTexts.append(QStringLiteral("#%1").arg(id));
    }
    return SnapshotPtr(std::move(snapshot));
}

namespace {

// The options every kind shares (--out's format, --size, --dpi, --font,
// --font-size) into `spec`; 0, else the exit code after the message.
int readCommonSpec(const QCommandLineParser& parser, FigureSpec& spec) {
    const QString out = parser.value(kOut);
    const auto format = figureFormatFromPath(out);
    if (!format)
        return failWith(2, QStringLiteral("--out must end in .svg, .pdf or .png: %1").arg(out));
    spec.format = *format;
    if (parser.isSet(kSize)) {
        const auto size = parseFigureSize(parser.value(kSize));
        if (!size)
            return failWith(2, QStringLiteral("--size must look like 160x70mm or 6x2.5in, got "
                                              "'%1'")
                                   .arg(parser.value(kSize)));
        spec.sizeMm = *size;
    }
    if (parser.isSet(kDpi)) {
        bool ok = false;
        spec.dpi = parser.value(kDpi).toInt(&ok);
        if (!ok || spec.dpi < 10 || spec.dpi > 4800)
            return failWith(2, QStringLiteral("--dpi must be between 10 and 4800"));
    }
    if (parser.isSet(kFont)) {
        const QString font = parser.value(kFont);
        if (font == QLatin1String("serif"))
            spec.font = FigureFont::Serif;
        else if (font == QLatin1String("sans"))
            spec.font = FigureFont::SansSerif;
        else
            return failWith(2, QStringLiteral("--font must be serif or sans"));
    }
    if (parser.isSet(kFontSize)) {
        bool ok = false;
        spec.fontPt = parser.value(kFontSize).toDouble(&ok);
        if (!ok || spec.fontPt < 2 || spec.fontPt > 72)
            return failWith(2, QStringLiteral("--font-size must be between 2 and 72 points"));
    }
    return 0;
}

Status writeDataCsv(const QString& path, const QByteArray& data) {
    QSaveFile csv(path);
    if (!csv.open(QIODevice::WriteOnly) || csv.write(data) < 0 || !csv.commit())
        return ioError(
            QStringLiteral("cannot write %1: %2").arg(path, csv.errorString()).toStdString());
    return {};
}

// --export-figure pareto --results results.json [--task T]
int runParetoExport(const QCommandLineParser& parser) {
    if (!parser.isSet(kResults) || !parser.isSet(kOut))
        return failWith(2, QStringLiteral("--export-figure pareto needs --results RESULTS.json "
                                          "and --out FILE"));
    for (const QString& option : {kTrace, kToken, kColor, kModel})
        if (parser.isSet(option))
            return failWith(2,
                            QStringLiteral("--%1 does not apply to the pareto figure").arg(option));
    FigureSpec spec;
    spec.kind = FigureKind::SimilarityCurves; // only for the default one-column size
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    if (const int code = readCommonSpec(parser, spec); code != 0)
        return code;
    const std::string path = parser.value(kResults).toStdString();
    auto json = readJsonFile(path);
    if (!json.ok())
        return failWith(1, QString::fromStdString(json.error().message()));
    auto data = paretoFromResults(*json, parser.value(kTask));
    if (!data.ok())
        return failWith(1, QString::fromStdString(path + ": " + data.error().message()));
    if (const QString error = writePareto(*data, spec, parser.value(kOut)); !error.isEmpty())
        return failWith(1, error);
    if (parser.isSet(kData))
        if (Status st = writeDataCsv(parser.value(kData), paretoDataCsv(*data)); !st.ok())
            return failWith(1, QString::fromStdString(st.error().message()));
    return 0;
}

} // namespace

int runFigureExport(const QCommandLineParser& parser) {
    if (parser.value(kExportFigure) == kPareto)
        return runParetoExport(parser);
    const auto kind = figureKindFromId(parser.value(kExportFigure));
    if (!kind)
        return failWith(2, QStringLiteral("--export-figure must be heatmap, curves, timeline or "
                                          "pareto, got '%1'")
                               .arg(parser.value(kExportFigure)));
    if (!parser.isSet(kTrace) || !parser.isSet(kOut))
        return failWith(2, QStringLiteral("--export-figure needs --trace TRACE.json and --out "
                                          "FILE"));
    if (parser.isSet(kResults) || parser.isSet(kTask))
        return failWith(2, QStringLiteral("--results and --task apply to the pareto figure only"));
    FigureSpec spec;
    spec.kind = *kind;
    spec.sizeMm = defaultFigureSizeMm(*kind);
    if (const int code = readCommonSpec(parser, spec); code != 0)
        return code;
    const QString out = parser.value(kOut);
    if (parser.isSet(kToken)) {
        bool ok = false;
        spec.token = parser.value(kToken).toInt(&ok);
        if (!ok || spec.token < 0)
            return failWith(2, QStringLiteral("--token must be a token index (0 or more)"));
    }
    if (parser.isSet(kColor)) {
        const QString color = parser.value(kColor);
        if (color == QLatin1String("state"))
            spec.heatmapColor = HeatmapColorMode::State;
        else if (color == QLatin1String("cos"))
            spec.heatmapColor = HeatmapColorMode::CosInOut;
        else
            return failWith(2, QStringLiteral("--color must be state or cos"));
    }

    auto snapshot = loadTraceSnapshot(parser.value(kTrace), parser.value(kModel));
    if (!snapshot.ok())
        return failWith(1, QString::fromStdString(snapshot.error().message()));
    if (const QString error = writeFigure(**snapshot, spec, out); !error.isEmpty())
        return failWith(1, error);
    if (parser.isSet(kData))
        if (Status st = writeDataCsv(parser.value(kData), figureDataCsv(**snapshot, spec));
            !st.ok())
            return failWith(1, QString::fromStdString(st.error().message()));
    return 0;
}

} // namespace dash::studio
