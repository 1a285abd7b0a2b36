// SPDX-License-Identifier: MIT
#include "core/dash/policy_spec.h"

#include "core/dash/dash_policy.h"
#include "core/dash/policy_file.h"
#include "core/util/sha256.h"

#include <algorithm>

namespace dash {

Expected<PolicyRequest> policyRequestFromArgument(const std::string& text) {
    PolicyRequest spec;
    auto kind = parsePolicyKind(text);
    if (kind.ok() && *kind == PolicyKind::Dash)
        return invalidError("give the DASH policy file itself: --policy FILE.policy");
    if (kind.ok()) {
        spec.kind = text;
        return spec;
    }
    spec.kind = "file";
    spec.filePath = text;
    return spec;
}

Expected<Calibration> loadCalibrationFor(const std::string& path, const Model& model) {
    DASH_ASSIGN_OR_RETURN(Calibration calibration, loadCalibration(path));
    if (!calibration.modelSha256.empty() && calibration.modelSha256 != model.sha256())
        return invalidError(path + ": calibration was made for another model (sha256 " +
                            calibration.modelSha256.substr(0, 12) + "..., not " +
                            model.sha256().substr(0, 12) + "...)");
    return calibration;
}

Expected<BuiltPolicy> loadPolicy(const PolicyRequest& spec, const Model& model,
                                 const PolicyBuildOptions& options) {
    BuiltPolicy out;
    if (spec.kind == "file") {
        if (spec.filePath.empty())
            return invalidError("no policy file given");
        DASH_ASSIGN_OR_RETURN(out.policy, loadPolicyFile(spec.filePath, model));
        DASH_ASSIGN_OR_RETURN(out.fileSha256, sha256File(spec.filePath, options.cancel));
    } else {
        DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(spec.kind));
        if (kind == PolicyKind::Dash)
            return invalidError("a DASH policy is loaded from its file (dash-cli train-policy "
                                "writes one)");
        std::optional<Calibration> loaded;
        const Calibration* calibration = options.calibration;
        if (kind == PolicyKind::StaticSimilarity && !calibration) {
            if (spec.calibrationPath.empty())
                return invalidError("static similarity skipping ranks the layers by a "
                                    "calibration file (dash-cli calibrate); none was given");
            DASH_ASSIGN_OR_RETURN(loaded, loadCalibrationFor(spec.calibrationPath, model));
            calibration = &*loaded;
        }
        DASH_ASSIGN_OR_RETURN(out.policy, makeBaseline(kind, model, calibration));
    }
    if (spec.async && out.policy->kind() == PolicyKind::Dash)
        static_cast<DashPolicy&>(*out.policy).runtime().async = *spec.async;
    return out;
}

bool tuningNeedsText(const Policy& policy, int64_t windowTokens) {
    return policy.tunable() && !policy.predictedRatio(windowTokens).has_value();
}

int64_t tuneWindowTokens(const PolicyRequest& spec, const Engine& engine) {
    const int64_t context =
        std::min<int64_t>(engine.model().config().contextLength, engine.maxContext());
    return spec.tuneContext > 0 ? std::min(spec.tuneContext, context) : context;
}

Status tunePolicy(BuiltPolicy& built, const PolicyRequest& spec, Engine& engine,
                  const PolicyBuildOptions& options) {
    if (!spec.targetRatio)
        return {};
    Policy& policy = *built.policy;
    if (!policy.tunable())
        return invalidError("policy '" + policy.name() + "' has no ratio to tune");
    TuneOptions tune;
    tune.target = *spec.targetRatio;
    tune.context = tuneWindowTokens(spec, engine);
    tune.windows = std::max<int64_t>(1, spec.tuneWindows);
    tune.cancel = options.cancel;
    built.tunedOnText = tuningNeedsText(policy, tune.context);
    std::vector<int32_t> read;
    const std::vector<int32_t>* heldOut = options.heldOut;
    if (built.tunedOnText && !heldOut) {
        if (spec.tuneTextPath.empty())
            return invalidError("tuning '" + policy.name() +
                                "' to a ratio needs held-out text; none was given");
        DASH_ASSIGN_OR_RETURN(read, readTextTokens(spec.tuneTextPath, engine.model().tokenizer(),
                                                   spec.tuneMaxTokens));
        heldOut = &read;
    }
    static const std::vector<int32_t> kNone;
    if (built.tunedOnText)
        built.heldOutTokens = static_cast<int64_t>(heldOut->size());
    auto tuned = tuneToRatio(policy, engine, heldOut ? *heldOut : kNone, tune);
    if (!tuned.ok()) {
        if (tuned.error().code() == ErrorCode::Cancelled || !built.tunedOnText ||
            spec.tuneTextPath.empty())
            return tuned.error();
        return tuned.error().withContext(spec.tuneTextPath);
    }
    built.tuning = *tuned;
    return {};
}

Expected<BuiltPolicy> buildPolicy(const PolicyRequest& spec, Engine& engine,
                                  const PolicyBuildOptions& options) {
    DASH_ASSIGN_OR_RETURN(BuiltPolicy built, loadPolicy(spec, engine.model(), options));
    DASH_TRY(tunePolicy(built, spec, engine, options));
    return built;
}

} // namespace dash
