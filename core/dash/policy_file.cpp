// SPDX-License-Identifier: MIT
#include "core/dash/policy_file.h"

#include "core/dash/baselines.h"
#include "core/dash/dash_policy.h"
#include "core/util/json_numbers.h"
#include "core/util/sha256.h"

#include <cmath>
#include <ctime>
#include <limits>

namespace dash {

namespace {

std::string checksum(const std::string& kind, const std::string& modelSha, const Json& state) {
    return sha256Hex(kind + "\n" + modelSha + "\n" + state.dump());
}

std::string nowIso() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string baseName(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Expected<double> knobFrom(const Json& state, const char* key) {
    DASH_ASSIGN_OR_RETURN(double v, state.number(key));
    if (!std::isfinite(v))
        return invalidError(std::string("policy field '") + key + "' is not finite");
    return v;
}

// Whole-number knobs (a window length), read without an undefined
// conversion of an out-of-range double.
Expected<int64_t> integerKnob(const Json& state, const char* key, int64_t min, int64_t max) {
    auto v = state.integer(key, min, max);
    if (!v.ok())
        return v.error().withContext("policy");
    return v;
}

} // namespace

Json policyState(const Policy& policy) {
    if (policy.kind() == PolicyKind::Dash)
        return static_cast<const DashPolicy&>(policy).state();
    return policy.parameters();
}

Json policyFileJson(const Policy& policy, const Model& model) {
    const ModelConfig& c = model.config();
    Json m = Json::object();
    m.set("sha256", model.sha256());
    m.set("architecture", c.architectureName);
    m.set("layers", c.layers);
    m.set("dim", c.dim);
    m.set("name", c.name);
    m.set("file", baseName(model.path()));
    Json state = policyState(policy);
    Json j = Json::object();
    j.set("format", "dash-policy");
    j.set("version", kPolicyFileVersion);
    j.set("kind", policy.name());
    j.set("created", nowIso());
    j.set("model", std::move(m));
    j.set("checksum", checksum(policy.name(), model.sha256(), state));
    j.set("state", std::move(state));
    return j;
}

Status savePolicyFile(const std::string& path, const Policy& policy, const Model& model) {
    // A value that is not a finite float would be written as null and the
    // file refused when read back: refuse it now, before anything is written.
    if (auto st = checkJsonFloats(policyState(policy), "policy"); !st.ok())
        return st.error().withContext("refusing to write '" + path + "'");
    return saveJsonFile(path, policyFileJson(policy, model));
}

Expected<std::unique_ptr<Policy>> policyFromFileJson(const Json& j, const Model& model) {
    if (!j.isObject() || !j["format"].isString() || j["format"].asString() != "dash-policy")
        return invalidError("not a DASH Studio policy file (field 'format' is not 'dash-policy')");
    DASH_ASSIGN_OR_RETURN(double version, j.number("version"));
    if (!(version >= 1 && version <= kPolicyFileVersion) || version != std::floor(version))
        return unsupportedError("policy file version " + j["version"].dump() +
                                " is not supported (this build reads up to " +
                                std::to_string(kPolicyFileVersion) + ")");
    DASH_ASSIGN_OR_RETURN(std::string kindName, j.string("kind"));
    DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(kindName));
    DASH_ASSIGN_OR_RETURN(const Json* m, j.member("model", Json::Type::Object));
    DASH_ASSIGN_OR_RETURN(std::string modelSha, m->string("sha256"));
    DASH_ASSIGN_OR_RETURN(const Json* state, j.member("state", Json::Type::Object));
    DASH_ASSIGN_OR_RETURN(std::string sum, j.string("checksum"));
    if (sum != checksum(kindName, modelSha, *state))
        return invalidError("policy file is corrupted: its checksum does not match its contents");
    if (modelSha != model.sha256())
        return invalidError("policy was made for model '" + (*m)["file"].asString() + "' (sha256 " +
                            modelSha.substr(0, 12) + "…), not for '" + baseName(model.path()) +
                            "' (sha256 " + model.sha256().substr(0, 12) + "…)");
    // Every number of a policy ends up as a float or a bounded integer: one
    // beyond the float range (1e300) is refused here, naming it, rather than
    // becoming an infinity inside the policy.
    DASH_TRY(checkJsonFloats(*state, "policy"));
    const ModelConfig& c = model.config();
    switch (kind) {
    case PolicyKind::Dash: {
        // Whole and in range before DashPolicy converts it to an int.
        if (state->find("quant_group"))
            DASH_TRY(integerKnob(*state, "quant_group", 32, 4096));
        auto p = DashPolicy::fromState(*state, c.layers, c.dim);
        if (!p.ok())
            return p.error();
        return std::unique_ptr<Policy>(std::move(p).value());
    }
    case PolicyKind::Full:
        return std::unique_ptr<Policy>(new FullPrecisionPolicy);
    case PolicyKind::EarlyExit: {
        DASH_ASSIGN_OR_RETURN(double t, knobFrom(*state, "threshold"));
        return std::unique_ptr<Policy>(new EarlyExitPolicy(c.layers, t));
    }
    case PolicyKind::SkipDecode: {
        DASH_ASSIGN_OR_RETURN(double f, knobFrom(*state, "fraction"));
        DASH_ASSIGN_OR_RETURN(
            int64_t w, integerKnob(*state, "window", 1, std::numeric_limits<int32_t>::max()));
        return std::unique_ptr<Policy>(new SkipDecodePolicy(c.layers, w, f));
    }
    case PolicyKind::AdaSkip: {
        DASH_ASSIGN_OR_RETURN(double k, knobFrom(*state, "skip_layers"));
        return std::unique_ptr<Policy>(new AdaSkipPolicy(c.layers, k));
    }
    case PolicyKind::RandomSkip: {
        DASH_ASSIGN_OR_RETURN(double p, knobFrom(*state, "probability"));
        // Seeds travel as exact JSON integers over the whole uint64 range.
        auto seed = state->unsignedInteger("seed");
        if (!seed.ok())
            return seed.error().withContext("policy");
        return std::unique_ptr<Policy>(new RandomSkipPolicy(c.layers, p, *seed));
    }
    case PolicyKind::StaticSimilarity: {
        DASH_ASSIGN_OR_RETURN(double k, knobFrom(*state, "skip_layers"));
        DASH_ASSIGN_OR_RETURN(const Json* cos, state->member("mean_cos", Json::Type::Array));
        if (cos->size() != static_cast<size_t>(c.layers))
            return invalidError("policy field 'mean_cos' must hold one value per layer");
        for (const Json& v : cos->asArray())
            if (!v.isNumber())
                return invalidError("policy field 'mean_cos' must hold numbers");
        return std::unique_ptr<Policy>(new StaticSimilarityPolicy(c.layers, cos->toDoubles(), k));
    }
    }
    return internalError("unhandled policy kind");
}

Expected<std::unique_ptr<Policy>> loadPolicyFile(const std::string& path, const Model& model) {
    auto json = readJsonFile(path);
    if (!json.ok())
        return json.error();
    auto p = policyFromFileJson(*json, model);
    if (!p.ok())
        return p.error().withContext(path);
    return p;
}

Expected<std::unique_ptr<Policy>> makeBaseline(PolicyKind kind, const Model& model,
                                               const Calibration* calibration) {
    const ModelConfig& c = model.config();
    switch (kind) {
    case PolicyKind::Full:
        return std::unique_ptr<Policy>(new FullPrecisionPolicy);
    case PolicyKind::EarlyExit:
        return std::unique_ptr<Policy>(new EarlyExitPolicy(c.layers));
    case PolicyKind::SkipDecode:
        return std::unique_ptr<Policy>(new SkipDecodePolicy(c.layers, c.contextLength));
    case PolicyKind::AdaSkip:
        return std::unique_ptr<Policy>(new AdaSkipPolicy(c.layers));
    case PolicyKind::RandomSkip:
        return std::unique_ptr<Policy>(new RandomSkipPolicy(c.layers));
    case PolicyKind::StaticSimilarity:
        if (!calibration)
            return invalidError(
                "static similarity skipping needs a calibration (--calibration FILE) "
                "to rank the layers");
        DASH_TRY(calibration->checkShape(c.layers, c.dim));
        return std::unique_ptr<Policy>(new StaticSimilarityPolicy(c.layers, calibration->meanCos));
    case PolicyKind::Dash:
        return invalidError(
            "a DASH policy is trained (dash-cli train-policy) and loaded from its file");
    }
    return internalError("unhandled policy kind");
}

} // namespace dash
