// A transformer model read from GGUF: its configuration, tokenizer and weights
// in the layouts the CPU kernels read. Weights that the kernels read natively
// (F32, F16, Q8_0, Q4_0) stay in the memory-mapped file; other types are
// dequantised once at load.
#pragma once

#include "core/engine/cpu/matmul.h"
#include "core/engine/cpu/ops.h"
#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"
#include "core/util/status.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dash {

enum class Architecture { Llama, Qwen2 };

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
    cpu::RopeLayout ropeLayout = cpu::RopeLayout::AdjacentPairs;
    bool qkvBias = false;
    bool tiedOutput = false;

    int32_t qDim() const { return heads * headDim; }
    int32_t kvDim() const { return kvHeads * headDim; }
};

// Weights of one transformer block. Shapes (rows = outputs):
//   wq [qDim, dim], wk/wv [kvDim, dim], wo [dim, qDim],
//   wGate/wUp [ffnDim, dim], wDown [dim, ffnDim]; norms [dim]; biases [out].
struct LayerWeights {
    std::vector<float> attnNorm;
    std::vector<float> ffnNorm;
    cpu::Matrix wq, wk, wv, wo;
    cpu::Matrix wGate, wUp, wDown;
    std::vector<float> bq, bk, bv; // empty without q/k/v biases
};

class Model {
public:
    static Expected<std::shared_ptr<Model>> load(const std::string& path);
    static Expected<std::shared_ptr<Model>> fromFile(std::shared_ptr<const GgufFile> file);

    const ModelConfig& config() const { return m_config; }
    const Tokenizer& tokenizer() const { return *m_tokenizer; }
    const GgufFile& file() const { return *m_file; }
    const std::string& path() const { return m_file->path(); }

    const LayerWeights& layer(int32_t i) const { return m_layers[static_cast<size_t>(i)]; }
    const cpu::Matrix& tokenEmbedding() const { return m_tokenEmbedding; } // [vocab, dim]
    const cpu::Matrix& output() const { return m_output; }                 // [vocab, dim]
    const std::vector<float>& outputNorm() const { return m_outputNorm; }

    uint64_t parameterCount() const;
    // Bytes of weights read to decode one token: every layer matrix and norm
    // plus the output head (one embedding row is negligible).
    uint64_t decodeWeightBytes() const;
    // One line: architecture, size, layers, dims, weight types.
    std::string summary() const;
    // SHA-256 of the model file, hashed on first use and remembered.
    std::string sha256() const;

private:
    Model() = default;

    ModelConfig m_config;
    std::shared_ptr<const GgufFile> m_file;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::vector<LayerWeights> m_layers;
    cpu::Matrix m_tokenEmbedding;
    cpu::Matrix m_output;
    std::vector<float> m_outputNorm;
    mutable std::mutex m_hashMutex;
    mutable std::string m_sha256;
};

// Reads the configuration from metadata, checking ranges and consistency.
Expected<ModelConfig> readModelConfig(const GgufFile& file);

} // namespace dash
