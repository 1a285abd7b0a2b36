// SPDX-License-Identifier: MIT
#include "gpu_profiler_kernels.h"

#include <cuda_runtime.h>

#include <string>

namespace dash::test {

namespace {

__device__ uint64_t globalTimeNs() {
    uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

// Busy-waits on the global timer (ns, the same clock for every SM) until `ns`
// have passed since the block started; the volatile timer read keeps the loop.
__global__ void spinKernel(uint64_t ns) {
    const uint64_t start = globalTimeNs();
    while (globalTimeNs() - start < ns) {
    }
}

// data[i] += 1 for i < count; one thread per element.
__global__ void touchKernel(float* data, int count) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count)
        data[i] += 1.0f;
}

Status launched(const char* what) {
    const cudaError_t code = cudaGetLastError();
    if (code == cudaSuccess)
        return {};
    return internalError(std::string("launching ") + what + " failed: " + cudaGetErrorName(code) +
                         " (" + cudaGetErrorString(code) + ")");
}

} // namespace

Status launchSpin(GpuStream stream, uint64_t ns) {
    spinKernel<<<1, 32, 0, stream>>>(ns);
    return launched("spinKernel");
}

Status launchTouch(GpuStream stream, float* data, int count) {
    constexpr int kBlock = 256;
    touchKernel<<<(count + kBlock - 1) / kBlock, kBlock, 0, stream>>>(data, count);
    return launched("touchKernel");
}

} // namespace dash::test
