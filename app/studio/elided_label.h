// SPDX-License-Identifier: MIT
// A one-line label that never asks for more width than a few characters: text
// that does not fit ends in "…", and the full text is the tooltip. Used for
// status and file-name labels, whose text length would otherwise set the
// window's minimum width.
#pragma once

#include <QLabel>

namespace dash::studio {

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget* parent = nullptr);

    // The whole text; QLabel::text() holds what is drawn.
    void setFullText(const QString& text);
    const QString& fullText() const { return m_fullText; }
    // The least width in characters ("x") it asks for; 0 lets it vanish.
    void setMinimumChars(int chars);
    bool isElided() const { return text() != m_fullText; }
    // A tooltip shown always (a definition); the full text joins it when cut.
    void setBaseToolTip(const QString& tip);

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateElision();

    QString m_fullText;
    int m_minimumChars = 6;
    QString m_baseToolTip;
};

} // namespace dash::studio
