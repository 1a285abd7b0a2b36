// SPDX-License-Identifier: MIT
// A transformer's configuration as GGUF metadata describes it, checked for
// ranges and consistency before any weight is read.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash {

class GgufFile;

enum class Architecture { Llama, Qwen2 };

// Which dimensions rotary embeddings rotate together.
enum class RopeLayout : uint8_t {
    AdjacentPairs, // rotate (2i, 2i+1): GGUF llama convention
    HalfSplit,     // rotate (i, i + d/2): NeoX / Qwen2 convention
};
const char* ropeLayoutName(RopeLayout layout); // "adjacent-pairs", "half-split"

// How the file scales rotary frequencies (what rope.scaling.* and
// rope_freqs.weight say). YaRN and LongRoPE are refused at load.
enum class RopeScaling : uint8_t {
    None,
    Linear,           // every frequency divided by rope.scaling.factor
    FrequencyFactors, // frequency i divided by rope_freqs.weight[i] (Llama-3.x "llama3")
    LinearAndFactors, // both
};
const char* ropeScalingName(RopeScaling scaling); // "none", "linear", "llama3-factors", ...

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
    double ropeLinearFactor = 1.0;      // rope.scaling.factor of linear scaling (1: none)
    std::vector<float> ropeFreqFactors; // [headDim / 2] rope_freqs.weight; empty when absent
    int32_t ropeOriginalContext = 0;    // rope.scaling.original_context_length (0: not given)
    bool qkvBias = false;
    bool tiedOutput = false;

    int32_t qDim() const { return heads * headDim; }
    int32_t kvDim() const { return kvHeads * headDim; }
    RopeScaling ropeScaling() const;
};

// The rotary inverse frequencies the engine uses, in double:
//   theta_i = base^(-2i / headDim) / factor_i / linearFactor,  i < headDim / 2,
// where factor_i is rope_freqs.weight[i] (1 without it), as llama.cpp applies
// the Llama-3.x frequency factors.
std::vector<double> ropeInverseFrequencies(const ModelConfig& config);

// Reads the configuration from metadata (and the shapes of token_embd, the
// presence of output.weight and biases, rope_freqs.weight), checking ranges and
// consistency, and refusing, by name, every key of the architecture this
// engine does not implement (sliding windows, logit soft-capping, experts,
// YaRN, ...).
Expected<ModelConfig> readModelConfig(const GgufFile& file);
// The same from metadata alone, for files without tensors (vocabulary-only
// files): vocabSize 0, no tensor-derived fields.
Expected<ModelConfig> readModelMetadata(const GgufFile& file);

} // namespace dash
