// SPDX-License-Identifier: MIT
#include "cuda/bench/micro_kernels.h"

#include "cuda/cuda_check.h"
#include "cuda/device_buffer.h"

#include <algorithm>
#include <functional>

namespace dash::cuda::bench {

namespace {

constexpr int kTinyBlocks = 32;
constexpr int kTinyThreads = 128;

/*
 * A kernel of a few hundred nanoseconds: each thread scales one float. With
 * `pdl` it waits for the previous kernel in cudaGridDependencySynchronize
 * (sm_90+) and lets the next one start early, so that the launch latency of
 * kernel i+1 overlaps the tail of kernel i.
 */
__global__ void tinyKernel(float* data, int pdl) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (pdl)
        cudaGridDependencySynchronize();
#endif
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    data[i] = data[i] * 0.5f + 1.0f;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (pdl)
        cudaTriggerProgrammaticLaunchCompletion();
#endif
}

/*
 * Streams `count` 16-byte words with evict-first loads, every thread taking
 * every (grid · block)-th word; the XOR of what it read is stored only if it
 * equals an impossible value, which keeps the loads without writing.
 */
__global__ void readKernel(const uint4* data, size_t count, uint32_t* sink) {
    uint32_t acc = 0;
    for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
         i += static_cast<size_t>(gridDim.x) * blockDim.x) {
        const uint4 v = __ldcs(data + i);
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x9E3779B9u)
        sink[threadIdx.x] = acc;
}

Status launchTiny(float* data, bool pdl, cudaStream_t stream) {
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(kTinyBlocks);
    config.blockDim = dim3(kTinyThreads);
    config.stream = stream;
    cudaLaunchAttribute attribute[1];
    attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute[0].val.programmaticStreamSerializationAllowed = 1;
    config.attrs = pdl ? attribute : nullptr;
    config.numAttrs = pdl ? 1 : 0;
    DASH_CUDA_TRY(cudaLaunchKernelEx(&config, tinyKernel, data, pdl ? 1 : 0));
    return {};
}

// Times `run` (enqueued on `stream`) with events: ms per call, `repeats` calls after one warm-up.
Expected<std::vector<double>> timeRuns(const std::function<Status()>& run, int repeats,
                                       cudaStream_t stream) {
    struct Events {
        cudaEvent_t start = nullptr, stop = nullptr;
        ~Events() {
            if (start)
                cudaEventDestroy(start);
            if (stop)
                cudaEventDestroy(stop);
        }
    } events;
    DASH_CUDA_TRY(cudaEventCreate(&events.start));
    DASH_CUDA_TRY(cudaEventCreate(&events.stop));
    std::vector<double> ms;
    DASH_TRY(run());
    for (int r = 0; r < repeats; ++r) {
        DASH_CUDA_TRY(cudaEventRecord(events.start, stream));
        DASH_TRY(run());
        DASH_CUDA_TRY(cudaEventRecord(events.stop, stream));
        DASH_CUDA_TRY(cudaEventSynchronize(events.stop));
        float elapsed = 0;
        DASH_CUDA_TRY(cudaEventElapsedTime(&elapsed, events.start, events.stop));
        ms.push_back(elapsed);
    }
    return ms;
}

class Graph {
public:
    ~Graph() {
        if (exec)
            cudaGraphExecDestroy(exec);
        if (graph)
            cudaGraphDestroy(graph);
    }
    // Captures what `enqueue` puts on `stream`, then instantiates it.
    Status capture(cudaStream_t stream, const std::function<Status()>& enqueue) {
        DASH_CUDA_TRY(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
        const Status filled = enqueue();
        const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
        DASH_TRY(filled);
        DASH_CUDA_TRY(ended);
        DASH_CUDA_TRY(cudaGraphInstantiate(&exec, graph, 0));
        return {};
    }
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
};

} // namespace

Timing summarize(std::vector<double> v) {
    Timing t;
    if (v.empty())
        return t;
    std::sort(v.begin(), v.end());
    t.min = v.front();
    t.max = v.back();
    t.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    return t;
}

