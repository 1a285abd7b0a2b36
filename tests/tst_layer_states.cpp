// SPDX-License-Identifier: MIT
// Execution states of one layer, each against a float64 computation of its
// definition written here: Full runs the transformer block on the float
// weights; Int8/Int4 run it on the dequantised Int8/Int4 weights (with the
// kernels' activation quantisation emulated, and without it under a stated
// bound); Skip is y = alpha ⊙ x; the KV modes decide what later tokens see of a
// skipped position. On the demo model, the INT8/INT4 layer outputs stay within
// measured relative error bounds of full precision.
#include "test_support.h"
#include "tiny_model.h"

#include "core/engine/cpu/cpu_weights.h"
#include "core/engine/engine.h"
#include "core/model/model.h"

#include <QtTest>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

using namespace dash;

namespace {

// ---------------------------------------------------------------------------
// Float64 reference of one transformer block.

// How matrix inputs are rounded before the product: not at all, or per block
// of 32 as the integer kernels define it (scale = max|x| / 127 in float32,
// q = round(x / scale)).
enum class ActivationRounding { None, EightBit };

struct RefMatrix {
    int32_t rows = 0;
    int32_t cols = 0;
    std::vector<double> w; // [rows][cols]
};

RefMatrix refMatrix(const cpu::Matrix& m) {
    RefMatrix r;
    r.rows = m.rows;
    r.cols = m.cols;
    r.w.resize(static_cast<size_t>(m.rows) * m.cols);
    std::vector<float> row(static_cast<size_t>(m.cols));
    for (int32_t i = 0; i < m.rows; ++i) {
        cpu::readRow(m, i, row.data());
        for (int32_t k = 0; k < m.cols; ++k)
            r.w[static_cast<size_t>(i) * m.cols + k] = row[static_cast<size_t>(k)];
    }
    return r;
}

struct RefWeights {
    RefMatrix wq, wk, wv, wo, gate, up, down;
    ActivationRounding rounding = ActivationRounding::None;
};

RefWeights refWeights(const cpu::Matrix& wq, const cpu::Matrix& wk, const cpu::Matrix& wv,
                      const cpu::Matrix& wo, const cpu::Matrix& gate, const cpu::Matrix& up,
                      const cpu::Matrix& down, ActivationRounding rounding) {
    return {refMatrix(wq),   refMatrix(wk), refMatrix(wv),   refMatrix(wo),
            refMatrix(gate), refMatrix(up), refMatrix(down), rounding};
}

// Everything the reference needs of one layer, per state.
struct RefLayer {
    std::vector<double> attnNorm, ffnNorm, bq, bk, bv;
    RefWeights full, int8, int4;
    int32_t group = 32;

