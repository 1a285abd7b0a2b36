// SPDX-License-Identifier: MIT
// The trainers on a task where the right decisions depend on the input
// (synthetic_task.h: inner layers that matter only for one token kind). At a
// nominal 1.5x (two of the four inner layers skipped per token), the right
// policy skips the other kind's layers; no static set can. On unseen
// sequences, with every policy's cost bias set to exactly 1.5x there (the knob
// only; nothing is trained on them), the oracle-distillation, relaxed
// (Gumbel-softmax; from its initialisation and after the oracle's labels) and
// forecast-imitation trainers must, at the median of seeds 3-5, improve on
// their initialisation (the untrained scorer at the same ratio), beat the best static set, be
// input-aware, and lose perplexity when their per-layer counts are reassigned statically.
// REINFORCE, as the paper has it and with the differential rewards, is trained and reported beside
// them: on this task its gains are within its seed-to-seed spread (the test prints each seed's
// figures), so none is asserted.
// Imitating the best static set (greedy removal on the training part) takes
// that set; the similarity forecast's rule, which forecast imitation copies,
// is checked on its own (ridge fit, budget, input-awareness). Training is deterministic in its
// seed, and the choices are recorded.
#include "synthetic_task.h"

#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/input_awareness.h"
#include "core/dash/oracle.h"
#include "core/dash/similarity_forecast.h"
#include "core/dash/training.h"
#include "core/engine/engine.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

using namespace dash;

namespace {

constexpr double kRatio = 1.5;

} // namespace

class TestDashTrainers : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void oracleShowsHeadroom();
    void trainersImprove_data();
    void trainersImprove();
    void deterministic_data();
    void deterministic();
    void bestStaticImitation();
    void ridgeRegression();
    void forecastRule();
    void oracleWindows();
    void refusesBadOptions();
    void analysisMatchesEvaluation();

private:
    TrainOptions options(const QString& setting) const;
    // The knob set to kRatio on the unseen sequences, evaluated there.
    PolicyAwarenessReport evaluate(Policy& policy);

    test::SyntheticTask m_task;
    std::unique_ptr<Engine> m_engine;
    Calibration m_calibration;
    std::vector<int32_t> m_heldOut; // the last 20 % of the training text
    double m_fullPpl = 0;
    double m_bestStaticPpl = 0;
};

void TestDashTrainers::initTestCase() {
    std::string error;
    m_task = test::makeInputDependentTask({}, &error);
    QVERIFY2(m_task.model, error.c_str());
    m_engine = std::make_unique<Engine>(m_task.model, EngineOptions{.threads = 1});
    CalibrationOptions co;
    co.sequences = 16;
    co.sequenceLength = m_task.window;
    co.method = AlphaMethod::None;
    auto calibration = calibrate(*m_engine, m_task.train, co);
    QVERIFY(calibration.ok());
    m_calibration = std::move(calibration).value();
    m_heldOut.assign(m_task.train.end() - static_cast<long>(m_task.train.size() / 5),
                     m_task.train.end());

    EvaluationOptions eo;
    eo.context = m_task.window;
    FullPrecisionPolicy full;
    auto f = evaluatePolicy(full, *m_engine, m_task.eval, eo);
    QVERIFY(f.ok());
    m_fullPpl = f->pplAll;
    StaticSearchOptions so;
    so.windows.context = m_task.window;
    auto order = searchStaticOrder(*m_engine, m_heldOut, so);
    QVERIFY(order.ok());
    OrderedSkipPolicy best(m_task.model->config().layers, order->order, Compensation{});
    m_bestStaticPpl = evaluate(best).policy.pplAll;
    qInfo("full precision %.3f, best static set at %.2fx %.3f", m_fullPpl, kRatio, m_bestStaticPpl);
    // Every static set pays: skipping a layer hurts one kind of token.
    QVERIFY(m_bestStaticPpl > 1.1 * m_fullPpl);
}

