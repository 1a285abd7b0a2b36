// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/cli_policy.h"
#include "app/cli/commands.h"
#include "core/dash/calibration.h"
#include "core/dash/input_awareness.h"
#include "core/engine/generate.h"
#include "core/engine/trace_json.h"
#include "core/util/output_file.h"

#include <cstdio>
#include <limits>
#include <optional>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv, options({kModelOptions, kPolicyOptions, {"prompt", "n", "trace-out"}}),
                    options({kPolicyFlags, {"json", "quiet"}}));
    if (!args.ok())
        return fail("run", args.error());
    auto prompt = args->required("prompt");
    auto n = args->getInt("n", 16, 0, std::numeric_limits<int32_t>::max());
    auto ratio = args->getDouble("ratio", 1.0, 1.0, 1000.0);
    auto eo = engineOptions(*args);
    if (auto err = firstError(prompt, n, ratio, eo))
        return fail("run", *err);
    if (auto path = args->get("trace-out")) {
        if (auto st = checkOutputTarget(*path); !st.ok())
            return fail("run", st.error());
    }
    // Only static similarity skipping reads a calibration given on the
    // command line; say so rather than silently ignore it.
    if (args->has("calibration")) {
        const std::string spec = args->get("policy", "full");
        const auto kind = parsePolicyKind(spec);
        if (!kind.ok() || *kind != PolicyKind::StaticSimilarity)
            std::fprintf(stderr,
                         "dash-cli run: warning: --calibration is not used by policy '%s' (only "
                         "'static' ranks layers by it; a policy file carries its own)\n",
                         spec.c_str());
    }
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("run", model.error());
    if (*n > (*model)->config().contextLength)
        return fail("run", "--n " + std::to_string(*n) + " exceeds the model's context length " +
                               std::to_string((*model)->config().contextLength));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("run", made.error());
    Engine& engine = **made;
    auto policy = policyFromArgs(*args, **model, engine, args->flag("quiet"));
    if (!policy.ok())
        return fail("run", policy.error());
    const std::vector<int32_t> ids = encodePrompt(**model, *prompt);

    Trace trace;
    if (auto st = (*policy)->probe(engine, ids); !st.ok())
        return fail("run", st.error());
    std::unique_ptr<LayerController> controller = (*policy)->makeController();
    GenerateOptions go;
    go.maxNewTokens = static_cast<int32_t>(*n);
    go.forward.trace = &trace;
    go.forward.controller = controller.get();
    std::vector<int32_t> generated;
    if (*n == 0) {
        auto logits = engine.forward(ids, go.forward);
        if (!logits.ok())
            return fail("run", logits.error());
    } else {
        auto result = generate(engine, ids, go);
        if (!result.ok())
            return fail("run", result.error());
        generated = result->generated;
        // Feed the last token too so that every id has a traced row.
        if (!generated.empty()) {
            const int32_t last[1] = {generated.back()};
            if (auto logits = engine.forward(last, go.forward); !logits.ok())
                return fail("run", logits.error());
        }
    }
    int64_t elapsedNs = 0;
    for (const PassTiming& p : trace.passes)
        elapsedNs += p.totalNs;
    const Tokenizer& tok = (*model)->tokenizer();
    const std::string text = tok.decode(generated);
    const double msPerToken =
        trace.tokenCount() ? static_cast<double>(elapsedNs) / 1e6 / trace.tokenCount() : 0.0;

    // Input awareness of the states this run chose, and the traced tokens
    // replayed with them and with the same per-layer counts assigned statically.
    std::optional<PolicyAwarenessReport> awareness;
    if (trace.tokenCount() >= 2) {
        StateTable table(trace.tokenCount(), trace.layers);
        for (int32_t t = 0; t < trace.tokenCount(); ++t)
            for (int32_t l = 0; l < trace.layers; ++l)
                table.at(t, l) = trace.state(t, l);
        auto report = analyseSequence(engine, trace.tokens, table);
        if (!report.ok())
            return fail("run", report.error());
        awareness = std::move(report).value();
    }

    if (auto path = args->get("trace-out")) {
        Json out = traceToJson(trace);
        out.set("policy", (*policy)->name());
        out.set("policy_parameters", (*policy)->parameters());
        out.set("kv_mode", kvModeName(engine.kvMode()));
        if (awareness)
            out.set("input_awareness", awareness->toJson());
        if (auto st = saveJsonFile(*path, out); !st.ok())
            return fail("run", st.error());
    }
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ids", Json::array(trace.tokens));
        out.set("prompt_tokens", static_cast<int64_t>(ids.size()));
        Json states(Json::Array{});
        for (int32_t t = 0; t < trace.tokenCount(); ++t) {
            Json row(Json::Array{});
            for (int32_t l = 0; l < trace.layers; ++l)
                row.push(static_cast<int>(trace.states[trace.cell(t, l)]));
            states.push(std::move(row));
        }
        out.set("states", std::move(states));
        out.set("nominal_ratio", trace.nominalRatio());
        out.set("generated_ids", Json::array(generated));
        out.set("text", validUtf8(text));
        out.set("policy", (*policy)->name());
        out.set("policy_parameters", (*policy)->parameters());
        out.set("kv_mode", kvModeName(engine.kvMode()));
        out.set("policy_overlap", policyOverlap(trace.spans));
        out.set("ms_per_token", msPerToken);
        if (awareness)
            out.set("input_awareness", awareness->toJson());
        printJson(out);
        return 0;
    }
    std::printf("policy %s, KV mode %s; states per layer (0 skip, 1 INT4, 2 INT8, 4 full):\n",
                (*policy)->name().c_str(), kvModeName(engine.kvMode()));
    for (int32_t t = 0; t < trace.tokenCount(); ++t) {
        std::string piece = tok.tokenBytes(trace.tokens[static_cast<size_t>(t)]);
        for (char& ch : piece)
            if (static_cast<unsigned char>(ch) < 32)
                ch = ' ';
        std::string row;
        for (int32_t l = 0; l < trace.layers; ++l)
            row += static_cast<char>('0' + trace.states[trace.cell(t, l)]);
        std::printf("%5d %-14.14s %s%s\n", t, piece.c_str(), row.c_str(),
                    t == static_cast<int32_t>(ids.size()) ? "   <- generated from here" : "");
    }
    std::printf("nominal ratio %.3f, %.3f ms/token, policy overlap %.1f%%\n", trace.nominalRatio(),
                msPerToken, 100.0 * policyOverlap(trace.spans));
    if (awareness) {
        const InputAwareness& a = awareness->awareness;
        std::printf("input awareness: %.3f of tokens differ from their layer's majority state "
                    "(mean over layers 1..%d); mutual information beyond chance with token id "
                    "%+.4f bits, with position %+.4f bits\n",
                    a.majorityDeviation, trace.layers - 1, a.miTokenExcess, a.miPositionExcess);
        std::printf("traced tokens replayed: perplexity %.3f with these states, %.3f with the "
                    "same per-layer counts assigned statically (nominal %.3fx both)\n",
                    awareness->policy.pplAll, awareness->reassigned.pplAll,
                    awareness->policy.nominalRatio);
    }
    if (!generated.empty())
        std::printf("generated: %s\n", text.c_str());
    return 0;
}

} // namespace

const Command kRunCommand = {
    "run", "run a prompt under a policy: per-token layer states and the trace",
    "--model FILE.gguf --prompt TEXT [--policy full|early-exit|skipdecode|adaskip|random|static|"
    "FILE.policy]\n"
    "       [--ratio R [--tune-file TEXT]] [--calibration C] [--kv-mode project|mask] [--sync]\n"
    "       [--n GENERATE] [--trace-out TRACE.json] [ENGINE OPTIONS] [--quiet] [--json]",
    run};

} // namespace dash::cli
