// SPDX-License-Identifier: MIT
#include "core/dash/training.h"

#include "core/dash/adam.h"
#include "core/dash/baselines.h"
#include "core/dash/dash_controller.h"
#include "core/dash/evaluation.h"
#include "core/dash/relaxed_training.h"
#include "core/dash/similarity_forecast.h"
#include "core/dash/trained_policy.h"
#include "core/engine/generate.h"
#include "core/util/json_numbers.h"
#include "core/util/log_softmax.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <random>
#include <sys/stat.h>

namespace dash {

namespace {

struct TrainerState {
    int64_t step = 0;
    double beta = 0;
    std::vector<double> baseline; // [layer]
    Adam adam;
    std::vector<double> positionBaseline; // [layer][position] (BaselineKind::Position)
    std::vector<double> value;            // [dim + layers + 1] (BaselineKind::Learned)
};

// Settings that must match for a checkpoint to be resumed.
Json fingerprint(const TrainOptions& o, const std::string& dataSha, const std::string& modelSha) {
    Json j = Json::object();
    j.set("target_ratio", o.targetRatio);
    j.set("window", o.window);
    j.set("seed", o.seed);
    j.set("learning_rate", o.learningRate);
    j.set("lambda", o.lambda);
    j.set("hidden", o.hidden);
    j.set("embed", o.embed);
    j.set("quant_group", o.quantGroup);
    j.set("async", o.async);
    j.set("allow_int4", o.allowInt4);
    j.set("allow_int8", o.allowInt8);
    j.set("state_costs",
          Json::array(std::vector<double>(o.stateCosts.begin(), o.stateCosts.end())));
    j.set("imitation_steps", o.imitationSteps);
    if (o.trainer != TrainerKind::Reinforce || o.baseline != BaselineKind::Layer ||
        o.reward != RewardKind::Paper || o.entropyStart != 0 || o.entropyEnd != 0 ||
        o.imitationTarget != ImitationTarget::Static) {
        // Only for the variants, so that checkpoints of the reference resume.
        j.set("trainer", trainerKindName(o.trainer));
        j.set("baseline", baselineKindName(o.baseline));
        j.set("reward", rewardKindName(o.reward));
        j.set("entropy_start", o.entropyStart);
        j.set("entropy_end", o.entropyEnd);
        j.set("imitation_target", imitationTargetName(o.imitationTarget));
        j.set("oracle_loss", oracleLossName(o.oracleLoss));
        j.set("oracle_budget", oracleBudgetName(o.oracleBudget));
        j.set("oracle_windows", o.oracleWindows);
        if (o.imitationTarget == ImitationTarget::BestStatic)
            j.set("static_windows", o.staticWindows);
        if (o.imitationTarget == ImitationTarget::Forecast) {
            j.set("forecast_windows", o.forecastWindows);
            j.set("forecast_ridge", o.forecastRidge);
        }
    }
    j.set("data_sha256", dataSha);
    j.set("model_sha256", modelSha);
    return j;
}

Status saveCheckpoint(const std::string& path, const Json& print, const TrainerState& s,
                      const ScoringModel& scorer) {
    Json j = Json::object();
    j.set("format", "dash-train-checkpoint");
    j.set("version", 1);
    j.set("settings", print);
    j.set("step", s.step);
    j.set("beta", s.beta);
    j.set("baseline", Json::array(s.baseline));
    j.set("adam_t", s.adam.t);
    j.set("adam_m", Json::array(s.adam.m));
    j.set("adam_v", Json::array(s.adam.v));
    j.set("scorer", scorer.toJson());
    j.set("position_baseline", Json::array(s.positionBaseline));
    j.set("value_baseline", Json::array(s.value));
    // A value that would be written as null could not be resumed from.
    if (auto st = checkJsonFloats(j, "checkpoint"); !st.ok())
        return st.error().withContext("cannot save the training checkpoint '" + path + "'");
    return saveJsonFile(path, j);
}

// A vector of floats from a checkpoint field, each finite and in range.
Expected<std::vector<float>> checkpointFloats(const Json& j, const char* key, bool nonNegative) {
    DASH_ASSIGN_OR_RETURN(const Json* a, j.member(key, Json::Type::Array));
    std::vector<float> out;
    out.reserve(a->size());
    for (size_t i = 0; i < a->size(); ++i) {
        const Json& v = (*a)[i];
        if (!v.isNumber() || !fitsFloat(v.asNumber()) || (nonNegative && v.asNumber() < 0))
            return invalidError(std::string("field '") + key + "' [" + std::to_string(i) +
                                "] holds " + v.dump() + ", not a finite" +
                                (nonNegative ? " non-negative" : "") + " float");
        out.push_back(static_cast<float>(v.asNumber()));
    }
    return out;
}

// The baselines of the trainer variants, from a checkpoint that
// loadCheckpoint accepted; absent arrays leave them as they are.
Status loadCheckpointBaselines(const std::string& path, TrainerState& s) {
    DASH_ASSIGN_OR_RETURN(Json j, readJsonFile(path));
    for (auto [key, target] :
         {std::pair<const char*, std::vector<double>*>{"position_baseline", &s.positionBaseline},
          {"value_baseline", &s.value}}) {
        if (!j[key].isArray())
            continue;
        std::vector<double> values = j[key].toDoubles();
        if (values.size() != target->size())
            return invalidError(path + ": checkpoint field '" + key + "' has the wrong size");
        for (double v : values)
            if (!std::isfinite(v))
                return invalidError(path + ": checkpoint field '" + key +
                                    "' holds a value that is not a finite number");
        *target = std::move(values);
    }
    return {};
}

Expected<bool> loadCheckpoint(const std::string& path, const Json& print, TrainerState& s,
                              ScoringModel& scorer, int32_t dim, int32_t layers) {
    // Absent: a fresh start. Anything else (also a FIFO or a directory) is read
    // by readJsonFile, which refuses what is not a regular file.
    if (struct stat st{}; ::stat(path.c_str(), &st) != 0 && errno == ENOENT)
        return false;
    DASH_ASSIGN_OR_RETURN(Json j, readJsonFile(path));
    if (!j["format"].isString() || j["format"].asString() != "dash-train-checkpoint")
        return invalidError(path + ": not a training checkpoint");
    if (j["settings"].dump() != print.dump())
        return invalidError(path + ": checkpoint was made with other settings (target, seed, "
                                   "window, data or model differ); remove it or change the path");
    auto read = [&]() -> Status {
        auto restored = ScoringModel::fromJson(j["scorer"], dim, layers);
        if (!restored.ok())
            return restored.error();
        // Counts are whole numbers up to 2^53 (also exact as doubles, as the
        // optimiser uses them); a step such as 1e300 is refused instead of
        // wrapping to a negative step.
        constexpr int64_t kMaxCount = int64_t{1} << 53;
        DASH_ASSIGN_OR_RETURN(s.step, j.integer("step", 0, kMaxCount));
        DASH_ASSIGN_OR_RETURN(s.adam.t, j.integer("adam_t", 0, kMaxCount));
        DASH_ASSIGN_OR_RETURN(s.beta, j.number("beta"));
        if (!std::isfinite(s.beta))
            return invalidError("field 'beta' is not finite");
        DASH_ASSIGN_OR_RETURN(const Json* baseline, j.member("baseline", Json::Type::Array));
        s.baseline.clear();
        for (const Json& v : baseline->asArray()) {
            if (!v.isNumber() || !std::isfinite(v.asNumber()))
                return invalidError("field 'baseline' holds " + v.dump() + ", not a finite number");
            s.baseline.push_back(v.asNumber());
        }
        DASH_ASSIGN_OR_RETURN(s.adam.m, checkpointFloats(j, "adam_m", false));
        DASH_ASSIGN_OR_RETURN(s.adam.v, checkpointFloats(j, "adam_v", true));
        scorer = std::move(restored).value();
        if (s.baseline.size() != static_cast<size_t>(layers) ||
            s.adam.m.size() != scorer.parameters().size() || s.adam.v.size() != s.adam.m.size())
            return invalidError("checkpoint arrays have the wrong sizes");
        return {};
    };
    if (auto st = read(); !st.ok())
        return st.error().withContext(path);
    return true;
}

// Log-likelihood of each next token of a window (size count - 1).
std::vector<double> nextTokenLogProbs(std::span<const float> logits,
                                      std::span<const int32_t> window, int32_t vocab) {
    std::vector<double> out;
    for (size_t j = 0; j + 1 < window.size(); ++j)
        out.push_back(logProbability(
            logits.subspan(j * static_cast<size_t>(vocab), static_cast<size_t>(vocab)),
            window[j + 1]));
    return out;
}

// log-softmax of every row of [rows][vocab] logits.
std::vector<double> logSoftmaxRows(std::span<const float> logits, int32_t vocab) {
    std::vector<double> out(logits.size());
    const auto width = static_cast<size_t>(vocab);
    std::vector<double> row;
    for (size_t r = 0; r < logits.size() / width; ++r) {
        logSoftmax(logits.subspan(r * width, width), row);
        std::copy(row.begin(), row.end(), out.begin() + static_cast<std::ptrdiff_t>(r * width));
    }
    return out;
}

// KL(p_full || p) per row, p_full given as log-softmax rows.
std::vector<double> klRows(const std::vector<double>& fullLogSoftmax, std::span<const float> logits,
                           int32_t vocab) {
    const std::vector<double> q = logSoftmaxRows(logits, vocab);
    std::vector<double> out(q.size() / static_cast<size_t>(vocab), 0.0);
    for (size_t r = 0; r < out.size(); ++r) {
        double kl = 0;
        for (int32_t v = 0; v < vocab; ++v) {
            const size_t i = r * static_cast<size_t>(vocab) + static_cast<size_t>(v);
            kl += std::exp(fullLogSoftmax[i]) * (fullLogSoftmax[i] - q[i]);
        }
        out[r] = std::max(0.0, kl);
    }
    return out;
}

// Imitation stops pushing a decision once its target has this probability.
constexpr float kImitationConfidence = 0.9f;

// The static-skip path that the differential reward compares with: the
// imitation targets for every token.
class FixedLayerController : public LayerController {
public:
    explicit FixedLayerController(const std::vector<LayerState>& states) : m_states(states) {}
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        std::fill(states, states + count, m_states[static_cast<size_t>(layer)]);
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    const std::vector<LayerState>& m_states;
};

// The learned baseline's features: ĥ, a one-hot of the decided layer, 1.
double valueOf(const std::vector<double>& w, const float* normalized, int32_t dim, int32_t layer) {
    double v = w[static_cast<size_t>(dim) + static_cast<size_t>(layer)] + w.back();
    for (int32_t k = 0; k < dim; ++k)
        v += w[static_cast<size_t>(k)] * normalized[k];
    return v;
}

void fitValue(std::vector<double>& w, const float* normalized, int32_t dim, int32_t layer,
              double target, double rate) {
    const double err = target - valueOf(w, normalized, dim, layer);
    // Normalised LMS: ĥ has RMS 1, so ||features||² ≈ dim + 2.
    const double step = rate * err / (static_cast<double>(dim) + 2.0);
    for (int32_t k = 0; k < dim; ++k)
        w[static_cast<size_t>(k)] += step * normalized[k];
    w[static_cast<size_t>(dim) + static_cast<size_t>(layer)] += step;
    w.back() += step;
}

} // namespace

const char* trainerKindName(TrainerKind kind) {
    return kind == TrainerKind::Reinforce ? "reinforce" : "relaxed";
}

Expected<TrainerKind> parseTrainerKind(const std::string& text) {
    for (TrainerKind k : {TrainerKind::Reinforce, TrainerKind::Relaxed})
        if (text == trainerKindName(k))
            return k;
    return invalidError("unknown trainer '" + text + "' (expected reinforce or relaxed)");
}

const char* baselineKindName(BaselineKind kind) {
    switch (kind) {
    case BaselineKind::Layer:
        return "layer";
    case BaselineKind::Position:
        return "position";
    case BaselineKind::Learned:
        return "learned";
    }
    return "?";
}

Expected<BaselineKind> parseBaselineKind(const std::string& text) {
    for (BaselineKind k : {BaselineKind::Layer, BaselineKind::Position, BaselineKind::Learned})
        if (text == baselineKindName(k))
            return k;
    return invalidError("unknown baseline '" + text + "' (expected layer, position or learned)");
}

const char* rewardKindName(RewardKind kind) {
    switch (kind) {
    case RewardKind::Paper:
        return "paper";
    case RewardKind::Kl:
        return "kl";
    case RewardKind::Differential:
        return "differential";
    case RewardKind::DifferentialKl:
        return "differential-kl";
    }
    return "?";
}

Expected<RewardKind> parseRewardKind(const std::string& text) {
    for (RewardKind k :
         {RewardKind::Paper, RewardKind::Kl, RewardKind::Differential, RewardKind::DifferentialKl})
        if (text == rewardKindName(k))
            return k;
    return invalidError("unknown reward '" + text +
                        "' (expected paper, kl, differential or differential-kl)");
}

const char* imitationTargetName(ImitationTarget target) {
    switch (target) {
    case ImitationTarget::Static:
        return "static";
    case ImitationTarget::Oracle:
        return "oracle";
    case ImitationTarget::BestStatic:
        return "best-static";
    case ImitationTarget::Forecast:
        return "forecast";
    }
    return "static";
}

Expected<ImitationTarget> parseImitationTarget(const std::string& text) {
    for (ImitationTarget t : {ImitationTarget::Static, ImitationTarget::Oracle,
                              ImitationTarget::BestStatic, ImitationTarget::Forecast})
        if (text == imitationTargetName(t))
            return t;
    return invalidError("unknown imitation target '" + text +
                        "' (expected static, oracle, best-static or forecast)");
}

namespace {

// The longest windows the best-static search scores: whole contexts of long
// models would make every candidate's evaluation a long prefill.
constexpr int32_t kStaticSearchContext = 512;

// Whether imitation follows a searched best static set.
bool imitatesBestStatic(const TrainOptions& o) {
    return o.imitationTarget == ImitationTarget::BestStatic && o.imitationSteps > 0;
}

int64_t staticSkipCount(int32_t layers, double ratio, size_t candidates) {
    return std::clamp<int64_t>(std::llround(layers * (1.0 - 1.0 / ratio)), 0,
                               static_cast<int64_t>(candidates));
}

} // namespace

std::vector<LayerState> staticSkipTargets(int32_t layers, const std::vector<int32_t>& order,
                                          double ratio) {
    std::vector<LayerState> target(static_cast<size_t>(layers), LayerState::Full);
    const int64_t skips = staticSkipCount(layers, ratio, order.size());
    for (int64_t i = 0; i < skips; ++i)
        target[static_cast<size_t>(order[static_cast<size_t>(i)])] = LayerState::Skip;
    return target;
}

Expected<std::vector<int32_t>>
staticImitationOrder(Engine& engine, const Calibration& calibration,
                     const std::vector<int32_t>& ids, int64_t trainEnd, const TrainOptions& o,
                     const std::function<void(const TrainProgress&)>& onProgress) {
    const int32_t layers = calibration.layers;
    std::vector<int32_t> order = StaticSimilarityPolicy(layers, calibration.meanCos).order();
    if (!imitatesBestStatic(o))
        return order;
    if (o.staticWindows < 1)
        return invalidError("the best static search needs at least 1 window");
    StaticSearchOptions so;
    so.windows.context = std::min(engine.model().config().contextLength, kStaticSearchContext);
    so.windows.maxWindows = o.staticWindows;
    so.windows.spreadWindows = true;
    so.maxSkips = static_cast<int32_t>(staticSkipCount(layers, o.targetRatio, order.size()));
    so.cancel = o.cancel;
    TrainProgress progress;
    progress.phase = "static search";
    progress.steps = so.maxSkips;
    if (onProgress)
        so.onStep = [&](int32_t skips, int32_t, double) {
            progress.step = skips;
            onProgress(progress);
        };
    DASH_TRY(engine.setCompensation(calibration.compensation()));
    const std::vector<int32_t> trainPart(ids.begin(), ids.begin() + trainEnd);
    DASH_ASSIGN_OR_RETURN(StaticSearchResult found, searchStaticOrder(engine, trainPart, so));
    return std::move(found.order);
}

void recordStaticImitation(Json& training, const TrainOptions& o,
                           const std::vector<int32_t>& order) {
    if (!imitatesBestStatic(o))
        return;
    training.set("static_windows", o.staticWindows);
    training.set("static_order", Json::array(order));
}

int64_t trainingHeldOutStart(int64_t textTokens, const TrainOptions& o) {
    return static_cast<int64_t>(static_cast<double>(textTokens) *
                                (1.0 - std::clamp(o.heldOutFraction, 0.01, 0.9)));
}

namespace {

EvaluationOptions oracleWindowOptions(const TrainOptions& o) {
    EvaluationOptions windows;
    windows.context = o.window;
    windows.maxWindows = o.oracleWindows;
    windows.spreadWindows = true;
    return windows;
}

} // namespace

std::vector<int64_t> trainingOracleWindows(int64_t textTokens, const TrainOptions& o) {
    return evaluationWindows(trainingHeldOutStart(textTokens, o), oracleWindowOptions(o), o.window);
}

Expected<OracleCurves>
trainingOracleCurves(Engine& engine, const Calibration& calibration,
                     const std::vector<int32_t>& ids, const TrainOptions& o,
                     const std::function<void(int64_t, int64_t)>& onProgress) {
    const ModelConfig& c = engine.model().config();
    DASH_TRY(calibration.checkShape(c.layers, c.dim));
    if (o.oracleWindows < 1)
        return invalidError("oracle imitation needs at least one window");
    const int64_t heldOutStart = trainingHeldOutStart(static_cast<int64_t>(ids.size()), o);
    DASH_TRY(engine.setCompensation(calibration.compensation()));
    const std::vector<int32_t> train(ids.begin(), ids.begin() + heldOutStart);
    OracleOptions oo;
    oo.windows = oracleWindowOptions(o);
    oo.loss = o.oracleLoss;
    oo.cancel = o.cancel;
    oo.onProgress = onProgress;
    return computeOracleCurves(engine, train, oo);
}

Expected<OracleCurves>
imitationOracleCurves(Engine& engine, const Calibration& calibration,
                      const std::vector<int32_t>& ids, const TrainOptions& o,
                      const std::function<void(const TrainProgress&)>& onProgress) {
    OracleCurves curves;
    if (o.oracleCurves) {
        curves = *o.oracleCurves;
    } else {
        TrainProgress p;
        p.phase = "oracle";
        DASH_ASSIGN_OR_RETURN(
            curves,
            trainingOracleCurves(engine, calibration, ids, o, [&](int64_t done, int64_t total) {
                p.step = done;
                p.steps = total;
                if (onProgress && done % o.window == 0)
                    onProgress(p);
            }));
    }
    if (curves.layers != engine.model().config().layers)
        return invalidError("the oracle curves are for a model of " +
                            std::to_string(curves.layers) + " layers, this one has " +
                            std::to_string(engine.model().config().layers));
    if (curves.windowStarts.empty())
        return invalidError("the oracle curves hold no window");
    if (curves.context != o.window)
        return invalidError("the oracle curves are for windows of " +
                            std::to_string(curves.context) + " tokens, training uses " +
                            std::to_string(o.window));
    const int64_t heldOutStart = trainingHeldOutStart(static_cast<int64_t>(ids.size()), o);
    for (int64_t start : curves.windowStarts)
        if (start + o.window > heldOutStart)
            return invalidError("the oracle curves reach into the held-out part of the text");
    return curves;
}

Expected<std::unique_ptr<DashPolicy>>
trainDashPolicy(Engine& engine, const Calibration& calibration, const std::vector<int32_t>& ids,
                const TrainOptions& o, const std::string& dataSha256,
                const std::function<void(const TrainProgress&)>& onProgress) {
    if (o.trainer == TrainerKind::Relaxed)
        return trainRelaxedPolicy(engine, calibration, ids, o, dataSha256, onProgress);
    const ModelConfig& c = engine.model().config();
    DASH_TRY(calibration.checkShape(c.layers, c.dim));
    if (c.layers < 2)
        return invalidError("DASH needs a model with at least 2 layers");
    if (o.steps < 1 || o.window < 2)
        return invalidError("training needs steps >= 1 and a window of at least 2 tokens");
    if (o.window > engine.maxContext())
        return invalidError("training window " + std::to_string(o.window) +
                            " exceeds the context length " + std::to_string(engine.maxContext()));
    if (!(o.targetRatio >= 1.0))
        return invalidError("the target ratio must be >= 1");
    DASH_TRY(checkStateCosts(o.stateCosts));
    if (o.imitationSteps < 0 || o.imitationSteps > o.steps)
        return invalidError("imitation steps must be between 0 and the number of steps");
    const int64_t heldOutStart = trainingHeldOutStart(static_cast<int64_t>(ids.size()), o);
    if (heldOutStart < o.window)
        return invalidError("the training text (" + std::to_string(ids.size()) +
                            " tokens) is too short for windows of " + std::to_string(o.window));
    const std::vector<int32_t> heldOut(ids.begin() + heldOutStart, ids.end());
    if (!(o.entropyStart >= 0 && o.entropyEnd >= 0))
        return invalidError("the entropy bonus must be >= 0");

    // Labels for imitation: per training window, the oracle's states at the
    // target ratio, or the similarity forecast's (below, with the engine set up).
    const bool oracleImitation =
        o.imitationTarget == ImitationTarget::Oracle && o.imitationSteps > 0;
    const bool forecastImitation =
        o.imitationTarget == ImitationTarget::Forecast && o.imitationSteps > 0;
    const bool labelImitation = oracleImitation || forecastImitation;
    if (forecastImitation && o.forecastWindows < 1)
        return invalidError("forecast imitation needs at least one window");
    OracleCurves curves;
    StateTable labels;
    std::vector<int64_t> labelStarts;
    if (oracleImitation) {
        DASH_ASSIGN_OR_RETURN(curves,
                              imitationOracleCurves(engine, calibration, ids, o, onProgress));
        labels = assignOracle(curves, o.targetRatio, o.oracleBudget).states;
        labelStarts = curves.windowStarts;
    }

    DASH_ASSIGN_OR_RETURN(
        const std::vector<int32_t> staticOrder,
        staticImitationOrder(engine, calibration, ids, heldOutStart, o, onProgress));

    DASH_TRY(engine.setCompensation(calibration.compensation()));
    DASH_TRY(engine.enableQuantizedStates(o.quantGroup));

    SimilarityForecast forecast;
    if (forecastImitation) {
        if (onProgress) {
            TrainProgress p;
            p.phase = "forecast";
            onProgress(p);
        }
        const std::vector<int32_t> train(ids.begin(), ids.begin() + heldOutStart);
        EvaluationOptions windows;
        windows.context = o.window;
        windows.maxWindows = o.forecastWindows;
        windows.spreadWindows = true;
        labelStarts = evaluationWindows(static_cast<int64_t>(train.size()), windows, o.window);
        ForecastOptions fo;
        fo.context = o.window;
        fo.ratio = o.targetRatio;
        fo.ridge = o.forecastRidge;
        fo.cancel = o.cancel;
        DASH_ASSIGN_OR_RETURN(forecast, fitSimilarityForecast(engine, train, labelStarts, fo));
        DASH_ASSIGN_OR_RETURN(
            labels, forecastStates(engine, train, labelStarts, o.window, forecast, o.cancel));
    }

    ScoringModel scorer(ScorerShape{c.dim, c.layers, o.embed, o.hidden}, o.lambda);
    scorer.initialize(o.seed);
    TrainerState state;
    state.beta = o.betaStart;
    state.baseline.assign(static_cast<size_t>(c.layers), 0.0);
    state.positionBaseline.assign(static_cast<size_t>(c.layers) * static_cast<size_t>(o.window),
                                  0.0);
    state.value.assign(static_cast<size_t>(c.dim) + static_cast<size_t>(c.layers) + 1, 0.0);
    const Json print = fingerprint(o, dataSha256, engine.model().sha256());
    if (!o.checkpointPath.empty()) {
        DASH_ASSIGN_OR_RETURN(
            bool resumed, loadCheckpoint(o.checkpointPath, print, state, scorer, c.dim, c.layers));
        if (resumed)
            DASH_TRY(loadCheckpointBaselines(o.checkpointPath, state));
    }

    const double fullCost = o.stateCosts[3];
    const double sMax = fullCost * c.layers;
    auto cost = [&](LayerState state) {
        return static_cast<double>(o.stateCosts[static_cast<size_t>(stateIndex(state))]);
    };
    const std::vector<LayerState> targets = staticSkipTargets(c.layers, staticOrder, o.targetRatio);
    const int32_t vocab = c.vocabSize;
    const Compensation alpha = calibration.compensation();
    std::vector<float> grad(scorer.parameters().size());
    TrainProgress progress;
    progress.steps = o.steps;
    progress.phase = "train";

    // Cancelled (Ctrl-C): keep what is done. Every step below state.step has
    // finished, and a step changes the state only at its end, so the state as
    // it stands resumes exactly.
    auto stop = [&](const Error& error) -> Error {
        if (error.code() == ErrorCode::Cancelled && !o.checkpointPath.empty()) {
            if (auto st = saveCheckpoint(o.checkpointPath, print, state, scorer); !st.ok())
                return st.error();
        }
        return error;
    };
    for (; state.step < o.steps; ++state.step) {
        if (o.cancel && o.cancel->cancelled())
            return stop(cancelledError());
        const int64_t step = state.step;
        std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step));
        auto start = static_cast<int64_t>(std::uniform_int_distribution<uint64_t>(
            0, static_cast<uint64_t>(heldOutStart - o.window))(rng));
        const bool imitating = step < o.imitationSteps;
        // Imitating labels walks through the labelled windows in turn.
        const auto labelled = static_cast<int64_t>(labelStarts.size());
        if (imitating && labelImitation)
            start = labelStarts[static_cast<size_t>(step % labelled)];
        std::span<const int32_t> window(ids.data() + start, static_cast<size_t>(o.window));
        const double progressFraction = static_cast<double>(step) / static_cast<double>(o.steps);
        const auto tau = static_cast<float>(
            o.temperatureStart * std::pow(o.temperatureEnd / o.temperatureStart, progressFraction));
        // Entropy coefficient: linear over the steps after imitation.
        const double reinforceFraction = o.steps > o.imitationSteps
                                             ? static_cast<double>(step - o.imitationSteps) /
                                                   static_cast<double>(o.steps - o.imitationSteps)
                                             : 0.0;
        const double entropyCoef = o.entropyStart + (o.entropyEnd - o.entropyStart) *
                                                        std::clamp(reinforceFraction, 0.0, 1.0);

