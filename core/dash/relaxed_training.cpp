// SPDX-License-Identifier: MIT
#include "core/dash/relaxed_training.h"

#include "core/dash/adam.h"
#include "core/dash/baselines.h"
#include "core/dash/differentiable_model.h"
#include "core/dash/trained_policy.h"
#include "core/engine/generate.h"
#include "core/util/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace dash {

namespace {

// One decision of a relaxed pass.
struct RelaxedDecision {
    int32_t token = 0;
    int32_t layer = 0;
    LayerState current = LayerState::Full;
    int chosen = 3;
    std::array<bool, kStateCount> allowed{};
    std::array<double, kStateCount> soft{};  // y, the Gumbel-softmax weights
    std::array<double, kStateCount> probs{}; // softmax(score), for imitation
};

std::vector<double> logSoftmaxRow(const float* logits, int32_t vocab) {
    std::vector<double> out;
    logSoftmax(std::span<const float>(logits, static_cast<size_t>(vocab)), out);
    return out;
}

} // namespace

Expected<std::unique_ptr<DashPolicy>>
trainRelaxedPolicy(Engine& engine, const Calibration& calibration, const std::vector<int32_t>& ids,
                   const TrainOptions& o, const std::string& dataSha256,
                   const std::function<void(const TrainProgress&)>& onProgress) {
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
    if (!(o.gumbelStart > 0 && o.gumbelEnd > 0))
        return invalidError("the Gumbel-softmax temperatures must be > 0");
    if (!o.checkpointPath.empty())
        return unsupportedError("the relaxed trainer does not write checkpoints");
    if (engine.kvMode() != KvMode::Project)
        return unsupportedError("the relaxed trainer needs KV mode 'project'");
    if (o.imitationTarget == ImitationTarget::Forecast && o.imitationSteps > 0)
        return unsupportedError("forecast imitation is built for the reinforce trainer");
    const int64_t heldOutStart = trainingHeldOutStart(static_cast<int64_t>(ids.size()), o);
    if (heldOutStart < o.window)
        return invalidError("the training text (" + std::to_string(ids.size()) +
                            " tokens) is too short for windows of " + std::to_string(o.window));
    const std::vector<int32_t> heldOut(ids.begin() + heldOutStart, ids.end());

    // Imitation targets: a static set (similarity or best static), or the oracle's labels.
    const bool oracleImitation =
        o.imitationTarget == ImitationTarget::Oracle && o.imitationSteps > 0;
    OracleCurves curves;
    StateTable oracleLabels;
    if (oracleImitation) {
        DASH_ASSIGN_OR_RETURN(curves,
                              imitationOracleCurves(engine, calibration, ids, o, onProgress));
        oracleLabels = assignOracle(curves, o.targetRatio, o.oracleBudget).states;
    }
    DASH_ASSIGN_OR_RETURN(
        const std::vector<int32_t> staticOrder,
        staticImitationOrder(engine, calibration, ids, heldOutStart, o, onProgress));
    const std::vector<LayerState> staticTargets =
        staticSkipTargets(c.layers, staticOrder, o.targetRatio);

    const Compensation alpha = calibration.compensation();
    DASH_TRY(engine.setCompensation(alpha));
    DASH_TRY(engine.enableQuantizedStates(o.quantGroup));
    DASH_ASSIGN_OR_RETURN(DifferentiableModel<float> model,
                          DifferentiableModel<float>::create(engine.model(), alpha, o.allowInt8,
                                                             o.allowInt4, o.quantGroup));

    ScoringModel scorer(ScorerShape{c.dim, c.layers, o.embed, o.hidden}, o.lambda);
    scorer.initialize(o.seed);
    Adam adam;
    double lambda = o.betaStart;
    const int32_t L = c.layers, dim = c.dim, vocab = c.vocabSize;
    const double sMax = static_cast<double>(o.stateCosts[3]) * L;
    std::vector<float> grad(scorer.parameters().size());
    DifferentiableModel<float>::Pass pass;
    std::vector<float> dMix, dLogits, normalized(static_cast<size_t>(dim)),
        source(static_cast<size_t>(dim));
    TrainProgress progress;
    progress.steps = o.steps;

    for (int64_t step = 0; step < o.steps; ++step) {
        if (o.cancel && o.cancel->cancelled())
            return cancelledError();
        std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step));
        auto start = static_cast<int64_t>(std::uniform_int_distribution<uint64_t>(
            0, static_cast<uint64_t>(heldOutStart - o.window))(rng));
        const bool imitating = step < o.imitationSteps;
        const auto labelled =
            static_cast<int64_t>(oracleImitation ? curves.windowStarts.size() : 0);
        if (imitating && oracleImitation)
            start = curves.windowStarts[static_cast<size_t>(step % labelled)];
        std::span<const int32_t> window(ids.data() + start, static_cast<size_t>(o.window));
        const double fraction = static_cast<double>(step) / static_cast<double>(o.steps);
        const double tauG = o.gumbelStart * std::pow(o.gumbelEnd / o.gumbelStart, fraction);
        const auto n = static_cast<int64_t>(window.size());

        // Decisions, made as DashController makes them, layer by layer.
        std::vector<RelaxedDecision> decisions;
        std::vector<float> inputs; // ĥ of each decision [decision][dim]
        std::vector<LayerState> states(static_cast<size_t>(n) * L, LayerState::Full);
        std::uniform_real_distribution<double> uniform(1e-12, 1.0);
        auto mixFn = [&](int32_t layer, const float* input, const float* previous, float* mix) {
            for (int64_t t = 0; t < n; ++t) {
                LayerState chosen = LayerState::Full;
                if (layer > 0) {
                    const LayerState current = states[static_cast<size_t>(t) * L + layer - 1];
                    if (o.async) {
                        // h̃ = gamma ⊙ h_{i-1}; alpha ⊙ h_{i-1} (exact) after a skip.
                        const float* prev = previous + t * dim;
                        const bool skipped = current == LayerState::Skip;
                        const std::vector<float>* scale =
                            skipped ? (alpha.alpha.empty()
                                           ? nullptr
                                           : &alpha.alpha[static_cast<size_t>(layer - 1)])
                                    : &calibration.gamma[static_cast<size_t>(layer - 1)];
                        for (int32_t k = 0; k < dim; ++k)
                            source[static_cast<size_t>(k)] =
                                prev[k] * (!scale               ? 1.0f
                                           : scale->size() == 1 ? (*scale)[0]
                                                                : (*scale)[static_cast<size_t>(k)]);
                    } else {
                        std::copy(input + t * dim, input + (t + 1) * dim, source.begin());
                    }
                    normalizeHidden(source.data(), dim, normalized.data());
                    StateScores scores;
                    scorer.score(normalized.data(), layer, current, scores);
                    RelaxedDecision d;
                    d.token = static_cast<int32_t>(t);
                    d.layer = layer;
                    d.current = current;
                    d.allowed = {layer < L - 1, o.allowInt4, o.allowInt8, true};
                    double top = -INFINITY, topZ = -INFINITY;
                    std::array<double, kStateCount> z{};
                    for (int k = 0; k < kStateCount; ++k) {
                        if (!d.allowed[static_cast<size_t>(k)])
                            continue;
                        const double g = -std::log(-std::log(uniform(rng)));
                        z[static_cast<size_t>(k)] = (scores[static_cast<size_t>(k)] + g) / tauG;
                        topZ = std::max(topZ, z[static_cast<size_t>(k)]);
                        top = std::max(top, static_cast<double>(scores[static_cast<size_t>(k)]));
                    }
                    double sumZ = 0, sumP = 0;
                    for (int k = 0; k < kStateCount; ++k) {
                        if (!d.allowed[static_cast<size_t>(k)])
                            continue;
                        d.soft[static_cast<size_t>(k)] = std::exp(z[static_cast<size_t>(k)] - topZ);
                        d.probs[static_cast<size_t>(k)] =
                            std::exp(static_cast<double>(scores[static_cast<size_t>(k)]) - top);
                        sumZ += d.soft[static_cast<size_t>(k)];
                        sumP += d.probs[static_cast<size_t>(k)];
                    }
                    int best = 3;
                    for (int k = 0; k < kStateCount; ++k) {
                        if (!d.allowed[static_cast<size_t>(k)])
                            continue;
                        d.soft[static_cast<size_t>(k)] /= sumZ;
                        d.probs[static_cast<size_t>(k)] /= sumP;
                        if (z[static_cast<size_t>(k)] == topZ)
                            best = k;
                    }
                    if (imitating) {
                        best = oracleImitation
                                   ? stateIndex(
                                         oracleLabels.at((step % labelled) * o.window + t, layer))
                                   : stateIndex(staticTargets[static_cast<size_t>(layer)]);
                    }
                    d.chosen = best;
                    chosen = kStates[best];
                    decisions.push_back(d);
                    inputs.insert(inputs.end(), normalized.begin(), normalized.end());
                }
                states[static_cast<size_t>(t) * L + layer] = chosen;
                mix[t * kStateCount + stateIndex(chosen)] = 1.0f;
            }
        };

        std::fill(grad.begin(), grad.end(), 0.0f);
        double ratioCost = 0, klMean = 0;
        if (imitating) {
            // Cross-entropy towards the targets along the forced path.
            model.forward(window, mixFn, false, pass);
            double logLik = 0;
            for (size_t i = 0; i < decisions.size(); ++i) {
                const RelaxedDecision& d = decisions[i];
                StateScores coef{};
                for (int k = 0; k < kStateCount; ++k)
                    if (d.allowed[static_cast<size_t>(k)])
                        coef[static_cast<size_t>(k)] = static_cast<float>(
                            (k == d.chosen ? 1.0 : 0.0) - d.probs[static_cast<size_t>(k)]);
                scorer.accumulateGradient(inputs.data() + i * static_cast<size_t>(dim), d.layer,
                                          d.current, coef, grad);
                logLik += std::log(std::max(1e-12, d.probs[static_cast<size_t>(d.chosen)]));
            }
            progress.reward =
                decisions.empty() ? 0.0 : logLik / static_cast<double>(decisions.size());
        } else {
            // Reference distributions from the engine at full precision.
            engine.reset();
            ForwardOptions full;
            full.allLogits = true;
            full.cancel = o.cancel;
            DASH_ASSIGN_OR_RETURN(std::span<const float> fullLogits, engine.forward(window, full));
            std::vector<std::vector<double>> logPFull;
            for (int64_t t = 0; t < n; ++t)
                logPFull.push_back(logSoftmaxRow(fullLogits.data() + t * vocab, vocab));
            engine.reset();

            const std::vector<float>& logits = model.forward(window, mixFn, true, pass);
            dLogits.assign(logits.size(), 0.0f);
            for (int64_t t = 0; t < n; ++t) {
                const std::vector<double> logQ = logSoftmaxRow(logits.data() + t * vocab, vocab);
                const std::vector<double>& logP = logPFull[static_cast<size_t>(t)];
                double kl = 0;
                for (int32_t v = 0; v < vocab; ++v) {
                    const double p = std::exp(logP[static_cast<size_t>(v)]);
                    kl += p * (logP[static_cast<size_t>(v)] - logQ[static_cast<size_t>(v)]);
                    // d KL / d logit_v = q_v - p_v
                    dLogits[static_cast<size_t>(t * vocab + v)] = static_cast<float>(
                        (std::exp(logQ[static_cast<size_t>(v)]) - p) / static_cast<double>(n));
                }
                klMean += kl / static_cast<double>(n);
            }
            model.backward(pass, dLogits, dMix);
            const double costWeight = lambda / (static_cast<double>(n) * sMax);
            for (size_t i = 0; i < decisions.size(); ++i) {
                const RelaxedDecision& d = decisions[i];
                // dL/dy_j: the model's gradient plus the cost term's.
                std::array<double, kStateCount> G{};
                for (int k = 0; k < kStateCount; ++k)
                    if (d.allowed[static_cast<size_t>(k)])
                        G[static_cast<size_t>(k)] =
                            dMix[(static_cast<size_t>(d.token) * L + d.layer) * kStateCount + k] +
                            costWeight * o.stateCosts[static_cast<size_t>(k)];
                double gy = 0;
                for (int k = 0; k < kStateCount; ++k)
                    gy += G[static_cast<size_t>(k)] * d.soft[static_cast<size_t>(k)];
                // y = softmax((score + g) / τ_g): dL/dscore_k = y_k (G_k - Σ_j G_j y_j) / τ_g;
                // the coefficients ascend, so they are its negative.
                StateScores coef{};
                for (int k = 0; k < kStateCount; ++k)
                    if (d.allowed[static_cast<size_t>(k)])
                        coef[static_cast<size_t>(k)] =
                            static_cast<float>(-d.soft[static_cast<size_t>(k)] *
                                               (G[static_cast<size_t>(k)] - gy) / tauG);
                scorer.accumulateGradient(inputs.data() + i * static_cast<size_t>(dim), d.layer,
                                          d.current, coef, grad);
            }
            progress.reward = -klMean;
        }
        for (LayerState s : states)
            ratioCost += static_cast<double>(s);
        const double sampledRatio =
            ratioCost > 0 ? 4.0 * static_cast<double>(states.size()) / ratioCost : 0;
        adam.step(scorer.parameters(), grad, o.learningRate);
        if (!imitating)
            lambda = std::max(0.0, lambda + o.betaRate * (o.targetRatio - sampledRatio));

        progress.phase = imitating ? "imitate" : "relax";
        progress.step = step + 1;
        progress.temperature = tauG;
        progress.beta = lambda;
        progress.sampledRatio = sampledRatio;
        progress.deltaNll = klMean;
        if (onProgress)
            onProgress(progress);
    }
    engine.reset();

    DASH_ASSIGN_OR_RETURN(TunedPolicy trained, tuneTrainedPolicy(scorer, calibration, o, engine,
                                                                 heldOut, progress, onProgress));
    std::unique_ptr<DashPolicy> policy = std::move(trained.policy);
    const TuneResult& tuned = trained.tuned;

    Json& t = policy->training();
    recordTrainingData(t, o, dataSha256, ids.size(), heldOut.size());
    t.set("target_ratio", o.targetRatio);
    t.set("cost_weight", lambda);
    t.set("imitation_steps", o.imitationSteps);
    t.set("imitation_target", imitationTargetName(o.imitationTarget));
    if (oracleImitation) {
        t.set("oracle_loss", oracleLossName(curves.loss));
        t.set("oracle_budget", oracleBudgetName(o.oracleBudget));
        t.set("oracle_windows", static_cast<int64_t>(curves.windowStarts.size()));
    }
    recordStaticImitation(t, o, staticOrder);
    t.set("state_costs",
          Json::array(std::vector<double>(o.stateCosts.begin(), o.stateCosts.end())));
    t.set("held_out_ratio", tuned.ratio);
    t.set("final_reward", progress.reward);
    t.set("trainer", trainerKindName(o.trainer));
    t.set("gumbel_start", o.gumbelStart);
    t.set("gumbel_end", o.gumbelEnd);
    t.set("alpha_method", alphaMethodName(calibration.method));
    if (!o.label.empty())
        t.set("label", o.label);
    return policy;
}

} // namespace dash
