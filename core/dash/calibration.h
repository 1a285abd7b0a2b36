// SPDX-License-Identifier: MIT
// Offline calibration of DASH's compensation: per layer, how the layer's output
// relates to its input over calibration tokens.
//   alpha (skip compensation, eq. 6-7): y ≈ alpha ⊙ x with
//     norm ratio     mean over tokens of ||y|| / ||x||   (default)
//     least squares  Σ<x,y> / Σ<x,x>
//     per channel    Σ x_c y_c / Σ x_c^2   (a vector; this project's extension)
//     none           y ≈ x (no compensation; what the static baselines do)
//   Which one a policy uses is a calibration choice: tuneAlphaMethod picks it
//   by held-out perplexity (see below).
//   gamma (asynchronous approximation, eq. 19): h̃_i = gamma_i ⊙ h_{i-1}, the
//     per-channel least-squares fit, so the policy sees the best diagonal
//     prediction of the output it has not computed yet.
// Also the mean cos(x, y) per layer, which static similarity skipping ranks by.
#pragma once

#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/json.h"

#include <functional>
#include <string>
#include <vector>

namespace dash {

enum class AlphaMethod { NormRatio, LeastSquares, PerChannel, None };
inline constexpr AlphaMethod kAlphaMethods[] = {AlphaMethod::None, AlphaMethod::NormRatio,
                                                AlphaMethod::LeastSquares, AlphaMethod::PerChannel};
const char* alphaMethodName(AlphaMethod method);
Expected<AlphaMethod> parseAlphaMethod(const std::string& text);

struct Calibration {
    AlphaMethod method = AlphaMethod::NormRatio;
    int32_t layers = 0;
    int32_t dim = 0;
    std::vector<double> normRatio;              // [layer]
    std::vector<double> leastSquares;           // [layer]
    std::vector<std::vector<float>> perChannel; // [layer][dim]
    std::vector<std::vector<float>> gamma;      // [layer][dim]
    std::vector<double> meanCos;                // [layer] mean cos(x, y)
    int64_t sequences = 0;
    int64_t tokens = 0;
    std::string modelSha256;
    std::string textSha256;
    // How the method was chosen, when it was tuned (tuneAlphaMethod's report
    // as JSON); null otherwise.
    Json methodTuning;

    // alpha of the selected method, in the engine's form.
    Compensation compensation() const;
    Json toJson() const;
    static Expected<Calibration> fromJson(const Json& json);
    Status checkShape(int32_t layers, int32_t dim) const;
    // Every value finite and within the float range (what fromJson accepts),
    // else an error naming the first field that is not.
    Status check() const;
};

// Running sums from which every calibration quantity is computed.
class CalibrationAccumulator {
public:
    CalibrationAccumulator(int32_t layers, int32_t dim);
    // x, y: [n][dim] input and output of `layer` for n tokens.
    void add(int32_t layer, const float* x, const float* y, int64_t n);
    Calibration finish(AlphaMethod method) const;

private:
    int32_t m_layers;
    int32_t m_dim;
    std::vector<int64_t> m_count;     // [layer]
    std::vector<double> m_ratioSum;   // [layer]
    std::vector<double> m_cosSum;     // [layer]
    std::vector<double> m_xy, m_xx;   // [layer]
    std::vector<double> m_xyc, m_xxc; // [layer][dim]
};

// Observes every layer's input and output at full precision and feeds them to
// an accumulator.
class CalibrationObserver : public LayerController {
public:
    explicit CalibrationObserver(CalibrationAccumulator& accumulator, int32_t dim)
        : m_accumulator(accumulator), m_dim(dim) {}
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float* input, int64_t count, LayerState* states) override;
    void afterLayer(int32_t layer, const float* output, int64_t count) override;
    void endPass() override {}

private:
    CalibrationAccumulator& m_accumulator;
    int32_t m_dim;
    std::vector<float> m_input;
};

struct CalibrationOptions {
    int64_t sequences = 128;
    int64_t sequenceLength = 0; // <= 0: the model's context length
    AlphaMethod method = AlphaMethod::NormRatio;
    const CancelToken* cancel = nullptr;
    std::function<void(int64_t done, int64_t total)> onProgress;
};

// Runs consecutive windows of `ids` through the engine at full precision.
// Uses as many windows as the text holds, up to options.sequences.
Expected<Calibration> calibrate(Engine& engine, const std::vector<int32_t>& ids,
                                const CalibrationOptions& options);

// Writes `json` to `path` with OutputFile (through links, never half a file).
Status saveJsonFile(const std::string& path, const Json& json);
// Checks the calibration (check()) and writes it; a calibration that would not
// load back is never written.
Status saveCalibration(const std::string& path, const Calibration& calibration);
Expected<Calibration> loadCalibration(const std::string& path);

} // namespace dash
