// SPDX-License-Identifier: MIT
// The headroom oracle on tiny models, against brute force that shares none of
// its shortcuts: every candidate skip set of a token is run as a whole-window
// pass (the other tokens at full precision) and scored from those logits. The
// exhaustive search must find the brute-force minimum for every skip count,
// the greedy search must report the true loss of the sets it picks, the shared
// budget must be the best allocation of the window's skips, and the replay and
// static search must agree with independent evaluations.
#include "synthetic_task.h"
#include "tiny_model.h"

#include "core/dash/baselines.h"
#include "core/dash/oracle.h"
#include "core/engine/engine.h"
#include "core/engine/generate.h"

#include <QtTest>

#include <cmath>
#include <functional>

using namespace dash;

namespace {

constexpr int64_t kContext = 8;

double logSoftmaxAt(std::span<const float> logits, int32_t target) {
    return logProbability(logits, target);
}

// KL(p || q) of two logit rows, in double.
double klOfLogits(std::span<const float> p, std::span<const float> q) {
    auto logSoftmax = [](std::span<const float> x) {
        double top = -INFINITY;
        for (float v : x)
            top = std::max(top, static_cast<double>(v));
        double sum = 0;
        for (float v : x)
            sum += std::exp(static_cast<double>(v) - top);
        std::vector<double> out;
        for (float v : x)
            out.push_back(static_cast<double>(v) - top - std::log(sum));
        return out;
    };
    const std::vector<double> lp = logSoftmax(p), lq = logSoftmax(q);
    double kl = 0;
    for (size_t i = 0; i < lp.size(); ++i)
        kl += std::exp(lp[i]) * (lp[i] - lq[i]);
    return kl;
}

} // namespace

class TestDashOracle : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void windowsMatchEvaluation();
    void exhaustiveIsBruteForce_data();
    void exhaustiveIsBruteForce();
    void greedyReportsTrueLosses();
    void sharedBudgetIsOptimal();
    void replayMatchesPolicies();
    void staticSearch();
    void curvesRoundTrip();
    void refusesBadInput();

private:
    // Loss of token t of window w with `set` skipped for that token only,
    // from one whole-window pass.
    double bruteLoss(int64_t w, int64_t t, const std::vector<int32_t>& set, OracleLoss loss);
    OracleCurves curvesOf(OracleLoss loss, OracleSearch search);

    std::shared_ptr<const Model> m_model;
    std::unique_ptr<Engine> m_engine;
    std::vector<int32_t> m_text;
    std::vector<int64_t> m_starts;
};

void TestDashOracle::initTestCase() {
    test::TinyModelSpec spec;
    spec.layers = 5; // inner layers 1, 2, 3: 8 skip sets per token
    spec.seed = 77;
    spec.context = kContext;
    std::string error;
    m_model = test::loadTinyModel(spec, &error);
    QVERIFY2(m_model, error.c_str());
    m_engine = std::make_unique<Engine>(m_model, EngineOptions{.threads = 1});
    m_text = test::sampleFromModel(m_model, 3, kContext, 5);
    QCOMPARE(m_text.size(), size_t(3 * kContext));
    EvaluationOptions eo;
    eo.context = kContext;
    m_starts = evaluationWindows(static_cast<int64_t>(m_text.size()), eo, kContext);
}

double TestDashOracle::bruteLoss(int64_t w, int64_t t, const std::vector<int32_t>& set,
                                 OracleLoss loss) {
    const int32_t layers = m_model->config().layers;
    const int32_t vocab = m_model->config().vocabSize;
    std::span<const int32_t> window(m_text.data() + m_starts[static_cast<size_t>(w)], kContext);
    ForwardOptions fo;
    fo.allLogits = true;
    m_engine->reset();
    auto full = m_engine->forward(window, fo);
    if (!full.ok())
        qFatal("forward failed");
    const std::vector<float> fullLogits(full->begin(), full->end());
    StateTable table(kContext, layers);
    for (int32_t l : set)
        table.at(t, l) = LayerState::Skip;
    StateTableController controller(table);
    fo.controller = &controller;
    m_engine->reset();
    auto skipped = m_engine->forward(window, fo);
    if (!skipped.ok())
        qFatal("forward failed");
    m_engine->reset();
    const auto row = [&](std::span<const float> all) {
        return all.subspan(static_cast<size_t>(t * vocab), static_cast<size_t>(vocab));
    };
    if (loss == OracleLoss::Nll && t + 1 < kContext) {
        const int32_t target = window[static_cast<size_t>(t + 1)];
        return logSoftmaxAt(row(fullLogits), target) - logSoftmaxAt(row(*skipped), target);
    }
    return klOfLogits(row(fullLogits), row(*skipped));
}

