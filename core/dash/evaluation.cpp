// SPDX-License-Identifier: MIT
#include "core/dash/evaluation.h"

#include "core/dash/state_table.h"
#include "core/engine/generate.h"
#include "core/engine/sampler.h"
#include "core/model/tokenizer.h"
#include "core/util/clock.h"
#include "core/util/input_file.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <random>

namespace dash {

namespace {

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

// Draws each token's state of layers 1 .. L-2 at random, the four states
// equally likely (a seeded generator); layers 0 and L-1 at full precision.
class MixedStateController : public LayerController {
public:
    MixedStateController(uint64_t seed, int32_t layers, const StateSet& draw)
        : m_rng(seed), m_layers(layers) {
        for (int k = 0; k < kStateCount; ++k)
            if (draw[static_cast<size_t>(k)])
                m_draw.push_back(kStates[k]);
    }
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        std::uniform_int_distribution<size_t> pick(0, m_draw.size() - 1);
        for (int64_t t = 0; t < count; ++t)
            states[t] =
                layer == 0 || layer == m_layers - 1 ? LayerState::Full : m_draw[pick(m_rng)];
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    std::mt19937_64 m_rng;
    int32_t m_layers;
    std::vector<LayerState> m_draw;
};

} // namespace

Expected<std::vector<int32_t>> readTextTokens(const std::string& path, const Tokenizer& tokenizer,
                                              int64_t maxTokens) {
    // Through the checked reader: a FIFO, a device or a directory is refused
    // instead of blocking or reading forever.
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kTextInput));
    // Corpus text is data: "<unk>" in WikiText is the five characters, not the
    // unknown token, as in the references and llama.cpp's perplexity tool.
    std::vector<int32_t> ids = tokenizer.encode(text, true, false);
    if (maxTokens > 0 && static_cast<int64_t>(ids.size()) > maxTokens)
        ids.resize(static_cast<size_t>(maxTokens));
    return ids;
}

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
    if (options.promptTokens < 1 || options.decodeTokens < 1 || options.rounds < 1)
        return invalidError("speed measurement needs prompt, decode tokens and rounds >= 1");
    if (need > engine.maxContext())
        return invalidError("prompt + decode tokens (" + std::to_string(need) +
                            ") exceed the context length " + std::to_string(engine.maxContext()));
    if (static_cast<int64_t>(source.size()) < options.promptTokens)
        return invalidError("the text has fewer tokens than the prompt length");
    DASH_TRY(policy.prepare(engine));
    const std::vector<int32_t> prompt(source.begin(), source.begin() + options.promptTokens);
    enum Arm { Full = 0, FullControl = 1, WithPolicy = 2, Replay = 3 };
    // The policy's states of every prompt and decode token, for the replay.
    StateTable recorded(need, engine.model().config().layers);
    // The policy's decode steps of every run, warm-up included; the warm-up
    // runs (the first two of each arm per warm-up round) are dropped below.
    std::vector<std::array<double, kStateCount>> policyCells; // per run, cells per state
    // `record`: an untimed policy run that fills `recorded`.
    auto runArm = [&](int arm, bool record) -> Expected<double> {
        engine.reset();
        std::unique_ptr<LayerController> controller;
        if (arm == WithPolicy) {
            DASH_TRY(policy.probe(engine, prompt));
            controller = policy.makeController();
        } else if (arm == Replay) {
            controller = std::make_unique<StateTableController>(recorded);
        }
        RecordingController recorder(controller.get(), recorded);
        CountingController counter(record ? &recorder : controller.get());
        auto toRow = [&](int64_t row) {
            recorder.setFirstRow(row);
            if (arm == Replay)
                static_cast<StateTableController&>(*controller).setFirstRow(row);
        };
        ForwardOptions fo;
        if (controller)
            fo.controller = &counter;
        toRow(0);
        DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(prompt, fo));
        const std::array<double, kStateCount> before = counter.stateCells();
        int32_t next = argmax(logits);
        const int64_t t0 = steadyNowNs();
        for (int64_t i = 0; i < options.decodeTokens; ++i) {
            const int32_t one[1] = {next};
            toRow(options.promptTokens + i);
            DASH_ASSIGN_OR_RETURN(logits, engine.forward(one, fo));
            next = argmax(logits);
        }
        const double seconds = static_cast<double>(steadyNowNs() - t0) / 1e9;
        if (record)
            return seconds;
        if (arm == WithPolicy) {
            std::array<double, kStateCount> decoded{};
            for (size_t k = 0; k < decoded.size(); ++k)
                decoded[k] = counter.stateCells()[k] - before[k];
            policyCells.push_back(decoded);
        }
        return seconds;
    };
    AlternationOptions ao;
    ao.rounds = options.rounds;
    ao.warmupRounds = options.warmupRounds;
    ao.cancel = options.cancel;
    if (options.replay) {
        if (auto recordedRun = runArm(WithPolicy, true); !recordedRun.ok()) {
            engine.reset();
            return recordedRun.error();
        }
    }
    auto seconds = runAlternating(
        options.replay ? 4 : 3, [&](int arm) { return runArm(arm, false); }, ao);
    engine.reset();
    if (!seconds.ok())
        return seconds.error();
    std::array<double, kStateCount> stateCells{};
    for (size_t i = 2 * static_cast<size_t>(options.warmupRounds); i < policyCells.size(); ++i)
        for (size_t k = 0; k < stateCells.size(); ++k)
            stateCells[k] += policyCells[i][k];
    double cells = 0;
    for (double n : stateCells)
        cells += n;
    const double cost = nominalCost(stateCells);
    const auto decode = static_cast<double>(options.decodeTokens);
    SpeedResult s;
    s.fullTokensPerSecond = rates((*seconds)[Full], decode).median;
    s.policyTokensPerSecond = rates((*seconds)[WithPolicy], decode).median;
    s.speedup = pairedSpeedup((*seconds)[Full], (*seconds)[WithPolicy]);
    s.control = pairedSpeedup((*seconds)[Full], (*seconds)[FullControl]);
    s.decodeNominalRatio = cost > 0 ? 4.0 * cells / cost : 1.0;
    // Without a controller every layer ran at full precision.
    for (size_t k = 0; k < stateCells.size(); ++k)
        s.stateShare[k] = cells > 0 ? stateCells[k] / cells : (k == 3 ? 1.0 : 0.0);
    s.rounds = options.rounds;
    if (options.replay) {
        const std::vector<double>& policySeconds = (*seconds)[WithPolicy];
        const std::vector<double>& replaySeconds = (*seconds)[Replay];
        s.replaySpeedup = pairedSpeedup((*seconds)[Full], replaySeconds);
        std::vector<double> perToken;
        for (size_t i = 0; i + 1 < policySeconds.size(); i += 2)
            perToken.push_back((policySeconds[i] + policySeconds[i + 1] - replaySeconds[i] -
                                replaySeconds[i + 1]) *
                               1e9 / (2 * decode));
        s.decisionNsPerToken = summarize(std::move(perToken));
    }
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
    if (options.mixed && std::none_of(options.mixedDraw.begin(), options.mixedDraw.end(),
                                      [](bool drawn) { return drawn; }))
        return invalidError("the mixed state-cost runs need at least one state to draw");
    const std::span<const int32_t> prompt(source.data(), static_cast<size_t>(options.promptTokens));
    if (options.parts) {
        options.parts->firstLayer = 1;
        options.parts->lastLayer = layers - 2;
    }
    AlternationOptions ao;
    ao.rounds = options.repeats;
    ao.cancel = options.cancel;
    // Arms 0..3 run one state throughout, arms 4..7 (mixed only) draw states.
    const int arms = options.mixed ? 2 * kStateCount : kStateCount;
    // The measured samples of each state: the median layer time of each decode
    // step of a fixed-state run; every layer time in that state of a mixed run.
    std::array<std::array<std::vector<double>, kStateCount>, 2> samples;
    std::array<int, 2 * kStateCount> runCount{};
    uint64_t mixedRuns = 0;
    auto runState = [&](int arm) -> Expected<double> {
        const bool mixedArm = arm >= kStateCount;
        const int k = arm % kStateCount;
        FixedStateController fixed(kStates[k], layers);
        MixedStateController mixed(options.seed + (mixedArm ? mixedRuns++ : 0), layers,
                                   options.mixedDraw);
        engine.reset();
        ForwardOptions fo;
        fo.controller = mixedArm ? static_cast<LayerController*>(&mixed) : &fixed;
        DASH_TRY(engine.forward(prompt, fo));
        Trace trace;
        fo.trace = &trace;
        // Each arm runs twice per warm-up round before its measured runs.
        const bool measured = runCount[static_cast<size_t>(arm)]++ >= 2 * ao.warmupRounds;
        const bool timeParts = options.parts && measured && !mixedArm;
        if (timeParts)
            DASH_TRY(engine.backend().setLayerPartTimes(options.parts));
        std::array<std::vector<double>, kStateCount> run;
        const int64_t t0 = steadyNowNs();
        Status decoded;
        for (int64_t i = 0; i < options.decodeTokens; ++i) {
            const int32_t one[1] = {source[static_cast<size_t>(options.promptTokens + i)]};
            if (auto out = engine.forward(one, fo); !out.ok()) {
                decoded = out.error();
                break;
            }
            std::vector<double> layerNs;
            for (int32_t l = 1; l + 1 < layers; ++l) {
                const size_t cell = trace.cell(static_cast<int32_t>(i), l);
                if (mixedArm)
                    run[static_cast<size_t>(
                            stateIndex(static_cast<LayerState>(trace.states[cell])))]
                        .push_back(trace.layerTimeNs[cell]);
                else
                    layerNs.push_back(trace.layerTimeNs[cell]);
            }
            if (!mixedArm)
                run[static_cast<size_t>(k)].push_back(median(std::move(layerNs)));
        }
        const double seconds = static_cast<double>(steadyNowNs() - t0) / 1e9;
        if (timeParts)
            DASH_TRY(engine.backend().setLayerPartTimes(nullptr));
        DASH_TRY(decoded);
        auto& into = samples[mixedArm ? 1 : 0];
        if (measured)
            for (size_t s = 0; s < into.size(); ++s)
                into[s].insert(into[s].end(), run[s].begin(), run[s].end());
        return seconds;
    };
    auto scheduled = runAlternating(arms, runState, ao);
    engine.reset();
    if (!scheduled.ok())
        return scheduled.error();
    for (int m = 0; m < (options.mixed ? 2 : 1); ++m)
        for (int k = 0; k < kStateCount; ++k)
            if (samples[static_cast<size_t>(m)][static_cast<size_t>(k)].empty() &&
                (m == 0 || options.mixedDraw[static_cast<size_t>(k)]))
                return invalidError(std::string("no decode layer ran in ") + stateName(kStates[k]) +
                                    (m == 1 ? " in the mixed runs" : "") +
                                    " while measuring state costs");
    const double full = median(samples[0][3]);
    if (!(full > 0))
        return invalidError("the clock did not advance while measuring state costs");
    StateCosts costs{};
    for (int k = 0; k < kStateCount; ++k)
        costs[static_cast<size_t>(k)] =
            static_cast<float>(4.0 * median(samples[0][static_cast<size_t>(k)]) / full);
    costs[3] = 4.0f;
    if (options.detail) {
        StateCostDetail& d = *options.detail;
        for (size_t k = 0; k < kStateCount; ++k) {
            d.fixedNs[k] = median(samples[0][k]);
            d.mixedNs[k] = options.mixed && !samples[1][k].empty() ? median(samples[1][k]) : 0.0;
            d.mixedCosts[k] = options.mixed ? static_cast<float>(4.0 * d.mixedNs[k] / full) : 0.0f;
            d.mixedLayers[k] = static_cast<int64_t>(samples[1][k].size());
        }
    }
    return costs;
}

} // namespace dash
