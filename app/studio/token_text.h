// SPDX-License-Identifier: MIT
// How tokens are shown in the UI.
#pragma once

#include <QString>

#include <cstdint>
#include <string>

namespace dash {
class Tokenizer;
}

namespace dash::studio {

// Text of one token for display: its bytes as UTF-8, each byte that is not
// part of a whole character (a byte-level token holds half of "ö") as
// "<0xC3>"; the vocabulary piece for tokens that print nothing (BOS, EOS).
QString tokenDisplayText(const Tokenizer& tokenizer, int32_t id);
// The display form of raw token bytes, as above.
QString bytesDisplayText(const std::string& bytes);

// One-line form for headers and tooltips: newline as ↵, tab as →, other
// control characters as ·, and a leading space as ␣ so that it stays visible.
QString tokenLabel(const QString& text);

} // namespace dash::studio
