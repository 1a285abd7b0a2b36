// SPDX-License-Identifier: MIT
// Next-token sampling: greedy against an argmax written here, determinism per
// seed, and the empirical distribution of many draws against probabilities the
// test computes from small hand-made logit vectors (temperature, top-k, top-p).
#include "core/engine/sampler.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace dash;

namespace {

// Index of the first maximum.
int32_t firstMax(const std::vector<float>& v) {
    int32_t best = 0;
    for (size_t i = 0; i < v.size(); ++i)
        if (v[i] > v[static_cast<size_t>(best)])
            best = static_cast<int32_t>(i);
    return best;
}

std::vector<float> randomLogits(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> normal(0.0f, 3.0f);
    std::vector<float> v(n);
    for (float& x : v)
        x = normal(rng);
    return v;
}

std::vector<int32_t> draws(SamplerOptions options, const std::vector<float>& logits, int count) {
    Sampler sampler(options);
    std::vector<int32_t> out;
    for (int i = 0; i < count; ++i)
        out.push_back(sampler.sample(logits));
    return out;
}

// Checks each token's frequency among `samples` against `expected`
// probabilities: within 5 binomial standard deviations (a false failure has
// odds below 1e-6 per token), and never a token of probability 0.
void checkFrequencies(const std::vector<int32_t>& samples, const std::vector<double>& expected) {
    std::vector<int> counts(expected.size(), 0);
    for (int32_t s : samples) {
        QVERIFY(s >= 0 && static_cast<size_t>(s) < expected.size());
        ++counts[static_cast<size_t>(s)];
    }
    const auto n = static_cast<double>(samples.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        const double p = expected[i];
        const double freq = counts[i] / n;
        if (p == 0) {
            QVERIFY2(counts[i] == 0, qPrintable(QString("token %1 is outside the allowed set but "
                                                        "was drawn %2 times")
                                                    .arg(i)
                                                    .arg(counts[i])));
            continue;
        }
        const double sigma = std::sqrt(p * (1 - p) / n);
        QVERIFY2(std::fabs(freq - p) <= 5 * sigma,
                 qPrintable(QString("token %1: frequency %2, expected %3 (sigma %4)")
                                .arg(i)
                                .arg(freq)
                                .arg(p)
                                .arg(sigma)));
    }
}

// softmax(logits / t) restricted to `allowed` and renormalised.
std::vector<double> restrictedSoftmax(const std::vector<float>& logits, double t,
                                      const std::vector<bool>& allowed) {
    std::vector<double> p(logits.size(), 0.0);
    double total = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        if (!allowed[i])
            continue;
        p[i] = std::exp(logits[i] / t);
        total += p[i];
    }
    for (double& v : p)
        v /= total;
    return p;
}

// Logits whose softmax at temperature 1 is {0.40, 0.25, 0.15, 0.12, 0.08},
// listed out of order so that sorting matters.
const std::vector<float> kHandLogits = {std::log(0.15f), std::log(0.40f), std::log(0.08f),
                                        std::log(0.25f), std::log(0.12f)};

} // namespace

class TestSampler : public QObject {
    Q_OBJECT

private slots:
    void greedyIsArgmax();
    void argmaxTakesFirstOfTies();
    void argmaxSpecialValues();
    void seededDeterminism();
    void topKOneIsGreedy();
    void temperatureDistribution();
    void topKDistribution();
    void topPNucleus();
    void topPNucleusAtTemperature();
    void invalidOptions();
};

void TestSampler::greedyIsArgmax() {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 50; ++trial) {
        const std::vector<float> logits = randomLogits(rng, 1 + static_cast<size_t>(trial) * 13);
        Sampler sampler(SamplerOptions{});
        QCOMPARE(sampler.sample(logits), firstMax(logits));
        QCOMPARE(argmax(logits), firstMax(logits));
    }
}

void TestSampler::argmaxTakesFirstOfTies() {
    const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.0f, 3.0f};
    QCOMPARE(argmax(logits), 1);
    Sampler sampler(SamplerOptions{});
    QCOMPARE(sampler.sample(logits), 1);
}

// NaNs, infinities, signed zeros and ties at every length up to 70 (past the
// lanes of the fast path and its tail), against the one-comparison-chain loop.
void TestSampler::argmaxSpecialValues() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> pool = {nan, inf, -inf, 0.0f, -0.0f, 1.0f, 1.0f, -1.0f, 2.5f};
    std::mt19937 rng(3);
    std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
    for (size_t n = 0; n <= 70; ++n) {
        for (int trial = 0; trial < 40; ++trial) {
            std::vector<float> v(n);
            for (float& x : v)
                x = pool[pick(rng)];
            QCOMPARE(argmax(v), firstMax(v));
        }
    }
    QCOMPARE(argmax(std::vector<float>{nan, 5.0f, 7.0f}), 0);
    QCOMPARE(argmax(std::vector<float>{-0.0f, 0.0f, -1.0f}), 0);
    std::vector<float> late(40, -inf);
    late[37] = nan;
    late[38] = -3.0f;
    QCOMPARE(argmax(late), 38);
}

