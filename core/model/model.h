// SPDX-License-Identifier: MIT
// A transformer model read from GGUF: its configuration, its tokenizer and
// views of its weights as the file stores them. The model does not choose a
// layout for any kernel: each backend derives its own from these views (and may
// keep what it derived on the model, so that engines on one model share it).
#pragma once

#include "core/gguf/gguf.h"
#include "core/model/config.h"
#include "core/model/tokenizer.h"
#include "core/util/status.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dash {

// A [rows, cols] weight matrix (rows = output features, ggml shape [cols, rows])
// in the file's tensor type, viewing the memory-mapped file.
struct WeightTensor {
    std::string name;
    TensorType type = TensorType::F32;
    int32_t rows = 0;
    int32_t cols = 0;
    const uint8_t* data = nullptr;
    size_t rowBytes = 0; // bytes of one row in the file's type

    size_t byteSize() const { return rowBytes * static_cast<size_t>(rows); }
    // Row r as floats.
    void readRow(int32_t row, float* out) const;
};

// The matrices of one transformer block, indexed by LayerMatrix.
enum class LayerMatrix : uint8_t { Q, K, V, O, Gate, Up, Down };
inline constexpr int kLayerMatrixCount = 7;
const char* layerMatrixName(LayerMatrix which); // "attn_q", ..., "ffn_down"

// Weights of one transformer block. Shapes (rows = outputs):
//   Q [qDim, dim], K/V [kvDim, dim], O [dim, qDim],
//   Gate/Up [ffnDim, dim], Down [dim, ffnDim]; norms [dim]; biases [out].
struct LayerWeights {
    std::vector<float> attnNorm;
    std::vector<float> ffnNorm;
    WeightTensor matrices[kLayerMatrixCount];
    std::vector<float> bq, bk, bv; // empty without q/k/v biases

    const WeightTensor& matrix(LayerMatrix which) const {
        return matrices[static_cast<int>(which)];
    }
};

// A file with a vocabulary and no tensors (llama.cpp's --vocab-only output):
// it can tokenize, not run.
bool isVocabularyOnly(const GgufFile& file);

class Model {
public:
    static Expected<std::shared_ptr<Model>> load(const std::string& path);
    static Expected<std::shared_ptr<Model>> fromFile(std::shared_ptr<const GgufFile> file);

    const ModelConfig& config() const { return m_config; }
    const Tokenizer& tokenizer() const { return *m_tokenizer; }
    const GgufFile& file() const { return *m_file; }
    const std::string& path() const { return m_file->path(); }

    const LayerWeights& layer(int32_t i) const { return m_layers[static_cast<size_t>(i)]; }
    const WeightTensor& tokenEmbedding() const { return m_tokenEmbedding; } // [vocab, dim]
    const WeightTensor& output() const { return m_output; }                 // [vocab, dim]
    const std::vector<float>& outputNorm() const { return m_outputNorm; }

    uint64_t parameterCount() const;
    // Bytes of weights in the file read to decode one token: every layer
    // matrix and norm plus the output head (one embedding row is negligible).
    uint64_t decodeWeightBytes() const;
    // One line: architecture, size, layers, dims, weight types.
    std::string summary() const;
    // SHA-256 of the model file, hashed on first use and remembered.
    std::string sha256() const;

    // What a backend derived from the weights under `key` (for example its
    // repacked layouts), made by `make` on first use and kept with the model.
    template <class T>
    Expected<std::shared_ptr<const T>>
    derived(const std::string& key,
            const std::function<Expected<std::shared_ptr<const T>>()>& make) const {
        std::lock_guard<std::mutex> lock(m_derivedMutex);
        auto it = m_derived.find(key);
        if (it != m_derived.end())
            return std::static_pointer_cast<const T>(it->second);
        auto made = make();
        if (!made.ok())
            return made.error();
        m_derived.emplace(key, *made);
        return made;
    }

private:
    Model() = default;

    ModelConfig m_config;
    std::shared_ptr<const GgufFile> m_file;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::vector<LayerWeights> m_layers;
    WeightTensor m_tokenEmbedding;
    WeightTensor m_output;
    std::vector<float> m_outputNorm;
    mutable std::mutex m_hashMutex;
    mutable std::string m_sha256;
    mutable std::mutex m_derivedMutex;
    mutable std::map<std::string, std::shared_ptr<const void>> m_derived;
};

} // namespace dash
