// SPDX-License-Identifier: MIT
#include "app/studio/token_text.h"

#include "core/model/tokenizer.h"

namespace dash::studio {

QString tokenDisplayText(const Tokenizer& tokenizer, int32_t id) {
    const std::string bytes = tokenizer.tokenBytes(id);
    if (!bytes.empty())
        return QString::fromUtf8(bytes.data(), static_cast<qsizetype>(bytes.size()));
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
