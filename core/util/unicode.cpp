// SPDX-License-Identifier: MIT
#include "core/util/unicode.h"

#include <array>

namespace dash {

namespace {

// Bytes a character led by `lead` occupies (0: not a lead byte), and the range
// its second byte must lie in, which excludes overlong forms, surrogates and
// code points past U+10FFFF.
struct LeadInfo {
    size_t length;
    unsigned char secondLo;
    unsigned char secondHi;
};

LeadInfo leadInfo(unsigned char lead) {
    if (lead < 0x80)
        return {1, 0, 0};
    if (lead >= 0xC2 && lead <= 0xDF)
        return {2, 0x80, 0xBF};
    if (lead == 0xE0)
        return {3, 0xA0, 0xBF};
    if (lead == 0xED)
        return {3, 0x80, 0x9F};
    if (lead >= 0xE1 && lead <= 0xEF)
        return {3, 0x80, 0xBF};
    if (lead == 0xF0)
        return {4, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3)
        return {4, 0x80, 0xBF};
    if (lead == 0xF4)
        return {4, 0x80, 0x8F};
    return {0, 0, 0};
}

bool isContinuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

// Whether text[pos, pos+count) are valid bytes 2.. of a character led by `info`.
bool validTrail(std::string_view text, size_t pos, size_t count, const LeadInfo& info) {
    for (size_t i = 0; i < count; ++i) {
        const auto b = static_cast<unsigned char>(text[pos + i]);
        if (i == 0 ? (b < info.secondLo || b > info.secondHi) : !isContinuation(b))
            return false;
    }
    return true;
}

struct Gpt2Tables {
    std::array<char32_t, 256> byteToCp{};
    std::array<int, 68> highCpToByte{}; // code points U+0100..U+0143
};

bool gpt2MapsToItself(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

const Gpt2Tables& gpt2Tables() {
    static const Gpt2Tables tables = [] {
        Gpt2Tables t;
        char32_t next = 0x100;
        for (unsigned b = 0; b < 256; ++b) {
            if (gpt2MapsToItself(b)) {
                t.byteToCp[b] = b;
            } else {
                t.highCpToByte[next - 0x100] = static_cast<int>(b);
                t.byteToCp[b] = next++;
            }
        }
        return t;
    }();
    return tables;
}

} // namespace

size_t utf8CharLength(std::string_view text, size_t pos) {
    if (pos >= text.size())
        return 0;
    const LeadInfo info = leadInfo(static_cast<unsigned char>(text[pos]));
    if (info.length == 0 || info.length > text.size() - pos)
        return 0;
    return validTrail(text, pos + 1, info.length - 1, info) ? info.length : 0;
}

char32_t utf8Decode(std::string_view text, size_t pos, size_t length) {
    const auto b0 = static_cast<unsigned char>(text[pos]);
    if (length <= 1)
        return b0;
    static constexpr unsigned char kLeadMask[5] = {0, 0, 0x1F, 0x0F, 0x07};
    char32_t cp = b0 & kLeadMask[length];
    for (size_t i = 1; i < length; ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool isValidUtf8(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const size_t n = utf8CharLength(text, pos);
        if (n == 0)
            return false;
        pos += n;
    }
    return true;
}

size_t incompleteUtf8TailLength(std::string_view text) {
    const size_t maxTail = text.size() < 3 ? text.size() : 3;
    for (size_t k = 1; k <= maxTail; ++k) {
        const size_t start = text.size() - k;
        const auto b = static_cast<unsigned char>(text[start]);
        if (isContinuation(b))
            continue;
        const LeadInfo info = leadInfo(b);
        if (info.length > k && validTrail(text, start + 1, k - 1, info))
            return k;
        return 0;
    }
    return 0;
}

char32_t gpt2ByteToCodepoint(unsigned char byte) {
    return gpt2Tables().byteToCp[byte];
}

int gpt2CodepointToByte(char32_t cp) {
    if (cp < 0x100)
        return gpt2MapsToItself(cp) ? static_cast<int>(cp) : -1;
    if (cp < 0x100 + 68)
        return gpt2Tables().highCpToByte[cp - 0x100];
    return -1;
}

} // namespace dash
