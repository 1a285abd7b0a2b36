// SPDX-License-Identifier: MIT
// Input-awareness measures on hand-made state tables with known answers, the
// static reassignment (same per-layer counts, other tokens), and the
// end-to-end report of a policy: a static policy is not input-aware and its
// reassignment changes nothing; a policy whose choice follows the token kind
// is, and its reassignment is measured as a different state table.
#include "synthetic_task.h"
#include "tiny_model.h"

#include "core/dash/baselines.h"
#include "core/dash/input_awareness.h"
#include "core/dash/oracle.h"
#include "core/engine/engine.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace dash;

namespace {

// Skips `layer` for tokens of even id (kind A), for every pass.
class KindController : public LayerController {
public:
    KindController(int32_t layer, std::span<const int32_t> tokens)
        : m_layer(layer), m_tokens(tokens) {}
    void beginPass(const PassInfo& pass) override { m_first = pass.firstPosition; }
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        for (int64_t t = 0; t < count; ++t)
            states[t] = layer == m_layer && m_tokens[static_cast<size_t>(m_first + t)] % 2 == 0
                            ? LayerState::Skip
                            : LayerState::Full;
    }
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    int32_t m_layer;
    std::span<const int32_t> m_tokens;
    int64_t m_first = 0;
};

class KindPolicy : public Policy {
public:
    explicit KindPolicy(int32_t layer) : m_layer(layer) {}
    PolicyKind kind() const override { return PolicyKind::RandomSkip; }
    Json parameters() const override { return Json::object(); }
    std::unique_ptr<LayerController> makeController() const override {
        return std::make_unique<KindController>(m_layer, m_window);
    }
    Status probe(Engine&, std::span<const int32_t> context) override {
        m_window = context;
        return {};
    }

private:
    int32_t m_layer;
    std::span<const int32_t> m_window;
};

} // namespace

class TestInputAwareness : public QObject {
    Q_OBJECT

private slots:
    void staticTableIsNotAware();
    void knownMutualInformation();
    void independentDecisionsHaveNoExcess();
    void reassignmentKeepsCounts();
    void policyReports();
    void traceAwareness();
};

void TestInputAwareness::staticTableIsNotAware() {
    StateTable table(64, 4);
    for (int64_t t = 0; t < 64; ++t)
        table.at(t, 2) = LayerState::Skip;
    std::vector<int32_t> ids(64);
    std::vector<int64_t> positions(64);
    for (int64_t t = 0; t < 64; ++t) {
        ids[static_cast<size_t>(t)] = static_cast<int32_t>(t % 7);
        positions[static_cast<size_t>(t)] = t % 16;
    }
    const InputAwareness a = measureInputAwareness(table, ids, positions, 16);
    QCOMPARE(a.tokens, int64_t(64));
    QCOMPARE(a.majorityDeviation, 0.0);
    QCOMPARE(a.miTokenExcess, 0.0);
    QCOMPARE(a.miPositionExcess, 0.0);
    for (const LayerAwareness& l : a.layers)
        QCOMPARE(l.entropy, 0.0);
    QCOMPARE(a.layers[2].stateCounts[0], int64_t(64));
    QCOMPARE(a.stateMix[0], 0.25);
    QCOMPARE(a.stateMix[3], 0.75);
}

// Layer 1 skipped exactly for even ids: I(state; id class) = H(state) = 1 bit
// when ids 0..3 are equally frequent and each is its own class; the majority
// deviation is 0.5 there and 0 elsewhere; the position carries nothing when
// every id appears equally at every position bucket.
void TestInputAwareness::knownMutualInformation() {
    const int64_t n = 256;
    StateTable table(n, 3);
    std::vector<int32_t> ids(n);
    std::vector<int64_t> positions(n);
    for (int64_t t = 0; t < n; ++t) {
        ids[static_cast<size_t>(t)] = static_cast<int32_t>(t % 4);
        positions[static_cast<size_t>(t)] = (t / 4) % 8; // every id in every position
        if (t % 2 == 0)
            table.at(t, 1) = LayerState::Skip;
    }
    InputAwarenessOptions o;
    o.tokenClasses = 4;
    o.positionBuckets = 8;
    const InputAwareness a = measureInputAwareness(table, ids, positions, 8, o);
    const LayerAwareness& l1 = a.layers[1];
    QCOMPARE(l1.majorityDeviation, 0.5);
    QVERIFY(std::fabs(l1.entropy - 1.0) < 1e-12);
    QVERIFY(std::fabs(l1.miToken - 1.0) < 1e-12);
    QVERIFY(std::fabs(l1.miPosition) < 1e-12);
    // The null of a perfectly dependent pair is far below it.
    QVERIFY(l1.miTokenNull < 0.1);
    // Means over the decided layers 1 and 2: (0.5 + 0) / 2.
    QCOMPARE(a.majorityDeviation, 0.25);
    QVERIFY(a.miTokenExcess > 0.45 && a.miTokenExcess < 0.5);
}

