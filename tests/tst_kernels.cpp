// SPDX-License-Identifier: MIT
// CPU kernels against float64 computations written here: instruction-set
// detection, every matmul path of every instruction set this CPU runs (F32,
// F16, BF16; the DASH INT8/INT4 states and every GGUF block type repacked
// into tiles; one token, batches, partial tiles), activation quantisation
// against the scalar reference, repacking against the GGUF block decoder,
// rmsNorm, both RoPE layouts, SwiGLU and causal GQA attention with and
// without the visibility mask; and the thread pool's coverage of a loop's
// index range. Instruction sets the CPU lacks are skipped with the reason.
#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/ops.h"
#include "core/engine/cpu/thread_pool.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include "kernel_test_data.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace dash;
using namespace dash::test;
using cpu::Matrix;
using cpu::MatrixType;

Q_DECLARE_METATYPE(dash::cpu::MatrixType)
Q_DECLARE_METATYPE(dash::RopeLayout)
Q_DECLARE_METATYPE(dash::cpu::Isa)
Q_DECLARE_METATYPE(dash::TensorType)

namespace {

constexpr double kUnit = 1.0 / (1 << 24); // float unit roundoff, 2^-24

// Higham's gamma_m: the relative error bound of m successive float roundings.
double roundingGamma(int64_t m) {
    return m * kUnit / (1 - m * kUnit);
}

// Kernel paths exercised, for the summary at the end.
std::set<std::string>& coveredPaths() {
    static std::set<std::string> paths;
    return paths;
}

void notePath(cpu::Isa isa, MatrixType type, int64_t n) {
    coveredPaths().insert(std::string(cpu::isaName(isa)) + " " + cpu::matrixTypeName(type) +
                          (n == 1 ? " one-token" : " batched"));
}

} // namespace

class TestKernels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void isaDetection();
    void floatMatmul_data();
    void floatMatmul();
    void matmulBias();
    void matmulShared();
    void activationQuantization();
    void repackedBlocks_data();
    void repackedBlocks();
    void repackRejectsBadShapes();
    void tiledMatmul_data();
    void tiledMatmul();
    void intMatrixPacking_data();
    void intMatrixPacking();
    void intMatrixRejectsBadShapes();
    void quantizeMatrixError_data();
    void quantizeMatrixError();

    void rmsNorm();
    void softmax();
    void rope_data();
    void rope();
    void swiglu();
    void exponential();
    void wideExponentialMatchesAvx2();
    void softmaxRowsMatchOneByOne();
    void attention_data();
    void attention();

    void parallelForCoverage_data();
    void parallelForCoverage();
    void parallelForOversubscribed();
    void asideJobs();

private:
    std::unique_ptr<cpu::ThreadPool> m_pool;
};

void TestKernels::initTestCase() {
    m_pool = std::make_unique<cpu::ThreadPool>(2);
    std::string isas;
    for (cpu::Isa isa : cpu::supportedIsas())
        isas += std::string(isas.empty() ? "" : ", ") + cpu::isaName(isa);
    qInfo("kernels tested on this CPU: %s (built: %s)", isas.c_str(), cpu::isaNames().c_str());
    for (cpu::Isa isa : cpu::allIsas())
        if (!cpu::isaUnsupportedReason(isa).empty())
            qInfo("not tested here: %s (%s)", cpu::isaName(isa),
                  cpu::isaUnsupportedReason(isa).c_str());
}

void TestKernels::cleanupTestCase() {
    std::string list;
    for (const std::string& p : coveredPaths())
        list += (list.empty() ? "" : ", ") + p;
    qInfo("matmul paths covered: %s", list.c_str());
}

void TestKernels::isaDetection() {
    const std::vector<cpu::Isa> supported = cpu::supportedIsas();
    QVERIFY(!supported.empty());
    QCOMPARE(supported.front(), cpu::Isa::Scalar);
    QCOMPARE(cpu::bestIsa(), supported.back());
    const std::vector<cpu::Isa> all = cpu::allIsas();
    for (size_t i = 0; i < all.size(); ++i) {
        const cpu::Isa isa = all[i];
        const std::string reason = cpu::isaUnsupportedReason(isa);
        const bool runs = std::find(supported.begin(), supported.end(), isa) != supported.end();
        QCOMPARE(reason.empty(), runs);
        auto parsed = cpu::parseIsa(cpu::isaName(isa));
        QCOMPARE(parsed.ok(), runs);
        if (!runs)
            QVERIFY2(parsed.error().message().find(reason) != std::string::npos,
                     parsed.error().message().c_str());
        // The ladder: a set includes every set before it, and a CPU that runs
        // a set runs every set below it.
        for (size_t j = 0; j < all.size(); ++j)
            QCOMPARE(cpu::hasLevel(isa, all[j]), j <= i);
        if (runs)
            for (size_t j = 0; j < i; ++j)
                QVERIFY(cpu::isaUnsupportedReason(all[j]).empty());
    }
    auto unknown = cpu::parseIsa("avx9000");
    QVERIFY(!unknown.ok());
    QVERIFY(unknown.error().message().find("avx9000") != std::string::npos);
}

void TestKernels::floatMatmul_data() {
    QTest::addColumn<MatrixType>("type");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("n");
    QTest::addColumn<cpu::Isa>("isa");
    for (cpu::Isa isa : cpu::supportedIsas())
        for (MatrixType type : {MatrixType::F32, MatrixType::F16, MatrixType::BF16})
            for (int rows : {3, 37, 64})
                for (int cols : {13, 45, 128, 200})
                    for (int n : {1, 2, 3, 5, 17, 64})
                        QTest::addRow("%s %s %dx%d n=%d", cpu::isaName(isa),
                                      cpu::matrixTypeName(type), rows, cols, n)
                            << type << rows << cols << n << isa;
}

