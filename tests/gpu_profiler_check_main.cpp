// SPDX-License-Identifier: MIT
// gpu_profiler_check: the GPU profiler checks without Qt, for machines that
// have a GPU but no Qt (scripts/gpu-check.sh). Prints one PASS/FAIL line per
// check; exits 0 when all pass, 1 when one fails, 77 (CTest's skip code here)
// when no GPU can be used.
#include "gpu_profiler_checks.h"

#include <cstdio>

int main() {
    using namespace dash::test;
    const dash::Status gpu = gpuAvailability();
    if (!gpu) {
        const dash::Status factory = checkFactoryWithoutGpu();
        if (!factory) {
            std::printf("FAIL factory_without_gpu: %s\n", factory.error().message().c_str());
            return 1;
        }
        std::printf("PASS factory_without_gpu\n");
        std::printf("SKIP gpu_profiler_check: %s\n", gpu.error().message().c_str());
        return 77;
    }
    std::printf("GPU %s\n", gpuDescription().c_str());
    int passed = 0;
    int failed = 0;
    for (const GpuCheck& check : gpuProfilerChecks()) {
        const auto result = check.run();
        if (result) {
            std::printf("PASS %s: %s\n", check.name.c_str(), result->c_str());
            ++passed;
        } else {
            std::printf("FAIL %s: %s\n", check.name.c_str(), result.error().message().c_str());
            ++failed;
        }
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
