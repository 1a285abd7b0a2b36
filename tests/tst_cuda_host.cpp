// SPDX-License-Identifier: MIT
// The CUDA backend's host-side parts, on any machine: the GPU weight layouts
// (pack then unpack equals core/engine/quantize.h's integers and scales, and
// the dequantised rows equal the CPU backend's bit for bit), the per-chunk
// arithmetic the kernels share (block_math.h) against exhaustive tables,
// float64 and the CPU kernels, launch geometry, the decode-step plans of every
// decision mode (and that breaking one is caught), and the device form of
// DASH's scorer against the CPU controller's decisions.
#include "test_support.h"
#include "tiny_model.h"

#include "core/dash/dash_controller.h"
#include "core/dash/scorer.h"
#include "core/engine/cpu/cpu_weights.h"
#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/engine/quantize.h"
#include "core/gguf/quant.h"
#include "cuda/block_math.h"
#include "cuda/device_scorer.h"
#include "cuda/gpu_layout.h"
#include "cuda/launch_geometry.h"
#include "cuda/step_plan.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>

using namespace dash;
using namespace dash::cuda;

namespace {

std::vector<float> randomValues(size_t count, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(count);
    for (float& x : v)
        x = normal(rng);
    return v;
}

GroupQuantized quantized(int32_t rows, int32_t cols, int32_t qmax, int32_t group, uint32_t seed) {
    const std::vector<float> w = randomValues(static_cast<size_t>(rows) * cols, seed);
    auto q = quantizeGroups(w.data(), rows, cols, qmax, group);
    Q_ASSERT(q.ok());
    return std::move(q).value();
}

double relativeL2(const std::vector<double>& test, const std::vector<double>& ref) {
    double d = 0, r = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        d += (test[i] - ref[i]) * (test[i] - ref[i]);
        r += ref[i] * ref[i];
    }
    return r > 0 ? std::sqrt(d / r) : std::sqrt(d);
}

std::shared_ptr<Model> tinyModel(const char* arch, TensorType type, uint32_t seed) {
    test::TinyModelSpec spec;
    spec.arch = arch;
    spec.layers = 3;
    spec.dim = 64;
    spec.heads = 2; // head size 32: Q8_0/Q4_0 rows of 32
    spec.kvHeads = 1;
    spec.ffn = 128;
    spec.weightType = type;
    spec.seed = seed;
    std::string error;
    auto model = test::loadModelBytes(test::buildTinyModel(spec), "tiny", &error);
    if (!model)
        qWarning("%s", error.c_str());
    return model;
}

ScoringModel randomScorer(const ScorerShape& shape, uint64_t seed, float lambda) {
    ScoringModel m(shape, lambda);
    m.initialize(seed);
    // initialize() leaves the biases at 0; give them values so that every
    // term of the decision is exercised.
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::normal_distribution<float> normal(0.0f, 0.3f);
    for (float& p : m.parameters())
        if (p == 0.0f)
            p = normal(rng);
    return m;
}

} // namespace

class TestCudaHost : public QObject {
    Q_OBJECT

private slots:
    void packRoundTripsExactly_data();
    void packRoundTripsExactly();
    void packRejectsWhatDoesNotFit();
    void dequantisedRowsEqualCpuBackend_data();
    void dequantisedRowsEqualCpuBackend();
    void fullPrecisionLayouts();
    void laneConversionsAreExact();
    void chunkDotAgainstFloat64AndCpuKernels_data();
    void chunkDotAgainstFloat64AndCpuKernels();
    void gemvGeometry();
    void attentionSplitsPartitionPositions();
    void scorerSlices();
    void stepPlansHoldTheirRules();
    void brokenStepPlansAreCaught();
    void layerKernelLists();
    void deviceScorerMatchesController();
    void deviceScorerRejectsHostOnlyOptions();
};

void TestCudaHost::packRoundTripsExactly_data() {
    QTest::addColumn<int>("qmax");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("group");
    for (int qmax : {127, 7})
        for (int group : {32, 64, 128}) {
            const QByteArray name = (qmax == 127 ? "int8 g" : "int4 g") + QByteArray::number(group);
            QTest::newRow(name.constData()) << qmax << 5 << 256 << group;
        }
    QTest::newRow("int4 one chunk") << 7 << 3 << 32 << 32;
}