PolicyAwarenessReport TestDashTrainers::evaluate(Policy& policy) {
    TuneOptions tune;
    tune.target = kRatio;
    tune.context = m_task.window;
    tune.windows = 16;
    if (!tuneToRatio(policy, *m_engine, m_task.eval, tune).ok())
        qFatal("tuning failed");
    EvaluationOptions eo;
    eo.context = m_task.window;
    auto report = analysePolicy(policy, *m_engine, m_task.eval, eo);
    if (!report.ok())
        qFatal("%s", report.error().message().c_str());
    return std::move(report).value();
}

TrainOptions TestDashTrainers::options(const QString& setting) const {
    TrainOptions o;
    o.targetRatio = kRatio;
    o.steps = 150;
    o.window = m_task.window;
    o.seed = 3;
    o.hidden = 16;
    o.embed = 4;
    o.learningRate = 1e-2f;
    o.heldOutFraction = 0.2;
    o.tuneWindows = 8;
    o.allowInt4 = false;
    o.allowInt8 = false;
    if (setting == "reinforce") {
        // the reference, as the paper has it
    } else if (setting == "reinforce-differential") {
        o.steps = 400;
        o.learningRate = 3e-2f;
        o.temperatureEnd = 0.5f;
        o.baseline = BaselineKind::Learned;
        o.reward = RewardKind::Differential;
    } else if (setting == "reinforce-differential-kl") {
        o.steps = 400;
        o.learningRate = 3e-2f;
        o.temperatureEnd = 0.5f;
        o.baseline = BaselineKind::Position;
        o.reward = RewardKind::DifferentialKl;
        o.entropyStart = 0.02f;
    } else if (setting == "oracle-distillation") {
        o.imitationTarget = ImitationTarget::Oracle;
        o.imitationSteps = 60;
        o.steps = 60;
        o.oracleWindows = 24;
    } else if (setting == "relaxed") {
        o.trainer = TrainerKind::Relaxed;
        o.steps = 300;
    } else if (setting == "oracle-relaxed") {
        // The demo model's best skip/full recipe: the oracle's labels, then the relaxed trainer.
        o.trainer = TrainerKind::Relaxed;
        o.imitationTarget = ImitationTarget::Oracle;
        o.imitationSteps = 60;
        o.steps = 120;
        o.oracleWindows = 24;
    } else if (setting == "best-static") {
        o.imitationTarget = ImitationTarget::BestStatic;
        o.imitationSteps = 100;
        o.steps = 100;
        o.staticWindows = 8;
    } else if (setting == "forecast") {
        o.imitationTarget = ImitationTarget::Forecast;
        o.imitationSteps = 150;
        o.steps = 150;
        o.forecastWindows = 24;
    }
    return o;
}

// The oracle (label-free, shared budget) recovers most of what the best
// static set loses; its decisions follow the token kind.
void TestDashTrainers::oracleShowsHeadroom() {
    OracleOptions oo;
    oo.windows.context = m_task.window;
    oo.loss = OracleLoss::Kl;
    auto curves = computeOracleCurves(*m_engine, m_task.eval, oo);
    QVERIFY(curves.ok());
    const OracleAssignment a = assignOracle(*curves, kRatio, OracleBudget::PerToken);
    auto joint =
        evaluateStateTable(*m_engine, m_task.eval, curves->windowStarts, m_task.window, a.states);
    QVERIFY(joint.ok());
    qInfo("oracle (kl, per token) %.3f at %.3fx", joint->pplAll, joint->nominalRatio);
    QVERIFY(std::fabs(joint->nominalRatio / kRatio - 1.0) < 0.02);
    const double staticLoss = std::log(m_bestStaticPpl / m_fullPpl);
    const double oracleLoss = std::log(joint->pplAll / m_fullPpl);
    QVERIFY2(
        oracleLoss < 0.5 * staticLoss,
        qPrintable(QString("oracle +%1 nats, best static +%2").arg(oracleLoss).arg(staticLoss)));
    std::vector<int64_t> positions;
    for (size_t i = 0; i < m_task.eval.size(); ++i)
        positions.push_back(static_cast<int64_t>(i) % m_task.window);
    const InputAwareness aware =
        measureInputAwareness(a.states, m_task.eval, positions, m_task.window);
    QVERIFY(aware.majorityDeviation > 0.2);
}

