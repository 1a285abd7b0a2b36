// SPDX-License-Identifier: MIT
// cuda_check: the CUDA backend against the CPU backend on a real GPU, without
// Qt (tests/cuda_checks.h). Prints one PASS/FAIL line per check and exits 0
// when all pass, 1 when one fails, 77 (CTest's skip code here) when no GPU can
// be used, after checking that the backend then refuses with a reason.
//   cuda_check [--quick]   --quick: tiny models only (compute-sanitizer runs)
// DASH_MODEL_DIR overrides the shared models' folder; with DASH_GPU_OUT set,
// Chrome traces of profiled decode steps are written there.
#include "cuda_checks.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    using namespace dash::test;
    CudaCheckOptions options;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            options.quick = true;
        } else {
            std::fprintf(stderr, "cuda_check: unknown option '%s' (expected --quick)\n", argv[i]);
            return 2;
        }
    }
    const char* modelDir = std::getenv("DASH_MODEL_DIR");
    options.modelDir = modelDir && *modelDir ? modelDir : DASH_SHARED_DIR_DEFAULT "/models";
    const char* out = std::getenv("DASH_GPU_OUT");
    options.outputDir = out ? out : "";

    const dash::Status gpu = cudaAvailability();
    if (!gpu) {
        const auto refused = checkBackendRefusesWithoutGpu();
        if (!refused) {
            std::printf("FAIL backend_refuses_without_gpu: %s\n",
                        refused.error().message().c_str());
            return 1;
        }
        std::printf("PASS backend_refuses_without_gpu: %s\n", refused->c_str());
        std::printf("SKIP cuda_check: %s\n", gpu.error().message().c_str());
        return 77;
    }
    int passed = 0, failed = 0;
    for (const CudaCheck& check : cudaChecks(options)) {
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
