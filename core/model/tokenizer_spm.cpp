// SPDX-License-Identifier: MIT
// SentencePiece-style BPE over a vocabulary of scored pieces.
//
// Encoding: the text is normalised (spaces become U+2581 "▁", and one "▁" is
// prepended when add_space_prefix is set), user-defined pieces are cut out
// whole, and each remaining stretch starts as one symbol per character. The
// adjacent pair whose concatenation is the best-scoring vocabulary piece is
// merged (leftmost on ties) until no pair forms a piece; a heap of candidate
// pairs keeps this O(n log n). Characters left without a piece go to
// byte tokens <0xXX> (or the unknown token).
#include "core/model/tokenizer_impl.h"
#include "core/util/unicode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace dash {

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81"; // U+2581

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t hit = text.find(from, pos);
        if (hit == std::string_view::npos) {
            out.append(text.substr(pos));
            break;
        }
        out.append(text.substr(pos, hit - pos));
        out.append(to);
        pos = hit + from.size();
    }
    return out;
}

// The unit of merging: a character, or one byte that does not start a valid
// character (0x110000 + byte, outside the code point range).
uint32_t textUnit(std::string_view text, size_t pos, size_t& length) {
    const size_t n = utf8CharLength(text, pos);
    if (n == 0) {
        length = 1;
        return 0x110000u + static_cast<unsigned char>(text[pos]);
    }
    length = n;
    return utf8Decode(text, pos, n);
}

uint64_t unitPair(uint32_t left, uint32_t right) {
    return (static_cast<uint64_t>(left) << 32) | right;
}

class SpmTokenizer final : public Tokenizer {
public:
    explicit SpmTokenizer(TokenizerData data);

    std::vector<int32_t> encode(std::string_view text, bool addSpecial,
                                bool parseSpecial) const override;
    std::string tokenBytes(int32_t id) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    const char* kindName() const override { return "sentencepiece"; }

private:
    // One character, or a run of characters merged into a piece; a doubly
    // linked list over the text. length 0 marks a symbol merged into its left.
    struct Symbol {
        size_t start;
        size_t length;
        int64_t prev;
        int64_t next;
        int32_t id; // piece id, -1 for a character outside the vocabulary
        bool validUtf8;
    };
    struct Candidate {
        float score;
        int64_t left;
        int64_t right;
        size_t length; // bytes of the merged piece, to spot stale entries
        int32_t id;
    };
    struct CandidateOrder {
        bool operator()(const Candidate& a, const Candidate& b) const {
            if (a.score != b.score)
                return a.score < b.score;
            return a.left > b.left;
        }
    };

    // Buffers reused across the stretches of one encode call.
    struct Scratch {
        std::vector<Symbol> symbols;
        std::vector<Candidate> heap;
    };

