// SPDX-License-Identifier: MIT
// DASH calibration: the accumulator recovers known scales from synthetic
// layers (y = a·x + noise), calibrate() finds alpha = 1 and cos = 1 for a layer
// made an identity, and calibration files round-trip and reject malformed
// contents with a reason.
#include "test_support.h"
#include "tiny_model.h"

#include "core/dash/alpha_tuning.h"
#include "core/dash/calibration.h"
#include "core/engine/engine.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>

using namespace dash;

namespace {

constexpr int32_t kDim = 64;
constexpr int64_t kTokens = 4000;

struct Synthetic {
    std::vector<float> x, y; // [kTokens][kDim]
};

// y = a ⊙ x + noise, x ~ N(0, 1) per channel, noise ~ N(0, sigma²).
Synthetic synthesize(const std::vector<double>& a, double sigma, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    Synthetic s;
    for (int64_t t = 0; t < kTokens; ++t) {
        for (int32_t c = 0; c < kDim; ++c) {
            const double xv = normal(rng);
            const double scale = a.size() == 1 ? a[0] : a[static_cast<size_t>(c)];
            s.x.push_back(static_cast<float>(xv));
            s.y.push_back(static_cast<float>(scale * xv + sigma * normal(rng)));
        }
    }
    return s;
}

// Mean over tokens of ||y|| / ||x|| and cos(x, y), straight from the samples.
std::pair<double, double> sampleMeans(const Synthetic& s) {
    double ratio = 0, cos = 0;
    for (int64_t t = 0; t < kTokens; ++t) {
        double xx = 0, yy = 0, xy = 0;
        for (int32_t c = 0; c < kDim; ++c) {
            const double a = s.x[static_cast<size_t>(t * kDim + c)];
            const double b = s.y[static_cast<size_t>(t * kDim + c)];
            xx += a * a;
            yy += b * b;
            xy += a * b;
        }
        ratio += std::sqrt(yy / xx);
        cos += xy / std::sqrt(xx * yy);
    }
    return {ratio / kTokens, cos / kTokens};
}

Calibration sampleCalibration() {
    Calibration c;
    c.method = AlphaMethod::LeastSquares;
    c.layers = 3;
    c.dim = 4;
    c.normRatio = {1.0, 0.93, 1.0 / 3.0};
    c.leastSquares = {0.99, -0.25, 1e-7};
    c.meanCos = {0.5, 0.875, 0.1 + 0.2};
    c.perChannel = {{1, 2, 3, 4}, {0.1f, 0.2f, 0.3f, 0.4f}, {-1, 0, 1, 1e-3f}};
    c.gamma = {{4, 3, 2, 1}, {1.5f, 2.5f, 3.5f, 4.5f}, {0, 0, 0, 7}};
    c.sequences = 12;
    c.tokens = 1536;
    c.modelSha256 = "ab12";
    c.textSha256 = "cd34";
    return c;
}

void compareCalibrations(const Calibration& a, const Calibration& b) {
    QCOMPARE(a.method, b.method);
    QCOMPARE(a.layers, b.layers);
    QCOMPARE(a.dim, b.dim);
    QCOMPARE(a.normRatio, b.normRatio);
    QCOMPARE(a.leastSquares, b.leastSquares);
    QCOMPARE(a.meanCos, b.meanCos);
    QCOMPARE(a.perChannel, b.perChannel);
    QCOMPARE(a.gamma, b.gamma);
    QCOMPARE(a.sequences, b.sequences);
    QCOMPARE(a.tokens, b.tokens);
    QCOMPARE(a.modelSha256, b.modelSha256);
    QCOMPARE(a.textSha256, b.textSha256);
}

// Parses `text` as a calibration and returns the error message ("" when it loads).
QString loadError(const std::string& text) {
    auto json = Json::parse(text);
    if (!json.ok())
        return QString::fromStdString(json.error().message());
    auto c = Calibration::fromJson(*json);
    return c.ok() ? QString() : QString::fromStdString(c.error().message());
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    if (at == std::string::npos)
        qFatal("'%s' not found", from.c_str());
    return text.replace(at, from.size(), to);
}

} // namespace