// Decisions drawn independently of the ids: the plug-in MI is positive by
// chance, and the permutation null takes most of it away.
void TestInputAwareness::independentDecisionsHaveNoExcess() {
    const int64_t n = 2000;
    StateTable table(n, 2);
    std::vector<int32_t> ids(n);
    std::vector<int64_t> positions(n);
    for (int64_t t = 0; t < n; ++t) {
        ids[static_cast<size_t>(t)] = static_cast<int32_t>(positionHash(3, t, 0) * 40);
        positions[static_cast<size_t>(t)] = t % 64;
        if (positionHash(11, t, 1) < 0.3)
            table.at(t, 1) = LayerState::Skip;
    }
    const InputAwareness a = measureInputAwareness(table, ids, positions, 64);
    const LayerAwareness& l1 = a.layers[1];
    QVERIFY(l1.miToken > 0.0);
    QVERIFY2(std::fabs(l1.miToken - l1.miTokenNull) < 0.3 * l1.miToken,
             qPrintable(QString("MI %1, null %2").arg(l1.miToken).arg(l1.miTokenNull)));
    QVERIFY(std::fabs(a.miTokenExcess) < 0.01);
    QVERIFY(std::fabs(a.miPositionExcess) < 0.01);
}

void TestInputAwareness::reassignmentKeepsCounts() {
    const int64_t n = 100;
    StateTable table(n, 4);
    for (int64_t t = 0; t < n; ++t) {
        table.at(t, 1) = t < 30 ? LayerState::Skip : LayerState::Full;
        table.at(t, 2) = t % 3 == 0   ? LayerState::Int4
                         : t % 3 == 1 ? LayerState::Int8
                                      : LayerState::Full;
    }
    const StateTable r = staticReassignment(table, 5);
    QCOMPARE(r.tokens(), n);
    QCOMPARE(r.nominalRatio(), table.nominalRatio());
    for (int32_t l = 0; l < 4; ++l) {
        std::array<int, kStateCount> before{}, after{};
        for (int64_t t = 0; t < n; ++t) {
            ++before[static_cast<size_t>(stateIndex(table.at(t, l)))];
            ++after[static_cast<size_t>(stateIndex(r.at(t, l)))];
        }
        QCOMPARE(after, before);
    }
    // The skipped tokens are no longer the first 30.
    int moved = 0;
    for (int64_t t = 0; t < 30; ++t)
        moved += r.at(t, 1) != LayerState::Skip;
    QVERIFY(moved > 10);
    // Deterministic in its seed.
    QCOMPARE(staticReassignment(table, 5).cells, r.cells);
    QVERIFY(staticReassignment(table, 6).cells != r.cells);
}