void TestCudaHost::packRoundTripsExactly() {
    QFETCH(int, qmax);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, group);
    const GroupQuantized q = quantized(rows, cols, qmax, group, 11);
    auto packed = packQuantized(q);
    QVERIFY2(packed.ok(), packed.ok() ? "" : packed.error().message().c_str());
    QCOMPARE(packed->format, qmax == 127 ? DeviceFormat::Int8 : DeviceFormat::Int4);
    QCOMPARE(packed->data.size(), packed->rowBytes() * static_cast<size_t>(rows));
    QCOMPARE(packed->rowBytes() % 16, size_t{0}); // every row starts 16-byte aligned
    auto back = unpackQuantized(*packed);
    QVERIFY(back.ok());
    QCOMPARE(back->q, q.q);
    QCOMPARE(std::memcmp(back->scales.data(), q.scales.data(), q.scales.size() * sizeof(float)), 0);
    QCOMPARE(back->group, q.group);
    QCOMPARE(back->qmax, q.qmax);
    if (qmax == 7) {
        // The documented nibble order: weight 8i + e of a chunk at bit
        // nibbleShift(e) of word i, stored as q + 8.
        for (int e = 0; e < 8; ++e) {
            uint32_t word;
            std::memcpy(&word, packed->data.data() + 4, 4); // word 1 of chunk 0, row 0
            const int nibble = static_cast<int>((word >> nibbleShift(e)) & 0xFu);
            QCOMPARE(nibble - 8, static_cast<int>(q.q[static_cast<size_t>(8 + e)]));
        }
    }
}

void TestCudaHost::packRejectsWhatDoesNotFit() {
    GroupQuantized q = quantized(2, 64, 7, 32, 3);
    q.qmax = 5;
    QVERIFY(!packQuantized(q).ok());
    q.qmax = 7;
    q.q[7] = 8; // outside [-7, 7]
    auto bad = packQuantized(q);
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message().find("outside [-7, 7]") != std::string::npos);
    q.q[7] = 0;
    q.scales.pop_back();
    QVERIFY(!packQuantized(q).ok());
    auto shape = checkDeviceShape("blk.0.attn_q.weight", 4, 100);
    QVERIFY(!shape.ok());
    QVERIFY(shape.error().message().find("blk.0.attn_q.weight") != std::string::npos);
    QVERIFY(checkDeviceShape("t", 4, 96).ok());
}

void TestCudaHost::dequantisedRowsEqualCpuBackend_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("group");
    QTest::newRow("llama f32 g32") << "llama" << static_cast<int>(TensorType::F32) << 32;
    QTest::newRow("llama f16 g64") << "llama" << static_cast<int>(TensorType::F16) << 64;
    QTest::newRow("qwen2 q8_0 g32") << "qwen2" << static_cast<int>(TensorType::Q8_0) << 32;
    QTest::newRow("qwen2 q4_0 g32") << "qwen2" << static_cast<int>(TensorType::Q4_0) << 32;
}

void TestCudaHost::dequantisedRowsEqualCpuBackend() {
    QFETCH(QString, arch);
    QFETCH(int, type);
    QFETCH(int, group);
    auto model = tinyModel(arch.toUtf8().constData(), static_cast<TensorType>(type), 21);
    QVERIFY(model);
    for (auto [matrixType, state] : {std::pair{cpu::MatrixType::Int8, LayerState::Int8},
                                     std::pair{cpu::MatrixType::Int4, LayerState::Int4}}) {
        auto cpuLayers = cpu::quantizedLayers(*model, matrixType, group);
        QVERIFY(cpuLayers.ok());
        for (int32_t l = 0; l < model->config().layers; ++l) {
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                const WeightTensor& t = model->layer(l).matrices[k];
                auto q = quantizeWeight(t, state, group);
                QVERIFY(q.ok());
                auto packed = packQuantized(*q);
                QVERIFY(packed.ok());
                const cpu::Matrix& m = (**cpuLayers)[static_cast<size_t>(l)].matrices[k];
                std::vector<float> ours(static_cast<size_t>(t.cols)), theirs(ours.size());
                for (int32_t r = 0; r < t.rows; ++r) {
                    dequantizeRow(*packed, r, ours.data());
                    cpu::readRow(m, r, theirs.data());
                    if (std::memcmp(ours.data(), theirs.data(), ours.size() * sizeof(float)) != 0)
                        QFAIL(qPrintable(QStringLiteral("%1 row %2 (%3) differs from the CPU "
                                                        "backend's")
                                             .arg(QString::fromStdString(t.name))
                                             .arg(r)
                                             .arg(stateName(state))));
                }
            }
        }
    }
}

