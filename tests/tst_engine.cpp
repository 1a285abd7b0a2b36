// SPDX-License-Identifier: MIT
// The CPU engine against float64 PyTorch references (demo llama model and the
// tiny qwen2 layout model): logits, top-5 ids, greedy continuations and the
// trace's cos(in, out). Then properties that need no reference: KV-cache
// consistency, trace invariants, cancellation and input errors.
#include "test_support.h"
#include "tiny_model.h"

#include "core/engine/engine.h"
#include "core/engine/generate.h"
#include "core/model/model.h"
#include "core/util/json.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace dash;

namespace {

using Ids = std::vector<int32_t>;

Ids toIds(const Json& j) {
    Ids out;
    for (int64_t v : j.toInts())
        out.push_back(static_cast<int32_t>(v));
    return out;
}

double relativeL2(std::span<const float> got, const std::vector<double>& want) {
    double diff = 0, ref = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        diff += (got[i] - want[i]) * (got[i] - want[i]);
        ref += want[i] * want[i];
    }
    return std::sqrt(diff / ref);
}

double relativeL2(std::span<const float> got, std::span<const float> want) {
    return relativeL2(got, std::vector<double>(want.begin(), want.end()));
}

// Ids of the k largest values, largest first (lower id first on ties).
Ids topK(std::span<const float> row, int k) {
    Ids ids(row.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
        return row[static_cast<size_t>(a)] > row[static_cast<size_t>(b)] ||
               (row[static_cast<size_t>(a)] == row[static_cast<size_t>(b)] && a < b);
    });
    ids.resize(static_cast<size_t>(k));
    return ids;
}

double logSumExp(std::span<const float> row) {
    double m = row[0];
    for (float v : row)
        m = std::max(m, static_cast<double>(v));
    double s = 0;
    for (float v : row)
        s += std::exp(v - m);
    return m + std::log(s);
}

QByteArray idsText(const Ids& ids) {
    QByteArray out;
    for (int32_t id : ids)
        out += QByteArray::number(id) + ' ';
    return out;
}

std::shared_ptr<const Model> loadModel(const std::string& path) {
    auto model = Model::load(path);
    if (!model.ok()) {
        qWarning("%s", model.error().message().c_str());
        return nullptr;
    }
    return std::move(model).value();
}

std::vector<float> copyOf(std::span<const float> s) {
    return {s.begin(), s.end()};
}

// Cancels `token` once layer `at` has run, keeping every layer at full precision.
class CancelAfterLayer : public LayerController {
public:
    CancelAfterLayer(CancelToken& token, int32_t at) : m_token(token), m_at(at) {}
    void beginPass(const PassInfo&) override { ++begun; }
    void beforeLayer(int32_t, const float*, int64_t count, LayerState* states) override {
        std::fill(states, states + count, LayerState::Full);
    }
    void afterLayer(int32_t layer, const float*, int64_t) override {
        if (layer == m_at)
            m_token.cancel();
    }
    void endPass() override { ++ended; }

    int begun = 0;
    int ended = 0;

private:
    CancelToken& m_token;
    int32_t m_at;
};

// A profiler that hands back made-up times: span i of a pass lasts 1000 + i ns.
// The engine's trace must carry exactly these, proving that its timing comes
// from the profiler it is given and not from clocks of its own.
class ScriptedProfiler final : public StreamProfiler {
public:
    std::string name() const override { return "scripted"; }
    Status registerStream(StreamKind, GpuStream) override { return {}; }
    Status beginPass() override {
        ++passes;
        return {};
    }
    Status endPass() override { return {}; }
    SpanMark beginSpan(const SpanTag& tag) override { return {tag, m_next++}; }
    void endSpan(const SpanMark& mark) override {
        const auto i = static_cast<int64_t>(mark.cookie);
        m_ended.push_back({mark.tag.stream, mark.tag.firstToken, mark.tag.tokenCount,
                           mark.tag.layer, 10'000 * i, 10'000 * i + 1000 + i});
    }
    Expected<std::vector<Span>> collect(int64_t) override {
        std::vector<Span> out;
        out.swap(m_ended);
        return out;
    }

    int passes = 0;

private:
    uint64_t m_next = 0;
    std::vector<Span> m_ended;
};

constexpr double kLogitTolerance = 1e-3; // relative L2, as the reference README states
constexpr double kCosTolerance = 1e-3;

} // namespace

