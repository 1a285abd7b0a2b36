// SPDX-License-Identifier: MIT
// DASH's decisions and the baselines: the scorer against a float64 MLP and its
// gradient against finite differences; the controller's constraints, recorded
// scores and spans; asynchronous decisions equal synchronous ones when the
// approximation h̃ is exact; each baseline's defining behaviour and tuning to a
// ratio; policy files round-trip and refuse corrupted or foreign files.
#include "test_support.h"
#include "tiny_model.h"

#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/dash_controller.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"
#include "core/dash/scorer.h"
#include "core/engine/engine.h"
#include "core/engine/forwarding_controller.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace dash;

Q_DECLARE_METATYPE(dash::PolicyKind)

namespace {

// ---------------------------------------------------------------------------
// A float64 scoring MLP written from the definition in scorer.h: parameters
// laid out as W1 [hidden][in], b1 [hidden], w2 [hidden], b2, E [layers][embed];
// z = [ĥ ; E(next-1) ; E(next) ; onehot(current) ; onehot(candidate)].

double stateValue(int k) {
    return static_cast<double>(kStates[k]);
}

std::array<double, kStateCount> referenceScores(const std::vector<double>& p, const ScorerShape& s,
                                                double lambda, const std::vector<float>& h,
                                                int32_t next, LayerState current) {
    const int32_t in = s.inputSize();
    const size_t b1 = static_cast<size_t>(s.hidden) * in;
    const size_t w2 = b1 + static_cast<size_t>(s.hidden);
    const size_t b2 = w2 + static_cast<size_t>(s.hidden);
    const size_t emb = b2 + 1;
    std::array<double, kStateCount> out{};
    for (int k = 0; k < kStateCount; ++k) {
        std::vector<double> z(static_cast<size_t>(in), 0.0);
        for (int32_t c = 0; c < s.dim; ++c)
            z[static_cast<size_t>(c)] = h[static_cast<size_t>(c)];
        for (int32_t c = 0; c < s.embed; ++c) {
            z[static_cast<size_t>(s.dim + c)] =
                p[emb + static_cast<size_t>((next - 1) * s.embed + c)];
            z[static_cast<size_t>(s.dim + s.embed + c)] =
                p[emb + static_cast<size_t>(next * s.embed + c)];
        }
        z[static_cast<size_t>(s.dim + 2 * s.embed + stateIndex(current))] = 1.0;
        z[static_cast<size_t>(s.dim + 2 * s.embed + kStateCount + k)] = 1.0;
        double score = p[b2];
        for (int32_t j = 0; j < s.hidden; ++j) {
            double a = p[b1 + static_cast<size_t>(j)];
            for (int32_t c = 0; c < in; ++c)
                a += p[static_cast<size_t>(j) * in + static_cast<size_t>(c)] *
                     z[static_cast<size_t>(c)];
            score += p[w2 + static_cast<size_t>(j)] * std::max(0.0, a);
        }
        out[static_cast<size_t>(k)] =
            score - lambda * std::fabs(stateValue(k) - static_cast<double>(current));
    }
    return out;
}

const ScorerShape kShape{16, 5, 4, 12};

ScoringModel randomScorer(const ScorerShape& shape, uint64_t seed, float gain = 1.0f,
                          float lambda = 0.1f) {
    ScoringModel m(shape, lambda);
    m.initialize(seed);
    for (float& v : m.parameters())
        v *= gain;
    return m;
}

std::vector<float> randomNormalized(int32_t dim, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> h(static_cast<size_t>(dim));
    for (float& v : h)
        v = normal(rng);
    std::vector<float> out(h.size());
    normalizeHidden(h.data(), dim, out.data());
    return out;
}

// ---------------------------------------------------------------------------
// Engines, controllers and traces.

std::shared_ptr<const Model> loadTiny(const test::TinyModelSpec& spec) {
    std::string error;
    auto model = test::loadTinyModel(spec, &error);
    if (!model)
        qFatal("tiny model: %s", error.c_str());
    return model;
}

test::TinyModelSpec tinySpec(int32_t layers, uint32_t seed) {
    test::TinyModelSpec spec;
    spec.layers = layers;
    spec.seed = seed;
    spec.context = 256;
    return spec;
}

std::vector<int32_t> randomIds(const Model& model, size_t count, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> ids;
    for (size_t i = 0; i < count; ++i)
        ids.push_back(
            static_cast<int32_t>(rng() % static_cast<uint32_t>(model.config().vocabSize)));
    return ids;
}

// Wraps a controller and keeps each layer's input, output and states by
// absolute position: [layer][position].
class Spy : public ForwardingController {
public:
    using ForwardingController::ForwardingController;
    void beginPass(const PassInfo& pass) override {
        m_first = pass.firstPosition;
        m_dim = pass.dim;
        ForwardingController::beginPass(pass);
    }
    void beforeLayer(int32_t layer, const float* input, int64_t count,
                     LayerState* states) override {
        ForwardingController::beforeLayer(layer, input, count, states);
        for (int64_t t = 0; t < count; ++t) {
            at(inputs[layer], m_first + t).assign(input + t * m_dim, input + (t + 1) * m_dim);
            at(m_states[layer], m_first + t) = states[t];
        }
    }
    void afterLayer(int32_t layer, const float* output, int64_t count) override {
        for (int64_t t = 0; t < count; ++t)
            at(outputs[layer], m_first + t).assign(output + t * m_dim, output + (t + 1) * m_dim);
        ForwardingController::afterLayer(layer, output, count);
    }
    LayerState state(int32_t layer, int64_t position) const {
        return m_states.at(layer)[static_cast<size_t>(position)];
    }

    std::map<int32_t, std::vector<std::vector<float>>> inputs, outputs;

private:
    template <class T>
    static T& at(std::vector<T>& rows, int64_t position) {
        if (rows.size() <= static_cast<size_t>(position))
            rows.resize(static_cast<size_t>(position) + 1);
        return rows[static_cast<size_t>(position)];
    }

