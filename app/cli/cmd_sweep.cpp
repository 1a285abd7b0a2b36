// SPDX-License-Identifier: MIT
// `dash-cli sweep`: reads the command line into dash::SweepOptions, runs
// dash::runSweep (core/dash/sweep.h) and prints its rows.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/dash/sweep.h"
#include "core/util/stats.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace dash::cli {

namespace {

// The options of the command line over SweepOptions' defaults.
Expected<SweepOptions> sweepOptions(const Args& args) {
    SweepOptions o;
    DASH_ASSIGN_OR_RETURN(o.testTextPath, args.required("file"));
    o.tuneTextPath = args.get("tune-file", "");
    o.calibrationPath = args.get("calibration", "");
    o.dashFiles = args.getAll("dash");
    DASH_ASSIGN_OR_RETURN(o.maxTokens, args.getInt("max-tokens", o.maxTokens));
    DASH_ASSIGN_OR_RETURN(o.tuneWindows, args.getInt("tune-windows", o.tuneWindows));
    DASH_ASSIGN_OR_RETURN(long long rounds, args.getInt("speed-repeats", o.speedRounds));
    if (rounds < 1 || rounds > 1000)
        return invalidError("--speed-repeats must be between 1 and 1000");
    o.speedRounds = static_cast<int>(rounds);
    DASH_ASSIGN_OR_RETURN(o.kvMode, parseKvMode(args.get("kv-mode", kvModeName(o.kvMode))));
    if (auto ratios = args.get("ratios")) {
        o.ratios.clear();
        for (const std::string& r : splitList(*ratios)) {
            char* end = nullptr;
            const double v = std::strtod(r.c_str(), &end);
            if (*end != '\0' || !(v >= 1.0))
                return invalidError("--ratios must be numbers >= 1, got '" + r + "'");
            o.ratios.push_back(v);
        }
    }
    if (auto methods = args.get("methods")) {
        o.methods.clear();
        for (const std::string& m : splitList(*methods)) {
            DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(m));
            o.methods.push_back(kind);
        }
    }
    return o;
}

void printTable(const SweepResult& result) {
    std::printf("%-24s %7s %8s %24s %22s %10s %12s\n", "method", "target", "nominal",
                "speedup [min - max]", "A/A [min - max]", "ppl(all)", "ppl(2nd half)");
    for (const SweepRowResult& r : result.rows) {
        const Summary& s = r.speed.speedup;
        const Summary& c = r.speed.control;
        std::printf("%-24s %6.2fx %7.3fx %9.2fx [%5.2f - %5.2f] %8.2fx [%4.2f - %4.2f] %10.3f "
                    "%12.3f\n",
                    r.method.c_str(), r.targetRatio, r.evaluation.nominalRatio, s.median, s.min,
                    s.max, c.median, c.min, c.max, r.evaluation.pplAll, r.evaluation.pplSecondHalf);
    }
    for (const SweepRowResult& r : result.rows)
        if (r.awareness && r.reassigned)
            std::printf("%s at %.2fx: input awareness %.3f of tokens differ from their layer's "
                        "majority state; MI beyond chance with token id %+.4f bits, position "
                        "%+.4f bits; same per-layer counts assigned statically: ppl %.3f\n",
                        r.method.c_str(), r.targetRatio, r.awareness->majorityDeviation,
                        r.awareness->miTokenExcess, r.awareness->miPositionExcess,
                        r.reassigned->pplAll);
    const Summary& control = result.control;
    std::printf("A/A control (full precision timed against itself in every row's schedule; the "
                "'full' row times full precision as the policy too): median over rows %.3fx, "
                "range %.3f - %.3f\n",
                control.median, control.min, control.max);
}

