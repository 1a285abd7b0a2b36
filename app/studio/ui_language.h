// SPDX-License-Identifier: MIT
// The languages the UI ships in, and installing their translators: the app's
// own (compiled from translations/*.ts into the :/i18n resources) and Qt's
// (standard dialogs and buttons) from the Qt installation.
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QTranslator>

class QMenu;

namespace dash::studio {

struct UiLanguage {
    QString code;       // "en", "de", "zh_CN"
    QString nativeName; // the language's name in itself
};

// English (the source language) and every shipped translation.
QList<UiLanguage> uiLanguages();

// The shipped language for `code`: itself when shipped, else the system
// locale's best match ("" asks for the system locale), else English.
QString resolveUiLanguage(const QString& code);

// Owns the installed translators, so that a language can replace another.
class UiTranslator : public QObject {
    Q_OBJECT
public:
    explicit UiTranslator(QObject* parent = nullptr);
    ~UiTranslator() override;

    // Installs the translators of resolveUiLanguage(code) in place of the
    // current ones. Returns the language now in use.
    QString install(const QString& code);
    QString language() const { return m_language; }
    // Whether Qt's own translations (qtbase_<lang>.qm) were found and installed.
    bool qtTranslationsInstalled() const { return m_qtInstalled; }

private:
    void removeAll();

    QTranslator m_app;
    QTranslator m_qt;
    bool m_appInstalled = false;
    bool m_qtInstalled = false;
    QString m_language = QStringLiteral("en");
};

// Settings ▸ Language: "System default" and each shipped language, checked
// by the saved choice. A choice is saved and applies at the next start; the
// menu offers to restart now.
QMenu* createLanguageMenu(QWidget* window);

} // namespace dash::studio