    std::map<int32_t, std::vector<LayerState>> m_states;
    int64_t m_first = 0;
    int32_t m_dim = 0;
};

// Runs `ids` as a prefill of `prefill` tokens and single-token decode steps,
// keeping a trace.
Trace runTraced(Engine& engine, LayerController* controller, const std::vector<int32_t>& ids,
                size_t prefill) {
    engine.reset();
    Trace trace;
    ForwardOptions fo;
    fo.trace = &trace;
    fo.controller = controller;
    auto check = [](const Expected<std::span<const float>>& r) {
        if (!r.ok())
            qFatal("forward failed: %s", r.error().message().c_str());
    };
    check(engine.forward(std::span(ids).first(prefill), fo));
    for (size_t i = prefill; i < ids.size(); ++i)
        check(engine.forward(std::span(ids).subspan(i, 1), fo));
    return trace;
}

std::vector<std::vector<float>> constant(int32_t layers, size_t size, float value) {
    return std::vector<std::vector<float>>(static_cast<size_t>(layers),
                                           std::vector<float>(size, value));
}

std::unique_ptr<DashController> dashController(std::shared_ptr<const ScoringModel> scorer,
                                               const Model& model, DashRuntimeOptions options,
                                               std::vector<std::vector<float>> gamma = {},
                                               std::vector<std::vector<float>> alpha = {}) {
    const ModelConfig& c = model.config();
    if (gamma.empty())
        gamma = constant(c.layers, static_cast<size_t>(c.dim), 1.0f);
    if (alpha.empty())
        alpha = constant(c.layers, 1, 1.0f);
    return std::make_unique<DashController>(std::move(scorer), std::move(gamma), std::move(alpha),
                                            options);
}

std::shared_ptr<const ScoringModel> modelScorer(const Model& model, uint64_t seed,
                                                float gain = 1.0f) {
    const ModelConfig& c = model.config();
    return std::make_shared<const ScoringModel>(
        randomScorer(ScorerShape{c.dim, c.layers, 8, 32}, seed, gain));
}

std::set<LayerState> statesIn(const Trace& trace, int32_t firstLayer, int32_t lastLayer) {
    std::set<LayerState> out;
    for (int32_t t = 0; t < trace.tokenCount(); ++t)
        for (int32_t l = firstLayer; l <= lastLayer; ++l)
            out.insert(trace.state(t, l));
    return out;
}

Calibration calibrateOn(Engine& engine, const std::vector<int32_t>& ids, int64_t length) {
    CalibrationOptions options;
    options.sequences = 4;
    options.sequenceLength = length;
    auto c = calibrate(engine, ids, options);
    if (!c.ok())
        qFatal("calibration failed: %s", c.error().message().c_str());
    return std::move(c).value();
}

std::vector<int32_t> readText(const Model& model, const std::string& path, size_t chars) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return model.tokenizer().encode(text.str().substr(0, chars));
}

} // namespace

class TestDashPolicy : public QObject {
    Q_OBJECT

private slots:
    void scorerMatchesFloat64();
    void scorerGradient();
    void normalizeHiddenScales();
    void scorerJson();
    void constraints_data();
    void constraints();
    void disallowedStatesNeverChosen();
    void scoresInTrace_data();
    void scoresInTrace();
    void asyncEqualsSyncWhenExact();
    void policySpans_data();
    void policySpans();
    void baselinesTuneToRatio_data();
    void baselinesTuneToRatio();
    void spreadWindows();
    void skipDecodeMonotonic();
    void earlyExitNeverUnexits();
    void randomSkipDeterministic();
    void staticRanksByCalibration();
    void adaSkipProbe();
    void policyFileRoundTrip_data();
    void policyFileRoundTrip();
    void corruptedPolicyFile_data();
    void corruptedPolicyFile();
    void policyFileForAnotherModel();
};

// score() and the compiled scorer the controller uses against the float64 MLP
// for every layer pair and current state; the second shape (the default
// hidden size plus one block) covers every path of the compiled scorer.
void TestDashPolicy::scorerMatchesFloat64() {
    double worst = 0;
    for (const ScorerShape& shape : {kShape, ScorerShape{128, 6, 8, 72}}) {
        const ScoringModel m = randomScorer(shape, 3, 2.0f);
        const CompiledScorer compiled(m);
        const std::vector<double> p(m.parameters().begin(), m.parameters().end());
        for (int32_t next = 1; next < shape.layers; ++next) {
            for (LayerState current : kStates) {
                const std::vector<float> h = randomNormalized(shape.dim, 100 + next);
                StateScores got, compiledGot;
                m.score(h.data(), next, current, got);
                compiled.score(h.data(), next, current, compiledGot);
                const auto want = referenceScores(p, shape, m.lambda(), h, next, current);
                for (int k = 0; k < kStateCount; ++k)
                    for (const StateScores* s : {&got, &compiledGot})
                        worst = std::max(
                            worst,
                            std::fabs((*s)[static_cast<size_t>(k)] - want[static_cast<size_t>(k)]) /
                                std::max(1.0, std::fabs(want[static_cast<size_t>(k)])));
            }
        }
    }
    qInfo("score() and CompiledScorer vs float64: worst relative error %.2e", worst);
    QVERIFY(worst < 1e-5);
}

