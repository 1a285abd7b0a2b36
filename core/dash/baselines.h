// SPDX-License-Identifier: MIT
// The baselines DASH is compared with, on the same engine and at a requested
// nominal ratio. Skipped layers pass the hidden state on unchanged (no scale
// compensation: that is DASH's). Layer granularity throughout.
//   Early-Exit  a token stops at the first layer (after layer 0) whose
//               cos(input, output) reaches a threshold; all later layers are
//               skipped and the head reads that hidden state.
//   SkipDecode  position-dependent exit: token p computes only the top n(p)
//               layers, n decreasing linearly along the window (monotonic in
//               position, as the method requires for KV-cache reuse).
//   AdaSkip     ranks layers by mean cos(input, output) measured at full
//               precision on the sequence's own context (a probe pass, like
//               its prefill) and skips the most redundant ones; the paper's
//               sublayer (attention/FFN) granularity is not implemented.
//   RandomSkip  each inner layer skipped independently with a probability.
//   Static      ShortGPT-style: the layers with the highest calibration
//               cos(input, output) are skipped for every token.
// First and last layers always run for AdaSkip, RandomSkip and Static.
// Fractional knobs (k = 5.4 layers) skip the extra layer for that fraction of
// positions, so any ratio can be reached.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/policy.h"

#include <memory>
#include <vector>

namespace dash {

class FullPrecisionPolicy : public Policy {
public:
    PolicyKind kind() const override { return PolicyKind::Full; }
    Json parameters() const override { return Json::object(); }
    std::unique_ptr<LayerController> makeController() const override { return nullptr; }
    std::optional<double> predictedRatio(int64_t) const override { return 1.0; }
};

class EarlyExitPolicy : public Policy {
public:
    explicit EarlyExitPolicy(int32_t layers, double threshold = 0.95)
        : m_layers(layers), m_threshold(threshold) {}
    PolicyKind kind() const override { return PolicyKind::EarlyExit; }
    Json parameters() const override;
    std::unique_ptr<LayerController> makeController() const override;
    bool tunable() const override { return true; }
    double knob() const override { return m_threshold; }
    void setKnob(double v) override { m_threshold = v; }
    std::pair<double, double> knobRange() const override { return {-1.0, 1.0001}; }

private:
    int32_t m_layers;
    double m_threshold;
};

class SkipDecodePolicy : public Policy {
public:
    // fraction: mean fraction of layers computed; window: schedule length.
    SkipDecodePolicy(int32_t layers, int64_t window, double fraction = 0.5)
        : m_layers(layers), m_window(window), m_fraction(fraction) {}
    PolicyKind kind() const override { return PolicyKind::SkipDecode; }
    Json parameters() const override;
    std::unique_ptr<LayerController> makeController() const override;
    bool tunable() const override { return true; }
    double knob() const override { return m_fraction; }
    void setKnob(double v) override { m_fraction = v; }
    std::pair<double, double> knobRange() const override { return {0.01, 1.0}; }
    std::optional<double> predictedRatio(int64_t windowLength) const override;
    // Layers computed by the token at `position` (the top ones).
    int32_t computedLayers(int64_t position) const;

private:
    int32_t m_layers;
    int64_t m_window;
    double m_fraction;
};

// Shared by AdaSkip and Static: skip `k` (fractional) layers in a given order.
class RankedSkipPolicy : public Policy {
public:
    RankedSkipPolicy(int32_t layers, double skipLayers) : m_layers(layers), m_skip(skipLayers) {}
    std::unique_ptr<LayerController> makeController() const override;
    bool tunable() const override { return true; }
    double knob() const override { return m_skip; }
    void setKnob(double v) override { m_skip = v; }
    std::pair<double, double> knobRange() const override {
        return {0.0, static_cast<double>(std::max(0, m_layers - 2))};
    }
    std::optional<double> predictedRatio(int64_t windowLength) const override;
    // Layers from most to least redundant (first and last excluded).
    virtual std::vector<int32_t> order() const = 0;

protected:
    static std::vector<int32_t> rankBySimilarity(const std::vector<double>& meanCos);
    int32_t m_layers;
    double m_skip;
};

class AdaSkipPolicy : public RankedSkipPolicy {
public:
    explicit AdaSkipPolicy(int32_t layers, double skipLayers = 4)
        : RankedSkipPolicy(layers, skipLayers) {}
    PolicyKind kind() const override { return PolicyKind::AdaSkip; }
    Json parameters() const override;
    Status probe(Engine& engine, std::span<const int32_t> context) override;
    std::vector<int32_t> order() const override;

private:
    std::vector<double> m_meanCos; // from the last probe
};

class StaticSimilarityPolicy : public RankedSkipPolicy {
public:
    StaticSimilarityPolicy(int32_t layers, std::vector<double> meanCos, double skipLayers = 4)
        : RankedSkipPolicy(layers, skipLayers), m_meanCos(std::move(meanCos)) {}
    PolicyKind kind() const override { return PolicyKind::StaticSimilarity; }
    Json parameters() const override;
    std::vector<int32_t> order() const override;

private:
    std::vector<double> m_meanCos; // from calibration
};

class RandomSkipPolicy : public Policy {
public:
    RandomSkipPolicy(int32_t layers, double probability = 0.3, uint64_t seed = 1)
        : m_layers(layers), m_probability(probability), m_seed(seed) {}
    PolicyKind kind() const override { return PolicyKind::RandomSkip; }
    Json parameters() const override;
    std::unique_ptr<LayerController> makeController() const override;
    bool tunable() const override { return true; }
    double knob() const override { return m_probability; }
    void setKnob(double v) override { m_probability = v; }
    std::pair<double, double> knobRange() const override { return {0.0, 1.0}; }
    std::optional<double> predictedRatio(int64_t windowLength) const override;

private:
    int32_t m_layers;
    double m_probability;
    uint64_t m_seed;
};

// A number in [0, 1) fixed by (seed, position, layer): reproducible choices that
// do not depend on how tokens are batched.
double positionHash(uint64_t seed, int64_t position, int32_t layer);

} // namespace dash
