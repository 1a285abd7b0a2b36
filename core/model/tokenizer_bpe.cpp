// SPDX-License-Identifier: MIT
// Byte-level BPE (GPT-2 family: Llama-3, Qwen2, SmolLM, GPT-2).
//
// Encoding: user-defined tokens (and, when special tokens are parsed, control
// and unknown ones) are cut out of the text whole; the stretches between them
// are split into words by the pre-tokenizer of tokenizer.ggml.pre (PCRE2,
// UTF + UCP; SmolLM first isolates every digit), bytes that are not valid
// UTF-8 forming words of their own. Where the pre-tokenizer says so
// (Llama-3: `ignore_merges`), a word that is itself a vocabulary token is
// emitted whole. Otherwise each word starts as one symbol per byte (the
// vocabulary spells byte b as GPT-2 code point gpt2ByteToCodepoint(b)) and the
// adjacent pair with the lowest merge rank is merged, leftmost first, until no
// listed merge applies.
//
// Tables, built once: the vocabulary's string -> id index (StringIndex), the
// merges as a flat open-addressing table keyed by the (left id, right id)
// pair, and every token's output bytes in one StringList.
#include "core/model/tokenizer_impl.h"
#include "core/util/unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <system_error>
#include <thread>

namespace dash {

namespace {

// Published pre-tokenizer patterns (tokenizer.json of each model family).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// SmolLM's first stage (Digits with individual_digits): every digit a word.
constexpr const char* kEachDigit = R"(\p{N})";

struct PreSpec {
    std::array<const char*, 3> names; // canonical name first; unused entries null
    const char* family;
    const char* isolate; // first stage: its matches become words of their own (or null)
    const char* pattern; // the word regex
    bool ignoreMerges;
    bool addBosByDefault;
};

// What the reference tokenizers do for each tokenizer.ggml.pre value of the
// families this engine runs: the regex of their tokenizer.json, whether the
// BPE model ignores merges for whole-token words, and whether BOS is added.
const PreSpec kPreTokenizers[] = {
    {{"llama-bpe", "llama3", "llama-v3"}, "Llama-3", nullptr, kLlama3Pattern, true, true},
    {{"qwen2", "deepseek-r1-qwen", nullptr}, "Qwen2", nullptr, kQwen2Pattern, false, false},
    {{"smollm", nullptr, nullptr}, "SmolLM", kEachDigit, kGpt2Pattern, false, false},
    {{"gpt-2", "gpt2", nullptr}, "GPT-2", nullptr, kGpt2Pattern, false, false},
};

const PreSpec* findSpec(std::string_view pre) {
    for (const PreSpec& spec : kPreTokenizers)
        for (const char* name : spec.names)
            if (name && pre == name)
                return &spec;
    return nullptr;
}

struct CodeDeleter {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using Regex = std::unique_ptr<pcre2_code, CodeDeleter>;
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

Expected<Regex> compileRegex(const char* pattern, std::string_view pre) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    Regex regex(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr));
    if (!regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof(message));
        return internalError("pre-tokenizer regex for '" + std::string(pre) +
                             "' does not compile at " + std::to_string(errorOffset) + ": " +
                             reinterpret_cast<const char*>(message));
    }
    // JIT is an optimisation only; without it pcre2_match interprets.
    pcre2_jit_compile(regex.get(), PCRE2_JIT_COMPLETE);
    return regex;
}

// Merges keyed by the (left id, right id) pair: open addressing over 16-byte
// slots, linear probing, load <= 2/3. Where a pair is listed twice the lower
// rank (the first) wins.
class PairTable {
public:
    struct Entry {
        uint64_t key;
        int32_t rank;
        int32_t result;
    };

    void reserve(size_t count) {
        const uint64_t size = std::bit_ceil(std::max<uint64_t>(16, count * 3 / 2 + 1));
        m_slots.assign(size, Entry{kEmpty, 0, 0});
        m_mask = size - 1;
    }
    void insert(int32_t left, int32_t right, int32_t rank, int32_t result) {
        const uint64_t key = pairKey(left, right);
        for (uint64_t i = mix64(key) & m_mask;; i = (i + 1) & m_mask) {
            Entry& e = m_slots[i];
            if (e.key == key)
                return;
            if (e.key == kEmpty) {
                e = {key, rank, result};
                ++m_count;
                return;
            }
        }
    }
    void prefetch(int32_t left, int32_t right) const {
        __builtin_prefetch(&m_slots[mix64(pairKey(left, right)) & m_mask], 1);
    }
    const Entry* find(int32_t left, int32_t right) const {
        const uint64_t key = pairKey(left, right);
        for (uint64_t i = mix64(key) & m_mask;; i = (i + 1) & m_mask) {
            const Entry& e = m_slots[i];
            if (e.key == key)
                return &e;
            if (e.key == kEmpty)
                return nullptr;
        }
    }
    size_t size() const { return m_count; }

private:
    static constexpr uint64_t kEmpty = ~0ull;
    static uint64_t pairKey(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }
    std::vector<Entry> m_slots;
    uint64_t m_mask = 0;
    size_t m_count = 0;
};