// accumulateGradient against central differences, both of the float64 MLP
// (exact on each linear piece of the ReLU network; step 1e-5) and of score()
// itself (step 1/256, exactly representable; float rounding of the scores
// limits these to about 1e-4). A step that crosses a ReLU kink shows as unequal
// one-sided slopes; such parameters are counted and left out.
void TestDashPolicy::scorerGradient() {
    const ScoringModel m = randomScorer(kShape, 5, 1.5f);
    const size_t n = m.parameters().size();
    std::mt19937_64 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    int checked = 0, kinks = 0, checkedFloat = 0, kinksFloat = 0;
    double worst = 0, worstFloat = 0;
    for (int32_t next : {1, 2, 4}) {
        for (LayerState current : {LayerState::Skip, LayerState::Int8, LayerState::Full}) {
            const std::vector<float> h = randomNormalized(kShape.dim, 200 + next);
            StateScores coef;
            for (float& c : coef)
                c = normal(rng);
            std::vector<float> grad(n, 0.0f);
            m.accumulateGradient(h.data(), next, current, coef, grad);

            std::vector<double> p(m.parameters().begin(), m.parameters().end());
            auto objective = [&] {
                const auto s = referenceScores(p, kShape, m.lambda(), h, next, current);
                double f = 0;
                for (int k = 0; k < kStateCount; ++k)
                    f += coef[static_cast<size_t>(k)] * s[static_cast<size_t>(k)];
                return f;
            };
            ScoringModel perturbed = m;
            auto floatObjective = [&] {
                StateScores s;
                perturbed.score(h.data(), next, current, s);
                double f = 0;
                for (int k = 0; k < kStateCount; ++k)
                    f += static_cast<double>(coef[static_cast<size_t>(k)]) *
                         s[static_cast<size_t>(k)];
                return f;
            };
            const double f0 = objective();
            const double f0Float = floatObjective();
            for (size_t i = 0; i < n; ++i) {
                const double step = 1e-5;
                const double keep = p[i];
                p[i] = keep + step;
                const double up = objective();
                p[i] = keep - step;
                const double down = objective();
                p[i] = keep;
                if (std::fabs((up - f0) - (f0 - down)) > 1e-9 * std::max(1.0, std::fabs(f0))) {
                    ++kinks;
                } else {
                    const double numeric = (up - down) / (2 * step);
                    worst = std::max(worst, std::fabs(grad[i] - numeric) /
                                                std::max(1.0, std::fabs(numeric)));
                    ++checked;
                }

                const float fk = m.parameters()[i];
                const float floatStep = 1.0f / 256;
                perturbed.parameters()[i] = fk + floatStep;
                const double su = static_cast<double>(perturbed.parameters()[i]) - fk;
                const double fu = floatObjective();
                perturbed.parameters()[i] = fk - floatStep;
                const double sd = fk - static_cast<double>(perturbed.parameters()[i]);
                const double fd = floatObjective();
                perturbed.parameters()[i] = fk;
                const double slopeUp = (fu - f0Float) / su, slopeDown = (f0Float - fd) / sd;
                const double central = (fu - fd) / (su + sd);
                if (std::fabs(slopeUp - slopeDown) > 1e-3 * std::max(1.0, std::fabs(central))) {
                    ++kinksFloat;
                    continue;
                }
                worstFloat = std::max(worstFloat, std::fabs(grad[i] - central) /
                                                      std::max(1.0, std::fabs(central)));
                ++checkedFloat;
            }
        }
    }
    qInfo("gradient of %zu parameters x 9 cases: vs float64 differences %d checked (%d at "
          "kinks), worst relative error %.2e; vs score() differences %d checked (%d at kinks), "
          "worst %.2e",
          n, checked, kinks, worst, checkedFloat, kinksFloat, worstFloat);
    QVERIFY(checked > 9 * static_cast<int>(n) * 9 / 10);
    QVERIFY(checkedFloat > 9 * static_cast<int>(n) * 9 / 10);
    QVERIFY(worst < 1e-5);
    QVERIFY(worstFloat < 2e-3);
}

void TestDashPolicy::normalizeHiddenScales() {
    const std::vector<float> h = {3.0f, -4.0f, 0.0f, 12.0f};
    std::vector<float> out(4);
    normalizeHidden(h.data(), 4, out.data());
    // rms = sqrt((9 + 16 + 144) / 4) = 6.5
    for (size_t k = 0; k < 4; ++k)
        QVERIFY(std::fabs(out[k] - h[k] / 6.5f) < 1e-6f);
    double ss = 0;
    for (float v : out)
        ss += v * v;
    QVERIFY(std::fabs(ss / 4 - 1.0) < 1e-6);
    // Scale invariant; the zero vector stays zero (no NaN).
    std::vector<float> scaled = {300.0f, -400.0f, 0.0f, 1200.0f}, out2(4);
    normalizeHidden(scaled.data(), 4, out2.data());
    for (size_t k = 0; k < 4; ++k)
        QVERIFY(std::fabs(out2[k] - out[k]) < 1e-6f);
    const std::vector<float> zero(4, 0.0f);
    normalizeHidden(zero.data(), 4, out.data());
    QCOMPARE(out, zero);
}

void TestDashPolicy::scorerJson() {
    const ScoringModel m = randomScorer(kShape, 8, 1.0f, 0.25f);
    auto parsed = Json::parse(m.toJson().dump());
    QVERIFY(parsed.ok());
    auto back = ScoringModel::fromJson(*parsed, kShape.dim, kShape.layers);
    QVERIFY(back.ok());
    QCOMPARE(back->parameters(), m.parameters());
    QCOMPARE(back->lambda(), m.lambda());
    QCOMPARE(back->shape().hidden, kShape.hidden);
    // For another model shape the parameter count is wrong, and it says so.
    auto wrong = ScoringModel::fromJson(*parsed, kShape.dim + 1, kShape.layers);
    QVERIFY(!wrong.ok());
    QVERIFY(QString::fromStdString(wrong.error().message()).contains("parameters"));
}

void TestDashPolicy::constraints_data() {
    QTest::addColumn<bool>("async");
    QTest::newRow("sync") << false;
    QTest::newRow("async") << true;
}

// A cost bias of ±100 outweighs any score: +100 makes the cheapest allowed
// state win everywhere, -100 the dearest. Layer 0 stays Full and the last layer
// never skips (it takes the cheapest computed state allowed).
void TestDashPolicy::constraints() {
    QFETCH(bool, async);
    auto model = loadTiny(tinySpec(5, 31));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());
    const std::vector<int32_t> ids = randomIds(*model, 12, 1);
    const auto scorer = modelScorer(*model, 4);
    struct Case {
        float bias;
        bool int4, int8;
        LayerState middle, last;
    };
    const Case cases[] = {
        {100, true, true, LayerState::Skip, LayerState::Int4},
        {100, false, true, LayerState::Skip, LayerState::Int8},
        {100, false, false, LayerState::Skip, LayerState::Full},
        {-100, true, true, LayerState::Full, LayerState::Full},
    };
    for (const Case& k : cases) {
        DashRuntimeOptions o;
        o.async = async;
        o.costBias = k.bias;
        o.allowInt4 = k.int4;
        o.allowInt8 = k.int8;
        auto controller = dashController(scorer, *model, o);
        const Trace trace = runTraced(engine, controller.get(), ids, 8);
        QCOMPARE(trace.tokenCount(), 12);
        for (int32_t t = 0; t < trace.tokenCount(); ++t) {
            QCOMPARE(trace.state(t, 0), LayerState::Full);
            for (int32_t l = 1; l + 1 < c.layers; ++l)
                QCOMPARE(trace.state(t, l), k.middle);
            QCOMPARE(trace.state(t, c.layers - 1), k.last);
        }
    }
}

