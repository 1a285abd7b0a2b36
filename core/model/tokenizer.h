// SPDX-License-Identifier: MIT
// Tokenizers read from GGUF metadata: SentencePiece-style BPE
// (tokenizer.ggml.model = "llama") and byte-level BPE ("gpt2") with the
// pre-tokenizers of the Llama-3, Qwen2, SmolLM and GPT-2 families.
#pragma once

#include "core/model/string_table.h"
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

const char* tokenKindName(TokenKind kind); // "normal", "control", ...

// Everything a tokenizer needs, as read from GGUF metadata (or built by tests).
// Token and merge strings live in flat buffers (StringList), not one
// allocation each.
struct TokenizerData {
    std::string model;            // "llama" or "gpt2"
    std::string pre;              // tokenizer.ggml.pre ("qwen2", "llama-bpe", ...)
    StringList tokens;            // id -> piece
    std::vector<float> scores;    // optional (SentencePiece)
    std::vector<TokenKind> kinds; // optional; Normal when absent
    StringList merges;            // "a b" pairs, rank order (gpt2)
    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t unkId = -1;
    int32_t padId = -1;
    // tokenizer.ggml.add_bos_token; when the file does not say, fromGguf uses
    // the reference tokenizer's default (SentencePiece and the Llama-3
    // pre-tokenizer add BOS, the others do not).
    bool addBos = false;
    bool addEos = false;         // tokenizer.ggml.add_eos_token
    bool addSpacePrefix = true;  // tokenizer.ggml.add_space_prefix (SentencePiece)
    bool addBosFromFile = false; // whether add_bos_token was in the file (for `info`)

    static Expected<TokenizerData> fromGguf(const GgufFile& file);
};

// The byte-level BPE pre-tokenizers (tokenizer.ggml.pre) this engine runs.
struct PreTokenizerInfo {
    std::string name;     // canonical name ("llama-bpe", "qwen2", "smollm", "gpt-2")
    std::string family;   // who uses it ("Llama-3", "Qwen2", ...)
    bool ignoreMerges;    // a word that is itself a token is emitted whole
    bool addBosByDefault; // the reference adds BOS when add_bos_token is absent
};
// The pre-tokenizer named `pre`, or an Unsupported error naming it (and the
// supported names). "" and "default" are refused: files without a
// pre-tokenizer name predate the metadata, and no reference split exists.
Expected<PreTokenizerInfo> findPreTokenizer(std::string_view pre);
// Every name findPreTokenizer accepts, comma-separated.
std::string supportedPreTokenizerNames();

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    static Expected<std::unique_ptr<Tokenizer>> create(TokenizerData data);
    static Expected<std::unique_ptr<Tokenizer>> fromGguf(const GgufFile& file);

    // Encodes UTF-8 text. `addSpecial` adds BOS/EOS as the metadata says.
    // `parseSpecial` lets the text name control and unknown tokens
    // ("<|im_start|>", "<s>"), which then give their ids; without it their
    // text is encoded as text. User-defined tokens are always matched whole.
    // The default parses, as llama.cpp's tokenize and prompt paths do.
    // Invalid UTF-8 is not an error: bytes that do not form characters are
    // encoded through byte tokens (or replaced by U+FFFD where there are none).
    virtual std::vector<int32_t> encode(std::string_view text, bool addSpecial = true,
                                        bool parseSpecial = true) const = 0;

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

    // "sentencepiece" or "byte-level-bpe".
    virtual const char* kindName() const = 0;
    // The pre-tokenizer (byte-level BPE only; empty name for SentencePiece).
    virtual PreTokenizerInfo preTokenizer() const { return {}; }

    const TokenizerData& data() const { return m_data; }
    int32_t vocabSize() const { return static_cast<int32_t>(m_data.tokens.size()); }
    int32_t bos() const { return m_data.bosId; }
    int32_t eos() const { return m_data.eosId; }
    // Token text as stored in the vocabulary (for display); empty outside it.
    std::string piece(int32_t id) const { return std::string(pieceView(id)); }
    std::string_view pieceView(int32_t id) const {
        return id >= 0 && id < vocabSize() ? m_data.tokens[static_cast<size_t>(id)]
                                           : std::string_view();
    }
    TokenKind kind(int32_t id) const {
        return id < 0 || id >= vocabSize() || m_data.kinds.empty()
                   ? TokenKind::Normal
                   : m_data.kinds[static_cast<size_t>(id)];
    }

protected:
    explicit Tokenizer(TokenizerData data) : m_data(std::move(data)) {}
    TokenizerData m_data;
};

// Removes an incomplete UTF-8 sequence from the end of `bytes` and returns it,
// so streamed output never prints half a character.
std::string takeIncompleteUtf8Tail(std::string& bytes);

} // namespace dash
