// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/dash/calibration.h"
#include "core/dash/oracle.h"
#include "core/dash/policy_file.h"
#include "core/dash/training.h"
#include "core/util/json_numbers.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace dash::cli {

namespace {

CancelToken g_cancel;

extern "C" void onInterrupt(int) {
    g_cancel.cancel();
}

// --state-costs: "nominal", "measured" (nullopt: measure), or four numbers.
Expected<std::optional<StateCosts>> parseStateCosts(const std::string& text) {
    if (text == "nominal")
        return std::optional<StateCosts>(kNominalStateCosts);
    if (text == "measured")
        return std::optional<StateCosts>();
    StateCosts costs{};
    size_t start = 0;
    for (int k = 0; k < kStateCount; ++k) {
        const size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        char* stop = nullptr;
        const double v = std::strtod(item.c_str(), &stop);
        if (item.empty() || stop != item.c_str() + item.size() || !fitsFloat(v) ||
            (k < 3 && end == text.size()) || (k == 3 && end != text.size()))
            return invalidError("--state-costs takes 'nominal', 'measured' or four numbers "
                                "(skip,int4,int8,full), got '" +
                                text + "'");
        costs[static_cast<size_t>(k)] = static_cast<float>(v);
        start = end + 1;
    }
    DASH_TRY(checkStateCosts(costs));
    return std::optional<StateCosts>(costs);
}

// "A" or "A,B": a pair of numbers (B = A when one is given).
Expected<std::pair<double, double>> parsePair(const std::string& option, const std::string& text) {
    const size_t comma = text.find(',');
    const std::string first = text.substr(0, comma);
    const std::string second = comma == std::string::npos ? first : text.substr(comma + 1);
    char* stop1 = nullptr;
    char* stop2 = nullptr;
    const double a = std::strtod(first.c_str(), &stop1);
    const double b = std::strtod(second.c_str(), &stop2);
    if (first.empty() || second.empty() || stop1 != first.c_str() + first.size() ||
        stop2 != second.c_str() + second.size() || !std::isfinite(a) || !std::isfinite(b))
        return invalidError("--" + option + " takes a number or START,END, got '" + text + "'");
    return std::pair<double, double>{a, b};
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv,
                            options({kModelOptions,
                                     {"calibration",
                                      "file",
                                      "out",
                                      "target-ratio",
                                      "steps",
                                      "window",
                                      "seed",
                                      "lr",
                                      "checkpoint",
                                      "hidden",
                                      "embed",
                                      "lambda",
                                      "group",
                                      "held-out",
                                      "states",
                                      "state-costs",
                                      "imitation-steps",
                                      "trainer",
                                      "baseline",
                                      "reward",
                                      "entropy",
                                      "imitation-target",
                                      "oracle-loss",
                                      "oracle-budget",
                                      "oracle-windows",
                                      "oracle-curves",
                                      "static-windows",
                                      "forecast-windows",
                                      "forecast-ridge",
                                      "gumbel",
                                      "tau",
                                      "label"}}),
                            {"json", "quiet", "sync"});
    if (!args.ok())
        return fail("train-policy", args.error());
    auto calibrationPath = args->required("calibration");
    auto file = args->required("file");
    auto out = args->required("out");
    // Ranges: what the scorer file format accepts (hidden, embed), what the
    // quantiser takes (group), and bounds past which training cannot be
    // meant (a step count that would run for years).
    constexpr long long kMaxSteps = 100000000;
    auto target = args->getDouble("target-ratio", 2.0, 1.0, 1000.0);
    auto steps = args->getInt("steps", 300, 1, kMaxSteps);
    auto window = args->getInt("window", 64, 2, std::numeric_limits<int32_t>::max());
    auto seed = args->getInt("seed", 1);
    auto lr = args->getDouble("lr", 3e-3, 0.0, 10.0);
    auto hidden = args->getInt("hidden", 64, 1, 65536);
    auto embed = args->getInt("embed", 8, 1, 1024);
    auto lambda = args->getDouble("lambda", 0.05, 0.0, 1e6);
    auto group = args->getInt("group", 32, 32, 4096);
    auto heldOut = args->getDouble("held-out", 0.1, 0.01, 0.9);
    auto imitationSteps = args->getInt("imitation-steps", 0, 0, kMaxSteps);
    auto stateCosts = parseStateCosts(args->get("state-costs", "nominal"));
    auto trainer = parseTrainerKind(args->get("trainer", "reinforce"));
    auto baseline = parseBaselineKind(args->get("baseline", "layer"));
    auto reward = parseRewardKind(args->get("reward", "paper"));
    auto entropy = parsePair("entropy", args->get("entropy", "0"));
    auto imitationTarget = parseImitationTarget(args->get("imitation-target", "static"));
    auto oracleLoss = parseOracleLoss(args->get("oracle-loss", "kl"));
    auto oracleWindows = args->getInt("oracle-windows", 256, 1, 1 << 20);
    auto staticWindows = args->getInt("static-windows", 8, 1, 1 << 20);
    auto forecastWindows = args->getInt("forecast-windows", 64, 1, 1 << 20);
    auto forecastRidge = args->getDouble("forecast-ridge", 1e-3, 0.0, 1e6);
    auto gumbel = parsePair("gumbel", args->get("gumbel", "1,0.2"));
    auto tau = parsePair("tau", args->get("tau", "1,0.1"));
    const std::string budgetText = args->get("oracle-budget", "per-token");
    if (budgetText != "shared" && budgetText != "per-token")
        return fail("train-policy",
                    "--oracle-budget takes shared or per-token, got '" + budgetText + "'");
    auto eo = engineOptions(*args);
    auto stateSet = parseStateSet(args->get("states", "skip,int4,int8,full"));
    if (!stateSet.ok())
        return fail("train-policy", stateSet.error().withContext("--states"));
    const bool skip = (*stateSet)[0], int4 = (*stateSet)[1], int8 = (*stateSet)[2],
               full = (*stateSet)[3];
    if (!skip || !full)
        return fail("train-policy", "--states must include skip and full");
    if (auto err = firstError(calibrationPath, file, out, target, steps, window, seed, lr, hidden,
                              embed, lambda, group, heldOut, imitationSteps, stateCosts, eo))
        return fail("train-policy", *err);
    if (*group % 32 != 0)
        return fail("train-policy",
                    "--group must be a multiple of 32, got " + std::to_string(*group));
    if (*imitationSteps > *steps)
        return fail("train-policy", "--imitation-steps must not exceed --steps");
    // Bad output paths are reported now, not after the training.
    if (auto st = checkOutputTarget(*out); !st.ok())
        return fail("train-policy", st.error());
    if (auto checkpoint = args->get("checkpoint")) {
        if (auto st = checkOutputTarget(*checkpoint); !st.ok())
            return fail("train-policy", st.error().withContext("--checkpoint"));
    }
    if (auto err =
            firstError(trainer, baseline, reward, entropy, imitationTarget, oracleLoss,
                       oracleWindows, staticWindows, forecastWindows, forecastRidge, gumbel, tau))
        return fail("train-policy", *err);
    if (entropy->first < 0 || entropy->second < 0)
        return fail("train-policy", "--entropy must be >= 0");
    if (!(gumbel->first > 0 && gumbel->second > 0) || !(tau->first > 0 && tau->second > 0))
        return fail("train-policy", "--gumbel and --tau take temperatures > 0");
    auto calibration = loadCalibration(*calibrationPath);
    if (!calibration.ok())
        return fail("train-policy", calibration.error());
    auto text = readTextFile(*file);
    if (!text.ok())
        return fail("train-policy", text.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("train-policy", model.error());
    if (!calibration->modelSha256.empty() && calibration->modelSha256 != (*model)->sha256())
        return fail("train-policy",
                    "calibration '" + *calibrationPath + "' was made for another model");
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("train-policy", made.error());
    Engine& engine = **made;
    const std::vector<int32_t> ids = encodeCorpus(**model, *text);

    TrainOptions to;
    to.targetRatio = *target;
    to.steps = *steps;
    to.window = *window;
    to.seed = static_cast<uint64_t>(*seed);
    to.learningRate = static_cast<float>(*lr);
    to.hidden = static_cast<int32_t>(*hidden);
    to.embed = static_cast<int32_t>(*embed);
    to.lambda = static_cast<float>(*lambda);
    to.quantGroup = static_cast<int32_t>(*group);
    to.allowInt4 = int4;
    to.allowInt8 = int8;
    to.heldOutFraction = *heldOut;
    to.imitationSteps = *imitationSteps;
    to.trainer = *trainer;
    to.baseline = *baseline;
    to.reward = *reward;
    to.entropyStart = static_cast<float>(entropy->first);
    to.entropyEnd = static_cast<float>(entropy->second);
    to.imitationTarget = *imitationTarget;
    to.oracleLoss = *oracleLoss;
    to.oracleBudget = budgetText == "shared" ? OracleBudget::Shared : OracleBudget::PerToken;
    to.oracleWindows = *oracleWindows;
    to.staticWindows = *staticWindows;
    to.forecastWindows = *forecastWindows;
    to.forecastRidge = *forecastRidge;
    to.gumbelStart = static_cast<float>(gumbel->first);
    to.gumbelEnd = static_cast<float>(gumbel->second);
    to.temperatureStart = static_cast<float>(tau->first);
    to.temperatureEnd = static_cast<float>(tau->second);
    to.label = args->get("label", "");
    const bool quiet = args->flag("quiet");
    // Oracle labels: curves read from --oracle-curves when it names curves of
    // this model, text and window, else computed (and written there).
    std::optional<OracleCurves> curves;
    if (to.imitationTarget == ImitationTarget::Oracle && to.imitationSteps > 0) {
        const std::string curvesPath = args->get("oracle-curves", "");
        const std::string textSha = sha256Hex(*text);
        const std::vector<int64_t> windows =
            trainingOracleWindows(static_cast<int64_t>(ids.size()), to);
        if (!curvesPath.empty()) {
            if (std::FILE* probe = std::fopen(curvesPath.c_str(), "rb")) {
                std::fclose(probe);
                auto json = readJsonFile(curvesPath);
                if (!json.ok())
                    return fail("train-policy", json.error());
                auto loaded = oracleCurvesFromJson(*json, (*model)->config().layers,
                                                   (*model)->sha256(), textSha);
                if (!loaded.ok())
                    return fail("train-policy", loaded.error().withContext(curvesPath));
                if (loaded->context != to.window || loaded->loss != to.oracleLoss ||
                    loaded->windowStarts != windows)
                    return fail("train-policy",
                                curvesPath + ": the curves were made with another window, loss, "
                                             "number of windows or held-out fraction");
                curves = std::move(loaded).value();
            }
        }
        if (!curves) {
            if (!quiet)
                std::fprintf(stderr, "labelling %lld training windows with the oracle (%s)...\n",
                             static_cast<long long>(windows.size()), oracleLossName(to.oracleLoss));
            auto made = trainingOracleCurves(
                engine, *calibration, ids, to, [&](int64_t done, int64_t total) {
                    if (!quiet && done % to.window == 0)
                        std::fprintf(stderr, "\roracle: token %lld/%lld",
                                     static_cast<long long>(done), static_cast<long long>(total));
                });
            if (!quiet)
                std::fputc('\n', stderr);
            if (!made.ok())
                return fail("train-policy", made.error());
            curves = std::move(made).value();
            if (!curvesPath.empty())
                if (auto st = saveJsonFile(
                        curvesPath, oracleCurvesToJson(*curves, (*model)->sha256(), textSha));
                    !st.ok())
                    return fail("train-policy", st.error());
        }
        to.oracleCurves = &*curves;
    }
    if (stateCosts->has_value()) {
        to.stateCosts = **stateCosts;
    } else {
        if (!quiet)
            std::fprintf(stderr, "measuring the decode cost of each state...\n");
        StateCostOptions so;
        so.cancel = &g_cancel;
        auto measured = measurePolicyStateCosts(engine, *calibration, to.quantGroup, ids, so);
        if (!measured.ok())
            return fail("train-policy", measured.error());
        to.stateCosts = *measured;
        if (!quiet)
            std::fprintf(stderr, "state costs (full = 4): skip %.3f  int4 %.3f  int8 %.3f\n",
                         to.stateCosts[0], to.stateCosts[1], to.stateCosts[2]);
    }
    to.async = !args->flag("sync");
    to.checkpointPath = args->get("checkpoint", "");
    to.cancel = &g_cancel;
    std::signal(SIGINT, onInterrupt);
    auto policy = trainDashPolicy(
        engine, *calibration, ids, to, sha256Hex(*text), [&](const TrainProgress& p) {
            if (quiet)
                return;
            if (p.phase == "tune")
                std::fprintf(stderr, "\ntuning the cost bias on held-out text...\n");
            else if (p.phase == "forecast")
                std::fprintf(stderr, "fitting the similarity forecast...\n");
            else if (p.phase == "oracle" || p.phase == "static search")
                std::fprintf(stderr, "\r%s %lld/%lld   ", p.phase.c_str(),
                             static_cast<long long>(p.step), static_cast<long long>(p.steps));
            else
                std::fprintf(stderr,
                             "\r%s step %lld/%lld  tau %.3f  beta %.3f  %s %.4f  "
                             "ratio %.3f  dNLL %.4f   ",
                             p.phase.c_str(), static_cast<long long>(p.step),
                             static_cast<long long>(p.steps), p.temperature, p.beta,
                             p.phase == "imitate" ? "log p" : "reward", p.reward, p.sampledRatio,
                             p.deltaNll);
        });
    std::signal(SIGINT, SIG_DFL);
    if (!quiet)
        std::fputc('\n', stderr); // end the progress line
    if (!policy.ok()) {
        if (policy.error().code() == ErrorCode::Cancelled && !to.checkpointPath.empty())
            return fail("train-policy", "interrupted; resume with the same command (checkpoint '" +
                                            to.checkpointPath + "')");
        return fail("train-policy", policy.error());
    }
    if (auto st = savePolicyFile(*out, **policy, **model); !st.ok())
        return fail("train-policy", st.error());
    if (args->flag("json")) {
        Json j = Json::object();
        j.set("out", *out);
        j.set("training", (*policy)->training());
        j.set("cost_bias", (*policy)->knob());
        printJson(j);
        return 0;
    }
    std::printf("wrote %s (held-out nominal ratio %.3f, cost bias %.4f)\n", out->c_str(),
                (*policy)->training()["held_out_ratio"].asNumber(), (*policy)->knob());
    return 0;
}

} // namespace

