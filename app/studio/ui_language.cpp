// SPDX-License-Identifier: MIT
#include "app/studio/ui_language.h"

#include "app/studio/studio_settings.h"

#include <QActionGroup>
#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QWidget>

namespace dash::studio {

QList<UiLanguage> uiLanguages() {
    return {
        {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("de"), QStringLiteral("Deutsch")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")},
    };
}

QString resolveUiLanguage(const QString& code) {
    const QList<UiLanguage> languages = uiLanguages();
    for (const UiLanguage& l : languages)
        if (l.code == code)
            return code;
    // The system's preferred languages in order ("de-DE", "zh-Hans-CN", ...).
    for (const QString& name : QLocale::system().uiLanguages()) {
        const QLocale locale(name);
        for (const UiLanguage& l : languages) {
            const QLocale shipped(l.code);
            if (locale.language() == shipped.language() &&
                (shipped.territory() == QLocale::AnyTerritory || l.code.size() == 2 ||
                 locale.territory() == shipped.territory() || locale.script() == shipped.script()))
                return l.code;
        }
    }
    return QStringLiteral("en");
}

UiTranslator::UiTranslator(QObject* parent) : QObject(parent) {}

UiTranslator::~UiTranslator() {
    removeAll();
}

void UiTranslator::removeAll() {
    if (m_appInstalled)
        QCoreApplication::removeTranslator(&m_app);
    if (m_qtInstalled)
        QCoreApplication::removeTranslator(&m_qt);
    m_appInstalled = m_qtInstalled = false;
}

QString UiTranslator::install(const QString& code) {
    removeAll();
    m_language = resolveUiLanguage(code);
    if (m_language == QLatin1String("en"))
        return m_language;
    // qt_add_translations compiles translations/*.ts into these resources.
    if (m_app.load(QStringLiteral(":/i18n/dash_studio_") + m_language))
        m_appInstalled = QCoreApplication::installTranslator(&m_app);
    // Qt's own strings (file dialogs, standard buttons) come from Qt's
    // translations, a separate package on some systems; without it those
    // stay English, which the log says.
    const QString qtDir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
    if (m_qt.load(QLocale(m_language), QStringLiteral("qtbase"), QStringLiteral("_"), qtDir))
        m_qtInstalled = QCoreApplication::installTranslator(&m_qt);
    else
        qWarning("dash-studio: Qt's translations for %s (qtbase_%s.qm) are not in %s; Qt's "
                 "dialogs stay in English (install Qt's translations, e.g. "
                 "qt6-translations-l10n)",
                 qPrintable(m_language), qPrintable(m_language), qPrintable(qtDir));
    return m_language;
}

namespace {

void offerRestart(QWidget* window) {
    auto* box = new QMessageBox(
        QMessageBox::Information,
        QCoreApplication::translate("dash::studio::LanguageMenu", "Language"),
        QCoreApplication::translate("dash::studio::LanguageMenu",
                                    "The new language applies when DASH Studio starts again."),
        QMessageBox::NoButton, window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* restart =
        box->addButton(QCoreApplication::translate("dash::studio::LanguageMenu", "Restart Now"),
                       QMessageBox::AcceptRole);
    box->addButton(QCoreApplication::translate("dash::studio::LanguageMenu", "Later"),
                   QMessageBox::RejectRole);
    QObject::connect(box, &QMessageBox::buttonClicked, window, [window, restart](auto* button) {
        if (button != restart)
            return;
        // Closing saves the window's settings; the new process starts after.
        if (window->close())
            QProcess::startDetached(QCoreApplication::applicationFilePath(),
                                    QCoreApplication::arguments().mid(1));
    });
    box->open();
}

} // namespace

QMenu* createLanguageMenu(QWidget* window) {
    auto* menu =
        new QMenu(QCoreApplication::translate("dash::studio::LanguageMenu", "&Language"), window);
    menu->setObjectName(QStringLiteral("languageMenu"));
    auto* group = new QActionGroup(menu);
    const QString saved = StudioSettings().language();
    auto add = [&](const QString& code, const QString& text) {
        QAction* a = menu->addAction(text);
        a->setCheckable(true);
        a->setChecked(code == saved);
        a->setData(code);
        group->addAction(a);
    };
    add(QString(), QCoreApplication::translate("dash::studio::LanguageMenu", "System Default"));
    menu->addSeparator();
    for (const UiLanguage& l : uiLanguages())
        add(l.code, l.nativeName);
    QObject::connect(group, &QActionGroup::triggered, window, [window](QAction* a) {
        StudioSettings settings;
        const QString code = a->data().toString();
        if (code == settings.language())
            return;
        settings.setLanguage(code);
        offerRestart(window);
    });
    return menu;
}

} // namespace dash::studio