class TestEngine : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void demoReference_data();
    void demoReference();
    void qwen2Reference_data();
    void qwen2Reference();

    void prefillMatchesDecode_data();
    void prefillMatchesDecode();
    void truncateAndRerun_data();
    void truncateAndRerun();
    void traceInvariants();
    void traceSpansComeFromTheProfiler();
    void traceDoesNotChangeLogits();
    void cancelBeforeForward();
    void cancelBetweenLayers();
    void contextOverflow();
    void outOfVocabulary();

private:
    void addCases(const std::string& path, const char* member, const std::string& model,
                  std::vector<Json>& cases);
    // Runs one reference case and compares logits, top-5, logsumexp (when the
    // case has it) and cos(in, out); greedy ids when the case has them.
    void checkCase(const std::shared_ptr<const Model>& model, const Json& c);
    std::shared_ptr<const Model> demo();
    std::shared_ptr<const Model> modelByName(const QString& name);

    std::vector<Json> m_demoCases;
    std::vector<Json> m_qwen2Cases;
    std::shared_ptr<const Model> m_demo;
    std::shared_ptr<const Model> m_qwen2;
    std::shared_ptr<const Model> m_tinyQwen2;
    std::shared_ptr<const Model> m_tinyLlama;
};

void TestEngine::initTestCase() {
    // Built in memory: the KV-cache tests run on both RoPE layouts without shared files.
    test::TinyModelSpec spec;
    spec.arch = "qwen2";
    spec.layers = 3;
    spec.context = 48;
    std::string error;
    m_tinyQwen2 = test::loadTinyModel(spec, &error);
    QVERIFY2(m_tinyQwen2, error.c_str());
    spec.arch = "llama";
    spec.weightType = TensorType::F16;
    m_tinyLlama = test::loadTinyModel(spec, &error);
    QVERIFY2(m_tinyLlama, error.c_str());
}

std::shared_ptr<const Model> TestEngine::demo() {
    if (!m_demo)
        m_demo = loadModel(test::modelPath("dash-demo-16L.gguf"));
    return m_demo;
}

std::shared_ptr<const Model> TestEngine::modelByName(const QString& name) {
    if (name == "demo")
        return demo();
    if (name == "tiny-qwen2")
        return m_tinyQwen2;
    return m_tinyLlama;
}

void TestEngine::addCases(const std::string& path, const char* member, const std::string& model,
                          std::vector<Json>& cases) {
    QTest::addColumn<int>("index");
    if (!test::filesExist({path, model})) {
        QTest::newRow(test::kMissingSharedRow) << -1;
        return;
    }
    auto json = readJsonFile(path);
    QVERIFY2(json.ok(), json.ok() ? "" : json.error().message().c_str());
    const Json* list = member ? json->find(member) : &*json;
    QVERIFY(list && list->isArray() && list->size() > 0);
    cases = list->asArray();
    for (size_t i = 0; i < cases.size(); ++i)
        QTest::newRow(cases[i]["prompt"].asString().c_str()) << static_cast<int>(i);
}