Expected<Timing> kernelBoundary(bool pdl, int kernels, int repeats, cudaStream_t stream) {
    DASH_ASSIGN_OR_RETURN(DeviceBuffer data,
                          DeviceBuffer::allocate(kTinyBlocks * kTinyThreads * sizeof(float),
                                                 "the boundary benchmark"));
    DASH_CUDA_TRY(cudaMemset(data.data(), 0, data.bytes()));
    Graph g;
    DASH_TRY(g.capture(stream, [&]() -> Status {
        for (int k = 0; k < kernels; ++k)
            DASH_TRY(launchTiny(data.as<float>(), pdl, stream));
        return {};
    }));
    DASH_ASSIGN_OR_RETURN(std::vector<double> ms,
                          timeRuns(
                              [&]() -> Status {
                                  DASH_CUDA_TRY(cudaGraphLaunch(g.exec, stream));
                                  return {};
                              },
                              repeats, stream));
    for (double& v : ms)
        v = v * 1000.0 / kernels;
    return summarize(ms);
}

Expected<Timing> forkJoinCost(bool graph, int iterations, int repeats) {
    cudaStream_t main = nullptr, side = nullptr;
    DASH_CUDA_TRY(cudaStreamCreateWithFlags(&main, cudaStreamNonBlocking));
    DASH_CUDA_TRY(cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking));
    auto body = [&]() -> Expected<Timing> {
        std::vector<cudaEvent_t> events(2 * static_cast<size_t>(iterations));
        for (cudaEvent_t& e : events)
            DASH_CUDA_TRY(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
        DASH_ASSIGN_OR_RETURN(DeviceBuffer data,
                              DeviceBuffer::allocate(2 * kTinyBlocks * kTinyThreads * sizeof(float),
                                                     "the fork/join benchmark"));
        DASH_CUDA_TRY(cudaMemset(data.data(), 0, data.bytes()));
        float* a = data.as<float>();
        float* b = a + kTinyBlocks * kTinyThreads;
        auto forked = [&]() -> Status {
            for (int i = 0; i < iterations; ++i) {
                DASH_TRY(launchTiny(a, false, main));
                DASH_CUDA_TRY(cudaEventRecord(events[2 * static_cast<size_t>(i)], main));
                DASH_CUDA_TRY(cudaStreamWaitEvent(side, events[2 * static_cast<size_t>(i)], 0));
                DASH_TRY(launchTiny(b, false, side));
                DASH_CUDA_TRY(cudaEventRecord(events[2 * static_cast<size_t>(i) + 1], side));
                DASH_CUDA_TRY(cudaStreamWaitEvent(main, events[2 * static_cast<size_t>(i) + 1], 0));
            }
            return {};
        };
        auto serial = [&]() -> Status {
            for (int i = 0; i < iterations; ++i) {
                DASH_TRY(launchTiny(a, false, main));
                DASH_TRY(launchTiny(b, false, main));
            }
            return {};
        };
        std::vector<double> costs;
        Graph gf, gs;
        if (graph) {
            DASH_TRY(gf.capture(main, forked));
            DASH_TRY(gs.capture(main, serial));
        }
        for (int r = 0; r < repeats; ++r) {
            // Alternate the order of the two variants between repeats.
            double t[2] = {0, 0};
            for (int k = 0; k < 2; ++k) {
                const bool fork = (k == 0) == (r % 2 == 0);
                auto run = [&]() -> Status {
                    if (graph) {
                        DASH_CUDA_TRY(cudaGraphLaunch(fork ? gf.exec : gs.exec, main));
                        return {};
                    }
                    return fork ? forked() : serial();
                };
                DASH_ASSIGN_OR_RETURN(std::vector<double> ms, timeRuns(run, 1, main));
                t[fork ? 0 : 1] = ms[0];
            }
            costs.push_back((t[0] - t[1]) * 1000.0 / iterations);
        }
        for (cudaEvent_t e : events)
            cudaEventDestroy(e);
        return summarize(costs);
    };
    auto result = body();
    cudaStreamSynchronize(main);
    cudaStreamSynchronize(side);
    cudaStreamDestroy(main);
    cudaStreamDestroy(side);
    return result;
}

