// SPDX-License-Identifier: MIT
// dash-studio-screenshots: renders the main views of DASH Studio offscreen to
// PNG files for the documentation (docs/screenshots/): the main window with
// the heatmap, the heatmap panel, the similarity curves, the stream timeline,
// the welcome page, the export dialog, the live A/B window (full precision
// against Early-Exit at 1.5x), two paper figures as exported, the sweep
// dialog's Pareto tab and the Pareto figure it exports (drawn from the rows of
// a `dash-cli sweep --json` file, by default docs/sweep.json), and the main
// window in Chinese (needs a CJK font, e.g. Debian's fonts-noto-cjk).
//
// usage: dash-studio-screenshots OUT_DIR [--model FILE.gguf] [--policy KIND]
//                                [--sweep SWEEP.json]
#include "app/studio/export_figure_dialog.h"
#include "app/studio/figure_renderer.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/inference_client.h"
#include "app/studio/job_dialogs.h"
#include "app/studio/live_ab_window.h"
#include "app/studio/main_window.h"
#include "app/studio/similarity_chart.h"
#include "app/studio/studio_settings.h"
#include "app/studio/sweep_figure.h"
#include "app/studio/timeline_panel.h"
#include "app/studio/ui_language.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <functional>

using namespace dash::studio;

namespace {

constexpr qint64 kMaxBytes = 300 * 1024;

bool waitUntil(const std::function<bool()>& done, int timeoutMs = 60000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

// Saves with the strongest PNG compression; says when the file is too large
// for the repository.
bool save(const QImage& image, const QString& path) {
    if (!image.save(path, "PNG", 0)) {
        std::fprintf(stderr, "dash-studio-screenshots: cannot write %s\n", qPrintable(path));
        return false;
    }
    const qint64 bytes = QFileInfo(path).size();
    std::printf("%-60s %5d x %-5d %4lld KB%s\n", qPrintable(path), image.width(), image.height(),
                bytes / 1024, bytes > kMaxBytes ? "  (over 300 KB)" : "");
    return bytes <= kMaxBytes;
}

// Lets pending paints and layout settle before a grab.
void settle() {
    QTest::qWait(200);
}

// A 1366 x 768 screen, the smallest the main window is made to fit.
constexpr int kScreenWidth = 1366;
constexpr int kScreenHeight = 768;

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const bool help =
        args.size() >= 2 && (args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h"));
    if (args.size() < 2 || help || args[1].startsWith(QLatin1Char('-'))) {
        if (!help && args.size() >= 2)
            std::fprintf(stderr, "dash-studio-screenshots: the output folder comes first, got %s\n",
                         qPrintable(args[1]));
        std::fprintf(help ? stdout : stderr,
                     "usage: dash-studio-screenshots OUT_DIR [--model FILE.gguf] "
                     "[--policy KIND] [--sweep SWEEP.json]\n");
        return help ? 0 : 2;
    }
    const QString outDir = args[1];
    QString model = QStringLiteral(DASH_DEFAULT_MODEL_DIR "/dash-demo-16L.gguf");
    QString policy = QStringLiteral("early-exit");
    QString sweepJson = QStringLiteral(DASH_DOCS_DIR "/sweep.json");
    for (qsizetype i = 2; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
            std::fprintf(stderr, "dash-studio-screenshots: %s needs a value\n",
                         qPrintable(args[i]));
            return 2;
        }
        if (args[i] == QLatin1String("--model"))
            model = args[i + 1];
        else if (args[i] == QLatin1String("--policy"))
            policy = args[i + 1];
        else if (args[i] == QLatin1String("--sweep"))
            sweepJson = args[i + 1];
        else {
            std::fprintf(stderr, "dash-studio-screenshots: unknown option %s\n",
                         qPrintable(args[i]));
            return 2;
        }
    }
    // The shots show this path: without "..", whatever folder it was given from.
    if (const QFileInfo info(model); info.exists())
        model = info.canonicalFilePath();
    if (!QDir().mkpath(outDir)) {
        std::fprintf(stderr, "dash-studio-screenshots: cannot create %s\n", qPrintable(outDir));
        return 1;
    }
    const QDir out(outDir);

    // Fresh settings, so that the shots do not depend on the user's.
    QTemporaryDir settingsDir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioScreenshots"));
    QCoreApplication::setApplicationName(QStringLiteral("dash-studio-screenshots"));
    {
        StudioSettings settings;
        settings.setThreads(2);
        settings.setGenerateTokens(8);
        settings.setPolicyKind(policy);
    }
    bool ok = true;
    auto expose = [&](QWidget& widget) {
        if (!QTest::qWaitForWindowExposed(&widget)) {
            std::fprintf(stderr, "dash-studio-screenshots: a window was never shown\n");
            ok = false;
        }
    };

    {
        MainWindow welcome;
        welcome.resize(1100, 700);
        welcome.show();
        expose(welcome);
        settle();
        ok &= save(welcome.grab().toImage(), out.filePath(QStringLiteral("welcome.png")));
    }

    const QString prompt =
        QStringLiteral("The old man looked at the sea and thought about the long day ahead of him");
    // Opens the model in `window` at the size of the whole screen and runs
    // the prompt; false (with the reason on stderr) when either fails.
    auto runPrompt = [&](MainWindow& window) {
        window.resize(kScreenWidth, kScreenHeight);
        window.show();
        expose(window);
        window.openModel(model);
        if (!waitUntil(
                [&] { return window.inference()->hasModel() && !window.inference()->busy(); })) {
            std::fprintf(stderr, "dash-studio-screenshots: %s did not load\n", qPrintable(model));
            return false;
        }
        window.promptEditor()->setPlainText(prompt);
        if (!waitUntil([&] {
                const SnapshotPtr s = window.heatmapModel()->snapshot();
                return s && s->prompt == prompt && !window.inference()->busy();
            })) {
            std::fprintf(stderr, "dash-studio-screenshots: the prompt did not run\n");
            return false;
        }
        settle();
        return true;
    };

    MainWindow w;
    if (!runPrompt(w))
        return 1;
    ok &= save(w.grab().toImage(), out.filePath(QStringLiteral("main_window.png")));
    if (auto* heatmap = w.findChild<HeatmapPanel*>())
        ok &= save(heatmap->grab().toImage(), out.filePath(QStringLiteral("heatmap.png")));
    if (auto* chart = w.findChild<SimilarityChart*>()) {
        w.curvesDock()->raise();
        settle();
        ok &= save(chart->grab().toImage(), out.filePath(QStringLiteral("similarity_curves.png")));
    }
    if (auto* timeline = w.findChild<TimelinePanel*>()) {
        w.timelineDock()->raise();
        settle();
        ok &= save(timeline->grab().toImage(), out.filePath(QStringLiteral("stream_timeline.png")));
    }

    {
        w.showLiveAb();
        LiveAbWindow* ab = w.liveAbWindow();
        ab->resize(kScreenWidth, kScreenHeight);
        expose(*ab);
        if (!waitUntil([&] {
                for (int side : {0, 1}) {
                    const SnapshotPtr s = ab->heatmapModel(side)->snapshot();
                    if (!s || s->prompt != prompt || ab->client(side)->busy())
                        return false;
                }
                return true;
            })) {
            std::fprintf(stderr, "dash-studio-screenshots: the A/B window did not run\n");
            return 1;
        }
        settle();
        ok &= save(ab->grab().toImage(), out.filePath(QStringLiteral("live_ab.png")));
        ab->close();
    }

    const SnapshotPtr snapshot = w.heatmapModel()->snapshot();
    FigureSpec spec;
    spec.kind = FigureKind::Heatmap;
    spec.format = FigureFormat::Png;
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    {
        ExportFigureDialog dialog(snapshot, spec);
        dialog.setPath(QDir::home().filePath(QStringLiteral("heatmap.pdf")));
        dialog.show();
        expose(dialog);
        settle();
        ok &= save(dialog.grab().toImage(), out.filePath(QStringLiteral("export_dialog.png")));
    }
    ok &= save(renderFigureImage(*snapshot, spec, 150),
               out.filePath(QStringLiteral("figure_heatmap.png")));
    spec.kind = FigureKind::SimilarityCurves;
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    ok &= save(renderFigureImage(*snapshot, spec, 200),
               out.filePath(QStringLiteral("figure_curves.png")));

    // Tools > Run Sweep...'s result: the rows a sweep job hands back have the
    // shape of `dash-cli sweep --json`'s file, so a measured sweep is shown
    // without running one again here.
    {
        QFile file(sweepJson);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "dash-studio-screenshots: cannot read %s\n",
                         qPrintable(sweepJson));
            return 1;
        }
        SweepJobDialog dialog(JobDefaults{model, QString(), 2});
        if (dash::Status st = dialog.showSweepResult(file.readAll()); !st.ok()) {
            std::fprintf(stderr, "dash-studio-screenshots: %s: %s\n", qPrintable(sweepJson),
                         st.error().message().c_str());
            return 1;
        }
        // Taller than the screen, so that the figure below the form is large
        // enough to read in the picture.
        dialog.resize(960, 1150);
        dialog.show();
        expose(dialog);
        settle();
        ok &= save(dialog.grab().toImage(), out.filePath(QStringLiteral("sweep_pareto.png")));
        // Export Figure... with a .png name.
        const QString figure = out.filePath(QStringLiteral("figure_pareto.png"));
        if (dash::Status st = dialog.exportFigure(figure); !st.ok()) {
            std::fprintf(stderr, "dash-studio-screenshots: %s\n", st.error().message().c_str());
            ok = false;
        } else {
            ok &= save(QImage(figure), figure);
        }
    }

    // The main window in Chinese: the translators are installed before the
    // window is made, as at a start with Settings > Language set to zh_CN.
    {
        w.close();
        UiTranslator translator;
        if (translator.install(QStringLiteral("zh_CN")) != QLatin1String("zh_CN")) {
            std::fprintf(stderr, "dash-studio-screenshots: the zh_CN translation is missing\n");
            return 1;
        }
        MainWindow zh;
        if (!runPrompt(zh))
            return 1;
        ok &= save(zh.grab().toImage(), out.filePath(QStringLiteral("main_window_zh_CN.png")));
    }
    return ok ? 0 : 1;
}