void TestEngine::checkCase(const std::shared_ptr<const Model>& model, const Json& c) {
    QVERIFY(model);
    const ModelConfig& cfg = model->config();
    const Ids ids = toIds(c["ids"]);
    const auto n = static_cast<int32_t>(ids.size());
    QVERIFY(n > 0);
    // The reference's ids are the tokenizer's ids for the prompt.
    QCOMPARE(idsText(model->tokenizer().encode(c["prompt"].asString(), true)), idsText(ids));

    Engine engine(model, EngineOptions{2, 0});
    Trace trace;
    ForwardOptions options;
    options.allLogits = true;
    options.trace = &trace;
    auto logits = engine.forward(ids, options);
    QVERIFY2(logits.ok(), logits.ok() ? "" : logits.error().message().c_str());
    const auto vocab = static_cast<size_t>(cfg.vocabSize);
    QCOMPARE(logits->size(), static_cast<size_t>(n) * vocab);
    auto row = [&](int32_t t) { return logits->subspan(static_cast<size_t>(t) * vocab, vocab); };

    const std::vector<double> last = c["last_logits"].toDoubles();
    QCOMPARE(last.size(), vocab);
    const double err = relativeL2(row(n - 1), last);
    qInfo("last-position logits: relative L2 error %.2e", err);
    QVERIFY2(err <= kLogitTolerance, qPrintable(QString("relative L2 error %1").arg(err)));

    const Json& top5 = c["top5"];
    QCOMPARE(static_cast<int32_t>(top5.size()), n);
    for (int32_t t = 0; t < n; ++t) {
        const Ids want = toIds(top5[static_cast<size_t>(t)]);
        QVERIFY2(topK(row(t), 5) == want,
                 qPrintable(QString("position %1: top-5 %2, reference %3")
                                .arg(t)
                                .arg(QString::fromLatin1(idsText(topK(row(t), 5))))
                                .arg(QString::fromLatin1(idsText(want)))));
    }

    if (const Json* lse = c.find("logsumexp")) {
        const std::vector<double> want = lse->toDoubles();
        QCOMPARE(static_cast<int32_t>(want.size()), n);
        for (int32_t t = 0; t < n; ++t)
            QVERIFY2(std::fabs(logSumExp(row(t)) - want[static_cast<size_t>(t)]) <= 1e-3,
                     qPrintable(QString("position %1: logsumexp %2, reference %3")
                                    .arg(t)
                                    .arg(logSumExp(row(t)))
                                    .arg(want[static_cast<size_t>(t)])));
    }

    const Json& cos = c["layer_cos_in_out"];
    QCOMPARE(static_cast<int32_t>(cos.size()), cfg.layers);
    QCOMPARE(trace.tokenCount(), n);
    double worstCos = 0;
    for (int32_t layer = 0; layer < cfg.layers; ++layer) {
        const std::vector<double> want = cos[static_cast<size_t>(layer)].toDoubles();
        QCOMPARE(static_cast<int32_t>(want.size()), n);
        for (int32_t t = 0; t < n; ++t) {
            const double got = trace.cosInOut[trace.cell(t, layer)];
            const double d = std::fabs(got - want[static_cast<size_t>(t)]);
            worstCos = std::max(worstCos, d);
            QVERIFY2(d <= kCosTolerance, qPrintable(QString("layer %1 token %2: cos %3, ref %4")
                                                        .arg(layer)
                                                        .arg(t)
                                                        .arg(got)
                                                        .arg(want[static_cast<size_t>(t)])));
        }
    }
    qInfo("cos(in, out): largest difference %.2e", worstCos);

    if (const Json* greedy = c.find("greedy_ids")) {
        const Ids want = toIds(*greedy);
        engine.reset();
        GenerateOptions g;
        g.maxNewTokens = static_cast<int32_t>(want.size());
        g.stopAtEos = false;
        auto r = generate(engine, ids, g);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
        QCOMPARE(idsText(r->generated), idsText(want));
        // The last sampled token is not fed back.
        QCOMPARE(engine.position(), static_cast<int64_t>(ids.size() + want.size() - 1));
    }
}

void TestEngine::demoReference_data() {
    addCases(test::modelPath("reference/logits.json"), nullptr,
             test::modelPath("dash-demo-16L.gguf"), m_demoCases);
}

void TestEngine::demoReference() {
    QFETCH(int, index);
    if (index < 0) {
        DASH_REQUIRE_FILE(test::modelPath("reference/logits.json"));
        DASH_REQUIRE_FILE(test::modelPath("dash-demo-16L.gguf"));
    }
    const Json& c = m_demoCases[static_cast<size_t>(index)];
    QVERIFY(c.find("greedy_ids"));
    checkCase(demo(), c);
}

void TestEngine::qwen2Reference_data() {
    addCases(test::modelPath("dash-tiny-qwen2.reference.json"), "logits",
             test::modelPath("dash-tiny-qwen2.gguf"), m_qwen2Cases);
}

void TestEngine::qwen2Reference() {
    QFETCH(int, index);
    if (index < 0) {
        DASH_REQUIRE_FILE(test::modelPath("dash-tiny-qwen2.reference.json"));
        DASH_REQUIRE_FILE(test::modelPath("dash-tiny-qwen2.gguf"));
    }
    if (!m_qwen2)
        m_qwen2 = loadModel(test::modelPath("dash-tiny-qwen2.gguf"));
    QVERIFY(m_qwen2);
    const ModelConfig& c = m_qwen2->config();
    QCOMPARE(c.architecture, Architecture::Qwen2);
    QCOMPARE(c.ropeLayout, RopeLayout::HalfSplit);
    QVERIFY(c.qkvBias);
    QVERIFY(c.tiedOutput);
    checkCase(m_qwen2, m_qwen2Cases[static_cast<size_t>(index)]);
}

