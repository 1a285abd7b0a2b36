// SPDX-License-Identifier: MIT
#include "core/dash/dash_policy.h"

namespace dash {

DashPolicy::DashPolicy(std::shared_ptr<const ScoringModel> scorer, Calibration calibration,
                       int32_t quantGroup)
    : m_scorer(std::move(scorer)), m_calibration(std::move(calibration)), m_quantGroup(quantGroup) {
}

Json DashPolicy::parameters() const {
    Json j = Json::object();
    j.set("cost_bias", m_runtime.costBias);
    j.set("state_costs", Json::array(std::vector<double>(m_runtime.stateCosts.begin(),
                                                         m_runtime.stateCosts.end())));
    j.set("async", m_runtime.async);
    j.set("correction_threshold", m_runtime.correctionThreshold);
    j.set("allow_int4", m_runtime.allowInt4);
    j.set("allow_int8", m_runtime.allowInt8);
    j.set("quant_group", m_quantGroup);
    j.set("alpha_method", alphaMethodName(m_calibration.method));
    j.set("embed", m_scorer->shape().embed);
    j.set("hidden", m_scorer->shape().hidden);
    j.set("lambda", m_scorer->lambda());
    return j;
}

std::string DashPolicy::variantName() const {
    if (m_runtime.allowInt4 && m_runtime.allowInt8)
        return "dash";
    std::string name = "dash-skip";
    if (m_runtime.allowInt8)
        name += "-int8";
    if (m_runtime.allowInt4)
        name += "-int4";
    return name;
}

Status DashPolicy::prepare(Engine& engine) const {
    const ModelConfig& c = engine.model().config();
    DASH_TRY(m_calibration.checkShape(c.layers, c.dim));
    DASH_TRY(engine.setCompensation(m_calibration.compensation()));
    if (m_runtime.allowInt4 || m_runtime.allowInt8)
        DASH_TRY(engine.enableQuantizedStates(m_quantGroup));
    return {};
}

std::unique_ptr<LayerController> DashPolicy::makeController() const {
    return std::make_unique<DashController>(m_scorer, m_calibration.gamma,
                                            m_calibration.compensation().alpha, m_runtime);
}

Json DashPolicy::state() const {
    Json j = parameters();
    j.set("scorer", m_scorer->toJson());
    j.set("calibration", m_calibration.toJson());
    j.set("training", m_training);
    return j;
}

Expected<std::unique_ptr<DashPolicy>> DashPolicy::fromState(const Json& j, int32_t layers,
                                                            int32_t dim) {
    DASH_ASSIGN_OR_RETURN(const Json* calibrationJson, j.member("calibration", Json::Type::Object));
    auto calibration = Calibration::fromJson(*calibrationJson);
    if (!calibration.ok())
        return calibration.error().withContext("policy calibration");
    DASH_TRY(calibration->checkShape(layers, dim));
    DASH_ASSIGN_OR_RETURN(const Json* scorerJson, j.member("scorer", Json::Type::Object));
    auto scorer = ScoringModel::fromJson(*scorerJson, dim, layers);
    if (!scorer.ok())
        return scorer.error().withContext("policy scorer");
    DASH_ASSIGN_OR_RETURN(double group, j.number("quant_group"));
    if (group < 32 || static_cast<int>(group) % 32 != 0 || group > 4096)
        return invalidError("policy field 'quant_group' must be a multiple of 32");
    auto policy = std::make_unique<DashPolicy>(
        std::make_shared<const ScoringModel>(std::move(scorer).value()),
        std::move(calibration).value(), static_cast<int32_t>(group));
    DashRuntimeOptions& r = policy->m_runtime;
    DASH_ASSIGN_OR_RETURN(double bias, j.number("cost_bias"));
    r.costBias = static_cast<float>(bias);
    if (const Json& costs = j["state_costs"]; !costs.isNull()) {
        // Absent in files written before measured costs: the nominal costs.
        if (!costs.isArray() || costs.size() != kStateCount)
            return invalidError("policy field 'state_costs' must be a list of 4 numbers");
        for (size_t k = 0; k < kStateCount; ++k) {
            if (!costs[k].isNumber())
                return invalidError("policy field 'state_costs' must be a list of 4 numbers");
            r.stateCosts[k] = static_cast<float>(costs[k].asNumber());
        }
        if (auto st = checkStateCosts(r.stateCosts); !st.ok())
            return st.error().withContext("policy field 'state_costs'");
    }
    r.async = !j["async"].isBool() || j["async"].asBool();
    r.correctionThreshold = static_cast<float>(j["correction_threshold"].asNumber());
    r.allowInt4 = !j["allow_int4"].isBool() || j["allow_int4"].asBool();
    r.allowInt8 = !j["allow_int8"].isBool() || j["allow_int8"].asBool();
    if (j["training"].isObject())
        policy->m_training = j["training"];
    return policy;
}

} // namespace dash