    const RefWeights& weights(LayerState s) const {
        return s == LayerState::Int8 ? int8 : s == LayerState::Int4 ? int4 : full;
    }
};

std::vector<double> toDouble(const std::vector<float>& v) {
    return {v.begin(), v.end()};
}

// The CPU backend's INT8 and INT4 copies of every layer.
struct QuantizedRef {
    std::shared_ptr<const std::vector<cpu::LayerMatrices>> int8, int4;
    int32_t group = 32;
};

QuantizedRef quantizedRef(const Model& model, int32_t group) {
    QuantizedRef q;
    q.group = group;
    q.int8 = cpu::quantizedLayers(model, cpu::MatrixType::Int8, group).value();
    q.int4 = cpu::quantizedLayers(model, cpu::MatrixType::Int4, group).value();
    return q;
}

RefWeights refWeights(const cpu::LayerMatrices& m, ActivationRounding rounding) {
    return refWeights(m[LayerMatrix::Q], m[LayerMatrix::K], m[LayerMatrix::V], m[LayerMatrix::O],
                      m[LayerMatrix::Gate], m[LayerMatrix::Up], m[LayerMatrix::Down], rounding);
}

// `emulateRounding`: integer states round their matrix inputs as the kernels do.
RefLayer refLayer(const Model& model, const QuantizedRef& q, int32_t layer, bool emulateRounding) {
    const LayerWeights& l = model.layer(layer);
    const cpu::LayerMatrices& lf =
        cpu::CpuWeights::of(model).value()->layers[static_cast<size_t>(layer)];
    const cpu::LayerMatrices& l8 = (*q.int8)[static_cast<size_t>(layer)];
    const cpu::LayerMatrices& l4 = (*q.int4)[static_cast<size_t>(layer)];
    RefLayer r;
    r.attnNorm = toDouble(l.attnNorm);
    r.ffnNorm = toDouble(l.ffnNorm);
    r.bq = toDouble(l.bq);
    r.bk = toDouble(l.bk);
    r.bv = toDouble(l.bv);
    r.full = refWeights(lf, ActivationRounding::None);
    r.int8 =
        refWeights(l8, emulateRounding ? ActivationRounding::EightBit : ActivationRounding::None);
    r.int4 =
        refWeights(l4, emulateRounding ? ActivationRounding::EightBit : ActivationRounding::None);
    r.group = q.group;
    return r;
}

// Emulated roundings whose scaled value lay within 1e-4 of a rounding
// boundary: there the kernel's float32 input and this float64 one may round
// to neighbouring steps.
int g_nearTies = 0;

std::vector<double> roundActivations(const std::vector<double>& x, ActivationRounding rounding) {
    if (rounding == ActivationRounding::None)
        return x;
    const int32_t group = 32;
    const float qmax = 127.0f;
    std::vector<double> out(x.size());
    for (size_t g = 0; g < x.size(); g += static_cast<size_t>(group)) {
        float amax = 0;
        for (size_t k = g; k < g + static_cast<size_t>(group); ++k)
            amax = std::max(amax, std::fabs(static_cast<float>(x[k])));
        const float scale = amax / qmax;
        const float inv = scale > 0 ? 1.0f / scale : 0.0f;
        for (size_t k = g; k < g + static_cast<size_t>(group); ++k) {
            const double scaled = static_cast<double>(static_cast<float>(x[k]) * inv);
            if (std::fabs(scaled - std::floor(scaled) - 0.5) < 1e-4)
                ++g_nearTies;
        }
        for (size_t k = g; k < g + static_cast<size_t>(group); ++k)
            out[k] = static_cast<double>(scale) *
                     static_cast<double>(std::nearbyint(static_cast<float>(x[k]) * inv));
    }
    return out;
}

std::vector<double> linear(const RefMatrix& m, const std::vector<double>& x,
                           const std::vector<double>& bias, ActivationRounding rounding,
                           int32_t /*weight group: activations round per 32 whatever it is*/) {
    const std::vector<double> xr = roundActivations(x, rounding);
    std::vector<double> y(static_cast<size_t>(m.rows));
    for (int32_t r = 0; r < m.rows; ++r) {
        double s = bias.empty() ? 0.0 : bias[static_cast<size_t>(r)];
        for (int32_t k = 0; k < m.cols; ++k)
            s += m.w[static_cast<size_t>(r) * m.cols + k] * xr[static_cast<size_t>(k)];
        y[static_cast<size_t>(r)] = s;
    }
    return y;
}

std::vector<double> rmsNorm(const std::vector<double>& x, const std::vector<double>& weight,
                            double eps) {
    double ss = 0;
    for (double v : x)
        ss += v * v;
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
    std::vector<double> out(x.size());
    for (size_t k = 0; k < x.size(); ++k)
        out[k] = x[k] * inv * weight[k];
    return out;
}

// Rotates each head of v (heads x headDim) by position-dependent angles.
void rope(std::vector<double>& v, const ModelConfig& c, int32_t heads, int64_t position) {
    const int32_t d = c.headDim;
    const int32_t half = d / 2;
    for (int32_t h = 0; h < heads; ++h) {
        double* head = v.data() + static_cast<size_t>(h) * d;
        for (int32_t i = 0; i < half; ++i) {
            const double angle = static_cast<double>(position) * std::pow(c.ropeBase, -2.0 * i / d);
            const bool adjacent = c.ropeLayout == RopeLayout::AdjacentPairs;
            double& a = adjacent ? head[2 * i] : head[i];
            double& b = adjacent ? head[2 * i + 1] : head[i + half];
            const double x0 = a, x1 = b;
            a = x0 * std::cos(angle) - x1 * std::sin(angle);
            b = x0 * std::sin(angle) + x1 * std::cos(angle);
        }
    }
}

using Rows = std::vector<std::vector<float>>; // [position][dim]

// Outputs of one layer for positions [first, inputs.size()) given the layer's
// inputs at every position 0.. and each position's state at this layer.
// Skipped positions: alpha ⊙ x (alpha empty: identity); what later positions
// see of them follows `mode`.
std::vector<std::vector<double>> referenceLayer(const ModelConfig& c, const RefLayer& L,
                                                const Rows& inputs,
                                                const std::vector<LayerState>& states, KvMode mode,
                                                size_t first,
                                                const std::vector<float>& alpha = {}) {
    const size_t T = inputs.size();
    const int32_t hd = c.headDim;
    std::vector<std::vector<double>> keys(T), values(T);
    std::vector<bool> visible(T, true);
    for (size_t p = 0; p < T; ++p) {
        const bool skip = states[p] == LayerState::Skip;
        if (skip && mode == KvMode::Mask) {
            visible[p] = false;
            continue;
        }
        // Project mode: a skipped position's K/V come from its input through the float weights.
        const RefWeights& w = L.weights(skip ? LayerState::Full : states[p]);
        const std::vector<double> h = rmsNorm(toDouble(inputs[p]), L.attnNorm, c.rmsEps);
        keys[p] = linear(w.wk, h, L.bk, w.rounding, L.group);
        values[p] = linear(w.wv, h, L.bv, w.rounding, L.group);
        rope(keys[p], c, c.kvHeads, static_cast<int64_t>(p));
    }
    std::vector<std::vector<double>> out;
    for (size_t p = first; p < T; ++p) {
        std::vector<double> x = toDouble(inputs[p]);
        if (states[p] == LayerState::Skip) {
            for (size_t k = 0; k < x.size(); ++k)
                x[k] *= alpha.empty() ? 1.0 : alpha.size() == 1 ? alpha[0] : alpha[k];
            out.push_back(x);
            continue;
        }
        const RefWeights& w = L.weights(states[p]);
        const std::vector<double> h = rmsNorm(x, L.attnNorm, c.rmsEps);
        std::vector<double> q = linear(w.wq, h, L.bq, w.rounding, L.group);
        rope(q, c, c.heads, static_cast<int64_t>(p));
        std::vector<double> att(static_cast<size_t>(c.qDim()), 0.0);
        const int32_t perKv = c.heads / c.kvHeads;
        for (int32_t head = 0; head < c.heads; ++head) {
            const size_t qo = static_cast<size_t>(head) * hd;
            const size_t ko = static_cast<size_t>(head / perKv) * hd;
            std::vector<double> score(p + 1, -INFINITY);
            double maxScore = -INFINITY;
            for (size_t j = 0; j <= p; ++j) {
                if (!visible[j] && j != p)
                    continue;
                double s = 0;
                for (int32_t k = 0; k < hd; ++k)
                    s += q[qo + k] * keys[j][ko + k];
                score[j] = s / std::sqrt(static_cast<double>(hd));
                maxScore = std::max(maxScore, score[j]);
            }
            double total = 0;
            for (size_t j = 0; j <= p; ++j)
                total += std::isinf(score[j]) ? 0.0 : std::exp(score[j] - maxScore);
            for (size_t j = 0; j <= p; ++j) {
                if (std::isinf(score[j]))
                    continue;
                const double a = std::exp(score[j] - maxScore) / total;
                for (int32_t k = 0; k < hd; ++k)
                    att[qo + k] += a * values[j][ko + k];
            }
        }
        const std::vector<double> o = linear(w.wo, att, {}, w.rounding, L.group);
        for (size_t k = 0; k < x.size(); ++k)
            x[k] += o[k];
        const std::vector<double> h2 = rmsNorm(x, L.ffnNorm, c.rmsEps);
        std::vector<double> gate = linear(w.gate, h2, {}, w.rounding, L.group);
        const std::vector<double> up = linear(w.up, h2, {}, w.rounding, L.group);
        for (size_t k = 0; k < gate.size(); ++k)
            gate[k] = gate[k] / (1.0 + std::exp(-gate[k])) * up[k];
        const std::vector<double> down = linear(w.down, gate, {}, w.rounding, L.group);
        for (size_t k = 0; k < x.size(); ++k)
            x[k] += down[k];
        out.push_back(x);
    }
    return out;
}

// ‖a - b‖ / ‖b - x‖ over rows: an error relative to what the layer adds.
double relativeToUpdate(const std::vector<std::vector<float>>& a,
                        const std::vector<std::vector<double>>& b, const Rows& x) {
    double err = 0, ref = 0;
    for (size_t t = 0; t < a.size(); ++t) {
        for (size_t k = 0; k < a[t].size(); ++k) {
            const double d = a[t][k] - b[t][k];
            const double u = b[t][k] - x[t][k];
            err += d * d;
            ref += u * u;
        }
    }
    return std::sqrt(err / ref);
}

// ---------------------------------------------------------------------------
// The engine side: a controller that sets each (position, layer) state from a
// function and keeps every layer's input and output by absolute position.

class ScriptedController : public LayerController {
public:
    explicit ScriptedController(std::function<LayerState(int64_t, int32_t)> state)
        : m_state(std::move(state)) {}