OracleCurves TestDashOracle::curvesOf(OracleLoss loss, OracleSearch search) {
    OracleOptions o;
    o.windows.context = kContext;
    o.loss = loss;
    o.search = search;
    auto curves = computeOracleCurves(*m_engine, m_text, o);
    if (!curves.ok())
        qFatal("%s", curves.error().message().c_str());
    return std::move(curves).value();
}

// The oracle picks the windows evaluatePolicy scores, consecutive or spread.
void TestDashOracle::windowsMatchEvaluation() {
    QCOMPARE(m_starts, (std::vector<int64_t>{0, kContext, 2 * kContext}));
    EvaluationOptions spread;
    spread.maxWindows = 2;
    spread.spreadWindows = true;
    // 10 windows available, 2 spread: windows 0 and 5.
    QCOMPARE(evaluationWindows(10 * kContext + 3, spread, kContext),
             (std::vector<int64_t>{0, 5 * kContext}));
    spread.maxTokens = 4 * kContext;
    QCOMPARE(evaluationWindows(10 * kContext, spread, kContext),
             (std::vector<int64_t>{0, 2 * kContext}));
    // Full precision replayed over evaluationWindows has evaluatePolicy's perplexity.
    EvaluationOptions eo;
    eo.context = kContext;
    FullPrecisionPolicy full;
    auto reference = evaluatePolicy(full, *m_engine, m_text, eo);
    QVERIFY(reference.ok());
    StateTable allFull(static_cast<int64_t>(m_text.size()), m_model->config().layers);
    auto replayed = evaluateStateTable(*m_engine, m_text, m_starts, kContext, allFull);
    QVERIFY(replayed.ok());
    QCOMPARE(replayed->scoredAll, reference->scoredAll);
    QVERIFY(std::fabs(replayed->pplAll - reference->pplAll) < 1e-9 * reference->pplAll);
    QCOMPARE(replayed->nominalRatio, 1.0);
}

void TestDashOracle::exhaustiveIsBruteForce_data() {
    QTest::addColumn<int>("loss");
    QTest::newRow("nll") << static_cast<int>(OracleLoss::Nll);
    QTest::newRow("kl") << static_cast<int>(OracleLoss::Kl);
}

// For every token and skip count, the exhaustive oracle's loss is the least
// brute-force loss over all sets of that size, and its set attains it.
void TestDashOracle::exhaustiveIsBruteForce() {
    QFETCH(int, loss);
    const auto mode = static_cast<OracleLoss>(loss);
    const OracleCurves curves = curvesOf(mode, OracleSearch::Exhaustive);
    QCOMPARE(curves.tokens.size(), m_text.size());
    // Per token: 7 non-empty sets, each one pass.
    QCOMPARE(curves.trials, static_cast<int64_t>(m_text.size()) * 7);
    const std::vector<std::vector<int32_t>> sets = {{1},    {2},    {3},      {1, 2},
                                                    {1, 3}, {2, 3}, {1, 2, 3}};
    for (int64_t w = 0; w < static_cast<int64_t>(m_starts.size()); ++w) {
        for (int64_t t = 0; t < kContext; ++t) {
            const TokenCurve& curve = curves.tokens[static_cast<size_t>(w * kContext + t)];
            QCOMPARE(curve.loss.size(), size_t(4));
            QCOMPARE(curve.loss[0], 0.0);
            std::vector<double> best(4, INFINITY);
            for (const auto& set : sets)
                best[set.size()] = std::min(best[set.size()], bruteLoss(w, t, set, mode));
            for (size_t k = 1; k <= 3; ++k) {
                const double tolerance = 1e-4 * (1.0 + std::fabs(best[k]));
                QVERIFY2(std::fabs(curve.loss[k] - best[k]) < tolerance,
                         qPrintable(QString("window %1 token %2 k %3: oracle %4, brute force %5")
                                        .arg(w)
                                        .arg(t)
                                        .arg(k)
                                        .arg(curve.loss[k])
                                        .arg(best[k])));
                QCOMPARE(curve.sets[k].size(), k);
                QVERIFY(std::fabs(bruteLoss(w, t, curve.sets[k], mode) - curve.loss[k]) <
                        tolerance);
            }
        }
    }
}

