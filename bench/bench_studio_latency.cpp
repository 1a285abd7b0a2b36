// SPDX-License-Identifier: MIT
// Keystroke → heatmap repainted latency of DASH Studio: drives the real main
// window offscreen with the demo model on 2 engine threads, types one key
// into a 64-token prompt and measures until the heatmap view has painted the
// run of the new text (HeatmapView::viewportPainted after the model took that
// snapshot), then waits for the worker to go idle before the next key.
// Prints median, p95, quartiles and max per scenario (quantiles of
// core/util/stats.h) and the debounce each row ran with ("auto N": the
// automatic default, N its median wait in ms). Targets: p95 <= 100 ms typing
// at the end without debounce (main window), and p95 <= 150 ms in the live
// A/B window with the default debounce. The live A/B rows type into the A/B
// window (full precision against Early-Exit at 1.5x, each side also compared
// with full precision) and wait until both heatmaps painted the new text;
// under the one-key rows a line splits the medians into debounce, worker
// time (RunSnapshot::wallNs of the slower side) and the rest (queue, signal
// delivery, model reset, repaint). The "key every N ms" rows type without
// waiting for any run, one key each N ms (150 ms: about 80 words a minute),
// and count a key as answered once both heatmaps painted its text or a later
// one. The scenarios measure different work, so there is no speedup and no
// A/A row.
//
// --views adds, under each main-window one-key row, where the UI thread spent
// its time per key, from the keystroke until the processEvents() call in
// which the heatmap painted returns (it goes on with what else is queued, up
// to 50 ms, so views painted just after the heatmap count too, and the sum
// can exceed the latency): every event the application delivers is timed, nested events
// are subtracted from the one that sent them, and each event's own time goes
// to the first named area among its receiver's ancestors (heatmap, curves
// dock, timeline dock, ...). "snapshot signal" is the InferenceClient's
// delivery of the run: every slot connected to snapshotReady, i.e. each
// view's update before it repaints; "main window" is what no view claims
// (layout of the docks, the backing store). Medians per key, in ms.
//
// usage: bench_studio_latency [--samples N] [--model FILE.gguf] [--views]
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/live_ab_window.h"
#include "app/studio/main_window.h"
#include "app/studio/run_controls.h"
#include "app/studio/studio_settings.h"
#include "bench/bench_harness.h"
#include "core/model/model.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

using namespace dash;
using namespace dash::studio;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPromptTokens = 64;
constexpr double kTargetP95Ms = 100.0;   // main window, type at the end, no debounce
constexpr double kTargetAbP95Ms = 150.0; // live A/B with the default debounce
constexpr int kDefault = InferenceClient::kDefaultDebounceMs;
// What the steady-rate rows type, a character at a time.
constexpr std::string_view kTyped = " and the lamps of the harbour went out one by one,";
constexpr int kTimeoutMs = 60000;

struct Scenario {
    const char* name;
    bool liveAb;      // type into the live A/B window: both heatmaps must repaint
    bool editAtStart; // the key goes before the first word: the whole prompt runs again
    int debounceMs;   // InferenceClient::setDebounceMs (kAutoDebounce: automatic)
    int generateTokens;
    int keyIntervalMs;  // 0: one key, then wait for idle; else keys this far apart
    double targetP95Ms; // 0: no target for this row
};

// Words of public-domain prose, repeated until the prompt (BOS included) has
// exactly `tokens` tokens.
QString promptOfTokens(const Model& model, int tokens) {
    const QStringList words =
        QStringLiteral("It was the best of times, it was the worst of times, it was the age of "
                       "wisdom, it was the age of foolishness, it was the epoch of belief, it was "
                       "the epoch of incredulity, it was the season of Light, it was the season "
                       "of Darkness, it was the spring of hope, it was the winter of despair")
            .split(QLatin1Char(' '));
    QString text;
    for (int i = 0;; ++i) {
        const QString next =
            text.isEmpty() ? words[0] : text + QLatin1Char(' ') + words[i % words.size()];
        const QByteArray utf8 = next.toUtf8();
        const auto ids = model.tokenizer().encode(std::string(utf8.constData(), utf8.size()), true);
        if (static_cast<int>(ids.size()) > tokens)
            break;
        text = next;
        if (static_cast<int>(ids.size()) == tokens)
            break;
    }
    return text;
}

// Times every event the application delivers on the UI thread while
// `recording`, and books each event's own time (nested events subtracted)
// to the first registered area found among its receiver's ancestors.
class ViewTimingApplication : public QApplication {
public:
    using QApplication::QApplication;