    void beginPass(const PassInfo& pass) override {
        m_first = pass.firstPosition;
        m_dim = pass.dim;
    }
    void beforeLayer(int32_t layer, const float* input, int64_t count,
                     LayerState* states) override {
        for (int64_t t = 0; t < count; ++t) {
            states[t] = m_state(m_first + t, layer);
            store(inputs[layer], m_first + t, input + t * m_dim);
        }
    }
    void afterLayer(int32_t layer, const float* output, int64_t count) override {
        for (int64_t t = 0; t < count; ++t)
            store(outputs[layer], m_first + t, output + t * m_dim);
    }
    void endPass() override {}

    std::map<int32_t, Rows> inputs, outputs; // [layer][position][dim]

private:
    void store(Rows& rows, int64_t position, const float* v) {
        if (rows.size() <= static_cast<size_t>(position))
            rows.resize(static_cast<size_t>(position) + 1);
        rows[static_cast<size_t>(position)].assign(v, v + m_dim);
    }

    std::function<LayerState(int64_t, int32_t)> m_state;
    int64_t m_first = 0;
    int32_t m_dim = 0;
};

Rows tail(const Rows& rows, size_t first) {
    return Rows(rows.begin() + static_cast<long>(first), rows.end());
}

std::shared_ptr<const Model> loadTiny(const test::TinyModelSpec& spec) {
    std::string error;
    auto model = test::loadTinyModel(spec, &error);
    if (!model)
        qFatal("tiny model: %s", error.c_str());
    return model;
}

test::TinyModelSpec llamaSpec() {
    test::TinyModelSpec spec;
    spec.layers = 3;
    spec.seed = 11;
    return spec;
}

test::TinyModelSpec qwenSpec() {
    test::TinyModelSpec spec = llamaSpec();
    spec.arch = "qwen2";
    spec.seed = 12;
    return spec;
}

const std::vector<int32_t> kPrompt = {1, 7, 3, 12, 5, 9, 4, 14};

} // namespace