void TestCudaHost::fullPrecisionLayouts() {
    // F16 files keep their bits; F32 and Q8_0 values become the nearest half.
    for (TensorType type : {TensorType::F16, TensorType::F32, TensorType::Q8_0}) {
        auto model = tinyModel("llama", type, 5);
        QVERIFY(model);
        const WeightTensor& t = model->layer(1).matrix(LayerMatrix::Gate);
        auto m = fullPrecisionMatrix(t);
        QVERIFY(m.ok());
        QCOMPARE(m->format, DeviceFormat::F16);
        std::vector<float> file(static_cast<size_t>(t.cols)), ours(file.size());
        for (int32_t r = 0; r < t.rows; ++r) {
            t.readRow(r, file.data());
            dequantizeRow(*m, r, ours.data());
            for (size_t c = 0; c < file.size(); ++c)
                QCOMPARE(ours[c], halfToFloat(floatToHalf(file[c])));
        }
        if (type == TensorType::F16)
            QCOMPARE(std::memcmp(m->data.data(), t.data, m->data.size()), 0);
    }
    // Values beyond half precision's range keep their magnitude as BF16.
    test::TinyModelSpec spec;
    spec.layers = 1;
    test::TinyModel big = test::makeTinyModel(spec);
    test::TinyTensor* t = big.findTensor("blk.0.ffn_up.weight");
    QVERIFY(t);
    t->values[3] = 1.0e6f;
    std::string error;
    auto model = test::loadModelBytes(big.build(), "big", &error);
    QVERIFY2(model, error.c_str());
    auto m = fullPrecisionMatrix(model->layer(0).matrix(LayerMatrix::Up));
    QVERIFY(m.ok());
    QCOMPARE(m->format, DeviceFormat::BF16);
    std::vector<float> row(static_cast<size_t>(m->cols));
    dequantizeRow(*m, 0, row.data());
    QCOMPARE(row[3], bf16ToFloat(floatToBf16(1.0e6f)));

    // The fused gate/up product needs one format: the F16 gate becomes BF16,
    // its values those of the half values rounded to BF16; up is untouched.
    const WeightTensor& gateTensor = model->layer(0).matrix(LayerMatrix::Gate);
    auto gate = fullPrecisionMatrix(gateTensor);
    QVERIFY(gate.ok());
    QCOMPARE(gate->format, DeviceFormat::F16);
    const std::vector<uint8_t> upBytes = m->data;
    shareHalfFormat(*gate, *m);
    QCOMPARE(gate->format, DeviceFormat::BF16);
    QCOMPARE(m->format, DeviceFormat::BF16);
    QVERIFY(m->data == upBytes);
    std::vector<float> file(static_cast<size_t>(gateTensor.cols)), ours(file.size());
    for (int32_t r = 0; r < gateTensor.rows; ++r) {
        gateTensor.readRow(r, file.data());
        dequantizeRow(*gate, r, ours.data());
        for (size_t c = 0; c < file.size(); ++c)
            QCOMPARE(ours[c], bf16ToFloat(floatToBf16(halfToFloat(floatToHalf(file[c])))));
    }
    // Matrices of one format stay as they are.
    auto again = fullPrecisionMatrix(gateTensor);
    auto other = fullPrecisionMatrix(model->layer(0).matrix(LayerMatrix::Down));
    QVERIFY(again.ok() && other.ok());
    const std::vector<uint8_t> before = again->data;
    shareHalfFormat(*again, *other);
    QCOMPARE(again->format, DeviceFormat::F16);
    QVERIFY(again->data == before);
}

