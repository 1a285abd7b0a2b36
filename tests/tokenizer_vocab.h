// SPDX-License-Identifier: MIT
// Small hand-made vocabularies for the tokenizer tests and fuzzers (Qt-free).
//
//   VocabBuilder v("gpt2");
//   v.addGpt2Bytes();
//   v.addMerge("a", "b");        // token "ab" and merge "a b"
//   auto tok = Tokenizer::create(v.data());
#pragma once

#include "core/model/tokenizer.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace dash::test {

// GPT-2's byte-level alphabet, written out from its published definition
// (printable Latin-1 bytes stand for themselves; the other 68 bytes take
// U+0100.. in byte order) so tests do not lean on core/unicode for it.
inline std::u32string gpt2Alphabet() {
    std::u32string table(256, U'\0');
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        table[b] = printable ? static_cast<char32_t>(b) : next++;
    }
    return table;
}

inline std::string utf8Of(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

// Raw bytes as a byte-level BPE vocabulary spells them ("a b" -> "aĠb").
inline std::string gpt2Spell(std::string_view raw) {
    static const std::u32string table = gpt2Alphabet();
    std::string out;
    for (const char c : raw)
        out += utf8Of(table[static_cast<unsigned char>(c)]);
    return out;
}

class VocabBuilder {
public:
    explicit VocabBuilder(std::string model) { m_data.model = std::move(model); }

    int32_t add(std::string piece, float score = 0.0f, TokenKind kind = TokenKind::Normal) {
        m_data.tokens.push_back(std::move(piece));
        m_data.scores.push_back(score);
        m_data.kinds.push_back(kind);
        return static_cast<int32_t>(m_data.tokens.size() - 1);
    }

    // <0x00> .. <0xFF> as Byte tokens (SentencePiece byte fallback).
    void addByteTokens() {
        for (int b = 0; b < 256; ++b) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            add(name, 0.0f, TokenKind::Byte);
        }
    }

    // The 256 one-byte symbols of byte-level BPE, in byte order.
    void addGpt2Bytes() {
        for (int b = 0; b < 256; ++b)
            add(gpt2Spell(std::string(1, static_cast<char>(b))));
    }

    // Merge of two raw byte strings (added in rank order); adds the merged token.
    int32_t addMerge(std::string_view left, std::string_view right) {
        m_data.merges.push_back(gpt2Spell(left) + " " + gpt2Spell(right));
        const std::string merged = gpt2Spell(std::string(left) + std::string(right));
        const int32_t existing = find(merged);
        return existing >= 0 ? existing : add(merged);
    }

    int32_t find(std::string_view piece) const {
        for (size_t i = 0; i < m_data.tokens.size(); ++i)
            if (m_data.tokens[i] == piece)
                return static_cast<int32_t>(i);
        return -1;
    }
    // Id of the byte-level token for raw bytes `raw`.
    int32_t bpeId(std::string_view raw) const { return find(gpt2Spell(raw)); }

    TokenizerData& data() { return m_data; }

private:
    TokenizerData m_data;
};

} // namespace dash::test