// Weights k / 128 (|k| <= 128) are exact in every float type, so the float64
// product of those values is the exact result, and any summation order of the
// kernel stays within roundingGamma(cols + 1) * sum |w x| of it. The BF16
// kernels of avx512-bf16 round the activations to bfloat16 first (8
// significant bits: a relative change of at most 2^-8 each).
void TestKernels::floatMatmul() {
    QFETCH(MatrixType, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, n);
    QFETCH(cpu::Isa, isa);
    std::mt19937 rng(static_cast<uint32_t>(rows * 1000 + cols * 10 + n));
    std::uniform_int_distribution<int> k(-128, 128);
    std::vector<float> w(static_cast<size_t>(rows) * cols);
    for (float& v : w)
        v = static_cast<float>(k(rng)) / 128.0f;
    std::vector<float> x(static_cast<size_t>(n) * cols);
    for (float& v : x)
        v = uniform(rng, -3.0f, 3.0f);

    Matrix m;
    std::vector<uint16_t> halves(w.size());
    switch (type) {
    case MatrixType::F32:
        m = cpu::makeF32Matrix(rows, cols, w);
        break;
    case MatrixType::F16:
        for (size_t i = 0; i < w.size(); ++i)
            halves[i] = floatToHalf(w[i]);
        m = cpu::makeF16Matrix(rows, cols, std::move(halves));
        break;
    default:
        for (size_t i = 0; i < w.size(); ++i)
            halves[i] = floatToBf16(w[i]);
        m = cpu::makeBf16Matrix(rows, cols, std::move(halves));
        break;
    }
    QCOMPARE(readAll(m), w);
    const double activationRounding =
        type == MatrixType::BF16 && cpu::hasLevel(isa, cpu::Isa::Avx512Bf16) ? 1.0 / 256 : 0.0;

    std::vector<float> y(static_cast<size_t>(n) * rows, std::nanf(""));
    cpu::matmul(m, x.data(), n, y.data(), *m_pool, isa);
    notePath(isa, type, n);
    for (int t = 0; t < n; ++t) {
        for (int r = 0; r < rows; ++r) {
            double exact = 0, magnitude = 0;
            for (int c = 0; c < cols; ++c) {
                const double p = static_cast<double>(w[static_cast<size_t>(r) * cols + c]) *
                                 x[static_cast<size_t>(t) * cols + c];
                exact += p;
                magnitude += std::fabs(p);
            }
            const double got = y[static_cast<size_t>(t) * rows + r];
            const double bound = (roundingGamma(cols + 1) + activationRounding) * magnitude;
            if (!(std::fabs(got - exact) <= bound))
                QFAIL(qPrintable(QString("token %1 row %2: %3, exact %4, bound %5")
                                     .arg(t)
                                     .arg(r)
                                     .arg(got)
                                     .arg(exact)
                                     .arg(bound)));
        }
    }
}

void TestKernels::matmulBias() {
    std::mt19937 rng(5);
    const int rows = 21, cols = 64, n = 4;
    std::vector<float> w(static_cast<size_t>(rows) * cols), x(static_cast<size_t>(n) * cols),
        bias(rows);
    for (float& v : w)
        v = static_cast<float>(std::uniform_int_distribution<int>(-64, 64)(rng)) / 64.0f;
    for (float& v : x)
        v = uniform(rng, -1.0f, 1.0f);
    for (float& v : bias)
        v = uniform(rng, -5.0f, 5.0f);
    for (const Matrix& m :
         {cpu::makeF32Matrix(rows, cols, w),
          cpu::quantizeMatrix(w.data(), rows, cols, MatrixType::Int8, 32).value()}) {
        std::vector<float> plain(static_cast<size_t>(n) * rows), biased(plain.size());
        for (cpu::Isa isa : cpu::supportedIsas()) {
            cpu::matmul(m, x.data(), n, plain.data(), *m_pool, isa);
            cpu::matmul(m, x.data(), n, biased.data(), *m_pool, isa, bias.data());
            for (int t = 0; t < n; ++t)
                for (int r = 0; r < rows; ++r) {
                    const size_t i = static_cast<size_t>(t) * rows + r;
                    QCOMPARE(biased[i], plain[i] + bias[static_cast<size_t>(r)]);
                }
        }
    }
}

// Products sharing one input give what each product gives alone, bit for bit
// (the same quantised activations and kernels), whatever the mix of types.
void TestKernels::matmulShared() {
    std::mt19937 rng(17);
    const int cols = 256, n = 11;
    std::vector<Matrix> ms;
    ms.push_back(tiledMatrix("Q8_0", 37, cols, rng));
    ms.push_back(tiledMatrix("INT4 g64", 16, cols, rng));
    ms.push_back(tiledMatrix("Q4_K", 5, cols, rng));
    std::vector<uint16_t> h(static_cast<size_t>(21) * cols);
    for (uint16_t& v : h)
        v = floatToHalf(uniform(rng, -1.0f, 1.0f));
    ms.push_back(cpu::makeF16Matrix(21, cols, h));
    const std::vector<float> x = groupedValues(rng, n, cols);
    std::vector<float> bias(64);
    for (float& b : bias)
        b = uniform(rng, -1.0f, 1.0f);
    for (cpu::Isa isa : cpu::supportedIsas()) {
        for (int tokens : {1, n}) {
            std::vector<std::vector<float>> alone(ms.size()), shared(ms.size());
            std::vector<cpu::Product> products;
            for (size_t i = 0; i < ms.size(); ++i) {
                alone[i].resize(static_cast<size_t>(tokens) * ms[i].rows);
                shared[i].resize(alone[i].size());
                const float* b = i % 2 ? bias.data() : nullptr;
                cpu::matmul(ms[i], x.data(), tokens, alone[i].data(), *m_pool, isa, b);
                products.push_back({&ms[i], shared[i].data(), b});
            }
            cpu::matmulShared(products, x.data(), tokens, *m_pool, isa);
            for (size_t i = 0; i < ms.size(); ++i)
                QVERIFY2(
                    shared[i] == alone[i],
                    qPrintable(
                        QString("%1 matrix %2 n=%3").arg(cpu::isaName(isa)).arg(i).arg(tokens)));
        }
    }
}

// Every instruction set quantises activations exactly as the scalar
// reference: the same codes, scales and sums (ties round to even).
void TestKernels::activationQuantization() {
    std::mt19937 rng(11);
    const int32_t cols = 256;
    const int64_t n = 5;
    std::vector<float> x = groupedValues(rng, static_cast<size_t>(n), cols);
    std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
    std::fill(x.begin() + 64, x.begin() + 96, -0.0f); // negative zeros
    for (int k = 0; k < 32; ++k)                      // exact ties: d = 1
        x[static_cast<size_t>(96 + k)] = k == 0 ? 127.0f : static_cast<float>(k) - 15.5f;
    x[200] = 3e30f; // one huge value
    cpu::QuantizedActivations reference;
    cpu::quantizeActivationsScalar(x.data(), n, cols, reference);
    // The scalar reference against the definition, computed here.
    for (int64_t t = 0; t < n; ++t)
        for (int32_t b = 0; b < cols / 32; ++b) {
            const float* src = x.data() + t * cols + b * 32;
            float amax = 0;
            for (int k = 0; k < 32; ++k)
                amax = std::max(amax, std::fabs(src[k]));
            const float d = amax / 127.0f;
            const size_t i = static_cast<size_t>(t) * (cols / 32) + b;
            QCOMPARE(reference.d[i], d);
            int32_t sum = 0;
            for (int k = 0; k < 32; ++k) {
                const int q = reference.q[static_cast<size_t>(t * cols + b * 32 + k)];
                QVERIFY(q >= -127 && q <= 127);
                QVERIFY(std::fabs(static_cast<double>(d) * q - src[k]) <= d * (0.5 + 1e-6));
                sum += q;
            }
            QCOMPARE(reference.sum[i], sum);
            QCOMPARE(reference.sum16[2 * i] + reference.sum16[2 * i + 1], sum);
        }
    // Ties at d = 1: -15.5 -> -16, -14.5 -> -14, 0.5 -> 0, 1.5 -> 2.
    QCOMPARE(static_cast<int>(reference.q[96 + 0]), 127);
    QCOMPARE(static_cast<int>(reference.q[96 + 1]), -14);
    QCOMPARE(static_cast<int>(reference.q[96 + 16]), 0);
    QCOMPARE(static_cast<int>(reference.q[96 + 17]), 2);
    for (cpu::Isa isa : cpu::supportedIsas()) {
        if (isa == cpu::Isa::Scalar)
            continue;
        cpu::QuantizedActivations got;
#if defined(__x86_64__)
        if (cpu::hasLevel(isa, cpu::Isa::Avx512))
            cpu::quantizeActivationsAvx512(x.data(), n, cols, got);
        else
            cpu::quantizeActivationsAvx2(x.data(), n, cols, got);
#endif
        QVERIFY2(got.q == reference.q, cpu::isaName(isa));
        QVERIFY2(got.d == reference.d, cpu::isaName(isa));
        QVERIFY2(got.sum == reference.sum, cpu::isaName(isa));
        QVERIFY2(got.sum16 == reference.sum16, cpu::isaName(isa));
        QVERIFY2(got.dsum == reference.dsum, cpu::isaName(isa));
    }
}

