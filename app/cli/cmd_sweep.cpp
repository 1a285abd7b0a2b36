// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/cli_policy.h"
#include "app/cli/commands.h"
#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace dash::cli {

namespace {

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

struct Row {
    std::string method;
    double target = 1.0;
    double nominal = 1.0;
    double speedup = 1.0;
    double pplAll = 0;
    double pplSecondHalf = 0;
};

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv,
                            options({kModelOptions,
                                     {"file", "tune-file", "methods", "dash", "calibration",
                                      "ratios", "max-tokens", "speed-repeats", "kv-mode"}}),
                            {"json", "quiet"});
    if (!args.ok())
        return fail("sweep", args.error());
    auto file = args->required("file");
    auto maxTokens = args->getInt("max-tokens", 40000);
    auto repeats = args->getInt("speed-repeats", 7);
    auto kv = parseKvMode(args->get("kv-mode", "project"));
    auto eo = engineOptions(*args);
    if (auto err = firstError(file, maxTokens, repeats, kv, eo))
        return fail("sweep", *err);
    std::vector<double> ratios;
    for (const std::string& r : splitList(args->get("ratios", "1.33,1.67,2.0"))) {
        char* end = nullptr;
        const double v = std::strtod(r.c_str(), &end);
        if (*end != '\0' || !(v >= 1.0))
            return fail("sweep", "--ratios must be numbers >= 1, got '" + r + "'");
        ratios.push_back(v);
    }
    std::vector<PolicyKind> methods;
    for (const std::string& m :
         splitList(args->get("methods", "dash,early-exit,skipdecode,adaskip,random,static"))) {
        auto kind = parsePolicyKind(m);
        if (!kind.ok())
            return fail("sweep", kind.error());
        if (*kind != PolicyKind::Full)
            methods.push_back(*kind);
    }
    const bool quiet = args->flag("quiet");
    auto text = readTextFile(*file);
    if (!text.ok())
        return fail("sweep", text.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("sweep", model.error());
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("sweep", made.error());
    Engine& engine = **made;
    engine.setKvMode(*kv);
    const std::vector<int32_t> testIds = encodePrompt(**model, *text);
    std::vector<int32_t> heldOut;
    if (auto tuneFile = args->get("tune-file")) {
        auto tuneText = readTextFile(*tuneFile);
        if (!tuneText.ok())
            return fail("sweep", tuneText.error());
        heldOut = encodePrompt(**model, *tuneText);
    }
    std::optional<Calibration> calibration;
    if (auto path = args->get("calibration")) {
        auto c = loadCalibration(*path);
        if (!c.ok())
            return fail("sweep", c.error());
        calibration = std::move(c).value();
    }
    // DASH policies: each file was trained for one ratio and one set of
    // allowed states (its variant: dash, dash-skip, ...); each variant gets a
    // row per ratio from its file whose training target is nearest.
    struct DashFile {
        std::string variant;
        double target;
        std::string path;
    };
    std::vector<DashFile> dashFiles;
    std::vector<std::string> variants;
    for (const std::string& path : args->getAll("dash")) {
        auto p = loadPolicyFile(path, **model);
        if (!p.ok())
            return fail("sweep", p.error());
        if ((*p)->kind() != PolicyKind::Dash)
            return fail("sweep", "'" + path + "' is not a DASH policy");
        const auto& dash = static_cast<DashPolicy&>(**p);
        const Json& training = dash.training();
        dashFiles.push_back(
            {dash.variantName(),
             training["target_ratio"].isNumber() ? training["target_ratio"].asNumber() : 2.0,
             path});
        if (std::find(variants.begin(), variants.end(), dash.variantName()) == variants.end())
            variants.push_back(dash.variantName());
    }

    EvaluationOptions evaluation;
    evaluation.maxTokens = *maxTokens;
    SpeedOptions speed;
    speed.repeats = static_cast<int>(*repeats);
    const int64_t context = (*model)->config().contextLength;
    speed.promptTokens = std::max<int64_t>(1, context / 4);
    speed.decodeTokens = std::min<int64_t>(64, context - speed.promptTokens);
    auto log = [&](const std::string& line) {
        if (!quiet)
            std::fprintf(stderr, "%s\n", line.c_str());
    };

    std::vector<Row> rows;
    auto evaluateRow = [&](Policy& policy, const std::string& name, double target) -> Status {
        char buf[160];
        std::snprintf(buf, sizeof buf, "sweep: %s at %.2fx: evaluating", name.c_str(), target);
        log(buf);
        DASH_ASSIGN_OR_RETURN(EvaluationResult e,
                              evaluatePolicy(policy, engine, testIds, evaluation));
        DASH_ASSIGN_OR_RETURN(SpeedResult s, measureDecodeSpeedup(policy, engine, testIds, speed));
        rows.push_back({name, target, e.nominalRatio, s.speedup, e.pplAll, e.pplSecondHalf});
        return {};
    };
    auto tuneAndEvaluate = [&](Policy& policy, const std::string& name, double ratio) -> Status {
        DASH_TRY(tunePolicy(policy, engine, ratio, heldOut.empty() ? nullptr : &heldOut, quiet));
        return evaluateRow(policy, name, ratio);
    };

    FullPrecisionPolicy full;
    if (auto st = evaluateRow(full, full.name(), 1.0); !st.ok())
        return fail("sweep", st.error());
    for (double ratio : ratios) {
        for (PolicyKind kind : methods) {
            if (kind != PolicyKind::Dash) {
                auto p = makeBaseline(kind, **model, calibration ? &*calibration : nullptr);
                if (!p.ok())
                    return fail("sweep", p.error());
                if (auto st = tuneAndEvaluate(**p, (*p)->name(), ratio); !st.ok())
                    return fail("sweep", st.error());
                continue;
            }
            if (dashFiles.empty()) {
                log("sweep: no --dash policy file given; DASH rows skipped");
                continue;
            }
            for (const std::string& variant : variants) {
                const DashFile* nearest = nullptr;
                for (const DashFile& f : dashFiles)
                    if (f.variant == variant &&
                        (!nearest ||
                         std::fabs(f.target - ratio) < std::fabs(nearest->target - ratio)))
                        nearest = &f;
                auto p = loadPolicyFile(nearest->path, **model);
                if (!p.ok())
                    return fail("sweep", p.error());
                if (auto st = tuneAndEvaluate(**p, variant, ratio); !st.ok())
                    return fail("sweep", st.error());
            }
        }
    }

    if (args->flag("json")) {
        Json out(Json::Array{});
        for (const Row& r : rows) {
            Json j = Json::object();
            j.set("method", r.method);
            j.set("target_ratio", r.target);
            j.set("nominal_ratio", r.nominal);
            j.set("measured_speedup", r.speedup);
            j.set("ppl_all", r.pplAll);
            j.set("ppl_second_half", r.pplSecondHalf);
            out.push(std::move(j));
        }
        printJson(out);
        return 0;
    }
    std::printf("%-16s %7s %8s %9s %10s %12s\n", "method", "target", "nominal", "speedup",
                "ppl(all)", "ppl(2nd half)");
    for (const Row& r : rows)
        std::printf("%-16s %6.2fx %7.3fx %8.2fx %10.3f %12.3f\n", r.method.c_str(), r.target,
                    r.nominal, r.speedup, r.pplAll, r.pplSecondHalf);
    return 0;
}

} // namespace

const Command kSweepCommand = {
    "sweep", "evaluate DASH and the baselines at several ratios: ratio, speedup, perplexity",
    "--model FILE.gguf --file TEST_TEXT --tune-file HELD_OUT_TEXT [--dash P.policy ...]\n"
    "       [--calibration C.json] [--methods dash,early-exit,skipdecode,adaskip,random,static]\n"
    "       [--ratios 1.33,1.67,2.0] [--max-tokens 40000] [--speed-repeats 7]\n"
    "       [--kv-mode project|mask] [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  Knobs are tuned on the held-out text, never on the test text. The measured\n"
    "  speedup is decode tokens/s against full precision in the same run.",
    run};

} // namespace dash::cli