void TestDashTrainers::trainersImprove_data() {
    QTest::addColumn<QString>("setting");
    QTest::addColumn<bool>("improves");
    QTest::newRow("reinforce (reference)") << "reinforce" << false;
    // The REINFORCE variants are reported, not asserted: over seeds 3-5 their
    // median gain over the initialisation is 1.4 % (differential) and the
    // differential-KL runs miss the ratio at two seeds of three (1.61x, 1.39x).
    QTest::newRow("reinforce-differential") << "reinforce-differential" << false;
    QTest::newRow("reinforce-differential-kl") << "reinforce-differential-kl" << false;
    QTest::newRow("oracle-distillation") << "oracle-distillation" << true;
    QTest::newRow("relaxed") << "relaxed" << true;
    QTest::newRow("oracle-relaxed") << "oracle-relaxed" << true;
    QTest::newRow("forecast") << "forecast" << true;
}

void TestDashTrainers::trainersImprove() {
    QFETCH(QString, setting);
    QFETCH(bool, improves);
    // A REINFORCE run's trajectory follows every rounding of the forward pass
    // (another kernel's summation order moves it), so one seed can land on
    // either side of a threshold: a trainer is judged on the median of three
    // seeds, each against its own initialisation.
    struct Run {
        uint64_t seed = 0;
        PolicyAwarenessReport before, after;
    };
    std::vector<Run> runs;
    TrainOptions o = options(setting);
    std::optional<Json> firstTraining;
    std::optional<Json> firstState;
    for (const uint64_t seed : {uint64_t{3}, uint64_t{4}, uint64_t{5}}) {
        o.seed = seed;
        auto trained = trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "synthetic-task");
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message().c_str());
        ScoringModel initial((**trained).scorer().shape(), o.lambda);
        initial.initialize(o.seed);
        DashPolicy untrained(std::make_shared<const ScoringModel>(initial), m_calibration);
        untrained.runtime().allowInt4 = false;
        untrained.runtime().allowInt8 = false;
        Run run{seed, evaluate(untrained), evaluate(**trained)};
        qInfo("%s, seed %llu: untrained %.3f (%.3fx), trained %.3f (%.3fx), reassigned %.3f, "
              "majority deviation %.3f, MI(token) excess %.3f bits; best static %.3f",
              qPrintable(setting), static_cast<unsigned long long>(seed), run.before.policy.pplAll,
              run.before.policy.nominalRatio, run.after.policy.pplAll,
              run.after.policy.nominalRatio, run.after.reassigned.pplAll,
              run.after.awareness.majorityDeviation, run.after.awareness.miTokenExcess,
              m_bestStaticPpl);
        QVERIFY(std::fabs(run.before.policy.nominalRatio / kRatio - 1.0) < 0.01);
        runs.push_back(run);
        if (!firstState) {
            firstTraining = (**trained).training();
            firstState = (**trained).state();
        }
    }
    // The median seed by the trained policy's gain over its initialisation.
    std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
        return a.after.policy.pplAll / a.before.policy.pplAll <
               b.after.policy.pplAll / b.before.policy.pplAll;
    });
    const Run& median = runs[1];
    qInfo("%s: median seed %llu", qPrintable(setting),
          static_cast<unsigned long long>(median.seed));
    if (improves) {
        QVERIFY(std::fabs(median.after.policy.nominalRatio / kRatio - 1.0) < 0.01);
        QVERIFY2(median.after.policy.pplAll < 0.97 * median.before.policy.pplAll,
                 "the trained policy is not better than its initialisation");
        QVERIFY(median.after.policy.pplAll < 0.97 * m_bestStaticPpl);
        QVERIFY(median.after.awareness.majorityDeviation > 0.1);
        QVERIFY(median.after.reassigned.pplAll > 1.03 * median.after.policy.pplAll);
        // Oracle imitation reaches the oracle here; what follows it keeps that.
        if (o.imitationTarget == ImitationTarget::Oracle)
            QVERIFY(median.after.policy.pplAll < 1.02 * m_fullPpl);
    }
    // What trained it is in the policy's provenance.
    const Json& t = *firstTraining;
    QCOMPARE(t["trainer"].asString(), std::string(trainerKindName(o.trainer)));
    QCOMPARE(t["imitation_target"].asString(), std::string(imitationTargetName(o.imitationTarget)));
    if (o.imitationTarget == ImitationTarget::Oracle)
        QCOMPARE(t["oracle_windows"].asNumber(), static_cast<double>(o.oracleWindows));
    if (o.trainer == TrainerKind::Reinforce) {
        QCOMPARE(t["baseline"].asString(), std::string(baselineKindName(o.baseline)));
        QCOMPARE(t["reward"].asString(), std::string(rewardKindName(o.reward)));
        QCOMPARE(t["entropy_start"].asNumber(), static_cast<double>(o.entropyStart));
    }
    auto restored = DashPolicy::fromState(*firstState, m_task.model->config().layers,
                                          m_task.model->config().dim);
    QVERIFY(restored.ok());
    QCOMPARE((**restored).training().dump(), t.dump());
}

