// SPDX-License-Identifier: MIT
// The counterfactual of one cell and the logit lens, against independent
// computations: forcing a cell to its own state changes nothing bit for bit,
// an all-Full table equals the engine without a controller, a forced cell
// equals a separately built table replayed in one pass (deltas and KL from
// this file's own float64 log softmax), the last layer's lens equals the
// model's logits, and a middle layer's lens equals final norm + head
// recomputed in float64 from the weights.
#include "core/dash/counterfactual.h"
#include "core/dash/logit_lens.h"
#include "core/engine/engine.h"
#include "synthetic_task.h"
#include "tiny_model.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace dash;

namespace {

constexpr int kContext = 24;

// Reference log softmax, written apart from the code under test.
std::vector<double> referenceLogSoftmax(const float* row, size_t vocab) {
    double peak = row[0];
    for (size_t v = 1; v < vocab; ++v)
        peak = std::max(peak, static_cast<double>(row[v]));
    double sum = 0;
    for (size_t v = 0; v < vocab; ++v)
        sum += std::exp(static_cast<double>(row[v]) - peak);
    std::vector<double> out(vocab);
    for (size_t v = 0; v < vocab; ++v)
        out[v] = static_cast<double>(row[v]) - peak - std::log(sum);
    return out;
}

// Copies every layer's output row of one position.
class Recorder : public LayerController {
public:
    Recorder(const StateTable& table, int64_t position, int32_t dim)
        : m_table(table), m_position(position), m_dim(dim) {}
    void beginPass(const PassInfo& pass) override { m_first = pass.firstPosition; }
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override {
        for (int64_t t = 0; t < count; ++t)
            states[t] = m_table.at(m_first + t, layer);
    }
    void afterLayer(int32_t, const float* output, int64_t count) override {
        const int64_t row = m_position - m_first;
        if (row >= 0 && row < count)
            rows.emplace_back(output + row * m_dim, output + (row + 1) * m_dim);
    }
    void endPass() override {}
    std::vector<std::vector<float>> rows; // [layer][dim]

private:
    const StateTable& m_table;
    int64_t m_position;
    int32_t m_dim;
    int64_t m_first = 0;
};

} // namespace

class TestCounterfactual : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void ownStateChangesNothing();
    void fullTableEqualsPlainRun();
    void forcedCellEqualsSeparateReplay();
    void rejectsBadCells();
    void lastLayerLensIsTheModelsTopK();
    void middleLayerLensMatchesFloat64();
    void lensRejectsBadInput();

private:
    StateTable mixedTable(uint32_t seed) const;
    // One pass over m_text with `table`: [tokens][vocab] logits.
    std::vector<float> replay(const StateTable& table);

    std::shared_ptr<const Model> m_model;
    std::unique_ptr<Engine> m_engine;
    std::vector<int32_t> m_text;
};

void TestCounterfactual::initTestCase() {
    test::TinyModelSpec spec;
    spec.layers = 4;
    spec.seed = 31;
    spec.context = kContext;
    std::string error;
    m_model = test::loadTinyModel(spec, &error);
    QVERIFY2(m_model, error.c_str());
    m_engine = std::make_unique<Engine>(m_model, EngineOptions{.threads = 2});
    QVERIFY(m_engine->enableQuantizedStates(32).ok());
    Compensation compensation;
    for (int32_t l = 0; l < spec.layers; ++l)
        compensation.alpha.push_back(std::vector<float>(1, 0.9f + 0.05f * static_cast<float>(l)));
    QVERIFY(m_engine->setCompensation(compensation).ok());
    m_text = test::sampleFromModel(m_model, 1, kContext, 9);
    QCOMPARE(m_text.size(), size_t(kContext));
}

StateTable TestCounterfactual::mixedTable(uint32_t seed) const {
    const int32_t layers = m_model->config().layers;
    StateTable table(static_cast<int64_t>(m_text.size()), layers);
    std::mt19937 rng(seed);
    for (LayerState& s : table.cells)
        s = kStates[rng() % kStateCount];
    return table;
}

std::vector<float> TestCounterfactual::replay(const StateTable& table) {
    StateTableController controller(table, 0);
    ForwardOptions options;
    options.allLogits = true;
    options.controller = &controller;
    m_engine->reset();
    auto logits = m_engine->forward(m_text, options);
    if (!logits.ok())
        qFatal("%s", logits.error().message().c_str());
    std::vector<float> out(logits->begin(), logits->end());
    m_engine->reset();
    return out;
}

void TestCounterfactual::ownStateChangesNothing() {
    const StateTable table = mixedTable(5);
    for (const auto& [token, layer] : {std::pair<int64_t, int32_t>{0, 0}, {7, 2}, {23, 3}}) {
        CounterfactualCell cell{token, layer, table.at(token, layer)};
        auto result = runCounterfactual(*m_engine, m_text, table, cell);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message().c_str());
        QCOMPARE(result->originalState, cell.state);
        QVERIFY(std::isnan(result->deltaLogProbs[0]) && std::isnan(result->kl[0]));
        for (size_t t = 1; t < m_text.size(); ++t) {
            QCOMPARE(result->deltaLogProbs[t], 0.0f);
            QCOMPARE(result->kl[t], 0.0f);
            QVERIFY(std::memcmp(&result->forcedLogProbs[t], &result->originalLogProbs[t],
                                sizeof(float)) == 0);
        }
    }
}

