// SPDX-License-Identifier: MIT
#include "app/studio/generated_text_view.h"

#include <algorithm>

namespace dash::studio {

GeneratedTextView::GeneratedTextView(QWidget* parent) : QTextBrowser(parent) {
    setOpenLinks(false);
    setPlaceholderText(tr("Generated text appears here"));
}

QColor GeneratedTextView::computeColor(double fraction) {
    // A single hue whose strength follows compute keeps text readable and
    // needs no hue discrimination.
    QColor c(0xe66101);
    c.setAlphaF(static_cast<float>(0.08 + 0.5 * std::clamp(fraction, 0.0, 1.0)));
    return c;
}

void GeneratedTextView::setSnapshot(const SnapshotPtr& snapshot) {
    if (!snapshot || !snapshot->ok()) {
        clear();
        return;
    }
    QString html = QStringLiteral("<div style='white-space: pre-wrap'>");
    const int tokens = snapshot->tokenCount();
    for (int t = 0; t < tokens; ++t) {
        const double fraction = snapshot->computeFraction(t);
        const QColor bg = computeColor(fraction);
        const QString text = snapshot->tokenTexts.value(t).toHtmlEscaped();
        const bool generated = snapshot->isGenerated(t);
        if (generated && !snapshot->isGenerated(t - 1))
            html += QStringLiteral("<span style='color:#808080'> ▸ </span>");
        html +=
            QStringLiteral(
                "<span style='background-color:rgba(%1,%2,%3,%4)%5' title='%6'>%7</span>")
                .arg(QString::number(bg.red()), QString::number(bg.green()),
                     QString::number(bg.blue()), QString::number(bg.alphaF(), 'f', 2),
                     generated ? QStringLiteral(";font-weight:bold") : QString(),
                     tr("%1 % of full compute").arg(QString::number(fraction * 100, 'f', 0)), text);
    }
    html += QStringLiteral("</div>");
    setHtml(html);
}

} // namespace dash::studio
