// SPDX-License-Identifier: MIT
// Byte-level BPE (GPT-2 family: Qwen2, Llama-3, GPT-2).
//
// Encoding: special tokens (control and user-defined pieces) are cut out of the
// text whole; the stretches between them are split into words by the
// pre-tokenizer regex of tokenizer.ggml.pre (PCRE2, UTF + UCP), bytes that are
// not valid UTF-8 forming words of their own. Each word starts as one symbol
// per byte (the vocabulary spells byte b as GPT-2 code point gpt2ByteToCodepoint(b))
// and the adjacent pair with the lowest merge rank is merged, leftmost first,
// until no listed merge applies.
#include "core/model/tokenizer_impl.h"
#include "core/util/unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <unordered_map>

namespace dash {

namespace {

// Published pre-tokenizer patterns (tokenizer.json of each model family).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

const char* patternFor(std::string_view pre) {
    if (pre == "qwen2")
        return kQwen2Pattern;
    if (pre == "llama-bpe" || pre == "llama3")
        return kLlama3Pattern;
    if (pre.empty() || pre == "gpt2" || pre == "default")
        return kGpt2Pattern;
    return nullptr;
}

struct CodeDeleter {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
}

class BpeTokenizer final : public Tokenizer {
public:
    BpeTokenizer(TokenizerData data, std::unique_ptr<pcre2_code, CodeDeleter> regex);

    std::vector<int32_t> encode(std::string_view text, bool addSpecial) const override;
    std::string tokenBytes(int32_t id) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;

private:
    struct Merge {
        int32_t rank;
        int32_t result;
    };
    struct Symbol {
        int32_t id; // -1: a byte the vocabulary cannot spell
        int32_t prev;
        int32_t next;
        bool alive;
    };
    struct Candidate {
        int32_t rank;
        int32_t left;
        int32_t right;
        int32_t leftId;
        int32_t rightId;
        int32_t result;
        // std heap order: the top is the lowest rank, then the leftmost.
        bool operator<(const Candidate& o) const {
            return rank != o.rank ? rank > o.rank : left > o.left;
        }
    };
    // Buffers reused across the words of one encode call.
    struct Scratch {
        std::vector<Symbol> symbols;
        std::vector<Candidate> heap;
        pcre2_match_data* match;
    };

