// SPDX-License-Identifier: MIT
// Tokenizers read from GGUF metadata: SentencePiece-style BPE
// (tokenizer.ggml.model = "llama") and byte-level BPE ("gpt2").
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dash {

class GgufFile;

// tokenizer.ggml.token_type values.
enum class TokenKind : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

// Everything a tokenizer needs, as read from GGUF metadata (or built by tests).
struct TokenizerData {
    std::string model;               // "llama" or "gpt2"
    std::string pre;                 // tokenizer.ggml.pre ("qwen2", "llama-bpe", "default", ...)
    std::vector<std::string> tokens; // id -> piece
    std::vector<float> scores;       // optional (SentencePiece)
    std::vector<TokenKind> kinds;    // optional; Normal when absent
    std::vector<std::string> merges; // "a b" pairs, rank order (gpt2)
    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t unkId = -1;
    int32_t padId = -1;
    bool addBos = false;        // tokenizer.ggml.add_bos_token
    bool addEos = false;        // tokenizer.ggml.add_eos_token
    bool addSpacePrefix = true; // tokenizer.ggml.add_space_prefix (SentencePiece)

    static Expected<TokenizerData> fromGguf(const GgufFile& file);
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    static Expected<std::unique_ptr<Tokenizer>> create(TokenizerData data);
    static Expected<std::unique_ptr<Tokenizer>> fromGguf(const GgufFile& file);

    // Encodes UTF-8 text. `addSpecial` adds BOS/EOS as the metadata says.
    // Invalid UTF-8 is not an error: bytes that do not form characters are
    // encoded through byte tokens (or replaced by U+FFFD where there are none).
    virtual std::vector<int32_t> encode(std::string_view text, bool addSpecial = true) const = 0;

    // Text of one token as it appears in output (SentencePiece "▁" becomes a
    // space, byte tokens become their byte, SentencePiece control tokens give
    // nothing, byte-level BPE special tokens their text). May be a partial
    // UTF-8 sequence; empty for an id outside the vocabulary.
    virtual std::string tokenBytes(int32_t id) const = 0;

    // Inverse of encode(text, true): the concatenated bytes of `ids`, which are
    // taken to start a sequence. SentencePiece: control tokens (BOS, EOS)
    // produce nothing and the leading space added by the prefix rule is
    // removed. Byte-level BPE: special tokens are text a user can type and
    // decode to it; only the leading BOS / trailing EOS that encode adds
    // (add_bos / add_eos) are dropped. Ids outside the vocabulary are skipped.
    virtual std::string decode(const std::vector<int32_t>& ids) const = 0;

    const TokenizerData& data() const { return m_data; }
    int32_t vocabSize() const { return static_cast<int32_t>(m_data.tokens.size()); }
    int32_t bos() const { return m_data.bosId; }
    int32_t eos() const { return m_data.eosId; }
    // Token text as stored in the vocabulary (for display).
    const std::string& piece(int32_t id) const { return m_data.tokens.at(static_cast<size_t>(id)); }

protected:
    explicit Tokenizer(TokenizerData data) : m_data(std::move(data)) {}
    TokenizerData m_data;
};

// Removes an incomplete UTF-8 sequence from the end of `bytes` and returns it,
// so streamed output never prints half a character.
std::string takeIncompleteUtf8Tail(std::string& bytes);

} // namespace dash