class TestLayerStates : public QObject {
    Q_OBJECT

private slots:
    void statesAgainstFloat64_data();
    void statesAgainstFloat64();
    void integerStatesWithoutActivationRounding();
    void skipIsAlphaTimesInput();
    void kvModes_data();
    void kvModes();
    void demoModelIntegerErrors();
};

void TestLayerStates::statesAgainstFloat64_data() {
    QTest::addColumn<bool>("qwen");
    QTest::newRow("llama") << false;
    QTest::newRow("qwen2") << true;
}

// Every state in one batch (the engine groups tokens by state), then a decode
// step that reads the cache: each token's layer output against the float64
// block of its state, with the integer kernels' activation rounding emulated.
// Measured errors are about 2e-7 of the layer's update (float32 arithmetic);
// the tolerance is 1e-5. An activation that rounds the other way, float32 and
// float64 straddling a rounding boundary, costs about 1e-3 (measured on the
// llama model, whose int8 tokens meet one): each input the emulation finds
// within 1e-4 of a boundary adds 2e-3 to the tolerance of its state.
void TestLayerStates::statesAgainstFloat64() {
    QFETCH(bool, qwen);
    auto model = loadTiny(qwen ? qwenSpec() : llamaSpec());
    const ModelConfig& c = model->config();
    const QuantizedRef q = quantizedRef(*model, 32);
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());

    const int32_t layer = 1;
    const LayerState pattern[] = {LayerState::Full, LayerState::Int8, LayerState::Int4,
                                  LayerState::Full, LayerState::Int4, LayerState::Int8,
                                  LayerState::Full, LayerState::Int8, LayerState::Int4};
    ScriptedController controller(
        [&](int64_t p, int32_t l) { return l == layer ? pattern[p % 9] : LayerState::Full; });
    ForwardOptions fo;
    fo.controller = &controller;
    QVERIFY(engine.forward(kPrompt, fo).ok());
    const int32_t next[] = {6};
    QVERIFY(engine.forward(next, fo).ok());

    const Rows& x = controller.inputs[layer];
    const Rows& y = controller.outputs[layer];
    QCOMPARE(x.size(), kPrompt.size() + 1);
    std::vector<LayerState> states;
    for (size_t p = 0; p < x.size(); ++p)
        states.push_back(pattern[p % 9]);
    const RefLayer L = refLayer(*model, q, layer, true);
    g_nearTies = 0;
    const auto ref = referenceLayer(c, L, x, states, engine.kvMode(), 0);
    const int nearTies = g_nearTies;

    for (LayerState s : {LayerState::Full, LayerState::Int8, LayerState::Int4}) {
        Rows got, in;
        std::vector<std::vector<double>> want;
        for (size_t p = 0; p < x.size(); ++p) {
            if (states[p] != s)
                continue;
            got.push_back(y[p]);
            in.push_back(x[p]);
            want.push_back(ref[p]);
        }
        const double err = relativeToUpdate(got, want, in);
        const double tolerance = s == LayerState::Full ? 1e-5 : 1e-5 + 2e-3 * nearTies;
        qInfo("%s layer %d, %s: relative error vs float64 %.2e (tolerance %.1e)",
              qwen ? "qwen2" : "llama", layer, stateName(s), err, tolerance);
        QVERIFY2(err < tolerance, stateName(s));
    }

    // The reference tells the states apart: Int4 and Int8 differ from Full by
    // far more than the tolerance, so the checks above saw the right weights.
    const RefLayer fullOnly = refLayer(*model, q, layer, false);
    const auto asFull = referenceLayer(
        c, fullOnly, x, std::vector<LayerState>(x.size(), LayerState::Full), engine.kvMode(), 0);
    Rows got4, in4;
    std::vector<std::vector<double>> want4;
    for (size_t p = 0; p < x.size(); ++p) {
        if (states[p] == LayerState::Int4) {
            got4.push_back(y[p]);
            in4.push_back(x[p]);
            want4.push_back(asFull[p]);
        }
    }
    QVERIFY(relativeToUpdate(got4, want4, in4) > 2e-2);
}

