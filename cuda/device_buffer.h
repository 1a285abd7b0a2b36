// SPDX-License-Identifier: MIT
// Owned device and pinned host allocations. Allocation failures come back as
// statuses that say how much was asked for and for what.
#pragma once

#include "core/util/status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace dash::cuda {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    // `what` names the buffer in the error ("the KV cache", ...).
    static Expected<DeviceBuffer> allocate(size_t bytes, const std::string& what);

    void* data() const { return m_data; }
    template <class T>
    T* as() const {
        return static_cast<T*>(m_data);
    }
    size_t bytes() const { return m_bytes; }

private:
    void* m_data = nullptr;
    size_t m_bytes = 0;
};

class PinnedBuffer {
public:
    PinnedBuffer() = default;
    ~PinnedBuffer();
    PinnedBuffer(PinnedBuffer&& other) noexcept;
    PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;

    static Expected<PinnedBuffer> allocate(size_t bytes, const std::string& what);

    void* data() const { return m_data; }
    template <class T>
    T* as() const {
        return static_cast<T*>(m_data);
    }
    size_t bytes() const { return m_bytes; }

private:
    void* m_data = nullptr;
    size_t m_bytes = 0;
};

// A host-to-device copy and a device fill that have landed when they return.
// A plain cudaMemcpy from pageable memory may return before its transfer
// reaches the device, and the runner's streams (non-blocking) do not wait for
// the legacy default stream the copy ran on; these wait for that stream.
Status copyToDevice(void* device, const void* host, size_t bytes);
Status fillDevice(void* device, int value, size_t bytes);

// "1.5 GiB", "12.0 MiB", "512 bytes".
std::string formatBytes(uint64_t bytes);

} // namespace dash::cuda