    void encodeStretch(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    void encodeUtf8Run(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    void encodeWord(std::string_view word, Scratch& scratch, std::vector<int32_t>& out) const;
    void pushCandidate(Scratch& scratch, int32_t left, int32_t right) const;

    std::unique_ptr<pcre2_code, CodeDeleter> m_regex;
    std::unordered_map<uint64_t, Merge> m_merges; // (left id, right id) -> merge
    std::array<int32_t, 256> m_byteIds;           // byte -> id of its one-symbol token
    std::vector<std::string> m_text;              // id -> output bytes
    TokenMatcher m_specials;
};

std::vector<std::pair<std::string, int32_t>> specialPieces(const TokenizerData& data) {
    std::vector<std::pair<std::string, int32_t>> out;
    for (size_t i = 0; i < data.tokens.size(); ++i) {
        const TokenKind kind = tokenKind(data, static_cast<int32_t>(i));
        if (kind == TokenKind::Control || kind == TokenKind::UserDefined)
            out.emplace_back(data.tokens[i], static_cast<int32_t>(i));
    }
    return out;
}

// A vocabulary piece spelled in GPT-2 code points, back to its bytes. Code
// points outside the table (pieces some converters store verbatim) and bytes
// that are not UTF-8 are kept as they are.
std::string gpt2PieceBytes(std::string_view piece) {
    std::string out;
    for (size_t pos = 0; pos < piece.size();) {
        const size_t n = utf8CharLength(piece, pos);
        if (n == 0) {
            out += piece[pos++];
            continue;
        }
        const int byte = gpt2CodepointToByte(utf8Decode(piece, pos, n));
        if (byte >= 0)
            out += static_cast<char>(byte);
        else
            out.append(piece.substr(pos, n));
        pos += n;
    }
    return out;
}

BpeTokenizer::BpeTokenizer(TokenizerData data, std::unique_ptr<pcre2_code, CodeDeleter> regex)
    : Tokenizer(std::move(data)), m_regex(std::move(regex)), m_specials(specialPieces(m_data)) {
    const size_t n = m_data.tokens.size();
    std::unordered_map<std::string_view, int32_t> ids;
    ids.reserve(n);
    m_text.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const auto id = static_cast<int32_t>(i);
        const std::string& piece = m_data.tokens[i];
        ids.emplace(piece, id);
        const TokenKind kind = tokenKind(m_data, id);
        const int byte = kind == TokenKind::Byte ? parseByteToken(piece) : -1;
        if (byte >= 0)
            m_text[i] = std::string(1, static_cast<char>(byte));
        else if (kind == TokenKind::Control || kind == TokenKind::UserDefined)
            m_text[i] = piece;
        else
            m_text[i] = gpt2PieceBytes(piece);
    }
    for (int b = 0; b < 256; ++b) {
        std::string spelled;
        appendUtf8(spelled, gpt2ByteToCodepoint(static_cast<unsigned char>(b)));
        const auto it = ids.find(spelled);
        m_byteIds[static_cast<size_t>(b)] = it == ids.end() ? -1 : it->second;
    }
    // A merge whose parts or result are not in the vocabulary can never apply.
    m_merges.reserve(m_data.merges.size());
    for (size_t rank = 0; rank < m_data.merges.size(); ++rank) {
        const std::string_view merge = m_data.merges[rank];
        const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
        if (space == std::string_view::npos)
            continue;
        const std::string_view left = merge.substr(0, space);
        const std::string_view right = merge.substr(space + 1);
        const auto l = ids.find(left);
        const auto r = ids.find(right);
        const auto result = ids.find(std::string(left) + std::string(right));
        if (l == ids.end() || r == ids.end() || result == ids.end())
            continue;
        m_merges.try_emplace(pairKey(l->second, r->second),
                             Merge{static_cast<int32_t>(rank), result->second});
    }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool addSpecial) const {
    std::vector<int32_t> out;
    if (addSpecial && m_data.addBos && m_data.bosId >= 0)
        out.push_back(m_data.bosId);
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
        pcre2_match_data_create_from_pattern(m_regex.get(), nullptr));
    Scratch scratch{{}, {}, match.get()};
    m_specials.split(
        text, [&](std::string_view stretch) { encodeStretch(stretch, scratch, out); },
        [&](int32_t id) { out.push_back(id); });
    if (addSpecial && m_data.addEos && m_data.eosId >= 0)
        out.push_back(m_data.eosId);
    return out;
}

// PCRE2 in UTF mode needs valid UTF-8: valid runs go through the regex, the
// bytes between them are encoded as words of their own.
void BpeTokenizer::encodeStretch(std::string_view text, Scratch& scratch,
                                 std::vector<int32_t>& out) const {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t validEnd = pos;
        while (validEnd < text.size()) {
            const size_t n = static_cast<unsigned char>(text[validEnd]) < 0x80
                                 ? 1
                                 : utf8CharLength(text, validEnd);
            if (n == 0)
                break;
            validEnd += n;
        }
        if (validEnd > pos)
            encodeUtf8Run(text.substr(pos, validEnd - pos), scratch, out);
        size_t invalidEnd = validEnd;
        while (invalidEnd < text.size() && utf8CharLength(text, invalidEnd) == 0)
            ++invalidEnd;
        if (invalidEnd > validEnd)
            encodeWord(text.substr(validEnd, invalidEnd - validEnd), scratch, out);
        pos = invalidEnd;
    }
}

void BpeTokenizer::encodeUtf8Run(std::string_view text, Scratch& scratch,
                                 std::vector<int32_t>& out) const {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        const int rc = pcre2_match(m_regex.get(), subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
                                   scratch.match, nullptr);
        if (rc < 0) {
            // No match (or a resource limit): keep the rest as one word so no byte is lost.
            encodeWord(text.substr(pos), scratch, out);
            return;
        }
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.match);
        const size_t start = ovector[0];
        size_t end = ovector[1];
        if (start > pos)
            encodeWord(text.substr(pos, start - pos), scratch, out);
        if (end <= start) // an empty match: take one character so the scan advances
            end = start + std::max<size_t>(1, utf8CharLength(text, start));
        encodeWord(text.substr(start, end - start), scratch, out);
        pos = end;
    }
}

