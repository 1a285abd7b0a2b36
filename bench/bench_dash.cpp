// SPDX-License-Identifier: MIT
// Decode speed of DASH policies and the baselines against full precision,
// measured side by side in one run, beside each policy's nominal ratio.
//
//   bench_dash --model M.gguf --tune-file HELD_OUT.txt [--policy P.policy ...]
//              [--calibration C.json] [--ratio 2.0] [--threads 2] [--repeats 5]
//              [--prompt-tokens 32] [--decode-tokens 64] [--state-costs-only]
//              [--layer-parts] [--mixed-states] [--replay]
//
// Every row is measureDecodeSpeedup: full precision, full precision again (the
// A/A control) and the policy in the alternating schedule of
// core/util/stats.h, --repeats rounds after a warm-up; speedups are medians of
// per-round time ratios with their range. The first row measures full
// precision as the policy: the A/A control row of the table. Each DASH policy
// file is measured asynchronous (decisions from h~, aside on an idle worker of
// the engine's pool) and synchronous (from the exact hidden state), in both KV
// modes. Baselines are tuned to --ratio on the held-out text first. Last, the
// cost of a decode layer in each state (measureStateCosts) beside its nominal
// cost. --state-costs-only keeps the A/A control row and the per-state costs
// and leaves out the policies and baselines. --layer-parts adds where a
// decode layer's time goes in each state (the backend's LayerPartTimes over
// the state-cost runs; CPU backend only). --mixed-states adds the per-state
// costs measured with each token's state of every layer drawn at random
// (StateCostOptions::mixed): what a layer costs when the layers around it and
// the same layer's previous token ran in other states, as under a policy;
// --mixed-draw limits the states drawn (e.g. int4,full: which formats'
// weights compete for the caches). --replay adds to every row's schedule the
// policy's recorded states played back without deciding (SpeedOptions::
// replay) and prints what the decisions cost per token.
#include "app/cli/cli_common.h"
#include "bench/bench_harness.h"
#include "core/dash/baselines.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"

#include <array>
#include <cstdio>

using namespace dash;

namespace {

struct Row {
    std::string name;
    KvMode kv;
    SpeedResult speed;
};

// Where a decode layer's time goes per state: ns per layer in each part and
// in all of them.
void printLayerParts(const LayerPartTimes& t, const char* kv) {
    std::printf("\nwhere a decode layer's time goes, %s mode: ns per layer (layers %d..%d of the "
                "measured state-cost runs; products include their residual adds)\n\n%-6s",
                kv, t.firstLayer, t.lastLayer, "state");
    for (int p = 0; p < kLayerPartCount; ++p)
        std::printf(" %9s", layerPartName(static_cast<LayerPart>(p)));
    std::printf(" %9s %7s\n", "total", "layers");
    for (int k = 0; k < kStateCount; ++k) {
        std::printf("%-6s", stateName(kStates[k]));
        double total = 0;
        for (int p = 0; p < kLayerPartCount; ++p) {
            const double ns = t.ns(kStates[k], static_cast<LayerPart>(p));
            total += ns;
            std::printf(" %9.1f", ns);
        }
        std::printf(" %9.1f %7lld\n", total,
                    static_cast<long long>(t.layers[static_cast<size_t>(k)]));
    }
}

} // namespace

