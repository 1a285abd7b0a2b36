// SPDX-License-Identifier: MIT
#include "gpu_profiler_checks.h"

#include "gpu_profiler_kernels.h"

#include "core/engine/trace.h"
#include "core/util/clock.h"
#include "cuda/device_info.h"
#include "profiler/stream_profiler.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dash::test {

namespace {

constexpr int kTouchCount = 4096;
constexpr int64_t kClockToleranceNs = 500'000; // GPU times mapped onto the steady clock
constexpr int64_t kOrderToleranceNs = 2'000;   // rounding of event times
constexpr uint64_t kLongSpinNs = 20'000'000;
constexpr uint64_t kShortSpinNs = 5'000'000;

Error cudaFailure(const char* call, cudaError_t code) {
    return internalError(std::string(call) + " failed: " + cudaGetErrorName(code) + " (" +
                         cudaGetErrorString(code) + ")");
}

#define CHECK_CUDA(call)                                                                           \
    do {                                                                                           \
        const cudaError_t check_code_ = (call);                                                    \
        if (check_code_ != cudaSuccess)                                                            \
            return cudaFailure(#call, check_code_);                                                \
    } while (false)

#define REQUIRE(condition, message)                                                                \
    do {                                                                                           \
        if (!(condition))                                                                          \
            return internalError(std::string(#condition " does not hold: ") + (message));          \
    } while (false)

std::string describe(const Span& s) {
    char text[160];
    std::snprintf(text, sizeof text, "%s span (token %d, layer %d) [%.1f us, %.1f us]",
                  s.stream == StreamKind::Policy ? "policy" : "compute", s.firstToken, s.layer,
                  static_cast<double>(s.startNs) / 1e3, static_cast<double>(s.endNs) / 1e3);
    return text;
}

bool contains(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

const Span* findSpan(const std::vector<Span>& spans, StreamKind stream, int32_t token,
                     int32_t layer) {
    const Span* found = nullptr;
    for (const Span& s : spans) {
        if (s.stream == stream && s.firstToken == token && s.layer == layer) {
            if (found)
                return nullptr; // a duplicate is as wrong as a missing span
            found = &s;
        }
    }
    return found;
}

// Two non-blocking streams (no implicit synchronisation with the legacy default
// stream), a device buffer for the touch kernel and an event to order them.
class GpuFixture {
public:
    GpuFixture() = default;
    GpuFixture(const GpuFixture&) = delete;
    GpuFixture& operator=(const GpuFixture&) = delete;
    ~GpuFixture() {
        if (data)
            cudaFree(data);
        if (done)
            cudaEventDestroy(done);
        if (compute)
            cudaStreamDestroy(compute);
        if (policy)
            cudaStreamDestroy(policy);
    }

    Status init() {
        CHECK_CUDA(cudaStreamCreateWithFlags(&compute, cudaStreamNonBlocking));
        CHECK_CUDA(cudaStreamCreateWithFlags(&policy, cudaStreamNonBlocking));
        CHECK_CUDA(cudaMalloc(&data, kTouchCount * sizeof(float)));
        CHECK_CUDA(cudaMemset(data, 0, kTouchCount * sizeof(float)));
        CHECK_CUDA(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
        CHECK_CUDA(cudaDeviceSynchronize());
        return {};
    }

    Status attach(StreamProfiler& profiler) const {
        DASH_TRY(profiler.registerStream(StreamKind::Compute, compute));
        DASH_TRY(profiler.registerStream(StreamKind::Policy, policy));
        return {};
    }

    cudaStream_t compute = nullptr;
    cudaStream_t policy = nullptr;
    float* data = nullptr;
    cudaEvent_t done = nullptr;
};

Expected<std::unique_ptr<StreamProfiler>> profilerWithFixture(ProfilerKind kind, GpuFixture& gpu) {
    DASH_TRY(gpu.init());
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<StreamProfiler> profiler, createStreamProfiler(kind));
    DASH_TRY(gpu.attach(*profiler));
    return profiler;
}

std::string modeNote(const StreamProfiler& p) {
    return p.detail().empty() ? p.name() : p.name() + " (" + p.detail() + ")";
}

// Over two passes, each (token, layer) gets a compute span of two touch
// kernels and a policy span (tagged layer + 1) of one. Every tag must come back
// exactly once, after the host began it, before the host saw the work finish,
// and in launch order on its stream.
Expected<std::string> runTags(StreamProfiler& p, const GpuFixture& gpu) {
    constexpr int kTokens = 4;
    constexpr int kLayers = 6;
    const int64_t origin = steadyNowNs();
    std::vector<int64_t> launchedAt(2 * kTokens * kLayers); // [token][layer][stream]
    for (int pass = 0; pass < 2; ++pass) {
        DASH_TRY(p.beginPass());
        for (int token = pass * kTokens / 2; token < (pass + 1) * kTokens / 2; ++token) {
            for (int layer = 0; layer < kLayers; ++layer) {
                const size_t cell = static_cast<size_t>(token * kLayers + layer) * 2;
                launchedAt[cell] = steadyNowNs() - origin;
                {
                    ScopedSpan span(p, {StreamKind::Compute, token, 1, layer});
                    DASH_TRY(launchTouch(gpu.compute, gpu.data, kTouchCount));
                    DASH_TRY(launchTouch(gpu.compute, gpu.data, kTouchCount));
                }
                launchedAt[cell + 1] = steadyNowNs() - origin;
                {
                    ScopedSpan span(p, {StreamKind::Policy, token, 1, layer + 1});
                    DASH_TRY(launchTouch(gpu.policy, gpu.data, kTouchCount / 2));
                }
            }
        }
        DASH_TRY(p.endPass());
    }
    CHECK_CUDA(cudaDeviceSynchronize());
    const int64_t finished = steadyNowNs() - origin;
    DASH_ASSIGN_OR_RETURN(std::vector<Span> spans, p.collect(origin));
    REQUIRE(spans.size() == size_t(2 * kTokens * kLayers),
            std::to_string(spans.size()) + " spans from " + p.name());

    int64_t lastEnd[2] = {-kClockToleranceNs, -kClockToleranceNs}; // [compute, policy]
    for (int token = 0; token < kTokens; ++token) {
        for (int layer = 0; layer < kLayers; ++layer) {
            const size_t cell = static_cast<size_t>(token * kLayers + layer) * 2;
            const Span* c = findSpan(spans, StreamKind::Compute, token, layer);
            const Span* q = findSpan(spans, StreamKind::Policy, token, layer + 1);
            REQUIRE(c && q, "token " + std::to_string(token) + ", layer " + std::to_string(layer) +
                                " missing or duplicated");
            const Span* pair[2] = {c, q};
            for (int k = 0; k < 2; ++k) {
                const Span& s = *pair[k];
                REQUIRE(s.tokenCount == 1, describe(s));
                REQUIRE(s.startNs < s.endNs, describe(s));
                REQUIRE(s.startNs >= launchedAt[cell + static_cast<size_t>(k)] - kClockToleranceNs,
                        describe(s) + " starts before the host began it at " +
                            std::to_string(launchedAt[cell + static_cast<size_t>(k)]) + " ns");
                REQUIRE(s.endNs <= finished + kClockToleranceNs,
                        describe(s) + " ends after the host saw the work finish at " +
                            std::to_string(finished) + " ns");
                REQUIRE(s.startNs >= lastEnd[k] - kOrderToleranceNs,
                        describe(s) + " starts before the previous span of its stream ended");
                lastEnd[k] = s.endNs;
            }
        }
    }
    return modeNote(p) + ": " + std::to_string(spans.size()) + " spans tagged and ordered";
}

Expected<std::string> checkTags(ProfilerKind kind) {
    GpuFixture gpu;
    DASH_ASSIGN_OR_RETURN(auto profiler, profilerWithFixture(kind, gpu));
    return runTags(*profiler, gpu);
}

// Overlap of the two spans measured directly: |C ∩ P| / |P|.
double pairOverlap(const Span& compute, const Span& policy) {
    const int64_t shared =
        std::min(compute.endNs, policy.endNs) - std::max(compute.startNs, policy.startNs);
    return shared > 0
               ? static_cast<double>(shared) / static_cast<double>(policy.endNs - policy.startNs)
               : 0.0;
}

// A spin kernel on each stream inside one compute and one policy span; with
// `serialise` the policy stream first waits for the compute stream's work.
Expected<std::string> checkOverlap(ProfilerKind kind, bool serialise) {
    GpuFixture gpu;
    DASH_ASSIGN_OR_RETURN(auto profiler, profilerWithFixture(kind, gpu));
    StreamProfiler& p = *profiler;
    const uint64_t spinNs = serialise ? kShortSpinNs : kLongSpinNs;
    const int64_t origin = steadyNowNs();
    DASH_TRY(p.beginPass());
    {
        ScopedSpan span(p, {StreamKind::Compute, 0, 1, 0});
        DASH_TRY(launchSpin(gpu.compute, spinNs));
    }
    if (serialise) {
        CHECK_CUDA(cudaEventRecord(gpu.done, gpu.compute));
        CHECK_CUDA(cudaStreamWaitEvent(gpu.policy, gpu.done, 0));
    }
    {
        ScopedSpan span(p, {StreamKind::Policy, 0, 1, 1});
        DASH_TRY(launchSpin(gpu.policy, spinNs));
    }
    DASH_TRY(p.endPass());
    DASH_ASSIGN_OR_RETURN(std::vector<Span> spans, p.collect(origin));
    REQUIRE(spans.size() == 2, std::to_string(spans.size()) + " spans");
    const Span* c = findSpan(spans, StreamKind::Compute, 0, 0);
    const Span* q = findSpan(spans, StreamKind::Policy, 0, 1);
    REQUIRE(c && q, "a spin span is missing");
    // The spin lasts at least spinNs of GPU time; allow for the timer's granularity.
    const int64_t minimum = static_cast<int64_t>(spinNs) - 50'000;
    REQUIRE(c->endNs - c->startNs >= minimum, describe(*c));
    REQUIRE(q->endNs - q->startNs >= minimum, describe(*q));

    const double overlap = policyOverlap(spans);
    const double direct = pairOverlap(*c, *q);
    REQUIRE(std::abs(overlap - direct) < 1e-9,
            "policyOverlap " + std::to_string(overlap) + ", direct " + std::to_string(direct));
    if (serialise) {
        REQUIRE(q->startNs >= c->endNs - kOrderToleranceNs, describe(*c) + " / " + describe(*q));
        REQUIRE(overlap < 0.01, "serialised overlap " + std::to_string(overlap));
    } else {
        REQUIRE(overlap > 0.5, "concurrent overlap " + std::to_string(overlap) + ": " +
                                   describe(*c) + " / " + describe(*q));
    }
    return modeNote(p) + ": overlap " + std::to_string(overlap);
}

// Misuse is reported, not fatal: a span outside a pass (by collect), a span on
// a stream kind without a registered stream (by endPass), collect inside a
// pass; the profiler keeps working afterwards.
Expected<std::string> checkMisuse(ProfilerKind kind) {
    GpuFixture gpu;
    DASH_TRY(gpu.init());
    DASH_ASSIGN_OR_RETURN(auto profiler, createStreamProfiler(kind));
    StreamProfiler& p = *profiler;
    DASH_TRY(p.registerStream(StreamKind::Compute, gpu.compute));

    { ScopedSpan span(p, {StreamKind::Compute, 0, 1, 0}); }
    auto outside = p.collect(0);
    REQUIRE(!outside.ok(), "a span outside a pass was accepted");
    REQUIRE(contains(outside.error().message(), "outside a pass"), outside.error().message());

    DASH_TRY(p.beginPass());
    { ScopedSpan span(p, {StreamKind::Policy, 0, 1, 1}); }
    const Status unregistered = p.endPass();
    REQUIRE(!unregistered.ok(), "a span on an unregistered stream kind was accepted");
    REQUIRE(contains(unregistered.error().message(), "no GPU stream registered"),
            unregistered.error().message());

    DASH_TRY(p.beginPass());
    auto inside = p.collect(0);
    REQUIRE(!inside.ok(), "collect() inside a pass was accepted");
    DASH_TRY(p.endPass());

    DASH_TRY(p.beginPass());
    {
        ScopedSpan span(p, {StreamKind::Compute, 3, 1, 2});
        DASH_TRY(launchTouch(gpu.compute, gpu.data, kTouchCount));
    }
    DASH_TRY(p.endPass());
    DASH_ASSIGN_OR_RETURN(std::vector<Span> spans, p.collect(0));
    REQUIRE(spans.size() == 1 && spans[0].firstToken == 3 && spans[0].layer == 2,
            std::to_string(spans.size()) + " spans after misuse");
    return modeNote(p) + ": misuse reported";
}

#ifdef DASH_HAVE_CUPTI

Expected<std::string> checkCuptiActive() {
    DASH_ASSIGN_OR_RETURN(auto profiler, createStreamProfiler(ProfilerKind::Cuda));
    REQUIRE(profiler->name() == "cupti", modeNote(*profiler));
    return std::string("cupti");
}

// CUPTI's buffer callbacks are process-wide: while one profiler owns them a
// second falls back to CUDA events, both record correctly, and CUPTI is free
// again once the owner is gone.
Expected<std::string> checkFallbackWhileOwned() {
    GpuFixture firstGpu, secondGpu;
    DASH_ASSIGN_OR_RETURN(auto first, profilerWithFixture(ProfilerKind::Cuda, firstGpu));
    REQUIRE(first->name() == "cupti", modeNote(*first));
    DASH_ASSIGN_OR_RETURN(auto second, profilerWithFixture(ProfilerKind::Cuda, secondGpu));
    REQUIRE(second->name() == "cuda-events", modeNote(*second));
    REQUIRE(contains(second->detail(), "CUPTI"), second->detail());
    DASH_TRY(runTags(*second, secondGpu));
    DASH_TRY(runTags(*first, firstGpu));
    const std::string note = second->detail();
    first.reset();
    DASH_ASSIGN_OR_RETURN(auto third, createStreamProfiler(ProfilerKind::Cuda));
    REQUIRE(third->name() == "cupti", "after the owner was destroyed: " + modeNote(*third));
    return note;
}

#else

Expected<std::string> checkEventsWithoutCupti() {
    DASH_ASSIGN_OR_RETURN(auto profiler, createStreamProfiler(ProfilerKind::Cuda));
    REQUIRE(profiler->name() == "cuda-events", modeNote(*profiler));
    REQUIRE(contains(profiler->detail(), "without CUPTI"), profiler->detail());
    return profiler->detail();
}

#endif

} // namespace

Status gpuAvailability() {
    auto runtime = cuda::queryRuntime();
    if (!runtime)
        return runtime.error();
    return {};
}

std::string gpuDescription() {
    auto runtime = cuda::queryRuntime();
    if (!runtime)
        return runtime.error().message();
    std::string text;
    for (const cuda::DeviceInfo& d : runtime->devices) {
        text += d.name + ": sm_" + std::to_string(d.computeMajor) + std::to_string(d.computeMinor) +
                ", " + std::to_string(d.multiprocessors) + " SMs; ";
    }
    return text + "driver " + std::to_string(runtime->driverVersion) + ", runtime " +
           std::to_string(runtime->runtimeVersion);
}

Status checkFactoryWithoutGpu() {
    for (ProfilerKind kind : {ProfilerKind::Cuda, ProfilerKind::CudaEvents}) {
        auto profiler = createStreamProfiler(kind);
        if (profiler)
            return internalError(std::string("the ") + profilerKindName(kind) +
                                 " profiler was created without a usable GPU");
        if (profiler.error().code() != ErrorCode::Unsupported)
            return internalError(std::string("the ") + profilerKindName(kind) +
                                 " profiler failed with a code other than Unsupported: " +
                                 profiler.error().message());
    }
    auto cpu = createStreamProfiler(ProfilerKind::Cpu);
    if (!cpu)
        return cpu.error();
    return {};
}

std::vector<GpuCheck> gpuProfilerChecks() {
    std::vector<GpuCheck> checks;
#ifdef DASH_HAVE_CUPTI
    checks.push_back({"cuda_kind_uses_cupti", checkCuptiActive});
#else
    checks.push_back({"cuda_kind_uses_events_without_cupti", checkEventsWithoutCupti});
#endif
    for (ProfilerKind kind : {ProfilerKind::Cuda, ProfilerKind::CudaEvents}) {
        const std::string suffix = std::string("/") + profilerKindName(kind);
        checks.push_back({"tags" + suffix, [kind] { return checkTags(kind); }});
        checks.push_back(
            {"overlap_concurrent" + suffix, [kind] { return checkOverlap(kind, false); }});
        checks.push_back(
            {"overlap_serialised" + suffix, [kind] { return checkOverlap(kind, true); }});
        checks.push_back({"misuse_reported" + suffix, [kind] { return checkMisuse(kind); }});
    }
#ifdef DASH_HAVE_CUPTI
    checks.push_back({"fallback_while_cupti_owned", checkFallbackWhileOwned});
#endif
    return checks;
}

} // namespace dash::test
