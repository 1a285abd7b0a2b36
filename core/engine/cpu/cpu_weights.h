// SPDX-License-Identifier: MIT
// The CPU backend's layouts of a model's weights. F32, F16 and BF16 matrices
// of a mapped file are copied into one anonymous range advised for huge pages
// where memory allows (copyFloatWeights; an untied embedding stays where the
// file maps it; a model held in memory is read where it lies); GGUF block
// types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) are repacked into
// the integer kernels' tiled layout (tiled_layout.h). The pages of the file
// that a copy or a repacked matrix replaces are unmapped as they are read. They are derived once
// per model (Model::derived) and shared by every CPU backend on that model, as are the INT8/INT4
// copies of the DASH states.
#pragma once

#include "core/engine/cpu/matmul.h"
#include "core/model/model.h"

#include <memory>
#include <string>
#include <vector>

namespace dash::cpu {

struct LayerMatrices {
    Matrix matrices[kLayerMatrixCount];
    const Matrix& operator[](LayerMatrix which) const { return matrices[static_cast<int>(which)]; }
};

struct CpuWeights {
    std::vector<LayerMatrices> layers; // [layer]
    Matrix tokenEmbedding;             // [vocab, dim]
    Matrix output;                     // [vocab, dim]
    // Where the streamed float matrices lie: "huge-page copy", "file mapping"
    // (not copied: memory too short), "in memory" (a model held in memory), or
    // empty when the model has none.
    std::string floatPlacement;

    // The full-precision weights of `model`.
    static Expected<std::shared_ptr<const CpuWeights>> of(const Model& model);
};

// Reduced-precision copies of every layer matrix (Int8 or Int4, symmetric per
// `group` weights) of `model`, made from the file's values.
Expected<std::shared_ptr<const std::vector<LayerMatrices>>>
quantizedLayers(const Model& model, MatrixType type, int32_t group);

// Whether the float matrices of a mapped file (`bytes` of them) are copied out
// of the mapping, given the memory available to this process
// (availableMemory()). The copy is anonymous memory, not reclaimable as the
// file's page-cache pages are: it is made only while at least kCopyHeadroom
// would remain available, and the weights otherwise stay where the file maps
// them.
inline constexpr uint64_t kCopyHeadroom = uint64_t{1} << 30;
bool copyFloatWeights(uint64_t bytes, uint64_t available);

// MemAvailable of /proc/meminfo, lowered to what a memory cgroup's limit
// leaves (v2 memory.max, v1 memory.limit_in_bytes); 0 when unknown.
uint64_t availableMemory();

// `tensor` in a layout the kernels read. With `dropFilePages` (the tensor lies
// in a read-only private mapping of its file) the pages of a repacked tensor
// are unmapped as they are read; they map the file again if touched later.
Expected<Matrix> cpuMatrix(const WeightTensor& tensor, bool dropFilePages = false);

} // namespace dash::cpu
