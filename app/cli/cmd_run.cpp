// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/cli_policy.h"
#include "app/cli/commands.h"
#include "core/dash/calibration.h"
#include "core/dash/input_awareness.h"
#include "core/dash/token_divergence.h"
#include "core/engine/generate.h"
#include "core/engine/sampler.h"
#include "core/engine/trace_json.h"
#include "core/util/output_file.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

namespace dash::cli {

namespace {

// Entry r describes prompt token r + 1: its log-likelihood under the policy
// (rows of `policyLogits` [ids.size()][vocab]) and under full precision, and
// the KL divergence of the two next-token distributions, as the app's Δ log p
// and KL row shows them. Full precision runs on an engine of its own, with no
// controller and default settings; the full-precision policy is its own
// reference (every change 0, as in the app).
Expected<std::vector<TokenDivergence>>
compareWithFullPrecision(const Policy& policy, const EngineSpec& spec,
                         const std::shared_ptr<const Model>& model, const std::vector<int32_t>& ids,
                         const std::vector<float>& policyLogits) {
    if (ids.size() < 2)
        return std::vector<TokenDivergence>{};
    const auto vocab = static_cast<size_t>(model->config().vocabSize);
    const size_t rows = ids.size() - 1;
    const std::span<const float> policyRows =
        std::span<const float>(policyLogits).first(rows * vocab);
    const std::span<const int32_t> targets = std::span<const int32_t>(ids).subspan(1);
    if (policy.kind() == PolicyKind::Full)
        return compareNextTokens(policyRows, policyRows, targets, static_cast<int32_t>(vocab));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Engine> reference, makeEngine(spec, model));
    ForwardOptions options;
    options.allLogits = true;
    DASH_ASSIGN_OR_RETURN(std::span<const float> full, reference->forward(ids, options));
    return compareNextTokens(policyRows, full.first(rows * vocab), targets,
                             static_cast<int32_t>(vocab));
}

// The mean of the finite entries; NaN when there are none.
double finiteMean(const std::vector<double>& values) {
    double sum = 0;
    int64_t count = 0;
    for (double v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++count;
        }
    return count ? sum / static_cast<double>(count) : std::nan("");
}

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv, options({kModelOptions, kPolicyOptions, {"prompt", "n", "trace-out"}}),
                    options({kPolicyFlags, {"json", "quiet", "per-token"}}));
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
    // The prompt runs with every row of logits kept, then greedy generation
    // starts from its last row (the sequence of passes `generate` makes).
    ForwardOptions prefill = go.forward;
    prefill.allLogits = true;
    auto promptLogits = engine.forward(ids, prefill);
    if (!promptLogits.ok())
        return fail("run", promptLogits.error());
    const auto vocab = static_cast<size_t>((*model)->config().vocabSize);
    const std::vector<float> policyLogits(promptLogits->begin(), promptLogits->end());
    std::vector<int32_t> generated;
    if (*n > 0) {
        Sampler greedy(go.sampler);
        generated = {greedy.sample(std::span<const float>(policyLogits).last(vocab))};
        const Tokenizer& tok = (*model)->tokenizer();
        if (*n > 1 && generated.front() != tok.eos()) {
            go.maxNewTokens = static_cast<int32_t>(*n) - 1;
            auto result = generate(engine, generated, go);
            if (!result.ok())
                return fail("run", result.error());
            generated.insert(generated.end(), result->generated.begin(), result->generated.end());
        }
        // Feed the last token too so that every id has a traced row.
        const int32_t last[1] = {generated.back()};
        if (auto logits = engine.forward(last, go.forward); !logits.ok())
            return fail("run", logits.error());
    }
    auto divergence = compareWithFullPrecision(**policy, *eo, *model, ids, policyLogits);
    if (!divergence.ok())
        return fail("run", divergence.error());
    int64_t elapsedNs = 0;
    for (const PassTiming& p : trace.passes)
        elapsedNs += p.totalNs;
    const Tokenizer& tok = (*model)->tokenizer();
    const std::string text = tok.decode(generated);
    const double msPerToken =
        trace.tokenCount() ? static_cast<double>(elapsedNs) / 1e6 / trace.tokenCount() : 0.0;

    // Per traced token (prompt, then generated); NaN where nothing is
    // scored: the first token, which nothing predicts, and the generated
    // ones, as in the app's row.
    const auto traced = static_cast<size_t>(trace.tokenCount());
    const double none = std::nan("");
    std::vector<double> logP(traced, none);
    std::vector<double> logPFull(traced, none);
    std::vector<double> deltaLogP(traced, none);
    std::vector<double> klFromFull(traced, none);
    for (size_t r = 0; r < divergence->size() && r + 1 < traced; ++r) {
        const TokenDivergence& d = (*divergence)[r];
        logP[r + 1] = d.logP;
        logPFull[r + 1] = d.logPFull;
        deltaLogP[r + 1] = d.deltaLogP;
        klFromFull[r + 1] = d.klFromFull;
    }
    const double meanDelta = finiteMean(deltaLogP);
    const double meanKl = finiteMean(klFromFull);

    // Input awareness of the states this run chose, and the traced tokens
    // replayed with them and with the same per-layer counts assigned statically.
    std::optional<PolicyAwarenessReport> awareness;
    if (trace.tokenCount() >= 2) {
        auto report = analyseSequence(engine, trace.tokens, traceStateTable(trace));
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
        // Non-finite numbers are written as null.
        out.set("log_p", Json::array(logP));
        out.set("log_p_full", Json::array(logPFull));
        out.set("delta_log_p", Json::array(deltaLogP));
        out.set("kl_from_full", Json::array(klFromFull));
        out.set("scored_tokens", static_cast<int64_t>(divergence->size()));
        out.set("mean_delta_log_p", meanDelta);
        out.set("mean_kl_from_full", meanKl);
        if (awareness)
            out.set("input_awareness", awareness->toJson());
        printJson(out);
        return 0;
    }
    // A token's bytes with control characters blanked, for one table row.
    auto piece = [&](int32_t t) {
        std::string bytes = tok.tokenBytes(trace.tokens[static_cast<size_t>(t)]);
        for (char& ch : bytes)
            if (static_cast<unsigned char>(ch) < 32)
                ch = ' ';
        return bytes;
    };
    std::printf("policy %s, KV mode %s; states per layer (0 skip, 1 INT4, 2 INT8, 4 full):\n",
                (*policy)->name().c_str(), kvModeName(engine.kvMode()));
    for (int32_t t = 0; t < trace.tokenCount(); ++t) {
        std::string row;
        for (int32_t l = 0; l < trace.layers; ++l)
            row += static_cast<char>('0' + trace.states[trace.cell(t, l)]);
        std::printf("%5d %-14.14s %s%s\n", t, piece(t).c_str(), row.c_str(),
                    t == static_cast<int32_t>(ids.size()) ? "   <- generated from here" : "");
    }
    std::printf("nominal ratio %.3f, %.3f ms/token, policy overlap %.1f%%\n", trace.nominalRatio(),
                msPerToken, 100.0 * policyOverlap(trace.spans));
    if (divergence->empty())
        std::printf("against full precision: no prompt token to score (the first token has no "
                    "prediction)\n");
    else
        std::printf("against full precision, %zu prompt tokens scored: mean delta log p %+.4f "
                    "nats, mean KL(full || policy) %.4f nats\n",
                    divergence->size(), meanDelta, meanKl);
    if (args->flag("per-token") && !divergence->empty()) {
        // Token t's row: how well the logits at t - 1 predict it.
        std::printf("%5s %-14s %10s %10s %10s %10s\n", "token", "text", "log p", "log p full",
                    "delta", "KL");
        for (size_t t = 1; t < ids.size(); ++t) {
            const auto i = static_cast<int32_t>(t);
            std::printf("%5d %-14.14s %10.4f %10.4f %+10.4f %10.5f\n", i, piece(i).c_str(), logP[t],
                        logPFull[t], deltaLogP[t], klFromFull[t]);
        }
    }
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
    "       [--n GENERATE] [--trace-out TRACE.json] [ENGINE OPTIONS] [--quiet] [--json]\n"
    "       [--per-token]\n"
    "  Each prompt token t >= 1 is also scored against full precision (a second engine\n"
    "  without the policy; for --policy full every change is 0): log p of t under the\n"
    "  policy and at full precision, their difference, and KL(full || policy) of the\n"
    "  next-token distributions, in nats. The text output prints their means (and with\n"
    "  --per-token a row per token); --json prints them per traced token as log_p,\n"
    "  log_p_full, delta_log_p and kl_from_full (null for the first token and generated\n"
    "  tokens), with scored_tokens, mean_delta_log_p and mean_kl_from_full.",
    run};

} // namespace dash::cli
