// SPDX-License-Identifier: MIT
#include "profiler/cupti_profiler.h"

#include "core/util/clock.h"

#include <cuda_runtime.h>
#ifdef DASH_HAVE_CUPTI
#include <cupti.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

namespace dash {

namespace {

// "cudaEventRecord(end, stream) failed: cudaErrorInvalidResourceHandle (invalid resource handle)"
Error cudaFailure(const char* call, cudaError_t code) {
    return internalError(std::string(call) + " failed: " + cudaGetErrorName(code) + " (" +
                         cudaGetErrorString(code) + ")");
}

#define DASH_PROFILER_CUDA_TRY(call)                                                               \
    do {                                                                                           \
        const cudaError_t dash_cuda_code_ = (call);                                                \
        if (dash_cuda_code_ != cudaSuccess)                                                        \
            return cudaFailure(#call, dash_cuda_code_);                                            \
    } while (false)

#ifdef DASH_HAVE_CUPTI

Error cuptiFailure(const char* call, CUptiResult code) {
    const char* name = nullptr;
    const char* message = nullptr;
    std::string text = std::string(call) + " failed: ";
    if (cuptiGetResultString(code, &name) == CUPTI_SUCCESS && name)
        text += name;
    else
        text += "CUPTI error " + std::to_string(static_cast<int>(code));
    if (cuptiGetErrorMessage(code, &message) == CUPTI_SUCCESS && message && *message)
        text += std::string(" (") + message + ")";
    if (code == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED)
        return unsupportedError(text + "; another profiler, e.g. Nsight Systems, holds CUPTI");
    if (code == CUPTI_ERROR_INSUFFICIENT_PRIVILEGES || code == CUPTI_ERROR_NOT_SUPPORTED ||
        code == CUPTI_ERROR_NOT_COMPATIBLE)
        return unsupportedError(text);
    return internalError(text);
}

#define DASH_PROFILER_CUPTI_TRY(call)                                                              \
    do {                                                                                           \
        const CUptiResult dash_cupti_code_ = (call);                                               \
        if (dash_cupti_code_ != CUPTI_SUCCESS)                                                     \
            return cuptiFailure(#call, dash_cupti_code_);                                          \
    } while (false)

// RUNTIME and DRIVER records are not used, but CUPTI emits EXTERNAL_CORRELATION
// records only for API records that are being collected.
constexpr CUpti_ActivityKind kActivityKinds[] = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL,
    CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION,
    CUPTI_ACTIVITY_KIND_RUNTIME,
    CUPTI_ACTIVITY_KIND_DRIVER,
};
constexpr CUpti_ExternalCorrelationKind kCorrelationKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;
constexpr size_t kBufferBytes = size_t{1} << 20;
constexpr size_t kBufferAlignment = 8; // CUPTI's record alignment

#endif

constexpr uint64_t kNoCookie = ~uint64_t{0};

const char* streamName(StreamKind kind) {
    return kind == StreamKind::Policy ? "policy" : "compute";
}

std::string describe(const SpanTag& tag) {
    return std::string(streamName(tag.stream)) + " span (token " + std::to_string(tag.firstToken) +
           ", layer " + std::to_string(tag.layer) + ")";
}

} // namespace

std::mutex CuptiProfiler::s_ownerMutex;
CuptiProfiler* CuptiProfiler::s_owner = nullptr;

Expected<std::unique_ptr<CuptiProfiler>> CuptiProfiler::create(Mode preferred) {
    int devices = 0;
    const cudaError_t probe = cudaGetDeviceCount(&devices);
    if (probe != cudaSuccess)
        return unsupportedError("CUDA is unavailable: " +
                                cudaFailure("cudaGetDeviceCount(&devices)", probe).message());
    if (devices == 0)
        return unsupportedError("the CUDA driver reports no device");

    std::unique_ptr<CuptiProfiler> profiler(new CuptiProfiler());
    DASH_PROFILER_CUDA_TRY(cudaGetDevice(&profiler->m_device));
    if (preferred == Mode::Cupti) {
#ifdef DASH_HAVE_CUPTI
        const Status enabled = profiler->enableCupti();
        if (enabled) {
            profiler->m_mode = Mode::Cupti;
            return profiler;
        }
        profiler->m_detail =
            "CUPTI unavailable, timing with CUDA events: " + enabled.error().message();
#else
        profiler->m_detail = "built without CUPTI, timing with CUDA events";
#endif
    }
    profiler->m_mode = Mode::Events;
    DASH_PROFILER_CUDA_TRY(
        cudaStreamCreateWithFlags(&profiler->m_clockStream, cudaStreamNonBlocking));
    return profiler;
}

CuptiProfiler::~CuptiProfiler() {
    // Teardown cannot report failures; CUDA may already be shutting down when a
    // profiler is destroyed at exit, so errors here are ignored.
#ifdef DASH_HAVE_CUPTI
    if (m_mode == Mode::Cupti)
        disableCupti();
#endif
    for (CUevent_st* e : m_freeEvents)
        cudaEventDestroy(e);
    for (const EventSpan& s : m_eventSpans) {
        cudaEventDestroy(s.begin);
        cudaEventDestroy(s.end);
    }
    for (const PassClock& c : m_clocks)
        if (c.event)
            cudaEventDestroy(c.event);
    if (m_clockStream)
        cudaStreamDestroy(m_clockStream);
}

std::string CuptiProfiler::name() const {
    return m_mode == Mode::Cupti ? "cupti" : "cuda-events";
}

void CuptiProfiler::fail(Error error) {
    std::lock_guard lock(m_mutex);
    failLocked(std::move(error));
}

void CuptiProfiler::failLocked(Error error) {
    if (!m_error)
        m_error = std::move(error);
}

Status CuptiProfiler::registerStream(StreamKind kind, GpuStream stream) {
    int device = -1;
    DASH_PROFILER_CUDA_TRY(cudaStreamGetDevice(stream, &device));
    if (device != m_device)
        return invalidError(std::string("the ") + streamName(kind) + " stream is on device " +
                            std::to_string(device) + ", the profiler on device " +
                            std::to_string(m_device));
    StreamEntry entry{kind, stream, 0};
#ifdef DASH_HAVE_CUPTI
    if (m_mode == Mode::Cupti)
        DASH_PROFILER_CUPTI_TRY(cuptiGetStreamIdEx(nullptr, stream, 0, &entry.cuptiStreamId));
#endif
    std::lock_guard lock(m_mutex);
    if (m_inPass)
        return invalidError("registerStream() called inside a pass");
    std::erase_if(m_streams, [kind](const StreamEntry& e) { return e.kind == kind; });
    m_streams.push_back(entry);
    return {};
}

Status CuptiProfiler::calibrate(PassClock& clock) {
#ifdef DASH_HAVE_CUPTI
    if (m_mode == Mode::Cupti) {
        uint64_t cupti = 0;
        const int64_t before = steadyNowNs();
        DASH_PROFILER_CUPTI_TRY(cuptiGetTimestamp(&cupti));
        const int64_t after = steadyNowNs();
        clock.cuptiOffsetNs = before + (after - before) / 2 - static_cast<int64_t>(cupti);
        return {};
    }
#endif
    // The reference event runs as soon as it is submitted (its stream is idle),
    // somewhere between `before` and `after`; the midpoint errs by at most half
    // the round trip (a few microseconds).
    clock.event = takeEvent();
    if (!clock.event)
        DASH_PROFILER_CUDA_TRY(cudaEventCreate(&clock.event));
    const int64_t before = steadyNowNs();
    DASH_PROFILER_CUDA_TRY(cudaEventRecord(clock.event, m_clockStream));
    DASH_PROFILER_CUDA_TRY(cudaEventSynchronize(clock.event));
    const int64_t after = steadyNowNs();
    clock.steadyNs = before + (after - before) / 2;
    return {};
}

Status CuptiProfiler::beginPass() {
    {
        std::lock_guard lock(m_mutex);
        if (m_inPass)
            return invalidError("beginPass() called inside a pass");
    }
    PassClock clock;
    const Status calibrated = calibrate(clock);
    std::lock_guard lock(m_mutex);
    if (!calibrated) {
        if (clock.event)
            m_freeEvents.push_back(clock.event);
        return calibrated;
    }
    m_clocks.push_back(clock);
    m_inPass = true;
    return {};
}

Status CuptiProfiler::endPass() {
    std::lock_guard lock(m_mutex);
    if (!m_inPass)
        return invalidError("endPass() called without beginPass()");
    m_inPass = false;
    if (m_openSpans > 0)
        failLocked(invalidError(std::to_string(m_openSpans) + " span(s) still open at endPass()"));
    m_openSpans = 0;
    if (m_error) {
        Error error = std::move(*m_error);
        m_error.reset();
        return error;
    }
    return {};
}

CUevent_st* CuptiProfiler::takeEvent() {
    std::lock_guard lock(m_mutex);
    if (m_freeEvents.empty())
        return nullptr;
    CUevent_st* e = m_freeEvents.back();
    m_freeEvents.pop_back();
    return e;
}

SpanMark CuptiProfiler::beginSpan(const SpanTag& tag) {
    SpanMark mark{tag, kNoCookie};
    GpuStream stream = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (!m_inPass) {
            failLocked(invalidError(describe(tag) + " begun outside a pass"));
            return mark;
        }
        const auto it = std::find_if(m_streams.begin(), m_streams.end(),
                                     [&](const StreamEntry& e) { return e.kind == tag.stream; });
        if (it == m_streams.end()) {
            failLocked(invalidError(describe(tag) + ": no GPU stream registered for the " +
                                    streamName(tag.stream) + " stream"));
            return mark;
        }
        stream = it->stream;
        ++m_openSpans;
        if (m_mode == Mode::Cupti) {
            mark.cookie = m_firstExternalId + m_tags.size();
            m_tags.push_back({tag, m_clocks.size() - 1});
        }
    }

#ifdef DASH_HAVE_CUPTI
    if (m_mode == Mode::Cupti) {
        const CUptiResult pushed =
            cuptiActivityPushExternalCorrelationId(kCorrelationKind, mark.cookie);
        if (pushed != CUPTI_SUCCESS) {
            fail(cuptiFailure("cuptiActivityPushExternalCorrelationId", pushed)
                     .withContext(describe(tag)));
            mark.cookie = kNoCookie;
        }
        return mark;
    }
#endif