void TestInputAwareness::policyReports() {
    test::SyntheticTaskSpec spec;
    spec.trainSequences = 1;
    spec.evalSequences = 6;
    std::string error;
    const test::SyntheticTask task = test::makeInputDependentTask(spec, &error);
    QVERIFY2(task.model, error.c_str());
    Engine engine(task.model, EngineOptions{.threads = 1});
    EvaluationOptions eo;
    eo.context = task.window;

    // Static skipping: nothing input-aware, the reassignment is the same table.
    StaticSimilarityPolicy fixed(spec.layers, {1, 0.5, 0.9, 0.6, 0.7, 1}, 1.0);
    auto s = analysePolicy(fixed, engine, task.eval, eo);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message().c_str());
    QCOMPARE(s->awareness.majorityDeviation, 0.0);
    QCOMPARE(s->awareness.layers[2].stateCounts[0], s->awareness.tokens);
    QVERIFY(std::fabs(s->reassigned.pplAll - s->policy.pplAll) < 1e-9 * s->policy.pplAll);
    auto direct = evaluatePolicy(fixed, engine, task.eval, eo);
    QVERIFY(direct.ok());
    QVERIFY(std::fabs(direct->pplAll - s->policy.pplAll) < 1e-9 * s->policy.pplAll);

    // Layer 1 (an A-layer) skipped for A tokens exactly: input-aware, and the
    // token id explains the decisions; the reassignment skips it for other
    // tokens (same count).
    KindPolicy kind(1);
    auto k = analysePolicy(kind, engine, task.eval, eo);
    QVERIFY2(k.ok(), k.ok() ? "" : k.error().message().c_str());
    const LayerAwareness& l1 = k->awareness.layers[1];
    QVERIFY(l1.majorityDeviation > 0.2);
    QVERIFY(l1.miToken - l1.miTokenNull > 0.5 * l1.entropy);
    QVERIFY(std::fabs(k->reassigned.nominalRatio - k->policy.nominalRatio) < 1e-12);
    QVERIFY(std::fabs(k->reassigned.pplAll - k->policy.pplAll) > 1e-6 * k->policy.pplAll);
    QCOMPARE(k->states.tokens(), static_cast<int64_t>(task.eval.size()));

    // One sequence, as `dash-cli run` analyses it.
    std::vector<int32_t> sequence(task.eval.begin(), task.eval.begin() + task.window);
    auto one = analyseSequence(engine, sequence,
                               StateTable(static_cast<int64_t>(sequence.size()), spec.layers));
    QVERIFY(one.ok());
    QCOMPARE(one->policy.pplAll, one->reassigned.pplAll);
    QVERIFY(!analyseSequence(engine, sequence, StateTable(3, spec.layers)).ok());
}

// What the app shows for a run: the trace's states measured with the traced
// ids at positions 0..n-1 of one window, the same as measuring the table.
void TestInputAwareness::traceAwareness() {
    Trace trace;
    trace.layers = 4;
    std::vector<int32_t> ids(48);
    for (size_t t = 0; t < ids.size(); ++t)
        ids[t] = static_cast<int32_t>(t % 3);
    trace.appendTokens(ids);
    for (int32_t t = 0; t < trace.tokenCount(); ++t)
        if (ids[static_cast<size_t>(t)] == 0) // layer 2 skipped for id 0 only
            trace.states[trace.cell(t, 2)] = static_cast<uint8_t>(LayerState::Skip);
    const StateTable table = traceStateTable(trace);
    QCOMPARE(table.tokens(), int64_t(48));
    QCOMPARE(table.at(3, 2), LayerState::Skip);
    QCOMPARE(table.at(4, 2), LayerState::Full);
    std::vector<int64_t> positions(ids.size());
    std::iota(positions.begin(), positions.end(), 0);
    const InputAwareness expected = measureInputAwareness(table, ids, positions, 48);
    const InputAwareness a = traceInputAwareness(trace);
    QCOMPARE(a.tokens, int64_t(48));
    QCOMPARE(a.majorityDeviation, expected.majorityDeviation);
    QCOMPARE(a.miTokenExcess, expected.miTokenExcess);
    QCOMPARE(a.miPositionExcess, expected.miPositionExcess);
    // A third of layer 2's tokens leave its majority.
    QVERIFY(std::fabs(a.layers[2].majorityDeviation - 1.0 / 3) < 1e-12);
    QVERIFY(a.miTokenExcess > 0);
    // One token: nothing to measure.
    Trace one;
    one.layers = 4;
    one.appendTokens({5});
    QCOMPARE(traceInputAwareness(one).tokens, int64_t(0));
}

QTEST_GUILESS_MAIN(TestInputAwareness)
#include "tst_input_awareness.moc"
