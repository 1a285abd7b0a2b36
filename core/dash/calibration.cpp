// SPDX-License-Identifier: MIT
#include "core/dash/calibration.h"

#include "core/engine/cpu/ops.h"
#include "core/util/json_numbers.h"
#include "core/util/output_file.h"

#include <cmath>

namespace dash {

const char* alphaMethodName(AlphaMethod method) {
    switch (method) {
    case AlphaMethod::NormRatio:
        return "norm-ratio";
    case AlphaMethod::LeastSquares:
        return "least-squares";
    case AlphaMethod::PerChannel:
        return "per-channel";
    case AlphaMethod::None:
        return "none";
    }
    return "?";
}

Expected<AlphaMethod> parseAlphaMethod(const std::string& text) {
    for (AlphaMethod m : kAlphaMethods)
        if (text == alphaMethodName(m))
            return m;
    return invalidError("unknown calibration method '" + text +
                        "' (expected none, norm-ratio, least-squares or per-channel)");
}

CalibrationAccumulator::CalibrationAccumulator(int32_t layers, int32_t dim)
    : m_layers(layers), m_dim(dim), m_count(static_cast<size_t>(layers)),
      m_ratioSum(static_cast<size_t>(layers)), m_cosSum(static_cast<size_t>(layers)),
      m_xy(static_cast<size_t>(layers)), m_xx(static_cast<size_t>(layers)),
      m_xyc(static_cast<size_t>(layers) * dim), m_xxc(static_cast<size_t>(layers) * dim) {}

void CalibrationAccumulator::add(int32_t layer, const float* x, const float* y, int64_t n) {
    const auto l = static_cast<size_t>(layer);
    double* xyc = m_xyc.data() + l * m_dim;
    double* xxc = m_xxc.data() + l * m_dim;
    for (int64_t t = 0; t < n; ++t) {
        const float* xt = x + t * m_dim;
        const float* yt = y + t * m_dim;
        double xy = 0, xx = 0, yy = 0;
        for (int32_t c = 0; c < m_dim; ++c) {
            const double a = xt[c], b = yt[c];
            xy += a * b;
            xx += a * a;
            yy += b * b;
            xyc[c] += a * b;
            xxc[c] += a * a;
        }
        if (xx > 0)
            m_ratioSum[l] += std::sqrt(yy / xx);
        if (xx > 0 && yy > 0)
            m_cosSum[l] += xy / std::sqrt(xx * yy);
        m_xy[l] += xy;
        m_xx[l] += xx;
        ++m_count[l];
    }
}

Calibration CalibrationAccumulator::finish(AlphaMethod method) const {
    Calibration c;
    c.method = method;
    c.layers = m_layers;
    c.dim = m_dim;
    for (int32_t l = 0; l < m_layers; ++l) {
        const auto li = static_cast<size_t>(l);
        const double count = static_cast<double>(std::max<int64_t>(1, m_count[li]));
        c.normRatio.push_back(m_count[li] ? m_ratioSum[li] / count : 1.0);
        c.leastSquares.push_back(m_xx[li] > 0 ? m_xy[li] / m_xx[li] : 1.0);
        c.meanCos.push_back(m_count[li] ? m_cosSum[li] / count : 1.0);
        std::vector<float> perChannel(static_cast<size_t>(m_dim));
        for (int32_t d = 0; d < m_dim; ++d) {
            const double xx = m_xxc[li * m_dim + d];
            perChannel[static_cast<size_t>(d)] =
                xx > 0 ? static_cast<float>(m_xyc[li * m_dim + d] / xx) : 1.0f;
        }
        c.gamma.push_back(perChannel);
        c.perChannel.push_back(std::move(perChannel));
    }
    c.tokens = m_count.empty() ? 0 : m_count[0];
    return c;
}

void CalibrationObserver::beforeLayer(int32_t, const float* input, int64_t count,
                                      LayerState* states) {
    m_input.assign(input, input + count * m_dim);
    std::fill(states, states + count, LayerState::Full);
}

void CalibrationObserver::afterLayer(int32_t layer, const float* output, int64_t count) {
    m_accumulator.add(layer, m_input.data(), output, count);
}

Compensation Calibration::compensation() const {
    Compensation comp;
    if (method == AlphaMethod::None)
        return comp; // identity: the engine passes a skipped layer's input on
    for (int32_t l = 0; l < layers; ++l) {
        const auto li = static_cast<size_t>(l);
        switch (method) {
        case AlphaMethod::NormRatio:
            comp.alpha.push_back({static_cast<float>(normRatio[li])});
            break;
        case AlphaMethod::LeastSquares:
            comp.alpha.push_back({static_cast<float>(leastSquares[li])});
            break;
        case AlphaMethod::PerChannel:
            comp.alpha.push_back(perChannel[li]);
            break;
        case AlphaMethod::None:
            break;
        }
    }
    return comp;
}

Status Calibration::checkShape(int32_t expectLayers, int32_t expectDim) const {
    if (layers != expectLayers || dim != expectDim)
        return invalidError("calibration is for " + std::to_string(layers) + " layers of dim " +
                            std::to_string(dim) + ", the model has " +
                            std::to_string(expectLayers) + " layers of dim " +
                            std::to_string(expectDim));
    return {};
}

namespace {

Json matrixJson(const std::vector<std::vector<float>>& m) {
    Json out(Json::Array{});
    for (const auto& row : m)
        out.push(Json::array(row));
    return out;
}

Expected<std::vector<double>> readVector(const Json& json, const char* key, size_t size) {
    DASH_ASSIGN_OR_RETURN(const Json* a, json.member(key, Json::Type::Array));
    if (a->size() != size)
        return invalidError(std::string("calibration field '") + key + "' has " +
                            std::to_string(a->size()) + " values, expected " +
                            std::to_string(size));
    std::vector<double> out;
    for (size_t i = 0; i < a->size(); ++i) {
        const Json& v = (*a)[i];
        // The engine uses these as floats: a value beyond the float range
        // would become an infinity there.
        if (!v.isNumber() || !fitsFloat(v.asNumber()))
            return invalidError(std::string("calibration field '") + key + "' [" +
                                std::to_string(i) + "] holds " + v.dump() +
                                ", not a finite number in the float range");
        out.push_back(v.asNumber());
    }
    return out;
}

Expected<std::vector<std::vector<float>>> readMatrix(const Json& json, const char* key, size_t rows,
                                                     size_t cols) {
    DASH_ASSIGN_OR_RETURN(const Json* a, json.member(key, Json::Type::Array));
    if (a->size() != rows)
        return invalidError(std::string("calibration field '") + key + "' has " +
                            std::to_string(a->size()) + " rows, expected " + std::to_string(rows));
    std::vector<std::vector<float>> out;
    for (size_t r = 0; r < rows; ++r) {
        const Json& row = (*a)[r];
        if (!row.isArray() || row.size() != cols)
            return invalidError(std::string("calibration field '") + key + "' row " +
                                std::to_string(r) + " must hold " + std::to_string(cols) +
                                " values");
        std::vector<float> values;
        for (size_t c = 0; c < cols; ++c) {
            const Json& v = row[c];
            if (!v.isNumber() || !fitsFloat(v.asNumber()))
                return invalidError(std::string("calibration field '") + key + "' [" +
                                    std::to_string(r) + "][" + std::to_string(c) + "] holds " +
                                    v.dump() + ", not a finite number in the float range");
            values.push_back(static_cast<float>(v.asNumber()));
        }
        out.push_back(std::move(values));
    }
    return out;
}

} // namespace

Json Calibration::toJson() const {
    Json j = Json::object();
    j.set("format", "dash-calibration");
    j.set("version", 1);
    j.set("method", alphaMethodName(method));
    j.set("layers", layers);
    j.set("dim", dim);
    j.set("sequences", sequences);
    j.set("tokens", tokens);
    j.set("model_sha256", modelSha256);
    j.set("text_sha256", textSha256);
    j.set("norm_ratio", Json::array(normRatio));
    j.set("least_squares", Json::array(leastSquares));
    j.set("mean_cos", Json::array(meanCos));
    j.set("per_channel", matrixJson(perChannel));
    j.set("gamma", matrixJson(gamma));
    if (!methodTuning.isNull())
        j.set("method_tuning", methodTuning);
    return j;
}

Expected<Calibration> Calibration::fromJson(const Json& j) {
    if (!j.isObject() || j["format"].isNull() || !j["format"].isString() ||
        j["format"].asString() != "dash-calibration")
        return invalidError("not a DASH calibration (field 'format' is not 'dash-calibration')");
    DASH_ASSIGN_OR_RETURN(double version, j.number("version"));
    if (version != 1)
        return unsupportedError("calibration version " + std::to_string(version) +
                                " is not supported (1 is)");
    Calibration c;
    DASH_ASSIGN_OR_RETURN(std::string method, j.string("method"));
    DASH_ASSIGN_OR_RETURN(c.method, parseAlphaMethod(method));
    DASH_ASSIGN_OR_RETURN(int64_t layers, j.integer("layers", 1, 4096));
    DASH_ASSIGN_OR_RETURN(int64_t dim, j.integer("dim", 1, 1 << 17));
    c.layers = static_cast<int32_t>(layers);
    c.dim = static_cast<int32_t>(dim);
    // Counts for the record; absent in hand-made files.
    constexpr int64_t kMaxCount = int64_t{1} << 53;
    if (j.find("sequences")) {
        DASH_ASSIGN_OR_RETURN(c.sequences, j.integer("sequences", 0, kMaxCount));
    }
    if (j.find("tokens")) {
        DASH_ASSIGN_OR_RETURN(c.tokens, j.integer("tokens", 0, kMaxCount));
    }
    DASH_ASSIGN_OR_RETURN(c.modelSha256, j.string("model_sha256"));
    c.textSha256 = j["text_sha256"].isString() ? j["text_sha256"].asString() : "";
    const auto L = static_cast<size_t>(c.layers);
    DASH_ASSIGN_OR_RETURN(c.normRatio, readVector(j, "norm_ratio", L));
    DASH_ASSIGN_OR_RETURN(c.leastSquares, readVector(j, "least_squares", L));
    DASH_ASSIGN_OR_RETURN(c.meanCos, readVector(j, "mean_cos", L));
    DASH_ASSIGN_OR_RETURN(c.perChannel,
                          readMatrix(j, "per_channel", L, static_cast<size_t>(c.dim)));
    DASH_ASSIGN_OR_RETURN(c.gamma, readMatrix(j, "gamma", L, static_cast<size_t>(c.dim)));
    if (j["method_tuning"].isObject())
        c.methodTuning = j["method_tuning"];
    return c;
}

Expected<Calibration> calibrate(Engine& engine, const std::vector<int32_t>& ids,
                                const CalibrationOptions& options) {
    const ModelConfig& cfg = engine.model().config();
    const int64_t length = options.sequenceLength > 0
                               ? std::min<int64_t>(options.sequenceLength, engine.maxContext())
                               : std::min<int64_t>(cfg.contextLength, engine.maxContext());
    if (options.sequences < 1)
        return invalidError("calibration needs at least one sequence");
    const int64_t available = static_cast<int64_t>(ids.size()) / length;
    if (available == 0)
        return invalidError("the calibration text has " + std::to_string(ids.size()) +
                            " tokens, fewer than one sequence of " + std::to_string(length));
    const int64_t sequences = std::min(options.sequences, available);
    CalibrationAccumulator acc(cfg.layers, cfg.dim);
    CalibrationObserver observer(acc, cfg.dim);
    ForwardOptions fo;
    fo.controller = &observer;
    fo.cancel = options.cancel;
    for (int64_t s = 0; s < sequences; ++s) {
        engine.reset();
        std::span<const int32_t> window(ids.data() + s * length, static_cast<size_t>(length));
        auto r = engine.forward(window, fo);
        if (!r.ok()) {
            engine.reset();
            return r.error();
        }
        if (options.onProgress)
            options.onProgress(s + 1, sequences);
    }
    engine.reset();
    Calibration c = acc.finish(options.method);
    c.sequences = sequences;
    return c;
}

Status saveJsonFile(const std::string& path, const Json& json) {
    // OutputFile writes beside the target and renames, so a crash or a full
    // disk never leaves half a file, and follows symbolic links.
    return writeOutputFile(path, json.dump(1) + "\n");
}

Status Calibration::check() const {
    if (auto st = checkJsonFloats(toJson(), "calibration"); !st.ok())
        return st.error().withContext(
            "the calibration holds values the engine cannot use (non-finite weights or "
            "activations?)");
    return {};
}

Status saveCalibration(const std::string& path, const Calibration& calibration) {
    DASH_TRY(calibration.check());
    return saveJsonFile(path, calibration.toJson());
}

Expected<Calibration> loadCalibration(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(Json json, readJsonFile(path));
    auto c = Calibration::fromJson(json);
    if (!c.ok())
        return c.error().withContext(path);
    return c;
}

} // namespace dash
