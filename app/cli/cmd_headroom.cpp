// SPDX-License-Identifier: MIT
// dash-cli headroom: what an input-aware skip/full policy could gain over
// static skipping on a text (core/dash/oracle.h), beside the baselines and any
// DASH policies, all on the same evaluation windows.
#include "app/cli/cli_common.h"
#include "app/cli/cli_policy.h"
#include "app/cli/commands.h"
#include "core/dash/baselines.h"
#include "core/dash/dash_policy.h"
#include "core/dash/input_awareness.h"
#include "core/dash/oracle.h"
#include "core/dash/policy_file.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>

namespace dash::cli {

namespace {

Expected<std::vector<double>> parseRatios(const std::string& text) {
    std::vector<double> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        char* stop = nullptr;
        const double v = std::strtod(item.c_str(), &stop);
        if (item.empty() || stop != item.c_str() + item.size() || !(v >= 1.0))
            return invalidError("--ratios takes numbers >= 1 separated by commas, got '" + text +
                                "'");
        out.push_back(v);
        start = end + 1;
    }
    return out;
}

struct Row {
    Row(std::string name, double target, EvaluationResult r)
        : method(std::move(name)), ratio(target), result(r) {}
    std::string method;
    double ratio = 0;
    EvaluationResult result;
    double estimate = NAN; // oracle: isolated estimate of the perplexity
    std::optional<PolicyAwarenessReport> awareness;
    std::string group; // DASH: policies with the same group are seeds of one setting
};

Json rowJson(const Row& r) {
    Json j = Json::object();
    j.set("method", r.method);
    j.set("target", r.ratio);
    j.set("nominal_ratio", r.result.nominalRatio);
    j.set("ppl", r.result.pplAll);
    j.set("ppl_second_half", r.result.pplSecondHalf);
    if (std::isfinite(r.estimate))
        j.set("isolated_estimate_ppl", r.estimate);
    if (!r.group.empty())
        j.set("group", r.group);
    if (r.awareness)
        j.set("input_awareness", r.awareness->toJson());
    return j;
}

// "dash-skip/reinforce" and so on: what distinguishes the policies of a table
// apart from their seed.
std::string groupOf(const DashPolicy& p) {
    const Json& t = p.training();
    std::string trainer = t["trainer"].isString() ? t["trainer"].asString() : "reinforce";
    if (t["label"].isString() && !t["label"].asString().empty())
        trainer = t["label"].asString();
    return p.variantName() + "/" + trainer;
}

void printRow(const Row& r) {
    std::printf("  %-34s %7.3fx %9.3f %9.3f", r.method.c_str(), r.result.nominalRatio,
                r.result.pplAll, r.result.pplSecondHalf);
    if (std::isfinite(r.estimate))
        std::printf("   (isolated estimate %.3f)", r.estimate);
    if (r.awareness) {
        const InputAwareness& a = r.awareness->awareness;
        std::printf("   aware %.3f  MI(tok) %+.4f  MI(pos) %+.4f  reassigned %.3f",
                    a.majorityDeviation, a.miTokenExcess, a.miPositionExcess,
                    r.awareness->reassigned.pplAll);
    }
    std::printf("\n");
}

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv,
                    options({kModelOptions,
                             {"calibration", "file", "tune-file", "ratios", "windows", "max-tokens",
                              "context", "loss", "max-skips", "search", "static-windows", "dash",
                              "kv-mode", "alpha", "oracle-cache"}}),
                    {"json", "quiet", "no-oracle"});
    if (!args.ok())
        return fail("headroom", args.error());
    auto calibrationPath = args->required("calibration");
    auto file = args->required("file");
    auto tuneFile = args->required("tune-file");
    auto ratios = parseRatios(args->get("ratios", "1.33,1.67,2.0"));
    constexpr long long kMaxCount = std::numeric_limits<int32_t>::max();
    auto windows = args->getInt("windows", 32, 1, kMaxCount);
    auto maxTokens = args->getInt("max-tokens", 0, 0, kMaxCount);
    auto contextArg = args->getInt("context", 0, 0, kMaxCount);
    auto maxSkips = args->getInt("max-skips", -1, -1, kMaxCount);
    auto staticWindows = args->getInt("static-windows", 16, 1, kMaxCount);
    auto kv = parseKvMode(args->get("kv-mode", "project"));
    auto eo = engineOptions(*args);
    if (auto err = firstError(calibrationPath, file, tuneFile, ratios, windows, maxTokens,
                              contextArg, maxSkips, staticWindows, kv, eo))
        return fail("headroom", *err);
    const std::string lossText = args->get("loss", "both");
    std::vector<OracleLoss> losses;
    if (lossText == "both")
        losses = {OracleLoss::Nll, OracleLoss::Kl};
    else if (auto l = parseOracleLoss(lossText); l.ok())
        losses = {*l};
    else
        return fail("headroom", "--loss takes nll, kl or both, got '" + lossText + "'");
    if (args->flag("no-oracle"))
        losses.clear();
    const std::string searchText = args->get("search", "greedy");
    if (searchText != "greedy" && searchText != "exhaustive")
        return fail("headroom", "--search takes greedy or exhaustive, got '" + searchText + "'");

    auto calibration = loadCalibration(*calibrationPath);
    if (!calibration.ok())
        return fail("headroom", calibration.error());
    if (auto alpha = args->get("alpha")) {
        auto method = parseAlphaMethod(*alpha);
        if (!method.ok())
            return fail("headroom", method.error().withContext("--alpha"));
        calibration->method = *method;
    }
    auto text = readTextFile(*file);
    if (!text.ok())
        return fail("headroom", text.error());
    auto tuneText = readTextFile(*tuneFile);
    if (!tuneText.ok())
        return fail("headroom", tuneText.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("headroom", model.error());
    const ModelConfig& c = (*model)->config();
    if (auto st = calibration->checkShape(c.layers, c.dim); !st.ok())
        return fail("headroom", st.error().withContext(*calibrationPath));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("headroom", made.error());
    Engine& engine = **made;
    engine.setKvMode(*kv);
    const bool quiet = args->flag("quiet");
    const std::vector<int32_t> ids = encodeCorpus(**model, *text);
    const std::vector<int32_t> heldOut = encodeCorpus(**model, *tuneText);
    const int64_t context = *contextArg > 0 ? *contextArg : c.contextLength;

    EvaluationOptions evalOptions;
    evalOptions.context = context;
    evalOptions.maxTokens = *maxTokens;
    evalOptions.maxWindows = *windows;
    evalOptions.spreadWindows = true;
    const std::vector<int64_t> starts =
        evaluationWindows(static_cast<int64_t>(ids.size()), evalOptions, context);
    if (starts.empty())
        return fail("headroom",
                    "the text holds no window of " + std::to_string(context) + " tokens");
    auto progress = [&](const char* what) {
        return [what, quiet, context](int64_t done, int64_t total) {
            // Once per window: the oracle reports every token.
            if (!quiet && (done % context == 0 || done == total))
                std::fprintf(stderr, "\r%s %lld/%lld   ", what, static_cast<long long>(done),
                             static_cast<long long>(total));
        };
    };
    auto failWith = [&](const Error& e) { return fail("headroom", e); };

    // Best static sets on held-out text, without and with the compensation.
    const Compensation alpha = calibration->compensation();
    StaticSearchOptions so;
    so.windows.context = context;
    so.windows.maxWindows = *staticWindows;
    so.windows.spreadWindows = true;
    std::vector<std::pair<std::string, StaticSearchResult>> searches;
    for (bool compensated : {false, true}) {
        if (compensated && alpha.alpha.empty())
            continue;
        if (auto st = engine.setCompensation(compensated ? alpha : Compensation{}); !st.ok())
            return failWith(st.error());
        if (!quiet)
            std::fprintf(stderr, "searching the best static set (%s)...\n",
                         compensated ? alphaMethodName(calibration->method) : "no alpha");
        so.onStep = [&](int32_t k, int32_t layer, double nll) {
            if (!quiet)
                std::fprintf(stderr, "  %2d skipped: layer %2d, held-out NLL %.4f\n", k, layer,
                             nll);
        };
        auto found = searchStaticOrder(engine, heldOut, so);
        if (!found.ok())
            return failWith(found.error());
        searches.push_back({compensated ? "best-static+alpha" : "best-static", *found});
    }

    // Oracle curves with the configured compensation.
    std::vector<OracleCurves> curves;
    for (OracleLoss loss : losses) {
        if (auto st = engine.setCompensation(alpha); !st.ok())
            return failWith(st.error());
        // A cache file holds curves of this model, text, loss, alpha and windows.
        const std::string cachePath =
            args->has("oracle-cache") ? args->get("oracle-cache", "") + "." + oracleLossName(loss) +
                                            "." + alphaMethodName(calibration->method) + ".json"
                                      : "";
        const std::string textSha = sha256Hex(*text);
        if (!cachePath.empty()) {
            // Present (as anything: readJsonFile refuses what is not a
            // regular file, without opening a FIFO): read; absent: compute.
            std::error_code ec;
            if (std::filesystem::exists(std::filesystem::symlink_status(cachePath, ec))) {
                auto json = readJsonFile(cachePath);
                if (!json.ok())
                    return failWith(json.error());
                auto loaded = oracleCurvesFromJson(*json, c.layers, (*model)->sha256(), textSha);
                if (!loaded.ok())
                    return failWith(loaded.error().withContext(cachePath));
                if (loaded->windowStarts != starts || loaded->context != context)
                    return fail("headroom", cachePath + ": cached curves are for other windows");
                if (!quiet)
                    std::fprintf(stderr, "oracle (%s): curves read from %s\n", oracleLossName(loss),
                                 cachePath.c_str());
                curves.push_back(std::move(loaded).value());
                continue;
            }
        }
        OracleOptions oo;
        oo.windows = evalOptions;
        oo.loss = loss;
        oo.maxSkips = static_cast<int32_t>(*maxSkips);
        oo.search = searchText == "exhaustive" ? OracleSearch::Exhaustive : OracleSearch::Greedy;
        oo.onProgress =
            progress(loss == OracleLoss::Nll ? "oracle (nll): token" : "oracle (kl): token");
        auto made = computeOracleCurves(engine, ids, oo);
        if (!quiet)
            std::fputc('\n', stderr);
        if (!made.ok())
            return failWith(made.error());
        if (!cachePath.empty())
            if (auto st =
                    saveJsonFile(cachePath, oracleCurvesToJson(*made, (*model)->sha256(), textSha));
                !st.ok())
                return failWith(st.error());
        curves.push_back(std::move(made).value());
    }

    std::vector<std::unique_ptr<DashPolicy>> dashPolicies;
    for (const std::string& path : args->getAll("dash")) {
        auto p = loadPolicyFile(path, **model);
        if (!p.ok())
            return failWith(p.error());
        if ((*p)->kind() != PolicyKind::Dash)
            return fail("headroom", "--dash " + path + " is not a DASH policy");
        dashPolicies.emplace_back(static_cast<DashPolicy*>(p->release()));
    }

    std::vector<Row> rows;
    auto evaluate = [&](Policy& policy, double ratio, bool tune) -> Expected<EvaluationResult> {
        if (tune) {
            TuneOptions to;
            to.target = ratio;
            to.context = context;
            DASH_TRY(tuneToRatio(policy, engine, heldOut, to));
        }
        return evaluatePolicy(policy, engine, ids, evalOptions);
    };
    {
        FullPrecisionPolicy full;
        auto r = evaluate(full, 1.0, false);
        if (!r.ok())
            return failWith(r.error());
        rows.push_back({"full", 1.0, *r});
    }
    for (double ratio : *ratios) {
        if (!quiet)
            std::fprintf(stderr, "ratio %.3g...\n", ratio);
        StaticSimilarityPolicy similarity(c.layers, calibration->meanCos);
        auto r = evaluate(similarity, ratio, true);
        if (!r.ok())
            return failWith(r.error());
        rows.push_back({"static (similarity, no alpha)", ratio, *r});
        AdaSkipPolicy adaskip(c.layers);
        r = evaluate(adaskip, ratio, true);
        if (!r.ok())
            return failWith(r.error());
        rows.push_back({"adaskip", ratio, *r});
        for (const auto& [name, found] : searches) {
            OrderedSkipPolicy best(c.layers, found.order,
                                   name == "best-static" ? Compensation{} : alpha);
            r = evaluate(best, ratio, true);
            if (!r.ok())
                return failWith(r.error());
            rows.push_back({name, ratio, *r});
        }
        for (const OracleCurves& cv : curves) {
            if (auto st = engine.setCompensation(alpha); !st.ok())
                return failWith(st.error());
            for (OracleBudget budget : {OracleBudget::PerToken, OracleBudget::Shared}) {
                const OracleAssignment a = assignOracle(cv, ratio, budget);
                auto joint = evaluateStateTable(engine, ids, cv.windowStarts, context, a.states);
                if (!joint.ok())
                    return failWith(joint.error());
                Row row{std::string("oracle-") + oracleLossName(cv.loss) + " " +
                            oracleBudgetName(budget),
                        ratio, *joint};
                if (cv.loss == OracleLoss::Nll) {
                    // exp(mean full NLL + mean curve loss): the curves were
                    // measured against the full model on these windows.
                    const EvaluationResult& full = rows.front().result;
                    row.estimate = std::exp(std::log(full.pplAll) + a.estimatedLoss);
                }
                rows.push_back(row);
            }
        }
        for (auto& p : dashPolicies) {
            const double trained = p->training()["target_ratio"].isNumber()
                                       ? p->training()["target_ratio"].asNumber()
                                       : 0.0;
            if (trained > 0 && std::fabs(trained / ratio - 1.0) > 0.01)
                continue;
            TuneOptions to;
            to.target = ratio;
            to.context = context;
            if (auto tuned = tuneToRatio(*p, engine, heldOut, to); !tuned.ok())
                return failWith(tuned.error());
            auto report = analysePolicy(*p, engine, ids, evalOptions);
            if (!report.ok())
                return failWith(report.error());
            Row row{p->variantName() + " seed " + std::to_string(p->training()["seed"].asInt()),
                    ratio, report->policy};
            row.awareness = *report;
            row.group = groupOf(*p);
            rows.push_back(std::move(row));
        }
    }

    // DASH seeds of one setting: mean and spread.
    struct Summary {
        double ratio;
        std::string group;
        std::vector<double> ppl, aware, reassigned, ratioReached;
    };
    std::vector<Summary> summaries;
    for (const Row& r : rows) {
        if (r.group.empty())
            continue;
        auto it = std::find_if(summaries.begin(), summaries.end(), [&](const Summary& s) {
            return s.group == r.group && s.ratio == r.ratio;
        });
        if (it == summaries.end()) {
            summaries.push_back({r.ratio, r.group, {}, {}, {}, {}});
            it = summaries.end() - 1;
        }
        it->ppl.push_back(r.result.pplAll);
        it->aware.push_back(r.awareness->awareness.majorityDeviation);
        it->reassigned.push_back(r.awareness->reassigned.pplAll);
        it->ratioReached.push_back(r.result.nominalRatio);
    }
    auto meanSd = [](const std::vector<double>& v) {
        double m = 0, s = 0;
        for (double x : v)
            m += x;
        m /= static_cast<double>(v.size());
        for (double x : v)
            s += (x - m) * (x - m);
        s = v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0;
        return std::pair<double, double>{m, s};
    };

    if (args->flag("json")) {
        Json j = Json::object();
        j.set("windows", static_cast<int64_t>(starts.size()));
        j.set("context", context);
        j.set("scored_tokens", rows.front().result.scoredAll);
        j.set("alpha_method", alphaMethodName(calibration->method));
        j.set("kv_mode", kvModeName(engine.kvMode()));
        Json s(Json::Array{});
        for (const auto& [name, found] : searches) {
            Json o = Json::object();
            o.set("name", name);
            o.set("order", Json::array(found.order));
            o.set("held_out_nll", Json::array(found.nll));
            s.push(std::move(o));
        }
        j.set("static_searches", std::move(s));
        Json list(Json::Array{});
        for (const Row& r : rows)
            list.push(rowJson(r));
        j.set("rows", std::move(list));
        Json sums(Json::Array{});
        for (const Summary& s : summaries) {
            Json o = Json::object();
            o.set("group", s.group);
            o.set("target", s.ratio);
            o.set("seeds", static_cast<int64_t>(s.ppl.size()));
            o.set("ppl_mean", meanSd(s.ppl).first);
            o.set("ppl_sd", meanSd(s.ppl).second);
            o.set("majority_deviation_mean", meanSd(s.aware).first);
            o.set("reassigned_ppl_mean", meanSd(s.reassigned).first);
            o.set("reassigned_ppl_sd", meanSd(s.reassigned).second);
            sums.push(std::move(o));
        }
        j.set("summaries", std::move(sums));
        printJson(j);
        return 0;
    }
    std::printf("%zu windows of %lld tokens (%lld scored) spread over %s; alpha %s, KV mode %s\n",
                starts.size(), static_cast<long long>(context),
                static_cast<long long>(rows.front().result.scoredAll), file->c_str(),
                alphaMethodName(calibration->method), kvModeName(engine.kvMode()));
    for (const auto& [name, found] : searches) {
        std::printf("%s order (held-out):", name.c_str());
        for (size_t i = 0; i < found.order.size(); ++i)
            std::printf(" %d", found.order[i]);
        std::printf("\n");
    }
    std::printf("  %-34s %8s %9s %9s\n", "method", "ratio", "ppl", "ppl-2nd");
    double lastRatio = -1;
    for (const Row& r : rows) {
        if (r.ratio != lastRatio) {
            std::printf("target %.2fx\n", r.ratio);
            lastRatio = r.ratio;
        }
        printRow(r);
    }
    if (!summaries.empty()) {
        std::printf("DASH seeds (mean ± sd):\n");
        for (const Summary& s : summaries) {
            const auto [pm, ps] = meanSd(s.ppl);
            const auto [rm, rs] = meanSd(s.reassigned);
            const auto [am, as] = meanSd(s.aware);
            const auto [qm, qs] = meanSd(s.ratioReached);
            std::printf("  %.2fx %-28s n=%zu  ratio %.3f  ppl %.3f ± %.3f  reassigned %.3f ± %.3f  "
                        "aware %.3f ± %.3f\n",
                        s.ratio, s.group.c_str(), s.ppl.size(), qm, pm, ps, rm, rs, am, as);
            (void)qs;
        }
    }
    return 0;
}

} // namespace

