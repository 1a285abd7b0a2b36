// SPDX-License-Identifier: MIT
#include "core/dash/evaluation.h"

#include "core/engine/generate.h"
#include "core/engine/sampler.h"
#include "core/util/clock.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace dash {

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Runs every layer from 1 on in one state (skip spares the last layer).
class FixedStateController : public LayerController {
public:
    FixedStateController(LayerState state, int32_t layers) : m_state(state), m_layers(layers) {}
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        LayerState s = layer == 0 ? LayerState::Full : m_state;
        if (s == LayerState::Skip && layer == m_layers - 1)
            s = LayerState::Full;
        std::fill(states, states + count, s);
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    LayerState m_state;
    int32_t m_layers;
};

} // namespace

Expected<EvaluationResult> evaluatePolicy(Policy& policy, Engine& engine,
                                          const std::vector<int32_t>& ids,
                                          const EvaluationOptions& options) {
    const int64_t context =
        options.context > 0 ? options.context : engine.model().config().contextLength;
    if (context < 2 || context > engine.maxContext())
        return invalidError("evaluation window " + std::to_string(context) + " is outside 2.." +
                            std::to_string(engine.maxContext()));
    auto total = static_cast<int64_t>(ids.size());
    if (options.maxTokens > 0)
        total = std::min(total, options.maxTokens);
    const int64_t available = total / context;
    int64_t windows = available;
    if (options.maxWindows > 0)
        windows = std::min(windows, options.maxWindows);
    // Window w starts at window index first(w): consecutive, or spread evenly.
    auto first = [&](int64_t w) {
        return options.spreadWindows && windows < available ? w * available / windows : w;
    };
    if (windows == 0)
        return invalidError("the text has " + std::to_string(total) +
                            " tokens, fewer than one window of " + std::to_string(context));
    DASH_TRY(policy.prepare(engine));
    const int32_t vocab = engine.model().config().vocabSize;
    EvaluationResult r;
    double nllAll = 0, nllHalf = 0;
    double cost = 0, cells = 0;
    for (int64_t w = 0; w < windows; ++w) {
        if (options.cancel && options.cancel->cancelled())
            return cancelledError();
        engine.reset();
        std::span<const int32_t> window(ids.data() + first(w) * context,
                                        static_cast<size_t>(context));
        DASH_TRY(policy.probe(engine, window));
        auto controller = policy.makeController();
        CountingController counter(controller.get());
        ForwardOptions fo;
        fo.controller = &counter;
        fo.cancel = options.cancel;
        fo.allLogits = options.perplexity;
        DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(window, fo));
        cost += counter.cost();
        cells += counter.cells();
        if (options.perplexity) {
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
        }
        if (options.onProgress)
            options.onProgress(w + 1, windows);
    }
    engine.reset();
    r.windows = windows;
    r.nominalRatio = cost > 0 ? 4.0 * cells / cost : 0.0;
    if (options.perplexity) {
        r.pplAll = std::exp(nllAll / static_cast<double>(r.scoredAll));
        r.pplSecondHalf = std::exp(nllHalf / static_cast<double>(r.scoredSecondHalf));
    }
    return r;
}

Expected<TuneResult> tuneToRatio(Policy& policy, Engine& engine,
                                 const std::vector<int32_t>& heldOut, const TuneOptions& options) {
    if (!(options.target >= 1.0))
        return invalidError("a target ratio must be >= 1");
    TuneResult result;
    if (!policy.tunable()) {
        result.ratio = 1.0;
        return result;
    }
    const int64_t context =
        options.context > 0 ? options.context : engine.model().config().contextLength;
    auto ratioAt = [&](double knob) -> Expected<double> {
        policy.setKnob(knob);
        ++result.evaluations;
        if (auto predicted = policy.predictedRatio(context))
            return *predicted;
        EvaluationOptions eo;
        eo.context = context;
        eo.maxWindows = options.windows;
        eo.spreadWindows = true;
        eo.perplexity = false;
        eo.cancel = options.cancel;
        DASH_ASSIGN_OR_RETURN(EvaluationResult r, evaluatePolicy(policy, engine, heldOut, eo));
        return r.nominalRatio;
    };
    auto [lo, hi] = policy.knobRange();
    DASH_ASSIGN_OR_RETURN(double ratioLo, ratioAt(lo));
    DASH_ASSIGN_OR_RETURN(double ratioHi, ratioAt(hi));
    const bool increasing = ratioHi >= ratioLo;
    const double minRatio = std::min(ratioLo, ratioHi), maxRatio = std::max(ratioLo, ratioHi);
    if (options.target <= minRatio || options.target >= maxRatio) {
        // Out of reach: settle on the nearer end.
        const bool useLo =
            std::fabs(ratioLo - options.target) <= std::fabs(ratioHi - options.target);
        result.knob = useLo ? lo : hi;
        result.ratio = useLo ? ratioLo : ratioHi;
        policy.setKnob(result.knob);
        return result;
    }
    double bestKnob = lo, bestRatio = ratioLo;
    for (int i = 0; i < options.iterations; ++i) {
        const double mid = 0.5 * (lo + hi);
        DASH_ASSIGN_OR_RETURN(double r, ratioAt(mid));
        if (std::fabs(r - options.target) < std::fabs(bestRatio - options.target)) {
            bestKnob = mid;
            bestRatio = r;
        }
        if (std::fabs(r - options.target) <= options.tolerance * options.target)
            break;
        if ((r < options.target) == increasing)
            lo = mid;
        else
            hi = mid;
    }
    policy.setKnob(bestKnob);
    result.knob = bestKnob;
    result.ratio = bestRatio;
    return result;
}