void TestCudaHost::laneConversionsAreExact() {
    // Every byte and nibble, against the integer it encodes.
    for (uint32_t b = 0; b < 256; ++b) {
        const uint32_t word = (b << 16) | 0xA500705Au; // bytes 0x5A, 0x70, b, 0xA5
        QCOMPARE(int8Lane(word, 2), static_cast<float>(static_cast<int8_t>(b)));
    }
    for (uint32_t n = 0; n < 16; ++n)
        for (int e = 0; e < 8; ++e) {
            const uint32_t word = (n << nibbleShift(e)) | (e == 0 ? 0xF0u : 0x3u);
            QCOMPARE(int4Lane(word, nibbleShift(e)), static_cast<float>(static_cast<int>(n) - 8));
        }
    // The PRMT emulation on a hand-worked selector: bytes 4..7 are b's.
    QCOMPARE(bytePermute(0x44332211u, 0x88776655u, 0x7430u), 0x88554411u);
    // Every half, against the core's conversion (NaN payloads aside).
    for (uint32_t h = 0; h < 65536; ++h) {
        const float ours = halfBitsToFloat(static_cast<uint16_t>(h));
        const float core = halfToFloat(static_cast<uint16_t>(h));
        if (std::isnan(core)) {
            QVERIFY(std::isnan(ours));
            continue;
        }
        if (floatToBits(ours) != floatToBits(core))
            QFAIL(qPrintable(QStringLiteral("half 0x%1").arg(h, 4, 16, QLatin1Char('0'))));
    }
    QCOMPARE(bf16BitsToFloat(0x3F80), 1.0f);
}

void TestCudaHost::chunkDotAgainstFloat64AndCpuKernels_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<double>("cpuTolerance");
    // The CPU's integer kernels round activations per group (7 bits for
    // INT8 weights, 8 bits for INT4); the device keeps them in float32. The
    // relative L2 difference that rounding makes here (normal activations,
    // rows of 512, group 64; the test prints it): 9.9e-3 (7 bits) and 4.8e-3
    // (8 bits). The tolerances leave a factor of 2.
    QTest::newRow("f16") << static_cast<int>(DeviceFormat::F16) << 1e-6;
    QTest::newRow("int8") << static_cast<int>(DeviceFormat::Int8) << 2e-2;
    QTest::newRow("int4") << static_cast<int>(DeviceFormat::Int4) << 1e-2;
}

