// SPDX-License-Identifier: MIT
// `dash-cli eval`: reads the command line into dash::eval::EvalPlan, runs
// dash::eval::runEvaluation (core/eval/eval_run.h) with progress on stderr
// and writes the tables; `--merge` combines the folders of shards.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/dash/policy.h"
#include "core/eval/eval_ablation.h"
#include "core/eval/eval_figures.h"
#include "core/eval/eval_run.h"
#include "core/eval/eval_tables.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

namespace dash::cli {

namespace {

using namespace dash::eval;

CancelToken g_cancel;

void onInterrupt(int) {
    g_cancel.cancel();
}

Expected<int64_t> parseCount(const std::string& text, const std::string& what) {
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < 0 || v > (int64_t{1} << 40))
        return invalidError(what + " must be a count >= 0, got '" + text + "'");
    return static_cast<int64_t>(v);
}

Expected<EvalPlan> evalPlan(const Args& args) {
    EvalPlan plan;
    DASH_ASSIGN_OR_RETURN(std::string tasks, args.required("tasks"));
    for (const std::string& t : splitList(tasks)) {
        DASH_ASSIGN_OR_RETURN(Task task, parseTask(t));
        plan.tasks.push_back(task);
    }
    for (const std::string& m : splitList(args.get("methods", "full"))) {
        if (const auto dash = parseDashMethod(m)) {
            if (dash->file.empty())
                return invalidError("--methods: '" + m +
                                    "' needs a policy file (dash:FILE or dash:FILE@VARIANT)");
        } else if (m == "dash") {
            return invalidError("--methods: DASH is a trained policy file; write dash:FILE");
        } else {
            DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(m));
            (void)kind;
        }
        plan.methods.push_back(m);
    }
    for (const std::string& r : splitList(args.get("ratios", "1.33,1.67,2.0"))) {
        char* end = nullptr;
        const double v = std::strtod(r.c_str(), &end);
        if (*end != '\0' || !(v >= 1.0) || v > 64)
            return invalidError("--ratios must be numbers from 1 to 64, got '" + r + "'");
        plan.ratios.push_back(v);
    }
    if (plan.tasks.empty())
        return invalidError("--tasks names no task");
    if (plan.methods.empty())
        return invalidError("--methods names no method");
    // --limit N (every task) or task=N,... (those tasks).
    if (auto limits = args.get("limit")) {
        for (const std::string& item : splitList(*limits)) {
            const size_t eq = item.find('=');
            if (eq == std::string::npos) {
                DASH_ASSIGN_OR_RETURN(int64_t n, parseCount(item, "--limit"));
                for (Task t : {Task::WikiText2, Task::CnnDm, Task::Mmlu, Task::Arc, Task::Speed})
                    if (!plan.limits.count(t))
                        plan.limits[t] = n;
                continue;
            }
            DASH_ASSIGN_OR_RETURN(Task t, parseTask(item.substr(0, eq)));
            DASH_ASSIGN_OR_RETURN(plan.limits[t], parseCount(item.substr(eq + 1), "--limit"));
        }
    }
    plan.files.wikitext = args.get("wikitext", "");
    plan.files.arc = args.get("arc", "");
    plan.files.mmluDir = args.get("mmlu", "");
    plan.files.cnndm = args.getAll("cnndm");
    plan.tuneTextPath = args.get("tune-file", "");
    plan.calibrationPath = args.get("calibration", "");
    DASH_ASSIGN_OR_RETURN(plan.tuneWindows, args.getInt("tune-windows", plan.tuneWindows, 1, 4096));
    DASH_ASSIGN_OR_RETURN(long long shots, args.getInt("mmlu-shots", plan.mmluShots, 0, 64));
    plan.mmluShots = static_cast<int>(shots);
    DASH_ASSIGN_OR_RETURN(long long tokens,
                          args.getInt("summary-tokens", plan.summaryTokens, 1, 4096));
    plan.summaryTokens = static_cast<int32_t>(tokens);
    DASH_ASSIGN_OR_RETURN(long long rounds, args.getInt("speed-rounds", plan.speedRounds, 1, 1000));
    plan.speedRounds = static_cast<int>(rounds);
    if (args.flag("skip-malformed"))
        plan.read.malformed = MalformedRows::Skip;
    if (auto shard = args.get("shard")) {
        const size_t slash = shard->find('/');
        auto k = parseCount(shard->substr(0, slash), "--shard K");
        auto n =
            parseCount(slash == std::string::npos ? "" : shard->substr(slash + 1), "--shard N");
        if (!k.ok() || !n.ok() || *n < 1 || *k < 1 || *k > *n || *n > 100000)
            return invalidError("--shard must be K/N with 1 <= K <= N, got '" + *shard + "'");
        plan.shardIndex = static_cast<int>(*k - 1);
        plan.shardCount = static_cast<int>(*n);
    }
    return plan;
}