void TestDashTrainers::deterministic_data() {
    QTest::addColumn<QString>("setting");
    QTest::newRow("reinforce-differential-kl") << "reinforce-differential-kl";
    QTest::newRow("oracle-distillation") << "oracle-distillation";
    QTest::newRow("relaxed") << "relaxed";
    QTest::newRow("oracle-relaxed") << "oracle-relaxed";
    QTest::newRow("best-static") << "best-static";
    QTest::newRow("forecast") << "forecast";
}

// Same seed, same parameters and cost bias; another seed, other parameters.
void TestDashTrainers::deterministic() {
    QFETCH(QString, setting);
    TrainOptions o = options(setting);
    o.steps = 20;
    o.imitationSteps = std::min<int64_t>(o.imitationSteps, 10);
    o.oracleWindows = 4;
    o.forecastWindows = 4;
    // The phases a trainer reports, in order of first appearance.
    std::vector<std::string> phases;
    auto a = trainDashPolicy(
        *m_engine, m_calibration, m_task.train, o, "x", [&](const TrainProgress& p) {
            if (std::find(phases.begin(), phases.end(), p.phase) == phases.end())
                phases.push_back(p.phase);
        });
    auto b = trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x");
    QVERIFY(a.ok() && b.ok());
    // Labelling the oracle's windows takes minutes on a real model: both
    // trainers report it before they imitate.
    if (o.imitationTarget == ImitationTarget::Oracle) {
        QVERIFY(phases.size() >= 2);
        QCOMPARE(phases[0], std::string("oracle"));
        QCOMPARE(phases[1], std::string("imitate"));
    }
    QCOMPARE((**b).scorer().parameters(), (**a).scorer().parameters());
    QCOMPARE((**b).knob(), (**a).knob());
    o.seed = 4;
    auto c = trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x");
    QVERIFY(c.ok());
    QVERIFY((**c).scorer().parameters() != (**a).scorer().parameters());
}