class TestCalibration : public QObject {
    Q_OBJECT

private slots:
    void recoversScalarAlpha();
    void recoversPerChannelAlpha();
    void batchesAddUp();
    void compensationFollowsMethod();
    void identityLayerOnTinyModel();
    void calibrateErrorsAndCancel();
    void jsonRoundTrip();
    void malformedJson_data();
    void malformedJson();
    void alphaNone();
    void tunedAlphaMethod();
};

// Layer 0: y = 0.7 x + noise; layer 1: y = -0.5 x + noise. For large dim
// ||y|| / ||x|| concentrates at sqrt(a² + sigma²) (|a| scaled up by the noise),
// least squares is unbiased for a, and cos(x, y) ≈ a / sqrt(a² + sigma²).
void TestCalibration::recoversScalarAlpha() {
    const double sigma = 0.05;
    CalibrationAccumulator acc(2, kDim);
    const std::vector<double> as = {0.7, -0.5};
    std::vector<std::pair<double, double>> means;
    for (int32_t layer = 0; layer < 2; ++layer) {
        const Synthetic s = synthesize({as[static_cast<size_t>(layer)]}, sigma, 100 + layer);
        acc.add(layer, s.x.data(), s.y.data(), kTokens);
        means.push_back(sampleMeans(s));
    }
    const Calibration c = acc.finish(AlphaMethod::NormRatio);
    QCOMPARE(c.layers, 2);
    QCOMPARE(c.dim, kDim);
    QCOMPARE(c.tokens, kTokens);
    for (int32_t layer = 0; layer < 2; ++layer) {
        const auto l = static_cast<size_t>(layer);
        const double a = as[l];
        const double scaled = std::sqrt(a * a + sigma * sigma);
        QVERIFY2(std::fabs(c.normRatio[l] - scaled) < 2e-3,
                 qPrintable(QString::number(c.normRatio[l])));
        QVERIFY(std::fabs(c.leastSquares[l] - a) < 2e-3);
        QVERIFY(std::fabs(c.meanCos[l] - a / scaled) < 2e-3);
        // And exactly the sample means (the accumulator's arithmetic).
        QVERIFY(std::fabs(c.normRatio[l] - means[l].first) < 1e-9);
        QVERIFY(std::fabs(c.meanCos[l] - means[l].second) < 1e-9);
        // Per channel, each channel sees the same a.
        for (float v : c.perChannel[l])
            QVERIFY(std::fabs(v - a) < 0.02);
    }
}

// A different a per channel: the per-channel fit recovers the vector (the
// scalar fits cannot), and gamma is the per-channel fit.
void TestCalibration::recoversPerChannelAlpha() {
    std::vector<double> a(kDim);
    for (int32_t c = 0; c < kDim; ++c)
        a[static_cast<size_t>(c)] = -1.0 + 2.5 * c / (kDim - 1);
    const Synthetic s = synthesize(a, 0.02, 7);
    CalibrationAccumulator acc(1, kDim);
    acc.add(0, s.x.data(), s.y.data(), kTokens);
    const Calibration c = acc.finish(AlphaMethod::PerChannel);
    double worst = 0;
    for (int32_t ch = 0; ch < kDim; ++ch)
        worst = std::max(worst, std::fabs(c.perChannel[0][static_cast<size_t>(ch)] -
                                          a[static_cast<size_t>(ch)]));
    QVERIFY2(worst < 2e-3, qPrintable(QString::number(worst)));
    QCOMPARE(c.gamma[0], c.perChannel[0]);
    // Least squares over all channels: Σ a_c E[x_c²] / Σ E[x_c²] = mean of a.
    double meanA = 0;
    for (double v : a)
        meanA += v / kDim;
    QVERIFY(std::fabs(c.leastSquares[0] - meanA) < 0.02);
    const Compensation comp = c.compensation();
    QCOMPARE(comp.alpha.size(), size_t{1});
    QCOMPARE(comp.alpha[0], c.perChannel[0]);
}

