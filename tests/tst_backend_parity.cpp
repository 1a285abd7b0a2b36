// SPDX-License-Identifier: MIT
// The parity harness on the CPU: the multithreaded backend with each
// instruction set this CPU runs against the single-threaded scalar reference,
// for every op and layer state, on tiny llama and qwen2 models (F32, F16,
// Q8_0, Q4_0 weights) and the demo model. And the harness itself: a backend
// with one op perturbed by a relative 1e-4 must fail exactly the cases that
// use that op.
#include "backend_parity.h"
#include "test_support.h"
#include "tiny_model.h"

#include "core/engine/cpu/cpu_backend.h"
#include "core/gguf/quant.h"

#include <QtTest>

#include <set>

using namespace dash;
using namespace dash::test;

Q_DECLARE_METATYPE(dash::TensorType)

namespace {

std::unique_ptr<cpu::CpuBackend> cpuBackend(std::shared_ptr<const Model> model,
                                            const std::string& isa, int threads) {
    BackendOptions o;
    o.isa = isa;
    o.threads = threads;
    auto b = cpu::CpuBackend::create(std::move(model), o);
    return b.ok() ? std::move(b).value() : nullptr;
}

// Forwards to a CPU backend, except that the op named by `perturb` comes out
// multiplied by 1 + 1e-4 (a layer with INT4 states by 1 + 5e-2, above the
// rounding noise those passes allow), or, for "kv-mask" and "alpha", runs as
// if the KV mode were project or the compensation absent.
class PerturbedBackend final : public Backend {
public:
    PerturbedBackend(std::unique_ptr<cpu::CpuBackend> inner, std::string perturb)
        : m_inner(std::move(inner)), m_perturb(std::move(perturb)) {
        m_maxContext = m_inner->maxContext();
    }

    const BackendInfo& info() const override { return m_inner->info(); }
    const Model& model() const override { return m_inner->model(); }
    Status enableQuantizedStates(int32_t group) override {
        return m_inner->enableQuantizedStates(group);
    }
    int32_t quantizedGroup() const override { return m_inner->quantizedGroup(); }
    Status setCompensation(const Compensation& c) override {
        return m_inner->setCompensation(m_perturb == "alpha" ? Compensation{} : c);
    }
    void setKvMode(KvMode mode) override {
        m_inner->setKvMode(m_perturb == "kv-mask" ? KvMode::Project : mode);
    }
    Status beginPass(std::span<const int32_t> tokens, int64_t first) override {
        return m_inner->beginPass(tokens, first);
    }
    Status runLayer(int32_t layer, std::span<const LayerState> states) override {
        m_perturbHidden = m_perturb == "layer-int4" &&
                          std::find(states.begin(), states.end(), LayerState::Int4) != states.end();
        return m_inner->runLayer(layer, states);
    }
    Expected<std::span<const float>> hidden() override {
        DASH_ASSIGN_OR_RETURN(std::span<const float> h, m_inner->hidden());
        if (!m_perturbHidden)
            return h;
        m_copy.assign(h.begin(), h.end());
        nudge(m_copy, 5e-2f);
        return std::span<const float>(m_copy);
    }
    Expected<std::span<const float>> logits(int64_t first) override {
        DASH_ASSIGN_OR_RETURN(std::span<const float> l, m_inner->logits(first));
        if (m_perturb != "logits")
            return l;
        m_copy.assign(l.begin(), l.end());
        nudge(m_copy);
        return std::span<const float>(m_copy);
    }