// Sampling at a high temperature draws every allowed state; a disallowed one
// never appears, and Skip never at the last layer.
void TestDashPolicy::disallowedStatesNeverChosen() {
    auto model = loadTiny(tinySpec(5, 32));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());
    const std::vector<int32_t> ids = randomIds(*model, 40, 2);
    const auto scorer = modelScorer(*model, 5);
    for (int disallowed : {1, 2}) {
        DashRuntimeOptions o;
        o.temperature = 50.0f;
        o.seed = 77;
        o.allowInt4 = disallowed != 1;
        o.allowInt8 = disallowed != 2;
        auto controller = dashController(scorer, *model, o);
        const Trace trace = runTraced(engine, controller.get(), ids, 30);
        const std::set<LayerState> inner = statesIn(trace, 1, c.layers - 2);
        const LayerState banned = disallowed == 1 ? LayerState::Int4 : LayerState::Int8;
        const LayerState other = disallowed == 1 ? LayerState::Int8 : LayerState::Int4;
        QVERIFY(!inner.count(banned));
        QVERIFY(inner.count(LayerState::Skip) && inner.count(other) &&
                inner.count(LayerState::Full));
        const std::set<LayerState> last = statesIn(trace, c.layers - 1, c.layers - 1);
        QVERIFY(!last.count(banned));
        QVERIFY(!last.count(LayerState::Skip));
        QVERIFY(last.count(other) && last.count(LayerState::Full));
        QCOMPARE(statesIn(trace, 0, 0), std::set<LayerState>{LayerState::Full});
    }
}

void TestDashPolicy::scoresInTrace_data() {
    QTest::addColumn<bool>("async");
    QTest::newRow("sync") << false;
    QTest::newRow("async") << true;
}

// The trace holds, for every decided cell, the scores the choice was made
// from: score(ĥ) - bias·value, with ĥ the normalised exact output of the
// previous layer (sync) or of h̃ = gamma ⊙ its input, alpha ⊙ its input where
// the token skipped it (async); NaN for disallowed states and at layer 0. The
// greedy choice is the best recorded score.
void TestDashPolicy::scoresInTrace() {
    QFETCH(bool, async);
    auto model = loadTiny(tinySpec(5, 33));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());
    Compensation comp;
    comp.alpha = constant(c.layers, 1, 0.8f);
    QVERIFY(engine.setCompensation(comp).ok());
    std::vector<std::vector<float>> gamma = constant(c.layers, static_cast<size_t>(c.dim), 1.0f);
    for (size_t l = 0; l < gamma.size(); ++l)
        for (size_t k = 0; k < gamma[l].size(); ++k)
            gamma[l][k] = 0.9f + 0.01f * static_cast<float>((k + l) % 7);
    const auto scorer = modelScorer(*model, 6, 3.0f);
    DashRuntimeOptions o;
    o.async = async;
    o.costBias = 0.05f;
    auto controller = dashController(scorer, *model, o, gamma, comp.alpha);
    Spy spy(controller.get());
    const std::vector<int32_t> ids = randomIds(*model, 10, 3);
    const Trace trace = runTraced(engine, &spy, ids, 7);

    std::vector<float> approx(static_cast<size_t>(c.dim)), normalized(static_cast<size_t>(c.dim));
    int skips = 0;
    for (int32_t t = 0; t < trace.tokenCount(); ++t) {
        for (LayerState s : kStates)
            QVERIFY(std::isnan(trace.score(t, 0, s)));
        for (int32_t next = 1; next < c.layers; ++next) {
            const int32_t prev = next - 1;
            const LayerState current = spy.state(prev, t);
            skips += current == LayerState::Skip;
            if (async) {
                const auto& x = spy.inputs[prev][static_cast<size_t>(t)];
                for (size_t k = 0; k < approx.size(); ++k)
                    approx[k] =
                        (current == LayerState::Skip ? 0.8f : gamma[static_cast<size_t>(prev)][k]) *
                        x[k];
            } else {
                approx = spy.outputs[prev][static_cast<size_t>(t)];
            }
            normalizeHidden(approx.data(), c.dim, normalized.data());
            StateScores want;
            scorer->score(normalized.data(), next, current, want);
            float best = -INFINITY;
            LayerState bestState = LayerState::Full;
            for (int k = 0; k < kStateCount; ++k) {
                const float got = trace.score(t, next, kStates[k]);
                if (kStates[k] == LayerState::Skip && next == c.layers - 1) {
                    QVERIFY(std::isnan(got));
                    continue;
                }
                const float expected =
                    want[static_cast<size_t>(k)] - o.costBias * static_cast<float>(kStates[k]);
                QVERIFY2(std::fabs(got - expected) < 1e-5f * std::max(1.0f, std::fabs(expected)),
                         qPrintable(QStringLiteral("token %1 layer %2 state %3: %4 vs %5")
                                        .arg(t)
                                        .arg(next)
                                        .arg(k)
                                        .arg(got)
                                        .arg(expected)));
                if (got > best) {
                    best = got;
                    bestState = kStates[k];
                }
            }
            QCOMPARE(trace.state(t, next), bestState);
        }
    }
    // The alpha branch of the approximation was exercised.
    QVERIFY(skips > 0);
}

// Every layer of this model is an exact identity (output projections zero, so
// Full, Int8 and Int4 all give y = x) and gamma = alpha = 1: h̃_i = h_{i-1} =
// h_i bit for bit, so the asynchronous path must decide exactly as the
// synchronous one, over a prefill and decode steps. On an ordinary model the
// same comparison shows different scores, so it is not vacuous.
void TestDashPolicy::asyncEqualsSyncWhenExact() {
    test::TinyModelSpec spec = tinySpec(6, 34);
    spec.layerOutputScale.assign(6, 0.0f);
    auto identity = loadTiny(spec);
    auto ordinary = loadTiny(tinySpec(6, 34));
    int32_t distinct = 0;
    for (const auto& model : {identity, ordinary}) {
        const ModelConfig& c = model->config();
        Engine engine(model, {.threads = 2});
        QVERIFY(engine.enableQuantizedStates(32).ok());
        QVERIFY(engine.setCompensation({constant(c.layers, 1, 1.0f)}).ok());
        const auto scorer = modelScorer(*model, 7, 3.0f);
        const std::vector<int32_t> ids = randomIds(*model, 24, 4);
        std::vector<Trace> traces;
        for (bool async : {false, true}) {
            DashRuntimeOptions o;
            o.async = async;
            o.costBias = 0.1f;
            auto controller = dashController(scorer, *model, o);
            traces.push_back(runTraced(engine, controller.get(), ids, 16));
        }
        const bool exact = model == identity;
        if (exact) {
            QCOMPARE(traces[1].states, traces[0].states);
            for (size_t i = 0; i < traces[0].scores.size(); ++i) {
                const float a = traces[0].scores[i], b = traces[1].scores[i];
                QVERIFY((std::isnan(a) && std::isnan(b)) || a == b);
            }
            distinct = static_cast<int32_t>(statesIn(traces[0], 1, c.layers - 1).size());
        } else {
            int differing = 0;
            for (size_t i = 0; i < traces[0].scores.size(); ++i)
                differing +=
                    traces[0].scores[i] != traces[1].scores[i] && !std::isnan(traces[0].scores[i]);
            QVERIFY(differing > 0);
        }
    }
    // The decisions compared were not all alike.
    QVERIFY2(distinct >= 3, qPrintable(QString::number(distinct)));
}

