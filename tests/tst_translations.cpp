// SPDX-License-Identifier: MIT
// The UI translations: both .ts files are complete (no unfinished, empty or
// obsolete message, every plural form filled), every string that the sources
// of app/studio pass to tr() or translate() is in both files (so a new string
// cannot ship untranslated), no message sits in a context that no class has
// at run time, and loading a translator changes the window titles and menus
// the user sees.
#include "app/studio/export_figure_dialog.h"
#include "app/studio/main_window.h"
#include "app/studio/settings_dialog.h"
#include "app/studio/studio_settings.h"
#include "app/studio/ui_language.h"

#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

using namespace dash::studio;

namespace {

struct TsMessage {
    QString context;
    QString source;
    QStringList files; // base names of the files it was found in
    bool numerus = false;
    QString type;             // the translation's type attribute: "", "unfinished", "vanished", ...
    QStringList translations; // one, or one per plural form
};

struct TsFile {
    QString language;
    QList<TsMessage> messages;
    QString error;

    QString translation(const QString& context, const QString& source) const {
        for (const TsMessage& m : messages)
            if (m.context == context && m.source == source && !m.translations.isEmpty())
                return m.translations.front();
        return {};
    }
};

TsFile readTs(const QString& path) {
    TsFile ts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ts.error = QStringLiteral("cannot open ") + path;
        return ts;
    }
    QXmlStreamReader xml(&file);
    QString context;
    QString currentFile; // lupdate writes a location's filename only when it changes
    TsMessage message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto name = xml.name();
            if (name == QLatin1String("TS")) {
                ts.language = xml.attributes().value(QLatin1String("language")).toString();
            } else if (name == QLatin1String("name")) {
                context = xml.readElementText();
            } else if (name == QLatin1String("message")) {
                message = TsMessage();
                message.context = context;
                message.numerus =
                    xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
            } else if (name == QLatin1String("location")) {
                const auto filename = xml.attributes().value(QLatin1String("filename"));
                if (!filename.isEmpty())
                    currentFile = QFileInfo(filename.toString()).fileName();
                if (!message.files.contains(currentFile))
                    message.files.append(currentFile);
            } else if (name == QLatin1String("source")) {
                message.source = xml.readElementText();
            } else if (name == QLatin1String("translation")) {
                message.type = xml.attributes().value(QLatin1String("type")).toString();
                if (!message.numerus)
                    message.translations.append(xml.readElementText());
            } else if (name == QLatin1String("numerusform")) {
                message.translations.append(xml.readElementText());
            }
        } else if (xml.isEndElement() && xml.name() == QLatin1String("message")) {
            ts.messages.append(message);
        }
    }
    if (xml.hasError())
        ts.error = path + QStringLiteral(": ") + xml.errorString();
    return ts;
}

// A C++ source reduced to the tokens that matter here: identifiers, string
// literals (unescaped; adjacent literals stay separate tokens) and punctuation.
struct Token {
    enum Kind { Identifier, String, Punctuation } kind;
    QString text;
};

QString unescape(QStringView body) {
    QString out;
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (body[i] != QLatin1Char('\\') || i + 1 == body.size()) {
            out += body[i];
            continue;
        }
        const QChar c = body[++i];
        switch (c.unicode()) {
        case 'n':
            out += QLatin1Char('\n');
            break;
        case 't':
            out += QLatin1Char('\t');
            break;
        case 'r':
            out += QLatin1Char('\r');
            break;
        case '0':
            out += QChar(0);
            break;
        default:
            out += c; // \" \\ \' and the rest stand for themselves
        }
    }
    return out;
}

