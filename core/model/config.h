// SPDX-License-Identifier: MIT
// A transformer's configuration as GGUF metadata describes it, checked for
// ranges and consistency before any weight is read.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>

namespace dash {

class GgufFile;

enum class Architecture { Llama, Qwen2 };

// Which dimensions rotary embeddings rotate together.
enum class RopeLayout : uint8_t {
    AdjacentPairs, // rotate (2i, 2i+1): GGUF llama convention
    HalfSplit,     // rotate (i, i + d/2): NeoX / Qwen2 convention
};
const char* ropeLayoutName(RopeLayout layout); // "adjacent-pairs", "half-split"

struct ModelConfig {
    Architecture architecture = Architecture::Llama;
    std::string architectureName; // general.architecture
    std::string name;             // general.name, when present
    int32_t layers = 0;
    int32_t dim = 0;
    int32_t heads = 0;
    int32_t kvHeads = 0;
    int32_t headDim = 0;
    int32_t ffnDim = 0;
    int32_t vocabSize = 0;
    int32_t contextLength = 0;
    float rmsEps = 1e-5f;
    double ropeBase = 10000.0;
    RopeLayout ropeLayout = RopeLayout::AdjacentPairs;
    bool qkvBias = false;
    bool tiedOutput = false;

    int32_t qDim() const { return heads * headDim; }
    int32_t kvDim() const { return kvHeads * headDim; }
};

// Reads the configuration from metadata, checking ranges and consistency.
Expected<ModelConfig> readModelConfig(const GgufFile& file);

} // namespace dash