Expected<Timing> switchNodeCost(int nodes, int repeats, cudaStream_t stream) {
    cudaStream_t bodyStream = nullptr;
    DASH_CUDA_TRY(cudaStreamCreateWithFlags(&bodyStream, cudaStreamNonBlocking));
    auto body = [&]() -> Expected<Timing> {
        DASH_ASSIGN_OR_RETURN(DeviceBuffer data,
                              DeviceBuffer::allocate(kTinyBlocks * kTinyThreads * sizeof(float),
                                                     "the SWITCH benchmark"));
        DASH_CUDA_TRY(cudaMemset(data.data(), 0, data.bytes()));
        float* a = data.as<float>();
        Graph withSwitch, plain;
        DASH_TRY(withSwitch.capture(stream, [&]() -> Status {
            for (int i = 0; i < nodes; ++i) {
                cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
                cudaGraph_t graph = nullptr;
                const cudaGraphNode_t* deps = nullptr;
                const cudaGraphEdgeData* edges = nullptr;
                size_t count = 0;
                DASH_CUDA_TRY(cudaStreamGetCaptureInfo(stream, &status, nullptr, &graph, &deps,
                                                       &edges, &count));
                cudaGraphConditionalHandle handle = 0;
                DASH_CUDA_TRY(cudaGraphConditionalHandleCreate(&handle, graph, 0,
                                                               cudaGraphCondAssignDefault));
                cudaGraphNodeParams params{};
                params.type = cudaGraphNodeTypeConditional;
                params.conditional.handle = handle;
                params.conditional.type = cudaGraphCondTypeSwitch;
                params.conditional.size = 2; // body 0 runs (the default value); body 1 never
                cudaGraphNode_t node = nullptr;
                DASH_CUDA_TRY(cudaGraphAddNode(&node, graph, deps, edges, count, &params));
                DASH_CUDA_TRY(cudaStreamUpdateCaptureDependencies(
                    stream, &node, nullptr, 1, cudaStreamSetCaptureDependencies));
                for (int k = 0; k < 2; ++k) {
                    DASH_CUDA_TRY(cudaStreamBeginCaptureToGraph(
                        bodyStream, params.conditional.phGraph_out[k], nullptr, nullptr, 0,
                        cudaStreamCaptureModeThreadLocal));
                    const Status launched = launchTiny(a, false, bodyStream);
                    cudaGraph_t captured = nullptr;
                    const cudaError_t ended = cudaStreamEndCapture(bodyStream, &captured);
                    DASH_TRY(launched);
                    DASH_CUDA_TRY(ended);
                }
            }
            return {};
        }));
        DASH_TRY(plain.capture(stream, [&]() -> Status {
            for (int i = 0; i < nodes; ++i)
                DASH_TRY(launchTiny(a, false, stream));
            return {};
        }));
        std::vector<double> costs;
        for (int r = 0; r < repeats; ++r) {
            double t[2] = {0, 0};
            for (int k = 0; k < 2; ++k) {
                const bool sw = (k == 0) == (r % 2 == 0);
                DASH_ASSIGN_OR_RETURN(std::vector<double> ms,
                                      timeRuns(
                                          [&]() -> Status {
                                              DASH_CUDA_TRY(cudaGraphLaunch(
                                                  sw ? withSwitch.exec : plain.exec, stream));
                                              return {};
                                          },
                                          1, stream));
                t[sw ? 0 : 1] = ms[0];
            }
            costs.push_back((t[0] - t[1]) * 1000.0 / nodes);
        }
        return summarize(costs);
    };
    auto result = body();
    cudaStreamDestroy(bodyStream);
    return result;
}

Expected<Timing> readBandwidth(size_t bytes, int repeats, cudaStream_t stream) {
    bytes = bytes / 16 * 16;
    DASH_ASSIGN_OR_RETURN(DeviceBuffer data, DeviceBuffer::allocate(bytes, "the bandwidth test"));
    DASH_ASSIGN_OR_RETURN(DeviceBuffer sink,
                          DeviceBuffer::allocate(1024 * 4, "the bandwidth sink"));
    DASH_CUDA_TRY(cudaMemset(data.data(), 1, bytes));
    int device = 0, sm = 1;
    DASH_CUDA_TRY(cudaGetDevice(&device));
    DASH_CUDA_TRY(cudaDeviceGetAttribute(&sm, cudaDevAttrMultiProcessorCount, device));
    DASH_ASSIGN_OR_RETURN(std::vector<double> ms,
                          timeRuns(
                              [&]() -> Status {
                                  readKernel<<<sm * 8, 512, 0, stream>>>(
                                      data.as<const uint4>(), bytes / 16, sink.as<uint32_t>());
                                  DASH_CUDA_LAUNCHED("the read-bandwidth kernel");
                                  return {};
                              },
                              repeats, stream));
    for (double& v : ms)
        v = static_cast<double>(bytes) / (v * 1e-3) / 1e9;
    return summarize(ms);
}

} // namespace dash::cuda::bench