void TestKernels::repackedBlocks_data() {
    QTest::addColumn<TensorType>("type");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (TensorType type : kBlockTypes)
        for (int rows : {1, 16, 21})
            for (int cols : {256, 512})
                QTest::addRow("%s %dx%d", tensorTypeName(type).c_str(), rows, cols)
                    << type << rows << cols;
}

// A repacked matrix reads back exactly the values the independent GGUF block
// decoder (core/gguf/quant.cpp) gives, and takes about the bytes of its blocks.
void TestKernels::repackedBlocks() {
    QFETCH(TensorType, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    std::mt19937 rng(static_cast<uint32_t>(rows * 31 + cols + static_cast<int>(type)));
    const std::vector<uint8_t> blocks = randomBlocks(type, rows, cols, rng);
    auto repacked = cpu::repackBlocks(type, rows, cols, blocks.data());
    QVERIFY2(repacked.ok(), repacked.ok() ? "" : repacked.error().message().c_str());
    const Matrix& m = *repacked;
    QCOMPARE(m.rows, rows);
    QCOMPARE(m.cols, cols);
    const size_t rowBytes = blocks.size() / static_cast<size_t>(rows);
    std::vector<float> want(static_cast<size_t>(cols)), got(static_cast<size_t>(cols));
    for (int r = 0; r < rows; ++r) {
        QVERIFY(dequantize(type, blocks.data() + static_cast<size_t>(r) * rowBytes, want.data(),
                           static_cast<uint64_t>(cols))
                    .ok());
        cpu::readRow(m, r, got.data());
        for (int k = 0; k < cols; ++k)
            if (!(got[static_cast<size_t>(k)] == want[static_cast<size_t>(k)]))
                QFAIL(qPrintable(QString("row %1 col %2: %3, decoder %4")
                                     .arg(r)
                                     .arg(k)
                                     .arg(got[static_cast<size_t>(k)])
                                     .arg(want[static_cast<size_t>(k)])));
    }
    // Whole tiles of 16 rows take the file's bytes (K-quants: within 3 %).
    if (rows % 16 == 0)
        QVERIFY2(static_cast<double>(m.byteSize()) <= 1.03 * static_cast<double>(blocks.size()),
                 qPrintable(
                     QString("%1 bytes for %2 in the file").arg(m.byteSize()).arg(blocks.size())));
}

void TestKernels::repackRejectsBadShapes() {
    const std::vector<uint8_t> bytes(4096, 0);
    auto partial = cpu::repackBlocks(TensorType::Q4_K, 2, 320, bytes.data());
    QVERIFY(!partial.ok());
    QVERIFY(partial.error().message().find("320") != std::string::npos);
    auto floats = cpu::repackBlocks(TensorType::F16, 2, 64, bytes.data());
    QVERIFY(!floats.ok());
    QVERIFY(floats.error().message().find("F16") != std::string::npos);
}

void TestKernels::tiledMatmul_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("n");
    QTest::addColumn<cpu::Isa>("isa");
    for (cpu::Isa isa : cpu::supportedIsas())
        for (const char* format : kTiledFormats)
            for (int cols : {256, 896, 1024})
                for (int rows : {5, 37})
                    for (int n : {1, 2, 3, 8, 13, 17, 35}) {
                        const bool kQuant = std::string(format).find("_K") != std::string::npos;
                        if (kQuant && cols % 256 != 0)
                            continue;
                        QTest::addRow("%s %s %dx%d n=%d", cpu::isaName(isa), format, rows, cols, n)
                            << QString(format) << cols << rows << n << isa;
                    }
}

// Against the float64 product of the dequantised weights W' (readRow, checked
// above against the block decoder) and the exact activations x. The kernels
// quantise x per block of 32 (step d = max|x| / 127), which moves each x_k by
// at most d / 2, and they round in float when scaling the exact integer block
// sums, about 2 roundings per block and term:
//   |y - Σ W' x| <= Σ_b (d_b / 2) Σ_{k in b} |W'_k|
//                 + (2 G + 8) u Σ_b Σ_{k in b} (|W'_k| + 2 |m_b|) (|x_k| + d_b)
// with G = cols / 32 blocks and m_b the additive part of a block's values
// (Q4_1, Q5_1, K-quants; 0 for symmetric types).
void TestKernels::tiledMatmul() {
    QFETCH(QString, format);
    QFETCH(int, cols);
    QFETCH(int, rows);
    QFETCH(int, n);
    QFETCH(cpu::Isa, isa);
    std::mt19937 rng(static_cast<uint32_t>(qHash(format) + cols * 31 + rows * 7 + n));
    const Matrix m = tiledMatrix(format.toStdString(), rows, cols, rng);
    const std::vector<float> wd = readAll(m);
    const std::vector<float> x = groupedValues(rng, static_cast<size_t>(n), cols);
    std::vector<float> y(static_cast<size_t>(n) * rows, std::nanf(""));
    cpu::matmul(m, x.data(), n, y.data(), *m_pool, isa);
    notePath(isa, m.type, n);

    const int blocks = cols / 32;
    double worstRatio = 0;
    for (int t = 0; t < n; ++t) {
        const float* xt = x.data() + static_cast<size_t>(t) * cols;
        for (int r = 0; r < rows; ++r) {
            const float* wr = wd.data() + static_cast<size_t>(r) * cols;
            double exact = 0, quantBound = 0, floatBound = 0;
            for (int b = 0; b < blocks; ++b) {
                double amax = 0;
                for (int k = b * 32; k < (b + 1) * 32; ++k)
                    amax = std::max(amax, std::fabs(static_cast<double>(xt[k])));
                const double step = amax / 127;
                const double bias = std::fabs(blockBias(m, r, b));
                double sumW = 0;
                for (int k = b * 32; k < (b + 1) * 32; ++k) {
                    exact += static_cast<double>(wr[k]) * xt[k];
                    sumW += std::fabs(wr[k]);
                    floatBound += (std::fabs(wr[k]) + 2 * bias) * (std::fabs(xt[k]) + step);
                }
                quantBound += step / 2 * sumW;
            }
            const double bound = quantBound * (1 + 1e-4) + (2 * blocks + 8) * kUnit * floatBound;
            const double got = y[static_cast<size_t>(t) * rows + r];
            const double err = std::fabs(got - exact);
            worstRatio = std::max(worstRatio, err / bound);
            if (!(err <= bound))
                QFAIL(qPrintable(QString("token %1 row %2: %3, exact %4, bound %5")
                                     .arg(t)
                                     .arg(r)
                                     .arg(got)
                                     .arg(exact)
                                     .arg(bound)));
        }
    }
    if (n == 35 && rows == 37 && cols == 1024)
        qInfo("largest error / bound: %.3f", worstRatio);
}

