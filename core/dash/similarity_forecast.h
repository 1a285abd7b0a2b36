// SPDX-License-Identifier: MIT
// A label-free skip rule that depends on the input, for DASH's imitation
// warm start (train-policy --imitation-target forecast): forecast how similar
// an inner layer's output will be to its input for this token, from the
// layer's input alone, and skip where the forecast is high.
//
// - Forecast: per inner layer l, a ridge regression of cos(x_l, y_l) on
//   [x̂_l ; 1], x̂ the layer's input divided by its RMS, fitted on windows run
//   at full precision.
// - Per-layer skip shares: on the same windows, every token spends the static
//   skip count of the target ratio (staticSkipCount) layer by layer, skipping
//   layer l when its forecast exceeds the b-th highest mean cosine of the
//   layers after l (b the skips it has left), or when it has as many skips
//   left as layers. The share of tokens that skip layer l this way is l's.
// - The rule: skip layer l for a token when its forecast exceeds l's
//   threshold, the forecast that l's share of the fitting tokens exceeds. It
//   reads nothing but the layer's input, so a DASH scorer can learn it.
#pragma once

#include "core/dash/state_table.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/json.h"

#include <cstdint>
#include <vector>

namespace dash {

// The w minimising Σ_i (w·[x_i ; 1] - y_i)² + ridge·n·|w without its bias|²
// for n rows x_i of `dim` features ([n][dim], row-major) and targets y_i;
// w has dim + 1 entries, the bias last.
Expected<std::vector<double>> fitRidge(const std::vector<float>& features,
                                       const std::vector<double>& targets, int32_t dim,
                                       double ridge);

struct SimilarityForecast {
    int32_t layers = 0;
    int32_t dim = 0;
    std::vector<std::vector<double>> weights; // [layer][dim + 1]; empty for the first and last
    std::vector<double> meanCosine;           // [layer], over the fitting tokens
    std::vector<double> skipShare;            // [layer]: the budgeted rule's share
    std::vector<double> threshold;            // [layer]; +inf: never skipped
    std::vector<double> fitR2;                // [layer]: R² on the fitting tokens

    // The forecast cosine of `layer` for a token whose layer input is `input` [dim].
    double forecast(int32_t layer, const float* input) const;
    bool skips(int32_t layer, const float* input) const;
    // Thresholds, shares and fit quality (not the weights), for provenance.
    Json summary() const;
};

struct ForecastOptions {
    int64_t context = 0; // tokens per window
    double ratio = 2.0;  // the target ratio the skip shares spend
    double ridge = 1e-3; // see fitRidge
    const CancelToken* cancel = nullptr;
};

// Fits the forecast on windows of `ids` starting at `windowStarts`, each run
// from an empty cache at full precision. Needs at least 3 layers.
Expected<SimilarityForecast> fitSimilarityForecast(Engine& engine, const std::vector<int32_t>& ids,
                                                   const std::vector<int64_t>& windowStarts,
                                                   const ForecastOptions& options);

// The rule's decisions: inner layers skipped where the forecast passes the
// threshold, the first and last layers at full precision.
class ForecastSkipController : public LayerController {
public:
    explicit ForecastSkipController(const SimilarityForecast& forecast) : m_forecast(forecast) {}
    void beginPass(const PassInfo& pass) override { m_dim = pass.dim; }
    void beforeLayer(int32_t layer, const float* input, int64_t count, LayerState* states) override;
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    const SimilarityForecast& m_forecast;
    int32_t m_dim = 0;
};

// The rule's states over windows (row window * context + t), each window run
// from an empty cache with the engine as configured (compensation, KV mode).
Expected<StateTable> forecastStates(Engine& engine, const std::vector<int32_t>& ids,
                                    const std::vector<int64_t>& windowStarts, int64_t context,
                                    const SimilarityForecast& forecast,
                                    const CancelToken* cancel = nullptr);

} // namespace dash