// The run store of --db (default: DIR/runs.sqlite, each shard its own);
// empty with --no-db.
Expected<std::string> storePath(const Args& args, const std::string& out) {
    if (args.flag("no-db")) {
        if (args.get("db"))
            return invalidError("--db and --no-db exclude each other");
        return std::string();
    }
    const std::string db = args.get("db", (std::filesystem::path(out) / "runs.sqlite").string());
    if (db.empty())
        return invalidError("--db needs a path");
    return db;
}

// table3.csv and table3.tex when the layout has a row of the ablation (or
// --ablation names them).
Status writeAblation(const Args& args, const std::string& out, const TableLayout& layout,
                     const std::vector<CellResult>& cells) {
    AblationMap map = defaultAblationMap(layout);
    if (auto spec = args.get("ablation")) {
        DASH_ASSIGN_OR_RETURN(map, parseAblationMap(*spec, layout));
    }
    if (map.empty())
        return {};
    return writeAblationTables(out, layout, cells, map);
}

std::string duration(double seconds) {
    char text[32];
    const long long s = std::llround(seconds);
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else if (s >= 60)
        std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%llds", s);
    return text;
}

int runMerge(const Args& args) {
    auto out = args.required("out");
    if (!out.ok())
        return fail("eval", out.error());
    if (args.positional().empty())
        return fail("eval", "--merge needs the folders of the shards");
    auto db = storePath(args, *out);
    if (!db.ok())
        return fail("eval", db.error());
    TableLayout layout;
    auto cells = mergeShards(args.positional(), *out, &layout, *db);
    if (!cells.ok())
        return fail("eval", cells.error());
    if (auto st = writeTables(*out, layout, *cells); !st.ok())
        return fail("eval", st.error());
    if (auto st = writeAblation(args, *out, layout, *cells); !st.ok())
        return fail("eval", st.error());
    if (!args.flag("quiet"))
        std::fprintf(stderr, "eval: merged %zu cells from %zu folders into %s\n", cells->size(),
                     args.positional().size(), out->c_str());
    printText(resultsLatex(layout, *cells));
    return 0;
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv,
        options({kModelOptions,
                 {"tasks",        "methods",     "ratios",     "limit",          "out",
                  "wikitext",     "arc",         "mmlu",       "cnndm",          "tune-file",
                  "tune-windows", "calibration", "mmlu-shots", "summary-tokens", "speed-rounds",
                  "shard",        "db",          "ablation",   "figure-method",  "figure-ratio",
                  "figure-tokens"}}),
        {"merge", "quiet", "skip-malformed", "no-db", "figures"});
    if (!args.ok())
        return fail("eval", args.error());
    if (args->flag("merge"))
        return runMerge(*args);
    if (!args->positional().empty())
        return fail("eval", "unexpected argument '" + args->positional().front() +
                                "' (folders are read only with --merge)");
    auto plan = evalPlan(*args);
    auto out = args->required("out");
    auto eo = engineOptions(*args);
    if (auto err = firstError(plan, out, eo))
        return fail("eval", *err);
    auto db = storePath(*args, *out);
    if (!db.ok())
        return fail("eval", db.error());
    plan->storePath = *db;
    FigureDataOptions figures;
    if (args->flag("figures")) {
        figures.method = args->get("figure-method", "");
        auto tokens = args->getInt("figure-tokens", figures.sampleTokens, 2, 1 << 20);
        if (!tokens.ok())
            return fail("eval", tokens.error());
        figures.sampleTokens = *tokens;
        if (auto r = args->get("figure-ratio")) {
            char* end = nullptr;
            figures.ratio = std::strtod(r->c_str(), &end);
            if (r->empty() || *end != '\0' || !(figures.ratio >= 1.0) || figures.ratio > 64)
                return fail("eval", "--figure-ratio must be a ratio of --ratios, got '" + *r + "'");
        }
        // Checked before the run, which may take hours.
        if (auto cell = figureCell(*plan, figures); !cell.ok())
            return fail("eval", cell.error());
        if (plan->files.wikitext.empty())
            return fail("eval", "--figures needs --wikitext (the figures' sample)");
    } else if (args->get("figure-method") || args->get("figure-ratio") ||
               args->get("figure-tokens")) {
        return fail("eval", "--figure-method, --figure-ratio and --figure-tokens need --figures");
    }
    if (auto spec = args->get("ablation"))
        if (auto map = parseAblationMap(*spec, planLayout(*plan)); !map.ok())
            return fail("eval", map.error());
    const bool quiet = args->flag("quiet");
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("eval", model.error());
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("eval", made.error());

    // Progress: a line per cell, the running cell's items on one line, and an
    // ETA from the mean time of the cells computed so far of the same task
    // (of all tasks while a task has none).
    const auto cellsOfShard = shardCells(*plan);
    std::map<Task, std::pair<double, int>> taskTime;
    double allTime = 0;
    int computed = 0;
    auto eta = [&](size_t nextIndex) {
        if (computed == 0)
            return std::string("?");
        double left = 0;
        for (size_t i = nextIndex; i < cellsOfShard.size(); ++i) {
            const auto it = taskTime.find(cellsOfShard[i].task);
            left +=
                it != taskTime.end() ? it->second.first / it->second.second : allTime / computed;
        }
        return duration(left);
    };
    EvalObserver observer;
    observer.cancel = &g_cancel;
    size_t running = 0;
    if (!quiet) {
        observer.onCellStarted = [&](const EvalCell& c, size_t index, size_t total) {
            running = index;
            std::fprintf(stderr, "eval: [%zu/%zu] %s, %s at %.2fx ...\n", index + 1, total,
                         taskName(c.task), methodLabel(c.method).c_str(), c.ratio);
        };
        observer.onItems = [&](int64_t done, int64_t total) {
            std::fprintf(stderr, "\r  %lld/%lld items; remaining cells after this one: ETA %s   ",
                         static_cast<long long>(done), static_cast<long long>(total),
                         eta(running + 1).c_str());
            if (done == total)
                std::fputc('\n', stderr);
        };
        observer.onNote = [](const std::string& note) {
            std::fprintf(stderr, "eval: %s\n", note.c_str());
        };
    }
    std::vector<CellResult> finished;
    observer.onCellFinished = [&](const CellResult& c, bool reused, size_t index, size_t total) {
        finished.push_back(c);
        if (!reused) {
            auto& t = taskTime[c.task];
            t.first += c.seconds;
            t.second += 1;
            allTime += c.seconds;
            ++computed;
        }
        if (quiet)
            return;
        const auto it = c.metrics.find(primaryMetric(c.task));
        std::fprintf(
            stderr,
            "eval: [%zu/%zu] %s, %s at %.2fx: %s %.4f, nominal %.3fx, %lld items%s "
            "(%s); ETA %s\n",
            index + 1, total, taskName(c.task), c.method.c_str(), c.targetRatio,
            primaryMetric(c.task), it == c.metrics.end() ? 0.0 : it->second, c.nominalRatio,
            static_cast<long long>(c.items), reused ? ", stored earlier" : "",
            reused ? "not recomputed" : duration(c.seconds).c_str(), eta(index + 1).c_str());
    };

    std::signal(SIGINT, onInterrupt);
    auto result = runEvaluation(**made, *args->get("model"), *plan, *out, observer);
    std::signal(SIGINT, SIG_DFL);
    const bool cancelled = !result.ok() && result.error().code() == ErrorCode::Cancelled;
    if (!result.ok() && !cancelled)
        return fail("eval", result.error());
    // The tables of the plan's cells finished so far (an interrupted run's too).
    const TableLayout layout = planLayout(*plan);
    if (auto st = writeTables(*out, layout, finished); !st.ok())
        return fail("eval", st.error());
    if (auto st = writeAblation(*args, *out, layout, finished); !st.ok())
        return fail("eval", st.error());
    if (cancelled) {
        std::fprintf(stderr,
                     "eval: interrupted; the finished cells are in %s and the same command goes "
                     "on from there\n",
                     out->c_str());
        return 130;
    }
    if (args->flag("figures")) {
        auto written = writeFigureData(**made, *plan, finished, *out, figures);
        if (!written.ok())
            return fail("eval", written.error());
        if (!quiet)
            for (const std::string& f : *written)
                std::fprintf(stderr, "eval: wrote %s\n", f.c_str());
    }
    printText(resultsLatex(layout, finished));
    return 0;
}