void TestDashPolicy::policySpans_data() {
    QTest::addColumn<bool>("async");
    QTest::newRow("sync") << false;
    QTest::newRow("async") << true;
}

// One policy span per pass and decided layer, tagged with the pass's tokens and
// the layer decided; overlap with compute is a fraction, and zero when the
// decisions run after each layer on the compute thread (sync).
void TestDashPolicy::policySpans() {
    QFETCH(bool, async);
    auto model = loadTiny(tinySpec(5, 35));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());
    DashRuntimeOptions o;
    o.async = async;
    auto controller = dashController(modelScorer(*model, 8), *model, o);
    const std::vector<int32_t> ids = randomIds(*model, 12, 5);
    const Trace trace = runTraced(engine, controller.get(), ids, 8); // 5 passes
    std::vector<Span> policy, compute;
    for (const Span& s : trace.spans)
        (s.stream == StreamKind::Policy ? policy : compute).push_back(s);
    QCOMPARE(compute.size(), size_t{5} * c.layers);
    QCOMPARE(policy.size(), size_t{5} * (c.layers - 1));
    std::multiset<std::pair<int32_t, int32_t>> seen;
    for (const Span& s : policy) {
        QVERIFY(s.startNs <= s.endNs);
        QVERIFY(s.startNs >= 0);
        QVERIFY(s.layer >= 1 && s.layer < c.layers);
        QCOMPARE(s.tokenCount, s.firstToken == 0 ? 8 : 1);
        seen.insert({s.firstToken, s.layer});
    }
    for (int32_t first : {0, 8, 9, 10, 11})
        for (int32_t l = 1; l < c.layers; ++l)
            QCOMPARE(seen.count({first, l}), size_t{1});
    const double overlap = policyOverlap(trace.spans);
    qInfo("%s policy overlap %.3f", async ? "async" : "sync", overlap);
    QVERIFY(overlap >= 0.0 && overlap <= 1.0);
    if (!async)
        QCOMPARE(overlap, 0.0);
}

void TestDashPolicy::baselinesTuneToRatio_data() {
    QTest::addColumn<PolicyKind>("kind");
    for (PolicyKind k : {PolicyKind::EarlyExit, PolicyKind::SkipDecode, PolicyKind::AdaSkip,
                         PolicyKind::RandomSkip, PolicyKind::StaticSimilarity, PolicyKind::Dash})
        QTest::newRow(policyKindName(k)) << k;
}

// Each policy tuned with tuneToRatio to 1.33, 1.67 and 2.0 on a slice of
// WikiText-2 (validation) reaches the ratio within 3 % when evaluated on it;
// those whose ratio does not depend on the text reach the ratio they predict.
void TestDashPolicy::baselinesTuneToRatio() {
    QFETCH(PolicyKind, kind);
    const std::string path = test::modelPath("dash-demo-16L.gguf");
    const std::string textPath = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(path);
    DASH_REQUIRE_FILE(textPath);
    auto loaded = Model::load(path);
    QVERIFY(loaded.ok());
    std::shared_ptr<const Model> model = std::move(loaded).value();
    std::vector<int32_t> ids = readText(*model, textPath, 3000);
    ids.resize(4 * 32);
    Engine engine(model, {.threads = 2});
    const Calibration calibration = calibrateOn(engine, ids, 32);
    std::unique_ptr<Policy> policy;
    if (kind == PolicyKind::Dash) {
        policy = std::make_unique<DashPolicy>(modelScorer(*model, 9), calibration);
    } else {
        auto made = makeBaseline(kind, *model, &calibration);
        QVERIFY(made.ok());
        policy = std::move(made).value();
    }
    for (double target : {1.33, 1.67, 2.0}) {
        TuneOptions tune;
        tune.target = target;
        tune.context = 32;
        tune.windows = 4;
        auto tuned = tuneToRatio(*policy, engine, ids, tune);
        QVERIFY(tuned.ok());
        EvaluationOptions eo;
        eo.context = 32;
        eo.perplexity = false;
        auto r = evaluatePolicy(*policy, engine, ids, eo);
        QVERIFY(r.ok());
        QCOMPARE(r->windows, int64_t{4});
        qInfo("%s target %.2f: knob %.4f, ratio %.4f after %d evaluations", policy->name().c_str(),
              target, tuned->knob, r->nominalRatio, tuned->evaluations);
        QVERIFY2(std::fabs(r->nominalRatio / target - 1.0) < 0.03,
                 qPrintable(QString::number(r->nominalRatio)));
        // Policies tuned without running the model must predict their ratio exactly.
        if (const auto predicted = policy->predictedRatio(32))
            QVERIFY2(std::fabs(r->nominalRatio - *predicted) < 1e-9,
                     qPrintable(QStringLiteral("predicted %1, evaluated %2")
                                    .arg(*predicted, 0, 'g', 10)
                                    .arg(r->nominalRatio, 0, 'g', 10)));
    }
}