void BpeTokenizer::pushCandidate(Scratch& scratch, int32_t left, int32_t right) const {
    if (left < 0 || right < 0)
        return;
    const Symbol& l = scratch.symbols[static_cast<size_t>(left)];
    const Symbol& r = scratch.symbols[static_cast<size_t>(right)];
    if (l.id < 0 || r.id < 0)
        return;
    const auto it = m_merges.find(pairKey(l.id, r.id));
    if (it == m_merges.end())
        return;
    scratch.heap.push_back({it->second.rank, left, right, l.id, r.id, it->second.result});
    std::push_heap(scratch.heap.begin(), scratch.heap.end());
}

void BpeTokenizer::encodeWord(std::string_view word, Scratch& scratch,
                              std::vector<int32_t>& out) const {
    auto& symbols = scratch.symbols;
    auto& heap = scratch.heap;
    symbols.clear();
    heap.clear();
    const auto count = static_cast<int32_t>(word.size());
    for (int32_t i = 0; i < count; ++i)
        symbols.push_back({m_byteIds[static_cast<unsigned char>(word[static_cast<size_t>(i)])],
                           i - 1, i + 1 < count ? i + 1 : -1, true});
    for (int32_t i = 0; i + 1 < count; ++i)
        pushCandidate(scratch, i, i + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end());
        const Candidate c = heap.back();
        heap.pop_back();
        Symbol& l = symbols[static_cast<size_t>(c.left)];
        Symbol& r = symbols[static_cast<size_t>(c.right)];
        // Stale when either side has merged since the entry was made.
        if (!l.alive || !r.alive || l.next != c.right || l.id != c.leftId || r.id != c.rightId)
            continue;
        l.id = c.result;
        l.next = r.next;
        if (r.next >= 0)
            symbols[static_cast<size_t>(r.next)].prev = c.left;
        r.alive = false;
        pushCandidate(scratch, l.prev, c.left);
        pushCandidate(scratch, c.left, l.next);
    }

    for (int32_t i = count > 0 ? 0 : -1; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
        const int32_t id = symbols[static_cast<size_t>(i)].id;
        if (id >= 0)
            out.push_back(id);
        else if (m_data.unkId >= 0)
            out.push_back(m_data.unkId);
    }
}

std::string BpeTokenizer::tokenBytes(int32_t id) const {
    if (id < 0 || id >= vocabSize())
        return {};
    return m_text[static_cast<size_t>(id)];
}

// Special tokens are text a user can type, so they decode to their text; only
// the BOS/EOS that encode(..., true) adds are dropped, which makes decode the
// inverse of encode.
std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    size_t begin = 0;
    size_t end = ids.size();
    if (m_data.addBos && m_data.bosId >= 0 && end > 0 && ids[0] == m_data.bosId)
        begin = 1;
    if (m_data.addEos && m_data.eosId >= 0 && end > begin && ids[end - 1] == m_data.eosId)
        --end;
    std::string out;
    for (size_t i = begin; i < end; ++i)
        out += tokenBytes(ids[i]);
    return out;
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> createBpeTokenizer(TokenizerData data) {
    const char* pattern = patternFor(data.pre);
    if (!pattern)
        return unsupportedError("byte-level BPE pre-tokenizer '" + data.pre +
                                "' (tokenizer.ggml.pre) is not supported; known: qwen2, "
                                "llama-bpe, llama3, gpt2, default");
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    std::unique_ptr<pcre2_code, CodeDeleter> regex(
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr));
    if (!regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof(message));
        return internalError("pre-tokenizer regex for '" + data.pre + "' does not compile at " +
                             std::to_string(errorOffset) + ": " +
                             reinterpret_cast<const char*>(message));
    }
    // JIT is an optimisation only; without it pcre2_match interprets.
    pcre2_jit_compile(regex.get(), PCRE2_JIT_COMPLETE);
    return std::unique_ptr<Tokenizer>(new BpeTokenizer(std::move(data), std::move(regex)));
}

} // namespace dash