QList<Token> tokenize(const QString& code) {
    QList<Token> tokens;
    const qsizetype n = code.size();
    auto isIdent = [](QChar c) { return c.isLetterOrNumber() || c == QLatin1Char('_'); };
    for (qsizetype i = 0; i < n;) {
        const QChar c = code[i];
        if (c.isSpace()) {
            ++i;
        } else if (code.mid(i, 2) == QLatin1String("//")) {
            i = code.indexOf(QLatin1Char('\n'), i);
            if (i < 0)
                break;
        } else if (code.mid(i, 2) == QLatin1String("/*")) {
            i = code.indexOf(QLatin1String("*/"), i + 2);
            if (i < 0)
                break;
            i += 2;
        } else if (c == QLatin1Char('R') && code.mid(i, 2) == QLatin1String("R\"")) {
            // Raw string R"delim( ... )delim"
            const qsizetype open = code.indexOf(QLatin1Char('('), i + 2);
            const QString delimiter =
                QLatin1Char(')') + code.mid(i + 2, open - i - 2) + QLatin1Char('"');
            const qsizetype close = code.indexOf(delimiter, open + 1);
            tokens.append({Token::String, code.mid(open + 1, close - open - 1)});
            i = close + delimiter.size();
        } else if (c == QLatin1Char('"')) {
            qsizetype j = i + 1;
            while (j < n && code[j] != QLatin1Char('"'))
                j += code[j] == QLatin1Char('\\') ? 2 : 1;
            tokens.append({Token::String, unescape(QStringView(code).mid(i + 1, j - i - 1))});
            i = j + 1;
        } else if (c == QLatin1Char('\'')) {
            qsizetype j = i + 1;
            while (j < n && code[j] != QLatin1Char('\''))
                j += code[j] == QLatin1Char('\\') ? 2 : 1;
            i = j + 1;
        } else if (isIdent(c)) {
            qsizetype j = i;
            while (j < n && isIdent(code[j]))
                ++j;
            const QString word = code.mid(i, j - i);
            // u8"...", u"...", L"..." prefixes belong to the literal that follows.
            if (j < n && code[j] == QLatin1Char('"') &&
                (word == QLatin1String("u8") || word == QLatin1String("u") ||
                 word == QLatin1String("L") || word == QLatin1String("U"))) {
                i = j;
                continue;
            }
            tokens.append({Token::Identifier, word});
            i = j;
        } else {
            tokens.append({Token::Punctuation, QString(c)});
            ++i;
        }
    }
    return tokens;
}

// Adjacent string literals from `i` on, concatenated; `i` moves past them.
std::optional<QString> literals(const QList<Token>& tokens, qsizetype& i) {
    QString text;
    bool any = false;
    while (i < tokens.size() && tokens[i].kind == Token::String) {
        text += tokens[i++].text;
        any = true;
    }
    return any ? std::optional<QString>(text) : std::nullopt;
}

// The source texts passed to tr(), QT_TR_NOOP(), translate() and
// QT_TRANSLATE_NOOP() as literals. Calls with a non-literal text (a helper
// that forwards its argument) are not sources and are skipped.
QStringList translatableStrings(const QString& code) {
    const QList<Token> tokens = tokenize(code);
    QStringList out;
    for (qsizetype i = 0; i + 2 < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (t.kind != Token::Identifier || tokens[i + 1].text != QLatin1String("("))
            continue;
        qsizetype j = i + 2;
        if (t.text == QLatin1String("tr") || t.text == QLatin1String("QT_TR_NOOP")) {
            if (auto text = literals(tokens, j))
                out.append(*text);
        } else if (t.text == QLatin1String("translate") ||
                   t.text == QLatin1String("QT_TRANSLATE_NOOP")) {
            if (!literals(tokens, j) || j >= tokens.size() || tokens[j].text != QLatin1String(","))
                continue;
            ++j;
            if (auto text = literals(tokens, j))
                out.append(*text);
        }
    }
    return out;
}

QString studioDir() {
    return QStringLiteral(DASH_SOURCE_DIR "/app/studio");
}

QString tsPath(const char* language) {
    return QStringLiteral(DASH_SOURCE_DIR "/translations/dash_studio_%1.ts")
        .arg(QLatin1String(language));
}

QString summary(const QStringList& problems) {
    QStringList shown = problems.mid(0, 25);
    if (problems.size() > shown.size())
        shown.append(QStringLiteral("… and %1 more").arg(problems.size() - shown.size()));
    return shown.join(QLatin1Char('\n'));
}

} // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void sourceScannerFindsStrings();
    void filesAreComplete_data();
    void filesAreComplete();
    void everySourceStringIsTranslated_data();
    void everySourceStringIsTranslated();
    void contextsAreClasses_data();
    void contextsAreClasses();
    void chineseChangesWindowTitles();
    void germanAndBackToEnglish();
    void languageResolution();
    void languageMenuSavesTheChoice();

private:
    QTemporaryDir m_settingsDir;
};

void TestTranslations::initTestCase() {
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_translations"));
}

void TestTranslations::sourceScannerFindsStrings() {
    const QString code = QStringLiteral(R"cpp(
        // tr("in a comment") is not a call
        auto a = tr("Plain");
        auto b = tr("Two " "parts", nullptr, n);
        auto c = QCoreApplication::translate("Ctx", "Quote \" and\nnewline");
        auto d = tr(variable);
        QString tr(const char* text) { return text; }
        char q = '"'; auto e = tr(u8"Prefixed");
        /* tr("block comment") */ auto f = QT_TR_NOOP("Noop");
    )cpp");
    QCOMPARE(translatableStrings(code),
             (QStringList{QStringLiteral("Plain"), QStringLiteral("Two parts"),
                          QStringLiteral("Quote \" and\nnewline"), QStringLiteral("Prefixed"),
                          QStringLiteral("Noop")}));
}

