// SPDX-License-Identifier: MIT
#include "core/dash/policy.h"

#include <algorithm>

namespace dash {

namespace {
constexpr PolicyKind kKinds[] = {PolicyKind::Full,
                                 PolicyKind::Dash,
                                 PolicyKind::EarlyExit,
                                 PolicyKind::SkipDecode,
                                 PolicyKind::AdaSkip,
                                 PolicyKind::RandomSkip,
                                 PolicyKind::StaticSimilarity};
}

const char* policyKindName(PolicyKind kind) {
    switch (kind) {
    case PolicyKind::Full:
        return "full";
    case PolicyKind::Dash:
        return "dash";
    case PolicyKind::EarlyExit:
        return "early-exit";
    case PolicyKind::SkipDecode:
        return "skipdecode";
    case PolicyKind::AdaSkip:
        return "adaskip";
    case PolicyKind::RandomSkip:
        return "random";
    case PolicyKind::StaticSimilarity:
        return "static";
    }
    return "?";
}

Expected<PolicyKind> parsePolicyKind(const std::string& text) {
    for (PolicyKind k : kKinds)
        if (text == policyKindName(k))
            return k;
    return invalidError("unknown policy '" + text + "' (expected one of " + policyKindList() + ")");
}

std::string policyKindList() {
    std::string out;
    for (PolicyKind k : kKinds)
        out += (out.empty() ? "" : ", ") + std::string(policyKindName(k));
    return out;
}

Status Policy::prepare(Engine& engine) const {
    return engine.setCompensation({});
}

Status Policy::probe(Engine&, std::span<const int32_t>) {
    return {};
}

std::optional<double> Policy::predictedRatio(int64_t) const {
    return std::nullopt;
}

void CountingController::beforeLayer(int32_t layer, const float* input, int64_t count,
                                     LayerState* states) {
    ForwardingController::beforeLayer(layer, input, count, states);
    for (int64_t t = 0; t < count; ++t)
        m_stateCells[static_cast<size_t>(stateIndex(states[t]))] += 1;
}

double CountingController::cells() const {
    double n = 0;
    for (double c : m_stateCells)
        n += c;
    return n;
}

double nominalCost(const std::array<double, kStateCount>& stateCells) {
    double total = 0;
    for (int k = 0; k < kStateCount; ++k)
        total += stateCells[static_cast<size_t>(k)] * static_cast<double>(kStates[k]);
    return total;
}

} // namespace dash
