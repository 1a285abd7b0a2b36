// SPDX-License-Identifier: MIT
// compareNextTokens (core/dash/token_divergence): two tiny rows of logits
// against values worked by hand in float64, shift invariance with logits far
// from zero, identical rows giving exactly zero, and every malformed input
// refused with a message.
#include "core/dash/token_divergence.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace dash;

class TestTokenDivergence : public QObject {
    Q_OBJECT
private slots:
    void handWorkedRows();
    void largeLogitsAreShifted();
    void identicalRowsAreZero();
    void malformedInputIsRefused();
};

void TestTokenDivergence::handWorkedRows() {
    // vocab 2. Row 0 predicts token 1: the policy's row is uniform, full
    // precision's gives p = (1/4, 3/4) (logits 0 and ln 3).
    //   log p_policy(1) = -ln 2 = -0.69314718, log p_full(1) = ln(3/4) = -0.28768207,
    //   delta = ln(2/3) = -0.40546511,
    //   KL(full || policy) = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.13081204.
    // Row 1 predicts token 0: the policy's logits (2, 0) give
    // p_0 = e^2 / (1 + e^2) = 0.88079708; full precision's row is uniform.
    //   log p_policy(0) = 2 - ln(1 + e^2) = -0.12692801, log p_full(0) = -ln 2,
    //   delta = 0.56621917,
    //   KL = 1/2 ln(1/2 / 0.88079708) + 1/2 ln(1/2 / 0.11920292) = 0.43378083.
    const std::vector<float> policy = {0.0f, 0.0f, 2.0f, 0.0f};
    const std::vector<float> full = {0.0f, static_cast<float>(std::log(3.0)), 0.0f, 0.0f};
    const std::vector<int32_t> targets = {1, 0};
    auto result = compareNextTokens(policy, full, targets, 2);
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message().c_str());
    QCOMPARE(result->size(), size_t{2});
    // ln 3 rounded to float moves the row-0 figures by under 1e-7.
    constexpr double kTolerance = 1e-6;
    const TokenDivergence& a = (*result)[0];
    QVERIFY(std::fabs(a.logP - -0.69314718) < kTolerance);
    QVERIFY(std::fabs(a.logPFull - -0.28768207) < kTolerance);
    QVERIFY(std::fabs(a.deltaLogP - -0.40546511) < kTolerance);
    QVERIFY(std::fabs(a.klFromFull - 0.13081204) < kTolerance);
    const TokenDivergence& b = (*result)[1];
    QVERIFY(std::fabs(b.logP - -0.12692801) < kTolerance);
    QVERIFY(std::fabs(b.logPFull - -0.69314718) < kTolerance);
    QVERIFY(std::fabs(b.deltaLogP - 0.56621917) < kTolerance);
    QVERIFY(std::fabs(b.klFromFull - 0.43378083) < kTolerance);
}

void TestTokenDivergence::largeLogitsAreShifted() {
    // Row 1 of handWorkedRows moved by +1000 (policy) and -1000 (full): a
    // naive exp would overflow or underflow to log(0).
    const std::vector<float> policy = {1002.0f, 1000.0f};
    const std::vector<float> full = {-1000.0f, -1000.0f};
    const std::vector<int32_t> targets = {0};
    auto result = compareNextTokens(policy, full, targets, 2);
    QVERIFY(result.ok());
    QVERIFY(std::fabs((*result)[0].deltaLogP - 0.56621917) < 1e-6);
    QVERIFY(std::fabs((*result)[0].klFromFull - 0.43378083) < 1e-6);
}

void TestTokenDivergence::identicalRowsAreZero() {
    const std::vector<float> row = {0.3f, -1.7f, 2.2f, 0.9f, -0.4f};
    const std::vector<int32_t> targets = {2};
    auto result = compareNextTokens(row, row, targets, 5);
    QVERIFY(result.ok());
    QCOMPARE((*result)[0].deltaLogP, 0.0);
    QCOMPARE((*result)[0].klFromFull, 0.0);
    QCOMPARE((*result)[0].logP, (*result)[0].logPFull);
    QVERIFY((*result)[0].logP < 0);
    // No targets: no rows, no error.
    auto empty = compareNextTokens({}, {}, {}, 5);
    QVERIFY(empty.ok());
    QVERIFY(empty->empty());
}

void TestTokenDivergence::malformedInputIsRefused() {
    const std::vector<float> four = {0, 0, 0, 0};
    const std::vector<float> two = {0, 0};
    const std::vector<int32_t> targets = {1, 0};
    auto shortFull = compareNextTokens(four, two, targets, 2);
    QVERIFY(!shortFull.ok());
    QVERIFY(shortFull.error().message().find("full precision 2") != std::string::npos);
    auto badTarget = compareNextTokens(four, four, std::vector<int32_t>{1, 2}, 2);
    QVERIFY(!badTarget.ok());
    QVERIFY(badTarget.error().message().find("token 2") != std::string::npos);
    auto negative = compareNextTokens(four, four, std::vector<int32_t>{-1, 0}, 2);
    QVERIFY(!negative.ok());
    auto noVocab = compareNextTokens({}, {}, {}, 0);
    QVERIFY(!noVocab.ok());
    QVERIFY(noVocab.error().message().find("vocabulary") != std::string::npos);
}

QTEST_APPLESS_MAIN(TestTokenDivergence)
#include "tst_token_divergence.moc"
