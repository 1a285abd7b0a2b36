// SPDX-License-Identifier: MIT
// Evaluation metrics: ROUGE-L on hand-worked cases, the MMLU and ARC
// prompts, and multiple-choice log-likelihoods against sums computed here in
// float64 from the engine's logits of one full-precision pass.
#include "test_support.h"

#include "core/dash/policy_spec.h"
#include "core/engine/engine.h"
#include "core/eval/eval_run.h"
#include "core/eval/rouge.h"
#include "core/eval/scoring.h"
#include "core/model/model.h"
#include "core/model/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace dash;
using namespace dash::eval;

namespace {

// log p(continuation | context) in float64: the text tokenised whole, split
// after the prefix it shares with the tokenised context, one pass over all
// of it at full precision, log-softmax of each row.
double referenceLogLikelihood(Engine& engine, const std::string& context,
                              const std::string& continuation) {
    const Tokenizer& tok = engine.model().tokenizer();
    const std::vector<int32_t> whole = tok.encode(context + continuation, true, false);
    const std::vector<int32_t> head = tok.encode(context, true, false);
    size_t split = 0;
    while (split < head.size() && whole[split] == head[split])
        ++split;
    engine.reset();
    ForwardOptions fo;
    fo.allLogits = true;
    auto logits = engine.forward(whole, fo);
    if (!logits.ok())
        return NAN;
    const size_t vocab = static_cast<size_t>(engine.model().config().vocabSize);
    double sum = 0;
    for (size_t t = split; t < whole.size(); ++t) {
        const float* row = logits->data() + (t - 1) * vocab;
        double max = row[0];
        for (size_t v = 1; v < vocab; ++v)
            max = std::max(max, static_cast<double>(row[v]));
        double z = 0;
        for (size_t v = 0; v < vocab; ++v)
            z += std::exp(static_cast<double>(row[v]) - max);
        sum += static_cast<double>(row[static_cast<size_t>(whole[t])]) - max - std::log(z);
    }
    engine.reset();
    return sum;
}

struct Question {
    std::string text;
    std::vector<std::string> choices;
};

const std::vector<Question> kQuestions = {
    {"What is the capital of France?", {"Paris", "a banana", "the the the", "London"}},
    {"Which animal barks?", {"The dog", "A fish", "Seven", "of the"}},
    {"What colour is the sky on a clear day?", {"blue", "green", "loud", "tuesday"}},
    {"How many legs does a cat have?", {"four", "two", "none", "a hundred"}},
    {"Who wrote plays in Elizabethan England?", {"William Shakespeare", "a river", "and", "it"}},
    {"Where does the sun rise?", {"in the east", "in the west", "under the sea", "never"}},
};

} // namespace

class TestEvalMetrics : public QObject {
    Q_OBJECT

private slots:
    void rougeTokenisation() {
        QCOMPARE(rougeTokens("Hello, WORLD! it's 2024"),
                 (std::vector<std::string>{"hello", "world", "it", "s", "2024"}));
        // Non-ASCII letters separate tokens, as in rouge-score.
        QCOMPARE(rougeTokens("caf\xC3\xA9-au-lait"),
                 (std::vector<std::string>{"caf", "au", "lait"}));
        QVERIFY(rougeTokens(" !! -- ").empty());
    }

    void rougeHandWorked_data() {
        QTest::addColumn<QString>("prediction");
        QTest::addColumn<QString>("reference");
        QTest::addColumn<double>("precision");
        QTest::addColumn<double>("recall");
        // LCS "the cat on the mat" = 5 of 6 and 6 tokens.
        QTest::newRow("one word differs") << "the cat sat on the mat"
                                          << "the cat is on the mat" << 5.0 / 6 << 5.0 / 6;
        // Reordered: the longest common subsequence is "the gunman" (2 of 4).
        QTest::newRow("reordered") << "Police killed the gunman."
                                   << "The gunman killed police" << 0.5 << 0.5;
        // "a c e" = 3 of 5 predicted and of 6 reference tokens.
        QTest::newRow("lengths differ") << "a b c d e"
                                        << "a x c y e z" << 0.6 << 0.5;
        // caf au lait 2024 against caf au lait: 3 of 4, 3 of 3.
        QTest::newRow("case and accents")
            << QString::fromUtf8("caf\xC3\xA9-au-lait 2024!") << "CAF au lait" << 0.75 << 1.0;
        QTest::newRow("nothing shared") << "alpha beta"
                                        << "gamma" << 0.0 << 0.0;
        QTest::newRow("empty prediction") << "!!!"
                                          << "a b" << 0.0 << 0.0;
    }

    void rougeHandWorked() {
        QFETCH(QString, prediction);
        QFETCH(QString, reference);
        QFETCH(double, precision);
        QFETCH(double, recall);
        const RougeScore s = rougeL(prediction.toStdString(), reference.toStdString());
        QVERIFY(std::fabs(s.precision - precision) < 1e-12);
        QVERIFY(std::fabs(s.recall - recall) < 1e-12);
        const double f1 =
            precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        QVERIFY(std::fabs(s.f1 - f1) < 1e-12);
    }

    void prompts() {
        ChoiceQuestion shot;
        shot.subject = "high_school_physics";
        shot.question = "Q0?";
        shot.choices = {"a", "b", "c", "d"};
        shot.labels = {"A", "B", "C", "D"};
        shot.answer = 2;
        ChoiceQuestion q = shot;
        q.question = "Q1?";
        QCOMPARE(mmluPrompt(q, {shot}),
                 std::string("The following are multiple choice questions (with answers) about "
                             "high school physics.\n\nQ0?\nA. a\nB. b\nC. c\nD. d\nAnswer: C\n\n"
                             "Q1?\nA. a\nB. b\nC. c\nD. d\nAnswer:"));
        QCOMPARE(mmluContinuations(q), (std::vector<std::string>{" A", " B", " C", " D"}));
        QCOMPARE(arcPrompt(q), std::string("Question: Q1?\nAnswer:"));
        QCOMPARE(arcContinuations(q), (std::vector<std::string>{" a", " b", " c", " d"}));
    }