Expected<SpeedResult> measureDecodeSpeedup(Policy& policy, Engine& engine,
                                           const std::vector<int32_t>& source,
                                           const SpeedOptions& options) {
    const int64_t need = options.promptTokens + options.decodeTokens;
    if (options.promptTokens < 1 || options.decodeTokens < 1 || options.repeats < 1)
        return invalidError("speed measurement needs prompt, decode tokens and repeats >= 1");
    if (need > engine.maxContext())
        return invalidError("prompt + decode tokens (" + std::to_string(need) +
                            ") exceed the context length " + std::to_string(engine.maxContext()));
    if (static_cast<int64_t>(source.size()) < options.promptTokens)
        return invalidError("the text has fewer tokens than the prompt length");
    DASH_TRY(policy.prepare(engine));
    const std::vector<int32_t> prompt(source.begin(), source.begin() + options.promptTokens);
    std::vector<double> full, withPolicy;
    double cost = 0, cells = 0;
    // One warm-up round of each, then alternate so both see the same machine state.
    for (int r = 0; r <= options.repeats; ++r) {
        for (int usePolicy = 0; usePolicy < 2; ++usePolicy) {
            if (options.cancel && options.cancel->cancelled())
                return cancelledError();
            engine.reset();
            std::unique_ptr<LayerController> controller;
            if (usePolicy) {
                DASH_TRY(policy.probe(engine, prompt));
                controller = policy.makeController();
            }
            CountingController counter(controller.get());
            ForwardOptions fo;
            if (usePolicy)
                fo.controller = controller ? static_cast<LayerController*>(&counter) : nullptr;
            DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(prompt, fo));
            const double costBefore = counter.cost(), cellsBefore = counter.cells();
            int32_t next = argmax(logits);
            const int64_t t0 = steadyNowNs();
            for (int64_t i = 0; i < options.decodeTokens; ++i) {
                const int32_t one[1] = {next};
                DASH_ASSIGN_OR_RETURN(logits, engine.forward(one, fo));
                next = argmax(logits);
            }
            const double seconds = static_cast<double>(steadyNowNs() - t0) / 1e9;
            if (r == 0)
                continue;
            (usePolicy ? withPolicy : full)
                .push_back(static_cast<double>(options.decodeTokens) / seconds);
            if (usePolicy) {
                cost += counter.cost() - costBefore;
                cells += counter.cells() - cellsBefore;
            }
        }
    }
    engine.reset();
    SpeedResult s;
    s.fullTokensPerSecond = median(full);
    s.policyTokensPerSecond = median(withPolicy);
    s.speedup = s.policyTokensPerSecond / s.fullTokensPerSecond;
    s.decodeNominalRatio = cost > 0 ? 4.0 * cells / cost : 1.0;
    return s;
}

Expected<StateCosts> measureStateCosts(Engine& engine, const std::vector<int32_t>& source,
                                       const StateCostOptions& options) {
    const int32_t layers = engine.model().config().layers;
    if (layers < 3)
        return invalidError("measuring state costs needs a model of at least 3 layers");
    if (options.promptTokens < 1 || options.decodeTokens < 1 || options.repeats < 1)
        return invalidError("state costs need prompt, decode tokens and repeats >= 1");
    const int64_t need = options.promptTokens + options.decodeTokens;
    if (need > engine.maxContext())
        return invalidError("prompt + decode tokens (" + std::to_string(need) +
                            ") exceed the context length " + std::to_string(engine.maxContext()));
    if (static_cast<int64_t>(source.size()) < need)
        return invalidError("the text has fewer tokens (" + std::to_string(source.size()) +
                            ") than prompt + decode tokens (" + std::to_string(need) + ")");
    if (engine.quantizedGroup() == 0)
        return invalidError("measuring state costs needs the engine's INT8/INT4 weights");
    const std::span<const int32_t> prompt(source.data(), static_cast<size_t>(options.promptTokens));
    std::array<std::vector<double>, kStateCount> steps;
    // One warm-up round, then every state once per repeat.
    for (int r = 0; r <= options.repeats; ++r) {
        for (int k = 0; k < kStateCount; ++k) {
            if (options.cancel && options.cancel->cancelled())
                return cancelledError();
            FixedStateController controller(kStates[k], layers);
            engine.reset();
            ForwardOptions fo;
            fo.controller = &controller;
            DASH_TRY(engine.forward(prompt, fo));
            Trace trace;
            fo.trace = &trace;
            for (int64_t i = 0; i < options.decodeTokens; ++i) {
                const int32_t one[1] = {source[static_cast<size_t>(options.promptTokens + i)]};
                DASH_TRY(engine.forward(one, fo));
                if (r == 0)
                    continue;
                std::vector<double> layerNs;
                for (int32_t l = 1; l + 1 < layers; ++l)
                    layerNs.push_back(trace.layerTimeNs[trace.cell(static_cast<int32_t>(i), l)]);
                steps[static_cast<size_t>(k)].push_back(median(std::move(layerNs)));
            }
        }
    }
    engine.reset();
    StateCosts costs{};
    const double full = median(steps[3]);
    if (!(full > 0))
        return invalidError("the clock did not advance while measuring state costs");
    for (int k = 0; k < kStateCount; ++k)
        costs[static_cast<size_t>(k)] =
            static_cast<float>(4.0 * median(steps[static_cast<size_t>(k)]) / full);
    costs[3] = 4.0f;
    return costs;
}

} // namespace dash