    void addInnerPairs(std::string_view piece);
    int32_t mergeableId(std::string_view piece) const;
    void encodeStretch(std::string_view text, std::vector<int32_t>& out) const;
    void mergeStretch(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;
    std::optional<Candidate> candidate(std::string_view text, const std::vector<Symbol>& symbols,
                                       int64_t left, int64_t right) const;
    void emitUnmatched(std::string_view bytes, bool validUtf8, std::vector<int32_t>& out) const;

    // Pieces merges may produce: normal and user-defined ones, never control,
    // unknown, byte or unused tokens.
    StringIndex m_mergeable;
    std::vector<float> m_scores; // NaN-free copy of data.scores (0 when absent)
    std::array<int32_t, 256> m_byteIds;
    int32_t m_replacementId = -1; // U+FFFD, for invalid bytes without byte tokens
    StringList m_text;            // id -> output bytes
    TokenMatcher m_userDefined;   // always cut out
    TokenMatcher m_special;       // cut out when special tokens are parsed
    U64Set m_innerPairs;          // unitPair()s found inside mergeable pieces
};

bool isMergeable(TokenKind kind) {
    return kind == TokenKind::Undefined || kind == TokenKind::Normal ||
           kind == TokenKind::UserDefined;
}

SpmTokenizer::SpmTokenizer(TokenizerData data)
    : Tokenizer(std::move(data)),
      m_mergeable(m_data.tokens, [this](int32_t id) { return isMergeable(tokenKind(m_data, id)); }),
      m_userDefined(TokenMatcher::ofKinds(m_data, {TokenKind::UserDefined})),
      m_special(TokenMatcher::ofKinds(
          m_data, {TokenKind::UserDefined, TokenKind::Control, TokenKind::Unknown})) {
    const size_t n = m_data.tokens.size();
    m_byteIds.fill(-1);
    m_scores.assign(n, 0.0f);
    m_text.reserve(n, m_data.tokens.byteSize());
    // m_innerPairs is not reserved for every byte of the vocabulary (a bound
    // on the pairs, far above their number: for 151936 tokens a 32 MB
    // table); it grows as pairs are found.
    for (size_t i = 0; i < n; ++i) {
        const auto id = static_cast<int32_t>(i);
        const std::string_view piece = m_data.tokens[i];
        const TokenKind kind = tokenKind(m_data, id);
        if (!m_data.scores.empty())
            m_scores[i] = std::isnan(m_data.scores[i]) ? -std::numeric_limits<float>::infinity()
                                                       : m_data.scores[i];
        const int byte = parseByteToken(piece);
        // Byte tokens are found by their text; one typed Byte wins over one that is not.
        if (byte >= 0 &&
            (m_byteIds[byte] < 0 ||
             (kind == TokenKind::Byte && tokenKind(m_data, m_byteIds[byte]) != TokenKind::Byte)))
            m_byteIds[byte] = id;
        switch (kind) {
        case TokenKind::Control:
            m_text.push_back({});
            break;
        case TokenKind::Byte:
            m_text.push_back(byte >= 0 ? std::string(1, static_cast<char>(byte))
                                       : std::string(piece));
            break;
        case TokenKind::Undefined:
        case TokenKind::Normal:
        case TokenKind::UserDefined:
            addInnerPairs(piece);
            m_text.push_back(replaceAll(piece, kSpaceMark, " "));
            break;
        case TokenKind::Unknown:
        case TokenKind::Unused:
            m_text.push_back(replaceAll(piece, kSpaceMark, " "));
            break;
        }
    }
    m_replacementId = m_mergeable.find("\xEF\xBF\xBD");
}

void SpmTokenizer::addInnerPairs(std::string_view piece) {
    size_t pos = 0;
    uint32_t previous = 0;
    while (pos < piece.size()) {
        size_t length = 0;
        const uint32_t unit = textUnit(piece, pos, length);
        if (pos > 0)
            m_innerPairs.insert(unitPair(previous, unit));
        previous = unit;
        pos += length;
    }
}

int32_t SpmTokenizer::mergeableId(std::string_view piece) const {
    return m_mergeable.find(piece);
}

std::vector<int32_t> SpmTokenizer::encode(std::string_view text, bool addSpecial,
                                          bool parseSpecial) const {
    std::vector<int32_t> out;
    if (addSpecial && m_data.addBos && m_data.bosId >= 0)
        out.push_back(m_data.bosId);
    if (!text.empty()) {
        std::string normalized(m_data.addSpacePrefix ? kSpaceMark : std::string_view());
        normalized += replaceAll(text, " ", kSpaceMark);
        const TokenMatcher& matcher = parseSpecial ? m_special : m_userDefined;
        matcher.split(
            normalized, [&](std::string_view stretch) { encodeStretch(stretch, out); },
            [&](int32_t id) { out.push_back(id); });
    }
    if (addSpecial && m_data.addEos && m_data.eosId >= 0)
        out.push_back(m_data.eosId);
    return out;
}

// A merge joins two symbols into a piece that contains the last character of
// the left one followed by the first of the right one; where no mergeable piece
// contains the two characters on either side of a point, no merge ever crosses
// it. Cutting the text there (before most "▁" of a typical vocabulary) gives
// the same result as merging the whole text, with far smaller heaps.
void SpmTokenizer::encodeStretch(std::string_view text, std::vector<int32_t>& out) const {
    Scratch scratch;
    size_t start = 0;
    size_t pos = 0;
    uint32_t previous = 0;
    while (pos < text.size()) {
        size_t length = 0;
        const uint32_t unit = textUnit(text, pos, length);
        if (pos > start && !m_innerPairs.contains(unitPair(previous, unit))) {
            mergeStretch(text.substr(start, pos - start), scratch, out);
            start = pos;
        }
        previous = unit;
        pos += length;
    }
    if (pos > start)
        mergeStretch(text.substr(start), scratch, out);
}

std::optional<SpmTokenizer::Candidate> SpmTokenizer::candidate(std::string_view text,
                                                               const std::vector<Symbol>& symbols,
                                                               int64_t left, int64_t right) const {
    if (left < 0 || right < 0)
        return std::nullopt;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    const size_t length = l.length + r.length;
    const int32_t id = mergeableId(text.substr(l.start, length));
    if (id < 0)
        return std::nullopt;
    return Candidate{m_scores[static_cast<size_t>(id)], left, right, length, id};
}

void SpmTokenizer::mergeStretch(std::string_view text, Scratch& scratch,
                                std::vector<int32_t>& out) const {
    auto& symbols = scratch.symbols;
    auto& heap = scratch.heap;
    symbols.clear();
    heap.clear();
    for (size_t pos = 0; pos < text.size();) {
        const size_t charLength = utf8CharLength(text, pos);
        const size_t length = charLength == 0 ? 1 : charLength;
        const auto index = static_cast<int64_t>(symbols.size());
        symbols.push_back({pos, length, index - 1, index + 1,
                           charLength == 0 ? -1 : mergeableId(text.substr(pos, length)),
                           charLength != 0});
        pos += length;
    }
    if (symbols.empty())
        return;
    symbols.back().next = -1;

    const CandidateOrder order;
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
        if (auto c = candidate(text, symbols, static_cast<int64_t>(i), static_cast<int64_t>(i + 1)))
            heap.push_back(*c);
    std::make_heap(heap.begin(), heap.end(), order);
    auto push = [&](const std::optional<Candidate>& c) {
        if (!c)
            return;
        heap.push_back(*c);
        std::push_heap(heap.begin(), heap.end(), order);
    };

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), order);
        const Candidate c = heap.back();
        heap.pop_back();
        Symbol& l = symbols[static_cast<size_t>(c.left)];
        Symbol& r = symbols[static_cast<size_t>(c.right)];
        // Either side already merged elsewhere: the entry is stale.
        if (l.length == 0 || r.length == 0 || l.length + r.length != c.length)
            continue;
        l.length = c.length;
        l.id = c.id;
        l.next = r.next;
        if (r.next >= 0)
            symbols[static_cast<size_t>(r.next)].prev = c.left;
        r.length = 0;
        push(candidate(text, symbols, l.prev, c.left));
        push(candidate(text, symbols, c.left, l.next));
    }

    for (int64_t i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
        const Symbol& s = symbols[static_cast<size_t>(i)];
        if (s.id >= 0)
            out.push_back(s.id);
        else
            emitUnmatched(text.substr(s.start, s.length), s.validUtf8, out);
    }
}