// Greedy: nested sets; each reported loss is the brute-force loss of its set;
// one skip is exact; no count beats the exhaustive optimum.
void TestDashOracle::greedyReportsTrueLosses() {
    const OracleCurves greedy = curvesOf(OracleLoss::Kl, OracleSearch::Greedy);
    const OracleCurves exact = curvesOf(OracleLoss::Kl, OracleSearch::Exhaustive);
    // Per token: 3 + 2 + 1 candidate passes.
    QCOMPARE(greedy.trials, static_cast<int64_t>(m_text.size()) * 6);
    for (size_t i = 0; i < greedy.tokens.size(); ++i) {
        const TokenCurve& g = greedy.tokens[i];
        const TokenCurve& e = exact.tokens[i];
        const auto w = static_cast<int64_t>(i) / kContext;
        const auto t = static_cast<int64_t>(i) % kContext;
        for (size_t k = 1; k <= 3; ++k) {
            QVERIFY(std::equal(g.sets[k - 1].begin(), g.sets[k - 1].end(), g.sets[k].begin()));
            const double tolerance = 1e-4 * (1.0 + std::fabs(g.loss[k]));
            QVERIFY(std::fabs(bruteLoss(w, t, g.sets[k], OracleLoss::Kl) - g.loss[k]) < tolerance);
            QVERIFY(g.loss[k] >= e.loss[k] - tolerance);
        }
        QVERIFY(std::fabs(g.loss[1] - e.loss[1]) < 1e-6 * (1.0 + e.loss[1]));
        QVERIFY(std::fabs(g.loss[3] - e.loss[3]) < 1e-6 * (1.0 + e.loss[3])); // one set of 3
    }
}

// The shared budget: per window, the allocation of skip counts is the best of
// all allocations with the window's static total, enumerated here.
void TestDashOracle::sharedBudgetIsOptimal() {
    const OracleCurves curves = curvesOf(OracleLoss::Kl, OracleSearch::Exhaustive);
    const int32_t layers = m_model->config().layers;
    for (double ratio : {1.25, 1.5, 2.0}) {
        const OracleAssignment perToken = assignOracle(curves, ratio, OracleBudget::PerToken);
        const OracleAssignment shared = assignOracle(curves, ratio, OracleBudget::Shared);
        for (int64_t w = 0; w < static_cast<int64_t>(m_starts.size()); ++w) {
            int64_t budget = 0, used = 0;
            double sharedLoss = 0;
            for (int64_t t = 0; t < kContext; ++t) {
                const int32_t k = staticSkipCount(layers, ratio, t);
                QCOMPARE(perToken.skips[static_cast<size_t>(w * kContext + t)], std::min(k, 3));
                budget += std::min(k, 3);
                const int32_t ks = shared.skips[static_cast<size_t>(w * kContext + t)];
                used += ks;
                sharedLoss += curves.tokens[static_cast<size_t>(w * kContext + t)]
                                  .loss[static_cast<size_t>(ks)];
                // The table skips exactly the chosen set.
                int skippedCells = 0;
                for (int32_t l = 0; l < layers; ++l)
                    skippedCells += shared.states.at(w * kContext + t, l) == LayerState::Skip;
                QCOMPARE(skippedCells, ks);
            }
            QCOMPARE(used, budget);
            // Brute force over 4^8 allocations.
            double best = INFINITY;
            std::vector<int> k(kContext, 0);
            std::function<void(int64_t, int64_t, double)> visit = [&](int64_t t, int64_t left,
                                                                      double sum) {
                if (t == kContext) {
                    if (left == 0)
                        best = std::min(best, sum);
                    return;
                }
                for (int v = 0; v <= 3 && v <= left; ++v)
                    visit(t + 1, left - v,
                          sum + curves.tokens[static_cast<size_t>(w * kContext + t)]
                                    .loss[static_cast<size_t>(v)]);
            };
            visit(0, budget, 0.0);
            QVERIFY2(std::fabs(sharedLoss - best) < 1e-12 * (1.0 + best),
                     qPrintable(QString("ratio %1 window %2: DP %3, brute force %4")
                                    .arg(ratio)
                                    .arg(w)
                                    .arg(sharedLoss)
                                    .arg(best)));
        }
    }
}