void TestKernels::intMatrixPacking_data() {
    QTest::addColumn<MatrixType>("type");
    QTest::addColumn<int>("group");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("rows");
    const std::pair<int, int> shapes[] = {{32, 32}, {32, 96}, {64, 128}, {32, 352}, {128, 896}};
    for (MatrixType type : {MatrixType::Int8, MatrixType::Int4})
        for (auto [group, cols] : shapes)
            for (int rows : {1, 6, 16, 19})
                QTest::addRow("%s g%d %dx%d", cpu::matrixTypeName(type), group, rows, cols)
                    << type << group << cols << rows;
}

// makeIntMatrix from integers and scales: readRow gives exactly scale * q, and
// the codes sit where tiled_layout.h says (8-bit: quad q, row r, byte j at
// q·64 + r·4 + j; 4-bit: nibbles of quads p and p + 4 in one byte).
void TestKernels::intMatrixPacking() {
    QFETCH(MatrixType, type);
    QFETCH(int, group);
    QFETCH(int, cols);
    QFETCH(int, rows);
    const bool int8 = type == MatrixType::Int8;
    std::mt19937 rng(static_cast<uint32_t>(cols * 13 + rows + group));
    std::uniform_int_distribution<int> qd(int8 ? -127 : -8, int8 ? 127 : 7);
    const int groups = cols / group;
    std::vector<int8_t> q(static_cast<size_t>(rows) * cols);
    for (int8_t& v : q)
        v = static_cast<int8_t>(qd(rng));
    std::vector<float> scales(static_cast<size_t>(rows) * groups);
    for (float& s : scales)
        s = halfToFloat(floatToHalf(uniform(rng, -2.0f, 2.0f)));
    auto made = cpu::makeIntMatrix(type, rows, cols, group, q.data(), scales.data());
    QVERIFY2(made.ok(), made.ok() ? "" : made.error().message().c_str());
    const Matrix& m = *made;
    QCOMPARE(m.type, type);
    QCOMPARE(m.group, group);
    QCOMPARE(m.tiles(), (rows + 15) / 16);
    // Codes plus one half scale per row and block of 32, whole tiles.
    QCOMPARE(m.byteSize(),
             static_cast<size_t>(m.tiles()) * 16 * (cols / 32) * ((int8 ? 32 : 16) + 2));

    std::vector<float> row(static_cast<size_t>(cols));
    for (int r = 0; r < rows; ++r) {
        cpu::readRow(m, r, row.data());
        const int8_t* qr = q.data() + static_cast<size_t>(r) * cols;
        for (int k = 0; k < cols; ++k) {
            QCOMPARE(row[static_cast<size_t>(k)],
                     scales[static_cast<size_t>(r) * groups + k / group] * qr[k]);
            const uint8_t* codes = cpu::tileCodes(m, r / 16, k / 32);
            const int quad = (k % 32) / 4, lane = (r % 16) * 4 + k % 4;
            int code;
            if (int8)
                code = codes[quad * 64 + lane];
            else
                code =
                    quad < 4 ? codes[quad * 64 + lane] & 0x0F : codes[(quad - 4) * 64 + lane] >> 4;
            QCOMPARE(code, qr[k] + (int8 ? 128 : 8));
        }
    }
}

void TestKernels::intMatrixRejectsBadShapes() {
    const std::vector<int8_t> q(256, 1);
    const std::vector<float> s(16, 1.0f);
    auto badGroup = cpu::makeIntMatrix(MatrixType::Int8, 2, 96, 48, q.data(), s.data());
    QVERIFY(!badGroup.ok());
    QVERIFY(badGroup.error().message().find("48") != std::string::npos);
    auto badCols = cpu::makeIntMatrix(MatrixType::Int4, 2, 96, 64, q.data(), s.data());
    QVERIFY(!badCols.ok());
    QVERIFY(badCols.error().message().find("96") != std::string::npos);
    QVERIFY(!cpu::makeIntMatrix(MatrixType::F16, 2, 64, 32, q.data(), s.data()).ok());
    // A scale that is not a half is refused, naming its row.
    std::vector<float> inexact(s);
    inexact[3] = 0.1f;
    auto notHalf = cpu::makeIntMatrix(MatrixType::Int8, 2, 64, 32, q.data(), inexact.data());
    QVERIFY(!notHalf.ok());
    QVERIFY2(notHalf.error().message().find("row 1, group 1 is not a half") != std::string::npos,
             notHalf.error().message().c_str());
    const std::vector<float> values(256, 0.5f);
    QVERIFY(!cpu::quantizeMatrix(values.data(), 2, 96, MatrixType::Int8, 64).ok());
    QVERIFY(!cpu::quantizeMatrix(values.data(), 2, 64, MatrixType::Int8, 0).ok());
    QVERIFY(!cpu::quantizeMatrix(values.data(), 2, 64, MatrixType::F32, 32).ok());
    // Values whose scale no half can hold, or that are not numbers, are
    // refused with their place; the largest scale that fits is accepted.
    std::vector<float> huge(values);
    huge[70] = 127.0f * 65504.0f;
    QVERIFY(cpu::quantizeMatrix(huge.data(), 2, 64, MatrixType::Int8, 32).ok());
    huge[70] = 127.0f * 65536.0f;
    auto tooLarge = cpu::quantizeMatrix(huge.data(), 2, 64, MatrixType::Int8, 32);
    QVERIFY(!tooLarge.ok());
    QVERIFY2(tooLarge.error().message().find("row 1, group 0") != std::string::npos,
             tooLarge.error().message().c_str());
    std::vector<float> notNumber(values);
    notNumber[33] = std::nanf("");
    auto nan = cpu::quantizeMatrix(notNumber.data(), 2, 64, MatrixType::Int4, 32);
    QVERIFY(!nan.ok());
    QVERIFY2(nan.error().message().find("row 0, column 33 is not finite") != std::string::npos,
             nan.error().message().c_str());
}

void TestKernels::quantizeMatrixError_data() {
    QTest::addColumn<MatrixType>("type");
    QTest::addColumn<int>("group");
    QTest::addColumn<int>("cols");
    for (MatrixType type : {MatrixType::Int8, MatrixType::Int4})
        for (auto [group, cols] : {std::pair{32, 352}, {64, 128}, {128, 896}})
            QTest::addRow("%s g%d cols %d", cpu::matrixTypeName(type), group, cols)
                << type << group << cols;
}

