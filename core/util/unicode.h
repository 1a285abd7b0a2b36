// SPDX-License-Identifier: MIT
// UTF-8 decoding and encoding, and GPT-2's byte <-> code point table. Strict
// UTF-8 (RFC 3629): overlong forms, surrogates and code points above U+10FFFF
// are invalid.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dash {

// Length (1-4) of the well-formed UTF-8 character starting at `text[pos]`, or 0
// when the bytes there do not start one (including one cut short by the end).
size_t utf8CharLength(std::string_view text, size_t pos);

// Decodes the character at `text[pos]`; `length` must come from utf8CharLength.
char32_t utf8Decode(std::string_view text, size_t pos, size_t length);

// Appends `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void appendUtf8(std::string& out, char32_t cp);

bool isValidUtf8(std::string_view text);

// Bytes at the end of `text` that are a proper prefix of a well-formed
// character (a lead byte and fewer continuation bytes than it needs), so that
// more input could still complete them. 0 when the text ends cleanly or with
// bytes that no continuation can repair.
size_t incompleteUtf8TailLength(std::string_view text);

// GPT-2 byte-level alphabet: every byte maps to a printable code point (the
// printable Latin-1 bytes to themselves, the rest to U+0100 upwards in order).
char32_t gpt2ByteToCodepoint(unsigned char byte);
// The byte whose GPT-2 code point is `cp`, or -1 when `cp` is not in the table.
int gpt2CodepointToByte(char32_t cp);

} // namespace dash