// Replaying a per-layer skip set for every token is static skipping of that
// set: same perplexity as OrderedSkipPolicy with that order and count.
void TestDashOracle::replayMatchesPolicies() {
    const int32_t layers = m_model->config().layers;
    StateTable table(static_cast<int64_t>(m_text.size()), layers);
    for (int64_t t = 0; t < table.tokens(); ++t) {
        table.at(t, 3) = LayerState::Skip;
        table.at(t, 1) = LayerState::Skip;
    }
    QVERIFY(std::fabs(table.nominalRatio() - 5.0 / 3.0) < 1e-12);
    auto replayed = evaluateStateTable(*m_engine, m_text, m_starts, kContext, table);
    QVERIFY(replayed.ok());
    OrderedSkipPolicy policy(layers, {3, 1, 2}, Compensation{}, 2.0);
    EvaluationOptions eo;
    eo.context = kContext;
    auto direct = evaluatePolicy(policy, *m_engine, m_text, eo);
    QVERIFY(direct.ok());
    QVERIFY(std::fabs(replayed->pplAll - direct->pplAll) < 1e-9 * direct->pplAll);
    QVERIFY(std::fabs(replayed->nominalRatio - direct->nominalRatio) < 1e-12);
    // The compensation the policy carries is what the engine runs with.
    Compensation alpha;
    alpha.alpha.assign(static_cast<size_t>(layers), {0.5f});
    OrderedSkipPolicy scaled(layers, {3, 1, 2}, alpha, 2.0);
    auto withAlpha = evaluatePolicy(scaled, *m_engine, m_text, eo);
    QVERIFY(withAlpha.ok());
    QVERIFY(std::fabs(withAlpha->pplAll - direct->pplAll) > 1e-3 * direct->pplAll);
    QVERIFY(m_engine->setCompensation({}).ok());
}

// Greedy layer removal: a near-identity layer goes first, and the NLL it
// reports for each prefix of its order is that static set's held-out NLL.
void TestDashOracle::staticSearch() {
    test::TinyModelSpec spec;
    spec.layers = 6;
    spec.seed = 9;
    spec.context = kContext;
    spec.layerOutputScale = {1.0f, 1.0f, 1.0f, 0.01f, 1.0f, 1.0f};
    std::string error;
    auto model = test::loadTinyModel(spec, &error);
    QVERIFY2(model, error.c_str());
    Engine engine(model, EngineOptions{.threads = 1});
    const std::vector<int32_t> text = test::sampleFromModel(model, 4, kContext, 3);
    StaticSearchOptions so;
    so.windows.context = kContext;
    std::vector<int32_t> reported;
    so.onStep = [&](int32_t k, int32_t layer, double) {
        QCOMPARE(k, static_cast<int32_t>(reported.size()) + 1);
        reported.push_back(layer);
    };
    auto found = searchStaticOrder(engine, text, so);
    QVERIFY2(found.ok(), found.ok() ? "" : found.error().message().c_str());
    QCOMPARE(found->order.size(), size_t(4));
    QCOMPARE(found->order.front(), 3);
    QCOMPARE(reported, found->order);
    // 1 + 4 + 3 + 2 + 1 evaluations.
    QCOMPARE(found->evaluations, int64_t(11));
    const std::vector<int64_t> starts =
        evaluationWindows(static_cast<int64_t>(text.size()), so.windows, kContext);
    for (size_t k = 0; k <= found->order.size(); ++k) {
        StateTable table(static_cast<int64_t>(text.size()), spec.layers);
        for (int64_t t = 0; t < table.tokens(); ++t)
            for (size_t i = 0; i < k; ++i)
                table.at(t, found->order[i]) = LayerState::Skip;
        auto r = evaluateStateTable(engine, text, starts, kContext, table);
        QVERIFY(r.ok());
        QVERIFY(std::fabs(std::log(r->pplAll) - found->nll[k]) < 1e-9);
    }
    // The first step took the best single removal.
    for (int32_t l = 1; l <= 4; ++l) {
        StateTable table(static_cast<int64_t>(text.size()), spec.layers);
        for (int64_t t = 0; t < table.tokens(); ++t)
            table.at(t, l) = LayerState::Skip;
        auto r = evaluateStateTable(engine, text, starts, kContext, table);
        QVERIFY(r.ok());
        QVERIFY(std::log(r->pplAll) >= found->nll[1] - 1e-12);
    }
}

