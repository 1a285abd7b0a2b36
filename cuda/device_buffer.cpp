// SPDX-License-Identifier: MIT
#include "cuda/device_buffer.h"

#include "cuda/cuda_check.h"

#include <cstdio>
#include <utility>

namespace dash::cuda {

Status copyToDevice(void* device, const void* host, size_t bytes) {
    if (bytes == 0)
        return {};
    DASH_CUDA_TRY(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice));
    DASH_CUDA_TRY(cudaStreamSynchronize(cudaStreamLegacy));
    return {};
}

Status fillDevice(void* device, int value, size_t bytes) {
    if (bytes == 0)
        return {};
    DASH_CUDA_TRY(cudaMemset(device, value, bytes));
    DASH_CUDA_TRY(cudaStreamSynchronize(cudaStreamLegacy));
    return {};
}

DeviceBuffer::~DeviceBuffer() {
    if (m_data)
        cudaFree(m_data); // teardown cannot report; the context may be gone at exit
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_bytes(std::exchange(other.m_bytes, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        if (m_data)
            cudaFree(m_data);
        m_data = std::exchange(other.m_data, nullptr);
        m_bytes = std::exchange(other.m_bytes, 0);
    }
    return *this;
}

Expected<DeviceBuffer> DeviceBuffer::allocate(size_t bytes, const std::string& what) {
    DeviceBuffer b;
    if (bytes == 0)
        return b;
    const cudaError_t code = cudaMalloc(&b.m_data, bytes);
    if (code != cudaSuccess) {
        b.m_data = nullptr;
        cudaGetLastError(); // clear the sticky-free error state of a failed allocation
        return cudaFailure(
            ("allocating " + formatBytes(bytes) + " of GPU memory for " + what).c_str(), code);
    }
    b.m_bytes = bytes;
    return b;
}

PinnedBuffer::~PinnedBuffer() {
    if (m_data)
        cudaFreeHost(m_data);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_bytes(std::exchange(other.m_bytes, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
    if (this != &other) {
        if (m_data)
            cudaFreeHost(m_data);
        m_data = std::exchange(other.m_data, nullptr);
        m_bytes = std::exchange(other.m_bytes, 0);
    }
    return *this;
}

Expected<PinnedBuffer> PinnedBuffer::allocate(size_t bytes, const std::string& what) {
    PinnedBuffer b;
    if (bytes == 0)
        return b;
    const cudaError_t code = cudaMallocHost(&b.m_data, bytes);
    if (code != cudaSuccess) {
        b.m_data = nullptr;
        cudaGetLastError();
        return cudaFailure(
            ("allocating " + formatBytes(bytes) + " of pinned host memory for " + what).c_str(),
            code);
    }
    b.m_bytes = bytes;
    return b;
}

std::string formatBytes(uint64_t bytes) {
    char text[64];
    if (bytes >= (uint64_t{1} << 30))
        std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
    else if (bytes >= (uint64_t{1} << 20))
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1u << 20));
    else
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    return text;
}

} // namespace dash::cuda
