// SPDX-License-Identifier: MIT
// Random weights generated on the device, for benchmarks of model shapes no
// file on hand has (a 7B model's 14 GB would take longer to write and copy
// than the benchmark runs). Values come from a hash of (seed, index), so a
// run is reproducible.
#include "cuda/cuda_check.h"
#include "cuda/kernels.h"

#include <cuda_fp16.h>

namespace dash::cuda {

namespace {

// SplitMix64's finaliser: a well-mixed 64-bit value per (seed, index).
__device__ __forceinline__ uint64_t mix(uint64_t seed, uint64_t index) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [-1, 1).
__device__ __forceinline__ float unit(uint64_t bits) {
    return static_cast<float>(bits >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// Grid-stride loops: each thread fills every (gridDim · blockDim)-th value.
__global__ void randomHalfKernel(uint16_t* data, int64_t count, float scale, uint64_t seed) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        data[i] = __half_as_ushort(__float2half_rn(scale * unit(mix(seed, i))));
}

// One byte per thread step: INT8 q in [-127, 127], or two INT4 nibbles q + 8
// in [1, 15]; scales positive, in [scale / 2, scale).
__global__ void randomQuantKernel(uint8_t* data, int64_t bytes, float* scales, int64_t scaleCount,
                                  bool int4, float scale, uint64_t seed) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < bytes;
         i += stride) {
        const uint64_t r = mix(seed, i);
        if (int4)
            data[i] = static_cast<uint8_t>((1 + r % 15) | ((1 + (r >> 8) % 15) << 4));
        else
            data[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(r % 255) - 127));
    }
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < scaleCount;
         i += stride)
        scales[i] = scale * (0.75f + 0.25f * unit(mix(~seed, i)));
}

__global__ void constantKernel(float* data, int64_t count, float value) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        data[i] = value;
}

constexpr int kThreads = 256;
constexpr int kBlocks = 4096;

} // namespace

Status fillRandomHalf(uint16_t* data, int64_t count, float scale, uint64_t seed,
                      cudaStream_t stream) {
    randomHalfKernel<<<kBlocks, kThreads, 0, stream>>>(data, count, scale, seed);
    DASH_CUDA_LAUNCHED("random half weights");
    return {};
}

Status fillRandomQuantized(uint8_t* data, float* scales, int64_t rows, int64_t cols, int32_t group,
                           DeviceFormat format, float scale, uint64_t seed, cudaStream_t stream) {
    if (format != DeviceFormat::Int8 && format != DeviceFormat::Int4)
        return internalError("random quantised weights: not an integer format");
    const bool int4 = format == DeviceFormat::Int4;
    const int64_t bytes = rows * (int4 ? cols / 2 : cols);
    randomQuantKernel<<<kBlocks, kThreads, 0, stream>>>(data, bytes, scales, rows * (cols / group),
                                                        int4, scale, seed);
    DASH_CUDA_LAUNCHED("random quantised weights");
    return {};
}

Status fillConstant(float* data, int64_t count, float value, cudaStream_t stream) {
    constantKernel<<<kBlocks, kThreads, 0, stream>>>(data, count, value);
    DASH_CUDA_LAUNCHED("constant fill");
    return {};
}

} // namespace dash::cuda