void TestCudaHost::chunkDotAgainstFloat64AndCpuKernels() {
    QFETCH(int, format);
    QFETCH(double, cpuTolerance);
    const auto f = static_cast<DeviceFormat>(format);
    const int32_t rows = 48, cols = 512, group = 64;
    const std::vector<float> w = randomValues(static_cast<size_t>(rows) * cols, 7, 0.05f);
    const std::vector<float> x = randomValues(static_cast<size_t>(cols), 8);
    HostMatrix m;
    cpu::Matrix cpuMatrix;
    if (f == DeviceFormat::F16) {
        std::vector<uint16_t> halves(w.size());
        for (size_t i = 0; i < w.size(); ++i)
            halves[i] = floatToHalf(w[i]);
        m.format = f;
        m.rows = rows;
        m.cols = cols;
        m.data.resize(halves.size() * 2);
        std::memcpy(m.data.data(), halves.data(), m.data.size());
        cpuMatrix = cpu::makeF16Matrix(rows, cols, halves);
    } else {
        auto q = quantizeGroups(w.data(), rows, cols, f == DeviceFormat::Int8 ? 127 : 7, group);
        QVERIFY(q.ok());
        auto packed = packQuantized(*q);
        QVERIFY(packed.ok());
        m = std::move(packed).value();
        auto cm = cpu::fromQuantized(*q);
        QVERIFY(cm.ok());
        cpuMatrix = std::move(cm).value();
    }
    std::vector<double> device(static_cast<size_t>(rows)), exact(device.size()),
        cpuOut(device.size());
    std::vector<float> row(static_cast<size_t>(cols));
    double worstExact = 0;
    for (int32_t r = 0; r < rows; ++r) {
        dequantizeRow(m, r, row.data());
        double sum = 0, magnitude = 0;
        for (int32_t c = 0; c < cols; ++c) {
            sum += static_cast<double>(row[static_cast<size_t>(c)]) * x[static_cast<size_t>(c)];
            magnitude += std::fabs(static_cast<double>(row[static_cast<size_t>(c)]) *
                                   x[static_cast<size_t>(c)]);
        }
        exact[static_cast<size_t>(r)] = sum;
        device[static_cast<size_t>(r)] = referenceRowDot(m, r, x.data());
        // A float32 chain of fused multiply-adds: error below cols · 2^-24 of Σ|w·x|.
        worstExact = std::max(worstExact, std::fabs(device[static_cast<size_t>(r)] - sum) /
                                              (magnitude * cols * 0x1p-24));
    }
    QVERIFY2(worstExact <= 1.0, qPrintable(QString::number(worstExact)));
    cpu::ThreadPool pool(1);
    std::vector<float> y(static_cast<size_t>(rows));
    cpu::matmul(cpuMatrix, x.data(), 1, y.data(), pool, cpu::Isa::Scalar);
    for (int32_t r = 0; r < rows; ++r)
        cpuOut[static_cast<size_t>(r)] = y[static_cast<size_t>(r)];
    const double diff = relativeL2(device, cpuOut);
    qInfo("%s: device chunk math vs CPU scalar kernel, relative L2 %.3g", deviceFormatName(f),
          diff);
    QVERIFY2(diff <= cpuTolerance, qPrintable(QString::number(diff)));
}

void TestCudaHost::gemvGeometry() {
    // Hand-worked: Qwen2.5-0.5B's Q projection (896 x 896, 112 F16 chunks a
    // row) keeps one warp per row: 112 blocks is below 2 x 132, but a second
    // warp would get fewer than two passes of 32 chunks.
    GemvGeometry g = cuda::gemvGeometry(896, 112, 132);
    QCOMPARE(g.warpsPerRow, 1);
    QCOMPARE(g.rowsPerBlock, 8);
    QCOMPARE(g.blocks, int64_t{112});
    // Its down projection (896 x 4864, 608 chunks): 1 -> 2 -> 4 warps per row
    // (448 blocks >= 264).
    g = cuda::gemvGeometry(896, 608, 132);
    QCOMPARE(g.warpsPerRow, 4);
    QCOMPARE(g.rowsPerBlock, 2);
    QCOMPARE(g.blocks, int64_t{448});
    // A huge row count never splits rows.
    g = cuda::gemvGeometry(151936, 112, 132);
    QCOMPARE(g.warpsPerRow, 1);
    std::mt19937 rng(3);
    for (int i = 0; i < 2000; ++i) {
        const int64_t rows = 1 + rng() % 20000;
        const int64_t chunks = 1 + rng() % 5000;
        const int sm = 1 + static_cast<int>(rng() % 200);
        const GemvGeometry h = cuda::gemvGeometry(rows, chunks, sm);
        QCOMPARE(h.rowsPerBlock * h.warpsPerRow, kGemvWarps);
        QVERIFY(h.blocks * h.rowsPerBlock >= rows);
        QVERIFY((h.blocks - 1) * h.rowsPerBlock < rows);
        QVERIFY(h.warpsPerRow == 1 || chunks >= int64_t{64} * h.warpsPerRow);
    }
}