void TestDashOracle::curvesRoundTrip() {
    const OracleCurves curves = curvesOf(OracleLoss::Nll, OracleSearch::Greedy);
    const Json json = oracleCurvesToJson(curves, "model-sha", "text-sha");
    const int32_t layers = m_model->config().layers;
    auto back =
        oracleCurvesFromJson(Json::parse(json.dump()).value(), layers, "model-sha", "text-sha");
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message().c_str());
    QCOMPARE(back->windowStarts, curves.windowStarts);
    QCOMPARE(back->tokens.size(), curves.tokens.size());
    for (size_t i = 0; i < curves.tokens.size(); ++i) {
        QCOMPARE(back->tokens[i].sets, curves.tokens[i].sets);
        QCOMPARE(back->tokens[i].loss, curves.tokens[i].loss);
    }
    // Same decisions from the reloaded curves.
    QCOMPARE(assignOracle(*back, 1.5, OracleBudget::Shared).skips,
             assignOracle(curves, 1.5, OracleBudget::Shared).skips);
    QVERIFY(!oracleCurvesFromJson(json, layers, "other-model", "text-sha").ok());
    QVERIFY(!oracleCurvesFromJson(json, layers, "model-sha", "other-text").ok());
    QVERIFY(!oracleCurvesFromJson(json, layers + 1, "model-sha", "text-sha").ok());
    Json broken = json;
    Json tokens = json["tokens"];
    Json first = tokens[0];
    Json sets = first["sets"];
    Json badSet = Json::array(std::vector<int>{layers - 1}); // the last layer is never skipped
    Json rebuilt(Json::Array{});
    rebuilt.push(sets[0]);
    rebuilt.push(badSet);
    for (size_t k = 2; k < sets.size(); ++k)
        rebuilt.push(sets[k]);
    first.set("sets", rebuilt);
    Json newTokens(Json::Array{});
    newTokens.push(first);
    for (size_t i = 1; i < tokens.size(); ++i)
        newTokens.push(tokens[i]);
    broken.set("tokens", newTokens);
    auto refused = oracleCurvesFromJson(broken, layers, "model-sha", "text-sha");
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message().find("token 0") != std::string::npos,
             refused.error().message().c_str());
}

void TestDashOracle::refusesBadInput() {
    OracleOptions o;
    o.windows.context = kContext;
    auto shortText = computeOracleCurves(*m_engine, std::vector<int32_t>(4, 1), o);
    QVERIFY(!shortText.ok());
    o.windows.context = 1;
    QVERIFY(!computeOracleCurves(*m_engine, m_text, o).ok());
    test::TinyModelSpec two;
    two.layers = 2;
    auto small = test::loadTinyModel(two);
    QVERIFY(small);
    Engine engine(small, EngineOptions{.threads = 1});
    o.windows.context = kContext;
    auto tooFew = computeOracleCurves(engine, m_text, o);
    QVERIFY(!tooFew.ok());
    QVERIFY(tooFew.error().message().find("3 layers") != std::string::npos);
    StateTable wrong(4, 3);
    QVERIFY(!evaluateStateTable(*m_engine, m_text, m_starts, kContext, wrong).ok());
}

QTEST_GUILESS_MAIN(TestDashOracle)
#include "tst_dash_oracle.moc"