void TestEngine::prefillMatchesDecode_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("demo") << "demo";
    QTest::newRow("tiny-qwen2") << "tiny-qwen2";
    QTest::newRow("tiny-llama-f16") << "tiny-llama";
}

// Logits of every position from one prefill equal those of feeding the same
// tokens one at a time through the KV cache (different kernels: batched
// float products for prefill, the streaming single-row kernel for decode).
void TestEngine::prefillMatchesDecode() {
    QFETCH(QString, model);
    if (model == "demo")
        DASH_REQUIRE_FILE(test::modelPath("dash-demo-16L.gguf"));
    const auto m = modelByName(model);
    QVERIFY(m);
    const Ids ids = {1, 17, 42, 5, 33, 8, 61, 2, 19, 40, 11, 27, 3, 50};
    const auto vocab = static_cast<size_t>(m->config().vocabSize);

    Engine batch(m, EngineOptions{2, 0});
    ForwardOptions all;
    all.allLogits = true;
    auto full = batch.forward(ids, all);
    QVERIFY(full.ok());
    const std::vector<float> prefill = copyOf(*full);

    Engine step(m, EngineOptions{2, 0});
    double worst = 0;
    for (size_t t = 0; t < ids.size(); ++t) {
        auto one = step.forward(std::span<const int32_t>(&ids[t], 1));
        QVERIFY(one.ok());
        QCOMPARE(one->size(), vocab);
        QCOMPARE(step.position(), static_cast<int64_t>(t + 1));
        const double err =
            relativeL2(*one, std::span<const float>(prefill.data() + t * vocab, vocab));
        worst = std::max(worst, err);
    }
    qInfo("prefill vs decode: largest relative L2 difference %.2e", worst);
    QVERIFY2(worst <= 1e-5, qPrintable(QString("relative L2 difference %1").arg(worst)));
}

void TestEngine::truncateAndRerun_data() {
    prefillMatchesDecode_data();
}

// truncate(k) keeps the first k cached tokens: re-running the suffix gives the
// full run's logits, also after a different suffix was run in between.
void TestEngine::truncateAndRerun() {
    QFETCH(QString, model);
    if (model == "demo")
        DASH_REQUIRE_FILE(test::modelPath("dash-demo-16L.gguf"));
    const auto m = modelByName(model);
    QVERIFY(m);
    const Ids ids = {1, 9, 14, 21, 7, 3, 44, 12, 30, 6, 18, 25};
    const Ids other = {55, 4, 60, 2, 13, 47, 39};
    const size_t keep = 5;
    const auto vocab = static_cast<size_t>(m->config().vocabSize);
    ForwardOptions all;
    all.allLogits = true;

    Engine engine(m, EngineOptions{2, 0});
    auto full = engine.forward(ids, all);
    QVERIFY(full.ok());
    const std::vector<float> reference = copyOf(*full);
    const std::span<const int32_t> suffix(ids.data() + keep, ids.size() - keep);
    const std::span<const float> wantSuffix(reference.data() + keep * vocab, suffix.size() * vocab);

    engine.truncate(static_cast<int64_t>(keep));
    QCOMPARE(engine.position(), static_cast<int64_t>(keep));
    auto again = engine.forward(suffix, all);
    QVERIFY(again.ok());
    QVERIFY(relativeL2(*again, wantSuffix) <= 1e-6);
    QCOMPARE(engine.position(), static_cast<int64_t>(ids.size()));

    // Overwrite the cache rows after the prefix with other tokens, then return.
    engine.truncate(static_cast<int64_t>(keep));
    auto detour = engine.forward(other, all);
    QVERIFY(detour.ok());
    QVERIFY(relativeL2(detour->subspan(0, vocab), wantSuffix.subspan(0, vocab)) > 1e-2);
    engine.truncate(static_cast<int64_t>(keep));
    auto back = engine.forward(suffix, all);
    QVERIFY(back.ok());
    QVERIFY(relativeL2(*back, wantSuffix) <= 1e-6);

    // truncate() never grows the cache.
    engine.truncate(1000);
    QCOMPARE(engine.position(), static_cast<int64_t>(ids.size()));
}