void TestCudaHost::attentionSplitsPartitionPositions() {
    QCOMPARE(attentionSplits(4096, 14, 132), 19); // ceil(264 / 14)
    QCOMPARE(attentionSplits(20, 14, 132), 1);    // shorter than two splits' minimum
    QCOMPARE(attentionSplits(1 << 20, 1, 132), kMaxAttentionSplits);
    QCOMPARE(attentionSplits(100, 512, 132), 1);
    std::mt19937 rng(4);
    for (int i = 0; i < 3000; ++i) {
        const int64_t length = 1 + rng() % 5000;
        const int32_t splits = 1 + static_cast<int32_t>(rng() % 64);
        int64_t covered = 0, previousEnd = 0;
        for (int32_t s = 0; s < splits; ++s) {
            const SplitRange r = splitRange(length, splits, s);
            QVERIFY(r.begin <= r.end);
            QCOMPARE(r.begin, std::min(previousEnd, length));
            covered += r.end - r.begin;
            previousEnd = r.end;
        }
        QCOMPARE(covered, length); // every position in exactly one split
    }
    QCOMPARE(headValuesPerLane(16), 1);
    QCOMPARE(headValuesPerLane(128), 4);
    QCOMPARE(headValuesPerLane(kMaxHeadDim), 8);
}

void TestCudaHost::scorerSlices() {
    QCOMPARE(cuda::scorerSlices(64), 4);
    QCOMPARE(cuda::scorerSlices(100), 2);
    QCOMPARE(cuda::scorerSlices(256), 1);
    QCOMPARE(cuda::scorerSlices(1000), 1);
    for (int hidden = 1; hidden <= kMaxScorerHidden; ++hidden)
        QVERIFY(cuda::scorerSlices(hidden) * std::min(hidden, kScorerThreads) <= kScorerThreads);
}

void TestCudaHost::stepPlansHoldTheirRules() {
    for (DecisionMode mode : kDecisionModes) {
        for (bool decide : {true, false}) {
            for (int32_t layers : {1, 2, 24}) {
                const auto plan = buildStepPlan(layers, mode, decide);
                const Status ok = checkStepPlan(plan, layers, mode, decide);
                QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message().c_str());
                auto count = [&](StepOp op) {
                    return std::count_if(plan.begin(), plan.end(),
                                         [op](const StepNode& n) { return n.op == op; });
                };
                const long decided = decide ? layers - 1 : 0;
                QCOMPARE(count(StepOp::Score), decided);
                QCOMPARE(count(StepOp::HostWait), mode == DecisionMode::HostSync ? decided : 0L);
                QCOMPARE(count(StepOp::WaitDecision),
                         mode == DecisionMode::HostSync ? 0L : decided);
                QCOMPARE(count(StepOp::LayerSwitch),
                         mode == DecisionMode::GraphSwitch ? long{layers - 1} : 0L);
                QCOMPARE(count(StepOp::LayerFixed) + count(StepOp::LayerBranch) +
                             count(StepOp::LayerSwitch),
                         long{layers});
                QCOMPARE(plan.front().op, StepOp::Embed);
                QCOMPARE(plan.back().op, StepOp::Argmax);
            }
        }
    }
}

void TestCudaHost::brokenStepPlansAreCaught() {
    const int32_t L = 6;
    auto without = [](std::vector<StepNode> plan, StepOp op, int32_t layer) {
        for (size_t i = 0; i < plan.size(); ++i)
            if (plan[i].op == op && plan[i].layer == layer) {
                plan.erase(plan.begin() + static_cast<long>(i));
                break;
            }
        return plan;
    };
    auto fails = [&](const std::vector<StepNode>& plan, DecisionMode mode, const char* part) {
        const Status s = checkStepPlan(plan, L, mode, true);
        if (s.ok())
            return false;
        if (s.error().message().find(part) == std::string::npos) {
            qWarning("unexpected message: %s", s.error().message().c_str());
            return false;
        }
        return true;
    };
    const auto branch = buildStepPlan(L, DecisionMode::GraphBranch, true);
    // No join before layer 3: it would read an undecided state.
    QVERIFY(fails(without(branch, StepOp::WaitDecision, 3), DecisionMode::GraphBranch,
                  "overwrites the copy"));
    // No wait for the layer input: the scorer could read a stale copy.
    QVERIFY(fails(without(branch, StepOp::WaitFeature, 2), DecisionMode::GraphBranch,
                  "before it waited"));
    // Layer 3 never decided: its kernels would read a stale state.
    QVERIFY(fails(without(without(without(branch, StepOp::Score, 3), StepOp::RecordDecision, 3),
                          StepOp::WaitDecision, 3),
                  DecisionMode::GraphBranch, "not yet joined"));
    // A host wait inside a graph.
    const auto host = buildStepPlan(L, DecisionMode::HostSync, true);
    QVERIFY(fails(host, DecisionMode::GraphBranch, "cannot wait for the host"));
    // The host launches a layer before it read the decision.
    QVERIFY(fails(without(host, StepOp::HostWait, 2), DecisionMode::HostSync, "does not know"));
    // SWITCH nodes outside graph-switch mode.
    const auto sw = buildStepPlan(L, DecisionMode::GraphSwitch, true);
    QVERIFY(fails(sw, DecisionMode::GraphBranch, "SWITCH"));
    QVERIFY(checkStepPlan(sw, L, DecisionMode::GraphSwitch, true).ok());
}

