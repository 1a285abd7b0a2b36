// SPDX-License-Identifier: MIT
// Perplexity of the demo model on WikiText-2 (test split) against the float64
// PyTorch reference: the first 40,000 ids (BOS + encode(text)), windows of 128,
// both protocols from one pass.
#include "test_support.h"

#include "core/engine/engine.h"
#include "core/engine/generate.h"
#include "core/model/model.h"
#include "core/util/json.h"

#include <QElapsedTimer>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace dash;

class TestPerplexity : public QObject {
    Q_OBJECT

private slots:
    void wikitextMatchesReference();
    void rejectsBadWindows();
};

void TestPerplexity::wikitextMatchesReference() {
    const std::string modelPath = test::modelPath("dash-demo-16L.gguf");
    const std::string refPath = test::modelPath("reference/perplexity.json");
    const std::string textPath = test::dataPath("wikitext2_test.txt");
    DASH_REQUIRE_FILE(modelPath);
    DASH_REQUIRE_FILE(refPath);
    DASH_REQUIRE_FILE(textPath);

    auto ref = readJsonFile(refPath);
    QVERIFY2(ref.ok(), ref.ok() ? "" : ref.error().message().c_str());
    const int64_t tokensUsed = (*ref)["tokens_used"].asInt();
    const int64_t ctx = (*ref)["ctx"].asInt();
    QVERIFY((*ref)["add_bos"].asBool());
    QCOMPARE(tokensUsed, int64_t{40000});
    QCOMPARE(ctx, int64_t{128});

    auto model = Model::load(modelPath);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message().c_str());
    std::ifstream in(textPath, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    // The demo tokenizer adds BOS (its metadata says so); the reference did too.
    // The text's "<unk>" strings are text to the reference, not control tokens.
    std::vector<int32_t> ids = (*model)->tokenizer().encode(buffer.str(), true, false);
    QCOMPARE(ids.front(), (*model)->tokenizer().bos());
    QVERIFY(static_cast<int64_t>(ids.size()) > tokensUsed);
    ids.resize(static_cast<size_t>(tokensUsed));

    Engine engine(*model, EngineOptions{2, 0});
    PerplexityOptions options;
    options.context = ctx;
    int64_t progressCalls = 0;
    options.onProgress = [&](int64_t done, int64_t total) {
        ++progressCalls;
        return done <= total;
    };
    QElapsedTimer timer;
    timer.start();
    auto r = perplexity(engine, ids, options);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    qInfo("perplexity: all %.4f (%lld tokens), second-half %.4f (%lld tokens), %lld windows in "
          "%.1f s",
          r->pplAll, static_cast<long long>(r->scoredAll), r->pplSecondHalf,
          static_cast<long long>(r->scoredSecondHalf), static_cast<long long>(r->windows),
          timer.elapsed() / 1000.0);
    QCOMPARE(r->windows, tokensUsed / ctx);
    QCOMPARE(progressCalls, r->windows);
    QCOMPARE(engine.position(), int64_t{0});

    for (auto [protocol, name] : {std::pair{PerplexityProtocol::All, "all"},
                                  std::pair{PerplexityProtocol::SecondHalf, "second-half"}}) {
        const Json& want = (*ref)[name];
        const double wantPpl = want["ppl"].asNumber();
        QCOMPARE(r->scored(protocol), want["scored_tokens"].asInt());
        const double rel = std::fabs(r->ppl(protocol) - wantPpl) / wantPpl;
        qInfo("%s: %.4f vs reference %.4f (%.3f %%)", name, r->ppl(protocol), wantPpl, 100 * rel);
        QVERIFY2(rel <= 0.005, qPrintable(QString("%1: perplexity %2, reference %3")
                                              .arg(name)
                                              .arg(r->ppl(protocol))
                                              .arg(wantPpl)));
    }
}

void TestPerplexity::rejectsBadWindows() {
    const std::string modelPath = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(modelPath);
    auto model = Model::load(modelPath);
    QVERIFY(model.ok());
    Engine engine(*model, EngineOptions{1, 0});
    const std::vector<int32_t> ids(300, 5);
    PerplexityOptions options;
    options.context = 1;
    QVERIFY(!perplexity(engine, ids, options).ok());
    options.context = engine.maxContext() + 1;
    QVERIFY(!perplexity(engine, ids, options).ok());
    // Fewer ids than one window.
    options.context = 64;
    options.maxTokens = 63;
    auto few = perplexity(engine, ids, options);
    QVERIFY(!few.ok());
    QVERIFY(few.error().message().find("63") != std::string::npos);
    // A progress callback that returns false cancels.
    options.maxTokens = 0;
    options.onProgress = [](int64_t, int64_t) { return false; };
    auto cancelled = perplexity(engine, ids, options);
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.error().code(), ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(TestPerplexity)
#include "tst_perplexity.moc"
