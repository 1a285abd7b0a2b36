// SPDX-License-Identifier: MIT
#include "cuda/cuda_check.h"

namespace dash::cuda {

Error cudaFailure(const char* call, cudaError_t code) {
    const std::string name = cudaGetErrorName(code);
    std::string cause;
    ErrorCode kind = ErrorCode::Internal;
    switch (code) {
    case cudaErrorMemoryAllocation:
        cause = "out of GPU memory";
        kind = ErrorCode::Unsupported;
        break;
    case cudaErrorInsufficientDriver:
        cause = "the installed NVIDIA driver is older than this build's CUDA runtime "
                "(update the driver)";
        kind = ErrorCode::Unsupported;
        break;
    case cudaErrorNoDevice:
        cause = "no CUDA-capable GPU was found";
        kind = ErrorCode::Unsupported;
        break;
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
        cause = "this build has no kernels for this GPU's architecture (rebuild with its "
                "CMAKE_CUDA_ARCHITECTURES)";
        kind = ErrorCode::Unsupported;
        break;
    default:
        cause = cudaGetErrorString(code);
        break;
    }
    return Error(kind, std::string(call) + " failed: " + cause + " (" + name + ")");
}

Error cublasFailure(const char* call, cublasStatus_t code) {
    const char* name = cublasGetStatusName(code);
    const char* text = cublasGetStatusString(code);
    const bool memory = code == CUBLAS_STATUS_ALLOC_FAILED;
    return Error(memory ? ErrorCode::Unsupported : ErrorCode::Internal,
                 std::string(call) + " failed: " + (memory ? "out of GPU memory" : text) + " (" +
                     name + ")");
}

Status lastLaunchStatus(const char* kernel) {
    const cudaError_t code = cudaGetLastError();
    if (code != cudaSuccess)
        return cudaFailure((std::string("launching ") + kernel).c_str(), code);
    return {};
}

} // namespace dash::cuda