// Token p computes exactly the top n(p) layers, n non-increasing along the
// window, in the prefill and in decode steps alike.
void TestDashPolicy::skipDecodeMonotonic() {
    auto model = loadTiny(tinySpec(8, 36));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    const std::vector<int32_t> ids = randomIds(*model, 40, 6);
    for (double fraction : {0.3, 0.5, 0.8}) {
        SkipDecodePolicy policy(c.layers, 40, fraction);
        auto controller = policy.makeController();
        const Trace trace = runTraced(engine, controller.get(), ids, 25);
        int32_t previous = c.layers;
        double computedSum = 0;
        for (int32_t t = 0; t < trace.tokenCount(); ++t) {
            int32_t computed = 0;
            for (int32_t l = 0; l < c.layers; ++l) {
                const bool run = trace.state(t, l) != LayerState::Skip;
                computed += run;
                // The computed ones are the top layers.
                QCOMPARE(run, l >= c.layers - policy.computedLayers(t));
            }
            QCOMPARE(computed, policy.computedLayers(t));
            QVERIFY(computed <= previous);
            previous = computed;
            computedSum += computed;
        }
        QVERIFY(trace.state(0, c.layers - 1) == LayerState::Full);
        // The mean fraction computed follows the knob.
        QVERIFY(std::fabs(computedSum / (40.0 * c.layers) - fraction) < 0.1);
    }
}

// Once a token exits (after a layer whose cos(input, output) reached the
// threshold) it skips every later layer; it exits at the first such layer.
void TestDashPolicy::earlyExitNeverUnexits() {
    test::TinyModelSpec spec = tinySpec(7, 37);
    spec.layerOutputScale = {1.0f, 0.6f, 0.3f, 0.15f, 0.08f, 0.04f, 1.0f};
    auto model = loadTiny(spec);
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    const std::vector<int32_t> ids = randomIds(*model, 30, 7);
    const Trace full = runTraced(engine, nullptr, ids, 20);
    int exitedSome = 0, keptSome = 0;
    for (int32_t layer = 1; layer + 1 < c.layers; ++layer) {
        // Thresholds at each layer's median cos, so tokens split at that layer.
        std::vector<float> cos;
        for (int32_t t = 0; t < full.tokenCount(); ++t)
            cos.push_back(full.cosInOut[full.cell(t, layer)]);
        std::nth_element(cos.begin(), cos.begin() + static_cast<long>(cos.size() / 2), cos.end());
        const double threshold = cos[cos.size() / 2] + 1e-5;
        EarlyExitPolicy policy(c.layers, threshold);
        auto controller = policy.makeController();
        const Trace trace = runTraced(engine, controller.get(), ids, 20);
        for (int32_t t = 0; t < trace.tokenCount(); ++t) {
            int32_t exitAfter = -1; // the layer after which the token stops
            for (int32_t l = 1; l + 1 < c.layers && exitAfter < 0; ++l)
                if (trace.cosInOut[trace.cell(t, l)] >= threshold)
                    exitAfter = l;
            for (int32_t l = 0; l < c.layers; ++l) {
                const bool skipped = trace.state(t, l) == LayerState::Skip;
                QCOMPARE(skipped, exitAfter >= 0 && l > exitAfter);
            }
            exitedSome += exitAfter >= 0;
            keptSome += exitAfter < 0;
        }
    }
    QVERIFY(exitedSome > 0 && keptSome > 0);
}

// The same seed gives the same cells however the tokens are batched; another
// seed other cells; first and last layers always run; the skip rate follows p.
void TestDashPolicy::randomSkipDeterministic() {
    auto model = loadTiny(tinySpec(6, 38));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    const std::vector<int32_t> ids = randomIds(*model, 60, 8);
    auto statesOf = [&](uint64_t seed, size_t prefill) {
        RandomSkipPolicy policy(c.layers, 0.4, seed);
        auto controller = policy.makeController();
        return runTraced(engine, controller.get(), ids, prefill).states;
    };
    const auto a = statesOf(5, 60);
    QCOMPARE(statesOf(5, 60), a);
    QCOMPARE(statesOf(5, 10), a);
    QVERIFY(statesOf(6, 60) != a);
    int skipped = 0, inner = 0;
    for (int32_t t = 0; t < 60; ++t) {
        QCOMPARE(a[static_cast<size_t>(t * c.layers)], uint8_t{4});
        QCOMPARE(a[static_cast<size_t>(t * c.layers + c.layers - 1)], uint8_t{4});
        for (int32_t l = 1; l + 1 < c.layers; ++l) {
            skipped += a[static_cast<size_t>(t * c.layers + l)] == 0;
            ++inner;
        }
    }
    // 240 Bernoulli(0.4) draws: sd 0.032.
    QVERIFY(std::fabs(static_cast<double>(skipped) / inner - 0.4) < 0.1);
}

// Static skipping drops the inner layers of highest calibration cos(x, y):
// with k whole layers exactly those, with a fractional k the next one for that
// share of positions. Built from a real calibration it ranks by its meanCos.
void TestDashPolicy::staticRanksByCalibration() {
    auto model = loadTiny(tinySpec(6, 39));
    const ModelConfig& c = model->config();
    Engine engine(model, {.threads = 2});
    const std::vector<int32_t> ids = randomIds(*model, 200, 9);
    // Layer 5 (last) and 0 (first) have the highest cos but are never skipped.
    const std::vector<double> meanCos = {0.99, 0.9, 0.7, 0.95, 0.8, 0.999};
    {
        StaticSimilarityPolicy policy(c.layers, meanCos, 2);
        QCOMPARE(policy.order(), (std::vector<int32_t>{3, 1, 4, 2}));
        auto controller = policy.makeController();
        const Trace trace = runTraced(engine, controller.get(), ids, 64);
        for (int32_t t = 0; t < trace.tokenCount(); ++t)
            for (int32_t l = 0; l < c.layers; ++l)
                QCOMPARE(trace.state(t, l) == LayerState::Skip, l == 1 || l == 3);
    }
    {
        StaticSimilarityPolicy policy(c.layers, meanCos, 2.5);
        auto controller = policy.makeController();
        const Trace trace = runTraced(engine, controller.get(), ids, 200);
        int layer4 = 0;
        for (int32_t t = 0; t < trace.tokenCount(); ++t) {
            QVERIFY(trace.state(t, 1) == LayerState::Skip && trace.state(t, 3) == LayerState::Skip);
            QVERIFY(trace.state(t, 2) == LayerState::Full);
            layer4 += trace.state(t, 4) == LayerState::Skip;
        }
        QVERIFY(std::abs(layer4 - 100) < 30); // sd 7
    }
    const Calibration calibration = calibrateOn(engine, ids, 32);
    auto made = makeBaseline(PolicyKind::StaticSimilarity, *model, &calibration);
    QVERIFY(made.ok());
    std::vector<int32_t> expected = {1, 2, 3, 4};
    std::sort(expected.begin(), expected.end(), [&](int32_t a, int32_t b) {
        return calibration.meanCos[static_cast<size_t>(a)] >
               calibration.meanCos[static_cast<size_t>(b)];
    });
    QCOMPARE(static_cast<StaticSimilarityPolicy&>(**made).order(), expected);
    QVERIFY(!makeBaseline(PolicyKind::StaticSimilarity, *model, nullptr).ok());
}

