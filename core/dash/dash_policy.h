// SPDX-License-Identifier: MIT
// DASH as a Policy: the scoring model, its calibration (alpha for skipped
// layers, gamma for the asynchronous approximation), the quantisation group of
// the INT8/INT4 weights, and the cost bias that sets the nominal ratio.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/dash_controller.h"
#include "core/dash/policy.h"
#include "core/dash/scorer.h"

#include <memory>
#include <mutex>

namespace dash {

class DashPolicy : public Policy {
public:
    DashPolicy(std::shared_ptr<const ScoringModel> scorer, Calibration calibration,
               int32_t quantGroup = 32);

    PolicyKind kind() const override { return PolicyKind::Dash; }
    Json parameters() const override;
    Status prepare(Engine& engine) const override;
    std::unique_ptr<LayerController> makeController() const override;
    bool tunable() const override { return true; }
    double knob() const override { return m_runtime.costBias; }
    void setKnob(double v) override { m_runtime.costBias = static_cast<float>(v); }
    std::pair<double, double> knobRange() const override { return {-4.0, 4.0}; }

    DashRuntimeOptions& runtime() { return m_runtime; }
    const DashRuntimeOptions& runtime() const { return m_runtime; }
    const ScoringModel& scorer() const { return *m_scorer; }
    std::shared_ptr<const ScoringModel> scorerPtr() const { return m_scorer; }
    const Calibration& calibration() const { return m_calibration; }
    int32_t quantGroup() const { return m_quantGroup; }
    // "dash" when every state is allowed, else the allowed states besides full
    // precision: "dash-skip", "dash-skip-int8", "dash-skip-int4".
    std::string variantName() const;
    // Provenance recorded by training (data hash, steps, seed, target, beta).
    Json& training() { return m_training; }
    const Json& training() const { return m_training; }

    // The full state for a policy file, and back.
    Json state() const;
    static Expected<std::unique_ptr<DashPolicy>> fromState(const Json& state, int32_t layers,
                                                           int32_t dim);

private:
    std::shared_ptr<const ScoringModel> m_scorer;
    Calibration m_calibration;
    int32_t m_quantGroup;
    DashRuntimeOptions m_runtime;
    Json m_training = Json::object();
};

} // namespace dash
