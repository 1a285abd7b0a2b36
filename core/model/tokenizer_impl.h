// SPDX-License-Identifier: MIT
// Pieces shared by the tokenizer implementations (not part of the public API).
#pragma once

#include "core/model/tokenizer.h"

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dash {

// Built by Tokenizer::create after it has checked `data`.
Expected<std::unique_ptr<Tokenizer>> createSpmTokenizer(TokenizerData data);
Expected<std::unique_ptr<Tokenizer>> createBpeTokenizer(TokenizerData data);

inline TokenKind tokenKind(const TokenizerData& data, int32_t id) {
    return data.kinds.empty() ? TokenKind::Normal : data.kinds[static_cast<size_t>(id)];
}

// "<0xAB>" -> 0xAB; -1 for anything else.
int parseByteToken(std::string_view piece);

// Finds whole occurrences of chosen tokens (special or user-defined) in text,
// preferring the longest where several start at the same byte.
class TokenMatcher {
public:
    // `pieces`: (text, id); empty texts are ignored.
    explicit TokenMatcher(std::vector<std::pair<std::string, int32_t>> pieces);
    // The tokens of `data` whose kind is one of `kinds`.
    static TokenMatcher ofKinds(const TokenizerData& data, std::initializer_list<TokenKind> kinds);

    bool empty() const { return m_pieces.empty(); }

    // Calls onText(view) for the stretches between matches and onToken(id) for
    // each match, in text order. Empty stretches are not reported.
    template <class OnText, class OnToken>
    void split(std::string_view text, OnText&& onText, OnToken&& onToken) const {
        size_t textStart = 0;
        size_t pos = 0;
        while (pos < text.size()) {
            const int32_t match = matchAt(text, pos);
            if (match < 0) {
                ++pos;
                continue;
            }
            if (pos > textStart)
                onText(text.substr(textStart, pos - textStart));
            onToken(m_pieces[static_cast<size_t>(match)].second);
            pos += m_pieces[static_cast<size_t>(match)].first.size();
            textStart = pos;
        }
        if (text.size() > textStart)
            onText(text.substr(textStart));
    }

private:
    // Index into m_pieces of the longest piece starting at text[pos], or -1.
    int32_t matchAt(std::string_view text, size_t pos) const;

    std::vector<std::pair<std::string, int32_t>> m_pieces; // longest first
    std::array<std::vector<int32_t>, 256> m_byFirstByte;   // indices into m_pieces
};

} // namespace dash
