// SPDX-License-Identifier: MIT
// A policy decides every (token, layer) execution state. DASH and the
// baselines share this interface so that the CLI, the sweep and the app treat
// them alike; each can be tuned to a requested nominal ratio through one knob.
#pragma once

#include "core/engine/engine.h"
#include "core/engine/forwarding_controller.h"
#include "core/util/json.h"

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace dash {

enum class PolicyKind { Full, Dash, EarlyExit, SkipDecode, AdaSkip, RandomSkip, StaticSimilarity };
const char* policyKindName(PolicyKind kind); // "full", "dash", "early-exit", ...
Expected<PolicyKind> parsePolicyKind(const std::string& text);
// Names accepted by parsePolicyKind, comma-separated (for help texts).
std::string policyKindList();

class Policy {
public:
    virtual ~Policy() = default;

    virtual PolicyKind kind() const = 0;
    std::string name() const { return policyKindName(kind()); }
    // Every setting that determines the decisions (including the knob).
    virtual Json parameters() const = 0;

    // Configures the engine (compensation, quantised weights) before a run.
    virtual Status prepare(Engine& engine) const;
    // A controller for one sequence; null: every layer at full precision.
    virtual std::unique_ptr<LayerController> makeController() const = 0;
    // Called with a sequence's context before the controlled run (AdaSkip
    // measures layer similarity there); leaves the engine's cache as it was.
    virtual Status probe(Engine& engine, std::span<const int32_t> context);

    // The knob that moves the nominal ratio (monotonically), if any.
    virtual bool tunable() const { return false; }
    virtual double knob() const { return 0; }
    virtual void setKnob(double) {}
    virtual std::pair<double, double> knobRange() const { return {0, 0}; }
    // The nominal ratio that does not depend on the text (windows of
    // `windowLength` tokens), when the policy's decisions do not.
    virtual std::optional<double> predictedRatio(int64_t windowLength) const;
};

// The nominal cost of cells counted per state (kStates order): each cell at
// its state's code (skip 0, INT4 1, INT8 2, full 4).
double nominalCost(const std::array<double, kStateCount>& stateCells);

// Wraps a controller and counts the states it sets (for nominal ratios).
class CountingController : public ForwardingController {
public:
    using ForwardingController::ForwardingController;
    void beforeLayer(int32_t layer, const float* input, int64_t count, LayerState* states) override;

    // Cells run in each state (kStates order).
    const std::array<double, kStateCount>& stateCells() const { return m_stateCells; }
    double cells() const;
    double cost() const { return nominalCost(m_stateCells); }
    double ratio() const { return cost() > 0 ? 4.0 * cells() / cost() : 0.0; }

private:
    std::array<double, kStateCount> m_stateCells{};
};

} // namespace dash
