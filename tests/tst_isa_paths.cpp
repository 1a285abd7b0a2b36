// SPDX-License-Identifier: MIT
// Every instruction set this build has kernels for (cpu::allIsas) against the
// single-threaded scalar reference on the machine that runs the test: every
// tiled weight type and the float types, with token counts that reach each
// kernel's tails and AMX's groups of 16. A set this CPU (or its operating
// system) cannot run is skipped with the reason, so this suite is labelled
// `isa`: like `gpu`, what it runs depends on the hardware. tst_kernels checks
// the sets this CPU runs against float64.
#include "backend_parity.h"
#include "kernel_test_data.h"

#include "core/engine/cpu/thread_pool.h"

#include <QtTest>

#include <cstring>
#include <memory>

using namespace dash;
using namespace dash::test;
using cpu::Matrix;
using cpu::MatrixType;

Q_DECLARE_METATYPE(dash::cpu::Isa)

class TestIsaPaths : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { m_pool = std::make_unique<cpu::ThreadPool>(2); }
    void isaPaths_data();
    void isaPaths();
    void decodeSameBitsAcrossIsas();

private:
    std::unique_ptr<cpu::ThreadPool> m_pool;
};

void TestIsaPaths::isaPaths_data() {
    QTest::addColumn<cpu::Isa>("isa");
    for (cpu::Isa isa : cpu::allIsas())
        QTest::addRow("%s", cpu::isaName(isa)) << isa;
}

// Every instruction set this build has kernels for, against the scalar
// reference on this CPU, for every weight type and for token counts that
// reach each kernel's tails (and AMX's groups of 16). Sets the CPU lacks are
// skipped, with the reason.
void TestIsaPaths::isaPaths() {
    QFETCH(cpu::Isa, isa);
    const std::string reason = cpu::isaUnsupportedReason(isa);
    if (!reason.empty())
        QSKIP(qPrintable(QString("%1 kernels not run: %2").arg(cpu::isaName(isa), reason.c_str())));
    std::mt19937 rng(static_cast<uint32_t>(isa) + 100);
    const int rows = 40, cols = 512;
    cpu::ThreadPool single(1);
    // 3 and 5 tiles (the last one partial): a decode step takes tiles in
    // runs of 4, 2 and 1.
    for (const int tiledRows : {rows, 72})
        for (const char* format : kTiledFormats) {
            const Matrix m = tiledMatrix(format, tiledRows, cols, rng);
            for (int n : {1, 7, 16, 33}) {
                const std::vector<float> x = groupedValues(rng, static_cast<size_t>(n), cols);
                std::vector<float> want(static_cast<size_t>(n) * tiledRows), got(want.size());
                cpu::matmul(m, x.data(), n, want.data(), single, cpu::Isa::Scalar);
                cpu::matmul(m, x.data(), n, got.data(), *m_pool, isa);
                // Same integer sums; the float sums differ in order only.
                const double nmse = normalizedError(got, want);
                QVERIFY2(nmse <= 1e-11, qPrintable(QString("%1 %2 rows n=%3: nmse %4")
                                                       .arg(format)
                                                       .arg(tiledRows)
                                                       .arg(n)
                                                       .arg(nmse)));
            }
        }
    // Float matrices: the tiled shape, and one whose rows (a partial group of
    // four) and columns (a partial vector of 16 and a partial unrolled step)
    // leave tails in every kernel; 1-3 tokens take the decode kernels.
    struct Shape {
        int rows, cols;
    };
    for (const Shape shape : {Shape{rows, cols}, Shape{37, 200}})
        for (MatrixType type : {MatrixType::F32, MatrixType::F16, MatrixType::BF16}) {
            const int rows = shape.rows, cols = shape.cols;
            std::vector<float> w = groupedValues(rng, rows, cols);
            std::vector<uint16_t> h(w.size());
            Matrix m;
            if (type == MatrixType::F32) {
                m = cpu::makeF32Matrix(rows, cols, w);
            } else {
                for (size_t i = 0; i < w.size(); ++i)
                    h[i] = type == MatrixType::F16 ? floatToHalf(w[i]) : floatToBf16(w[i]);
                m = type == MatrixType::F16 ? cpu::makeF16Matrix(rows, cols, std::move(h))
                                            : cpu::makeBf16Matrix(rows, cols, std::move(h));
            }
            const bool roundsActivations =
                type == MatrixType::BF16 && cpu::hasLevel(isa, cpu::Isa::Avx512Bf16);
            for (int n : {1, 2, 3, 5, 16}) {
                const std::vector<float> x = groupedValues(rng, static_cast<size_t>(n), cols);
                std::vector<float> want(static_cast<size_t>(n) * rows), got(want.size());
                cpu::matmul(m, x.data(), n, want.data(), single, cpu::Isa::Scalar);
                cpu::matmul(m, x.data(), n, got.data(), *m_pool, isa);
                const double nmse = normalizedError(got, want);
                // bfloat16 activations: relative 2^-8 at most per value.
                const double tolerance = roundsActivations ? 1e-4 : 1e-11;
                QVERIFY2(nmse <= tolerance, qPrintable(QString("%1 %2x%3 n=%4: nmse %5")
                                                           .arg(cpu::matrixTypeName(type))
                                                           .arg(rows)
                                                           .arg(cols)
                                                           .arg(n)
                                                           .arg(nmse)));
            }
        }
}