void TestCounterfactual::fullTableEqualsPlainRun() {
    const StateTable table(static_cast<int64_t>(m_text.size()), m_model->config().layers);
    auto result = runCounterfactual(*m_engine, m_text, table, {9, 1, LayerState::Full});
    QVERIFY(result.ok());
    ForwardOptions options;
    options.allLogits = true;
    m_engine->reset();
    auto logits = m_engine->forward(m_text, options);
    QVERIFY(logits.ok());
    const auto vocab = static_cast<size_t>(m_model->config().vocabSize);
    for (size_t t = 1; t < m_text.size(); ++t) {
        const auto ref = referenceLogSoftmax(logits->data() + (t - 1) * vocab, vocab);
        const double want = ref[static_cast<size_t>(m_text[t])];
        QVERIFY2(std::fabs(result->originalLogProbs[t] - want) < 1e-4,
                 qPrintable(QStringLiteral("t %1: %2 vs %3")
                                .arg(t)
                                .arg(result->originalLogProbs[t])
                                .arg(want)));
        QCOMPARE(result->deltaLogProbs[t], 0.0f);
    }
    m_engine->reset();
}

void TestCounterfactual::forcedCellEqualsSeparateReplay() {
    const auto vocab = static_cast<size_t>(m_model->config().vocabSize);
    const StateTable table = mixedTable(11);
    for (LayerState forcedState : {LayerState::Skip, LayerState::Int4, LayerState::Full}) {
        const CounterfactualCell cell{6, 1, forcedState};
        if (table.at(cell.token, cell.layer) == forcedState)
            continue;
        auto result = runCounterfactual(*m_engine, m_text, table, cell);
        QVERIFY(result.ok());
        StateTable forced = table;
        forced.at(cell.token, cell.layer) = forcedState;
        const std::vector<float> before = replay(table);
        const std::vector<float> after = replay(forced);
        double largest = 0;
        for (size_t t = 1; t < m_text.size(); ++t) {
            const auto a = referenceLogSoftmax(before.data() + (t - 1) * vocab, vocab);
            const auto b = referenceLogSoftmax(after.data() + (t - 1) * vocab, vocab);
            const auto target = static_cast<size_t>(m_text[t]);
            double kl = 0;
            for (size_t v = 0; v < vocab; ++v)
                kl += std::exp(a[v]) * (a[v] - b[v]);
            const double delta = b[target] - a[target];
            if (static_cast<int64_t>(t) <= cell.token) {
                // Causality: the prediction of t comes from position t - 1 < cell.token + 1.
                QCOMPARE(result->deltaLogProbs[t], 0.0f);
                QCOMPARE(result->kl[t], 0.0f);
                QVERIFY(std::fabs(delta) < 1e-5);
                continue;
            }
            largest = std::max(largest, std::fabs(delta));
            QVERIFY2(std::fabs(result->deltaLogProbs[t] - delta) < 1e-4,
                     qPrintable(QStringLiteral("%1 t %2: delta %3 vs %4")
                                    .arg(stateName(forcedState))
                                    .arg(t)
                                    .arg(result->deltaLogProbs[t])
                                    .arg(delta)));
            QVERIFY2(std::fabs(result->kl[t] - kl) < 1e-5 + 1e-3 * kl,
                     qPrintable(QStringLiteral("%1 t %2: KL %3 vs %4")
                                    .arg(stateName(forcedState))
                                    .arg(t)
                                    .arg(result->kl[t])
                                    .arg(kl)));
        }
        // The forced cell must reach later tokens, or the comparison shows nothing.
        QVERIFY2(largest > 1e-4, stateName(forcedState));
        QCOMPARE(result->nextToken(), cell.token + 1);
    }
}

void TestCounterfactual::rejectsBadCells() {
    const StateTable table = mixedTable(3);
    QVERIFY(!runCounterfactual(*m_engine, m_text, table, {-1, 0, LayerState::Skip}).ok());
    QVERIFY(!runCounterfactual(*m_engine, m_text, table, {kContext, 0, LayerState::Skip}).ok());
    QVERIFY(!runCounterfactual(*m_engine, m_text, table, {0, 4, LayerState::Skip}).ok());
    const StateTable wrongLayers(kContext, 3);
    QVERIFY(!runCounterfactual(*m_engine, m_text, wrongLayers, {0, 0, LayerState::Skip}).ok());
    QVERIFY(!runCounterfactual(*m_engine, {}, table, {0, 0, LayerState::Skip}).ok());
}

