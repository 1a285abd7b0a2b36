// SPDX-License-Identifier: MIT
#include "core/dash/oracle.h"

#include "core/engine/generate.h"
#include "core/util/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dash {

std::vector<int64_t> evaluationWindows(int64_t textTokens, const EvaluationOptions& options,
                                       int64_t context) {
    // The same selection as evaluatePolicy: consecutive windows, or spread.
    int64_t total = textTokens;
    if (options.maxTokens > 0)
        total = std::min(total, options.maxTokens);
    const int64_t available = context > 0 ? total / context : 0;
    int64_t windows = available;
    if (options.maxWindows > 0)
        windows = std::min(windows, options.maxWindows);
    std::vector<int64_t> starts;
    for (int64_t w = 0; w < windows; ++w) {
        const int64_t first =
            options.spreadWindows && windows < available ? w * available / windows : w;
        starts.push_back(first * context);
    }
    return starts;
}

const char* oracleLossName(OracleLoss loss) {
    return loss == OracleLoss::Nll ? "nll" : "kl";
}

Expected<OracleLoss> parseOracleLoss(const std::string& text) {
    if (text == "nll")
        return OracleLoss::Nll;
    if (text == "kl")
        return OracleLoss::Kl;
    return invalidError("unknown oracle loss '" + text + "' (expected nll or kl)");
}

const char* oracleBudgetName(OracleBudget budget) {
    return budget == OracleBudget::PerToken ? "per-token" : "shared";
}

namespace {

// KL(p || q) from log-probabilities.
double klDivergence(const std::vector<double>& logP, const std::vector<double>& logQ) {
    double kl = 0;
    for (size_t i = 0; i < logP.size(); ++i)
        kl += std::exp(logP[i]) * (logP[i] - logQ[i]);
    return std::max(0.0, kl);
}

// Skips the layers of one set for every token of every pass.
class SetController : public LayerController {
public:
    explicit SetController(std::vector<uint8_t> skip) : m_skip(std::move(skip)) {}
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        std::fill(states, states + count,
                  m_skip[static_cast<size_t>(layer)] ? LayerState::Skip : LayerState::Full);
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    std::vector<uint8_t> m_skip; // [layer]
};

} // namespace

