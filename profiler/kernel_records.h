// SPDX-License-Identifier: MIT
// From GPU kernel activity records to tagged spans and the overlap of the
// policy and compute streams: the bookkeeping of the CUPTI profiler, kept
// free of CUPTI and CUDA so that the host tests check it on synthetic records.
//
// A kernel belongs to a span tag through one of two keys:
//   - the external correlation id pushed around its launch (eager launches:
//     CUPTI maps the launch's correlation id to ours);
//   - its graph node id (kernels replayed from a CUDA graph), which names the
//     layer and stream the node was captured for; the token comes from the
//     external id pushed around the graph launch.
// A kernel counts for the stream kind of the registered stream it ran on
// unless its graph node says otherwise. Records with zero timestamps (CUPTI
// ran out of device buffer for them) are dropped and counted.
#pragma once

#include "core/engine/trace.h"
#include "profiler/stream_profiler.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace dash {

// What a CONCURRENT_KERNEL record carries that the mapping reads.
struct KernelRecord {
    uint32_t correlationId = 0;
    uint32_t deviceId = 0;
    uint32_t streamId = 0;
    uint64_t graphNodeId = 0; // 0: not launched from a graph
    uint64_t start = 0;       // ns, CUPTI's clock
    uint64_t end = 0;
};

// A span tag and the pass (clock calibration) it was begun in.
struct TaggedPass {
    SpanTag tag;
    size_t pass = 0;
};

// The layer and stream a captured graph node does its work for.
struct GraphNodeTag {
    int32_t layer = -1;
    StreamKind stream = StreamKind::Compute;
};

struct RegisteredStream {
    StreamKind kind = StreamKind::Compute;
    uint32_t streamId = 0;
};

// How far a kernel record's graph node is followed back through clones (a
// conditional node's body is cloned with the graph that holds it).
inline constexpr int kMaxCloneDepth = 8;

struct RecordMapping {
    uint32_t deviceId = 0;                 // the profiled device, numbered as in records
    std::vector<RegisteredStream> streams; // CUPTI stream ids of the registered streams
    std::unordered_map<uint32_t, uint64_t> externalIds; // correlation id -> external id
    uint64_t firstExternalId = 1;                       // external id of tags[0]
    std::vector<TaggedPass> tags;
    std::unordered_map<uint64_t, GraphNodeTag> graphNodes; // graph node id -> tag
    // Node id -> the id of the node it was cloned from (instantiating a graph
    // clones its nodes; records carry the clone's id). A record's node takes
    // the tag of the nearest tagged node up this chain, at most
    // kMaxCloneDepth steps.
    std::unordered_map<uint64_t, uint64_t> clonedFrom;
    // Per pass: add to a CUPTI time to get ns relative to the trace's origin.
    std::vector<int64_t> passOffsetsNs;
};

struct MappedKernels {
    // One span per (tag, layer, stream kind), [first kernel start, last kernel
    // end], in the order of the tags' beginSpan calls.
    std::vector<Span> spans;
    // One span per mapped kernel, for overlap at kernel granularity.
    std::vector<Span> kernels;
    size_t untimed = 0;  // zero timestamps: dropped
    size_t unmapped = 0; // launched outside every span of this profiler
};

MappedKernels mapKernelRecords(const std::vector<KernelRecord>& records,
                               const RecordMapping& mapping);

// Busy time of each stream (union of its spans) and the time both were busy,
// inside [windowBegin, windowEnd) (an empty window: no clipping).
struct OverlapSummary {
    int64_t policyBusyNs = 0;
    int64_t computeBusyNs = 0;
    int64_t sharedNs = 0;
    // sharedNs / policyBusyNs: the fraction of policy-stream time hidden under
    // compute-stream work (0 without policy time).
    double overlap = 0;
};
OverlapSummary summarizeOverlap(const std::vector<Span>& spans, int64_t windowBegin = 0,
                                int64_t windowEnd = 0);

} // namespace dash