// Imitating the best static set: the policy records the order greedy removal
// found on the training part and, tuned to the ratio on unseen sequences,
// skips the first round(L(1 - 1/r)) layers of it for every token and no other.
// The calibration's similarities are reversed, so that imitating the
// similarity ranking instead would skip other layers.
void TestDashTrainers::bestStaticImitation() {
    const TrainOptions o = options("best-static");
    Calibration reversed = m_calibration;
    std::reverse(reversed.meanCos.begin() + 1, reversed.meanCos.end() - 1);
    auto trained = trainDashPolicy(*m_engine, reversed, m_task.train, o, "x");
    QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message().c_str());
    const Json& t = (**trained).training();
    QCOMPARE(t["imitation_target"].asString(), std::string("best-static"));
    QCOMPARE(t["static_windows"].asInt(), o.staticWindows);
    const int32_t layers = m_task.model->config().layers;
    const Json& order = t["static_order"];
    QCOMPARE(static_cast<int64_t>(order.size()), static_cast<int64_t>(layers - 2));
    const auto skips = static_cast<size_t>(std::llround(layers * (1.0 - 1.0 / kRatio)));
    std::vector<bool> inSet(static_cast<size_t>(layers), false);
    for (size_t i = 0; i < skips; ++i)
        inSet[static_cast<size_t>(order[i].asInt())] = true;

    const std::vector<int32_t> similarity =
        StaticSimilarityPolicy(layers, reversed.meanCos).order();
    bool differs = false;
    for (size_t i = 0; i < skips; ++i) {
        qInfo("skipped %zu: layer %d by the search, %d by the similarity ranking", i,
              static_cast<int>(order[i].asInt()), similarity[i]);
        differs = differs || !inSet[static_cast<size_t>(similarity[i])];
    }
    QVERIFY(differs);

    const PolicyAwarenessReport report = evaluate(**trained);
    for (int32_t layer = 1; layer + 1 < layers; ++layer) {
        const LayerAwareness& l = report.awareness.layers[static_cast<size_t>(layer)];
        int64_t cells = 0;
        for (int64_t c : l.stateCounts)
            cells += c;
        const double skipped = static_cast<double>(l.stateCounts[0]) / static_cast<double>(cells);
        qInfo("layer %d: %s the imitated set, skipped by %.3f of the tokens", layer,
              inSet[static_cast<size_t>(layer)] ? "in" : "not in", skipped);
        QVERIFY(inSet[static_cast<size_t>(layer)] ? skipped > 0.95 : skipped < 0.05);
    }
}

// Noise-free targets of a linear map: ridge 0 recovers it; a ridge shrinks the
// weights but not the bias; features that are not independent need a ridge.
void TestDashTrainers::ridgeRegression() {
    std::mt19937 rng(5);
    std::normal_distribution<double> normal;
    constexpr int32_t dim = 6;
    constexpr int64_t n = 200;
    std::vector<double> w(dim + 1);
    for (double& v : w)
        v = normal(rng);
    std::vector<float> x(static_cast<size_t>(n * dim));
    std::vector<double> y(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
        double sum = w[dim];
        for (int32_t i = 0; i < dim; ++i) {
            const auto v = static_cast<float>(normal(rng));
            x[static_cast<size_t>(r * dim + i)] = v;
            sum += w[static_cast<size_t>(i)] * v;
        }
        y[static_cast<size_t>(r)] = sum;
    }
    auto exact = fitRidge(x, y, dim, 0.0);
    QVERIFY(exact.ok());
    for (int32_t i = 0; i <= dim; ++i)
        QVERIFY2(std::fabs((*exact)[static_cast<size_t>(i)] - w[static_cast<size_t>(i)]) < 1e-9,
                 qPrintable(QString("weight %1").arg(i)));
    auto shrunk = fitRidge(x, y, dim, 1.0);
    QVERIFY(shrunk.ok());
    double normExact = 0, normShrunk = 0;
    for (int32_t i = 0; i < dim; ++i) {
        normExact += w[static_cast<size_t>(i)] * w[static_cast<size_t>(i)];
        normShrunk += (*shrunk)[static_cast<size_t>(i)] * (*shrunk)[static_cast<size_t>(i)];
    }
    QVERIFY(normShrunk < 0.5 * normExact);
    // A duplicated feature: singular without a ridge, solvable with one.
    for (int64_t r = 0; r < n; ++r)
        x[static_cast<size_t>(r * dim + 1)] = x[static_cast<size_t>(r * dim)];
    auto singular = fitRidge(x, y, dim, 0.0);
    QVERIFY(!singular.ok());
    QVERIFY(singular.error().message().find("linearly dependent") != std::string::npos);
    QVERIFY(fitRidge(x, y, dim, 1e-3).ok());
    QVERIFY(!fitRidge(x, std::vector<double>(3), dim, 0.0).ok());
}