void TestCudaHost::layerKernelLists() {
    using K = LayerKernel;
    const auto has = [](const std::vector<K>& v, K k) {
        return std::find(v.begin(), v.end(), k) != v.end();
    };
    for (LayerState s : {LayerState::Int4, LayerState::Int8, LayerState::Full}) {
        const auto v = layerKernels(s, KvMode::Project);
        QCOMPARE(v.front(), K::Qkv);
        QVERIFY(has(v, K::Attention) && has(v, K::GateUpSwiglu) && !has(v, K::Compensate));
        QCOMPARE(v, layerKernels(s, KvMode::Mask));
    }
    // A skipped token still projects K/V in the Project mode, only marks its
    // position in the Mask mode, and is compensated either way.
    QCOMPARE(layerKernels(LayerState::Skip, KvMode::Project),
             (std::vector<K>{K::Qkv, K::RopeStore, K::Compensate}));
    QCOMPARE(layerKernels(LayerState::Skip, KvMode::Mask),
             (std::vector<K>{K::RopeStore, K::Compensate}));
    // The branch list is the union in the order a layer needs them.
    const auto branch = branchLayerKernels();
    for (LayerState s : kStates)
        for (KvMode m : {KvMode::Project, KvMode::Mask}) {
            size_t at = 0;
            for (K k : layerKernels(s, m)) {
                while (at < branch.size() && branch[at] != k)
                    ++at;
                QVERIFY2(at < branch.size(), layerKernelName(k));
            }
        }
}

