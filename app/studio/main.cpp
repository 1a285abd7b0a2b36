// SPDX-License-Identifier: MIT
// dash-studio: the DASH Studio desktop app.
#include "app/studio/figure_export_cli.h"
#include "app/studio/main_window.h"
#include "app/studio/studio_settings.h"
#include "app/studio/ui_language.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstring>

namespace {

void setApplicationNames() {
    QCoreApplication::setOrganizationName(QStringLiteral("DASH"));
    QCoreApplication::setApplicationName(QStringLiteral("DASH Studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DASH_VERSION));
}

void addOptions(QCommandLineParser& parser) {
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Explore per-token, per-layer computation of a language model as you type."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QCoreApplication::translate("main", "GGUF model file to open."),
                                 QStringLiteral("[model.gguf]"));
    dash::studio::addFigureExportOptions(parser);
}

// --help and --version print and exit; they must work without a display.
bool onlyPrints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], flag) == 0)
                return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    if (onlyPrints(argc, argv)) {
        // No QApplication: it would connect to a display first.
        QCoreApplication app(argc, argv);
        setApplicationNames();
        dash::studio::UiTranslator translator;
        translator.install(dash::studio::StudioSettings().language());
        QCommandLineParser parser;
        addOptions(parser);
        parser.process(app); // prints and exits
        return 0;
    }
    // A figure export draws without a window; it must not need a display.
    if (dash::studio::figureExportRequested(argc, argv) &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setDesktopFileName(QStringLiteral("dash-studio"));
    dash::studio::UiTranslator translator;
    translator.install(dash::studio::StudioSettings().language());

    QCommandLineParser parser;
    addOptions(parser);
    parser.process(app);
    if (parser.isSet(QStringLiteral("export-figure")))
        return dash::studio::runFigureExport(parser);

    dash::studio::MainWindow window;
    QApplication::setWindowIcon(window.windowIcon());
    window.show();
    const QStringList args = parser.positionalArguments();
    window.openInitialModel(args.isEmpty() ? QString() : args.first());
    return QApplication::exec();
}
