// SPDX-License-Identifier: MIT
#include "core/model/tokenizer.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer_impl.h"
#include "core/util/unicode.h"

#include <algorithm>
#include <limits>

namespace dash {

namespace {

constexpr const char* kTokensKey = "tokenizer.ggml.tokens";

std::string quoteKey(std::string_view key) {
    return "metadata '" + std::string(key) + "'";
}

// A token id from `key`: `fallback` when absent, -1 when stored as -1 (or as
// its u32 bit pattern, which some converters write for "none").
Expected<int32_t> readTokenId(const GgufFile& file, const char* key, int32_t fallback,
                              size_t vocabSize) {
    if (!file.has(key))
        return fallback;
    DASH_ASSIGN_OR_RETURN(const int64_t id, file.getInt(key));
    if (id == -1 || id == 0xFFFFFFFFll)
        return -1;
    if (id < 0 || static_cast<uint64_t>(id) >= vocabSize)
        return invalidError(file.path() + ": " + quoteKey(key) + " = " + std::to_string(id) +
                            " is out of range (the vocabulary has " + std::to_string(vocabSize) +
                            " tokens)");
    return static_cast<int32_t>(id);
}

Status checkLength(const GgufFile& file, const char* key, size_t count, size_t vocabSize) {
    if (count == vocabSize)
        return {};
    return invalidError(file.path() + ": " + quoteKey(key) + " has " + std::to_string(count) +
                        " entries but " + quoteKey(kTokensKey) + " has " +
                        std::to_string(vocabSize));
}

// Merges are "left right"; the split is at the first space after the first
// byte, as a token of byte-level BPE never contains a raw space.
bool isWellFormedMerge(std::string_view merge) {
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
    return space != std::string_view::npos && space + 1 < merge.size();
}

bool isStringArray(const GgufValue* v) {
    return v && v->type == GgufValueType::Array && v->arrayType == GgufValueType::String;
}

Status checkId(const TokenizerData& data, const char* what, int32_t id) {
    if (id >= -1 && id < static_cast<int64_t>(data.tokens.size()))
        return {};
    return invalidError("tokenizer " + std::string(what) + " id " + std::to_string(id) +
                        " is out of range (the vocabulary has " +
                        std::to_string(data.tokens.size()) + " tokens)");
}

} // namespace

const char* tokenKindName(TokenKind kind) {
    switch (kind) {
    case TokenKind::Undefined:
        return "undefined";
    case TokenKind::Normal:
        return "normal";
    case TokenKind::Unknown:
        return "unknown";
    case TokenKind::Control:
        return "control";
    case TokenKind::UserDefined:
        return "user-defined";
    case TokenKind::Unused:
        return "unused";
    case TokenKind::Byte:
        return "byte";
    }
    return "?";
}

Expected<TokenizerData> TokenizerData::fromGguf(const GgufFile& file) {
    TokenizerData d;
    DASH_ASSIGN_OR_RETURN(d.model, file.getString("tokenizer.ggml.model"));
    if (file.has("tokenizer.ggml.pre")) {
        DASH_ASSIGN_OR_RETURN(d.pre, file.getString("tokenizer.ggml.pre"));
    }

    // The arrays are read where the file maps them and copied once into flat
    // buffers: no string per token.
    const GgufValue* tokens = file.find(kTokensKey);
    if (!isStringArray(tokens))
        return file.getStringArray(kTokensKey).error(); // the reader's message

    if (tokens->arrayStrings.empty())
        return invalidError(file.path() + ": " + quoteKey(kTokensKey) + " is empty");
    if (tokens->arrayStrings.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return invalidError(file.path() + ": " + quoteKey(kTokensKey) + " has " +
                            std::to_string(tokens->arrayStrings.size()) +
                            " entries, more than ids can address");
    size_t tokenBytes = 0;
    for (const std::string_view t : tokens->arrayStrings)
        tokenBytes += t.size();
    d.tokens.reserve(tokens->arrayStrings.size(), tokenBytes);
    for (const std::string_view t : tokens->arrayStrings)
        d.tokens.push_back(t);
    const size_t n = d.tokens.size();

    if (file.has("tokenizer.ggml.scores")) {
        DASH_ASSIGN_OR_RETURN(d.scores, file.getF32Array("tokenizer.ggml.scores"));
        DASH_TRY(checkLength(file, "tokenizer.ggml.scores", d.scores.size(), n));
    }
    if (file.has("tokenizer.ggml.token_type")) {
        DASH_ASSIGN_OR_RETURN(const std::vector<int32_t> types,
                              file.getI32Array("tokenizer.ggml.token_type"));
        DASH_TRY(checkLength(file, "tokenizer.ggml.token_type", types.size(), n));
        d.kinds.resize(n);
        for (size_t i = 0; i < n; ++i) {
            if (types[i] < 0 || types[i] > static_cast<int32_t>(TokenKind::Byte))
                return invalidError(file.path() + ": " + quoteKey("tokenizer.ggml.token_type") +
                                    " entry " + std::to_string(i) + " has unknown type " +
                                    std::to_string(types[i]));
            d.kinds[i] = static_cast<TokenKind>(types[i]);
        }
    }
    if (file.has("tokenizer.ggml.merges")) {
        const GgufValue* merges = file.find("tokenizer.ggml.merges");
        if (!isStringArray(merges))
            return file.getStringArray("tokenizer.ggml.merges").error();
        size_t mergeBytes = 0;
        for (const std::string_view m : merges->arrayStrings)
            mergeBytes += m.size();
        d.merges.reserve(merges->arrayStrings.size(), mergeBytes);
        for (size_t i = 0; i < merges->arrayStrings.size(); ++i) {
            const std::string_view m = merges->arrayStrings[i];
            if (!isWellFormedMerge(m))
                return invalidError(file.path() + ": " + quoteKey("tokenizer.ggml.merges") +
                                    " entry " + std::to_string(i) + " (\"" +
                                    std::string(m.substr(0, 64)) +
                                    "\") is not two tokens separated by a space");
            d.merges.push_back(m);
        }
    } else if (d.model == "gpt2") {
        return notFoundError(file.path() + ": " + quoteKey("tokenizer.ggml.merges") +
                             " is missing (a gpt2 tokenizer needs its merges)");
    }

    // SentencePiece vocabularies conventionally start <unk>, <s>, </s>.
    const bool spm = d.model == "llama";
    const bool conventional = spm && n > 2;
    DASH_ASSIGN_OR_RETURN(
        d.unkId, readTokenId(file, "tokenizer.ggml.unknown_token_id", conventional ? 0 : -1, n));
    DASH_ASSIGN_OR_RETURN(
        d.bosId, readTokenId(file, "tokenizer.ggml.bos_token_id", conventional ? 1 : -1, n));
    DASH_ASSIGN_OR_RETURN(
        d.eosId, readTokenId(file, "tokenizer.ggml.eos_token_id", conventional ? 2 : -1, n));
    DASH_ASSIGN_OR_RETURN(d.padId, readTokenId(file, "tokenizer.ggml.padding_token_id", -1, n));
    // Without the key, BOS follows the reference tokenizer of the family:
    // SentencePiece (Llama-2) and the Llama-3 pre-tokenizer add it.
    bool bosByDefault = spm;
    if (d.model == "gpt2") {
        auto pre = findPreTokenizer(d.pre);
        bosByDefault = pre.ok() && pre->addBosByDefault;
    }
    d.addBosFromFile = file.has("tokenizer.ggml.add_bos_token");
    DASH_ASSIGN_OR_RETURN(d.addBos, file.getBool("tokenizer.ggml.add_bos_token", bosByDefault));
    DASH_ASSIGN_OR_RETURN(d.addEos, file.getBool("tokenizer.ggml.add_eos_token", false));
    DASH_ASSIGN_OR_RETURN(d.addSpacePrefix, file.getBool("tokenizer.ggml.add_space_prefix", spm));
    // A normaliser this engine does not apply would change every id after it.
    DASH_ASSIGN_OR_RETURN(const bool collapse,
                          file.getBool("tokenizer.ggml.remove_extra_whitespaces", false));
    if (collapse)
        return unsupportedError(file.path() + ": " +
                                quoteKey("tokenizer.ggml.remove_extra_whitespaces") +
                                " = true (whitespace normalisation) is not supported");
    if (file.has("tokenizer.ggml.precompiled_charsmap"))
        return unsupportedError(file.path() + ": " +
                                quoteKey("tokenizer.ggml.precompiled_charsmap") +
                                " (a SentencePiece normaliser) is not supported");
    return d;
}

Expected<std::unique_ptr<Tokenizer>> Tokenizer::create(TokenizerData data) {
    const size_t n = data.tokens.size();
    if (n == 0)
        return invalidError("tokenizer has no tokens");
    if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return invalidError("tokenizer has " + std::to_string(n) +
                            " tokens, more than ids can address");
    if (!data.scores.empty() && data.scores.size() != n)
        return invalidError("tokenizer has " + std::to_string(data.scores.size()) + " scores for " +
                            std::to_string(n) + " tokens");
    if (!data.kinds.empty() && data.kinds.size() != n)
        return invalidError("tokenizer has " + std::to_string(data.kinds.size()) +
                            " token types for " + std::to_string(n) + " tokens");
    for (const TokenKind kind : data.kinds)
        if (static_cast<int32_t>(kind) < 0 || kind > TokenKind::Byte)
            return invalidError("tokenizer has an unknown token type " +
                                std::to_string(static_cast<int32_t>(kind)));
    DASH_TRY(checkId(data, "BOS", data.bosId));
    DASH_TRY(checkId(data, "EOS", data.eosId));
    DASH_TRY(checkId(data, "unknown-token", data.unkId));
    DASH_TRY(checkId(data, "padding", data.padId));
    // The reference tokenizers refuse these too rather than drop the token.
    if (data.addBos && data.bosId < 0)
        return invalidError("tokenizer adds BOS (tokenizer.ggml.add_bos_token, or the default "
                            "of its pre-tokenizer) but has no BOS token "
                            "(tokenizer.ggml.bos_token_id)");
    if (data.addEos && data.eosId < 0)
        return invalidError("tokenizer adds EOS (tokenizer.ggml.add_eos_token) but has no EOS "
                            "token (tokenizer.ggml.eos_token_id)");
    if (data.model == "llama")
        return createSpmTokenizer(std::move(data));
    if (data.model == "gpt2")
        return createBpeTokenizer(std::move(data));
    return unsupportedError("tokenizer model '" + data.model +
                            "' (tokenizer.ggml.model) is not supported; expected llama or gpt2");
}

Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromGguf(const GgufFile& file) {
    DASH_ASSIGN_OR_RETURN(TokenizerData data, TokenizerData::fromGguf(file));
    auto tokenizer = create(std::move(data));
    if (!tokenizer.ok())
        return tokenizer.error().withContext(file.path());
    return tokenizer;
}

std::string takeIncompleteUtf8Tail(std::string& bytes) {
    const size_t tail = incompleteUtf8TailLength(bytes);
    std::string out = bytes.substr(bytes.size() - tail);
    bytes.resize(bytes.size() - tail);
    return out;
}

int parseByteToken(std::string_view piece) {
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>')
        return -1;
    int value = 0;
    for (size_t i = 3; i < 5; ++i) {
        const char c = piece[i];
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

TokenMatcher::TokenMatcher(std::vector<std::pair<std::string, int32_t>> pieces) {
    std::erase_if(pieces, [](const auto& p) { return p.first.empty(); });
    std::stable_sort(pieces.begin(), pieces.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    m_pieces = std::move(pieces);
    for (size_t i = 0; i < m_pieces.size(); ++i)
        m_byFirstByte[static_cast<unsigned char>(m_pieces[i].first[0])].push_back(
            static_cast<int32_t>(i));
}

TokenMatcher TokenMatcher::ofKinds(const TokenizerData& data,
                                   std::initializer_list<TokenKind> kinds) {
    std::vector<std::pair<std::string, int32_t>> pieces;
    if (!data.kinds.empty())
        for (size_t i = 0; i < data.tokens.size(); ++i)
            if (std::find(kinds.begin(), kinds.end(), data.kinds[i]) != kinds.end())
                pieces.emplace_back(data.tokens[i], static_cast<int32_t>(i));
    return TokenMatcher(std::move(pieces));
}

int32_t TokenMatcher::matchAt(std::string_view text, size_t pos) const {
    for (const int32_t index : m_byFirstByte[static_cast<unsigned char>(text[pos])]) {
        const std::string& piece = m_pieces[static_cast<size_t>(index)].first;
        if (text.compare(pos, piece.size(), piece) == 0)
            return index;
    }
    return -1;
}

} // namespace dash