// Symmetric per-group quantisation: scale = max|w| / qmax (127 or 7), and every
// dequantised value within scale / 2 of the original (plus the rounding of
// the product scale * q); the matrix holds quantizeGroups' integers and scales.
void TestKernels::quantizeMatrixError() {
    QFETCH(MatrixType, type);
    QFETCH(int, group);
    QFETCH(int, cols);
    const int rows = 9;
    std::mt19937 rng(static_cast<uint32_t>(group + cols));
    std::vector<float> values = groupedValues(rng, rows, static_cast<size_t>(cols));
    // One all-zero group: scale 0, values 0.
    std::fill(values.begin() + cols, values.begin() + cols + group, 0.0f);
    auto quantized = cpu::quantizeMatrix(values.data(), rows, cols, type, group);
    QVERIFY(quantized.ok());
    const double qmax = type == MatrixType::Int8 ? 127.0 : 7.0;
    auto groupsQ = quantizeGroups(values.data(), rows, cols, static_cast<int32_t>(qmax), group);
    QVERIFY(groupsQ.ok());
    const std::vector<float> deq = readAll(*quantized);
    const int groups = cols / group;
    for (int r = 0; r < rows; ++r) {
        for (int g = 0; g < groups; ++g) {
            const size_t base = static_cast<size_t>(r) * cols + static_cast<size_t>(g) * group;
            double amax = 0;
            for (int k = 0; k < group; ++k)
                amax = std::max(amax, std::fabs(static_cast<double>(values[base + k])));
            const float scale = groupsQ->scales[static_cast<size_t>(r) * groups + g];
            // The half at or just above max|w| / qmax (one half step is 2^-10
            // relative at most, in the normal range these values fall in).
            QCOMPARE(halfToFloat(floatToHalf(scale)), scale);
            QVERIFY(scale * qmax >= amax * (1 - kUnit));
            QVERIFY(scale <= amax / qmax * (1 + 0x1p-10));
            for (int k = 0; k < group; ++k) {
                const double w = values[base + k];
                const double d = deq[base + k];
                QCOMPARE(deq[base + k], groupsQ->value(r, g * group + k));
                if (!(std::fabs(w - d) <= scale / 2 + 2 * kUnit * std::fabs(d)))
                    QFAIL(qPrintable(QString("row %1 col %2: %3 -> %4, scale %5")
                                         .arg(r)
                                         .arg(g * group + k)
                                         .arg(w)
                                         .arg(d)
                                         .arg(scale)));
                QVERIFY(std::fabs(d) <= amax + scale / 2);
            }
        }
    }
}

void TestKernels::rmsNorm() {
    std::mt19937 rng(2);
    // 13: tail only on the AVX2 path; 96: one 16-wide block short of a
    // multiple of 64; 128: the demo model's width; 896: the 0.5B shape's.
    for (int dim : {13, 96, 128, 896}) {
        const int n = 3;
        const float eps = 1e-5f;
        std::vector<float> x(static_cast<size_t>(n) * dim), weight(static_cast<size_t>(dim));
        for (float& v : x)
            v = uniform(rng, -4.0f, 4.0f);
        for (float& v : weight)
            v = uniform(rng, 0.5f, 1.5f);
        for (cpu::Isa isa : cpu::supportedIsas()) {
            std::vector<float> out(x.size());
            cpu::rmsNorm(x.data(), weight.data(), n, dim, eps, out.data(), isa);
            std::vector<float> inPlace = x;
            cpu::rmsNorm(inPlace.data(), weight.data(), n, dim, eps, inPlace.data(), isa);
            QCOMPARE(inPlace, out);
            for (int t = 0; t < n; ++t) {
                double ss = 0;
                for (int k = 0; k < dim; ++k)
                    ss += static_cast<double>(x[static_cast<size_t>(t) * dim + k]) *
                          x[static_cast<size_t>(t) * dim + k];
                const double inv = 1.0 / std::sqrt(ss / dim + eps);
                for (int k = 0; k < dim; ++k) {
                    const size_t i = static_cast<size_t>(t) * dim + k;
                    const double want = x[i] * inv * weight[static_cast<size_t>(k)];
                    QVERIFY2(std::fabs(out[i] - want) <= 4 * kUnit * std::fabs(want),
                             qPrintable(QString("%1, dim %2").arg(cpu::isaName(isa)).arg(dim)));
                }
            }
        }
    }
}

void TestKernels::softmax() {
    // Attention-score-like rows: counts around the 8-lane blocks, a spread
    // of 30 (e^-30 terms still count), and masked (-inf) entries.
    std::mt19937 rng(5);
    for (int count : {1, 7, 8, 9, 31, 96, 257}) {
        for (bool masked : {false, true}) {
            std::vector<float> x(static_cast<size_t>(count));
            for (float& v : x)
                v = uniform(rng, -20.0f, 10.0f);
            if (masked)
                for (int j = 0; j + 1 < count; j += 3)
                    x[static_cast<size_t>(j)] = -INFINITY;
            double maxValue = -INFINITY;
            for (float v : x)
                maxValue = std::max(maxValue, static_cast<double>(v));
            std::vector<double> want(x.size());
            double total = 0;
            for (size_t j = 0; j < x.size(); ++j)
                total += want[j] = std::exp(static_cast<double>(x[j]) - maxValue);
            for (double& w : want)
                w /= total;
            for (cpu::Isa isa : cpu::supportedIsas()) {
                std::vector<float> y = x;
                cpu::softmaxInPlace(y.data(), count, isa);
                double sum = 0;
                for (size_t j = 0; j < y.size(); ++j) {
                    const QString where = QString("%1, count %2, masked %3, index %4")
                                              .arg(cpu::isaName(isa))
                                              .arg(count)
                                              .arg(masked)
                                              .arg(j);
                    if (std::isinf(x[j]))
                        QVERIFY2(y[j] == 0.0f, qPrintable(where));
                    // x - max is rounded to float (half a unit of |x - max|,
                    // which e^ turns into that much relative error), the
                    // exponential is within 5e-7 relative on every path and
                    // the scale adds a few units in the last place.
                    const double spread = std::isinf(x[j]) ? 0.0 : maxValue - x[j];
                    const double bound = (spread * kUnit + 5e-7 + 4 * kUnit) * want[j];
                    QVERIFY2(std::fabs(y[j] - want[j]) <= bound,
                             qPrintable(where + QString(": %1 vs %2").arg(y[j]).arg(want[j])));
                    sum += y[j];
                }
                QVERIFY(std::fabs(sum - 1.0) < 1e-5);
            }
        }
    }
}

void TestKernels::rope_data() {
    QTest::addColumn<RopeLayout>("layout");
    QTest::addColumn<int>("headDim");
    QTest::addColumn<double>("base");
    for (auto layout : {RopeLayout::AdjacentPairs, RopeLayout::HalfSplit})
        for (int headDim : {8, 20, 32, 64, 128})
            for (double base : {10000.0, 1000000.0})
                QTest::addRow("%s d%d base %g",
                              layout == RopeLayout::AdjacentPairs ? "adjacent" : "half-split",
                              headDim, base)
                    << layout << headDim << base;
}

