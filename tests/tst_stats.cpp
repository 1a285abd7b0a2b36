// SPDX-License-Identifier: MIT
// Medians, quantiles and the alternating schedule of core/util/stats.h:
// quantiles against values worked by hand (linear interpolation between
// order statistics, numpy's default), the schedule's balance (every arm's
// positions in a round have the same mean, every arm leads some round), and
// its purpose: under a simulated clock that slows down steadily, two identical
// arms measure exactly 1 while a plain A-then-B order does not.
#include "core/util/stats.h"

#include <QtTest>

#include <cmath>
#include <map>

using namespace dash;

class TestStats : public QObject {
    Q_OBJECT
private slots:
    void medianAndQuantiles();
    void emptySampleIsNaN();
    void scheduleIsMirroredAndRotates();
    void identicalArmsUnderDriftMeasureOne();
    void speedupOfAFasterArm();
    void errorsAndCancellationStop();
    void controlTolerance();
};

void TestStats::medianAndQuantiles() {
    QCOMPARE(median({3.0, 1.0, 2.0}), 2.0);
    QCOMPARE(median({4.0, 1.0, 3.0, 2.0}), 2.5);
    QCOMPARE(median({7.0}), 7.0);
    // 1..9 shuffled: q = 0.25 sits on rank 2 (value 3), q = 0.75 on rank 6 (7).
    const std::vector<double> nine = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    const Summary s = summarize(nine);
    QCOMPARE(s.count, size_t(9));
    QCOMPARE(s.min, 1.0);
    QCOMPARE(s.max, 9.0);
    QCOMPARE(s.median, 5.0);
    QCOMPARE(s.q1, 3.0);
    QCOMPARE(s.q3, 7.0);
    QCOMPARE(s.iqr(), 4.0);
    // {10, 20, 30, 40}: q = 0.25 at position 0.75 -> 10 + 0.75 * 10 = 17.5.
    QCOMPARE(quantile({40, 10, 30, 20}, 0.25), 17.5);
    QCOMPARE(quantile({40, 10, 30, 20}, 0.75), 32.5);
    QCOMPARE(quantile({40, 10, 30, 20}, 0.0), 10.0);
    QCOMPARE(quantile({40, 10, 30, 20}, 1.0), 40.0);
}

void TestStats::emptySampleIsNaN() {
    QVERIFY(std::isnan(median({})));
    const Summary s = summarize({});
    QCOMPARE(s.count, size_t(0));
    QVERIFY(std::isnan(s.median) && std::isnan(s.min) && std::isnan(s.q3));
    QCOMPARE(pairedSpeedup({}, {}).count, size_t(0));
}

void TestStats::scheduleIsMirroredAndRotates() {
    QCOMPARE(alternationOrder(2, 0), (std::vector<int>{0, 1, 1, 0}));
    QCOMPARE(alternationOrder(3, 0), (std::vector<int>{0, 1, 2, 2, 1, 0}));
    QCOMPARE(alternationOrder(3, 1), (std::vector<int>{1, 2, 0, 0, 2, 1}));
    for (int arms = 1; arms <= 5; ++arms) {
        std::map<int, int> leads;
        for (int round = 0; round < arms; ++round) {
            const std::vector<int> order = alternationOrder(arms, round);
            QCOMPARE(order.size(), size_t(2 * arms));
            std::map<int, int> positionSum, count;
            for (size_t p = 0; p < order.size(); ++p) {
                positionSum[order[p]] += static_cast<int>(p);
                ++count[order[p]];
            }
            for (int a = 0; a < arms; ++a) {
                QCOMPARE(count[a], 2);
                QCOMPARE(positionSum[a], 2 * arms - 1); // mean position (2 arms - 1) / 2
            }
            ++leads[order.front()];
        }
        QCOMPARE(int(leads.size()), arms);
    }
}

void TestStats::identicalArmsUnderDriftMeasureOne() {
    // Run k (counted over the whole schedule) takes 1 + 0.01 k seconds: the
    // machine slows down steadily. Every arm does the same work.
    int k = 0;
    auto drifting = [&](int) -> Expected<double> { return 1.0 + 0.01 * k++; };
    AlternationOptions o;
    o.rounds = 4;
    auto seconds = runAlternating(3, drifting, o);
    QVERIFY(seconds.ok());
    QCOMPARE(int(seconds->size()), 3);
    for (const auto& arm : *seconds)
        QCOMPARE(arm.size(), size_t(8));
    QCOMPARE(k, 3 * 2 * 5); // one warm-up round and four measured ones
    for (int a = 1; a < 3; ++a) {
        const Summary s = pairedSpeedup((*seconds)[0], (*seconds)[static_cast<size_t>(a)]);
        QCOMPARE(s.count, size_t(4));
        QVERIFY2(std::fabs(s.median - 1.0) < 1e-12, qPrintable(QString::number(s.median, 'g', 17)));
        QVERIFY(std::fabs(s.min - 1.0) < 1e-12 && std::fabs(s.max - 1.0) < 1e-12);
    }
    // The same drift with A then B (no mirror) makes B look slower.
    const double a = 1.00 + 1.01, b = 1.02 + 1.03;
    QVERIFY(pairedSpeedup({1.00, 1.01}, {1.02, 1.03}).median == a / b && a / b < 0.99);
}

void TestStats::speedupOfAFasterArm() {
    // Arm 1 does the same work in half the time, arm 0 is the baseline.
    auto run = [](int arm) -> Expected<double> { return arm == 0 ? 0.2 : 0.1; };
    AlternationOptions o;
    o.rounds = 3;
    o.warmupRounds = 0;
    auto seconds = runAlternating(2, run, o);
    QVERIFY(seconds.ok());
    const Summary s = pairedSpeedup((*seconds)[0], (*seconds)[1]);
    QCOMPARE(s.count, size_t(3));
    QCOMPARE(s.median, 2.0);
    const Summary r = rates((*seconds)[1], 64.0);
    QCOMPARE(r.count, size_t(6));
    QCOMPARE(r.median, 640.0);
}

void TestStats::errorsAndCancellationStop() {
    int runs = 0;
    auto failing = [&](int arm) -> Expected<double> {
        ++runs;
        if (arm == 1)
            return invalidError("arm 1 broke");
        return 0.1;
    };
    auto r = runAlternating(2, failing, {});
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromStdString(r.error().message()), QStringLiteral("arm 1 broke"));
    QVERIFY(runs <= 2);

    CancelToken cancel;
    int calls = 0;
    AlternationOptions o;
    o.cancel = &cancel;
    auto cancelling = [&](int) -> Expected<double> {
        if (++calls == 3)
            cancel.cancel();
        return 0.1;
    };
    auto c = runAlternating(2, cancelling, o);
    QVERIFY(!c.ok());
    QVERIFY(c.error().code() == ErrorCode::Cancelled);
    QCOMPARE(calls, 3);

    QVERIFY(!runAlternating(0, cancelling, {}).ok());
    AlternationOptions none;
    none.rounds = 0;
    QVERIFY(!runAlternating(2, cancelling, none).ok());
}

void TestStats::controlTolerance() {
    QVERIFY(controlWithinTolerance(1.0));
    QVERIFY(controlWithinTolerance(1.049));
    QVERIFY(controlWithinTolerance(0.951));
    QVERIFY(!controlWithinTolerance(1.06));
    QVERIFY(!controlWithinTolerance(0.94));
    QVERIFY(!controlWithinTolerance(std::nan("")));
}

QTEST_APPLESS_MAIN(TestStats)
#include "tst_stats.moc"
