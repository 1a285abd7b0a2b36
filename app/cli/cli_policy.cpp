// SPDX-License-Identifier: MIT
#include "app/cli/cli_policy.h"

#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"

#include <cstdio>

namespace dash::cli {

Expected<std::unique_ptr<Policy>> makePolicy(const std::string& spec, const Model& model,
                                             const Calibration* calibration) {
    auto kind = parsePolicyKind(spec);
    if (kind.ok() && *kind != PolicyKind::Dash)
        return makeBaseline(*kind, model, calibration);
    if (kind.ok())
        return invalidError("give the DASH policy file itself: --policy FILE.policy");
    return loadPolicyFile(spec, model);
}

Status tunePolicy(Policy& policy, Engine& engine, double ratio, const std::vector<int32_t>* heldOut,
                  bool quiet) {
    if (!policy.tunable())
        return invalidError("policy '" + policy.name() + "' has no ratio to tune");
    const bool predictable =
        policy.predictedRatio(engine.model().config().contextLength).has_value();
    if (!predictable && !heldOut)
        return invalidError("tuning '" + policy.name() +
                            "' to a ratio needs held-out text: --tune-file TEXT");
    static const std::vector<int32_t> none;
    TuneOptions to;
    to.target = ratio;
    DASH_ASSIGN_OR_RETURN(TuneResult r, tuneToRatio(policy, engine, heldOut ? *heldOut : none, to));
    if (!quiet)
        std::fprintf(stderr,
                     "%s: knob %.6g gives nominal ratio %.4f on held-out text (target %.4g)\n",
                     policy.name().c_str(), r.knob, r.ratio, ratio);
    return {};
}

Expected<std::unique_ptr<Policy>> policyFromArgs(const Args& args, const Model& model,
                                                 Engine& engine, bool quiet) {
    DASH_ASSIGN_OR_RETURN(KvMode kv, parseKvMode(args.get("kv-mode", "project")));
    engine.setKvMode(kv);
    std::optional<Calibration> calibration;
    if (auto path = args.get("calibration")) {
        DASH_ASSIGN_OR_RETURN(calibration, loadCalibration(*path));
    }
    DASH_ASSIGN_OR_RETURN(
        std::unique_ptr<Policy> policy,
        makePolicy(args.get("policy", "full"), model, calibration ? &*calibration : nullptr));
    if (policy->kind() == PolicyKind::Dash && args.flag("sync"))
        static_cast<DashPolicy&>(*policy).runtime().async = false;
    if (args.has("ratio")) {
        DASH_ASSIGN_OR_RETURN(double ratio, args.getDouble("ratio", 1.0));
        std::vector<int32_t> heldOut;
        if (auto file = args.get("tune-file")) {
            DASH_ASSIGN_OR_RETURN(std::string text, readTextFile(*file));
            heldOut = encodePrompt(model, text);
        }
        DASH_TRY(
            tunePolicy(*policy, engine, ratio, args.has("tune-file") ? &heldOut : nullptr, quiet));
    }
    DASH_TRY(policy->prepare(engine));
    return policy;
}

} // namespace dash::cli
