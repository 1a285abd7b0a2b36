// SPDX-License-Identifier: MIT
// The one sweep (core/dash/sweep.h) on the demo model and short texts: rows
// in order and labelled by variant (the file name where two files of a
// variant were trained for the same ratio), the full-precision row's
// perplexity against a log-softmax in double written here, every row timed
// with its A/A control, skipped methods reported, progress, cancellation,
// and clear errors for bad inputs.
#include "sweep_fixture.h"
#include "test_support.h"

#include "core/dash/sweep.h"
#include "core/model/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dash;

namespace {

constexpr int64_t kTestTokens = 256; // two windows of the demo model's 128

std::vector<std::string> labels(const SweepResult& r) {
    std::vector<std::string> out;
    for (const SweepRowResult& row : r.rows)
        out.push_back(row.method + "@" + std::to_string(std::lround(row.targetRatio * 100)));
    return out;
}

QString message(const Error& e) {
    return QString::fromStdString(e.message());
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rowsAreLabelledByVariant();
    void fullRowMatchesReferencePerplexity();
    void sameVariantSameRatioGetsFileNames();
    void skippedMethodsAreReported();
    void progressAndCancel();
    void badInputsNameTheirCause();

private:
    SweepOptions options() const;

    QTemporaryDir m_dir;
    test::SweepFixture m_f;
    std::unique_ptr<Engine> m_engine;
    SweepResult m_variants; // rowsAreLabelledByVariant's sweep
};

void TestSweep::initTestCase() {
    const std::string modelPath = test::modelPath("dash-demo-16L.gguf");
    const std::string testPath = test::dataPath("wikitext2_test.txt");
    const std::string validPath = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(modelPath);
    DASH_REQUIRE_FILE(testPath);
    DASH_REQUIRE_FILE(validPath);
    QVERIFY(m_dir.isValid());
    auto f = test::makeSweepFixture(modelPath, testPath, validPath, m_dir.path().toStdString());
    QVERIFY2(f.ok(), f.ok() ? "" : f.error().message().c_str());
    m_f = std::move(f).value();
    m_engine = std::make_unique<Engine>(m_f.model, EngineOptions{2, 0});
}

SweepOptions TestSweep::options() const {
    SweepOptions o;
    o.testTextPath = m_f.testText;
    o.tuneTextPath = m_f.tuneText;
    o.maxTokens = kTestTokens;
    o.tuneWindows = 2;
    o.speedRounds = 1;
    return o;
}

void TestSweep::rowsAreLabelledByVariant() {
    SweepOptions o = options();
    o.dashFiles = {m_f.dash15, m_f.dash20, m_f.skipA};
    o.methods = {PolicyKind::Dash, PolicyKind::RandomSkip};
    o.ratios = {1.5, 2.0};
    int tuned = 0, finished = 0;
    SweepObserver observer;
    observer.onTuned = [&](const SweepRowResult& row) {
        QVERIFY(row.tuning.has_value());
        ++tuned;
    };
    observer.onRowFinished = [&](const SweepRowResult&) { ++finished; };
    auto r = runSweep(*m_engine, o, observer);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    QCOMPARE(labels(*r),
             (std::vector<std::string>{"full@100", "dash@150", "dash-skip@150", "random@150",
                                       "dash@200", "dash-skip@200", "random@200"}));
    QCOMPARE(finished, 7);
    QCOMPARE(tuned, 6);
    // Each DASH row runs the file trained nearest its ratio.
    QCOMPARE(r->rows[1].policyFile, m_f.dash15);
    QCOMPARE(r->rows[4].policyFile, m_f.dash20);
    QCOMPARE(r->rows[2].policyFile, m_f.skipA);
    QCOMPARE(r->rows[5].policyFile, m_f.skipA);
    QVERIFY(r->rows[3].policyFile.empty());
    QCOMPARE(r->rows[1].policyFileSha256.size(), size_t(64));
    QCOMPARE(r->testTokens, kTestTokens);
    for (const SweepRowResult& row : r->rows) {
        // Every row was timed in one measured round with its A/A control.
        QCOMPARE(row.speed.rounds, 1);
        QCOMPARE(row.speed.speedup.count, size_t(1));
        QCOMPARE(row.speed.control.count, size_t(1));
        QVERIFY(row.speed.control.median > 0 && row.speed.speedup.median > 0);
        QVERIFY(row.speed.fullTokensPerSecond > 0 && row.speed.policyTokensPerSecond > 0);
        // The state mix of the timed decode cells sums to 1 and gives the
        // decode positions' nominal ratio; a skip/full policy runs no INT8/INT4.
        double share = 0, cost = 0;
        for (size_t k = 0; k < kStateCount; ++k) {
            QVERIFY(row.speed.stateShare[k] >= 0);
            share += row.speed.stateShare[k];
            cost += row.speed.stateShare[k] * kNominalStateCosts[k];
        }
        QVERIFY(std::fabs(share - 1.0) < 1e-9);
        QVERIFY2(std::fabs(4.0 / cost - row.speed.decodeNominalRatio) < 1e-9, row.method.c_str());
        if (row.method == "dash-skip" || row.kind == PolicyKind::Full)
            QCOMPARE(row.speed.stateShare[1] + row.speed.stateShare[2], 0.0);
        if (row.kind == PolicyKind::Full)
            QCOMPARE(row.speed.stateShare[3], 1.0);
        QCOMPARE(row.evaluation.windows, int64_t(2));
        // DASH rows measure the states they chose on the test windows and
        // replay the same per-layer counts assigned statically (the same
        // nominal ratio); other rows do neither.
        QCOMPARE(row.awareness.has_value(), row.kind == PolicyKind::Dash);
        QCOMPARE(row.reassigned.has_value(), row.kind == PolicyKind::Dash);
        if (row.awareness) {
            QCOMPARE(row.awareness->tokens, row.evaluation.scoredAll + row.evaluation.windows);
            QVERIFY(row.awareness->majorityDeviation >= 0 && row.awareness->majorityDeviation <= 1);
            QVERIFY(std::fabs(row.reassigned->nominalRatio - row.evaluation.nominalRatio) < 1e-9);
            QVERIFY(row.reassigned->pplAll > 0 && std::isfinite(row.reassigned->pplAll));
        }
        if (row.kind != PolicyKind::Full)
            QVERIFY2(std::fabs(row.tuning->ratio - row.targetRatio) < 0.1 * row.targetRatio,
                     row.method.c_str());
    }
    QCOMPARE(r->rows[0].evaluation.nominalRatio, 1.0);
    QCOMPARE(r->control.count, size_t(7));

    // The JSON rows: labels, the file name of DASH rows, timing fields named.
    const Json json = sweepRowsJson(r->rows);
    QCOMPARE(json.size(), size_t(7));
    QCOMPARE(json[2]["method"].asString(), std::string("dash-skip"));
    QCOMPARE(json[2]["policy_file"].asString(), std::string("skip-a.policy"));
    QVERIFY(!json[3].find("policy_file"));
    QCOMPARE(json[2]["reassigned_ppl_all"].asNumber(), r->rows[2].reassigned->pplAll);
    QCOMPARE(json[2]["majority_deviation"].asNumber(), r->rows[2].awareness->majorityDeviation);
    QVERIFY(!json[3].find("majority_deviation") && !json[3].find("reassigned_ppl_all"));
    QVERIFY(!json[0].find("held_out_ratio") && json[3].find("held_out_ratio"));
    QCOMPARE(json[0]["aa_control"].asNumber(), r->rows[0].speed.control.median);
    for (const auto& [key, value] : json[1].asObject())
        QCOMPARE(isTimingField(key), key.find("speedup") != std::string::npos ||
                                         key.find("aa_") == 0 ||
                                         key.find("tok_per_s") != std::string::npos);
    m_variants = std::move(r).value();
}

void TestSweep::fullRowMatchesReferencePerplexity() {
    QVERIFY(!m_variants.rows.empty());
    // Perplexity over two windows of 128 tokens from token probabilities
    // computed here in double from the engine's logits at full precision.
    auto ids = readTextTokens(m_f.testText, m_f.model->tokenizer(), kTestTokens);
    QVERIFY(ids.ok());
    const int64_t window = m_f.model->config().contextLength;
    const int32_t vocab = m_f.model->config().vocabSize;
    double nll = 0;
    int64_t scored = 0;
    for (int64_t w = 0; w < 2; ++w) {
        m_engine->reset();
        std::span<const int32_t> tokens(ids->data() + w * window, static_cast<size_t>(window));
        ForwardOptions fo;
        fo.allLogits = true;
        auto logits = m_engine->forward(tokens, fo);
        QVERIFY(logits.ok());
        for (int64_t j = 0; j + 1 < window; ++j) {
            const float* row = logits->data() + j * vocab;
            double top = row[0];
            for (int32_t v = 1; v < vocab; ++v)
                top = std::max(top, double(row[v]));
            double sum = 0;
            for (int32_t v = 0; v < vocab; ++v)
                sum += std::exp(double(row[v]) - top);
            nll -= double(row[tokens[static_cast<size_t>(j + 1)]]) - top - std::log(sum);
            ++scored;
        }
    }
    m_engine->reset();
    const EvaluationResult& full = m_variants.rows[0].evaluation;
    QCOMPARE(full.scoredAll, scored);
    const double reference = std::exp(nll / double(scored));
    QVERIFY2(
        std::fabs(full.pplAll - reference) <= 1e-6 * reference,
        qPrintable(
            QStringLiteral("%1 vs %2").arg(full.pplAll, 0, 'g', 12).arg(reference, 0, 'g', 12)));
}

void TestSweep::sameVariantSameRatioGetsFileNames() {
    SweepOptions o = options();
    o.dashFiles = {m_f.skipA, m_f.skipB};
    o.methods = {PolicyKind::Dash};
    o.ratios = {2.0};
    auto r = runSweep(*m_engine, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    QCOMPARE(labels(*r), (std::vector<std::string>{"full@100", "dash-skip (skip-a.policy)@200",
                                                   "dash-skip (skip-b.policy)@200"}));
    QCOMPARE(r->rows[2].policyFile, m_f.skipB);
}

void TestSweep::skippedMethodsAreReported() {
    SweepOptions o = options();
    o.methods = {PolicyKind::Dash, PolicyKind::StaticSimilarity};
    std::vector<std::pair<PolicyKind, SweepSkip>> skipped;
    SweepObserver observer;
    observer.onSkipped = [&](PolicyKind k, SweepSkip why) { skipped.emplace_back(k, why); };
    auto r = runSweep(*m_engine, o, observer);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    QCOMPARE(labels(*r), (std::vector<std::string>{"full@100"}));
    QCOMPARE(int(skipped.size()), 2);
    QVERIFY(skipped[0] == std::make_pair(PolicyKind::Dash, SweepSkip::NoDashFiles));
    QVERIFY(skipped[1] == std::make_pair(PolicyKind::StaticSimilarity, SweepSkip::NoCalibration));
    // With the calibration, static runs.
    o.calibrationPath = m_f.calibration;
    o.methods = {PolicyKind::StaticSimilarity};
    auto s = runSweep(*m_engine, o);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message().c_str());
    QCOMPARE(labels(*s),
             (std::vector<std::string>{"full@100", "static@133", "static@167", "static@200"}));
}

void TestSweep::progressAndCancel() {
    SweepOptions o = options();
    o.methods = {PolicyKind::RandomSkip, PolicyKind::SkipDecode};
    o.ratios = {2.0};
    std::vector<std::pair<int64_t, int64_t>> progress;
    SweepObserver observer;
    observer.onProgress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
    auto r = runSweep(*m_engine, o, observer);
    QVERIFY(r.ok());
    QVERIFY(!progress.empty());
    for (size_t i = 0; i < progress.size(); ++i) {
        QCOMPARE(progress[i].second, int64_t(300));
        QVERIFY(progress[i].first <= progress[i].second);
        if (i > 0)
            QVERIFY(progress[i].first >= progress[i - 1].first);
    }
    QCOMPARE(progress.back().first, int64_t(300));

    CancelToken cancel;
    observer = {};
    observer.cancel = &cancel;
    int started = 0;
    observer.onRowStarted = [&](const SweepRowResult&) {
        if (++started == 2)
            cancel.cancel();
    };
    auto c = runSweep(*m_engine, o, observer);
    QVERIFY(!c.ok());
    QVERIFY(c.error().code() == ErrorCode::Cancelled);
    QCOMPARE(started, 2);
}

void TestSweep::badInputsNameTheirCause() {
    SweepOptions o = options();
    o.testTextPath = m_dir.filePath(QStringLiteral("no-such.txt")).toStdString();
    auto missing = runSweep(*m_engine, o);
    QVERIFY(!missing.ok());
    QVERIFY2(message(missing.error()).contains(QStringLiteral("no-such.txt")),
             qPrintable(message(missing.error())));

    o = options();
    o.dashFiles = {m_f.baselineFile};
    auto notDash = runSweep(*m_engine, o);
    QVERIFY(!notDash.ok());
    QVERIFY2(message(notDash.error()).contains(QStringLiteral("random.policy")) &&
                 message(notDash.error()).contains(QStringLiteral("not a DASH policy")),
             qPrintable(message(notDash.error())));

    o = options();
    o.ratios = {0.5};
    auto lowRatio = runSweep(*m_engine, o);
    QVERIFY(!lowRatio.ok());
    QVERIFY(message(lowRatio.error()).contains(QStringLiteral(">= 1")));

    // Early-Exit's ratio depends on the text: without held-out text it cannot be tuned.
    o = options();
    o.tuneTextPath.clear();
    o.methods = {PolicyKind::EarlyExit};
    auto noText = runSweep(*m_engine, o);
    QVERIFY(!noText.ok());
    QVERIFY2(message(noText.error()).contains(QStringLiteral("held-out")),
             qPrintable(message(noText.error())));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