// The probe measures the context at full precision and puts the cache back:
// the position is unchanged and the next token's logits are those of an engine
// that never probed. Its ranking is that of the context's own cos(x, y).
void TestDashPolicy::adaSkipProbe() {
    auto model = loadTiny(tinySpec(6, 40));
    const ModelConfig& c = model->config();
    const std::vector<int32_t> ids = randomIds(*model, 30, 10);
    const std::span<const int32_t> prefix = std::span(ids).first(5);
    const std::span<const int32_t> context = std::span(ids).subspan(5, 20);
    const int32_t next[] = {ids[25]};

    Engine plain(model, {.threads = 2});
    QVERIFY(plain.forward(prefix).ok());
    auto want = plain.forward(next);
    QVERIFY(want.ok());
    const std::vector<float> wantLogits(want->begin(), want->end());

    Engine engine(model, {.threads = 2});
    QVERIFY(engine.forward(prefix).ok());
    AdaSkipPolicy policy(c.layers, 2);
    QVERIFY(policy.probe(engine, context).ok());
    QCOMPARE(engine.position(), int64_t{5});
    auto got = engine.forward(next);
    QVERIFY(got.ok());
    QCOMPARE(std::vector<float>(got->begin(), got->end()), wantLogits);

    // The ranking: mean cos(x, y) per layer of the context run from the start.
    Engine fresh(model, {.threads = 2});
    AdaSkipPolicy fromStart(c.layers, 2);
    QVERIFY(fromStart.probe(fresh, context).ok());
    QCOMPARE(fresh.position(), int64_t{0});
    Trace trace;
    ForwardOptions fo;
    fo.trace = &trace;
    QVERIFY(fresh.forward(context, fo).ok());
    std::vector<double> meanCos(static_cast<size_t>(c.layers), 0.0);
    for (int32_t t = 0; t < trace.tokenCount(); ++t)
        for (int32_t l = 0; l < c.layers; ++l)
            meanCos[static_cast<size_t>(l)] += trace.cosInOut[trace.cell(t, l)];
    std::vector<int32_t> expected = {1, 2, 3, 4};
    std::sort(expected.begin(), expected.end(), [&](int32_t a, int32_t b) {
        return meanCos[static_cast<size_t>(a)] > meanCos[static_cast<size_t>(b)];
    });
    QCOMPARE(fromStart.order(), expected);
}

void TestDashPolicy::policyFileRoundTrip_data() {
    QTest::addColumn<PolicyKind>("kind");
    for (PolicyKind k :
         {PolicyKind::Full, PolicyKind::Dash, PolicyKind::EarlyExit, PolicyKind::SkipDecode,
          PolicyKind::AdaSkip, PolicyKind::RandomSkip, PolicyKind::StaticSimilarity})
        QTest::newRow(policyKindName(k)) << k;
}

namespace {

// A policy of `kind` with settings away from the defaults.
std::unique_ptr<Policy> samplePolicy(PolicyKind kind, const Model& model,
                                     const Calibration& calibration) {
    const int32_t layers = model.config().layers;
    switch (kind) {
    case PolicyKind::Full:
        return std::make_unique<FullPrecisionPolicy>();
    case PolicyKind::EarlyExit:
        return std::make_unique<EarlyExitPolicy>(layers, 0.37);
    case PolicyKind::SkipDecode:
        return std::make_unique<SkipDecodePolicy>(layers, 24, 0.61);
    case PolicyKind::AdaSkip:
        return std::make_unique<AdaSkipPolicy>(layers, 1.7);
    case PolicyKind::RandomSkip:
        // A seed past INT64_MAX (and 2^53): files must carry it exactly.
        return std::make_unique<RandomSkipPolicy>(layers, 0.35, (uint64_t{1} << 63) + 9);
    case PolicyKind::StaticSimilarity:
        return std::make_unique<StaticSimilarityPolicy>(layers, calibration.meanCos, 2.3);
    case PolicyKind::Dash: {
        auto p = std::make_unique<DashPolicy>(modelScorer(model, 10, 2.0f), calibration, 32);
        p->runtime().costBias = 0.3125f;
        p->runtime().allowInt8 = false;
        p->runtime().async = false;
        p->training().set("steps", 17);
        return p;
    }
    }
    return nullptr;
}

// States of every cell when `policy` runs `ids` in windows of `window`.
std::vector<uint8_t> decisions(Policy& policy, Engine& engine, const std::vector<int32_t>& ids,
                               size_t window) {
    if (!policy.prepare(engine).ok())
        qFatal("prepare failed");
    std::vector<uint8_t> out;
    for (size_t w = 0; w + window <= ids.size(); w += window) {
        engine.reset();
        const auto span = std::span(ids).subspan(w, window);
        if (!policy.probe(engine, span).ok())
            qFatal("probe failed");
        auto controller = policy.makeController();
        const Trace trace = runTraced(engine, controller.get(), {span.begin(), span.end()}, window);
        out.insert(out.end(), trace.states.begin(), trace.states.end());
    }
    return out;
}

struct PolicyFixture {
    std::shared_ptr<const Model> model;
    std::unique_ptr<Engine> engine;
    std::vector<int32_t> ids;
    Calibration calibration;
};

PolicyFixture policyFixture(uint32_t seed) {
    PolicyFixture f;
    f.model = loadTiny(tinySpec(6, seed));
    f.engine = std::make_unique<Engine>(f.model, EngineOptions{.threads = 2});
    f.ids = randomIds(*f.model, 96, 11);
    f.calibration = calibrateOn(*f.engine, f.ids, 24);
    return f;
}

} // namespace