// A decode step (one token) on every tiled type: the AVX2 kernel and the
// AVX-512 ones compute the same integer sums per block and the same float
// expressions per row (scale · activation scale, one fused multiply-add per
// block), so their results must agree to the bit. 72 rows are 5 tiles (runs of
// 4 and 1 tiles), 40 rows 3 tiles (runs of 2 and 1; the last tile partial in
// both). The scalar reference rounds differently (no fused multiply-add), so
// isaPaths compares with it within a tolerance.
void TestIsaPaths::decodeSameBitsAcrossIsas() {
    const cpu::Isa avx2 = cpu::Isa::Avx2;
    if (const std::string reason = cpu::isaUnsupportedReason(avx2); !reason.empty())
        QSKIP(qPrintable(QString("avx2 kernels not run: %1").arg(reason.c_str())));
    std::vector<cpu::Isa> others;
    for (cpu::Isa isa : {cpu::Isa::Avx512, cpu::Isa::Avx512Vnni})
        if (cpu::isaUnsupportedReason(isa).empty())
            others.push_back(isa);
    if (others.empty())
        QSKIP("no AVX-512 kernels on this CPU to compare the AVX2 decode kernel with");
    std::mt19937 rng(7);
    const int cols = 512;
    cpu::ThreadPool single(1);
    for (const int rows : {72, 40})
        for (const char* format : kTiledFormats) {
            const Matrix m = tiledMatrix(format, rows, cols, rng);
            const std::vector<float> x = groupedValues(rng, 1, cols);
            std::vector<float> want(static_cast<size_t>(rows)), got(want.size());
            cpu::matmul(m, x.data(), 1, got.data(), single, avx2);
            for (cpu::Isa isa : others) {
                cpu::matmul(m, x.data(), 1, want.data(), single, isa);
                int differing = 0;
                for (size_t r = 0; r < want.size(); ++r)
                    differing += std::memcmp(&want[r], &got[r], sizeof(float)) != 0;
                QVERIFY2(differing == 0,
                         qPrintable(QString("%1 %2 rows: avx2 differs from %3 in %4 rows")
                                        .arg(format)
                                        .arg(rows)
                                        .arg(cpu::isaName(isa))
                                        .arg(differing)));
            }
        }
}

QTEST_GUILESS_MAIN(TestIsaPaths)
#include "tst_isa_paths.moc"
