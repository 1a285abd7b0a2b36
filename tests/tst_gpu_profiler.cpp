// SPDX-License-Identifier: MIT
// GPU stream profilers (CUPTI and CUDA events) on a real GPU: tags of kernels
// on two streams, overlap of concurrent and of serialised spins, misuse
// reporting, fallback while CUPTI is owned. The checks live in
// gpu_profiler_checks.cpp, shared with the Qt-free gpu_profiler_check. Without
// a GPU the suite checks that the factory fails cleanly and skips.
#include "gpu_profiler_checks.h"

#include <QtTest>

using namespace dash;

class TestGpuProfiler : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void checks_data();
    void checks();
};

void TestGpuProfiler::initTestCase() {
    const Status gpu = test::gpuAvailability();
    if (!gpu) {
        const Status factory = test::checkFactoryWithoutGpu();
        QVERIFY2(factory.ok(), factory.ok() ? "" : factory.error().message().c_str());
        QSKIP(qPrintable(QString::fromStdString(gpu.error().message())));
    }
    qInfo("GPU %s", test::gpuDescription().c_str());
}

void TestGpuProfiler::checks_data() {
    QTest::addColumn<int>("index");
    const auto checks = test::gpuProfilerChecks();
    for (size_t i = 0; i < checks.size(); ++i)
        QTest::newRow(checks[i].name.c_str()) << static_cast<int>(i);
}

void TestGpuProfiler::checks() {
    QFETCH(int, index);
    const auto checks = test::gpuProfilerChecks();
    const auto result = checks[static_cast<size_t>(index)].run();
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message().c_str());
    qInfo("%s", result->c_str());
}

QTEST_GUILESS_MAIN(TestGpuProfiler)
#include "tst_gpu_profiler.moc"
