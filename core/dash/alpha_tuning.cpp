// SPDX-License-Identifier: MIT
#include "core/dash/alpha_tuning.h"

#include "core/dash/baselines.h"
#include "core/dash/oracle.h"

#include <cmath>

namespace dash {

Json AlphaTuningResult::toJson() const {
    Json j = Json::object();
    j.set("criterion", "mean held-out log-perplexity of similarity-ranked skipping");
    j.set("best", alphaMethodName(best));
    j.set("ratios", Json::array(ratios));
    j.set("held_out_tokens", heldOutTokens);
    Json rows = Json::object();
    for (size_t m = 0; m < methods.size(); ++m)
        rows.set(alphaMethodName(methods[m]), Json::array(ppl[m]));
    j.set("perplexity", std::move(rows));
    return j;
}

Expected<AlphaTuningResult> tuneAlphaMethod(Engine& engine, const Calibration& calibration,
                                            const std::vector<int32_t>& heldOut,
                                            const AlphaTuningOptions& o) {
    const ModelConfig& c = engine.model().config();
    DASH_TRY(calibration.checkShape(c.layers, c.dim));
    if (o.ratios.empty())
        return invalidError("tuning the alpha method needs at least one ratio");
    for (double r : o.ratios)
        if (!(r >= 1.0))
            return invalidError("ratios for tuning the alpha method must be >= 1");
    const std::vector<int32_t> order =
        StaticSimilarityPolicy(c.layers, calibration.meanCos).order();
    AlphaTuningResult result;
    result.ratios = o.ratios;
    double bestScore = INFINITY;
    for (AlphaMethod method : kAlphaMethods) {
        Calibration variant = calibration;
        variant.method = method;
        std::vector<double> row;
        double score = 0;
        for (double ratio : o.ratios) {
            OrderedSkipPolicy policy(c.layers, order, variant.compensation());
            const int64_t context = o.windows.context > 0 ? o.windows.context : c.contextLength;
            TuneOptions tune;
            tune.target = ratio;
            tune.context = context;
            tune.cancel = o.cancel;
            DASH_TRY(tuneToRatio(policy, engine, heldOut, tune));
            EvaluationOptions eo = o.windows;
            eo.cancel = o.cancel;
            DASH_ASSIGN_OR_RETURN(EvaluationResult r, evaluatePolicy(policy, engine, heldOut, eo));
            result.heldOutTokens = r.scoredAll;
            row.push_back(r.pplAll);
            score += std::log(r.pplAll);
            if (o.onResult)
                o.onResult(method, ratio, r.pplAll);
        }
        result.methods.push_back(method);
        result.ppl.push_back(row);
        if (score < bestScore) {
            bestScore = score;
            result.best = method;
        }
    }
    Calibration chosen = calibration;
    chosen.method = result.best;
    DASH_TRY(engine.setCompensation(chosen.compensation()));
    return result;
}

} // namespace dash