// The definition without the kernels' activation rounding: the float64 block
// on the dequantised weights. Rounding an activation group to q levels moves
// each value by at most max|x| / (2 q); over a group of 32 values max|x| is at
// most sqrt(32) times the RMS and typically 2.5 times it, so each matrix input
// carries a relative error of about 2.5 / (q · sqrt(12)): 0.6 % at the
// kernels' 8 bits (q = 127). The block chains two to three matrix products on
// each path, so the update may carry about twice that (measured: 1.0 % for
// both states); the bounds are 3 % (Int8) and 1.5 % (Int4). Int4 weights
// themselves move the update by about 13 %, so the Int4 bound still tells
// dequantised from float weights; at Int8 the weight error (0.6 %) hides under
// the activation rounding, which the emulating test above resolves.
void TestLayerStates::integerStatesWithoutActivationRounding() {
    auto model = loadTiny(llamaSpec());
    const ModelConfig& c = model->config();
    const QuantizedRef q = quantizedRef(*model, 32);
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());
    const RefLayer L = refLayer(*model, q, 1, false);
    for (LayerState s : {LayerState::Int8, LayerState::Int4}) {
        engine.reset();
        ScriptedController controller(
            [&](int64_t, int32_t l) { return l == 1 ? s : LayerState::Full; });
        ForwardOptions fo;
        fo.controller = &controller;
        QVERIFY(engine.forward(kPrompt, fo).ok());
        const Rows& x = controller.inputs[1];
        const auto ref =
            referenceLayer(c, L, x, std::vector<LayerState>(x.size(), s), KvMode::Project, 0);
        const double err = relativeToUpdate(controller.outputs[1], ref, x);
        const auto asFull = referenceLayer(
            c, L, x, std::vector<LayerState>(x.size(), LayerState::Full), KvMode::Project, 0);
        const double weightEffect = relativeToUpdate(controller.outputs[1], asFull, x);
        qInfo("%s: vs dequantised float64 %.4f, vs float weights %.4f", stateName(s), err,
              weightEffect);
        QVERIFY2(err < (s == LayerState::Int8 ? 0.03 : 0.015), stateName(s));
        if (s == LayerState::Int4)
            QVERIFY(weightEffect > 2 * 0.015);
    }
}