Expected<OracleCurves> computeOracleCurves(Engine& engine, const std::vector<int32_t>& ids,
                                           const OracleOptions& o) {
    const ModelConfig& c = engine.model().config();
    const int32_t layers = c.layers;
    if (layers < 3)
        return invalidError("the oracle needs a model of at least 3 layers");
    const int64_t context = o.windows.context > 0 ? o.windows.context : c.contextLength;
    if (context < 2 || context > engine.maxContext())
        return invalidError("oracle window " + std::to_string(context) + " is outside 2.." +
                            std::to_string(engine.maxContext()));
    const int32_t inner = layers - 2;
    const int32_t maxSkips = o.maxSkips < 0 ? inner : std::min(o.maxSkips, inner);
    if (o.search == OracleSearch::Exhaustive && inner > 16)
        return invalidError("an exhaustive oracle search over " + std::to_string(inner) +
                            " inner layers (2^" + std::to_string(inner) +
                            " sets per token) is too large; use the greedy search");

    OracleCurves curves;
    curves.layers = layers;
    curves.context = context;
    curves.loss = o.loss;
    curves.search = o.search;
    curves.windowStarts = evaluationWindows(static_cast<int64_t>(ids.size()), o.windows, context);
    if (curves.windowStarts.empty())
        return invalidError("the text has " + std::to_string(ids.size()) +
                            " tokens, fewer than one window of " + std::to_string(context));
    const int32_t vocab = c.vocabSize;
    const int64_t totalTokens = static_cast<int64_t>(curves.windowStarts.size()) * context;
    curves.tokens.resize(static_cast<size_t>(totalTokens));

    StateTable row(1, layers);
    StateTableController controller(row);
    ForwardOptions trialOptions;
    trialOptions.controller = &controller;
    trialOptions.cancel = o.cancel;
    std::vector<double> fullLogP(static_cast<size_t>(context) * vocab);
    std::vector<double> logP, trialLogP;

    for (size_t w = 0; w < curves.windowStarts.size(); ++w) {
        const int64_t start = curves.windowStarts[w];
        std::span<const int32_t> window(ids.data() + start, static_cast<size_t>(context));
        engine.reset();
        ForwardOptions full;
        full.allLogits = true;
        full.cancel = o.cancel;
        auto logits = engine.forward(window, full);
        if (!logits.ok()) {
            engine.reset();
            return logits.error();
        }
        for (int64_t t = 0; t < context; ++t) {
            logSoftmax(logits->subspan(static_cast<size_t>(t * vocab), static_cast<size_t>(vocab)),
                       logP);
            std::copy(logP.begin(), logP.end(), fullLogP.begin() + t * vocab);
        }
        for (int64_t t = 0; t < context; ++t) {
            if (o.cancel && o.cancel->cancelled()) {
                engine.reset();
                return cancelledError();
            }
            const bool byNll = o.loss == OracleLoss::Nll && t + 1 < context;
            const int32_t target = t + 1 < context ? window[static_cast<size_t>(t + 1)] : 0;
            logP.assign(fullLogP.begin() + t * vocab, fullLogP.begin() + (t + 1) * vocab);
            const std::span<const int32_t> token = window.subspan(static_cast<size_t>(t), 1);
            // The loss of this token with `set` skipped, the cache holding the
            // full model's positions 0 .. t-1.
            auto trial = [&](const std::vector<int32_t>& set) -> Expected<double> {
                std::fill(row.cells.begin(), row.cells.end(), LayerState::Full);
                for (int32_t l : set)
                    row.at(0, l) = LayerState::Skip;
                engine.truncate(t);
                DASH_ASSIGN_OR_RETURN(std::span<const float> out,
                                      engine.forward(token, trialOptions));
                ++curves.trials;
                logSoftmax(out, trialLogP);
                if (byNll)
                    return logP[static_cast<size_t>(target)] -
                           trialLogP[static_cast<size_t>(target)];
                return klDivergence(logP, trialLogP);
            };
            TokenCurve& curve = curves.tokens[w * static_cast<size_t>(context) + t];
            curve.sets.assign(1, {});
            curve.loss.assign(1, 0.0);
            if (o.search == OracleSearch::Greedy) {
                std::vector<int32_t> set;
                std::vector<uint8_t> used(static_cast<size_t>(layers), 0);
                for (int32_t k = 1; k <= maxSkips; ++k) {
                    double best = std::numeric_limits<double>::infinity();
                    int32_t bestLayer = -1;
                    for (int32_t l = 1; l + 1 < layers; ++l) {
                        if (used[static_cast<size_t>(l)])
                            continue;
                        set.push_back(l);
                        auto loss = trial(set);
                        set.pop_back();
                        if (!loss.ok()) {
                            engine.reset();
                            return loss.error();
                        }
                        // Strict: ties keep the shallower layer.
                        if (*loss < best) {
                            best = *loss;
                            bestLayer = l;
                        }
                    }
                    set.push_back(bestLayer);
                    used[static_cast<size_t>(bestLayer)] = 1;
                    curve.sets.push_back(set);
                    curve.loss.push_back(best);
                }
            } else {
                curve.sets.resize(static_cast<size_t>(maxSkips) + 1);
                curve.loss.assign(static_cast<size_t>(maxSkips) + 1,
                                  std::numeric_limits<double>::infinity());
                curve.loss[0] = 0.0;
                std::vector<int32_t> set;
                for (uint32_t mask = 1; mask < (1u << inner); ++mask) {
                    const int k = __builtin_popcount(mask);
                    if (k > maxSkips)
                        continue;
                    set.clear();
                    for (int32_t b = 0; b < inner; ++b)
                        if (mask & (1u << b))
                            set.push_back(b + 1);
                    auto loss = trial(set);
                    if (!loss.ok()) {
                        engine.reset();
                        return loss.error();
                    }
                    if (*loss < curve.loss[static_cast<size_t>(k)]) {
                        curve.loss[static_cast<size_t>(k)] = *loss;
                        curve.sets[static_cast<size_t>(k)] = set;
                    }
                }
            }
            // Restore this position's full-precision K/V for the tokens after it.
            engine.truncate(t);
            if (auto restored = engine.forward(token, full); !restored.ok()) {
                engine.reset();
                return restored.error();
            }
            if (o.onProgress)
                o.onProgress(static_cast<int64_t>(w) * context + t + 1, totalTokens);
        }
    }
    engine.reset();
    return curves;
}