void TestCounterfactual::lastLayerLensIsTheModelsTopK() {
    const StateTable table = mixedTable(17);
    const int32_t layers = m_model->config().layers;
    for (int64_t token : {int64_t{0}, int64_t{12}, int64_t{kContext - 1}}) {
        auto lens = runLogitLens(*m_engine, m_text, &table, token, 5);
        QVERIFY(lens.ok());
        QCOMPARE(lens->layers.size(), size_t(layers));
        StateTableController controller(table, 0);
        ForwardOptions options;
        options.controller = &controller;
        m_engine->reset();
        auto logits = m_engine->forward(std::span<const int32_t>(m_text).first(token + 1), options);
        QVERIFY(logits.ok());
        // The model's own top 5, by sorting every id (not partial_sort).
        std::vector<int32_t> ids(logits->size());
        for (size_t v = 0; v < ids.size(); ++v)
            ids[v] = static_cast<int32_t>(v);
        std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
            return (*logits)[static_cast<size_t>(a)] > (*logits)[static_cast<size_t>(b)];
        });
        const auto& last = lens->layers.back();
        QCOMPARE(last.size(), size_t(5));
        const auto probs = referenceLogSoftmax(logits->data(), logits->size());
        for (size_t r = 0; r < 5; ++r) {
            QCOMPARE(last[r].id, ids[r]);
            QCOMPARE(last[r].logit, (*logits)[static_cast<size_t>(ids[r])]);
            QVERIFY(std::fabs(last[r].probability - std::exp(probs[static_cast<size_t>(ids[r])])) <
                    1e-12);
        }
    }
    m_engine->reset();
}

void TestCounterfactual::middleLayerLensMatchesFloat64() {
    const StateTable table = mixedTable(23);
    const ModelConfig& c = m_model->config();
    const int64_t token = 10;
    const int32_t layer = 1;
    const int k = 5;
    auto lens = runLogitLens(*m_engine, m_text, &table, token, k);
    QVERIFY(lens.ok());
    Recorder recorder(table, token, c.dim);
    ForwardOptions options;
    options.controller = &recorder;
    m_engine->reset();
    QVERIFY(m_engine->forward(std::span<const int32_t>(m_text).first(token + 1), options).ok());
    m_engine->reset();
    QCOMPARE(recorder.rows.size(), size_t(c.layers));
    const std::vector<float>& x = recorder.rows[static_cast<size_t>(layer)];
    double meanSquare = 0;
    for (float v : x)
        meanSquare += static_cast<double>(v) * v;
    meanSquare /= c.dim;
    const double scale = 1.0 / std::sqrt(meanSquare + static_cast<double>(c.rmsEps));
    std::vector<double> normed(static_cast<size_t>(c.dim));
    for (int32_t i = 0; i < c.dim; ++i)
        normed[static_cast<size_t>(i)] =
            x[static_cast<size_t>(i)] * scale *
            static_cast<double>(m_model->outputNorm()[static_cast<size_t>(i)]);
    const WeightTensor& head = m_model->output();
    std::vector<double> logits(static_cast<size_t>(c.vocabSize));
    std::vector<float> row(static_cast<size_t>(c.dim));
    for (int32_t v = 0; v < c.vocabSize; ++v) {
        head.readRow(v, row.data());
        double sum = 0;
        for (int32_t i = 0; i < c.dim; ++i)
            sum += normed[static_cast<size_t>(i)] * row[static_cast<size_t>(i)];
        logits[static_cast<size_t>(v)] = sum;
    }
    const double peak = *std::max_element(logits.begin(), logits.end());
    double total = 0;
    for (double l : logits)
        total += std::exp(l - peak);
    std::vector<int32_t> ids(logits.size());
    for (size_t v = 0; v < ids.size(); ++v)
        ids[v] = static_cast<int32_t>(v);
    std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
        return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)];
    });
    // Stated tolerance: float32 kernels against float64, dim 64: 1e-4 on
    // logits and probabilities.
    const auto& got = lens->layers[static_cast<size_t>(layer)];
    QCOMPARE(got.size(), size_t(k));
    for (int r = 0; r < k; ++r) {
        const auto id = static_cast<size_t>(ids[static_cast<size_t>(r)]);
        QCOMPARE(got[static_cast<size_t>(r)].id, ids[static_cast<size_t>(r)]);
        QVERIFY(std::fabs(got[static_cast<size_t>(r)].logit - logits[id]) < 1e-4);
        QVERIFY(std::fabs(got[static_cast<size_t>(r)].probability -
                          std::exp(logits[id] - peak) / total) < 1e-4);
    }
}

void TestCounterfactual::lensRejectsBadInput() {
    const StateTable table = mixedTable(2);
    QVERIFY(!runLogitLens(*m_engine, m_text, &table, -1, 5).ok());
    QVERIFY(!runLogitLens(*m_engine, m_text, &table, kContext, 5).ok());
    QVERIFY(!runLogitLens(*m_engine, m_text, &table, 0, 0).ok());
    const StateTable wrongLayers(kContext, 2);
    QVERIFY(!runLogitLens(*m_engine, m_text, &wrongLayers, 0, 5).ok());
    // Without a table every layer runs at full precision.
    QVERIFY(runLogitLens(*m_engine, m_text, nullptr, 3, 3).ok());
}

QTEST_GUILESS_MAIN(TestCounterfactual)
#include "tst_counterfactual.moc"