void TestEngine::traceSpansComeFromTheProfiler() {
    const auto m = m_tinyQwen2;
    const int32_t layers = m->config().layers;
    Engine engine(m, EngineOptions{1, 0});
    ScriptedProfiler profiler;
    engine.setProfiler(&profiler);
    QCOMPARE(&engine.profiler(), static_cast<StreamProfiler*>(&profiler));

    // Untraced passes do not touch the profiler.
    const Ids prompt = {1, 20, 31};
    QVERIFY(engine.forward(prompt).ok());
    QCOMPARE(profiler.passes, 0);

    engine.reset();
    Trace trace;
    ForwardOptions options;
    options.trace = &trace;
    QVERIFY(engine.forward(prompt, options).ok());
    const int32_t next = 7;
    QVERIFY(engine.forward(std::span<const int32_t>(&next, 1), options).ok());
    QCOMPARE(profiler.passes, 2);
    QCOMPARE(trace.spans.size(), static_cast<size_t>(2 * layers));
    for (size_t p = 0; p < 2; ++p) {
        const PassTiming& pass = trace.passes[p];
        for (int32_t l = 0; l < layers; ++l) {
            const auto i = static_cast<int64_t>(p) * layers + l;
            const Span& s = trace.spans[static_cast<size_t>(i)];
            QCOMPARE(s.stream, StreamKind::Compute);
            QCOMPARE(s.layer, l);
            QCOMPARE(s.firstToken, p == 0 ? 0 : 3);
            QCOMPARE(s.tokenCount, p == 0 ? 3 : 1);
            QCOMPARE(s.startNs, 10'000 * i);
            QCOMPARE(s.endNs - s.startNs, 1000 + i);
            QCOMPARE(pass.layerNs[static_cast<size_t>(l)], 1000 + i);
            QCOMPARE(trace.layerTimeNs[trace.cell(s.firstToken, l)],
                     static_cast<float>(1000 + i) / static_cast<float>(s.tokenCount));
        }
    }

    // Back to the engine's own CPU profiler: real, positive times.
    engine.setProfiler(nullptr);
    Trace own;
    options.trace = &own;
    engine.reset();
    QVERIFY(engine.forward(prompt, options).ok());
    QCOMPARE(own.spans.size(), static_cast<size_t>(layers));
    for (const Span& s : own.spans)
        QVERIFY(s.endNs > s.startNs);
}

void TestEngine::traceInvariants() {
    const auto m = m_tinyQwen2;
    const int32_t layers = m->config().layers;
    Engine engine(m, EngineOptions{2, 0});
    Trace trace;
    ForwardOptions options;
    options.trace = &trace;
    const Ids prompt = {1, 20, 31, 4, 17};
    const Ids decoded = {8, 50, 23};
    QVERIFY(engine.forward(prompt, options).ok());
    for (int32_t id : decoded)
        QVERIFY(engine.forward(std::span<const int32_t>(&id, 1), options).ok());

    Ids all = prompt;
    all.insert(all.end(), decoded.begin(), decoded.end());
    QCOMPARE(trace.layers, layers);
    QCOMPARE(idsText(trace.tokens), idsText(all));
    QVERIFY(trace.consistent());
    const auto n = static_cast<int32_t>(all.size());

    // One pass per forward, one compute span per layer of each pass.
    QCOMPARE(trace.passes.size(), size_t{4});
    QCOMPARE(trace.spans.size(), static_cast<size_t>(4 * layers));
    const int32_t firsts[] = {0, 5, 6, 7};
    const int32_t counts[] = {5, 1, 1, 1};
    int64_t previousEnd = 0;
    for (size_t p = 0; p < 4; ++p) {
        const PassTiming& pass = trace.passes[p];
        QCOMPARE(pass.firstToken, firsts[p]);
        QCOMPARE(pass.tokenCount, counts[p]);
        QCOMPARE(static_cast<int32_t>(pass.layerNs.size()), layers);
        int64_t sum = 0;
        for (int32_t l = 0; l < layers; ++l) {
            QVERIFY(pass.layerNs[static_cast<size_t>(l)] > 0);
            sum += pass.layerNs[static_cast<size_t>(l)];
            const Span& s = trace.spans[p * static_cast<size_t>(layers) + static_cast<size_t>(l)];
            QCOMPARE(s.stream, StreamKind::Compute);
            QCOMPARE(s.layer, l);
            QCOMPARE(s.firstToken, firsts[p]);
            QCOMPARE(s.tokenCount, counts[p]);
            QVERIFY(s.startNs >= previousEnd);
            QCOMPARE(s.endNs - s.startNs, pass.layerNs[static_cast<size_t>(l)]);
            previousEnd = s.endNs;
        }
        QVERIFY(pass.totalNs >= sum);
        for (int32_t t = firsts[p]; t < firsts[p] + counts[p]; ++t)
            for (int32_t l = 0; l < layers; ++l)
                QCOMPARE(trace.layerTimeNs[trace.cell(t, l)],
                         static_cast<float>(pass.layerNs[static_cast<size_t>(l)]) /
                             static_cast<float>(counts[p]));
    }

    for (int32_t t = 0; t < n; ++t) {
        for (int32_t l = 0; l < layers; ++l) {
            const size_t cell = trace.cell(t, l);
            QCOMPARE(trace.state(t, l), LayerState::Full);
            QVERIFY(trace.layerTimeNs[cell] > 0);
            QVERIFY(trace.normIn[cell] > 0);
            QVERIFY(trace.normOut[cell] > 0);
            QVERIFY(std::fabs(trace.cosInOut[cell]) <= 1.0f + 1e-6f);
            if (l == 0) {
                QVERIFY(std::isnan(trace.cosAdjacent[cell]));
            } else {
                QVERIFY(std::isfinite(trace.cosAdjacent[cell]));
                QVERIFY(std::fabs(trace.cosAdjacent[cell]) <= 1.0f + 1e-6f);
                // A layer's input is the previous layer's output.
                QCOMPARE(trace.normIn[cell], trace.normOut[trace.cell(t, l - 1)]);
            }
            for (LayerState s : kStates)
                QVERIFY(std::isnan(trace.score(t, l, s)));
        }
    }
    QCOMPARE(trace.nominalRatio(), 1.0);
}

void TestEngine::traceDoesNotChangeLogits() {
    const Ids ids = {1, 5, 9, 13, 17, 21};
    Engine a(m_tinyLlama, EngineOptions{2, 0});
    Engine b(m_tinyLlama, EngineOptions{2, 0});
    Trace trace;
    ForwardOptions traced;
    traced.trace = &trace;
    auto plain = a.forward(ids);
    QVERIFY(plain.ok());
    const std::vector<float> want = copyOf(*plain);
    auto withTrace = b.forward(ids, traced);
    QVERIFY(withTrace.ok());
    QVERIFY(copyOf(*withTrace) == want);
}

namespace {

void checkTraceEqual(const Trace& a, const Trace& b) {
    QCOMPARE(a.tokens, b.tokens);
    QCOMPARE(a.states, b.states);
    QCOMPARE(a.cosInOut.size(), b.cosInOut.size());
    for (size_t i = 0; i < a.cosInOut.size(); ++i) {
        QCOMPARE(a.cosInOut[i], b.cosInOut[i]);
        QCOMPARE(a.normOut[i], b.normOut[i]);
    }
    QCOMPARE(a.cosAdjacent.size(), b.cosAdjacent.size());
    QCOMPARE(a.scores.size(), b.scores.size());
    QCOMPARE(a.layerTimeNs, b.layerTimeNs);
    QCOMPARE(a.passes.size(), b.passes.size());
    QCOMPARE(a.spans.size(), b.spans.size());
}

} // namespace

void TestEngine::cancelBeforeForward() {
    Engine engine(m_tinyQwen2, EngineOptions{2, 0});
    Trace trace;
    ForwardOptions options;
    options.trace = &trace;
    const Ids prompt = {1, 7, 19, 33};
    QVERIFY(engine.forward(prompt, options).ok());
    const Trace before = trace;

    CancelToken token;
    token.cancel();
    ForwardOptions cancelled = options;
    cancelled.cancel = &token;
    const Ids more = {12, 40};
    auto r = engine.forward(more, cancelled);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Cancelled);
    QCOMPARE(engine.position(), static_cast<int64_t>(prompt.size()));
    checkTraceEqual(trace, before);

    // generate() passes the cancellation on.
    GenerateOptions g;
    g.forward = cancelled;
    auto gen = generate(engine, more, g);
    QVERIFY(!gen.ok());
    QCOMPARE(gen.error().code(), ErrorCode::Cancelled);
    QCOMPARE(engine.position(), static_cast<int64_t>(prompt.size()));
}