// Adding tokens in batches gives the same sums as adding them at once, and
// layers accumulate independently.
void TestCalibration::batchesAddUp() {
    const Synthetic s = synthesize({0.9}, 0.1, 3);
    CalibrationAccumulator once(2, kDim), split(2, kDim);
    once.add(1, s.x.data(), s.y.data(), kTokens);
    for (int64_t t = 0; t < kTokens; t += 1000)
        split.add(1, s.x.data() + t * kDim, s.y.data() + t * kDim, 1000);
    const Calibration a = once.finish(AlphaMethod::NormRatio);
    const Calibration b = split.finish(AlphaMethod::NormRatio);
    QVERIFY(std::fabs(a.normRatio[1] - b.normRatio[1]) < 1e-12);
    QVERIFY(std::fabs(a.leastSquares[1] - b.leastSquares[1]) < 1e-12);
    QVERIFY(std::fabs(a.meanCos[1] - b.meanCos[1]) < 1e-12);
    // Layer 0 saw nothing: neutral values (identity compensation).
    QCOMPARE(a.normRatio[0], 1.0);
    QCOMPARE(a.leastSquares[0], 1.0);
    QCOMPARE(a.perChannel[0], std::vector<float>(kDim, 1.0f));
}

void TestCalibration::compensationFollowsMethod() {
    Calibration c = sampleCalibration();
    c.method = AlphaMethod::NormRatio;
    QCOMPARE(c.compensation().alpha[1], std::vector<float>{0.93f});
    c.method = AlphaMethod::LeastSquares;
    QCOMPARE(c.compensation().alpha[1], std::vector<float>{-0.25f});
    c.method = AlphaMethod::PerChannel;
    QCOMPARE(c.compensation().alpha[2], c.perChannel[2]);
    c.method = AlphaMethod::None;
    QVERIFY(c.compensation().alpha.empty());
    QVERIFY(c.checkShape(3, 4).ok());
    const Status st = c.checkShape(3, 8);
    QVERIFY(!st.ok());
    QVERIFY(QString::fromStdString(st.error().message()).contains("dim 4"));
}

// Layer 1 of a tiny model has its output projections scaled by 0, so it adds
// nothing: y = x exactly, hence every alpha = 1, gamma = 1 and cos = 1. The
// other layers do change the state, which the same numbers must show.
void TestCalibration::identityLayerOnTinyModel() {
    test::TinyModelSpec spec;
    spec.layers = 4;
    spec.seed = 21;
    spec.layerOutputScale = {1.0f, 0.0f, 1.0f, 1.0f};
    std::shared_ptr<const Model> model = test::loadTinyModel(spec);
    QVERIFY(model);
    Engine engine(model, {.threads = 2});
    std::vector<int32_t> ids;
    std::mt19937 rng(5);
    for (int i = 0; i < 200; ++i)
        ids.push_back(
            static_cast<int32_t>(rng() % static_cast<uint32_t>(model->config().vocabSize)));
    CalibrationOptions options;
    options.sequences = 4;
    options.sequenceLength = 32;
    std::vector<int64_t> progress;
    options.onProgress = [&](int64_t done, int64_t total) {
        QCOMPARE(total, int64_t{4});
        progress.push_back(done);
    };
    auto c = calibrate(engine, ids, options);
    QVERIFY(c.ok());
    QCOMPARE(progress, (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(c->sequences, int64_t{4});
    QCOMPARE(c->tokens, int64_t{4 * 32});
    QCOMPARE(engine.position(), int64_t{0});
    QVERIFY(std::fabs(c->normRatio[1] - 1.0) < 1e-12);
    QVERIFY(std::fabs(c->leastSquares[1] - 1.0) < 1e-12);
    QVERIFY(std::fabs(c->meanCos[1] - 1.0) < 1e-9);
    for (float v : c->perChannel[1])
        QCOMPARE(v, 1.0f);
    for (float v : c->gamma[1])
        QCOMPARE(v, 1.0f);
    for (size_t l : {size_t{0}, size_t{2}, size_t{3}}) {
        QVERIFY2(c->meanCos[l] < 0.999, qPrintable(QString::number(c->meanCos[l])));
        QVERIFY(std::fabs(c->leastSquares[l] - 1.0) > 1e-4);
    }
}

void TestCalibration::calibrateErrorsAndCancel() {
    test::TinyModelSpec spec;
    spec.layers = 2;
    std::shared_ptr<const Model> model = test::loadTinyModel(spec);
    QVERIFY(model);
    Engine engine(model, {.threads = 1});
    const std::vector<int32_t> ids(40, 3);
    CalibrationOptions options;
    options.sequenceLength = 48;
    auto tooShort = calibrate(engine, ids, options);
    QVERIFY(!tooShort.ok());
    QVERIFY(QString::fromStdString(tooShort.error().message()).contains("40 tokens"));

    options.sequenceLength = 16;
    options.sequences = 0;
    QVERIFY(!calibrate(engine, ids, options).ok());

    CancelToken cancel;
    cancel.cancel();
    options.sequences = 4;
    options.cancel = &cancel;
    auto cancelled = calibrate(engine, ids, options);
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.error().code(), ErrorCode::Cancelled);
    QCOMPARE(engine.position(), int64_t{0});
}

void TestCalibration::jsonRoundTrip() {
    for (AlphaMethod method : kAlphaMethods) {
        Calibration c = sampleCalibration();
        c.method = method;
        auto parsed = Json::parse(c.toJson().dump());
        QVERIFY(parsed.ok());
        auto back = Calibration::fromJson(*parsed);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message().c_str());
        compareCalibrations(*back, c);
    }
    // Through a file.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("cal.json").toStdString();
    const Calibration c = sampleCalibration();
    QVERIFY(saveJsonFile(path, c.toJson()).ok());
    auto loaded = loadCalibration(path);
    QVERIFY(loaded.ok());
    compareCalibrations(*loaded, c);
    // A broken file names itself.
    {
        std::ofstream out(path, std::ios::trunc);
        out << "{\"format\": \"dash-calibration\", \"version\": 1";
    }
    auto broken = loadCalibration(path);
    QVERIFY(!broken.ok());
    QVERIFY(QString::fromStdString(broken.error().message()).contains("cal.json"));
}