// The forecast rule on the synthetic task: its skip shares spend the static
// budget, it skips what its thresholds say and nothing in the first and last
// layers, and on unseen sequences its decisions follow the input and cost
// less perplexity than the best static set at about the same ratio.
void TestDashTrainers::forecastRule() {
    const int32_t layers = m_task.model->config().layers;
    EvaluationOptions windows;
    windows.context = m_task.window;
    windows.maxWindows = 24;
    windows.spreadWindows = true;
    const std::vector<int64_t> starts =
        evaluationWindows(static_cast<int64_t>(m_task.train.size()), windows, m_task.window);
    ForecastOptions fo;
    fo.context = m_task.window;
    fo.ratio = kRatio;
    auto forecast = fitSimilarityForecast(*m_engine, m_task.train, starts, fo);
    QVERIFY2(forecast.ok(), forecast.ok() ? "" : forecast.error().message().c_str());
    double shares = 0;
    for (int32_t l = 0; l < layers; ++l) {
        const auto i = static_cast<size_t>(l);
        qInfo("layer %d: share %.3f, threshold %.4f, R² %.3f", l, forecast->skipShare[i],
              forecast->threshold[i], forecast->fitR2[i]);
        shares += forecast->skipShare[static_cast<size_t>(l)];
    }
    double budget = 0;
    for (int64_t p = 0; p < m_task.window; ++p)
        budget += staticSkipCount(layers, kRatio, p) / static_cast<double>(m_task.window);
    QVERIFY2(std::fabs(shares - budget) < 1e-9,
             qPrintable(QString("%1 vs %2").arg(shares).arg(budget)));
    QCOMPARE(forecast->skipShare.front(), 0.0);
    QCOMPARE(forecast->skipShare.back(), 0.0);

    const std::vector<int64_t> evalStarts =
        evaluationWindows(static_cast<int64_t>(m_task.eval.size()),
                          EvaluationOptions{.context = m_task.window}, m_task.window);
    auto states = forecastStates(*m_engine, m_task.eval, evalStarts, m_task.window, *forecast);
    QVERIFY(states.ok());
    auto result = evaluateStateTable(*m_engine, m_task.eval, evalStarts, m_task.window, *states);
    QVERIFY(result.ok());
    std::vector<int64_t> positions;
    for (size_t i = 0; i < evalStarts.size() * static_cast<size_t>(m_task.window); ++i)
        positions.push_back(static_cast<int64_t>(i) % m_task.window);
    std::vector<int32_t> ids;
    for (int64_t start : evalStarts)
        ids.insert(ids.end(), m_task.eval.begin() + start,
                   m_task.eval.begin() + start + m_task.window);
    const InputAwareness aware = measureInputAwareness(*states, ids, positions, m_task.window);
    qInfo("forecast rule: %.3f at %.3fx, majority deviation %.3f; best static %.3f", result->pplAll,
          result->nominalRatio, aware.majorityDeviation, m_bestStaticPpl);
    for (int64_t row = 0; row < states->tokens(); ++row) {
        QCOMPARE(states->at(row, 0), LayerState::Full);
        QCOMPARE(states->at(row, layers - 1), LayerState::Full);
    }
    QVERIFY(std::fabs(result->nominalRatio / kRatio - 1.0) < 0.1);
    QVERIFY(aware.majorityDeviation > 0.1);
    QVERIFY(result->pplAll < m_bestStaticPpl);
}

