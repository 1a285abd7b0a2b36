// SPDX-License-Identifier: MIT
#include "app/studio/token_text.h"

#include "core/model/tokenizer.h"

namespace dash::studio {

QString bytesDisplayText(const std::string& bytes) {
    QString out;
    const size_t n = bytes.size();
    size_t i = 0;
    while (i < n) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        // Length of the UTF-8 sequence this byte starts; 0: it starts none.
        const size_t length = lead < 0x80             ? 1
                              : (lead & 0xE0) == 0xC0 ? 2
                              : (lead & 0xF0) == 0xE0 ? 3
                              : (lead & 0xF8) == 0xF0 ? 4
                                                      : 0;
        bool whole = length > 0 && i + length <= n;
        for (size_t k = 1; whole && k < length; ++k)
            whole = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
        if (whole) {
            // Overlong forms and surrogates decode to U+FFFD; a real U+FFFD
            // is EF BF BD.
            const QString ch = QString::fromUtf8(bytes.data() + i, static_cast<qsizetype>(length));
            const bool replacement = ch.contains(QChar::ReplacementCharacter) &&
                                     bytes.compare(i, length, "\xEF\xBF\xBD") != 0;
            if (!replacement) {
                out += ch;
                i += length;
                continue;
            }
        }
        out += QStringLiteral("<0x%1>").arg(
            QString::number(lead, 16).toUpper().rightJustified(2, QLatin1Char('0')));
        ++i;
    }
    return out;
}

QString tokenDisplayText(const Tokenizer& tokenizer, int32_t id) {
    const std::string bytes = tokenizer.tokenBytes(id);
    if (!bytes.empty())
        return bytesDisplayText(bytes);
    if (id >= 0 && id < tokenizer.vocabSize())
        return QString::fromStdString(tokenizer.piece(id));
    return {};
}

QString tokenLabel(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\n'))
            out += QChar(0x21B5);
        else if (c == QLatin1Char('\t'))
            out += QChar(0x2192);
        else if (c == QLatin1Char(' ') && i == 0)
            out += QChar(0x2423);
        else if (c.category() == QChar::Other_Control)
            out += QChar(0x00B7);
        else
            out += c;
    }
    return out;
}

} // namespace dash::studio
