// SPDX-License-Identifier: MIT
#include "app/cli/cli_policy.h"

#include "core/dash/policy_spec.h"

#include <cstdio>

namespace dash::cli {

Expected<std::unique_ptr<Policy>> policyFromArgs(const Args& args, const Model& model,
                                                 Engine& engine, bool quiet) {
    DASH_ASSIGN_OR_RETURN(KvMode kv, parseKvMode(args.get("kv-mode", "project")));
    engine.setKvMode(kv);
    DASH_ASSIGN_OR_RETURN(PolicyRequest request,
                          policyRequestFromArgument(args.get("policy", "full")));
    request.calibrationPath = args.get("calibration", "");
    request.tuneTextPath = args.get("tune-file", "");
    if (args.flag("sync"))
        request.async = false;
    if (args.has("ratio")) {
        DASH_ASSIGN_OR_RETURN(request.targetRatio, args.getDouble("ratio", 1.0));
    }
    DASH_ASSIGN_OR_RETURN(BuiltPolicy built, loadPolicy(request, model));
    if (request.targetRatio && request.tuneTextPath.empty() &&
        tuningNeedsText(*built.policy, tuneWindowTokens(request, engine)))
        return invalidError("tuning '" + built.policy->name() +
                            "' to a ratio needs held-out text: --tune-file TEXT");
    DASH_TRY(tunePolicy(built, request, engine));
    if (built.tuning && !quiet)
        std::fprintf(stderr,
                     "%s: knob %.6g gives nominal ratio %.4f on held-out text (target %.4g)\n",
                     built.policy->name().c_str(), built.tuning->knob, built.tuning->ratio,
                     *request.targetRatio);
    DASH_TRY(built.policy->prepare(engine));
    return std::move(built.policy);
}

} // namespace dash::cli