// Cancelled after some layers ran: the cache rows and trace cells the pass had
// written are rolled back, and the next pass gives what it would have given.
void TestEngine::cancelBetweenLayers() {
    const auto m = m_tinyQwen2;
    const Ids prompt = {1, 7, 19, 33};
    const Ids more = {12, 40, 3};

    Engine clean(m, EngineOptions{2, 0});
    QVERIFY(clean.forward(prompt).ok());
    auto want = clean.forward(more);
    QVERIFY(want.ok());
    const std::vector<float> wanted = copyOf(*want);

    Engine engine(m, EngineOptions{2, 0});
    Trace trace;
    ForwardOptions options;
    options.trace = &trace;
    QVERIFY(engine.forward(prompt, options).ok());
    const Trace before = trace;

    CancelToken token;
    CancelAfterLayer controller(token, 1);
    ForwardOptions cancelling = options;
    cancelling.cancel = &token;
    cancelling.controller = &controller;
    auto r = engine.forward(more, cancelling);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Cancelled);
    QCOMPARE(controller.begun, 1);
    QCOMPARE(controller.ended, 1);
    QCOMPARE(engine.position(), static_cast<int64_t>(prompt.size()));
    checkTraceEqual(trace, before);

    auto after = engine.forward(more, options);
    QVERIFY(after.ok());
    QVERIFY(copyOf(*after) == wanted);
    QCOMPARE(trace.tokenCount(), static_cast<int32_t>(prompt.size() + more.size()));
}