        // Reference pass.
        engine.reset();
        ForwardOptions full;
        full.allLogits = true;
        full.cancel = o.cancel;
        auto fullPass = engine.forward(window, full);
        if (!fullPass.ok())
            return stop(fullPass.error());
        const std::span<const float> fullLogits = *fullPass;
        const std::vector<double> lpFull = nextTokenLogProbs(fullLogits, window, vocab);
        const bool klReward = o.reward == RewardKind::Kl || o.reward == RewardKind::DifferentialKl;
        const bool differential =
            o.reward == RewardKind::Differential || o.reward == RewardKind::DifferentialKl;
        std::vector<double> fullLogSoftmax; // [token][vocab], for the KL rewards
        if (klReward && !imitating)
            fullLogSoftmax = logSoftmaxRows(fullLogits, vocab);

        // Sampled pass.
        DashRuntimeOptions ro;
        ro.async = o.async;
        ro.allowInt4 = o.allowInt4;
        ro.allowInt8 = o.allowInt8;
        ro.stateCosts = o.stateCosts;
        ro.temperature = tau;
        ro.seed = rng();
        ro.record = true;
        if (imitating && labelImitation) {
            ro.forced = &labels;
            ro.forcedFirstRow = (step % labelled) * o.window;
        }
        auto snapshot = std::make_shared<const ScoringModel>(scorer);
        DashController controller(snapshot, calibration.gamma, alpha.alpha, ro);
        ForwardOptions sampled = full;
        sampled.controller = &controller;
        engine.reset();
        auto sampledPass = engine.forward(window, sampled);
        if (!sampledPass.ok())
            return stop(sampledPass.error());
        const std::span<const float> policyLogits = *sampledPass;
        const std::vector<double> lpPolicy = nextTokenLogProbs(policyLogits, window, vocab);
        std::vector<double> klPolicy, klStatic; // [token] KL(p_full || p)
        if (klReward && !imitating)
            klPolicy = klRows(fullLogSoftmax, policyLogits, vocab);

