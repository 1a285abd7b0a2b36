// SPDX-License-Identifier: MIT
// dash-studio: the DASH Studio desktop app.
#include "app/studio/figure_export_cli.h"
#include "app/studio/main_window.h"
#include "app/studio/studio_settings.h"
#include "app/studio/ui_language.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    // A figure export draws without a window; it must not need a display.
    if (dash::studio::figureExportRequested(argc, argv) &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("DASH"));
    QApplication::setApplicationName(QStringLiteral("DASH Studio"));
    QApplication::setApplicationVersion(QStringLiteral(DASH_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("dash-studio"));
    dash::studio::UiTranslator translator;
    translator.install(dash::studio::StudioSettings().language());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Explore per-token, per-layer computation of a language model as you type."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QApplication::translate("main", "GGUF model file to open."),
                                 QStringLiteral("[model.gguf]"));
    dash::studio::addFigureExportOptions(parser);
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