void SpmTokenizer::emitUnmatched(std::string_view bytes, bool validUtf8,
                                 std::vector<int32_t>& out) const {
    const bool allBytes = std::all_of(bytes.begin(), bytes.end(), [&](char b) {
        return m_byteIds[static_cast<unsigned char>(b)] >= 0;
    });
    if (allBytes) {
        for (const char b : bytes)
            out.push_back(m_byteIds[static_cast<unsigned char>(b)]);
    } else if (!validUtf8 && m_replacementId >= 0) {
        out.push_back(m_replacementId);
    } else if (m_data.unkId >= 0) {
        out.push_back(m_data.unkId);
    }
}

std::string SpmTokenizer::tokenBytes(int32_t id) const {
    if (id < 0 || id >= vocabSize())
        return {};
    return std::string(m_text[static_cast<size_t>(id)]);
}

std::string SpmTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    bool atStart = true;
    for (const int32_t id : ids) {
        if (id < 0 || id >= vocabSize())
            continue;
        const std::string_view text = m_text[static_cast<size_t>(id)];
        if (text.empty())
            continue;
        // The space the prefix rule put before the first word is not part of the text.
        const bool dropPrefix = atStart && m_data.addSpacePrefix && text[0] == ' ' &&
                                tokenKind(m_data, id) != TokenKind::Byte;
        out.append(text.substr(dropPrefix ? 1 : 0));
        atStart = false;
    }
    return out;
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> createSpmTokenizer(TokenizerData data) {
    return std::unique_ptr<Tokenizer>(new SpmTokenizer(std::move(data)));
}

} // namespace dash