// Skipped tokens leave alpha ⊙ x, bit for bit (the same float products), with
// no compensation (identity), a scalar and a per-channel alpha; tokens of the
// same batch that run the layer are unaffected.
void TestLayerStates::skipIsAlphaTimesInput() {
    auto model = loadTiny(llamaSpec());
    const ModelConfig& c = model->config();
    std::vector<float> perChannel(static_cast<size_t>(c.dim));
    for (int32_t k = 0; k < c.dim; ++k)
        perChannel[static_cast<size_t>(k)] = 0.5f + 0.013f * static_cast<float>(k);
    const std::vector<std::vector<float>> alphas = {{}, {0.8125f}, perChannel};
    for (const auto& alpha : alphas) {
        Engine engine(model, {.threads = 2});
        if (!alpha.empty()) {
            Compensation comp;
            comp.alpha.assign(static_cast<size_t>(c.layers), {1.0f});
            comp.alpha[1] = alpha;
            QVERIFY(engine.setCompensation(comp).ok());
        }
        ScriptedController controller([](int64_t p, int32_t l) {
            return l == 1 && p % 2 == 1 ? LayerState::Skip : LayerState::Full;
        });
        ForwardOptions fo;
        fo.controller = &controller;
        QVERIFY(engine.forward(kPrompt, fo).ok());
        const Rows& x = controller.inputs[1];
        const Rows& y = controller.outputs[1];
        for (size_t p = 1; p < x.size(); p += 2) {
            for (int32_t k = 0; k < c.dim; ++k) {
                const float a = alpha.empty()       ? 1.0f
                                : alpha.size() == 1 ? alpha[0]
                                                    : alpha[static_cast<size_t>(k)];
                QCOMPARE(y[p][static_cast<size_t>(k)], a * x[p][static_cast<size_t>(k)]);
            }
        }
        // The computed tokens: the Full block (project mode shows them the skipped K/V).
        const QuantizedRef q = quantizedRef(*model, 32);
        std::vector<LayerState> states;
        for (size_t p = 0; p < x.size(); ++p)
            states.push_back(p % 2 == 1 ? LayerState::Skip : LayerState::Full);
        const auto ref =
            referenceLayer(c, refLayer(*model, q, 1, false), x, states, KvMode::Project, 0, alpha);
        QVERIFY(relativeToUpdate({y[0], y[2], y[4]}, {ref[0], ref[2], ref[4]}, {x[0], x[2], x[4]}) <
                2e-5);
    }
    // A compensation of the wrong shape is refused with the layer named.
    Engine engine(model);
    Compensation bad;
    bad.alpha.assign(static_cast<size_t>(c.layers), {1.0f});
    bad.alpha[2] = {1.0f, 2.0f};
    const Status st = engine.setCompensation(bad);
    QVERIFY(!st.ok());
    QVERIFY(QString::fromStdString(st.error().message()).contains("layer 2"));
}

void TestLayerStates::kvModes_data() {
    QTest::addColumn<bool>("mask");
    QTest::newRow("project") << false;
    QTest::newRow("mask") << true;
}

