// SPDX-License-Identifier: MIT
// The differentiable reference of the transformer: with one-hot state mixtures
// its logits are the engine's (full precision and skip with compensation; the
// engine's INT8 kernels round activations to 7 bits, so there only closely),
// and its backward pass agrees with central finite differences in double for
// every (token, layer, state) mixture weight of mixed, non-one-hot passes, on
// a llama model and on a qwen2 model (q/k/v biases, half-split RoPE).
#include "tiny_model.h"

#include "core/dash/differentiable_model.h"
#include "core/dash/state_table.h"
#include "core/engine/engine.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace dash;

namespace {

constexpr int32_t kLayers = 3;
const std::vector<int32_t> kTokens = {1, 17, 4, 60, 33, 8};

std::shared_ptr<Model> tinyModel(const std::string& arch) {
    test::TinyModelSpec spec;
    spec.arch = arch;
    spec.layers = kLayers;
    spec.seed = 12;
    spec.context = 16;
    return test::loadTinyModel(spec);
}

// A per-channel alpha for every layer (values near 1).
Compensation channelAlpha(int32_t dim) {
    Compensation c;
    for (int32_t l = 0; l < kLayers; ++l) {
        std::vector<float> a;
        for (int32_t k = 0; k < dim; ++k)
            a.push_back(0.9f + 0.01f * static_cast<float>((k * 7 + l) % 20));
        c.alpha.push_back(a);
    }
    return c;
}

double relativeL2(const std::vector<double>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return std::sqrt(num / den);
}

} // namespace

class TestDifferentiableModel : public QObject {
    Q_OBJECT

private slots:
    void matchesEngine_data();
    void matchesEngine();
    void gradientsMatchFiniteDifferences_data();
    void gradientsMatchFiniteDifferences();
};

void TestDifferentiableModel::matchesEngine_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("int8");
    QTest::newRow("llama") << "llama" << false;
    QTest::newRow("qwen2") << "qwen2" << false;
    QTest::newRow("llama int8") << "llama" << true;
}

// One-hot mixtures: a pattern of skip (and INT8) states per token and layer,
// run by the engine through a state table and by the float reference.
void TestDifferentiableModel::matchesEngine() {
    QFETCH(QString, arch);
    QFETCH(bool, int8);
    auto model = tinyModel(arch.toStdString());
    QVERIFY(model);
    const int32_t dim = model->config().dim;
    const Compensation alpha = channelAlpha(dim);
    auto reference = DifferentiableModel<float>::create(*model, alpha, int8, false, 32);
    QVERIFY2(reference.ok(), reference.ok() ? "" : reference.error().message().c_str());

    const auto n = static_cast<int64_t>(kTokens.size());
    StateTable table(n, kLayers);
    for (int64_t t = 0; t < n; ++t)
        for (int32_t l = 1; l < kLayers; ++l)
            table.at(t, l) = (t + l) % 3 == 0           ? LayerState::Skip
                             : (t + l) % 3 == 1 && int8 ? LayerState::Int8
                                                        : LayerState::Full;
    Engine engine(model, EngineOptions{.threads = 1});
    QVERIFY(engine.setCompensation(alpha).ok());
    if (int8)
        QVERIFY(engine.enableQuantizedStates(32).ok());
    StateTableController controller(table);
    ForwardOptions fo;
    fo.allLogits = true;
    fo.controller = &controller;
    auto engineLogits = engine.forward(kTokens, fo);
    QVERIFY(engineLogits.ok());

    DifferentiableModel<float>::Pass pass;
    const std::vector<float> logits = reference->forward(
        kTokens,
        [&](int32_t layer, const float*, const float*, float* mix) {
            for (int64_t t = 0; t < n; ++t)
                mix[t * kStateCount + stateIndex(table.at(t, layer))] = 1.0f;
        },
        false, pass);
    const std::vector<double> a(logits.begin(), logits.end());
    const std::vector<double> b(engineLogits->begin(), engineLogits->end());
    QCOMPARE(a.size(), b.size());
    const double error = relativeL2(a, b);
    // Full precision and skip: float rounding only. INT8: the engine's 7-bit
    // activations.
    QVERIFY2(error < (int8 ? 3e-2 : 1e-5), qPrintable(QString("relative L2 %1").arg(error)));
    if (int8) {
        QVERIFY(error > 1e-7); // the activation rounding is there
    }
}

