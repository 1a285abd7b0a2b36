// SPDX-License-Identifier: MIT
// What a GGUF file is and what this engine would do with it: the facts
// `dash-cli info` prints. Describing never fails: where a part cannot be
// read, the report says why, and a file the engine refuses to run says the
// reason the loader gives.
#pragma once

#include "core/gguf/gguf.h"
#include "core/model/config.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace dash {

struct TokenizerReport {
    std::string kind;          // "sentencepiece" or "byte-level-bpe"
    std::string model;         // tokenizer.ggml.model
    std::string pre;           // tokenizer.ggml.pre as the file writes it
    std::string preFamily;     // "Llama-3", "Qwen2", ... (byte-level BPE)
    bool ignoreMerges = false; // whole-token words emitted whole (Llama-3)
    int32_t vocabSize = 0;
    size_t merges = 0;
    int32_t bosId = -1;
    int32_t eosId = -1;
    std::string bosPiece;
    std::string eosPiece;
    bool addBos = false;
    bool addBosFromFile = false; // false: the pre-tokenizer's default
    bool addEos = false;
    bool addSpacePrefix = false; // SentencePiece
    size_t controlTokens = 0;
    size_t userDefinedTokens = 0;
    size_t byteTokens = 0;
};

struct WeightTypeReport {
    size_t tensors = 0;
    uint64_t elements = 0;
    uint64_t bytes = 0;
};

struct ModelReport {
    enum class Kind { Model, VocabularyOnly, Refused };
    Kind kind = Kind::Refused;
    // Why the engine does not run the file (empty for Kind::Model); for a
    // vocabulary-only file, what it can be used for.
    std::string refusal;

    std::optional<ModelConfig> config; // as far as the metadata could be read
    std::string configError;
    std::optional<TokenizerReport> tokenizer;
    std::string tokenizerError;

    // Tensors by type name, and what running the model needs in memory.
    std::map<std::string, WeightTypeReport> weightTypes;
    uint64_t parameters = 0;
    uint64_t mappedWeightBytes = 0; // tensor data in the file
    // The quantised matrices the CPU backend repacks at load into its own
    // layout, in place of their pages of the file (at their size in the file;
    // the K-quants' repacked size is within 3 % of it).
    uint64_t cpuRepackedBytes = 0;
    uint64_t kvBytesPerToken = 0; // F32 keys and values of every layer
    uint64_t kvBytesAtContext = 0;

    bool runs() const { return kind == Kind::Model; }
};

const char* modelReportKindName(ModelReport::Kind kind); // "model", "vocabulary-only", "refused"

ModelReport describeModelFile(std::shared_ptr<const GgufFile> file);

} // namespace dash