    CUevent_st* events[2] = {takeEvent(), takeEvent()};
    for (CUevent_st*& e : events) {
        if (e)
            continue;
        const cudaError_t created = cudaEventCreate(&e);
        if (created != cudaSuccess) {
            fail(cudaFailure("cudaEventCreate", created).withContext(describe(tag)));
            std::lock_guard lock(m_mutex);
            for (CUevent_st* made : events)
                if (made)
                    m_freeEvents.push_back(made);
            return mark;
        }
    }
    {
        std::lock_guard lock(m_mutex);
        mark.cookie = m_eventSpans.size();
        m_eventSpans.push_back({{tag, m_clocks.size() - 1}, stream, events[0], events[1], false});
    }
    const cudaError_t recorded = cudaEventRecord(events[0], stream);
    if (recorded != cudaSuccess)
        fail(cudaFailure("cudaEventRecord(begin, stream)", recorded).withContext(describe(tag)));
    return mark;
}

void CuptiProfiler::endSpan(const SpanMark& mark) {
    if (mark.cookie == kNoCookie)
        return; // beginSpan failed and kept the reason
    GpuStream stream = nullptr;
    CUevent_st* end = nullptr;
    {
        std::lock_guard lock(m_mutex);
        --m_openSpans;
        if (m_mode == Mode::Events) {
            if (mark.cookie >= m_eventSpans.size() || m_eventSpans[mark.cookie].ended) {
                failLocked(invalidError(describe(mark.tag) + " ended twice or after collect()"));
                return;
            }
            EventSpan& span = m_eventSpans[mark.cookie];
            span.ended = true;
            stream = span.stream;
            end = span.end;
        }
    }
#ifdef DASH_HAVE_CUPTI
    if (m_mode == Mode::Cupti) {
        uint64_t popped = 0;
        const CUptiResult result = cuptiActivityPopExternalCorrelationId(kCorrelationKind, &popped);
        if (result != CUPTI_SUCCESS)
            fail(cuptiFailure("cuptiActivityPopExternalCorrelationId", result)
                     .withContext(describe(mark.tag)));
        else if (popped != mark.cookie)
            fail(invalidError(describe(mark.tag) +
                              " ended while a span begun after it on the same thread was open"));
        return;
    }
#endif
    const cudaError_t recorded = cudaEventRecord(end, stream);
    if (recorded != cudaSuccess)
        fail(cudaFailure("cudaEventRecord(end, stream)", recorded).withContext(describe(mark.tag)));
}

Expected<std::vector<Span>> CuptiProfiler::collect(int64_t originNs) {
    std::vector<StreamEntry> streams;
    std::vector<PassClock> clocks;
    std::optional<Error> failure; // a span failed: its pass is incomplete
    {
        std::lock_guard lock(m_mutex);
        if (m_inPass)
            return invalidError("collect() called inside a pass");
        failure.swap(m_error);
        streams = m_streams;
        clocks.swap(m_clocks);
    }
    // Collect even after a failure, so that nothing of these passes is left
    // to show up in the next collect().
    Expected<std::vector<Span>> spans = [&] {
#ifdef DASH_HAVE_CUPTI
        if (m_mode == Mode::Cupti)
            return collectCupti(originNs, std::move(streams), std::move(clocks));
#endif
        return collectEvents(originNs, std::move(clocks));
    }();
    if (failure)
        return *failure;
    return spans;
}

Status CuptiProfiler::eventTime(const PassClock& clock, CUevent_st* event, int64_t originNs,
                                int64_t& out) const {
    float ms = 0;
    DASH_PROFILER_CUDA_TRY(cudaEventElapsedTime(&ms, clock.event, event));
    out = clock.steadyNs + std::llround(static_cast<double>(ms) * 1e6) - originNs;
    return {};
}

Expected<std::vector<Span>> CuptiProfiler::collectEvents(int64_t originNs,
                                                         std::vector<PassClock> clocks) {
    std::vector<EventSpan> spans;
    {
        std::lock_guard lock(m_mutex);
        spans.swap(m_eventSpans);
    }
    auto resolve = [&]() -> Expected<std::vector<Span>> {
        std::vector<Span> out;
        out.reserve(spans.size());
        for (const EventSpan& s : spans) {
            const SpanTag& tag = s.tagged.tag;
            if (!s.ended)
                return invalidError(describe(tag) + " was never ended");
            DASH_PROFILER_CUDA_TRY(cudaEventSynchronize(s.end));
            Span span{tag.stream, tag.firstToken, tag.tokenCount, tag.layer, 0, 0};
            const PassClock& clock = clocks[s.tagged.pass];
            DASH_TRY(eventTime(clock, s.begin, originNs, span.startNs));
            DASH_TRY(eventTime(clock, s.end, originNs, span.endNs));
            out.push_back(span);
        }
        return out;
    };
    auto result = resolve();
    std::lock_guard lock(m_mutex);
    for (const EventSpan& s : spans) {
        m_freeEvents.push_back(s.begin);
        m_freeEvents.push_back(s.end);
    }
    for (const PassClock& c : clocks)
        m_freeEvents.push_back(c.event);
    return result;
}

#ifdef DASH_HAVE_CUPTI

struct CuptiGraphCallbacks {
    // Runs on the thread that instantiates a graph, once per cloned node.
    static void CUPTIAPI onResource(void* self, CUpti_CallbackDomain domain, CUpti_CallbackId cbid,
                                    const void* data) {
        if (domain != CUPTI_CB_DOMAIN_RESOURCE || cbid != CUPTI_CBID_RESOURCE_GRAPHNODE_CLONED)
            return;
        const auto* resource = static_cast<const CUpti_ResourceData*>(data);
        const auto* graph = static_cast<const CUpti_GraphData*>(resource->resourceDescriptor);
        uint64_t clone = 0, original = 0;
        if (!graph || cuptiGetGraphNodeId(graph->node, &clone) != CUPTI_SUCCESS ||
            cuptiGetGraphNodeId(graph->originalNode, &original) != CUPTI_SUCCESS)
            return;
        auto* profiler = static_cast<CuptiProfiler*>(self);
        std::lock_guard lock(profiler->m_mutex);
        profiler->m_clonedFrom[clone] = original;
    }
};

Status CuptiProfiler::enableCupti() {
    {
        std::lock_guard lock(s_ownerMutex);
        if (s_owner)
            return unsupportedError("another profiler in this process owns CUPTI");
        s_owner = this;
    }
    auto enable = [this]() -> Status {
        DASH_PROFILER_CUPTI_TRY(cuptiActivityRegisterCallbacks(&bufferRequested, &bufferCompleted));
        for (CUpti_ActivityKind kind : kActivityKinds) {
            DASH_PROFILER_CUPTI_TRY(cuptiActivityEnable(kind));
            ++m_enabledKinds;
        }
        // The device of the current context, numbered as in kernel records.
        DASH_PROFILER_CUPTI_TRY(cuptiGetDeviceId(nullptr, &m_cuptiDevice));
        // Without the clone callbacks graph kernels keep their launch's tag.
        const auto noClones = [this](const Error& e) {
            m_detail = "graph kernels are not attributed to layers: " + e.message();
        };
        const CUptiResult subscribed =
            cuptiSubscribe(&m_subscriber, &CuptiGraphCallbacks::onResource, this);
        if (subscribed != CUPTI_SUCCESS) {
            m_subscriber = nullptr;
            noClones(cuptiFailure("cuptiSubscribe", subscribed));
            return {};
        }
        const CUptiResult enabledClones = cuptiEnableCallback(
            1, m_subscriber, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_GRAPHNODE_CLONED);
        if (enabledClones != CUPTI_SUCCESS)
            noClones(cuptiFailure("cuptiEnableCallback(GRAPHNODE_CLONED)", enabledClones));
        m_cloneCallbacks = enabledClones == CUPTI_SUCCESS;
        return {};
    };
    const Status enabled = enable();
    if (!enabled)
        disableCupti();
    return enabled;
}

void CuptiProfiler::disableCupti() {
    // Errors are ignored: this runs on failed setup and in the destructor.
    for (int i = m_enabledKinds; i-- > 0;)
        cuptiActivityDisable(kActivityKinds[i]);
    m_enabledKinds = 0;
    if (m_subscriber)
        cuptiUnsubscribe(m_subscriber);
    m_subscriber = nullptr;
    m_cloneCallbacks = false;
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    std::lock_guard lock(s_ownerMutex);
    if (s_owner == this)
        s_owner = nullptr;
}

void CuptiProfiler::bufferRequested(uint8_t** buffer, size_t* size, size_t* maxRecords) {
    // A null buffer makes CUPTI drop records; collect() reports the count.
    *buffer = static_cast<uint8_t*>(std::aligned_alloc(kBufferAlignment, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;
    *maxRecords = 0;
}

void CuptiProfiler::bufferCompleted(CUctx_st*, uint32_t, uint8_t* buffer, size_t,
                                    size_t validSize) {
    {
        std::lock_guard ownerLock(s_ownerMutex);
        if (s_owner) {
            std::lock_guard recordsLock(s_owner->m_recordsMutex);
            s_owner->parseBuffer(buffer, validSize);
        }
    }
    std::free(buffer);
}

void CuptiProfiler::parseBuffer(uint8_t* buffer, size_t validSize) {
    CUpti_Activity* record = nullptr;
    while (cuptiActivityGetNextRecord(buffer, validSize, &record) == CUPTI_SUCCESS) {
        if (record->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) {
            // CUDA 13's kernel record; CUPTI writes the version of the header it was built with.
            // Records with zero timestamps are kept here and counted by the mapping.
            const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
            m_kernels.push_back(
                {k->correlationId, k->deviceId, k->streamId, k->graphNodeId, k->start, k->end});
        } else if (record->kind == CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION) {
            const auto* c = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(record);
            if (c->externalKind == kCorrelationKind)
                m_externalIds[c->correlationId] = c->externalId;
        }
    }
}

Expected<std::vector<Span>> CuptiProfiler::collectCupti(int64_t originNs,
                                                        std::vector<StreamEntry> streams,
                                                        std::vector<PassClock> clocks) {
    // Kernels must have finished for their records to carry timestamps; a
    // forced flush then hands over every buffer, full or not.
    for (const StreamEntry& s : streams)
        DASH_PROFILER_CUDA_TRY(cudaStreamSynchronize(s.stream));
    DASH_PROFILER_CUDA_TRY(cudaDeviceSynchronize());
    DASH_PROFILER_CUPTI_TRY(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
    size_t dropped = 0;
    DASH_PROFILER_CUPTI_TRY(cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped));

    RecordMapping mapping;
    std::vector<KernelRecord> kernels;
    {
        std::lock_guard lock(m_recordsMutex);
        kernels.swap(m_kernels);
        mapping.externalIds.swap(m_externalIds);
    }
    {
        std::lock_guard lock(m_mutex);
        mapping.tags.swap(m_tags);
        mapping.firstExternalId = m_firstExternalId;
        m_firstExternalId += mapping.tags.size();
        mapping.graphNodes = m_graphNodes;
        mapping.clonedFrom = m_clonedFrom;
    }
    mapping.deviceId = m_cuptiDevice;
    for (const StreamEntry& s : streams)
        mapping.streams.push_back({s.kind, s.cuptiStreamId});
    for (const PassClock& c : clocks)
        mapping.passOffsetsNs.push_back(c.cuptiOffsetNs - originNs);

    MappedKernels mapped = mapKernelRecords(kernels, mapping);
    std::lock_guard lock(m_mutex);
    m_counts.kernels = mapped.kernels.size();
    m_counts.untimed = mapped.untimed;
    m_counts.dropped = dropped;
    m_counts.unmapped = mapped.unmapped;
    m_lastKernels = std::move(mapped.kernels);
    return std::move(mapped.spans);
}

Status CuptiProfiler::tagGraphNode(CUgraphNode_st* node, int32_t layer, StreamKind stream) {
    if (m_mode != Mode::Cupti)
        return {};
    uint64_t id = 0;
    DASH_PROFILER_CUPTI_TRY(cuptiGetGraphNodeId(node, &id));
    std::lock_guard lock(m_mutex);
    m_graphNodes[id] = {layer, stream};
    return {};
}

#endif

#ifndef DASH_HAVE_CUPTI
Status CuptiProfiler::tagGraphNode(CUgraphNode_st*, int32_t, StreamKind) {
    return {};
}
#endif

CuptiProfiler::RecordCounts CuptiProfiler::counts() const {
    std::lock_guard lock(m_mutex);
    return m_counts;
}

std::vector<Span> CuptiProfiler::lastKernels() const {
    std::lock_guard lock(m_mutex);
    return m_lastKernels;
}

} // namespace dash
