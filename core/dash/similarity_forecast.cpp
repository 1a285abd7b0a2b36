// SPDX-License-Identifier: MIT
#include "core/dash/similarity_forecast.h"

#include "core/dash/oracle.h"
#include "core/dash/scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace dash {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double linear(const std::vector<double>& w, const float* x, int32_t dim) {
    double sum = w[static_cast<size_t>(dim)];
    for (int32_t i = 0; i < dim; ++i)
        sum += w[static_cast<size_t>(i)] * x[i];
    return sum;
}

// Collects every inner layer's normalised input, [layer][token][dim].
class InputRecorder : public LayerController {
public:
    explicit InputRecorder(std::vector<std::vector<float>>& inputs) : m_inputs(inputs) {}
    void beginPass(const PassInfo& pass) override { m_dim = pass.dim; }
    void beforeLayer(int32_t layer, const float* input, int64_t count,
                     LayerState* states) override {
        std::vector<float>& rows = m_inputs[static_cast<size_t>(layer)];
        for (int64_t t = 0; t < count; ++t) {
            states[t] = LayerState::Full;
            const size_t at = rows.size();
            rows.resize(at + static_cast<size_t>(m_dim));
            normalizeHidden(input + t * m_dim, m_dim, rows.data() + at);
        }
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    std::vector<std::vector<float>>& m_inputs;
    int32_t m_dim = 0;
};

} // namespace

Expected<std::vector<double>> fitRidge(const std::vector<float>& features,
                                       const std::vector<double>& targets, int32_t dim,
                                       double ridge) {
    if (dim < 1 || !(ridge >= 0))
        return invalidError("ridge regression needs at least one feature and a ridge >= 0");
    const auto n = static_cast<int64_t>(targets.size());
    if (n < 1 || static_cast<int64_t>(features.size()) != n * dim)
        return invalidError("ridge regression: " + std::to_string(features.size()) +
                            " feature values for " + std::to_string(n) + " targets of " +
                            std::to_string(dim) + " features");
    const auto p = static_cast<size_t>(dim) + 1;
    // Normal equations (lower triangle), then Cholesky.
    std::vector<double> a(p * p, 0.0), b(p, 0.0), row(p, 1.0);
    for (int64_t r = 0; r < n; ++r) {
        for (int32_t i = 0; i < dim; ++i)
            row[static_cast<size_t>(i)] = features[static_cast<size_t>(r * dim + i)];
        const double y = targets[static_cast<size_t>(r)];
        for (size_t i = 0; i < p; ++i) {
            b[i] += row[i] * y;
            double* ai = a.data() + i * p;
            for (size_t j = 0; j <= i; ++j)
                ai[j] += row[i] * row[j];
        }
    }
    for (size_t i = 0; i + 1 < p; ++i)
        a[i * p + i] += ridge * static_cast<double>(n);
    for (size_t j = 0; j < p; ++j) {
        double d = a[j * p + j];
        for (size_t k = 0; k < j; ++k)
            d -= a[j * p + k] * a[j * p + k];
        if (!(d > 1e-12 * std::max(1.0, a[j * p + j])))
            return invalidError("ridge regression: the features are linearly dependent "
                                "(use a ridge > 0)");
        a[j * p + j] = std::sqrt(d);
        for (size_t i = j + 1; i < p; ++i) {
            double s = a[i * p + j];
            for (size_t k = 0; k < j; ++k)
                s -= a[i * p + k] * a[j * p + k];
            a[i * p + j] = s / a[j * p + j];
        }
    }
    std::vector<double> w(p);
    for (size_t i = 0; i < p; ++i) { // L z = b
        double s = b[i];
        for (size_t k = 0; k < i; ++k)
            s -= a[i * p + k] * w[k];
        w[i] = s / a[i * p + i];
    }
    for (size_t i = p; i-- > 0;) { // Lᵀ w = z
        double s = w[i];
        for (size_t k = i + 1; k < p; ++k)
            s -= a[k * p + i] * w[k];
        w[i] = s / a[i * p + i];
    }
    return w;
}

