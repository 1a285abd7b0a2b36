// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/generate.h"
#include "core/engine/trace_json.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv, options({kModelOptions, {"prompt", "n", "format", "out"}}), {"json"});
    if (!args.ok())
        return fail("trace", args.error());
    auto prompt = args->required("prompt");
    auto n = args->getInt("n", 0, 0, std::numeric_limits<int32_t>::max());
    auto eo = engineOptions(*args);
    if (auto err = firstError(prompt, n, eo))
        return fail("trace", *err);
    std::string format = args->get("format", args->flag("json") ? "json" : "table");
    if (format != "json" && format != "csv" && format != "table")
        return fail("trace", "--format must be json, csv or table");
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("trace", model.error());
    if (*n > (*model)->config().contextLength)
        return fail("trace", "--n " + std::to_string(*n) + " exceeds the model's context length " +
                                 std::to_string((*model)->config().contextLength));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("trace", made.error());
    Engine& engine = **made;
    const std::vector<int32_t> ids = encodePrompt(**model, *prompt);
    Trace trace;
    GenerateOptions go;
    go.maxNewTokens = static_cast<int32_t>(*n);
    go.forward.trace = &trace;
    if (*n == 0) {
        auto logits = engine.forward(ids, go.forward);
        if (!logits.ok())
            return fail("trace", logits.error());
    } else {
        // The last generated token is traced too: feed it so every id has cells.
        auto result = generate(engine, ids, go);
        if (!result.ok())
            return fail("trace", result.error());
        if (!result->generated.empty()) {
            const int32_t last[1] = {result->generated.back()};
            auto logits = engine.forward(last, go.forward);
            if (!logits.ok())
                return fail("trace", logits.error());
        }
    }

    std::string text;
    if (format == "json") {
        Json out = traceToJson(trace);
        out.set("prompt_tokens", static_cast<int64_t>(ids.size()));
        text = out.dump() + "\n";
    } else if (format == "csv") {
        text = traceToCsv(trace, &(*model)->tokenizer());
    } else {
        char line[256];
        text = "cos(layer input, layer output) per token:\n     layer";
        for (int32_t l = 0; l < trace.layers; ++l) {
            std::snprintf(line, sizeof line, " %5d", l);
            text += line;
        }
        text += "\n";
        for (int32_t i = 0; i < trace.tokenCount(); ++i) {
            std::string piece =
                (*model)->tokenizer().tokenBytes(trace.tokens[static_cast<size_t>(i)]);
            for (char& ch : piece)
                if (static_cast<unsigned char>(ch) < 32)
                    ch = ' ';
            std::snprintf(line, sizeof line, "%-10.10s", piece.c_str());
            text += line;
            for (int32_t l = 0; l < trace.layers; ++l) {
                std::snprintf(line, sizeof line, " %5.3f",
                              static_cast<double>(trace.cosInOut[trace.cell(i, l)]));
                text += line;
            }
            text += "\n";
        }
    }
    if (auto out = args->get("out")) {
        if (auto st = writeOutput(*out, text); !st.ok())
            return fail("trace", st.error());
    } else {
        printText(text);
    }
    return 0;
}

} // namespace

const Command kTraceCommand = {
    "trace", "per-token x per-layer trace: cos(in,out), adjacent similarity, norms, timings",
    "--model FILE.gguf --prompt TEXT [--n GENERATE] [--format json|csv|table] [--json]\n"
    "       [--out FILE] [ENGINE OPTIONS]\n"
    "  JSON arrays are [layer][token]; cos_adjacent compares the updates (output - input)\n"
    "  of adjacent layers and is null at layer 0.",
    run};

} // namespace dash::cli