        // Differential reward: the static-skip path on the same window.
        std::vector<double> lpStatic;
        double staticCost = 0;
        if (!imitating && differential) {
            FixedLayerController fixed(targets);
            ForwardOptions ref = full;
            ref.controller = &fixed;
            engine.reset();
            DASH_ASSIGN_OR_RETURN(std::span<const float> staticLogits, engine.forward(window, ref));
            lpStatic = nextTokenLogProbs(staticLogits, window, vocab);
            if (klReward)
                klStatic = klRows(fullLogSoftmax, staticLogits, vocab);
            for (LayerState s : targets)
                staticCost += cost(s);
        }

        // Path costs per token: layer 0 at full precision plus each decided
        // layer; the nominal one (state codes) for the ratio.
        const auto tokens = static_cast<size_t>(o.window);
        std::vector<double> pathCost(tokens, fullCost);
        std::vector<double> pathNominal(tokens, 4.0);
        for (const DashDecision& d : controller.decisions()) {
            pathCost[static_cast<size_t>(d.token)] += cost(d.chosen);
            pathNominal[static_cast<size_t>(d.token)] += static_cast<double>(d.chosen);
        }
        std::vector<double> cumulative(tokens, fullCost);

        std::fill(grad.begin(), grad.end(), 0.0f);
        double rewardSum = 0, ratioSum = 0, deltaSum = 0;
        size_t used = 0;
        std::vector<double> layerReward(static_cast<size_t>(c.layers), 0.0);
        std::vector<int> layerCount(static_cast<size_t>(c.layers), 0);
        const auto& decisions = controller.decisions();
        const std::vector<float>& inputs = controller.decisionInputs();
        // Decisions come layer by layer, so cumulative costs grow in order.
        for (size_t i = 0; i < decisions.size(); ++i) {
            const DashDecision& d = decisions[i];
            const auto t = static_cast<size_t>(d.token);
            cumulative[t] += cost(d.chosen);
            if (t + 1 >= tokens)
                continue; // the last token has no next token to score
            StateScores coef{};
            if (imitating) {
                // Cross-entropy towards the static choice: d log p(target) / d score,
                // only while the target has less than kImitationConfidence, so
                // that REINFORCE later still samples the alternatives.
                const int target = labelImitation
                                       ? stateIndex(d.chosen) // the forced (labelled) state
                                       : stateIndex(targets[static_cast<size_t>(d.layer)]);
                const float pTarget = d.probs[static_cast<size_t>(target)];
                if (pTarget < kImitationConfidence) {
                    for (int k = 0; k < kStateCount; ++k)
                        if (d.allowed[static_cast<size_t>(k)])
                            coef[static_cast<size_t>(k)] = static_cast<float>(
                                ((k == target ? 1.0 : 0.0) - d.probs[static_cast<size_t>(k)]) /
                                tau);
                    scorer.accumulateGradient(inputs.data() + i * static_cast<size_t>(c.dim),
                                              d.layer, d.current, coef, grad);
                }
                rewardSum += std::log(std::max(1e-12f, pTarget));
                ++used;
                continue;
            }
            const double delta = lpFull[t] - lpPolicy[t];
            const double rAcc = std::min(1.0, std::exp(-delta));
            const double rEff = 1.0 - pathCost[t] / sMax;
            const double wPos = 1.0 / (1.0 + std::exp(-(pathCost[t] - cumulative[t]) / sMax));
            double r = wPos * rAcc + state.beta * rEff;
            switch (o.reward) {
            case RewardKind::Paper:
                break;
            case RewardKind::Kl:
                r = wPos * std::exp(-klPolicy[t]) + state.beta * rEff;
                break;
            case RewardKind::Differential:
                r = wPos * (lpPolicy[t] - lpStatic[t]) +
                    state.beta * (staticCost - pathCost[t]) / sMax;
                break;
            case RewardKind::DifferentialKl:
                r = wPos * (klStatic[t] - klPolicy[t]) +
                    state.beta * (staticCost - pathCost[t]) / sMax;
                break;
            }
            const float* decisionInput = inputs.data() + i * static_cast<size_t>(c.dim);
            double reference = state.baseline[static_cast<size_t>(d.layer)];
            const size_t cell = static_cast<size_t>(d.layer) * static_cast<size_t>(o.window) + t;
            if (o.baseline == BaselineKind::Position)
                reference = state.positionBaseline[cell];
            else if (o.baseline == BaselineKind::Learned)
                reference = valueOf(state.value, decisionInput, c.dim, d.layer);
            const double advantage = r - reference;
            if (o.baseline == BaselineKind::Position)
                state.positionBaseline[cell] = 0.9 * state.positionBaseline[cell] + 0.1 * r;
            else if (o.baseline == BaselineKind::Learned)
                fitValue(state.value, decisionInput, c.dim, d.layer, r, 0.1);
            layerReward[static_cast<size_t>(d.layer)] += r;
            ++layerCount[static_cast<size_t>(d.layer)];
            const int chosen = stateIndex(d.chosen);
            for (int k = 0; k < kStateCount; ++k) {
                if (!d.allowed[static_cast<size_t>(k)])
                    continue;
                coef[static_cast<size_t>(k)] = static_cast<float>(
                    advantage / tau *
                    ((k == chosen ? 1.0 : 0.0) - d.probs[static_cast<size_t>(k)]));
            }
            if (entropyCoef > 0) {
                // + c · dH/d score_k, H = -Σ p log p, p = softmax(score / τ):
                // dH/d score_k = -p_k (log p_k + H) / τ.
                double h = 0;
                for (int k = 0; k < kStateCount; ++k) {
                    const double p = d.probs[static_cast<size_t>(k)];
                    if (d.allowed[static_cast<size_t>(k)] && p > 0)
                        h -= p * std::log(p);
                }
                for (int k = 0; k < kStateCount; ++k) {
                    const double p = d.probs[static_cast<size_t>(k)];
                    if (d.allowed[static_cast<size_t>(k)] && p > 0)
                        coef[static_cast<size_t>(k)] +=
                            static_cast<float>(-entropyCoef * p * (std::log(p) + h) / tau);
                }
            }
            scorer.accumulateGradient(inputs.data() + i * static_cast<size_t>(c.dim), d.layer,
                                      d.current, coef, grad);
            rewardSum += r;
            ++used;
        }
        for (size_t t = 0; t + 1 < tokens; ++t) {
            ratioSum += 4.0 * c.layers / pathNominal[t];
            deltaSum += lpFull[t] - lpPolicy[t];
        }
        if (used > 0) {
            for (float& g : grad)
                g /= static_cast<float>(used);
            state.adam.step(scorer.parameters(), grad, o.learningRate);
        }
        for (size_t l = 0; l < layerReward.size(); ++l)
            if (layerCount[l] > 0)
                state.baseline[l] = 0.9 * state.baseline[l] + 0.1 * layerReward[l] / layerCount[l];
        const double sampledRatio = ratioSum / static_cast<double>(tokens - 1);
        if (!imitating)
            state.beta = std::max(0.0, state.beta + o.betaRate * (o.targetRatio - sampledRatio));