double SimilarityForecast::forecast(int32_t layer, const float* input) const {
    std::vector<float> x(static_cast<size_t>(dim));
    normalizeHidden(input, dim, x.data());
    return linear(weights[static_cast<size_t>(layer)], x.data(), dim);
}

bool SimilarityForecast::skips(int32_t layer, const float* input) const {
    if (layer < 1 || layer + 1 >= layers)
        return false;
    return forecast(layer, input) > threshold[static_cast<size_t>(layer)];
}

Json SimilarityForecast::summary() const {
    auto list = [](const std::vector<double>& v) {
        Json::Array a;
        for (double x : v)
            a.emplace_back(std::isfinite(x) ? Json(x) : Json());
        return Json(std::move(a));
    };
    Json j = Json::object();
    j.set("mean_cosine", list(meanCosine));
    j.set("skip_share", list(skipShare));
    j.set("threshold", list(threshold));
    j.set("fit_r2", list(fitR2));
    return j;
}

Expected<SimilarityForecast> fitSimilarityForecast(Engine& engine, const std::vector<int32_t>& ids,
                                                   const std::vector<int64_t>& windowStarts,
                                                   const ForecastOptions& options) {
    const ModelConfig& c = engine.model().config();
    const int32_t layers = c.layers;
    const int64_t context = options.context;
    if (layers < 3)
        return invalidError("the similarity forecast needs a model of at least 3 layers");
    if (windowStarts.empty() || context < 1)
        return invalidError("the similarity forecast needs at least one window");
    if (!(options.ratio >= 1.0))
        return invalidError("the similarity forecast's target ratio must be >= 1");
    std::vector<std::vector<float>> inputs(static_cast<size_t>(layers));
    std::vector<float> cosines; // [token][layer]
    for (int64_t start : windowStarts) {
        if (options.cancel && options.cancel->cancelled())
            return cancelledError();
        DASH_ASSIGN_OR_RETURN(const std::span<const int32_t> window,
                              textWindow(ids, start, context));
        Trace trace;
        trace.layers = layers;
        InputRecorder recorder(inputs);
        ForwardOptions fo;
        fo.trace = &trace;
        fo.controller = &recorder;
        fo.cancel = options.cancel;
        engine.reset();
        DASH_TRY(engine.forward(window, fo));
        cosines.insert(cosines.end(), trace.cosInOut.begin(), trace.cosInOut.end());
    }
    engine.reset();
    const auto tokens = static_cast<int64_t>(cosines.size()) / layers;
    auto cosine = [&](int64_t t, int32_t l) {
        return static_cast<double>(cosines[static_cast<size_t>(t * layers + l)]);
    };

    SimilarityForecast f;
    f.layers = layers;
    f.dim = c.dim;
    f.weights.assign(static_cast<size_t>(layers), {});
    f.meanCosine.assign(static_cast<size_t>(layers), 0.0);
    f.skipShare.assign(static_cast<size_t>(layers), 0.0);
    f.threshold.assign(static_cast<size_t>(layers), kInf);
    f.fitR2.assign(static_cast<size_t>(layers), 0.0);
    std::vector<double> predicted(static_cast<size_t>(tokens * layers), 0.0);
    for (int32_t l = 1; l + 1 < layers; ++l) {
        std::vector<double> y(static_cast<size_t>(tokens));
        for (int64_t t = 0; t < tokens; ++t)
            y[static_cast<size_t>(t)] = cosine(t, l);
        const std::vector<float>& x = inputs[static_cast<size_t>(l)];
        DASH_ASSIGN_OR_RETURN(f.weights[static_cast<size_t>(l)],
                              fitRidge(x, y, c.dim, options.ridge));
        double mean = 0;
        for (double v : y)
            mean += v / static_cast<double>(tokens);
        double residual = 0, spread = 0;
        for (int64_t t = 0; t < tokens; ++t) {
            const double p = linear(f.weights[static_cast<size_t>(l)], x.data() + t * c.dim, c.dim);
            predicted[static_cast<size_t>(t * layers + l)] = p;
            residual += (p - y[static_cast<size_t>(t)]) * (p - y[static_cast<size_t>(t)]);
            spread += (y[static_cast<size_t>(t)] - mean) * (y[static_cast<size_t>(t)] - mean);
        }
        f.meanCosine[static_cast<size_t>(l)] = mean;
        f.fitR2[static_cast<size_t>(l)] = spread > 0 ? 1.0 - residual / spread : 0.0;
    }

    // The budgeted rule's shares: for each layer l, the mean cosines of the
    // inner layers after it, highest first.
    std::vector<std::vector<double>> ahead(static_cast<size_t>(layers));
    for (int32_t l = 1; l + 1 < layers; ++l) {
        auto& v = ahead[static_cast<size_t>(l)];
        v.assign(f.meanCosine.begin() + l + 1, f.meanCosine.end() - 1);
        std::sort(v.rbegin(), v.rend());
    }
    for (int64_t t = 0; t < tokens; ++t) {
        int32_t left = staticSkipCount(layers, options.ratio, t % context);
        for (int32_t l = 1; l + 1 < layers && left > 0; ++l) {
            const auto& v = ahead[static_cast<size_t>(l)];
            const bool must = left > static_cast<int32_t>(v.size());
            if (must ||
                predicted[static_cast<size_t>(t * layers + l)] > v[static_cast<size_t>(left - 1)]) {
                f.skipShare[static_cast<size_t>(l)] += 1.0 / static_cast<double>(tokens);
                --left;
            }
        }
    }
    // Thresholds: the forecast that a layer's share of the tokens exceeds.
    for (int32_t l = 1; l + 1 < layers; ++l) {
        std::vector<double> v(static_cast<size_t>(tokens));
        for (int64_t t = 0; t < tokens; ++t)
            v[static_cast<size_t>(t)] = predicted[static_cast<size_t>(t * layers + l)];
        std::sort(v.rbegin(), v.rend());
        const auto k = static_cast<int64_t>(
            std::llround(f.skipShare[static_cast<size_t>(l)] * static_cast<double>(tokens)));
        double& tau = f.threshold[static_cast<size_t>(l)];
        if (k <= 0)
            tau = kInf;
        else if (k >= tokens)
            tau = -kInf;
        else
            tau = 0.5 * (v[static_cast<size_t>(k - 1)] + v[static_cast<size_t>(k)]);
    }
    return f;
}