void TestDifferentiableModel::gradientsMatchFiniteDifferences_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("llama") << "llama";
    QTest::newRow("qwen2") << "qwen2";
}

// L = Σ c ⊙ logits with fixed random c, mixtures random over all four states
// (so every path, K/V mixing included, carries weight). dL/dy from backward()
// against (L(y + h) - L(y - h)) / 2h for every entry.
void TestDifferentiableModel::gradientsMatchFiniteDifferences() {
    QFETCH(QString, arch);
    auto model = tinyModel(arch.toStdString());
    QVERIFY(model);
    const int32_t dim = model->config().dim;
    const int32_t vocab = model->config().vocabSize;
    auto reference = DifferentiableModel<double>::create(*model, channelAlpha(dim), true, true, 32);
    QVERIFY2(reference.ok(), reference.ok() ? "" : reference.error().message().c_str());
    const auto n = static_cast<int64_t>(kTokens.size());
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> uniform(0.05, 1.0);
    std::vector<double> mixture(static_cast<size_t>(n) * kLayers * kStateCount);
    for (size_t i = 0; i < mixture.size(); i += kStateCount) {
        double sum = 0;
        for (int s = 0; s < kStateCount; ++s)
            sum += mixture[i + static_cast<size_t>(s)] = uniform(rng);
        for (int s = 0; s < kStateCount; ++s)
            mixture[i + static_cast<size_t>(s)] /= sum;
    }
    std::vector<double> c(static_cast<size_t>(n) * vocab);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (double& v : c)
        v = normal(rng);
    auto mixFn = [&](int32_t layer, const double*, const double*, double* mix) {
        for (int64_t t = 0; t < n; ++t)
            for (int s = 0; s < kStateCount; ++s)
                mix[t * kStateCount + s] =
                    mixture[(static_cast<size_t>(t) * kLayers + static_cast<size_t>(layer)) *
                                kStateCount +
                            static_cast<size_t>(s)];
    };
    DifferentiableModel<double>::Pass pass;
    auto loss = [&]() {
        const std::vector<double> logits = reference->forward(kTokens, mixFn, true, pass);
        double l = 0;
        for (size_t i = 0; i < logits.size(); ++i)
            l += c[i] * logits[i];
        return l;
    };
    loss();
    std::vector<double> dMix, dHidden;
    reference->backward(pass, c, dMix, &dHidden);
    QCOMPARE(dMix.size(), mixture.size());
    QCOMPARE(dHidden.size(), static_cast<size_t>(kLayers) * n * dim);
    double worst = 0, largest = 0;
    for (size_t i = 0; i < mixture.size(); ++i) {
        const double keep = mixture[i];
        const double h = 1e-6;
        mixture[i] = keep + h;
        const double up = loss();
        mixture[i] = keep - h;
        const double down = loss();
        mixture[i] = keep;
        const double numeric = (up - down) / (2 * h);
        worst = std::max(worst, std::fabs(numeric - dMix[i]) / (1.0 + std::fabs(numeric)));
        largest = std::max(largest, std::fabs(numeric));
    }
    QVERIFY2(worst < 1e-6, qPrintable(QString("worst relative error %1").arg(worst)));
    QVERIFY(largest > 1e-2); // the check compared gradients that are not all zero

    // dHidden (the gradient w.r.t. each layer's input) is what the mixture
    // gradients above are built from; here only its shape and finiteness.
    double norm = 0;
    for (double v : dHidden) {
        QVERIFY(std::isfinite(v));
        norm += v * v;
    }
    QVERIFY(norm > 0);
}

QTEST_GUILESS_MAIN(TestDifferentiableModel)
#include "tst_differentiable_model.moc"