    Status rmsNorm(std::span<const float> x, std::span<const float> w, int64_t n, float eps,
                   std::span<float> out) override {
        DASH_TRY(m_inner->rmsNorm(x, w, n, eps, out));
        return maybeNudge("rmsNorm", out);
    }
    Status linear(const WeightRef& ref, std::span<const float> x, int64_t n,
                  std::span<float> y) override {
        DASH_TRY(m_inner->linear(ref, x, n, y));
        const bool hit = (m_perturb == "linear-int8" && ref.state == LayerState::Int8) ||
                         (m_perturb == "linear-head" && ref.layer == WeightRef::kOutputHead);
        return hit ? maybeNudge(m_perturb, y) : Status{};
    }
    Status rope(std::span<float> v, int64_t n, int32_t heads,
                std::span<const int64_t> positions) override {
        DASH_TRY(m_inner->rope(v, n, heads, positions));
        return maybeNudge("rope", v);
    }
    Status attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                     std::span<const int64_t> positions, std::span<const uint8_t> visible,
                     int64_t n, std::span<float> out) override {
        DASH_TRY(m_inner->attention(q, k, v, positions, visible, n, out));
        return maybeNudge("attention", out);
    }
    Status swiglu(std::span<float> gate, std::span<const float> up) override {
        DASH_TRY(m_inner->swiglu(gate, up));
        return maybeNudge("swiglu", gate);
    }
    Status scaleRows(std::span<float> x, int64_t n, std::span<const float> alpha) override {
        DASH_TRY(m_inner->scaleRows(x, n, alpha));
        return maybeNudge("scaleRows", x);
    }

private:
    static void nudge(std::span<float> v, float by = 1e-4f) {
        for (float& x : v)
            x *= 1.0f + by;
    }
    Status maybeNudge(const std::string& op, std::span<float> v) {
        if (m_perturb == op)
            nudge(v);
        return {};
    }

    std::unique_ptr<cpu::CpuBackend> m_inner;
    std::string m_perturb;
    bool m_perturbHidden = false;
    std::vector<float> m_copy;
};

TinyModelSpec tinySpec(const char* arch, TensorType type) {
    TinyModelSpec spec;
    spec.arch = arch;
    spec.layers = 3;
    spec.dim = 64;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.ffn = 96;
    spec.context = 32;
    spec.weightType = type;
    return spec;
}

// CPU paths differ in summation order and in the vectorised exponential. In
// passes with INT8/INT4 layers an activation that differs in its last bit
// can also round to the next quantisation step. Measured worst normalised
// errors on the models below: ops 7e-14; float-only passes 4e-13; passes with
// integer layers 8e-5 (the demo model's mixed pattern; 1e-13 elsewhere).
// On Q8_0 and Q4_0 files every pass runs integer kernels, so a full pass can
// meet the same step flip (measured on qwen2 Q8_0, where attention sums in a
// different order than the scalar path: hidden 1.4e-6, logits 1.2e-5).
ParityOptions cpuTolerances(TensorType weights = TensorType::F32) {
    ParityOptions o;
    o.tolerance.elementwise = 1e-11;
    o.tolerance.linear = 1e-11;
    o.tolerance.linearInt = 1e-11;
    o.tolerance.attention = 1e-11;
    o.tolerance.layer = 1e-10;
    o.tolerance.logits = 1e-10;
    o.tolerance.layerInt = 5e-4;
    o.tolerance.logitsInt = 5e-4;
    if (weights != TensorType::F32 && weights != TensorType::F16) {
        o.tolerance.layer = 1e-5;
        o.tolerance.logits = 1e-4;
    }
    return o;
}

} // namespace

class TestBackendParity : public QObject {
    Q_OBJECT

private slots:
    void cpuPaths_data();
    void cpuPaths();
    void demoModel();
    void perturbedOpsFail_data();
    void perturbedOpsFail();
};

void TestBackendParity::cpuPaths_data() {
    QTest::addColumn<QString>("isa");
    QTest::addColumn<QString>("arch");
    QTest::addColumn<TensorType>("type");
    for (cpu::Isa isa : cpu::supportedIsas())
        for (const char* arch : {"llama", "qwen2"})
            for (TensorType type :
                 {TensorType::F32, TensorType::F16, TensorType::Q8_0, TensorType::Q4_0})
                QTest::addRow("%s %s %s", cpu::isaName(isa), arch, tensorTypeName(type).c_str())
                    << QString(cpu::isaName(isa)) << QString(arch) << type;
}