// With spreadWindows, 2 windows of a 4-window text are windows 0 and 2: the
// same perplexity as a text made of those two windows, not of the first two.
void TestDashPolicy::spreadWindows() {
    PolicyFixture f = policyFixture(43);
    const int64_t context = 24;
    const std::vector<int32_t> text(f.ids.begin(), f.ids.begin() + 4 * context);
    std::vector<int32_t> evenWindows(text.begin(), text.begin() + context);
    evenWindows.insert(evenWindows.end(), text.begin() + 2 * context, text.begin() + 3 * context);
    FullPrecisionPolicy full;
    EvaluationOptions eo;
    eo.context = context;
    eo.maxWindows = 2;
    auto first = evaluatePolicy(full, *f.engine, text, eo);
    eo.spreadWindows = true;
    auto spread = evaluatePolicy(full, *f.engine, text, eo);
    eo.maxWindows = 0;
    auto reference = evaluatePolicy(full, *f.engine, evenWindows, eo);
    QVERIFY(first.ok() && spread.ok() && reference.ok());
    QCOMPARE(spread->windows, int64_t{2});
    QCOMPARE(spread->pplAll, reference->pplAll);
    QVERIFY(std::fabs(first->pplAll - reference->pplAll) > 1e-6);
}

// Saved and loaded, a policy has the same kind, parameters and full state, and
// decides every cell as the original did.
void TestDashPolicy::policyFileRoundTrip() {
    QFETCH(PolicyKind, kind);
    PolicyFixture f = policyFixture(41);
    std::unique_ptr<Policy> policy = samplePolicy(kind, *f.model, f.calibration);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("p.policy.json").toStdString();
    QVERIFY(savePolicyFile(path, *policy, *f.model).ok());
    auto loaded = loadPolicyFile(path, *f.model);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());
    QCOMPARE((*loaded)->kind(), kind);
    QCOMPARE((*loaded)->parameters().dump(), policy->parameters().dump());
    QCOMPARE(policyState(**loaded).dump(), policyState(*policy).dump());
    if (kind == PolicyKind::Dash) {
        const auto& a = static_cast<const DashPolicy&>(*policy);
        const auto& b = static_cast<const DashPolicy&>(**loaded);
        QCOMPARE(b.scorer().parameters(), a.scorer().parameters());
        QCOMPARE(b.calibration().gamma, a.calibration().gamma);
        QCOMPARE(b.runtime().costBias, a.runtime().costBias);
        QCOMPARE(b.runtime().allowInt8, false);
        QCOMPARE(b.runtime().async, false);
        QCOMPARE(b.training()["steps"].asInt(), int64_t{17});
    }
    const auto before = decisions(*policy, *f.engine, f.ids, 24);
    const auto after = decisions(**loaded, *f.engine, f.ids, 24);
    QCOMPARE(after, before);
    if (kind != PolicyKind::Full)
        QVERIFY(std::count(before.begin(), before.end(), uint8_t{4}) <
                static_cast<long>(before.size()));
}

void TestDashPolicy::corruptedPolicyFile_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("reason");
    QTest::newRow("digit in state") << "digit"
                                    << "checksum";
    QTest::newRow("truncated") << "truncate"
                               << "p.policy.json";
    QTest::newRow("format") << "format"
                            << "format";
    QTest::newRow("version") << "version"
                             << "version 7";
    QTest::newRow("kind") << "kind"
                          << "unknown policy 'dasher'";
    QTest::newRow("checksum removed") << "checksum"
                                      << "checksum";
}

// A file changed after saving is refused, and the reason names the problem.
void TestDashPolicy::corruptedPolicyFile() {
    QFETCH(QString, change);
    QFETCH(QString, reason);
    PolicyFixture f = policyFixture(42);
    auto policy = samplePolicy(PolicyKind::Dash, *f.model, f.calibration);
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.policy.json").toStdString();
    QVERIFY(savePolicyFile(path, *policy, *f.model).ok());
    std::string text;
    {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        text = s.str();
    }
    auto replaceFirst = [&](const std::string& from, const std::string& to) {
        const size_t at = text.find(from);
        QVERIFY2(at != std::string::npos, from.c_str());
        text.replace(at, from.size(), to);
    };
    if (change == "digit") {
        // A digit of the scorer's parameters, inside "state".
        size_t at = text.find("\"parameters\"", text.find("\"state\""));
        QVERIFY(at != std::string::npos);
        at = text.find_first_of("123456789", at);
        text[at] = text[at] == '9' ? '8' : static_cast<char>(text[at] + 1);
    } else if (change == "truncate") {
        text.resize(text.size() / 2);
    } else if (change == "format") {
        replaceFirst("\"dash-policy\"", "\"dash-polisy\"");
    } else if (change == "version") {
        replaceFirst("\"version\": 1", "\"version\": 7");
    } else if (change == "kind") {
        replaceFirst("\"kind\": \"dash\"", "\"kind\": \"dasher\"");
    } else if (change == "checksum") {
        replaceFirst("\"checksum\"", "\"check\"");
    }
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
    }
    auto loaded = loadPolicyFile(path, *f.model);
    QVERIFY(!loaded.ok());
    const QString message = QString::fromStdString(loaded.error().message());
    qInfo("%s", qPrintable(message));
    QVERIFY2(message.contains(reason), qPrintable(message));
}

// A file made for one tiny model is refused by another, naming the model it was made for.
void TestDashPolicy::policyFileForAnotherModel() {
    PolicyFixture a = policyFixture(43);
    auto other = loadTiny(tinySpec(6, 44));
    QVERIFY(a.model->sha256() != other->sha256());
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.policy.json").toStdString();
    for (PolicyKind kind : {PolicyKind::Dash, PolicyKind::RandomSkip}) {
        auto policy = samplePolicy(kind, *a.model, a.calibration);
        QVERIFY(savePolicyFile(path, *policy, *a.model).ok());
        auto loaded = loadPolicyFile(path, *other);
        QVERIFY(!loaded.ok());
        const QString message = QString::fromStdString(loaded.error().message());
        qInfo("%s", qPrintable(message));
        QVERIFY2(message.contains("made for model"), qPrintable(message));
        QVERIFY2(message.contains(QString::fromStdString(a.model->sha256().substr(0, 12))),
                 qPrintable(message));
    }
}

QTEST_GUILESS_MAIN(TestDashPolicy)
#include "tst_dash_policy.moc"