// The windows train-policy checks kept curves against are the ones the
// oracle labels: as many as the training part holds when more are asked for,
// none reaching into the held-out part.
void TestDashTrainers::oracleWindows() {
    TrainOptions o = options(QStringLiteral("oracle-distillation"));
    const auto tokens = static_cast<int64_t>(m_task.train.size());
    const int64_t heldOutStart = trainingHeldOutStart(tokens, o);
    QVERIFY(heldOutStart > 0 && heldOutStart < tokens);
    o.oracleWindows = heldOutStart / o.window + 5; // more than the training part holds
    const std::vector<int64_t> starts = trainingOracleWindows(tokens, o);
    QCOMPARE(static_cast<int64_t>(starts.size()), heldOutStart / o.window);
    for (int64_t start : starts)
        QVERIFY(start >= 0 && start + o.window <= heldOutStart);
    o.oracleWindows = 3;
    auto curves = trainingOracleCurves(*m_engine, m_calibration, m_task.train, o);
    QVERIFY2(curves.ok(), curves.ok() ? "" : curves.error().message().c_str());
    QCOMPARE(curves->windowStarts, trainingOracleWindows(tokens, o));
    QCOMPARE(curves->windowStarts.size(), size_t{3});
}

void TestDashTrainers::refusesBadOptions() {
    TrainOptions o = options("relaxed");
    o.gumbelEnd = 0;
    auto bad = trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x");
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message().find("Gumbel") != std::string::npos);
    o = options("relaxed");
    o.checkpointPath = "/tmp/never-written.ckpt";
    QVERIFY(!trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x").ok());
    o = options("reinforce-differential-kl");
    o.entropyStart = -1;
    QVERIFY(!trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x").ok());
    QVERIFY(parseTrainerKind("relaxed").ok());
    QVERIFY(!parseTrainerKind("ppo").ok());
    QVERIFY(!parseBaselineKind("critic").ok());
    QVERIFY(!parseRewardKind("sparse").ok());
    QVERIFY(!parseImitationTarget("teacher").ok());
    QCOMPARE(*parseImitationTarget("best-static"), ImitationTarget::BestStatic);
    o = options("best-static");
    o.staticWindows = 0;
    QVERIFY(!trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x").ok());
    QCOMPARE(*parseImitationTarget("forecast"), ImitationTarget::Forecast);
    o = options("forecast");
    o.forecastWindows = 0;
    QVERIFY(!trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x").ok());
    o = options("forecast");
    o.trainer = TrainerKind::Relaxed;
    auto relaxed = trainDashPolicy(*m_engine, m_calibration, m_task.train, o, "x");
    QVERIFY(!relaxed.ok());
    QVERIFY(relaxed.error().message().find("forecast") != std::string::npos);
}

// A sweep's DASH rows are evaluated by analysePolicy (states recorded); its
// evaluation is evaluatePolicy's, to the last bit, for a trained policy.
void TestDashTrainers::analysisMatchesEvaluation() {
    auto trained = trainDashPolicy(*m_engine, m_calibration, m_task.train,
                                   options("oracle-distillation"), "synthetic-task");
    QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message().c_str());
    DashPolicy& policy = **trained;
    EvaluationOptions eo;
    eo.context = m_task.window;
    auto evaluated = evaluatePolicy(policy, *m_engine, m_task.eval, eo);
    auto analysed = analysePolicy(policy, *m_engine, m_task.eval, eo);
    QVERIFY(evaluated.ok() && analysed.ok());
    QCOMPARE(analysed->policy.pplAll, evaluated->pplAll);
    QCOMPARE(analysed->policy.pplSecondHalf, evaluated->pplSecondHalf);
    QCOMPARE(analysed->policy.nominalRatio, evaluated->nominalRatio);
    QCOMPARE(analysed->policy.scoredAll, evaluated->scoredAll);
    QCOMPARE(analysed->policy.windows, evaluated->windows);
    QVERIFY(analysed->awareness.majorityDeviation > 0); // it decides per token
}

QTEST_GUILESS_MAIN(TestDashTrainers)
#include "tst_dash_trainers.moc"