// Position 2 skips layer 1 during the prefill; positions 3.. (the rest of the
// prefill and a decode step) must see at that layer, in mask mode, attention
// over every earlier position except 2, and in project mode, position 2's K/V
// projected from its layer input with the float weights. Each mode's output is
// also checked to differ from the other mode's reference, so the check cannot
// pass by accident.
void TestLayerStates::kvModes() {
    QFETCH(bool, mask);
    auto model = loadTiny(llamaSpec());
    const ModelConfig& c = model->config();
    const QuantizedRef q = quantizedRef(*model, 32);
    Engine engine(model, {.threads = 2});
    const KvMode mode = mask ? KvMode::Mask : KvMode::Project;
    engine.setKvMode(mode);
    const int64_t skipped = 2;
    ScriptedController controller([&](int64_t p, int32_t l) {
        return l == 1 && p == skipped ? LayerState::Skip : LayerState::Full;
    });
    ForwardOptions fo;
    fo.controller = &controller;
    QVERIFY(engine.forward(std::span(kPrompt).first(6), fo).ok());
    const int32_t next[] = {8};
    QVERIFY(engine.forward(next, fo).ok());

    const Rows& x = controller.inputs[1];
    const Rows& y = controller.outputs[1];
    QCOMPARE(x.size(), size_t{7});
    std::vector<LayerState> states(x.size(), LayerState::Full);
    states[skipped] = LayerState::Skip;
    const RefLayer L = refLayer(*model, q, 1, false);
    const size_t first = skipped + 1;
    const auto same = referenceLayer(c, L, x, states, mode, first);
    const auto other =
        referenceLayer(c, L, x, states, mask ? KvMode::Project : KvMode::Mask, first);
    const double err = relativeToUpdate(tail(y, first), same, tail(x, first));
    const double otherErr = relativeToUpdate(tail(y, first), other, tail(x, first));
    qInfo("%s: error %.2e, vs the other mode's reference %.2e", kvModeName(mode), err, otherErr);
    QVERIFY(err < 2e-5);
    QVERIFY(otherErr > 1e-3);
    // The decode step alone (it reads the skipped position from the cache).
    QVERIFY(relativeToUpdate({y.back()}, {same.back()}, {x.back()}) < 2e-5);
    QVERIFY(relativeToUpdate({y.back()}, {other.back()}, {x.back()}) > 1e-3);
}

// The demo model on a slice of WikiText-2 (validation): each layer in turn runs
// in INT8 or INT4 (the others at full precision, so its input is the
// full-precision one) and its update y - x is compared with the full-precision
// update. Measured (group 32, 96 tokens, 16 layers): INT8 1.3-1.8 % (mean
// 1.5 %), INT4 6.8-10.9 % (mean 8.8 %). Asserted with a margin of about 1.7x
// over the worst layer: INT8 < 3 %, INT4 < 20 % for every layer, and INT4 on
// average above INT8 (the coarser grid must show).
void TestLayerStates::demoModelIntegerErrors() {
    const std::string path = test::modelPath("dash-demo-16L.gguf");
    const std::string textPath = test::dataPath("wikitext2_valid.txt");
    DASH_REQUIRE_FILE(path);
    DASH_REQUIRE_FILE(textPath);
    auto loaded = Model::load(path);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());
    std::shared_ptr<const Model> model = std::move(loaded).value();
    std::ifstream in(textPath);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<int32_t> ids = model->tokenizer().encode(text.str().substr(0, 4000));
    ids.resize(96);
    const ModelConfig& c = model->config();
    const QuantizedRef q = quantizedRef(*model, 32);
    Engine engine(model, {.threads = 2});
    QVERIFY(engine.enableQuantizedStates(32).ok());

    auto run = [&](int32_t layer, LayerState s) {
        engine.reset();
        ScriptedController controller(
            [layer, s](int64_t, int32_t l) { return l == layer ? s : LayerState::Full; });
        ForwardOptions fo;
        fo.controller = &controller;
        if (!engine.forward(ids, fo).ok())
            qFatal("forward failed");
        return controller;
    };
    ScriptedController full = run(-1, LayerState::Full);
    double sum8 = 0, sum4 = 0, max8 = 0, max4 = 0;
    for (int32_t layer = 0; layer < c.layers; ++layer) {
        const Rows& x = full.inputs[layer];
        std::vector<std::vector<double>> want;
        for (const auto& row : full.outputs[layer])
            want.push_back(toDouble(row));
        const double e8 = relativeToUpdate(run(layer, LayerState::Int8).outputs[layer], want, x);
        const double e4 = relativeToUpdate(run(layer, LayerState::Int4).outputs[layer], want, x);
        qInfo("layer %2d: INT8 %.4f  INT4 %.4f", layer, e8, e4);
        QVERIFY2(e8 < 0.03, qPrintable(QStringLiteral("INT8 layer %1: %2").arg(layer).arg(e8)));
        QVERIFY2(e4 < 0.20, qPrintable(QStringLiteral("INT4 layer %1: %2").arg(layer).arg(e4)));
        sum8 += e8;
        sum4 += e4;
        max8 = std::max(max8, e8);
        max4 = std::max(max4, e4);
    }
    qInfo("INT8 mean %.4f max %.4f; INT4 mean %.4f max %.4f", sum8 / c.layers, max8,
          sum4 / c.layers, max4);
    QVERIFY(sum4 > 2 * sum8);
}

QTEST_GUILESS_MAIN(TestLayerStates)
#include "tst_layer_states.moc"
