// SPDX-License-Identifier: MIT
// How tokens are shown in the UI.
#pragma once

#include <QString>

#include <cstdint>

namespace dash {
class Tokenizer;
}

namespace dash::studio {

// Text of one token for display: its bytes as UTF-8 (a partial character shows
// as U+FFFD), the vocabulary piece for tokens that print nothing (BOS, EOS).
QString tokenDisplayText(const Tokenizer& tokenizer, int32_t id);

// One-line form for headers and tooltips: newline as ↵, tab as →, other
// control characters as ·, and a leading space as ␣ so that it stays visible.
QString tokenLabel(const QString& text);

} // namespace dash::studio