// Each pair (2i, 2i+1) (adjacent) or (i, i + d/2) (half-split) of every head
// is rotated by position * base^(-2i/d), computed here in float64.
void TestKernels::rope() {
    QFETCH(RopeLayout, layout);
    QFETCH(int, headDim);
    QFETCH(double, base);
    const int heads = 3;
    const int half = headDim / 2;
    cpu::Rope rope(headDim, base, layout);
    std::mt19937 rng(static_cast<uint32_t>(headDim));
    // Out of order, so the cached table grows in steps and is reused.
    for (int64_t pos : {0, 1, 5, 1000, 3, 4095, 77, 4095}) {
        std::vector<float> v(static_cast<size_t>(heads) * headDim);
        for (float& e : v)
            e = uniform(rng, -2.0f, 2.0f);
        std::vector<float> got = v;
        rope.apply(got.data(), heads, pos, cpu::Isa::Scalar);
        // Every instruction set rotates exactly as the scalar loop does.
        for (cpu::Isa isa : cpu::supportedIsas()) {
            std::vector<float> other = v;
            rope.apply(other.data(), heads, pos, isa);
            QVERIFY2(std::memcmp(other.data(), got.data(), sizeof(float) * v.size()) == 0,
                     qPrintable(QString("%1 at position %2").arg(cpu::isaName(isa)).arg(pos)));
        }
        for (int h = 0; h < heads; ++h) {
            for (int i = 0; i < half; ++i) {
                const int a = h * headDim + (layout == RopeLayout::AdjacentPairs ? 2 * i : i);
                const int b = a + (layout == RopeLayout::AdjacentPairs ? 1 : half);
                const double angle = static_cast<double>(pos) * std::pow(base, -2.0 * i / headDim);
                const double x0 = v[static_cast<size_t>(a)], x1 = v[static_cast<size_t>(b)];
                const double want0 = x0 * std::cos(angle) - x1 * std::sin(angle);
                const double want1 = x0 * std::sin(angle) + x1 * std::cos(angle);
                const double tol = 8 * kUnit * (std::fabs(x0) + std::fabs(x1));
                if (!(std::fabs(got[static_cast<size_t>(a)] - want0) <= tol &&
                      std::fabs(got[static_cast<size_t>(b)] - want1) <= tol))
                    QFAIL(
                        qPrintable(QString("position %1 head %2 pair %3").arg(pos).arg(h).arg(i)));
            }
        }
    }
}

void TestKernels::swiglu() {
    std::vector<float> a = {0.0f, 1.0f, -1.0f, 20.0f, -20.0f, 100.0f, -100.0f, 0.5f};
    std::mt19937 rng(4);
    for (int i = 0; i < 200; ++i)
        a.push_back(uniform(rng, -10.0f, 10.0f));
    std::vector<float> b(a.size());
    for (float& v : b)
        v = uniform(rng, -3.0f, 3.0f);
    for (cpu::Isa isa : cpu::supportedIsas()) {
        std::vector<float> got = a;
        cpu::swiglu(got.data(), b.data(), static_cast<int64_t>(a.size()), isa);
        for (size_t i = 0; i < a.size(); ++i) {
            const double g = a[i];
            const double want = g / (1.0 + std::exp(-g)) * b[i];
            if (!(std::fabs(got[i] - want) <= 8 * kUnit * std::fabs(want) + 1e-30))
                QFAIL(qPrintable(QString("%1: silu(%2) * %3 = %4, want %5")
                                     .arg(cpu::isaName(isa))
                                     .arg(g)
                                     .arg(b[i])
                                     .arg(got[i])
                                     .arg(want)));
        }
    }
}

void TestKernels::attention_data() {
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("kvHeads");
    QTest::addColumn<int>("headDim");
    QTest::addColumn<int>("cacheRows");
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<cpu::Isa>("isa");
    const int headShapes[][2] = {{4, 4}, {4, 2}, {6, 2}, {8, 1}, {8, 2}, {14, 2}};
    for (cpu::Isa isa : cpu::supportedIsas())
        for (auto [heads, kvHeads] : headShapes)
            for (int headDim : {16, 32})
                for (auto [rows, n] : {std::pair{10, 1}, {40, 40}, {40, 3}, {100, 2}, {300, 1}})
                    for (bool masked : {false, true})
                        QTest::addRow("%s %dq/%dkv d%d cache %d n=%d%s", cpu::isaName(isa), heads,
                                      kvHeads, headDim, rows, n, masked ? " masked" : "")
                            << heads << kvHeads << headDim << rows << n << masked << isa;
}

