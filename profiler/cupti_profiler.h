// SPDX-License-Identifier: MIT
// Busy spans of GPU streams, from CUPTI activity records or from CUDA events.
//
// Cupti mode: CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL records (never the KERNEL
// kind: it serialises kernels and would erase the overlap being measured).
// beginSpan pushes an external correlation id (CUSTOM0) on the calling thread
// and endSpan pops it; CUPTI precedes the API record of every launch in between
// with an EXTERNAL_CORRELATION record mapping the launch's correlation id to
// ours, which names the span's tag. A span is [first kernel start, last kernel
// end] of the kernels of one id on one stream; a kernel counts for the kind of
// the registered stream it ran on. CUPTI times (its own clock) become steady-
// clock times through an offset measured at each beginPass().
//
// Events mode (when CUPTI is missing from the build, cannot be enabled because
// another profiler such as Nsight Systems holds it, or is not wanted):
// beginSpan/endSpan record CUDA events on the tag's stream; beginPass records
// a reference event on a private idle stream and waits for it, pairing a GPU
// time with a steady-clock time; collect() turns event elapsed times into
// steady-clock spans. A span then also covers the gaps between its kernels.
//
// Kernels replayed from a CUDA graph carry the correlation id of the graph
// launch (so the span around cudaGraphLaunch names their token) and their
// graph node id: tagGraphNode() names the layer and stream each captured node
// works for. Instantiating a graph clones its nodes, and the records carry the
// clone's id: a CUPTI resource callback notes each clone's original, so a tag
// reaches the kernels of every instantiation (without the callback, when
// another tool holds CUPTI's one subscriber, detail() says graph kernels keep
// their launch's tag). Records with zero timestamps are dropped and counted, as are
// records CUPTI dropped for want of buffer space (counts()); the mapping
// itself is profiler/kernel_records.h.
//
// One CuptiProfiler at a time can own CUPTI in a process (CUPTI's buffer
// callbacks are process-wide); others fall back to events and say so in
// detail(). Marked work must run on the device that was current at create().
// collect() must not run while a pass is open.
#pragma once

#include "profiler/kernel_records.h"
#include "profiler/stream_profiler.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct CUctx_st;
struct CUevent_st;
struct CUgraphNode_st;
struct CUpti_Subscriber_st;

namespace dash {

struct CuptiGraphCallbacks; // cupti_profiler.cpp

class CuptiProfiler final : public StreamProfiler {
public:
    enum class Mode { Cupti, Events };

    // `preferred` Cupti falls back to Events (see detail()) when CUPTI is
    // unavailable; an error means CUDA itself is unusable (no driver or device).
    static Expected<std::unique_ptr<CuptiProfiler>> create(Mode preferred);
    ~CuptiProfiler() override;

    Mode mode() const { return m_mode; }
    std::string name() const override;
    std::string detail() const override { return m_detail; }

    Status registerStream(StreamKind kind, GpuStream stream) override;
    Status beginPass() override;
    Status endPass() override;
    SpanMark beginSpan(const SpanTag& tag) override;
    void endSpan(const SpanMark& mark) override;
    Expected<std::vector<Span>> collect(int64_t originNs) override;

    // Names the layer and stream of a node of a graph that will be launched
    // inside spans (Cupti mode; a no-op with events, whose spans are timed
    // around the launch). Call after instantiating the graph.
    Status tagGraphNode(CUgraphNode_st* node, int32_t layer, StreamKind stream);
    // Whether tags reach the kernels of instantiated graphs (Cupti mode with
    // the clone callbacks; see detail() otherwise).
    bool tagsGraphKernels() const { return m_cloneCallbacks; }

    // What the last collect() saw (Cupti mode).
    struct RecordCounts {
        size_t kernels = 0;  // kernel records mapped to spans
        size_t untimed = 0;  // dropped: zero timestamps
        size_t dropped = 0;  // records CUPTI dropped (no buffer)
        size_t unmapped = 0; // kernels launched outside this profiler's spans
    };
    RecordCounts counts() const;
    // One span per kernel of the last collect() (Cupti mode), for overlap at
    // kernel granularity (summarizeOverlap).
    std::vector<Span> lastKernels() const;

private:
    friend struct CuptiGraphCallbacks;