const char kUsage[] =
    "--model FILE.gguf --tasks wikitext2,cnndm,mmlu,arc,speed --out DIR\n"
    "       [--methods full,early-exit,skipdecode,adaskip,random,static,dash:FILE ...]\n"
    "       [--ratios 1.33,1.67,2.0] [--limit N | --limit task=N,...]\n"
    "       [--wikitext FILE] [--cnndm FILE ...] [--mmlu DIR] [--arc FILE.jsonl]\n"
    "       [--tune-file HELD_OUT_TEXT] [--tune-windows 8] [--calibration C.json]\n"
    "       [--mmlu-shots 5] [--summary-tokens 48] [--speed-rounds 4] [--skip-malformed]\n"
    "       [--shard K/N] [--db FILE | --no-db] [--ablation ROW=METHOD,...]\n"
    "       [--figures [--figure-method M] [--figure-ratio R] [--figure-tokens 64]]\n"
    "       [ENGINE OPTIONS] [--quiet]\n"
    "   or: --merge --out DIR [--db FILE | --no-db] [--ablation ...] SHARD_DIR...\n"
    "  Evaluates every method at every ratio on every task (full precision once)\n"
    "  and writes DIR/results.csv, DIR/results.json and DIR/table1.tex (also printed).\n"
    "  Tasks: wikitext2 (perplexity over context windows), cnndm (greedy summaries,\n"
    "  ROUGE-L F1), mmlu (k-shot, answer letter log-likelihood; --mmlu DIR holds\n"
    "  dev/ and test/), arc (answer text log-likelihood, acc and length-normalised\n"
    "  acc_norm), speed (decode speedup against full precision with an A/A control,\n"
    "  prompts from --wikitext; a timing). Knobs are tuned to each ratio on\n"
    "  --tune-file. --limit takes that many items spread over each file (wikitext2:\n"
    "  windows).\n"
    "  Every finished cell is stored in DIR/cells with its configuration; running\n"
    "  the command again (after Ctrl-C, say) computes only the missing cells.\n"
    "  --shard K/N runs every N-th cell from the K-th; --merge combines the shards'\n"
    "  folders and writes the tables an unsharded run would.\n"
    "  Malformed dataset rows stop the run with file:line, or with --skip-malformed\n"
    "  are left out and counted on stderr.\n"
    "  Every finished cell is also saved as a run in the run store --db (default\n"
    "  DIR/runs.sqlite; list with `dash-cli runs list --db FILE`); the cell files\n"
    "  stay what a run resumes from.\n"
    "  dash:FILE@VARIANT restricts a DASH policy file: @dynamic (skip only, no\n"
    "  compensation), @scale (skip only, with alpha), @int8 (skip or INT8),\n"
    "  @int4int8 (all states). With static and these variants among the methods,\n"
    "  DIR/table3.csv and table3.tex hold the ablation (Table 3) on MMLU (else ARC,\n"
    "  else the first task); --ablation task=T,static=M,dynamic=M,scale=M,int8=M,\n"
    "  int4int8=M maps its rows to other methods.\n"
    "  --figures writes DIR/figures: traces of a WikiText-2 sample at full precision\n"
    "  (Fig. 1) and under --figure-method at --figure-ratio (Fig. 4; default the\n"
    "  first DASH method, the last ratio), drawn by dash-studio --export-figure.";

} // namespace

const Command kEvalCommand = {
    "eval", "evaluate methods x ratios x tasks (WikiText-2, CNN/DM, MMLU, ARC, speed) into tables",
    kUsage, run};

} // namespace dash::cli