void TestBackendParity::cpuPaths() {
    QFETCH(QString, isa);
    QFETCH(QString, arch);
    QFETCH(TensorType, type);
    std::string error;
    std::shared_ptr<const Model> model =
        loadTinyModel(tinySpec(arch.toLatin1().constData(), type), &error);
    QVERIFY2(model, error.c_str());
    auto test = cpuBackend(model, isa.toStdString(), 2);
    auto reference = cpuBackend(model, "scalar", 1);
    QVERIFY(test && reference);
    const auto cases = runParity(*test, *reference, cpuTolerances(type));
    QVERIFY(cases.size() > 100);
    double worstOp = 0, worstPass = 0;
    for (const ParityCase& c : cases) {
        if (!c.passed)
            QFAIL(qPrintable(QString::fromStdString(formatParity({c}))));
        double& worst = c.name.rfind("layers", 0) == 0 ? worstPass : worstOp;
        worst = std::max(worst, c.nmse);
    }
    qInfo("%zu cases; worst nmse: ops %.2g, passes %.2g", cases.size(), worstOp, worstPass);
}

void TestBackendParity::demoModel() {
    const std::string path = modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(path);
    auto loaded = Model::load(path);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());
    std::shared_ptr<const Model> model = std::move(loaded).value();
    auto reference = cpuBackend(model, "scalar", 1);
    QVERIFY(reference);
    for (cpu::Isa isa : cpu::supportedIsas()) {
        auto test = cpuBackend(model, cpu::isaName(isa), 2);
        QVERIFY(test);
        const auto cases = runParity(*test, *reference, cpuTolerances());
        int failed = 0;
        for (const ParityCase& c : cases)
            failed += c.passed ? 0 : 1;
        if (failed)
            QFAIL(qPrintable(QString::fromStdString(formatParity(cases))));
        qInfo("%s vs scalar: %zu cases pass", cpu::isaName(isa), cases.size());
    }
}

void TestBackendParity::perturbedOpsFail_data() {
    // The op perturbed, and what the name of every case it must fail contains.
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("failing");
    QTest::newRow("rmsNorm") << "rmsNorm"
                             << "rmsNorm";
    QTest::newRow("rope") << "rope"
                          << "rope";
    QTest::newRow("swiglu") << "swiglu"
                            << "swiglu";
    QTest::newRow("scaleRows") << "scaleRows"
                               << "scaleRows";
    QTest::newRow("attention") << "attention"
                               << "attention";
    QTest::newRow("linear int8") << "linear-int8"
                                 << "int8";
    QTest::newRow("output head") << "linear-head"
                                 << "output head";
    QTest::newRow("int4 layers") << "layer-int4"
                                 << "(hidden";
    QTest::newRow("logits") << "logits"
                            << "(logits)";
    QTest::newRow("kv mask") << "kv-mask"
                             << "kv mask";
    QTest::newRow("compensation") << "alpha"
                                  << "alpha";
}

void TestBackendParity::perturbedOpsFail() {
    QFETCH(QString, op);
    QFETCH(QString, failing);
    std::string error;
    std::shared_ptr<const Model> model = loadTinyModel(tinySpec("qwen2", TensorType::F32), &error);
    QVERIFY2(model, error.c_str());
    PerturbedBackend test(cpuBackend(model, "", 2), op.toStdString());
    auto reference = cpuBackend(model, "scalar", 1);
    QVERIFY(reference);
    const auto cases = runParity(test, *reference, cpuTolerances());
    int failures = 0;
    for (const ParityCase& c : cases) {
        if (c.passed)
            continue;
        ++failures;
        QVERIFY2(QString::fromStdString(c.name).contains(failing),
                 qPrintable("unexpected failure: " + QString::fromStdString(formatParity({c}))));
    }
    QVERIFY2(failures > 0, qPrintable("perturbing " + op + " went unnoticed"));
    qInfo("%s perturbed: %d of %zu cases fail", qPrintable(op), failures, cases.size());
}

QTEST_GUILESS_MAIN(TestBackendParity)
#include "tst_backend_parity.moc"
