// SPDX-License-Identifier: MIT
// Microbenchmarks of the mechanisms the DASH decode step is built from, on
// the current device: the cost of a kernel boundary inside a CUDA graph with
// and without programmatic dependent launch, an event fork/join to a second
// stream (eager and in a graph), a SWITCH conditional node, and the HBM read
// bandwidth that decode speeds are compared with. Each returns the median
// and spread of `repeats` timings.
#pragma once

#include "core/util/status.h"

#include <cuda_runtime.h>

#include <string>
#include <vector>

namespace dash::cuda::bench {

struct Timing {
    double median = 0; // per item: µs (costs) or GB/s (bandwidth)
    double min = 0;
    double max = 0;
};

// Per-kernel time of a graph of `kernels` tiny dependent kernels (32 blocks,
// each a few loads and stores): plain launches, and launches with
// programmatic stream serialisation (each kernel waits in
// cudaGridDependencySynchronize instead of at the boundary).
Expected<Timing> kernelBoundary(bool pdl, int kernels, int repeats, cudaStream_t stream);

// Extra time per fork/join (record, wait on a second stream, a tiny kernel
// there, record, wait back) over the same kernels on one stream; eager or
// captured in a graph.
Expected<Timing> forkJoinCost(bool graph, int iterations, int repeats);

// Extra time per SWITCH conditional node (a tiny kernel in the taken body)
// over the same kernel without the node, in a graph.
Expected<Timing> switchNodeCost(int nodes, int repeats, cudaStream_t stream);

// Read bandwidth of a streaming 128-bit load kernel over `bytes` (GB/s).
Expected<Timing> readBandwidth(size_t bytes, int repeats, cudaStream_t stream);

Timing summarize(std::vector<double> values);

} // namespace dash::cuda::bench