void TestCudaHost::deviceScorerMatchesController() {
    const int32_t dim = 48, layers = 6, n = 5;
    const ScorerShape shape{dim, layers, 8, 64};
    for (int variant = 0; variant < 3; ++variant) {
        auto model = std::make_shared<const ScoringModel>(randomScorer(shape, 40 + variant, 0.1f));
        std::vector<std::vector<float>> gamma, alpha;
        for (int32_t l = 0; l < layers; ++l) {
            gamma.push_back(variant == 1 ? std::vector<float>{0.9f}
                                         : randomValues(static_cast<size_t>(dim), 50 + l, 0.2f));
            for (float& g : gamma.back())
                g += 1.0f;
            alpha.push_back(
                randomValues(variant == 2 ? 1 : static_cast<size_t>(dim), 60 + l, 0.1f));
            for (float& a : alpha.back())
                a += 1.0f;
        }
        DashRuntimeOptions options;
        options.async = true;
        options.record = true;
        options.costBias = variant == 0 ? 0.0f : 0.3f;
        options.allowInt4 = variant != 2;
        DashController controller(model, gamma, alpha, options);
        auto spec = makeDeviceScorer(*model, gamma, alpha, options);
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());

        Trace trace;
        trace.layers = layers;
        trace.appendTokens(std::vector<int32_t>(static_cast<size_t>(n), 1));
        PassInfo pass;
        pass.count = n;
        pass.trace = &trace;
        pass.dim = dim;
        controller.beginPass(pass);
        std::vector<std::vector<float>> inputs;
        std::vector<std::vector<LayerState>> states;
        for (int32_t l = 0; l < layers; ++l) {
            inputs.push_back(randomValues(static_cast<size_t>(n) * dim, 70 + l, 2.0f));
            std::vector<LayerState> s(static_cast<size_t>(n));
            controller.beforeLayer(l, inputs.back().data(), n, s.data());
            controller.afterLayer(l, inputs.back().data(), n);
            states.push_back(s);
        }
        controller.endPass();
        int compared = 0, ties = 0;
        for (int32_t next = 1; next < layers; ++next) {
            for (int32_t t = 0; t < n; ++t) {
                float ours[kStateCount];
                const LayerState current =
                    states[static_cast<size_t>(next - 1)][static_cast<size_t>(t)];
                const LayerState chosen =
                    referenceDecision(*spec, inputs[static_cast<size_t>(next - 1)].data() + t * dim,
                                      next, current, ours);
                float best = -INFINITY, second = -INFINITY;
                for (int k = 0; k < kStateCount; ++k) {
                    const float theirs = trace.score(t, next, kStates[k]);
                    QCOMPARE(std::isnan(ours[k]), std::isnan(theirs));
                    if (std::isnan(theirs))
                        continue;
                    QVERIFY2(std::fabs(ours[k] - theirs) <= 1e-4f * (1.0f + std::fabs(theirs)),
                             qPrintable(QStringLiteral("layer %1 token %2 state %3: %4 vs %5")
                                            .arg(next)
                                            .arg(t)
                                            .arg(k)
                                            .arg(ours[k])
                                            .arg(theirs)));
                    if (theirs > best) {
                        second = best;
                        best = theirs;
                    } else if (theirs > second) {
                        second = theirs;
                    }
                }
                if (best - second < 1e-4f) {
                    ++ties; // too close to call at float rounding
                    continue;
                }
                QCOMPARE(chosen, states[static_cast<size_t>(next)][static_cast<size_t>(t)]);
                ++compared;
            }
        }
        QVERIFY(compared >= (layers - 1) * n - 2);
        Q_UNUSED(ties);
    }
    // Forced states override the choice, scores stay.
    auto model = std::make_shared<const ScoringModel>(randomScorer(shape, 9, 0.1f));
    std::vector<std::vector<float>> gamma(static_cast<size_t>(layers), std::vector<float>{1.0f});
    auto spec = makeDeviceScorer(*model, gamma, {}, DashRuntimeOptions{});
    QVERIFY(spec.ok());
    spec->forcedStates.assign(static_cast<size_t>(layers), LayerState::Int8);
    QVERIFY(checkDeviceScorer(*spec, layers, dim).ok());
    const std::vector<float> x = randomValues(static_cast<size_t>(dim), 3);
    float scores[kStateCount];
    QCOMPARE(referenceDecision(*spec, x.data(), 2, LayerState::Full, scores), LayerState::Int8);
    QVERIFY(!std::isnan(scores[3]));
}

void TestCudaHost::deviceScorerRejectsHostOnlyOptions() {
    const ScorerShape shape{16, 4, 4, 8};
    ScoringModel model = randomScorer(shape, 1, 0.1f);
    std::vector<std::vector<float>> gamma(4, std::vector<float>{1.0f});
    DashRuntimeOptions o;
    o.temperature = 0.5f;
    QCOMPARE(makeDeviceScorer(model, gamma, {}, o).error().code(), ErrorCode::Unsupported);
    o = {};
    o.correctionThreshold = 0.9f;
    QCOMPARE(makeDeviceScorer(model, gamma, {}, o).error().code(), ErrorCode::Unsupported);
    o = {};
    o.async = false;
    QCOMPARE(makeDeviceScorer(model, gamma, {}, o).error().code(), ErrorCode::Unsupported);
    o = {};
    QVERIFY(!makeDeviceScorer(model, {{1.0f}}, {}, o).ok()); // gamma for 1 of 4 layers
    model.parameters().pop_back();
    QVERIFY(!makeDeviceScorer(model, gamma, {}, o).ok()); // layout mismatch
    ScoringModel wide(ScorerShape{16, 4, 4, kMaxScorerHidden + 1}, 0.1f);
    wide.initialize(1);
    QCOMPARE(makeDeviceScorer(wide, gamma, {}, DashRuntimeOptions{}).error().code(),
             ErrorCode::Unsupported);
}

QTEST_APPLESS_MAIN(TestCudaHost)
#include "tst_cuda_host.moc"
