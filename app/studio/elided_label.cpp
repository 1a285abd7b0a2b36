// SPDX-License-Identifier: MIT
#include "app/studio/elided_label.h"

#include <QFontMetrics>
#include <QResizeEvent>

namespace dash::studio {

ElidedLabel::ElidedLabel(QWidget* parent) : QLabel(parent) {
    setTextFormat(Qt::PlainText);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void ElidedLabel::setFullText(const QString& text) {
    if (text == m_fullText && !text.isEmpty())
        return;
    m_fullText = text;
    updateGeometry();
    updateElision();
}

void ElidedLabel::setMinimumChars(int chars) {
    m_minimumChars = std::max(0, chars);
    updateGeometry();
}

QSize ElidedLabel::minimumSizeHint() const {
    const QFontMetrics fm(font());
    const QMargins m = contentsMargins();
    const int full = fm.horizontalAdvance(m_fullText);
    const int least = std::min(full, fm.horizontalAdvance(QLatin1Char('x')) * m_minimumChars);
    return {least + m.left() + m.right(), fm.height() + m.top() + m.bottom()};
}

QSize ElidedLabel::sizeHint() const {
    const QFontMetrics fm(font());
    const QMargins m = contentsMargins();
    return {fm.horizontalAdvance(m_fullText) + 1 + m.left() + m.right(),
            fm.height() + m.top() + m.bottom()};
}

void ElidedLabel::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    updateElision();
}

void ElidedLabel::updateElision() {
    const int width = contentsRect().width();
    // elidedText() may cut a text that horizontalAdvance() says fits (its
    // fractional widths round differently): trust the advance first.
    const QFontMetrics fm = fontMetrics();
    const QString shown = fm.horizontalAdvance(m_fullText) <= width
                              ? m_fullText
                              : fm.elidedText(m_fullText, Qt::ElideRight, std::max(0, width));
    if (shown != text())
        QLabel::setText(shown);
    // The tooltip carries the whole text only where the label cut it.
    QStringList tip;
    if (shown != m_fullText)
        tip << m_fullText;
    if (!m_baseToolTip.isEmpty())
        tip << m_baseToolTip;
    setToolTip(tip.join(QStringLiteral("\n\n")));
}

void ElidedLabel::setBaseToolTip(const QString& tip) {
    m_baseToolTip = tip;
    updateElision();
}

} // namespace dash::studio