void ForecastSkipController::beforeLayer(int32_t layer, const float* input, int64_t count,
                                         LayerState* states) {
    for (int64_t t = 0; t < count; ++t)
        states[t] =
            m_forecast.skips(layer, input + t * m_dim) ? LayerState::Skip : LayerState::Full;
}

Expected<StateTable> forecastStates(Engine& engine, const std::vector<int32_t>& ids,
                                    const std::vector<int64_t>& windowStarts, int64_t context,
                                    const SimilarityForecast& forecast, const CancelToken* cancel) {
    const int32_t layers = engine.model().config().layers;
    if (forecast.layers != layers || forecast.dim != engine.model().config().dim)
        return invalidError("the similarity forecast was fitted for another model shape");
    StateTable table(static_cast<int64_t>(windowStarts.size()) * context, layers);
    ForecastSkipController rule(forecast);
    RecordingController recorder(&rule, table);
    for (size_t w = 0; w < windowStarts.size(); ++w) {
        if (cancel && cancel->cancelled())
            return cancelledError();
        DASH_ASSIGN_OR_RETURN(const std::span<const int32_t> window,
                              textWindow(ids, windowStarts[w], context));
        recorder.setFirstRow(static_cast<int64_t>(w) * context);
        ForwardOptions fo;
        fo.controller = &recorder;
        fo.cancel = cancel;
        engine.reset();
        DASH_TRY(engine.forward(window, fo));
    }
    engine.reset();
    return table;
}

} // namespace dash