        progress.phase = imitating ? "imitate" : "train";
        progress.step = step + 1;
        progress.temperature = tau;
        progress.beta = state.beta;
        progress.reward = used ? rewardSum / static_cast<double>(used) : 0.0;
        progress.sampledRatio = sampledRatio;
        progress.deltaNll = deltaSum / static_cast<double>(tokens - 1);
        if (onProgress)
            onProgress(progress);
        if (!o.checkpointPath.empty() &&
            ((step + 1) % o.checkpointEvery == 0 || step + 1 == o.steps)) {
            TrainerState saved = state;
            saved.step = step + 1;
            DASH_TRY(saveCheckpoint(o.checkpointPath, print, saved, scorer));
        }
    }
    engine.reset();

    DASH_ASSIGN_OR_RETURN(TunedPolicy trained, tuneTrainedPolicy(scorer, calibration, o, engine,
                                                                 heldOut, progress, onProgress));
    std::unique_ptr<DashPolicy> policy = std::move(trained.policy);
    const TuneResult& tuned = trained.tuned;

    Json& t = policy->training();
    recordTrainingData(t, o, dataSha256, ids.size(), heldOut.size());
    t.set("temperature_start", o.temperatureStart);
    t.set("temperature_end", o.temperatureEnd);
    t.set("target_ratio", o.targetRatio);
    t.set("beta", state.beta);
    t.set("imitation_steps", o.imitationSteps);
    t.set("state_costs",
          Json::array(std::vector<double>(o.stateCosts.begin(), o.stateCosts.end())));
    t.set("held_out_ratio", tuned.ratio);
    t.set("final_reward", progress.reward);
    t.set("trainer", trainerKindName(o.trainer));
    t.set("baseline", baselineKindName(o.baseline));
    t.set("reward", rewardKindName(o.reward));
    t.set("entropy_start", o.entropyStart);
    t.set("entropy_end", o.entropyEnd);
    t.set("imitation_target", imitationTargetName(o.imitationTarget));
    if (oracleImitation) {
        t.set("oracle_loss", oracleLossName(curves.loss));
        t.set("oracle_budget", oracleBudgetName(o.oracleBudget));
        t.set("oracle_windows", static_cast<int64_t>(curves.windowStarts.size()));
    }
    if (forecastImitation) {
        t.set("forecast_windows", static_cast<int64_t>(labelStarts.size()));
        t.set("forecast_ridge", o.forecastRidge);
        t.set("forecast", forecast.summary());
    }
    recordStaticImitation(t, o, staticOrder);
    t.set("alpha_method", alphaMethodName(calibration.method));
    if (!o.label.empty())
        t.set("label", o.label);
    return policy;
}