// A line on stderr for every row whose A/A control is outside the tolerance.
void warnAboutControls(const SweepResult& result) {
    for (const SweepRowResult& r : result.rows)
        if (!controlWithinTolerance(r.speed.control.median))
            std::fprintf(stderr,
                         "dash-cli sweep: WARNING: %s at %.2fx: A/A control %.3fx is outside "
                         "1.00 +- %.2f; its measured speedup is not trustworthy\n",
                         r.method.c_str(), r.targetRatio, r.speed.control.median,
                         kControlTolerance);
}

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv,
                    options({kModelOptions,
                             {"file", "tune-file", "methods", "dash", "calibration", "ratios",
                              "max-tokens", "tune-windows", "speed-repeats", "kv-mode"}}),
                    {"json", "quiet"});
    if (!args.ok())
        return fail("sweep", args.error());
    auto sweep = sweepOptions(*args);
    auto eo = engineOptions(*args);
    if (auto err = firstError(sweep, eo))
        return fail("sweep", *err);
    const bool quiet = args->flag("quiet");
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("sweep", model.error());
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("sweep", made.error());

    SweepObserver observer;
    if (!quiet) {
        std::fprintf(stderr,
                     "sweep: up to %lld test tokens, %lld tuning windows, %d speed rounds, KV "
                     "mode %s\n",
                     static_cast<long long>(sweep->maxTokens),
                     static_cast<long long>(sweep->tuneWindows), sweep->speedRounds,
                     kvModeName(sweep->kvMode));
        observer.onRowStarted = [](const SweepRowResult& r) {
            std::fprintf(stderr, "sweep: %s at %.2fx%s%s\n", r.method.c_str(), r.targetRatio,
                         r.policyFile.empty() ? "" : " from ", r.policyFile.c_str());
        };
        observer.onTuned = [](const SweepRowResult& r) {
            std::fprintf(stderr, "  knob %.6g gives nominal ratio %.4f on held-out text\n",
                         r.tuning->knob, r.tuning->ratio);
        };
        observer.onRowFinished = [](const SweepRowResult& r) {
            std::fprintf(stderr, "  nominal %.3fx, speedup %.2fx, A/A %.2fx, ppl %.3f\n",
                         r.evaluation.nominalRatio, r.speed.speedup.median, r.speed.control.median,
                         r.evaluation.pplAll);
        };
    }
    observer.onSkipped = [quiet](PolicyKind kind, SweepSkip why) {
        if (!quiet)
            std::fprintf(stderr, "sweep: no %s given: %s rows skipped\n",
                         why == SweepSkip::NoDashFiles ? "--dash policy file" : "--calibration",
                         policyKindName(kind));
    };
    auto result = runSweep(**made, *sweep, observer);
    if (!result.ok())
        return fail("sweep", result.error());
    warnAboutControls(*result);
    if (args->flag("json")) {
        printJson(sweepRowsJson(result->rows));
        return 0;
    }
    printTable(*result);
    return 0;
}

// The usage text, with the defaults read from SweepOptions.
std::string usageText() {
    const SweepOptions d;
    std::string ratios, methods;
    for (double r : d.ratios) {
        char text[32];
        std::snprintf(text, sizeof text, "%s%g", ratios.empty() ? "" : ",", r);
        ratios += text;
    }
    for (PolicyKind k : d.methods)
        methods += (methods.empty() ? "" : ",") + std::string(policyKindName(k));
    return "--model FILE.gguf --file TEST_TEXT --tune-file HELD_OUT_TEXT [--dash P.policy ...]\n"
           "       [--calibration C.json] [--methods " +
           methods + "]\n       [--ratios " + ratios + "] [--max-tokens " +
           std::to_string(d.maxTokens) + "] [--tune-windows " + std::to_string(d.tuneWindows) +
           "]\n       [--speed-repeats " + std::to_string(d.speedRounds) + "] [--kv-mode " +
           kvModeName(d.kvMode) +
           "] [ENGINE OPTIONS] [--quiet] [--json]\n"
           "  The sweep of dash-studio (Tools > Sweep), with the same defaults (shown;\n"
           "  --kv-mode project or mask).\n"
           "  Knobs are tuned on the held-out text, never on the test text. The measured\n"
           "  speedup is decode tokens/s against full precision in the same run: each of\n"
           "  the --speed-repeats rounds times full precision, full precision again (the\n"
           "  A/A control) and the policy twice each, in mirrored order; medians and\n"
           "  ranges over the rounds. A row whose A/A control is outside 1.00 +- 0.05\n"
           "  gets a warning on stderr.";
}

const std::string kUsage = usageText();

} // namespace

const Command kSweepCommand = {
    "sweep", "evaluate DASH and the baselines at several ratios: ratio, speedup, perplexity",
    kUsage.c_str(), run};

} // namespace dash::cli