// Causal attention: query t (at position p_t) attends to cache rows 0..p_t,
// query head h reads KV head h / (heads / kvHeads); with a mask, rows flagged
// 0 are skipped except the query's own row. The reference is a float64
// softmax over the same rows.
void TestKernels::attention() {
    QFETCH(int, heads);
    QFETCH(int, kvHeads);
    QFETCH(int, headDim);
    QFETCH(int, cacheRows);
    QFETCH(int, n);
    QFETCH(bool, masked);
    QFETCH(cpu::Isa, isa);
    std::mt19937 rng(static_cast<uint32_t>(heads * 100 + kvHeads * 10 + headDim + n));
    const int qDim = heads * headDim, kvDim = kvHeads * headDim;
    std::vector<float> q(static_cast<size_t>(n) * qDim);
    std::vector<float> keys(static_cast<size_t>(cacheRows) * kvDim);
    std::vector<float> values(keys.size());
    for (float& v : q)
        v = uniform(rng, -1.5f, 1.5f);
    for (float& v : keys)
        v = uniform(rng, -1.5f, 1.5f);
    for (float& v : values)
        v = uniform(rng, -1.0f, 1.0f);
    std::vector<int64_t> positions(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t)
        positions[static_cast<size_t>(t)] = cacheRows - n + t;
    std::vector<uint8_t> visible(static_cast<size_t>(cacheRows), 1);
    if (masked) {
        for (uint8_t& v : visible)
            v = static_cast<uint8_t>(rng() % 2);
        visible[static_cast<size_t>(cacheRows - 1)] = 0; // the last query must still see itself
    }
    std::vector<float> out(q.size(), std::nanf(""));
    cpu::attention(q.data(), keys.data(), values.data(), positions.data(), n, heads, kvHeads,
                   headDim, masked ? visible.data() : nullptr, out.data(), *m_pool, isa);

    // The backend's cache: keys transposed, [kvDim][capacity] with room for
    // more positions than are filled (NaN there: reading it would show).
    const int capacity = cacheRows + 5;
    std::vector<float> keysT(static_cast<size_t>(capacity) * kvDim, std::nanf(""));
    for (int j = 0; j < cacheRows; ++j)
        for (int c = 0; c < kvDim; ++c)
            keysT[static_cast<size_t>(c) * capacity + j] = keys[static_cast<size_t>(j) * kvDim + c];
    std::vector<float> outT(q.size(), std::nanf(""));
    cpu::attentionTransposed(q.data(), keysT.data(), values.data(), capacity, positions.data(), n,
                             heads, kvHeads, headDim, masked ? visible.data() : nullptr,
                             outT.data(), *m_pool, isa);
    // The same kernels with another stride: the same sums in the same order.
    QVERIFY(outT == out);
    const int groupSize = heads / kvHeads;
    // Query heads that share a K/V head go through it together (on AVX-512),
    // in chunks that follow the thread count, and each head's sums keep the
    // order of a pass of its own: three threads, and a K/V head per query
    // head, give the same bits.
    cpu::ThreadPool three(3);
    std::vector<float> outThree(q.size(), std::nanf(""));
    cpu::attentionTransposed(q.data(), keysT.data(), values.data(), capacity, positions.data(), n,
                             heads, kvHeads, headDim, masked ? visible.data() : nullptr,
                             outThree.data(), three, isa);
    QVERIFY(outThree == out);
    std::vector<float> keysEach(static_cast<size_t>(capacity) * qDim, std::nanf(""));
    std::vector<float> valuesEach(static_cast<size_t>(cacheRows) * qDim);
    for (int h = 0; h < heads; ++h) {
        const int kvh = h / groupSize;
        for (int c = 0; c < headDim; ++c)
            for (int j = 0; j < cacheRows; ++j) {
                keysEach[static_cast<size_t>(h * headDim + c) * capacity + j] =
                    keysT[static_cast<size_t>(kvh * headDim + c) * capacity + j];
                valuesEach[static_cast<size_t>(j) * qDim + h * headDim + c] =
                    values[static_cast<size_t>(j) * kvDim + kvh * headDim + c];
            }
    }
    std::vector<float> outEach(q.size(), std::nanf(""));
    cpu::attentionTransposed(q.data(), keysEach.data(), valuesEach.data(), capacity,
                             positions.data(), n, heads, heads, headDim,
                             masked ? visible.data() : nullptr, outEach.data(), three, isa);
    QVERIFY(outEach == out);

    for (int t = 0; t < n; ++t) {
        const int64_t last = positions[static_cast<size_t>(t)];
        for (int h = 0; h < heads; ++h) {
            const int kvh = h / groupSize;
            const float* qh = q.data() + static_cast<size_t>(t) * qDim + h * headDim;
            std::vector<double> score(static_cast<size_t>(last + 1), -INFINITY);
            double maxScore = -INFINITY;
            for (int64_t j = 0; j <= last; ++j) {
                if (masked && !visible[static_cast<size_t>(j)] && j != last)
                    continue;
                double s = 0;
                for (int d = 0; d < headDim; ++d)
                    s += static_cast<double>(qh[d]) *
                         keys[static_cast<size_t>(j) * kvDim + kvh * headDim + d];
                score[static_cast<size_t>(j)] = s / std::sqrt(static_cast<double>(headDim));
                maxScore = std::max(maxScore, score[static_cast<size_t>(j)]);
            }
            double total = 0;
            for (double& s : score) {
                s = std::isinf(s) ? 0.0 : std::exp(s - maxScore);
                total += s;
            }
            for (int d = 0; d < headDim; ++d) {
                double want = 0;
                for (int64_t j = 0; j <= last; ++j)
                    want += score[static_cast<size_t>(j)] / total *
                            values[static_cast<size_t>(j) * kvDim + kvh * headDim + d];
                const double got = out[static_cast<size_t>(t) * qDim + h * headDim + d];
                // Weighted means of values in [-1, 1]: float scores, exponentials
                // and sums stay well inside 1e-5 of the float64 result.
                if (!(std::fabs(got - want) <= 1e-5))
                    QFAIL(qPrintable(QString("query %1 head %2 dim %3: %4, want %5")
                                         .arg(t)
                                         .arg(h)
                                         .arg(d)
                                         .arg(got)
                                         .arg(want)));
            }
        }
    }
}

void TestKernels::parallelForCoverage_data() {
    QTest::addColumn<int>("threads");
    for (int threads : {1, 2, 3})
        QTest::addRow("%d threads", threads) << threads;
}