const Command kHeadroomCommand = {
    "headroom",
    "the oracle's headroom over static skipping, beside the baselines and DASH policies",
    "--model FILE.gguf --calibration C.json --file EVAL_TEXT --tune-file HELD_OUT_TEXT\n"
    "       [--ratios 1.33,1.67,2.0] [--windows 32] [--max-tokens N] [--context N]\n"
    "       [--loss nll|kl|both] [--no-oracle] [--search greedy|exhaustive] [--max-skips N]\n"
    "       [--static-windows 16] [--alpha none|norm-ratio|least-squares|per-channel]\n"
    "       [--dash P.policy]... [--oracle-cache PREFIX] [--kv-mode project|mask]\n"
    "       [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  Every row is evaluated on the same --windows windows spread over EVAL_TEXT. Knobs,\n"
    "  cost biases and the best static sets come from HELD_OUT_TEXT. The oracle uses the\n"
    "  calibration's alpha (or --alpha); 'isolated estimate' sums its per-token losses as\n"
    "  measured with the rest of the window at full precision. DASH policies trained for a\n"
    "  ratio are evaluated at that ratio only, with input awareness (majority deviation,\n"
    "  excess mutual information with token id and position, in bits) and the perplexity of\n"
    "  their statically reassigned states. --oracle-cache keeps the oracle's curves in\n"
    "  PREFIX.<loss>.<alpha>.json and reuses them when model, text and windows match.",
    run};

} // namespace dash::cli
