// SPDX-License-Identifier: MIT
#include "core/engine/cpu_profiler.h"

#include "core/util/clock.h"

#include <atomic>

namespace dash {

namespace {

std::atomic<uint64_t> g_nextInstance{1};

} // namespace

thread_local CpuProfiler::ThreadCache CpuProfiler::t_cache;

CpuProfiler::CpuProfiler() : m_instance(g_nextInstance.fetch_add(1)) {}

CpuProfiler::~CpuProfiler() = default;

Status CpuProfiler::registerStream(StreamKind, GpuStream) {
    return unsupportedError("the CPU profiler times threads, not GPU streams");
}

CpuProfiler::ThreadBuffer& CpuProfiler::threadBuffer() {
    if (t_cache.instance == m_instance)
        return *t_cache.buffer;
    const std::thread::id self = std::this_thread::get_id();
    std::lock_guard lock(m_buffersMutex);
    ThreadBuffer* buffer = nullptr;
    for (auto& [thread, b] : m_buffers) {
        if (thread == self) {
            buffer = b.get();
            break;
        }
    }
    if (!buffer) {
        m_buffers.emplace_back(self, std::make_unique<ThreadBuffer>());
        buffer = m_buffers.back().second.get();
    }
    t_cache = {m_instance, buffer};
    return *buffer;
}

SpanMark CpuProfiler::beginSpan(const SpanTag& tag) {
    return {tag, static_cast<uint64_t>(steadyNowNs())};
}

void CpuProfiler::endSpan(const SpanMark& mark) {
    const int64_t end = steadyNowNs();
    ThreadBuffer& buffer = threadBuffer();
    std::lock_guard lock(buffer.mutex);
    buffer.spans.push_back({mark.tag.stream, mark.tag.firstToken, mark.tag.tokenCount,
                            mark.tag.layer, static_cast<int64_t>(mark.cookie), end});
}

Expected<std::vector<Span>> CpuProfiler::collect(int64_t originNs) {
    std::vector<Span> out;
    std::lock_guard lock(m_buffersMutex);
    for (auto& entry : m_buffers) {
        ThreadBuffer& buffer = *entry.second;
        std::vector<Span> taken;
        {
            std::lock_guard bufferLock(buffer.mutex);
            taken.swap(buffer.spans);
        }
        for (Span& s : taken) {
            s.startNs -= originNs;
            s.endNs -= originNs;
            out.push_back(s);
        }
    }
    return out;
}

} // namespace dash