void TestCalibration::malformedJson_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    // Whole numbers held as doubles are written with ".0" ("1.0").
    const std::string good = sampleCalibration().toJson().dump();
    auto row = [](const char* name, const std::string& text, const char* reason) {
        QTest::newRow(name) << QString::fromStdString(text) << QString::fromLatin1(reason);
    };
    row("wrong format", replaced(good, "\"dash-calibration\"", "\"dash-policy\""), "format");
    row("no format", replaced(good, "\"format\":", "\"formats\":"), "format");
    row("future version", replaced(good, "\"version\":1", "\"version\":2"), "version 2");
    row("unknown method", replaced(good, "\"least-squares\"", "\"median\""), "median");
    row("norm_ratio too short", replaced(good, "\"norm_ratio\":[1.0,", "\"norm_ratio\":["),
        "norm_ratio");
    row("per_channel row too long",
        replaced(good, "\"per_channel\":[[1.0,2.0,3.0,4.0]",
                 "\"per_channel\":[[1.0,2.0,3.0,4.0,5.0]"),
        "per_channel");
    row("gamma missing a row", replaced(good, "\"gamma\":[[4.0,3.0,2.0,1.0],", "\"gamma\":["),
        "gamma");
    row("NaN written as null", replaced(good, "\"mean_cos\":[0.5", "\"mean_cos\":[null"),
        "mean_cos");
    row("a string for a number", replaced(good, "\"gamma\":[[4.0", "\"gamma\":[[\"4\""), "gamma");
    row("NaN literal", replaced(good, "\"mean_cos\":[0.5", "\"mean_cos\":[NaN"), "");
    row("layers out of range", replaced(good, "\"layers\":3", "\"layers\":-3"), "layers");
    row("not an object", "[1, 2, 3]", "format");
}

void TestCalibration::malformedJson() {
    QFETCH(QString, text);
    QFETCH(QString, reason);
    const QString error = loadError(text.toStdString());
    QVERIFY2(!error.isEmpty(), "malformed calibration accepted");
    QVERIFY2(error.contains(reason), qPrintable(error));
}