Json oracleCurvesToJson(const OracleCurves& curves, const std::string& modelSha256,
                        const std::string& textSha256) {
    Json j = Json::object();
    j.set("format", "dash-oracle-curves");
    j.set("version", 1);
    j.set("model_sha256", modelSha256);
    j.set("text_sha256", textSha256);
    j.set("layers", curves.layers);
    j.set("context", curves.context);
    j.set("loss", oracleLossName(curves.loss));
    j.set("search", curves.search == OracleSearch::Greedy ? "greedy" : "exhaustive");
    j.set("trials", curves.trials);
    j.set("window_starts", Json::array(curves.windowStarts));
    Json tokens(Json::Array{});
    for (const TokenCurve& c : curves.tokens) {
        Json t = Json::object();
        Json sets(Json::Array{});
        for (const auto& set : c.sets)
            sets.push(Json::array(set));
        t.set("sets", std::move(sets));
        t.set("loss", Json::array(c.loss));
        tokens.push(std::move(t));
    }
    j.set("tokens", std::move(tokens));
    return j;
}

Expected<OracleCurves> oracleCurvesFromJson(const Json& j, int32_t layers,
                                            const std::string& modelSha256,
                                            const std::string& textSha256) {
    if (!j.isObject() || !j["format"].isString() || j["format"].asString() != "dash-oracle-curves")
        return invalidError("not oracle curves (field 'format' is not 'dash-oracle-curves')");
    if (!j["version"].isNumber() || j["version"].asNumber() != 1)
        return unsupportedError("oracle curves: only version 1 is supported");
    if (!j["model_sha256"].isString() || j["model_sha256"].asString() != modelSha256)
        return invalidError("oracle curves were made for another model");
    if (!j["text_sha256"].isString() || j["text_sha256"].asString() != textSha256)
        return invalidError("oracle curves were made for another text");
    OracleCurves c;
    DASH_ASSIGN_OR_RETURN(double l, j.number("layers"));
    DASH_ASSIGN_OR_RETURN(double context, j.number("context"));
    if (static_cast<int32_t>(l) != layers)
        return invalidError("oracle curves are for " + std::to_string(static_cast<int>(l)) +
                            " layers, the model has " + std::to_string(layers));
    if (context < 2 || context > 1e6)
        return invalidError("oracle curves: field 'context' out of range");
    c.layers = layers;
    c.context = static_cast<int64_t>(context);
    DASH_ASSIGN_OR_RETURN(std::string loss, j.string("loss"));
    DASH_ASSIGN_OR_RETURN(c.loss, parseOracleLoss(loss));
    c.search = j["search"].isString() && j["search"].asString() == "exhaustive"
                   ? OracleSearch::Exhaustive
                   : OracleSearch::Greedy;
    c.trials = j["trials"].asInt();
    DASH_ASSIGN_OR_RETURN(const Json* starts, j.member("window_starts", Json::Type::Array));
    for (double v : starts->toDoubles())
        c.windowStarts.push_back(static_cast<int64_t>(v));
    DASH_ASSIGN_OR_RETURN(const Json* tokens, j.member("tokens", Json::Type::Array));
    if (tokens->size() != c.windowStarts.size() * static_cast<size_t>(c.context))
        return invalidError("oracle curves: 'tokens' does not hold one entry per window token");
    size_t levels = 0;
    for (size_t i = 0; i < tokens->size(); ++i) {
        const Json& t = (*tokens)[i];
        TokenCurve curve;
        if (!t["loss"].isArray() || !t["sets"].isArray() || t["loss"].size() != t["sets"].size() ||
            t["loss"].size() == 0)
            return invalidError("oracle curves: token " + std::to_string(i) + " is malformed");
        if (i == 0)
            levels = t["loss"].size();
        if (t["loss"].size() != levels)
            return invalidError("oracle curves: token " + std::to_string(i) +
                                " has another number of levels");
        curve.loss = t["loss"].toDoubles();
        for (size_t k = 0; k < t["sets"].size(); ++k) {
            const Json& set = t["sets"][k];
            if (!set.isArray() || set.size() != k)
                return invalidError("oracle curves: token " + std::to_string(i) + " set " +
                                    std::to_string(k) + " does not hold " + std::to_string(k) +
                                    " layers");
            std::vector<int32_t> layersOf;
            for (double v : set.toDoubles()) {
                if (!(v >= 1 && v <= layers - 2))
                    return invalidError("oracle curves: token " + std::to_string(i) +
                                        " skips a layer outside 1.." + std::to_string(layers - 2));
                layersOf.push_back(static_cast<int32_t>(v));
            }
            curve.sets.push_back(std::move(layersOf));
        }
        c.tokens.push_back(std::move(curve));
    }
    return c;
}

int32_t staticSkipCount(int32_t layers, double ratio, int64_t position) {
    const double inner = std::max(0, layers - 2);
    const double k = std::clamp(static_cast<double>(layers) * (1.0 - 1.0 / ratio), 0.0, inner);
    const double whole = std::floor(k);
    return static_cast<int32_t>(whole) + (positionHash(7, position, 0) < k - whole ? 1 : 0);
}

