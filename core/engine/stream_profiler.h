// SPDX-License-Identifier: MIT
// Records busy spans of the compute and policy streams per (token range, layer)
// as dash::Span values. The engine and the DASH controller mark their spans
// through this interface; CpuProfiler (cpu_profiler.h) times code regions on
// the calling thread, and the CUDA implementation in profiler/ times the GPU
// work launched inside a region on the stream registered for the span's
// StreamKind.
//
// Marking spans never fails at the call site (instrumentation sits between
// layers and must stay cheap); an implementation keeps the first failure and
// reports it from endPass() and collect().
#pragma once

#include "core/engine/trace.h"
#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <vector>

// The CUDA runtime's stream type (cudaStream_t is CUstream_st*), declared here
// so that this header needs no CUDA headers.
struct CUstream_st;

namespace dash {

using GpuStream = CUstream_st*;

// What a span worked on; becomes a Span once its times are known.
struct SpanTag {
    StreamKind stream = StreamKind::Compute;
    int32_t firstToken = 0;
    int32_t tokenCount = 1;
    int32_t layer = -1; // -1: not tied to a layer
};

// Returned by beginSpan and handed back to endSpan; `cookie` belongs to the
// implementation (a start time, a correlation id, a slot).
struct SpanMark {
    SpanTag tag;
    uint64_t cookie = 0;
};

class StreamProfiler {
public:
    virtual ~StreamProfiler() = default;

    // "cpu", "cupti" or "cuda-events": the mode actually in use.
    virtual std::string name() const = 0;
    // Why this mode is in use when it is a fallback (empty otherwise).
    virtual std::string detail() const { return {}; }

    // Declares the GPU stream whose work belongs to `kind`. Only GPU
    // implementations accept streams.
    virtual Status registerStream(StreamKind kind, GpuStream stream) = 0;

    // Bracket one forward pass. GPU implementations calibrate their clock here
    // and require spans to lie inside a pass; the CPU implementation accepts
    // spans at any time. endPass returns the first failure since beginPass.
    virtual Status beginPass() = 0;
    virtual Status endPass() = 0;

    // Begins and ends a span on the calling thread. On a GPU the span covers
    // the work launched between the two calls on the tag's stream; spans of
    // one thread must end in the reverse order of their begin.
    virtual SpanMark beginSpan(const SpanTag& tag) = 0;
    virtual void endSpan(const SpanMark& mark) = 0;

    // Every span ended since the last collect, each exactly once, with times in
    // ns relative to `originNs` (a steadyNowNs() value, e.g.
    // Trace::clockOriginNs). GPU implementations wait for the marked work.
    virtual Expected<std::vector<Span>> collect(int64_t originNs) = 0;
};

// Begins a span on construction and ends it on destruction, on one thread.
class ScopedSpan {
public:
    ScopedSpan(StreamProfiler& profiler, const SpanTag& tag)
        : m_profiler(profiler), m_mark(profiler.beginSpan(tag)) {}
    ~ScopedSpan() { m_profiler.endSpan(m_mark); }
    ScopedSpan(const ScopedSpan&) = delete;
    ScopedSpan& operator=(const ScopedSpan&) = delete;

private:
    StreamProfiler& m_profiler;
    SpanMark m_mark;
};

} // namespace dash