Expected<TunedPolicy>
tuneTrainedPolicy(const ScoringModel& scorer, const Calibration& calibration, const TrainOptions& o,
                  Engine& engine, const std::vector<int32_t>& heldOut, TrainProgress& progress,
                  const std::function<void(const TrainProgress&)>& onProgress) {
    auto policy = std::make_unique<DashPolicy>(std::make_shared<const ScoringModel>(scorer),
                                               calibration, o.quantGroup);
    policy->runtime().async = o.async;
    policy->runtime().allowInt4 = o.allowInt4;
    policy->runtime().allowInt8 = o.allowInt8;
    policy->runtime().stateCosts = o.stateCosts;
    progress.phase = "tune";
    if (onProgress)
        onProgress(progress);
    TuneOptions tune;
    tune.target = o.targetRatio;
    tune.windows = o.tuneWindows;
    tune.cancel = o.cancel;
    DASH_ASSIGN_OR_RETURN(TuneResult tuned, tuneToRatio(*policy, engine, heldOut, tune));
    return TunedPolicy{std::move(policy), tuned};
}

void recordTrainingData(Json& t, const TrainOptions& o, const std::string& dataSha256,
                        size_t dataTokens, size_t heldOutTokens) {
    t.set("data_sha256", dataSha256);
    t.set("data_tokens", static_cast<int64_t>(dataTokens));
    t.set("held_out_tokens", static_cast<int64_t>(heldOutTokens));
    t.set("steps", o.steps);
    t.set("window", o.window);
    t.set("seed", o.seed);
    t.set("learning_rate", o.learningRate);
}

Expected<StateCosts> measurePolicyStateCosts(Engine& engine, const Calibration& calibration,
                                             int32_t quantGroup, const std::vector<int32_t>& text,
                                             const StateCostOptions& options) {
    DASH_TRY(engine.setCompensation(calibration.compensation()));
    DASH_TRY(engine.enableQuantizedStates(quantGroup));
    return measureStateCosts(engine, text, options);
}

} // namespace dash