OracleAssignment assignOracle(const OracleCurves& curves, double ratio, OracleBudget budget) {
    const int64_t context = curves.context;
    const auto windows = static_cast<int64_t>(curves.windowStarts.size());
    OracleAssignment a;
    a.states = StateTable(windows * context, curves.layers);
    a.skips.assign(static_cast<size_t>(windows * context), 0);
    for (int64_t w = 0; w < windows; ++w) {
        const TokenCurve* first = curves.tokens.data() + w * context;
        const auto kMax = static_cast<int32_t>(first->loss.size()) - 1;
        int32_t* skips = a.skips.data() + w * context;
        int64_t total = 0;
        for (int64_t t = 0; t < context; ++t) {
            skips[t] = std::min(kMax, staticSkipCount(curves.layers, ratio, t));
            total += skips[t];
        }
        if (budget == OracleBudget::Shared) {
            // best[t+1][b]: least summed loss of tokens 0..t with b skips.
            const int64_t B = total;
            constexpr double kInf = std::numeric_limits<double>::infinity();
            std::vector<double> best(static_cast<size_t>(B) + 1, kInf), next;
            std::vector<int8_t> choice(static_cast<size_t>(context * (B + 1)), -1);
            best[0] = 0.0;
            for (int64_t t = 0; t < context; ++t) {
                const std::vector<double>& loss = first[t].loss;
                next.assign(static_cast<size_t>(B) + 1, kInf);
                for (int64_t b = 0; b <= B; ++b) {
                    for (int32_t k = 0; k <= kMax && k <= b; ++k) {
                        const double v =
                            best[static_cast<size_t>(b - k)] + loss[static_cast<size_t>(k)];
                        if (v < next[static_cast<size_t>(b)]) {
                            next[static_cast<size_t>(b)] = v;
                            choice[static_cast<size_t>(t * (B + 1) + b)] = static_cast<int8_t>(k);
                        }
                    }
                }
                best.swap(next);
            }
            int64_t b = B;
            for (int64_t t = context - 1; t >= 0; --t) {
                skips[t] = choice[static_cast<size_t>(t * (B + 1) + b)];
                b -= skips[t];
            }
        }
        for (int64_t t = 0; t < context; ++t) {
            const TokenCurve& curve = first[t];
            for (int32_t l : curve.sets[static_cast<size_t>(skips[t])])
                a.states.at(w * context + t, l) = LayerState::Skip;
            if (t + 1 < context)
                a.estimatedLoss += curve.loss[static_cast<size_t>(skips[t])];
        }
    }
    const int64_t scored = windows * (context - 1);
    if (scored > 0)
        a.estimatedLoss /= static_cast<double>(scored);
    return a;
}

Expected<std::span<const int32_t>> textWindow(const std::vector<int32_t>& ids, int64_t start,
                                              int64_t context) {
    if (start < 0 || context < 0 || start + context > static_cast<int64_t>(ids.size()))
        return invalidError("window at " + std::to_string(start) + " is outside the text");
    return std::span<const int32_t>(ids.data() + start, static_cast<size_t>(context));
}

Expected<EvaluationResult> evaluateStateTable(Engine& engine, const std::vector<int32_t>& ids,
                                              const std::vector<int64_t>& windowStarts,
                                              int64_t context, const StateTable& states,
                                              const CancelToken* cancel,
                                              const std::function<void(int64_t done)>& onWindow) {
    if (states.tokens() < static_cast<int64_t>(windowStarts.size()) * context)
        return invalidError("the state table has fewer rows than the windows hold tokens");
    if (states.layers != engine.model().config().layers)
        return invalidError("the state table's layers do not match the model");
    const int32_t vocab = engine.model().config().vocabSize;
    EvaluationResult r;
    double nllAll = 0, nllHalf = 0, cost = 0, cells = 0;
    StateTableController controller(states);
    for (size_t w = 0; w < windowStarts.size(); ++w) {
        if (cancel && cancel->cancelled())
            return cancelledError();
        DASH_ASSIGN_OR_RETURN(const std::span<const int32_t> window,
                              textWindow(ids, windowStarts[w], context));
        controller.setFirstRow(static_cast<int64_t>(w) * context);
        CountingController counter(&controller);
        ForwardOptions fo;
        fo.controller = &counter;
        fo.allLogits = true;
        fo.cancel = cancel;
        engine.reset();
        DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(window, fo));
        cost += counter.cost();
        cells += counter.cells();
        for (int64_t j = 0; j + 1 < context; ++j) {
            const double lp = logProbability(
                logits.subspan(static_cast<size_t>(j * vocab), static_cast<size_t>(vocab)),
                window[static_cast<size_t>(j + 1)]);
            nllAll -= lp;
            ++r.scoredAll;
            if (j >= context / 2) {
                nllHalf -= lp;
                ++r.scoredSecondHalf;
            }
        }
        if (onWindow)
            onWindow(static_cast<int64_t>(w) + 1);
    }
    engine.reset();
    r.windows = static_cast<int64_t>(windowStarts.size());
    r.nominalRatio = cost > 0 ? 4.0 * cells / cost : 0.0;
    if (r.scoredAll > 0)
        r.pplAll = std::exp(nllAll / static_cast<double>(r.scoredAll));
    if (r.scoredSecondHalf > 0)
        r.pplSecondHalf = std::exp(nllHalf / static_cast<double>(r.scoredSecondHalf));
    return r;
}