void TestTranslations::filesAreComplete_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("pluralForms");
    QTest::newRow("de") << tsPath("de") << 2;
    QTest::newRow("zh_CN") << tsPath("zh_CN") << 1;
}

void TestTranslations::filesAreComplete() {
    QFETCH(QString, path);
    QFETCH(int, pluralForms);
    const TsFile ts = readTs(path);
    QVERIFY2(ts.error.isEmpty(), qPrintable(ts.error));
    QVERIFY(ts.messages.size() > 100);
    QStringList problems;
    for (const TsMessage& m : ts.messages) {
        const QString where = m.context + QStringLiteral(": \"") + m.source + QLatin1Char('"');
        if (!m.type.isEmpty())
            problems.append(where + QStringLiteral(" is ") + m.type);
        if (m.numerus && m.translations.size() != pluralForms)
            problems.append(where + QStringLiteral(" has %1 plural forms, not %2")
                                        .arg(m.translations.size())
                                        .arg(pluralForms));
        for (const QString& t : m.translations)
            if (t.trimmed().isEmpty())
                problems.append(where + QStringLiteral(" has an empty translation"));
        if (m.translations.isEmpty())
            problems.append(where + QStringLiteral(" has no translation"));
        // Placeholders survive translation.
        for (int k = 1; k <= 9; ++k) {
            const QString arg = QStringLiteral("%%1").arg(k);
            for (const QString& t : m.translations)
                if (m.source.contains(arg) != t.contains(arg))
                    problems.append(where + QStringLiteral(" loses or adds ") + arg);
        }
        if (m.numerus)
            for (const QString& t : m.translations)
                if (!t.contains(QStringLiteral("%n")) && pluralForms == 1)
                    problems.append(where + QStringLiteral(" drops %n"));
    }
    QVERIFY2(problems.isEmpty(), qPrintable(summary(problems)));
}

void TestTranslations::everySourceStringIsTranslated_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("de") << tsPath("de");
    QTest::newRow("zh_CN") << tsPath("zh_CN");
}

void TestTranslations::everySourceStringIsTranslated() {
    QFETCH(QString, path);
    const TsFile ts = readTs(path);
    QVERIFY2(ts.error.isEmpty(), qPrintable(ts.error));
    const QFileInfoList files = QDir(studioDir())
                                    .entryInfoList({QStringLiteral("*.cpp"), QStringLiteral("*.h")},
                                                   QDir::Files, QDir::Name);
    QVERIFY(files.size() > 20);
    QStringList missing;
    int found = 0;
    for (const QFileInfo& info : files) {
        QFile file(info.filePath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        for (const QString& text : translatableStrings(QString::fromUtf8(file.readAll()))) {
            ++found;
            const bool present =
                std::any_of(ts.messages.begin(), ts.messages.end(), [&](const TsMessage& m) {
                    return m.source == text && m.files.contains(info.fileName());
                });
            if (!present)
                missing.append(info.fileName() + QStringLiteral(": \"") + text + QLatin1Char('"'));
        }
    }
    QVERIFY(found > 100);
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("not in %1 (run the update_translations target, then "
                                       "translate):\n")
                            .arg(QFileInfo(path).fileName()) +
                        summary(missing)));
}

void TestTranslations::contextsAreClasses_data() {
    everySourceStringIsTranslated_data();
}

void TestTranslations::contextsAreClasses() {
    // tr() outside a class (a free function named tr) is filed by lupdate
    // under the namespace, a context no object asks for at run time: those
    // strings would always show in English.
    QFETCH(QString, path);
    const TsFile ts = readTs(path);
    QStringList problems;
    for (const TsMessage& m : ts.messages)
        if (m.context == QLatin1String("dash::studio") || m.context == QLatin1String("dash"))
            problems.append(m.files.join(QLatin1Char(',')) + QStringLiteral(": \"") + m.source +
                            QLatin1Char('"'));
    QVERIFY2(problems.isEmpty(),
             qPrintable(QStringLiteral("tr() outside a class; use a class with "
                                       "Q_DECLARE_TR_FUNCTIONS or translate(\"Class\", ...):\n") +
                        summary(problems)));
}