// "none": parsed, named, and the engine then passes a skipped layer's input
// on unchanged (the same logits as with an explicit alpha of 1).
void TestCalibration::alphaNone() {
    auto none = parseAlphaMethod("none");
    QVERIFY(none.ok());
    QCOMPARE(*none, AlphaMethod::None);
    QCOMPARE(std::string(alphaMethodName(AlphaMethod::None)), std::string("none"));
    auto bad = parseAlphaMethod("nothing");
    QVERIFY(!bad.ok());
    QVERIFY(QString::fromStdString(bad.error().message()).contains("none"));

    test::TinyModelSpec spec;
    spec.layers = 3;
    spec.seed = 4;
    auto model = test::loadTinyModel(spec);
    QVERIFY(model);
    Engine engine(model, EngineOptions{.threads = 1});
    const std::vector<int32_t> ids = {1, 5, 9, 12, 7, 3};
    class SkipOne : public LayerController {
    public:
        void beginPass(const PassInfo&) override {}
        void beforeLayer(int32_t layer, const float*, int64_t n, LayerState* s) override {
            std::fill(s, s + n, layer == 1 ? LayerState::Skip : LayerState::Full);
        }
        void afterLayer(int32_t, const float*, int64_t) override {}
        void endPass() override {}
    } skip;
    ForwardOptions fo;
    fo.controller = &skip;
    Calibration c = sampleCalibration();
    c.method = AlphaMethod::None;
    QVERIFY(engine.setCompensation(c.compensation()).ok());
    auto a = engine.forward(ids, fo);
    QVERIFY(a.ok());
    const std::vector<float> withNone(a->begin(), a->end());
    Compensation ones;
    ones.alpha.assign(3, {1.0f});
    QVERIFY(engine.setCompensation(ones).ok());
    engine.reset();
    auto b = engine.forward(ids, fo);
    QVERIFY(b.ok());
    QCOMPARE(std::vector<float>(b->begin(), b->end()), withNone);
}

// On a model whose near-identity layer shrinks the state (output projections
// scaled to 0.01 and RMS-normalised blocks), each method is scored on held-out
// text; the chosen one has the lowest mean log-perplexity of those reported,
// and the engine is left with its compensation.
void TestCalibration::tunedAlphaMethod() {
    test::TinyModelSpec spec;
    spec.layers = 5;
    spec.seed = 31;
    spec.context = 16;
    spec.layerOutputScale = {1.0f, 1.0f, 0.05f, 1.0f, 1.0f};
    auto model = test::loadTinyModel(spec);
    QVERIFY(model);
    Engine engine(model, EngineOptions{.threads = 1});
    std::vector<int32_t> ids;
    std::mt19937 rng(5);
    for (int i = 0; i < 16 * 12; ++i)
        ids.push_back(i % 16 == 0 ? 1 : 3 + static_cast<int32_t>(rng() % 90));
    CalibrationOptions co;
    co.sequences = 6;
    co.sequenceLength = 16;
    auto calibration = calibrate(engine, std::vector<int32_t>(ids.begin(), ids.begin() + 96), co);
    QVERIFY(calibration.ok());
    const std::vector<int32_t> heldOut(ids.begin() + 96, ids.end());
    AlphaTuningOptions ao;
    ao.ratios = {1.25, 1.67};
    ao.windows.context = 16;
    int reported = 0;
    ao.onResult = [&](AlphaMethod, double, double ppl) {
        QVERIFY(std::isfinite(ppl) && ppl > 1);
        ++reported;
    };
    auto tuned = tuneAlphaMethod(engine, *calibration, heldOut, ao);
    QVERIFY2(tuned.ok(), tuned.ok() ? "" : tuned.error().message().c_str());
    QCOMPARE(reported, 8);
    QCOMPARE(tuned->methods.size(), size_t(4));
    double best = INFINITY;
    AlphaMethod argBest = AlphaMethod::NormRatio;
    for (size_t m = 0; m < tuned->methods.size(); ++m) {
        const double score = std::log(tuned->ppl[m][0]) + std::log(tuned->ppl[m][1]);
        if (score < best) {
            best = score;
            argBest = tuned->methods[m];
        }
    }
    QCOMPARE(tuned->best, argBest);
    // The scores differ between methods (alpha matters on this model).
    QVERIFY(tuned->ppl[0][1] != tuned->ppl[1][1]);
    Calibration chosen = *calibration;
    chosen.method = tuned->best;
    QCOMPARE(engine.compensation().alpha, chosen.compensation().alpha);
    // Saved with the calibration and read back.
    chosen.methodTuning = tuned->toJson();
    auto back = Calibration::fromJson(Json::parse(chosen.toJson().dump()).value());
    QVERIFY(back.ok());
    QCOMPARE(back->methodTuning["best"].asString(), std::string(alphaMethodName(tuned->best)));
    QVERIFY(
        !tuneAlphaMethod(engine, *calibration, heldOut, AlphaTuningOptions{{}, {}, {}, {}}).ok());
}

QTEST_GUILESS_MAIN(TestCalibration)
#include "tst_calibration.moc"