    struct StreamEntry {
        StreamKind kind;
        GpuStream stream;
        uint32_t cuptiStreamId; // Cupti mode only
    };
    // What one beginPass() measured: a reference event with the steady-clock
    // time it ran at (Events mode), or steady clock minus CUPTI clock (Cupti).
    struct PassClock {
        CUevent_st* event = nullptr;
        int64_t steadyNs = 0;
        int64_t cuptiOffsetNs = 0;
    };
    struct EventSpan {
        TaggedPass tagged;
        GpuStream stream;
        CUevent_st* begin;
        CUevent_st* end;
        bool ended;
    };

    CuptiProfiler() = default;

    Status enableCupti();
    void disableCupti();
    Status calibrate(PassClock& clock);
    CUevent_st* takeEvent();
    Status eventTime(const PassClock& clock, CUevent_st* event, int64_t originNs,
                     int64_t& out) const;
    Expected<std::vector<Span>> collectCupti(int64_t originNs, std::vector<StreamEntry> streams,
                                             std::vector<PassClock> clocks);
    Expected<std::vector<Span>> collectEvents(int64_t originNs, std::vector<PassClock> clocks);
    void fail(Error error);
    void failLocked(Error error);

    // CUPTI's buffer callbacks: static trampolines into the owning object.
    static void bufferRequested(uint8_t** buffer, size_t* size, size_t* maxRecords);
    static void bufferCompleted(CUctx_st* context, uint32_t streamId, uint8_t* buffer, size_t size,
                                size_t validSize);
    void parseBuffer(uint8_t* buffer, size_t validSize);

    // Lock order (kineto's rule: written down, never inverted):
    //   1. s_ownerMutex    which CuptiProfiler receives CUPTI's buffers
    //   2. m_recordsMutex  records parsed from completed buffers
    // bufferCompleted holds 1 then 2 while it parses. m_mutex is a leaf, never
    // held together with 1 or 2. No lock is held across a call into CUPTI or
    // CUDA: cuptiActivityFlushAll runs bufferCompleted on the calling thread
    // or waits for CUPTI's worker thread to run it, so flushing under 1 or 2
    // would deadlock.
    static std::mutex s_ownerMutex;
    static CuptiProfiler* s_owner;

    Mode m_mode = Mode::Events;
    std::string m_detail;
    int m_device = 0;
    uint32_t m_cuptiDevice = 0;
    int m_enabledKinds = 0;                      // CUPTI activity kinds enabled so far (Cupti mode)
    CUpti_Subscriber_st* m_subscriber = nullptr; // graph node clone callbacks (Cupti mode)
    bool m_cloneCallbacks = false;               // enabled on m_subscriber
    GpuStream m_clockStream = nullptr;           // Events mode: where reference events run

    // Guarded by m_mutex.
    mutable std::mutex m_mutex;
    bool m_inPass = false;
    int m_openSpans = 0;
    std::optional<Error> m_error;
    std::vector<StreamEntry> m_streams;
    std::vector<PassClock> m_clocks;       // passes since the last collect
    uint64_t m_firstExternalId = 1;        // id of m_tags[0]; ids are never reused
    std::vector<TaggedPass> m_tags;        // Cupti mode
    std::vector<EventSpan> m_eventSpans;   // Events mode
    std::vector<CUevent_st*> m_freeEvents; // Events mode: reusable events
    std::unordered_map<uint64_t, GraphNodeTag> m_graphNodes; // Cupti mode
    std::unordered_map<uint64_t, uint64_t> m_clonedFrom;     // node id -> original node id
    RecordCounts m_counts;                                   // of the last collect
    std::vector<Span> m_lastKernels;                         // of the last collect

    // Guarded by m_recordsMutex.
    std::mutex m_recordsMutex;
    std::vector<KernelRecord> m_kernels;
    std::unordered_map<uint32_t, uint64_t> m_externalIds; // correlation id -> external id
};

} // namespace dash
