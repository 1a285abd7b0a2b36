// SPDX-License-Identifier: MIT
// CUDA and cuBLAS failures as dash::Status values that name the call and the
// cause; nothing here aborts. Causes a user can act on get their own words:
// no driver, a driver older than the runtime, no device, out of GPU memory.
#pragma once

#include "core/util/status.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace dash::cuda {

// "cudaMalloc(&p, bytes) failed: out of GPU memory (cudaErrorMemoryAllocation)".
Error cudaFailure(const char* call, cudaError_t code);
Error cublasFailure(const char* call, cublasStatus_t code);

// The error of the last kernel launch, cleared (after <<<...>>>).
Status lastLaunchStatus(const char* kernel);

} // namespace dash::cuda

#define DASH_CUDA_TRY(call)                                                                        \
    do {                                                                                           \
        const cudaError_t dash_cuda_code_ = (call);                                                \
        if (dash_cuda_code_ != cudaSuccess)                                                        \
            return ::dash::cuda::cudaFailure(#call, dash_cuda_code_);                              \
    } while (false)

#define DASH_CUBLAS_TRY(call)                                                                      \
    do {                                                                                           \
        const cublasStatus_t dash_cublas_code_ = (call);                                           \
        if (dash_cublas_code_ != CUBLAS_STATUS_SUCCESS)                                            \
            return ::dash::cuda::cublasFailure(#call, dash_cublas_code_);                          \
    } while (false)

// After a kernel launch: returns the launch error, naming the kernel.
#define DASH_CUDA_LAUNCHED(kernel) DASH_TRY(::dash::cuda::lastLaunchStatus(kernel))
