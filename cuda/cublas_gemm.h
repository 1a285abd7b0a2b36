// SPDX-License-Identifier: MIT
// cuBLAS for products of many tokens (prefill): y[m][rows] = x[m][cols] · Wᵀ
// with W row-major F16 or BF16 and x converted to the same type, float32
// accumulation and output.
#pragma once

#include "core/util/status.h"
#include "cuda/gpu_layout.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace dash::cuda {

class CublasGemm {
public:
    CublasGemm() = default;
    ~CublasGemm();
    CublasGemm(const CublasGemm&) = delete;
    CublasGemm& operator=(const CublasGemm&) = delete;

    Status create(cudaStream_t stream);
    // Destroys the handle (before the stream it is bound to goes).
    void release();

    // w: [rows][cols] in `format` (F16 or BF16); x: [m][cols] in the same
    // format; y: [m][rows] float.
    Status multiply(const void* w, DeviceFormat format, int32_t rows, int32_t cols, const void* x,
                    int32_t m, float* y);

private:
    cublasHandle_t m_handle = nullptr;
};

} // namespace dash::cuda