    void addArea(const QObject* root, const char* name) {
        m_areas.push_back({root, name});
        m_order.push_back(name);
    }
    const std::vector<const char*>& areaNames() const { return m_order; }
    void start() {
        m_ns.clear();
        m_recording = true;
    }
    // Milliseconds per area since start().
    std::map<std::string, double> stop() {
        m_recording = false;
        std::map<std::string, double> ms;
        for (const auto& [name, ns] : m_ns)
            ms[name] = ns / 1e6;
        return ms;
    }

    bool notify(QObject* receiver, QEvent* event) override {
        // The worker threads' events pass through here too; only the UI
        // thread's are timed.
        if (!m_recording || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        // Looked up before delivery: the event may delete its receiver.
        const char* area = areaOf(receiver);
        QElapsedTimer timer;
        timer.start();
        const qint64 outerChildNs = m_childNs;
        m_childNs = 0;
        const bool result = QApplication::notify(receiver, event);
        const qint64 ns = timer.nsecsElapsed();
        if (m_recording)
            m_ns[area] += ns - m_childNs;
        m_childNs = outerChildNs + ns;
        return result;
    }

private:
    struct Area {
        const QObject* root;
        const char* name;
    };
    const char* areaOf(const QObject* o) const {
        for (; o; o = o->parent())
            for (const Area& a : m_areas)
                if (a.root == o)
                    return a.name;
        return "other";
    }

    std::vector<Area> m_areas;
    std::vector<const char*> m_order;
    std::map<std::string, qint64> m_ns;
    qint64 m_childNs = 0;
    bool m_recording = false;
};

ViewTimingApplication* g_viewTiming = nullptr; // set with --views

bool waitUntil(const std::function<bool()>& done) {
    QDeadlineTimer deadline(kTimeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

// What one keystroke repaints: a heatmap, its model and the client that runs it.
struct Target {
    HeatmapModel* model;
    HeatmapView* view;
    InferenceClient* client;
};

bool idleOn(const std::vector<Target>& targets, const QString& text) {
    return waitUntil([&] {
        for (const Target& t : targets) {
            const SnapshotPtr s = t.model->snapshot();
            if (!s || s->prompt != text || t.client->busy())
                return false;
        }
        return true;
    });
}

// One key's timings: keystroke -> every target painted the new text, the
// debounce each client applied to the key (the largest), and the slowest
// side's worker time (RunSnapshot::wallNs: tokenising, policy, the run and,
// in the A/B window, the full-precision reference pass) and engine prefill.
struct KeyTiming {
    double totalMs = -1;
    double debounceMs = 0;
    double workerMs = 0;
    double prefillMs = 0;
    std::map<std::string, double> areaMs; // --views: UI-thread time per area
};

// One keystroke into `editor`: milliseconds until every target's heatmap
// painted the run of the new text.
KeyTiming measureKey(QPlainTextEdit* editor, const std::vector<Target>& targets, bool atStart,
                     bool erase) {
    editor->moveCursor(atStart ? QTextCursor::Start : QTextCursor::End);
    const size_t n = targets.size();
    std::vector<char> resetSeen(n, 0);
    std::vector<char> painted(n, 0);
    std::vector<SnapshotPtr> shown(n);
    size_t paintedCount = 0;
    Clock::time_point end;
    QString expected;
    std::vector<QMetaObject::Connection> connections;
    for (size_t i = 0; i < n; ++i) {
        const Target& t = targets[i];
        connections.push_back(QObject::connect(t.model, &QAbstractItemModel::modelReset, [&, i] {
            const SnapshotPtr s = targets[i].model->snapshot();
            if (s && s->prompt == expected && !resetSeen[i]) {
                resetSeen[i] = 1;
                shown[i] = s;
            }
        }));
        connections.push_back(QObject::connect(t.view, &HeatmapView::viewportPainted, [&, i] {
            if (resetSeen[i] && !painted[i]) {
                painted[i] = 1;
                if (++paintedCount == n)
                    end = Clock::now();
            }
        }));
    }
    KeyTiming timing;
    if (g_viewTiming)
        g_viewTiming->start();
    const Clock::time_point start = Clock::now();
    if (erase)
        QTest::keyClick(editor, atStart ? Qt::Key_Delete : Qt::Key_Backspace);
    else
        QTest::keyClick(editor, 'x');
    expected = editor->toPlainText();
    for (const Target& t : targets)
        timing.debounceMs =
            std::max(timing.debounceMs, static_cast<double>(t.client->effectiveDebounceMs()));
    const bool ok = waitUntil([&] { return paintedCount == n; });
    if (g_viewTiming)
        timing.areaMs = g_viewTiming->stop();
    for (const QMetaObject::Connection& c : connections)
        QObject::disconnect(c);
    if (!ok)
        return timing;
    idleOn(targets, expected);
    timing.totalMs = std::chrono::duration<double, std::milli>(end - start).count();
    for (const SnapshotPtr& s : shown) {
        timing.workerMs = std::max(timing.workerMs, s->wallNs / 1e6);
        timing.prefillMs = std::max(timing.prefillMs, s->prefillNs / 1e6);
    }
    return timing;
}

// Typing at a steady rate: `keys` characters of prose appended `intervalMs` apart,
// without waiting for any run. A key counts as answered once every target
// painted a run of its text or of a later key's. Returns one latency per key.
std::vector<double> typeSteadily(QPlainTextEdit* editor, const std::vector<Target>& targets,
                                 int keys, int intervalMs, std::vector<double>* debounceMs) {
    editor->moveCursor(QTextCursor::End);
    const size_t n = targets.size();
    QHash<QString, int> keyOfText; // text after key k -> k
    std::vector<Clock::time_point> keyTime(keys);
    std::vector<Clock::time_point> answered(keys);
    std::vector<int> resetKey(n, -1);   // newest key whose run each model holds
    std::vector<int> paintedKey(n, -1); // newest key each view painted
    int answeredUpTo = -1;
    std::vector<QMetaObject::Connection> connections;
    for (size_t i = 0; i < n; ++i) {
        const Target& t = targets[i];
        connections.push_back(QObject::connect(t.model, &QAbstractItemModel::modelReset, [&, i] {
            const SnapshotPtr s = targets[i].model->snapshot();
            resetKey[i] = s ? keyOfText.value(s->prompt, -1) : -1;
        }));
        connections.push_back(QObject::connect(t.view, &HeatmapView::viewportPainted, [&, i] {
            paintedKey[i] = std::max(paintedKey[i], resetKey[i]);
            const int all = *std::min_element(paintedKey.begin(), paintedKey.end());
            const Clock::time_point now = Clock::now();
            for (; answeredUpTo < all; ++answeredUpTo)
                answered[answeredUpTo + 1] = now;
        }));
    }
    const Clock::time_point first = Clock::now();
    for (int k = 0; k < keys; ++k) {
        const Clock::time_point due = first + std::chrono::milliseconds(k * intervalMs);
        while (Clock::now() < due) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents,
                                            static_cast<int>(std::max<int64_t>(1, left)));
        }
        keyTime[k] = Clock::now();
        QTest::keyClick(editor, kTyped[k % kTyped.size()]);
        keyOfText.insert(editor->toPlainText(), k);
        double wait = 0;
        for (const Target& t : targets)
            wait = std::max(wait, static_cast<double>(t.client->effectiveDebounceMs()));
        debounceMs->push_back(wait);
    }
    const bool ok = waitUntil([&] { return answeredUpTo == keys - 1; });
    for (const QMetaObject::Connection& c : connections)
        QObject::disconnect(c);
    std::vector<double> ms;
    if (!ok)
        return ms;
    idleOn(targets, editor->toPlainText());
    for (int k = 0; k < keys; ++k)
        ms.push_back(std::chrono::duration<double, std::milli>(answered[k] - keyTime[k]).count());
    return ms;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    static const char* kUsage =
        "usage: bench_studio_latency [--samples 40] [--model FILE.gguf] [--views]";
    int exitCode = 0;
    auto args = bench::parseArgs(argc, argv, "bench_studio_latency", kUsage, {"samples", "model"},
                                 {"views"}, &exitCode);
    if (!args)
        return exitCode;
    auto samplesOption = bench::intOption(*args, "samples", 40, 4, 100000);
    if (!samplesOption.ok())
        return bench::usageError("bench_studio_latency", kUsage, samplesOption.error().message());
    const int samples = static_cast<int>(*samplesOption);
    ViewTimingApplication app(argc, argv);
    QString modelPath = QString::fromLocal8Bit(qgetenv("DASH_MODEL_DIR"));
    modelPath =
        (modelPath.isEmpty() ? QStringLiteral(DASH_SHARED_DIR_DEFAULT "/models") : modelPath) +
        QStringLiteral("/dash-demo-16L.gguf");
    if (auto model = args->get("model"))
        modelPath = QString::fromStdString(*model);

    QTemporaryDir settingsDir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DashStudioBench"));
    QCoreApplication::setApplicationName(QStringLiteral("bench_studio_latency"));
    StudioSettings().setThreads(2);

    auto model = Model::load(modelPath.toStdString());
    if (!model.ok()) {
        std::fprintf(stderr, "bench_studio_latency: %s\n", model.error().message().c_str());
        return 1;
    }
    const QString prompt = promptOfTokens(**model, kPromptTokens);

    MainWindow w;
    w.resize(1280, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) {
        std::fprintf(stderr, "bench_studio_latency: the window was not exposed\n");
        return 1;
    }
    w.openModel(modelPath);
    if (!waitUntil([&] { return w.inference()->hasModel() && !w.inference()->busy(); })) {
        std::fprintf(stderr, "bench_studio_latency: %s did not load\n", qPrintable(modelPath));
        return 1;
    }
    HeatmapView* view = w.findChild<HeatmapView*>(QStringLiteral("heatmapView"));
    if (!view) {
        std::fprintf(stderr, "bench_studio_latency: no heatmap view\n");
        return 1;
    }

    if (args->flag("views")) {
        // Most specific first: the first match among a receiver's ancestors wins.
        app.addArea(view->parentWidget(), "heatmap");
        for (const char* dock : {"curvesDock", "timelineDock", "probeDock", "runsDock"})
            if (auto* d = w.findChild<QDockWidget*>(QString::fromLatin1(dock)))
                app.addArea(d, dock);
        app.addArea(w.findChild<QWidget*>(QStringLiteral("generatedText")), "generated text");
        app.addArea(w.promptEditor(), "prompt");
        app.addArea(w.findChild<RunControls*>(), "run controls");
        app.addArea(w.statusBar(), "status bar");
        app.addArea(w.inference(), "snapshot signal");
        app.addArea(&w, "main window");
        g_viewTiming = &app;
    }

    constexpr int kFixedMs = InferenceClient::kAutoDebounceMaxMs; // the earlier fixed default
    const Scenario scenarios[] = {
        {"type at the end", false, false, 0, 0, 0, kTargetP95Ms},
        {"type at the end, 8 generated", false, false, 0, 8, 0, 0},
        {"type at the start (full prefill)", false, true, 0, 0, 0, 0},
        {"type at the end, default debounce", false, false, kDefault, 0, 0, 0},
        {"live A/B, type at the end", true, false, 0, 0, 0, 0},
        {"live A/B, type at the start", true, true, 0, 0, 0, 0},
        {"live A/B, fixed debounce", true, false, kFixedMs, 0, 0, 0},
        {"live A/B, default debounce", true, false, kDefault, 0, 0, kTargetAbP95Ms},
        {"live A/B, default, key every 150 ms", true, false, kDefault, 0, 150, 0},
        {"live A/B, default, key every 300 ms", true, false, kDefault, 0, 300, 0},
    };
    const std::vector<Target> mainTargets = {{w.heatmapModel(), view, w.inference()}};
    w.showLiveAb();
    LiveAbWindow* ab = w.liveAbWindow();
    ab->resize(1280, 900);
    std::vector<Target> abTargets;
    for (int side : {0, 1})
        abTargets.push_back(
            {ab->heatmapModel(side), ab->heatmapPanel(side)->view(), ab->client(side)});
    if (!waitUntil([&] { return ab->client(0)->hasModel() && ab->client(1)->hasModel(); })) {
        std::fprintf(stderr, "bench_studio_latency: the A/B window did not load the model\n");
        return 1;
    }
    ab->hide();
    std::printf("keystroke -> heatmap repainted, %s, %d prompt tokens, 2 threads, %d samples\n",
                qPrintable(QFileInfo(modelPath).fileName()), kPromptTokens, samples);
    std::printf("%-36s %10s %8s %9s %8s %15s %8s  %s\n", "scenario", "debounce", "generate",
                "median ms", "p95 ms", "q1-q3 ms", "max ms", "target");
    bool allMet = true;
    for (const Scenario& s : scenarios) {
        const std::vector<Target>& targets = s.liveAb ? abTargets : mainTargets;
        QPlainTextEdit* editor = s.liveAb ? ab->promptEditor() : w.promptEditor();
        if (s.liveAb && !ab->isVisible()) {
            // The main window stays idle from here on: only the A/B runs.
            w.hide();
            ab->show();
            if (!QTest::qWaitForWindowExposed(ab)) {
                std::fprintf(stderr, "bench_studio_latency: the A/B window was not exposed\n");
                return 1;
            }
        }
        for (const Target& t : targets) {
            t.client->setDebounceMs(s.debounceMs);
            t.client->setGenerateTokens(s.generateTokens);
        }
        editor->setPlainText(prompt);
        if (!idleOn(targets, prompt)) {
            std::fprintf(stderr, "bench_studio_latency: the prompt did not run\n");
            return 1;
        }
        std::vector<double> ms, debounce, worker, prefill, rest;
        std::map<std::string, std::vector<double>> areaMs;
        if (s.keyIntervalMs > 0) {
            // Two warm-up keys, then `samples` keys typed at a steady rate.
            ms = typeSteadily(editor, targets, samples + 2, s.keyIntervalMs, &debounce);
            if (ms.empty()) {
                std::fprintf(stderr, "bench_studio_latency: no repaint within %d ms\n", kTimeoutMs);
                return 1;
            }
            ms.erase(ms.begin(), ms.begin() + 2);
            debounce.erase(debounce.begin(), debounce.begin() + 2);
        } else {
            // Two warm-up keys, then alternately add and remove a character so
            // that the prompt stays at its length.
            for (int i = 0; i < samples + 2; ++i) {
                const KeyTiming key = measureKey(editor, targets, s.editAtStart, i % 2 == 1);
                if (key.totalMs < 0) {
                    std::fprintf(stderr, "bench_studio_latency: no repaint within %d ms\n",
                                 kTimeoutMs);
                    return 1;
                }
                if (i < 2)
                    continue;
                ms.push_back(key.totalMs);
                debounce.push_back(key.debounceMs);
                worker.push_back(key.workerMs);
                prefill.push_back(key.prefillMs);
                rest.push_back(key.totalMs - key.debounceMs - key.workerMs);
                if (g_viewTiming && !s.liveAb) {
                    double total = 0;
                    for (const char* name : g_viewTiming->areaNames())
                        areaMs[name].push_back(key.areaMs.count(name) ? key.areaMs.at(name) : 0);
                    areaMs["other"].push_back(key.areaMs.count("other") ? key.areaMs.at("other")
                                                                        : 0);
                    for (const auto& [name, v] : key.areaMs)
                        total += v;
                    areaMs["UI thread total"].push_back(total);
                }
            }
        }
        const Summary r = summarize(ms);
        const double p95 = quantile(ms, 0.95);
        const bool met = p95 <= s.targetP95Ms;
        if (s.targetP95Ms > 0)
            allMet = allMet && met;
        char debounceText[32];
        if (s.debounceMs < 0 && !debounce.empty())
            std::snprintf(debounceText, sizeof debounceText, "auto %.0f",
                          summarize(debounce).median);
        else if (s.debounceMs < 0)
            std::snprintf(debounceText, sizeof debounceText, "auto");
        else
            std::snprintf(debounceText, sizeof debounceText, "%d", s.debounceMs);
        char target[32] = "";
        if (s.targetP95Ms > 0)
            std::snprintf(target, sizeof target, "p95 <= %.0f: %s", s.targetP95Ms,
                          met ? "yes" : "no");
        char spread[32];
        std::snprintf(spread, sizeof spread, "%.1f-%.1f", r.q1, r.q3);
        std::printf("%-36s %7s ms %8d %9.1f %8.1f %15s %8.1f  %s\n", s.name, debounceText,
                    s.generateTokens, r.median, p95, spread, r.max, target);
        if (!worker.empty())
            std::printf("%-36s   medians: debounce %.1f, worker %.1f (engine prefill %.1f), "
                        "queue+delivery+repaint %.1f ms\n",
                        "", summarize(debounce).median, summarize(worker).median,
                        summarize(prefill).median, summarize(rest).median);
        if (!areaMs.empty()) {
            // Medians of each area's time per key; they need not add up to
            // the median total.
            std::string line;
            std::vector<const char*> names = g_viewTiming->areaNames();
            names.push_back("other");
            names.push_back("UI thread total");
            for (const char* name : names) {
                char item[64];
                std::snprintf(item, sizeof item, "%s%s %.2f", line.empty() ? "" : ", ", name,
                              summarize(areaMs[name]).median);
                line += item;
            }
            std::printf("%-36s   UI thread per key (median ms): %s\n", "", line.c_str());
        }
        std::fflush(stdout);
    }
    std::printf("(debounce \"auto N\": InferenceClient::kAutoDebounce, median wait N ms; worker: "
                "the slowest side's RunSnapshot::wallNs, reference pass included)\n");
    return allMet ? 0 : 2;
}
