// SPDX-License-Identifier: MIT
// dash-cli export: the headless exports that need no Qt — a sweep as a LaTeX
// table, a trace as CSV. Figures (SVG/PDF/PNG) need Qt's painter and come from
// `dash-studio --export-figure`.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/trace_json.h"
#include "core/export/latex_table.h"

#include <cstdio>

namespace dash::cli {

namespace {

constexpr const char* kName = "export";

int exportSweep(const Args& args, const std::string& sweepPath) {
    auto out = args.required("latex");
    if (!out.ok())
        return fail(kName, out.error());
    auto json = readJsonFile(sweepPath);
    if (!json.ok())
        return fail(kName, json.error());
    auto rows = sweepRowsFromJson(*json);
    if (!rows.ok())
        return fail(kName, rows.error().withContext(sweepPath));
    LatexTableOptions options;
    options.caption = args.get("caption", "");
    options.label = args.get("label", "");
    options.fullPrecisionName = args.get("fp-label", options.fullPrecisionName);
    options.boldBest = !args.flag("no-bold");
    auto table = sweepToLatex(*rows, options);
    if (!table.ok())
        return fail(kName, table.error().withContext(sweepPath));
    if (auto st = writeOutput(*out, *table); !st.ok())
        return fail(kName, st.error());
    return 0;
}

int exportTrace(const Args& args, const std::string& tracePath) {
    auto out = args.required("csv");
    if (!out.ok())
        return fail(kName, out.error());
    auto json = readJsonFile(tracePath);
    if (!json.ok())
        return fail(kName, json.error());
    auto trace = traceFromJson(*json);
    if (!trace.ok())
        return fail(kName, trace.error().withContext(tracePath));
    // The trace holds token ids only; the model's tokenizer adds their text.
    std::string csv;
    if (args.has("model")) {
        auto model = loadModel(args);
        if (!model.ok())
            return fail(kName, model.error());
        csv = traceToCsv(*trace, &(*model)->tokenizer());
    } else {
        csv = traceToCsv(*trace, nullptr);
    }
    if (auto st = writeOutput(*out, csv); !st.ok())
        return fail(kName, st.error());
    return 0;
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv, {"sweep", "latex", "caption", "label", "fp-label", "trace", "csv", "model"},
        {"no-bold"});
    if (!args.ok())
        return fail(kName, args.error());
    const auto sweep = args->get("sweep");
    const auto trace = args->get("trace");
    if (sweep.has_value() == trace.has_value())
        return fail(kName, "give either --sweep SWEEP.json --latex OUT.tex or "
                           "--trace TRACE.json --csv OUT.csv");
    return sweep ? exportSweep(*args, *sweep) : exportTrace(*args, *trace);
}

} // namespace

const Command kExportCommand = {
    kName, "export a sweep as a LaTeX table (paper's Table 1 layout) or a trace as CSV",
    "--sweep SWEEP.json --latex OUT.tex [--caption TEXT] [--label KEY] [--fp-label NAME]\n"
    "       [--no-bold]\n"
    "       dash-cli export --trace TRACE.json --csv OUT.csv [--model FILE.gguf]\n"
    "  SWEEP.json is what `dash-cli sweep --json` prints; TRACE.json what\n"
    "  `dash-cli trace --json` prints. --model adds each token's text to the CSV.\n"
    "  OUT may be '-' for stdout. Figures (SVG, PDF, PNG) need Qt:\n"
    "  dash-studio --export-figure heatmap|curves|timeline --trace TRACE.json --out FILE.",
    run};

} // namespace dash::cli