class BpeTokenizer final : public Tokenizer {
public:
    BpeTokenizer(TokenizerData data, const PreSpec& spec, Regex isolate, Regex pattern);

    std::vector<int32_t> encode(std::string_view text, bool addSpecial,
                                bool parseSpecial) const override;
    std::string tokenBytes(int32_t id) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    const char* kindName() const override { return "byte-level-bpe"; }
    PreTokenizerInfo preTokenizer() const override {
        return {m_spec.names[0], m_spec.family, m_spec.ignoreMerges, m_spec.addBosByDefault};
    }

private:
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
        std::string spelled;
        pcre2_match_data* isolateMatch;
        pcre2_match_data* match;
    };

    void encodeStretch(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    void encodeUtf8Run(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    void splitWords(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    void encodeWord(std::string_view word, Scratch& scratch, std::vector<int32_t>& out) const;
    void pushCandidate(Scratch& scratch, int32_t left, int32_t right) const;
    void buildText();
    static void resolveMerges(const StringList& merges, const StringIndex& index, size_t begin,
                              size_t end, int32_t* out, const std::atomic<bool>* ready);

    // Vocabularies with at least this many merges are built on two threads.
    static constexpr size_t kParallelMerges = 16384;

    const PreSpec& m_spec;
    Regex m_isolate; // may be null
    Regex m_pattern;
    StringIndex m_index;                                 // spelled piece -> id
    PairTable m_merges;                                  // (left id, right id) -> rank, result
    std::array<int32_t, 256> m_byteIds;                  // byte -> id of its one-symbol token
    std::array<std::array<char, 2>, 256> m_byteSpelling; // byte -> its UTF-8 spelling (1-2 bytes)
    StringList m_text;                                   // id -> output bytes
    TokenMatcher m_userDefined;                          // always cut out
    TokenMatcher m_special;                              // cut out when special tokens are parsed
    std::atomic<bool> m_indexReady{false};               // construction only
};

// Code points U+0000..U+0143 -> the byte GPT-2 spells with them (-1: none).
struct Gpt2Decoding {
    std::array<int16_t, 0x144> byteOf;
    Gpt2Decoding() {
        for (size_t cp = 0; cp < byteOf.size(); ++cp)
            byteOf[cp] = static_cast<int16_t>(gpt2CodepointToByte(static_cast<char32_t>(cp)));
    }
};

// A vocabulary piece spelled in GPT-2 code points, back to its bytes. Code
// points outside the table (pieces some converters store verbatim) and bytes
// that are not UTF-8 are kept as they are. Every spelling is one or two UTF-8
// bytes, decoded here directly (this runs for every token of a vocabulary).
void appendGpt2PieceBytes(std::string_view piece, std::string& out) {
    static const Gpt2Decoding table;
    for (size_t pos = 0; pos < piece.size();) {
        const auto c = static_cast<unsigned char>(piece[pos]);
        if (c < 0x80) {
            const int byte = table.byteOf[c];
            out += static_cast<char>(byte >= 0 ? byte : c);
            ++pos;
            continue;
        }
        if (c >= 0xC2 && c <= 0xC5 && pos + 1 < piece.size() &&
            (static_cast<unsigned char>(piece[pos + 1]) & 0xC0) == 0x80) {
            const unsigned cp = ((c & 0x1Fu) << 6) | (piece[pos + 1] & 0x3Fu);
            const int byte = cp < table.byteOf.size() ? table.byteOf[cp] : -1;
            if (byte >= 0)
                out += static_cast<char>(byte);
            else
                out.append(piece.substr(pos, 2));
            pos += 2;
            continue;
        }
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
}

BpeTokenizer::BpeTokenizer(TokenizerData data, const PreSpec& spec, Regex isolate, Regex pattern)
    : Tokenizer(std::move(data)), m_spec(spec), m_isolate(std::move(isolate)),
      m_pattern(std::move(pattern)),
      m_userDefined(TokenMatcher::ofKinds(m_data, {TokenKind::UserDefined})),
      m_special(TokenMatcher::ofKinds(
          m_data, {TokenKind::UserDefined, TokenKind::Control, TokenKind::Unknown})) {
    // The output bytes of every token do not depend on the index, and the
    // merges' lookups only read it: for a large vocabulary a second thread
    // builds the former beside the index and then resolves half of the
    // latter, which takes about a third off the wall time of construction
    // (bench_tokenizer). Small vocabularies stay on the calling thread.
    const size_t merges = m_data.merges.size();
    std::vector<int32_t> resolved(3 * merges);
    const size_t half = merges / 2;
    bool helped = false;
    if (merges >= kParallelMerges) {
        try {
            std::jthread helper([&] {
                buildText();
                resolveMerges(m_data.merges, m_index, half, merges, resolved.data(), &m_indexReady);
            });
            helped = true;
            m_index = StringIndex(m_data.tokens);
            m_indexReady.store(true, std::memory_order_release);
            m_indexReady.notify_one();
            resolveMerges(m_data.merges, m_index, 0, half, resolved.data(), nullptr);
        } catch (const std::system_error&) {
            // No thread could be started: the work below does it all here.
        }
    }
    if (!helped) {
        m_index = StringIndex(m_data.tokens);
        buildText();
        resolveMerges(m_data.merges, m_index, 0, merges, resolved.data(), nullptr);
    }

    for (int b = 0; b < 256; ++b) {
        std::string spelled;
        appendUtf8(spelled, gpt2ByteToCodepoint(static_cast<unsigned char>(b)));
        m_byteSpelling[static_cast<size_t>(b)] = {spelled[0],
                                                  spelled.size() > 1 ? spelled[1] : '\0'};
        m_byteIds[static_cast<size_t>(b)] = m_index.find(spelled);
    }

    // In rank order, so that where a pair is listed twice the first wins; a
    // merge whose parts or result are not in the vocabulary can never apply.
    // Slots are prefetched a batch ahead of the inserts.
    m_merges.reserve(merges);
    constexpr size_t kBatch = 64;
    for (size_t base = 0; base < merges; base += kBatch) {
        const size_t count = std::min(kBatch, merges - base);
        for (size_t k = base; k < base + count; ++k)
            if (resolved[3 * k] >= 0 && resolved[3 * k + 1] >= 0 && resolved[3 * k + 2] >= 0)
                m_merges.prefetch(resolved[3 * k], resolved[3 * k + 1]);
        for (size_t k = base; k < base + count; ++k)
            if (resolved[3 * k] >= 0 && resolved[3 * k + 1] >= 0 && resolved[3 * k + 2] >= 0)
                m_merges.insert(resolved[3 * k], resolved[3 * k + 1], static_cast<int32_t>(k),
                                resolved[3 * k + 2]);
    }
}

// Output bytes of every token, in one buffer.
void BpeTokenizer::buildText() {
    const size_t n = m_data.tokens.size();
    m_text.reserve(n, m_data.tokens.byteSize());
    std::string bytes;
    for (size_t i = 0; i < n; ++i) {
        const std::string_view piece = m_data.tokens[i];
        const TokenKind kind = tokenKind(m_data, static_cast<int32_t>(i));
        const int byte = kind == TokenKind::Byte ? parseByteToken(piece) : -1;
        bytes.clear();
        if (byte >= 0)
            bytes += static_cast<char>(byte);
        else if (kind == TokenKind::Control || kind == TokenKind::UserDefined)
            bytes.append(piece);
        else
            appendGpt2PieceBytes(piece, bytes);
        m_text.push_back(bytes);
    }
}

// out[3k], out[3k + 1], out[3k + 2] = ids of merge k's left part, right part
// and result (-1 where absent or where the entry has no space) for k in
// [begin, end). Lookups go in batches (three each) so that the cache misses
// of one overlap those of the others. With `ready`, waits until the index
// has been built.
void BpeTokenizer::resolveMerges(const StringList& merges, const StringIndex& index, size_t begin,
                                 size_t end, int32_t* out, const std::atomic<bool>* ready) {
    if (ready)
        ready->wait(false, std::memory_order_acquire);
    constexpr size_t kBatch = 64;
    StringQuery queries[3 * kBatch];
    for (size_t base = begin; base < end; base += kBatch) {
        const size_t count = std::min(kBatch, end - base);
        size_t q = 0;
        for (size_t k = 0; k < count; ++k) {
            const std::string_view merge = merges[base + k];
            const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
            // A malformed entry (fromGguf rejects them; hand-made data may
            // not) looks up nothing.
            const std::string_view left =
                space == std::string_view::npos ? std::string_view() : merge.substr(0, space);
            const std::string_view right =
                space == std::string_view::npos ? std::string_view() : merge.substr(space + 1);
            queries[q++] = {left, {}};
            queries[q++] = {right, {}};
            queries[q++] = {left, right};
        }
        int32_t* ids = out + 3 * base;
        index.findMany(queries, ids, q);
        for (size_t k = 0; k < count; ++k)
            if (queries[3 * k].left.empty())
                ids[3 * k] = -1;
    }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool addSpecial,
                                          bool parseSpecial) const {
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (addSpecial && m_data.addBos && m_data.bosId >= 0)
        out.push_back(m_data.bosId);
    MatchData match(pcre2_match_data_create_from_pattern(m_pattern.get(), nullptr));
    MatchData isolateMatch(
        m_isolate ? pcre2_match_data_create_from_pattern(m_isolate.get(), nullptr) : nullptr);
    Scratch scratch{{}, {}, {}, isolateMatch.get(), match.get()};
    const TokenMatcher& matcher = parseSpecial ? m_special : m_userDefined;
    matcher.split(
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

// The first stage (where the pre-tokenizer has one) cuts its matches out as
// pieces of their own; every piece then goes through the word regex.
void BpeTokenizer::encodeUtf8Run(std::string_view text, Scratch& scratch,
                                 std::vector<int32_t>& out) const {
    if (!m_isolate) {
        splitWords(text, scratch, out);
        return;
    }
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        const int rc = pcre2_match(m_isolate.get(), subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
                                   scratch.isolateMatch, nullptr);
        if (rc < 0)
            break;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.isolateMatch);
        const size_t start = ovector[0];
        size_t end = ovector[1];
        if (end <= start) // an empty match: take one character so the scan advances
            end = start + std::max<size_t>(1, utf8CharLength(text, start));
        if (start > pos)
            splitWords(text.substr(pos, start - pos), scratch, out);
        splitWords(text.substr(start, end - start), scratch, out);
        pos = end;
    }
    if (pos < text.size())
        splitWords(text.substr(pos), scratch, out);
}

void BpeTokenizer::splitWords(std::string_view text, Scratch& scratch,
                              std::vector<int32_t>& out) const {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        const int rc = pcre2_match(m_pattern.get(), subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
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
    const PairTable::Entry* merge = m_merges.find(l.id, r.id);
    if (!merge)
        return;
    scratch.heap.push_back({merge->rank, left, right, l.id, r.id, merge->result});
    std::push_heap(scratch.heap.begin(), scratch.heap.end());
}

void BpeTokenizer::encodeWord(std::string_view word, Scratch& scratch,
                              std::vector<int32_t>& out) const {
    if (m_spec.ignoreMerges && word.size() > 1) {
        // The reference looks the word up as the vocabulary spells it; only
        // the BPE model's own tokens count (not added control/user tokens).
        auto& spelled = scratch.spelled;
        spelled.clear();
        for (const char c : word) {
            const auto& s = m_byteSpelling[static_cast<unsigned char>(c)];
            spelled += s[0];
            if (s[1])
                spelled += s[1];
        }
        const int32_t id = m_index.find(spelled);
        if (id >= 0) {
            const TokenKind kind = tokenKind(m_data, id);
            if (kind == TokenKind::Normal || kind == TokenKind::Undefined) {
                out.push_back(id);
                return;
            }
        }
    }
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
    return std::string(m_text[static_cast<size_t>(id)]);
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
        if (ids[i] >= 0 && ids[i] < vocabSize())
            out.append(m_text[static_cast<size_t>(ids[i])]);
    return out;
}

} // namespace

Expected<PreTokenizerInfo> findPreTokenizer(std::string_view pre) {
    if (const PreSpec* spec = findSpec(pre))
        return PreTokenizerInfo{spec->names[0], spec->family, spec->ignoreMerges,
                                spec->addBosByDefault};
    if (pre.empty() || pre == "default")
        return unsupportedError(
            std::string("byte-level BPE without a pre-tokenizer name (tokenizer.ggml.pre ") +
            (pre.empty() ? "is missing" : "= 'default'") +
            "): the file predates that metadata and its words cannot be split as the model "
            "was trained; convert it again (supported: " +
            supportedPreTokenizerNames() + ")");
    return unsupportedError(
        "byte-level BPE pre-tokenizer '" + std::string(pre) +
        "' (tokenizer.ggml.pre) is not supported; supported: " + supportedPreTokenizerNames());
}

std::string supportedPreTokenizerNames() {
    std::string out;
    for (const PreSpec& spec : kPreTokenizers)
        for (const char* name : spec.names)
            if (name)
                out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

Expected<std::unique_ptr<Tokenizer>> createBpeTokenizer(TokenizerData data) {
    DASH_TRY(findPreTokenizer(data.pre));
    const PreSpec& spec = *findSpec(data.pre);
    Regex isolate;
    if (spec.isolate) {
        DASH_ASSIGN_OR_RETURN(isolate, compileRegex(spec.isolate, data.pre));
    }
    DASH_ASSIGN_OR_RETURN(Regex pattern, compileRegex(spec.pattern, data.pre));
    return std::unique_ptr<Tokenizer>(
        new BpeTokenizer(std::move(data), spec, std::move(isolate), std::move(pattern)));
}

} // namespace dash