    void continuationTruncation() {
        const std::string path = test::modelPath("dash-demo-16L.gguf");
        DASH_REQUIRE_FILE(path);
        auto model = Model::load(path);
        QVERIFY(model.ok());
        const Tokenizer& tok = (*model)->tokenizer();
        const std::string context = "one two three four five six seven eight nine ten";
        auto full = splitContinuation(tok, context, " eleven", 1000);
        QVERIFY(full.ok());
        QVERIFY(!full->truncated);
        QCOMPARE(full->context.front(), tok.bos());
        const auto n = static_cast<int64_t>(full->context.size() + full->continuation.size());
        auto cut = splitContinuation(tok, context, " eleven", n - 3);
        QVERIFY(cut.ok());
        QVERIFY(cut->truncated);
        QCOMPARE(cut->continuation, full->continuation);
        QCOMPARE(cut->context.size(), full->context.size() - 3);
        QCOMPARE(cut->context.front(), tok.bos()); // BOS kept, the oldest text dropped
        QCOMPARE(cut->context.back(), full->context.back());
        QVERIFY(!splitContinuation(tok, context, " eleven",
                                   static_cast<int64_t>(full->continuation.size()))
                     .ok());
    }

    // The log-likelihoods scoreChoices finds (context pass, then continuation
    // pass) against one full pass summed in float64 here; then accuracy over
    // an ARC file whose answer keys are set from those reference sums.
    void choiceLogLikelihoods() {
        const std::string path = test::modelPath("dash-demo-16L.gguf");
        DASH_REQUIRE_FILE(path);
        auto model = Model::load(path);
        QVERIFY(model.ok());
        Engine engine(*model);
        PolicyRequest request; // full precision
        auto built = loadPolicy(request, **model);
        QVERIFY(built.ok());

        QTemporaryDir dir;
        const std::string arcPath = dir.filePath("arc.jsonl").toStdString();
        std::ofstream arc(arcPath);
        int expectRight = 0, expectRightNorm = 0;
        for (size_t i = 0; i < kQuestions.size(); ++i) {
            const Question& q = kQuestions[i];
            ChoiceQuestion cq;
            cq.question = q.text;
            cq.choices = q.choices;
            const std::string context = arcPrompt(cq);
            std::vector<double> ref;
            int best = 0, bestNorm = 0;
            for (size_t c = 0; c < q.choices.size(); ++c) {
                ref.push_back(referenceLogLikelihood(engine, context, " " + q.choices[c]));
                QVERIFY(std::isfinite(ref.back()));
                if (ref[c] > ref[static_cast<size_t>(best)])
                    best = static_cast<int>(c);
                const auto bytes = [&](size_t k) { return double(q.choices[k].size() + 1); };
                if (ref[c] / bytes(c) > ref[static_cast<size_t>(bestNorm)] / bytes(bestNorm))
                    bestNorm = static_cast<int>(c);
            }
            StateTally tally;
            auto out = scoreChoices(engine, *built->policy, context, arcContinuations(cq), &tally);
            QVERIFY2(out.ok(), out.ok() ? "" : out.error().message().c_str());
            for (size_t c = 0; c < ref.size(); ++c)
                QVERIFY2(std::fabs(out->logLikelihoods[c] - ref[c]) <
                             1e-3 * (1 + std::fabs(ref[c])),
                         qPrintable(QString("question %1 choice %2: %3 vs %4")
                                        .arg(i)
                                        .arg(c)
                                        .arg(out->logLikelihoods[c])
                                        .arg(ref[c])));
            QCOMPARE(out->predicted, best);
            QCOMPARE(out->predictedNormalised, bestNorm);
            QCOMPARE(tally.ratio(), 1.0); // full precision
            // Even questions: the key is the model's choice; odd ones: another.
            const int key = i % 2 == 0 ? best : (best + 1) % 4;
            expectRight += key == best;
            expectRightNorm += key == bestNorm;
            Json row = Json::object();
            row.set("id", "q" + std::to_string(i));
            row.set("question", q.text);
            Json choices = Json::object();
            choices.set("text", Json::array(q.choices));
            choices.set("label", Json::array(std::vector<std::string>{"A", "B", "C", "D"}));
            row.set("choices", std::move(choices));
            row.set("answerKey", std::string(1, static_cast<char>('A' + key)));
            arc << row.dump() << "\n";
        }
        arc.close();
        QCOMPARE(expectRight, 3);

        EvalPlan plan;
        plan.tasks = {Task::Arc};
        plan.methods = {"full"};
        plan.files.arc = arcPath;
        auto cells = runEvaluation(engine, path, plan, dir.filePath("out").toStdString());
        QVERIFY2(cells.ok(), cells.ok() ? "" : cells.error().message().c_str());
        QCOMPARE(cells->size(), size_t{1});
        const CellResult& c = cells->front();
        QCOMPARE(c.items, int64_t(kQuestions.size()));
        QCOMPARE(c.metrics.at("acc"), double(expectRight) / double(kQuestions.size()));
        QCOMPARE(c.metrics.at("acc_norm"), double(expectRightNorm) / double(kQuestions.size()));
        QCOMPARE(c.nominalRatio, 1.0);
    }
};

QTEST_GUILESS_MAIN(TestEvalMetrics)
#include "tst_eval_metrics.moc"