int main(int argc, char** argv) {
    static const char* kUsage =
        "usage: bench_dash --model M.gguf --tune-file HELD_OUT.txt [--policy P.policy ...]\n"
        "                  [--calibration C.json] [--ratio 2.0] [--threads 2] [--repeats 5]\n"
        "                  [--prompt-tokens 32] [--decode-tokens 64] [--state-costs-only]\n"
        "                  [--layer-parts] [--mixed-states [--mixed-draw skip,int4,int8,full]]\n"
        "                  [--replay]";
    int exitCode = 0;
    auto args =
        bench::parseArgs(argc, argv, "bench_dash", kUsage,
                         {"model", "tune-file", "policy", "calibration", "ratio", "threads",
                          "repeats", "prompt-tokens", "decode-tokens", "mixed-draw"},
                         {"state-costs-only", "layer-parts", "mixed-states", "replay"}, &exitCode);
    if (!args)
        return exitCode;
    auto ratio = args->getDouble("ratio", 2.0);
    auto repeats = bench::intOption(*args, "repeats", 5, 1, 1000);
    auto promptTokens = bench::intOption(*args, "prompt-tokens", 32, 1, 1 << 20);
    auto decodeTokens = bench::intOption(*args, "decode-tokens", 64, 1, 1 << 20);
    auto threads = bench::intOption(*args, "threads", 2, 0, 1024);
    auto tuneFile = args->required("tune-file");
    auto mixedDraw = parseStateSet(args->get("mixed-draw", "skip,int4,int8,full"));
    if (!mixedDraw.ok())
        return bench::usageError("bench_dash", kUsage,
                                 mixedDraw.error().withContext("--mixed-draw").message());
    if (args->get("mixed-draw") && !args->flag("mixed-states"))
        return bench::usageError("bench_dash", kUsage, "--mixed-draw needs --mixed-states");
    if (auto err = cli::firstError(ratio, repeats, promptTokens, decodeTokens, threads, tuneFile))
        return bench::usageError("bench_dash", kUsage, err->message());
    auto model = cli::loadModel(*args);
    if (!model.ok())
        return cli::fail("bench_dash", model.error());
    auto text = cli::readTextFile(*tuneFile);
    if (!text.ok())
        return cli::fail("bench_dash", text.error());
    const std::vector<int32_t> heldOut = cli::encodeCorpus(**model, *text);
    std::optional<Calibration> calibration;
    if (auto path = args->get("calibration")) {
        auto c = loadCalibration(*path);
        if (!c.ok())
            return cli::fail("bench_dash", c.error());
        calibration = std::move(c).value();
    }
    EngineOptions eo;
    eo.threads = static_cast<int>(*threads);
    Engine engine(*model, eo);
    SpeedOptions so;
    so.rounds = static_cast<int>(*repeats);
    so.promptTokens = *promptTokens;
    so.decodeTokens = *decodeTokens;
    const bool replay = args->flag("replay");

    const std::string loadBefore = bench::loadAverage();
    std::vector<Row> rows;
    auto measure = [&](Policy& policy, const std::string& name, KvMode kv) -> bool {
        engine.setKvMode(kv);
        std::fprintf(stderr, "bench_dash: %s (%s)...\n", name.c_str(), kvModeName(kv));
        SpeedOptions rowOptions = so;
        // The A/A control row has no decisions to take out.
        rowOptions.replay = replay && policy.kind() != PolicyKind::Full;
        auto s = measureDecodeSpeedup(policy, engine, heldOut, rowOptions);
        if (!s.ok()) {
            std::fprintf(stderr, "bench_dash: %s: %s\n", name.c_str(), s.error().message().c_str());
            return false;
        }
        rows.push_back({name + " (" + kvModeName(kv) + ")", kv, *s});
        return true;
    };

    // The A/A control row: full precision in the policy's place.
    FullPrecisionPolicy full;
    if (!measure(full, "full precision (A/A control row)", KvMode::Project))
        return 1;

    const bool stateCostsOnly = args->flag("state-costs-only");
    for (const std::string& path : args->getAll("policy")) {
        if (stateCostsOnly)
            break;
        auto loaded = loadPolicyFile(path, **model);
        if (!loaded.ok())
            return cli::fail("bench_dash", loaded.error());
        if ((*loaded)->kind() != PolicyKind::Dash)
            return cli::fail("bench_dash", path + " is not a DASH policy");
        auto& dashPolicy = static_cast<DashPolicy&>(**loaded);
        const std::string base = path.substr(path.find_last_of('/') + 1);
        for (bool async : {true, false}) {
            dashPolicy.runtime().async = async;
            for (KvMode kv : {KvMode::Project, KvMode::Mask})
                if (!measure(dashPolicy, base + (async ? " async" : " sync"), kv))
                    return 1;
        }
    }
    for (PolicyKind kind : {PolicyKind::EarlyExit, PolicyKind::SkipDecode, PolicyKind::AdaSkip,
                            PolicyKind::RandomSkip, PolicyKind::StaticSimilarity}) {
        if (stateCostsOnly)
            break;
        if (kind == PolicyKind::StaticSimilarity && !calibration)
            continue;
        auto policy = makeBaseline(kind, **model, calibration ? &*calibration : nullptr);
        if (!policy.ok())
            return cli::fail("bench_dash", policy.error());
        TuneOptions to;
        to.target = *ratio;
        auto tuned = tuneToRatio(**policy, engine, heldOut, to);
        if (!tuned.ok())
            return cli::fail("bench_dash", tuned.error());
        if (!measure(**policy, (*policy)->name(), KvMode::Project))
            return 1;
    }

    // What a decode layer costs in each state against its nominal cost (both
    // relative to full precision = 4), in both KV modes.
    struct CostRow {
        KvMode kv;
        StateCosts costs;
        StateCostDetail detail;
        LayerPartTimes parts;
    };
    const bool layerParts = args->flag("layer-parts");
    const bool mixedStates = args->flag("mixed-states");
    std::vector<CostRow> costRows;
    if (auto st = engine.enableQuantizedStates(32); !st.ok())
        return cli::fail("bench_dash", st.error());
    if (calibration) {
        if (auto st = engine.setCompensation(calibration->compensation()); !st.ok())
            return cli::fail("bench_dash", st.error());
    }
    for (KvMode kv : {KvMode::Project, KvMode::Mask}) {
        engine.setKvMode(kv);
        CostRow row{kv, {}, {}, {}};
        StateCostOptions co;
        co.repeats = static_cast<int>(*repeats);
        co.parts = layerParts ? &row.parts : nullptr;
        co.mixed = mixedStates;
        co.mixedDraw = *mixedDraw;
        co.detail = &row.detail;
        std::fprintf(stderr, "bench_dash: state costs (%s)...\n", kvModeName(kv));
        auto costs = measureStateCosts(engine, heldOut, co);
        if (!costs.ok())
            return cli::fail("bench_dash", costs.error());
        row.costs = *costs;
        costRows.push_back(row);
    }

    std::printf("%s\nthreads %d, prompt %lld, decode %lld tokens; load average %s before, %s "
                "after\n%lld alternating rounds after 1 warm-up: each times full precision, full "
                "precision again (A/A) and the policy%s twice, in mirrored order; medians and "
                "ranges of per-round ratios\n\n",
                (*model)->summary().c_str(), engine.threads(), *promptTokens, *decodeTokens,
                loadBefore.c_str(), bench::loadAverage().c_str(), *repeats,
                replay ? " (and its replayed states)" : "");
    std::printf("%-40s %10s %10s %9s %24s %24s %9s\n", "policy", "full tok/s", "tok/s", "nominal",
                "speedup [range]", "A/A control [range]", "spd/nom");
    std::vector<double> controls;
    for (const Row& r : rows) {
        std::printf("%-40s %10.1f %10.1f %8.3fx %24s %24s %9.2f\n", r.name.c_str(),
                    r.speed.fullTokensPerSecond, r.speed.policyTokensPerSecond,
                    r.speed.decodeNominalRatio, bench::formatRatio(r.speed.speedup).c_str(),
                    bench::formatRatio(r.speed.control).c_str(),
                    r.speed.speedup.median / r.speed.decodeNominalRatio);
        controls.push_back(r.speed.control.median);
    }
    const Summary control = summarize(controls);
    std::printf("A/A control over the rows: median %.3fx, range %.3f - %.3f\n", control.median,
                control.min, control.max);
    for (const Row& r : rows)
        if (!controlWithinTolerance(r.speed.control.median))
            std::printf("WARNING: %s: the A/A control %.3fx is outside 1.00 +- %.2f; its speedup "
                        "is not trustworthy\n",
                        r.name.c_str(), r.speed.control.median, kControlTolerance);
    if (replay && rows.size() > 1) {
        // What deciding costs: each row's recorded states replayed in the same
        // schedule, without the policy.
        std::printf("\nthe policy against its own states replayed without deciding (a fourth arm "
                    "in each row's schedule): speedups over full precision, and the policy's "
                    "time less the replay's per decoded token\n\n");
        std::printf("%-40s %24s %24s %28s %9s\n", "policy", "speedup [range]", "replayed [range]",
                    "deciding ns/token [range]", "of step");
        for (size_t i = 1; i < rows.size(); ++i) {
            const SpeedResult& sp = rows[i].speed;
            const Summary& d = sp.decisionNsPerToken;
            char decide[64];
            std::snprintf(decide, sizeof decide, "%.0f [%.0f - %.0f]", d.median, d.min, d.max);
            std::printf("%-40s %24s %24s %28s %8.1f%%\n", rows[i].name.c_str(),
                        bench::formatRatio(sp.speedup).c_str(),
                        bench::formatRatio(sp.replaySpeedup).c_str(), decide,
                        100.0 * d.median * sp.policyTokensPerSecond / 1e9);
        }
    }
    std::printf("\ncost of a decode layer per state, full precision = 4 (INT8/INT4 group 32; "
                "layers 1..L-2 in the state, median over steps; states alternating)\n\n");
    std::printf("%-10s %8s %8s %8s %8s\n", "KV mode", "skip", "int4", "int8", "full");
    std::printf("%-10s %8.3f %8.3f %8.3f %8.3f\n", "nominal", kNominalStateCosts[0],
                kNominalStateCosts[1], kNominalStateCosts[2], kNominalStateCosts[3]);
    for (const CostRow& c : costRows)
        std::printf("%-10s %8.3f %8.3f %8.3f %8.3f\n", kvModeName(c.kv), c.costs[0], c.costs[1],
                    c.costs[2], c.costs[3]);
    if (mixedStates) {
        std::string drawn;
        for (int k = 0; k < kStateCount; ++k)
            if ((*mixedDraw)[static_cast<size_t>(k)])
                drawn += std::string(drawn.empty() ? "" : ",") + stateName(kStates[k]);
        std::printf("\nmixed: each decode token's state of layers 1..L-2 drawn at random from %s, "
                    "runs alternating with the one-state runs above; median layer ns, and in "
                    "brackets x 4 / the one-state full-precision layer (layers measured per "
                    "state)\n\n",
                    drawn.c_str());
        std::printf("%-14s %24s %24s %24s %24s\n", "KV mode", "skip", "int4", "int8", "full");
        for (const CostRow& c : costRows) {
            for (bool mixed : {false, true}) {
                std::printf("%-14s",
                            (std::string(kvModeName(c.kv)) + (mixed ? " mixed" : " one")).c_str());
                for (size_t k = 0; k < kStateCount; ++k) {
                    const double ns = mixed ? c.detail.mixedNs[k] : c.detail.fixedNs[k];
                    const double cost = mixed ? c.detail.mixedCosts[k] : c.costs[k];
                    char cell[64];
                    if (mixed && c.detail.mixedLayers[k] == 0)
                        std::snprintf(cell, sizeof cell, "-");
                    else if (mixed)
                        std::snprintf(cell, sizeof cell, "%.0f (%.3f, %lld)", ns, cost,
                                      static_cast<long long>(c.detail.mixedLayers[k]));
                    else
                        std::snprintf(cell, sizeof cell, "%.0f (%.3f)", ns, cost);
                    std::printf(" %24s", cell);
                }
                std::printf("\n");
            }
        }
    }
    if (rows.size() > 1) {
        // Each row's decode speedup as its state mix and the measured layer
        // costs predict it (4 / the mean cost of its cells; the per-token work
        // outside the layers, the LM head among it, left out) beside the
        // measured one.
        std::printf("\nstate mix of each row's timed decode cells, and its speedup as the layer "
                    "costs above predict it%s\n\n",
                    mixedStates ? " (one-state costs, mixed costs)" : " (one-state costs)");
        std::printf("%-40s %30s %9s %9s %9s\n", "policy", "skip/int4/int8/full", "measured",
                    "one-state", mixedStates ? "mixed" : "");
        for (size_t i = 1; i < rows.size(); ++i) {
            const Row& r = rows[i];
            const CostRow& c = costRows[r.kv == KvMode::Project ? 0 : 1];
            double one = 0, mixed = 0;
            bool mixedKnown = true; // every state of the row was drawn in the mixed runs
            for (size_t k = 0; k < kStateCount; ++k) {
                one += r.speed.stateShare[k] * c.costs[k];
                mixed += r.speed.stateShare[k] * c.detail.mixedCosts[k];
                mixedKnown = mixedKnown && (r.speed.stateShare[k] == 0 || (*mixedDraw)[k]);
            }
            char mix[64];
            std::snprintf(mix, sizeof mix, "%.3f/%.3f/%.3f/%.3f", r.speed.stateShare[0],
                          r.speed.stateShare[1], r.speed.stateShare[2], r.speed.stateShare[3]);
            std::printf("%-40s %30s %8.3fx %8.3fx", r.name.c_str(), mix, r.speed.speedup.median,
                        4.0 / one);
            if (mixedStates && mixedKnown)
                std::printf(" %8.3fx", 4.0 / mixed);
            else if (mixedStates)
                std::printf(" %9s", "-");
            std::printf("\n");
        }
    }
    if (layerParts)
        for (const CostRow& c : costRows)
            printLayerParts(c.parts, kvModeName(c.kv));
    return 0;
}