const Command kTrainPolicyCommand = {
    "train-policy", "train a DASH scoring policy with REINFORCE for a target ratio",
    "--model FILE.gguf --calibration C.json --file TRAIN_TEXT --out P.policy\n"
    "       [--target-ratio 2.0] [--steps 300] [--window 64] [--seed 1] [--lr 0.003]\n"
    "       [--hidden 64] [--embed 8] [--lambda 0.05] [--group 32] [--held-out 0.1]\n"
    "       [--states skip,int4,int8,full] [--state-costs nominal|measured|S,I4,I8,F]\n"
    "       [--imitation-steps 0] [--imitation-target static|oracle|best-static|forecast]\n"
    "       [--static-windows 8] [--forecast-windows 64] [--forecast-ridge 0.001]\n"
    "       [--checkpoint FILE]\n"
    "       [--trainer reinforce|relaxed] [--baseline layer|position|learned]\n"
    "       [--reward paper|differential] [--entropy C[,C_END]] [--tau 1,0.1] [--gumbel 1,0.2]\n"
    "       [--oracle-loss kl|nll] [--oracle-budget per-token|shared] [--oracle-windows 256]\n"
    "       [--oracle-curves FILE] [--label TEXT] [--sync] [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  The last --held-out fraction of the text is kept for tuning the cost bias.\n"
    "  Ctrl-C stops (saving the checkpoint); with --checkpoint (saved every 10 steps)\n"
    "  the same command resumes. --states limits the\n"
    "  states the policy may choose; skip and full must be among them.\n"
    "  --state-costs: what each state costs in the reward and the cost bias (full = 4):\n"
    "  the state codes 0,1,2,4 (nominal), this machine's measured decode cost per layer\n"
    "  (measured; printed, and saved in the policy), or four numbers. The target is\n"
    "  always the nominal ratio 4L / sum of states.\n"
    "  --imitation-steps N: the first N steps imitate static similarity skipping at the\n"
    "  target ratio (or, with --imitation-target oracle, the oracle's per-token decisions on\n"
    "  --oracle-windows training windows, each token the static skip count (per-token) or\n"
    "  a window's total shared among its tokens (shared); --oracle-curves keeps them for\n"
    "  reuse; with best-static, the best static set that greedy layer removal finds on\n"
    "  --static-windows training windows of the model's context, at most 512 tokens, which\n"
    "  the differential rewards then compare with; with forecast, the decisions of a\n"
    "  per-layer ridge forecast of each layer's input/output similarity from its input,\n"
    "  fitted on --forecast-windows training windows, REINFORCE only) before training\n"
    "  proper (0: from the start).\n"
    "  --trainer: REINFORCE (the paper's, the reference) or a straight-through Gumbel-softmax\n"
    "  relaxation differentiated through the frozen layers (KL to full precision + cost).\n"
    "  REINFORCE variants: --baseline (what the advantage subtracts: a running mean per layer,\n"
    "  per layer and position, or a learned linear value of the decision's input), --reward\n"
    "  differential (log-likelihood and cost relative to static skipping on the same window),\n"
    "  --entropy (bonus coefficient, linear from C to C_END). --tau: policy temperature,\n"
    "  --gumbel: relaxation temperature (start,end). All are saved in the policy file.",
    run};

} // namespace dash::cli