// Every index of [0, count) is visited exactly once, in chunks that start on
// multiples of the grain, for many (count, grain) pairs and repeated loops.
void TestKernels::parallelForCoverage() {
    QFETCH(int, threads);
    cpu::ThreadPool pool(threads);
    QCOMPARE(pool.size(), threads);
    const std::pair<int64_t, int64_t> cases[] = {
        {0, 1},     {1, 1},    {1, 5},     {2, 1},        {7, 1},     {7, 3},   {8, 4},
        {9, 4},     {100, 1},  {100, 7},   {100, 100},    {101, 100}, {5, 100}, {1000, 1},
        {1000, 64}, {4096, 4}, {12345, 4}, {12345, 1000}, {65537, 16}};
    for (auto [count, grain] : cases) {
        for (int repeat = 0; repeat < 20; ++repeat) {
            std::vector<std::atomic<int>> visits(static_cast<size_t>(count));
            std::atomic<bool> badChunk{false};
            pool.parallelFor(count, grain, [&](int64_t begin, int64_t end) {
                if (begin < 0 || end > count || begin >= end || begin % grain != 0)
                    badChunk = true;
                for (int64_t i = begin; i < end; ++i)
                    visits[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
            });
            if (badChunk)
                QFAIL(qPrintable(QString("count %1 grain %2").arg(count).arg(grain)));
            for (int64_t i = 0; i < count; ++i)
                if (visits[static_cast<size_t>(i)].load() != 1)
                    QFAIL(qPrintable(QString("count %1 grain %2: index %3 visited %4 times")
                                         .arg(count)
                                         .arg(grain)
                                         .arg(i)
                                         .arg(visits[static_cast<size_t>(i)].load())));
        }
    }
}

// More pool threads than cores: descheduled workers must not lose or repeat
// chunks, and short back-to-back loops (as in a decode step) all complete.
void TestKernels::parallelForOversubscribed() {
    const int threads = std::max(8, 4 * cpu::ThreadPool::defaultThreadCount());
    cpu::ThreadPool pool(threads);
    QCOMPARE(pool.size(), threads);
    for (int loop = 0; loop < 3000; ++loop) {
        const int64_t count = 1 + loop % 64;
        std::vector<std::atomic<int>> visits(static_cast<size_t>(count));
        pool.parallelFor(count, 1 + loop % 3, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                visits[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
            if (loop % 500 == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        for (int64_t i = 0; i < count; ++i)
            if (visits[static_cast<size_t>(i)].load() != 1)
                QFAIL(qPrintable(QString("loop %1: index %2 visited %3 times")
                                     .arg(loop)
                                     .arg(i)
                                     .arg(visits[static_cast<size_t>(i)].load())));
    }
    QCOMPARE(cpu::ThreadPool(0).size(), cpu::ThreadPool::defaultThreadCount());
}

void TestKernels::exponential() {
    // Every 1/64 from -87 to 88.5, an odd count so that the tail path runs too.
    std::vector<float> x;
    for (float v = -87.0f; v <= 88.5f; v += 1.0f / 64)
        x.push_back(v);
    x.push_back(0.0f);
    QVERIFY(x.size() % 8 != 0);
    for (cpu::Isa isa : cpu::supportedIsas()) {
        const QString name = cpu::isaName(isa);
        std::vector<float> y = x;
        cpu::expInPlace(y.data(), static_cast<int64_t>(y.size()), isa);
        double worst = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double expected = std::exp(static_cast<double>(x[i]));
            worst = std::max(worst, std::abs(y[i] - expected) / expected);
        }
        QVERIFY2(worst < 5e-7,
                 qPrintable(name + QString(": largest relative error %1").arg(worst)));
        // The vector paths' edges: masked attention scores (-inf) and
        // underflow give exactly 0; large arguments stay finite (the scalar
        // path is std::exp, subnormal and infinite there).
        if (isa == cpu::Isa::Scalar)
            continue;
        std::vector<float> edges = {-INFINITY, -1000.0f, -88.0f, 89.0f, 1000.0f, 1.0f};
        cpu::expInPlace(edges.data(), static_cast<int64_t>(edges.size()), isa);
        QVERIFY2(edges[0] == 0.0f && edges[1] == 0.0f && edges[2] == 0.0f, qPrintable(name));
        QVERIFY2(std::isfinite(edges[3]) && edges[3] > 3e38f, qPrintable(name));
        QVERIFY2(std::isfinite(edges[4]) && edges[4] > 3e38f, qPrintable(name));
        QVERIFY2(std::abs(edges[5] - 2.718281828) < 1e-6, qPrintable(name));
    }
}

void TestKernels::wideExponentialMatchesAvx2() {
    // The AVX-512 exponential and softmax do the AVX2 operations sixteen
    // lanes at a time: every result the same bit for bit, at every length
    // around the vector widths, with masked (-inf) scores and both edges.
    if (!cpu::hasLevel(cpu::bestIsa(), cpu::Isa::Avx512))
        QSKIP("this CPU has no AVX-512 (F, BW, VL, DQ)");
    std::mt19937 rng(9);
    for (int count = 1; count <= 70; ++count) {
        std::vector<float> x(static_cast<size_t>(count));
        for (float& v : x)
            v = uniform(rng, -95.0f, 95.0f);
        for (int j = 0; j < count; j += 5)
            x[static_cast<size_t>(j)] = j % 10 == 0 ? -INFINITY : 88.7f;
        std::vector<float> narrow = x, wide = x;
        cpu::expInPlace(narrow.data(), count, cpu::Isa::Avx2);
        cpu::expInPlace(wide.data(), count, cpu::Isa::Avx512);
        QVERIFY2(std::memcmp(narrow.data(), wide.data(), sizeof(float) * x.size()) == 0,
                 qPrintable(QString("exp, count %1").arg(count)));
        // Softmax rows: scores within 30 of each other, some masked.
        for (float& v : x)
            v = std::isinf(v) ? v : v / 3;
        x.back() = 1.0f;
        narrow = x;
        wide = x;
        cpu::softmaxInPlace(narrow.data(), count, cpu::Isa::Avx2);
        cpu::softmaxInPlace(wide.data(), count, cpu::Isa::Avx512);
        QVERIFY2(std::memcmp(narrow.data(), wide.data(), sizeof(float) * x.size()) == 0,
                 qPrintable(QString("softmax, count %1").arg(count)));
    }
}

void TestKernels::softmaxRowsMatchOneByOne() {
    // Rows that go through the passes together (up to four at a time) come
    // out as each row alone would, bit for bit: 1 to 9 rows, lengths around
    // the vector widths, with masked (-inf) scores.
    std::mt19937 rng(11);
    for (cpu::Isa isa : cpu::supportedIsas())
        for (int rowCount = 1; rowCount <= 9; ++rowCount)
            for (int count : {1, 7, 16, 17, 33, 64, 70}) {
                std::vector<std::vector<float>> rows(static_cast<size_t>(rowCount));
                std::vector<float*> pointers;
                for (auto& row : rows) {
                    row.resize(static_cast<size_t>(count));
                    for (float& v : row)
                        v = uniform(rng, -30.0f, 30.0f);
                    for (int j = 1; j < count; j += 6)
                        row[static_cast<size_t>(j)] = -INFINITY;
                    pointers.push_back(row.data());
                }
                std::vector<std::vector<float>> alone = rows;
                for (auto& row : alone)
                    cpu::softmaxInPlace(row.data(), count, isa);
                cpu::softmaxRows(pointers.data(), rowCount, count, isa);
                QVERIFY2(rows == alone, qPrintable(QString("%1: %2 rows of %3")
                                                       .arg(cpu::isaName(isa))
                                                       .arg(rowCount)
                                                       .arg(count)));
            }
}

void TestKernels::asideJobs() {
    // Without workers the caller runs the job when it waits.
    {
        cpu::ThreadPool single(1);
        std::thread::id ranOn;
        single.runAside([&] { ranOn = std::this_thread::get_id(); });
        single.waitAside();
        QCOMPARE(ranOn, std::this_thread::get_id());
        QCOMPARE(single.asideRunByCaller(), int64_t(1));
    }
    // With workers, an idle one takes the job while the caller does not wait;
    // also once the workers, idle far past their spin time, went to sleep.
    cpu::ThreadPool pool(3);
    for (const char* when : {"idle", "sleeping"}) {
        if (std::string(when) == "sleeping")
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::atomic<bool> done{false};
        std::thread::id ranOn;
        pool.runAside([&] {
            ranOn = std::this_thread::get_id();
            done.store(true);
        });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done.load() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        QVERIFY2(done.load(),
                 qPrintable(QString("no %1 worker picked up the aside job").arg(when)));
        pool.waitAside();
        QVERIFY(ranOn != std::this_thread::get_id());
        QCOMPARE(pool.asideRunByCaller(), int64_t(0));
    }
    // Sleeping workers are woken for a loop too.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::mutex idsMutex;
    std::set<std::thread::id> ids;
    pool.parallelFor(12, 1, [&](int64_t, int64_t) {
        {
            std::lock_guard<std::mutex> lock(idsMutex);
            ids.insert(std::this_thread::get_id());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
    QVERIFY2(ids.size() > 1, "no sleeping worker was woken for the loop");

    // Interleaved with loops: each job runs exactly once, its result is
    // visible after waitAside(), and the loops still cover every index once.
    std::vector<int> results(2000, 0);
    for (int job = 0; job < 2000; ++job) {
        pool.runAside([&results, job] { results[static_cast<size_t>(job)] += job + 1; });
        const int64_t count = 1 + job % 48;
        std::vector<std::atomic<int>> visits(static_cast<size_t>(count));
        pool.parallelFor(count, 1, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                visits[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
        });
        pool.waitAside();
        QCOMPARE(results[static_cast<size_t>(job)], job + 1);
        for (int64_t i = 0; i < count; ++i)
            QCOMPARE(visits[static_cast<size_t>(i)].load(), 1);
    }
    // A job left outstanding is waited for by the next runAside().
    std::atomic<int> runs{0};
    pool.runAside([&] { runs.fetch_add(1); });
    pool.runAside([&] { runs.fetch_add(10); });
    pool.waitAside();
    QCOMPARE(runs.load(), 11);
}

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
