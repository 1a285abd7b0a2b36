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

// "1.5 GiB", "12.0 MiB", "512 bytes".
std::string formatBytes(uint64_t bytes);

} // namespace dash::cuda