void TestEngine::contextOverflow() {
    Engine engine(m_tinyLlama, EngineOptions{1, 8});
    QCOMPARE(engine.maxContext(), int64_t{8});
    const Ids six = {1, 2, 3, 4, 5, 6};
    QVERIFY(engine.forward(six).ok());
    const Ids three = {7, 8, 9};
    auto r = engine.forward(three);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Invalid);
    const std::string& msg = r.error().message();
    QVERIFY2(msg.find("context") != std::string::npos && msg.find('8') != std::string::npos,
             msg.c_str());
    QCOMPARE(engine.position(), int64_t{6});
    QVERIFY(engine.forward(std::span<const int32_t>(three.data(), 2)).ok());
    QCOMPARE(engine.position(), int64_t{8});
    QVERIFY(!engine.forward(std::span<const int32_t>(three.data(), 1)).ok());

    // The model's own context length is the default limit.
    Engine full(m_tinyLlama, EngineOptions{1, 0});
    const Ids tooLong(static_cast<size_t>(m_tinyLlama->config().contextLength) + 1, 5);
    auto over = full.forward(tooLong);
    QVERIFY(!over.ok());
    QVERIFY2(over.error().message().find(std::to_string(m_tinyLlama->config().contextLength)) !=
                 std::string::npos,
             over.error().message().c_str());
    QCOMPARE(full.position(), int64_t{0});

    // generate() stops with the error when decoding would pass the context.
    Engine small(m_tinyLlama, EngineOptions{1, 8});
    GenerateOptions g;
    g.maxNewTokens = 10;
    g.stopAtEos = false;
    auto gen = generate(small, six, g);
    QVERIFY(!gen.ok());
    QVERIFY(gen.error().message().find("context") != std::string::npos);
}

void TestEngine::outOfVocabulary() {
    Engine engine(m_tinyQwen2, EngineOptions{1, 0});
    const int32_t vocab = m_tinyQwen2->config().vocabSize;
    for (const Ids& ids : {Ids{1, 2, vocab}, Ids{-1}, Ids{3, vocab + 1000}}) {
        auto r = engine.forward(ids);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code(), ErrorCode::Invalid);
        const std::string& msg = r.error().message();
        const int32_t bad = *std::find_if(ids.begin(), ids.end(),
                                          [&](int32_t id) { return id < 0 || id >= vocab; });
        QVERIFY2(msg.find("token id " + std::to_string(bad)) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("vocabulary") != std::string::npos, msg.c_str());
        QCOMPARE(engine.position(), int64_t{0});
    }
    auto empty = engine.forward(Ids{});
    QVERIFY(!empty.ok());
    QVERIFY(engine.forward(Ids{0, vocab - 1}).ok());
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