void TestSampler::seededDeterminism() {
    std::mt19937 rng(11);
    const std::vector<float> logits = randomLogits(rng, 64);
    SamplerOptions a;
    a.temperature = 1.0f;
    a.seed = 1234;
    const std::vector<int32_t> first = draws(a, logits, 300);
    QCOMPARE(draws(a, logits, 300), first);
    // The draws are not all one token (otherwise the seed could not matter).
    QVERIFY(std::count(first.begin(), first.end(), first[0]) < 300);
    SamplerOptions b = a;
    b.seed = 1235;
    QVERIFY(draws(b, logits, 300) != first);
    b.seed = 0;
    QVERIFY(draws(b, logits, 300) != first);
}

void TestSampler::topKOneIsGreedy() {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        const std::vector<float> logits = randomLogits(rng, 100);
        SamplerOptions o;
        o.temperature = 1.5f;
        o.topK = 1;
        o.seed = static_cast<uint64_t>(trial);
        for (int32_t id : draws(o, logits, 50))
            QCOMPARE(id, firstMax(logits));
    }
}

void TestSampler::temperatureDistribution() {
    for (float t : {1.0f, 0.5f, 2.0f}) {
        SamplerOptions o;
        o.temperature = t;
        o.seed = 99;
        checkFrequencies(draws(o, kHandLogits, 40000),
                         restrictedSoftmax(kHandLogits, t, std::vector<bool>(5, true)));
        if (QTest::currentTestFailed())
            return;
    }
}

void TestSampler::topKDistribution() {
    SamplerOptions o;
    o.temperature = 1.0f;
    o.topK = 2;
    o.seed = 5;
    // The two largest logits are ids 1 (0.40) and 3 (0.25).
    checkFrequencies(draws(o, kHandLogits, 40000),
                     restrictedSoftmax(kHandLogits, 1.0, {false, true, false, true, false}));
}

void TestSampler::topPNucleus() {
    // Sorted probabilities 0.40, 0.25, 0.15, ...: cumulative 0.40, 0.65, 0.80.
    // top-p 0.7 keeps the smallest prefix reaching 0.7: ids 1, 3 and 0.
    SamplerOptions o;
    o.temperature = 1.0f;
    o.topP = 0.7f;
    o.seed = 17;
    checkFrequencies(draws(o, kHandLogits, 40000),
                     restrictedSoftmax(kHandLogits, 1.0, {true, true, false, true, false}));
    if (QTest::currentTestFailed())
        return;
    // top-p below the largest probability keeps the top token only.
    o.topP = 0.3f;
    for (int32_t id : draws(o, kHandLogits, 200))
        QCOMPARE(id, 1);
}

void TestSampler::topPNucleusAtTemperature() {
    // At temperature 2 the probabilities flatten (∝ p^0.5): 0.294, 0.233, 0.180,
    // 0.161, 0.132; cumulative 0.294, 0.527, 0.707. The nucleus is taken over
    // these tempered probabilities: top-p 0.6 keeps ids 1, 3 and 0.
    std::vector<double> flat(5);
    double total = 0;
    for (size_t i = 0; i < 5; ++i)
        total += flat[i] = std::exp(kHandLogits[i] / 2.0);
    std::vector<size_t> order = {0, 1, 2, 3, 4};
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return flat[a] > flat[b]; });
    std::vector<bool> allowed(5, false);
    double mass = 0;
    for (size_t i : order) {
        allowed[i] = true;
        mass += flat[i] / total;
        if (mass >= 0.6)
            break;
    }
    QCOMPARE(std::count(allowed.begin(), allowed.end(), true), 3);
    SamplerOptions o;
    o.temperature = 2.0f;
    o.topP = 0.6f;
    o.seed = 23;
    checkFrequencies(draws(o, kHandLogits, 40000), restrictedSoftmax(kHandLogits, 2.0, allowed));
}

void TestSampler::invalidOptions() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    QVERIFY(SamplerOptions{}.validate().ok());
    QVERIFY((SamplerOptions{0.7f, 0.9f, 40, 1}).validate().ok());
    QVERIFY((SamplerOptions{1.0f, 1.0f, 0, 1}).validate().ok());

    const std::vector<std::pair<SamplerOptions, const char*>> bad = {
        {{-0.5f, 1.0f, 0, 0}, "temperature"}, {{nan, 1.0f, 0, 0}, "temperature"},
        {{inf, 1.0f, 0, 0}, "temperature"},   {{1.0f, 0.0f, 0, 0}, "top-p"},
        {{1.0f, 1.5f, 0, 0}, "top-p"},        {{1.0f, -0.1f, 0, 0}, "top-p"},
        {{1.0f, nan, 0, 0}, "top-p"},         {{1.0f, 1.0f, -1, 0}, "top-k"},
    };
    for (const auto& [options, field] : bad) {
        const Status st = options.validate();
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code(), ErrorCode::Invalid);
        QVERIFY2(st.error().message().find(field) != std::string::npos,
                 st.error().message().c_str());
    }
}

QTEST_GUILESS_MAIN(TestSampler)
#include "tst_sampler.moc"
