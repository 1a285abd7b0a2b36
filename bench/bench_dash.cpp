// SPDX-License-Identifier: MIT
// Decode speed of DASH policies and the baselines against full precision,
// measured side by side in one run, beside each policy's nominal ratio.
//
//   bench_dash --model M.gguf --tune-file HELD_OUT.txt [--policy P.policy ...]
//              [--calibration C.json] [--ratio 2.0] [--threads 2] [--repeats 7]
//
// Each DASH policy file is measured asynchronous (decisions from h̃, aside on an
// idle worker of the engine's pool) and synchronous (from the exact hidden
// state), in both KV modes. Baselines are tuned to --ratio on the held-out
// text first. Last, the cost of a decode layer in each state (measureStateCosts)
// beside its nominal cost.
#include "app/cli/cli_args.h"
#include "app/cli/cli_common.h"
#include "core/dash/baselines.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"

#include <cstdio>

using namespace dash;

namespace {

struct Row {
    std::string name;
    SpeedResult speed;
};

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> argvList(argv + 1, argv + argc);
    auto args = cli::Args::parse(argvList,
                                 {"model", "tune-file", "policy", "calibration", "ratio", "threads",
                                  "repeats", "prompt-tokens", "decode-tokens"},
                                 {});
    if (!args.ok())
        return cli::fail("bench_dash", args.error());
    auto ratio = args->getDouble("ratio", 2.0);
    auto repeats = args->getInt("repeats", 7);
    auto promptTokens = args->getInt("prompt-tokens", 32);
    auto decodeTokens = args->getInt("decode-tokens", 64);
    auto threads = args->getInt("threads", 2);
    auto tuneFile = args->required("tune-file");
    if (auto err = cli::firstError(ratio, repeats, promptTokens, decodeTokens, threads, tuneFile))
        return cli::fail("bench_dash", *err);
    auto model = cli::loadModel(*args);
    if (!model.ok())
        return cli::fail("bench_dash", model.error());
    auto text = cli::readTextFile(*tuneFile);
    if (!text.ok())
        return cli::fail("bench_dash", text.error());
    const std::vector<int32_t> heldOut = cli::encodePrompt(**model, *text);
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
    so.repeats = static_cast<int>(*repeats);
    so.promptTokens = *promptTokens;
    so.decodeTokens = *decodeTokens;

    std::vector<Row> rows;
    auto measure = [&](Policy& policy, const std::string& name, KvMode kv) -> bool {
        engine.setKvMode(kv);
        auto s = measureDecodeSpeedup(policy, engine, heldOut, so);
        if (!s.ok()) {
            std::fprintf(stderr, "bench_dash: %s: %s\n", name.c_str(), s.error().message().c_str());
            return false;
        }
        rows.push_back({name + " (" + kvModeName(kv) + ")", *s});
        return true;
    };

    for (const std::string& path : args->getAll("policy")) {
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
    };
    std::vector<CostRow> costRows;
    if (auto st = engine.enableQuantizedStates(32); !st.ok())
        return cli::fail("bench_dash", st.error());
    if (calibration) {
        if (auto st = engine.setCompensation(calibration->compensation()); !st.ok())
            return cli::fail("bench_dash", st.error());
    }
    for (KvMode kv : {KvMode::Project, KvMode::Mask}) {
        engine.setKvMode(kv);
        StateCostOptions co;
        co.repeats = static_cast<int>(*repeats);
        auto costs = measureStateCosts(engine, heldOut, co);
        if (!costs.ok())
            return cli::fail("bench_dash", costs.error());
        costRows.push_back({kv, *costs});
    }

    std::printf("%s\nthreads %d, prompt %lld, decode %lld tokens, median of %lld runs, policies "
                "alternating with full precision\n\n",
                (*model)->summary().c_str(), engine.threads(), *promptTokens, *decodeTokens,
                *repeats);
    std::printf("%-40s %10s %10s %10s %9s %10s\n", "policy", "full tok/s", "tok/s", "nominal",
                "speedup", "speedup/nominal");
    for (const Row& r : rows)
        std::printf("%-40s %10.1f %10.1f %9.3fx %8.2fx %10.2f\n", r.name.c_str(),
                    r.speed.fullTokensPerSecond, r.speed.policyTokensPerSecond,
                    r.speed.decodeNominalRatio, r.speed.speedup,
                    r.speed.speedup / r.speed.decodeNominalRatio);
    std::printf("\ncost of a decode layer per state, full precision = 4 (INT8/INT4 group 32; "
                "layers 1..L-2 in the state, median over steps)\n\n");
    std::printf("%-10s %8s %8s %8s %8s\n", "KV mode", "skip", "int4", "int8", "full");
    std::printf("%-10s %8.3f %8.3f %8.3f %8.3f\n", "nominal", kNominalStateCosts[0],
                kNominalStateCosts[1], kNominalStateCosts[2], kNominalStateCosts[3]);
    for (const CostRow& c : costRows)
        std::printf("%-10s %8.3f %8.3f %8.3f %8.3f\n", kvModeName(c.kv), c.costs[0], c.costs[1],
                    c.costs[2], c.costs[3]);
    return 0;
}
