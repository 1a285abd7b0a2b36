// SPDX-License-Identifier: MIT
#include "cuda/cublas_gemm.h"

#include "cuda/cuda_check.h"

namespace dash::cuda {

CublasGemm::~CublasGemm() {
    release();
}

void CublasGemm::release() {
    if (m_handle)
        cublasDestroy(m_handle); // teardown cannot report
    m_handle = nullptr;
}

Status CublasGemm::create(cudaStream_t stream) {
    if (!m_handle)
        DASH_CUBLAS_TRY(cublasCreate(&m_handle));
    DASH_CUBLAS_TRY(cublasSetStream(m_handle, stream));
    DASH_CUBLAS_TRY(cublasSetMathMode(m_handle, CUBLAS_DEFAULT_MATH));
    return {};
}

Status CublasGemm::multiply(const void* w, DeviceFormat format, int32_t rows, int32_t cols,
                            const void* x, int32_t m, float* y) {
    if (format != DeviceFormat::F16 && format != DeviceFormat::BF16)
        return internalError("cuBLAS products take F16 or BF16 weights");
    const cudaDataType type = format == DeviceFormat::F16 ? CUDA_R_16F : CUDA_R_16BF;
    const float one = 1.0f, zero = 0.0f;
    // Column-major view: W is [cols][rows] (ld cols), x is [cols][m], y is
    // [rows][m] (ld rows); y = Wᵀ x.
    DASH_CUBLAS_TRY(cublasGemmEx(m_handle, CUBLAS_OP_T, CUBLAS_OP_N, rows, m, cols, &one, w, type,
                                 cols, x, type, cols, &zero, y, CUDA_R_32F, rows,
                                 CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return {};
}

} // namespace dash::cuda