void TestTranslations::chineseChangesWindowTitles() {
    const TsFile zh = readTs(tsPath("zh_CN"));
    const QString preferences = zh.translation(QStringLiteral("dash::studio::SettingsDialog"),
                                               QStringLiteral("Preferences"));
    const QString exportFigure = zh.translation(QStringLiteral("dash::studio::ExportFigureDialog"),
                                                QStringLiteral("Export Figure"));
    const QString fileMenu =
        zh.translation(QStringLiteral("dash::studio::MainWindow"), QStringLiteral("&File"));
    QVERIFY(!preferences.isEmpty() && preferences != QLatin1String("Preferences"));
    QVERIFY(!exportFigure.isEmpty() && exportFigure != QLatin1String("Export Figure"));

    {
        SettingsDialog english;
        QCOMPARE(english.windowTitle(), QStringLiteral("Preferences"));
    }
    UiTranslator translator;
    QCOMPARE(translator.install(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
    SettingsDialog settings;
    QCOMPARE(settings.windowTitle(), preferences);
    ExportFigureDialog dialog(nullptr, FigureSpec{});
    QCOMPARE(dialog.windowTitle(), exportFigure);
    MainWindow window;
    QCOMPARE(window.menuBar()->actions().value(0)->text(), fileMenu);
    // Plural forms come through too.
    QString tokens =
        zh.translation(QStringLiteral("dash::studio::MainWindow"), QStringLiteral("%n token(s)"));
    QVERIFY(tokens.contains(QStringLiteral("%n")));
    QCOMPARE(QCoreApplication::translate("dash::studio::MainWindow", "%n token(s)", nullptr, 3),
             tokens.replace(QStringLiteral("%n"), QStringLiteral("3")));
}

void TestTranslations::germanAndBackToEnglish() {
    const TsFile de = readTs(tsPath("de"));
    const QString preferences = de.translation(QStringLiteral("dash::studio::SettingsDialog"),
                                               QStringLiteral("Preferences"));
    QVERIFY(!preferences.isEmpty() && preferences != QLatin1String("Preferences"));
    UiTranslator translator;
    QCOMPARE(translator.install(QStringLiteral("de")), QStringLiteral("de"));
    {
        SettingsDialog settings;
        QCOMPARE(settings.windowTitle(), preferences);
    }
    // German plural: one form for 1, the other for 2.
    const QString one =
        QCoreApplication::translate("dash::studio::MainWindow", "%n token(s)", nullptr, 1);
    const QString two =
        QCoreApplication::translate("dash::studio::MainWindow", "%n token(s)", nullptr, 2);
    QVERIFY2(one.startsWith(QLatin1String("1 ")) && two.startsWith(QLatin1String("2 ")) &&
                 one.mid(2) != two.mid(2),
             qPrintable(one + QStringLiteral(" / ") + two));
    QCOMPARE(translator.install(QStringLiteral("en")), QStringLiteral("en"));
    SettingsDialog english;
    QCOMPARE(english.windowTitle(), QStringLiteral("Preferences"));
}

void TestTranslations::languageResolution() {
    QCOMPARE(resolveUiLanguage(QStringLiteral("de")), QStringLiteral("de"));
    QCOMPARE(resolveUiLanguage(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
    QCOMPARE(resolveUiLanguage(QStringLiteral("en")), QStringLiteral("en"));
    // Unknown codes and "" follow the system locale, landing on a shipped language.
    QStringList shipped;
    for (const UiLanguage& l : uiLanguages())
        shipped.append(l.code);
    QVERIFY(shipped.contains(resolveUiLanguage(QStringLiteral("xx"))));
    QVERIFY(shipped.contains(resolveUiLanguage(QString())));
    QCOMPARE(resolveUiLanguage(QStringLiteral("xx")), resolveUiLanguage(QString()));
}

void TestTranslations::languageMenuSavesTheChoice() {
    StudioSettings().setLanguage(QString());
    MainWindow window;
    auto* menu = window.findChild<QMenu*>(QStringLiteral("languageMenu"));
    QVERIFY(menu);
    QStringList names;
    QAction* german = nullptr;
    for (QAction* a : menu->actions()) {
        if (a->isSeparator())
            continue;
        names.append(a->text());
        QVERIFY(a->isCheckable());
        if (a->data().toString() == QLatin1String("de"))
            german = a;
    }
    QCOMPARE(names.size(), 1 + uiLanguages().size());
    QVERIFY(german && !german->isChecked());
    german->trigger();
    QVERIFY(german->isChecked());
    QCOMPARE(StudioSettings().language(), QStringLiteral("de"));
    // The window offers a restart; decline it.
    auto* box = window.findChild<QMessageBox*>();
    QVERIFY(box);
    box->reject();
    QCOMPARE(StudioSettings().language(), QStringLiteral("de"));
}

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
