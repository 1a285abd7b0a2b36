// SPDX-License-Identifier: MIT
// Tiny transformer models built in memory for tests (Qt-free): llama or qwen2
// layout, random weights from a seed, a small SentencePiece-style vocabulary.
//
//   TinyModelSpec spec;
//   spec.arch = "qwen2";
//   spec.layerOutputScale = {1.0f, 0.01f}; // layer 1 nearly an identity
//   std::string error;
//   std::shared_ptr<Model> model = loadTinyModel(spec, &error);
//
// Tests that need a broken model edit the TinyModel (drop a tensor, change a
// shape or a metadata value) before building it.
#pragma once

#include "gguf_builder.h"

#include "core/gguf/gguf.h"
#include "core/model/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dash::test {

struct TinyModelSpec {
    std::string arch =
        "llama"; // general.architecture: llama (untied) or qwen2 (tied, q/k/v biases)
    int32_t layers = 2;
    int32_t dim = 64;
    int32_t heads = 4;
    int32_t kvHeads = 2;
    int32_t ffn = 96;
    int32_t vocab = 96; // rows of token_embd.weight; the tokenizer has as many tokens
    int32_t context = 64;
    uint32_t seed = 1;
    // Type of the 2-D weights: F32, F16, Q8_0 or Q4_0 (the quantised types need
    // dim, ffn and heads * head dim to be multiples of 32). Norms and biases stay F32.
    TensorType weightType = TensorType::F32;
    // Factor applied to each layer's attn_output and ffn_down weights (empty:
    // 1 everywhere). A small factor makes that layer nearly an identity.
    std::vector<float> layerOutputScale;
    // When not empty: written as rope_freqs.weight (F32, [head dim / 2]), the
    // per-frequency divisors of Llama-3.x's rotary scaling.
    std::vector<float> ropeFreqFactors;
};

// One tensor before encoding: values in ggml order (shape[0] contiguous).
struct TinyTensor {
    std::string name;
    std::vector<uint64_t> shape;
    TensorType type = TensorType::F32;
    std::vector<float> values;
    // When not empty: the stored bytes as they are, for types this helper does
    // not encode (values is then unused).
    std::vector<uint8_t> raw;
};

// A model's metadata and tensors, editable before build().
struct TinyModel {
    std::vector<std::pair<std::string, GgufMeta>> metadata;
    std::vector<TinyTensor> tensors;

    TinyTensor* findTensor(const std::string& name);
    bool removeTensor(const std::string& name);
    bool removeMetadata(const std::string& key);
    // Sets a metadata value (replacing it in place when the key exists).
    void setMetadata(const std::string& key, GgufMeta value);

    // GGUF bytes. Values of Q8_0 / Q4_0 tensors are quantised to blocks here.
    std::vector<uint8_t> build() const;
    // The same metadata without any tensor: a vocabulary-only file, as
    // llama.cpp's converter writes with --vocab-only.
    TinyModel vocabularyOnly() const;
    // The same model with every tensor stored as F32 holding exactly the values
    // its encoded form represents (F16 rounding, Q8_0 / Q4_0 dequantised).
    TinyModel dequantized() const;
};

TinyModel makeTinyModel(const TinyModelSpec& spec);
std::vector<uint8_t> buildTinyModel(const TinyModelSpec& spec);

// Parses GGUF bytes and loads them as a model; null with *error set on failure.
std::shared_ptr<Model> loadModelBytes(std::vector<uint8_t> bytes, const std::string& name,
                                      std::string* error = nullptr);
std::shared_ptr<Model> loadTinyModel(const TinyModelSpec& spec, std::string* error = nullptr);

} // namespace dash::test