Expected<StaticSearchResult> searchStaticOrder(Engine& engine, const std::vector<int32_t>& heldOut,
                                               const StaticSearchOptions& o) {
    const ModelConfig& c = engine.model().config();
    const int32_t layers = c.layers;
    if (layers < 3)
        return invalidError("a static search needs a model of at least 3 layers");
    const int64_t context = o.windows.context > 0 ? o.windows.context : c.contextLength;
    if (context < 2 || context > engine.maxContext())
        return invalidError("search window " + std::to_string(context) + " is outside 2.." +
                            std::to_string(engine.maxContext()));
    const std::vector<int64_t> starts =
        evaluationWindows(static_cast<int64_t>(heldOut.size()), o.windows, context);
    if (starts.empty())
        return invalidError("the held-out text has fewer tokens than one window of " +
                            std::to_string(context));
    const int32_t maxSkips = o.maxSkips < 0 ? layers - 2 : std::min(o.maxSkips, layers - 2);
    const int32_t vocab = c.vocabSize;
    StaticSearchResult result;
    std::vector<uint8_t> skip(static_cast<size_t>(layers), 0);
    auto meanNll = [&]() -> Expected<double> {
        SetController controller(skip);
        ForwardOptions fo;
        fo.controller = &controller;
        fo.allLogits = true;
        fo.cancel = o.cancel;
        double nll = 0;
        int64_t scored = 0;
        for (int64_t start : starts) {
            std::span<const int32_t> window(heldOut.data() + start, static_cast<size_t>(context));
            engine.reset();
            DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(window, fo));
            for (int64_t j = 0; j + 1 < context; ++j) {
                nll -= logProbability(
                    logits.subspan(static_cast<size_t>(j * vocab), static_cast<size_t>(vocab)),
                    window[static_cast<size_t>(j + 1)]);
                ++scored;
            }
        }
        ++result.evaluations;
        return nll / static_cast<double>(scored);
    };
    auto base = meanNll();
    if (!base.ok()) {
        engine.reset();
        return base.error();
    }
    result.nll.push_back(*base);
    for (int32_t k = 1; k <= maxSkips; ++k) {
        double best = std::numeric_limits<double>::infinity();
        int32_t bestLayer = -1;
        for (int32_t l = 1; l + 1 < layers; ++l) {
            if (skip[static_cast<size_t>(l)])
                continue;
            skip[static_cast<size_t>(l)] = 1;
            auto nll = meanNll();
            skip[static_cast<size_t>(l)] = 0;
            if (!nll.ok()) {
                engine.reset();
                return nll.error();
            }
            if (*nll < best) {
                best = *nll;
                bestLayer = l;
            }
        }
        skip[static_cast<size_t>(bestLayer)] = 1;
        result.order.push_back(bestLayer);
        result.nll.push_back(best);
        if (o.onStep)
            o.onStep(k, bestLayer, best);
    }
    // The layers never removed follow in their natural order, so the order
    // covers every inner layer (RankedSkipPolicy may need them all).
    for (int32_t l = 1; l + 1 < layers; ++l)
        if (!skip[static_cast<size_t>(l)])
            result.order.push_back(l);
    engine.reset();
    return result;
}

Json OrderedSkipPolicy::parameters() const {
    Json j = Json::object();
    j.set("skip_layers", m_skip);
    j.set("order", Json::array(m_order));
    j.set("compensated", !m_compensation.alpha.empty());
    return j;
}

Status OrderedSkipPolicy::prepare(Engine& engine) const {
    return engine.setCompensation(m_compensation);
}

} // namespace dash
