// SPDX-License-Identifier: MIT
// The evaluation run on the demo model and small slices of the shared data:
// resuming after an interruption computes only the missing cells and gives
// the uninterrupted results; shards merged give the unsharded tables, cell
// by cell; the table writers; dash-cli eval end to end and on bad options.
#include "cli_runner.h"
#include "test_support.h"

#include "core/engine/engine.h"
#include "core/eval/eval_run.h"
#include "core/eval/eval_tables.h"
#include "core/model/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace dash;
using namespace dash::eval;

using test::headLines;
using test::slurp;
using test::spit;

namespace {

std::map<std::string, CellResult> byKey(const std::vector<CellResult>& cells) {
    std::map<std::string, CellResult> m;
    for (const CellResult& c : cells)
        m[c.key] = c;
    return m;
}

} // namespace

class TestEvalRun : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_model;
    EvalPlan m_plan;
    bool m_ready = false;

    std::string path(const std::string& name) {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }

private slots:
    void initTestCase() {
        m_model = test::modelPath("dash-demo-16L.gguf");
        const std::string data = test::dataPath("");
        if (!test::filesExist({m_model, test::dataPath("wikitext2_test.raw"),
                               test::dataPath("wikitext2_valid.txt"),
                               test::dataPath("arc/ARC-Challenge-Test.jsonl"),
                               test::dataPath("mmlu/test/anatomy_test.csv"),
                               test::dataPath("cnndm/cnndm_test_summeval100.jsonl")}))
            return;
        // Small slices of the real files.
        spit(path("wiki.raw"), slurp(test::dataPath("wikitext2_test.raw")).substr(0, 20000));
        spit(path("tune.txt"), slurp(test::dataPath("wikitext2_valid.txt")).substr(0, 30000));
        spit(path("arc.jsonl"), headLines(test::dataPath("arc/ARC-Challenge-Test.jsonl"), 6));
        for (const char* subject : {"anatomy", "astronomy"})
            for (const char* split : {"dev", "test"}) {
                const std::string name =
                    std::string("mmlu/") + split + "/" + subject + "_" + split + ".csv";
                spit(path(name), headLines(test::dataPath(name.c_str()), 3));
            }
        spit(path("cnndm.jsonl"),
             headLines(test::dataPath("cnndm/cnndm_test_summeval100.jsonl"), 2));
        m_plan.tasks = {Task::WikiText2, Task::CnnDm, Task::Mmlu, Task::Arc};
        m_plan.methods = {"full", "skipdecode", "early-exit"};
        m_plan.ratios = {1.5, 2.0};
        m_plan.limits = {{Task::WikiText2, 2}, {Task::CnnDm, 1}, {Task::Mmlu, 2}, {Task::Arc, 3}};
        m_plan.files.wikitext = path("wiki.raw");
        m_plan.files.arc = path("arc.jsonl");
        m_plan.files.mmluDir = path("mmlu");
        m_plan.files.cnndm = {path("cnndm.jsonl")};
        m_plan.tuneTextPath = path("tune.txt");
        m_plan.tuneWindows = 2;
        m_plan.mmluShots = 2;
        m_plan.summaryTokens = 8;
        m_ready = true;
    }

    void planAndShards() {
        EvalPlan plan;
        plan.tasks = {Task::WikiText2, Task::Arc};
        plan.methods = {"full", "adaskip", "dash:some/dir/x.policy"};
        plan.ratios = {1.33, 2.0};
        const auto all = planCells(plan);
        QCOMPARE(all.size(), size_t{2 + 2 * 2 * 2});
        QCOMPARE(all[0].method, std::string("full"));
        QCOMPARE(all[2].method, std::string("adaskip"));
        QCOMPARE(all[2].ratio, 1.33);
        QCOMPARE(methodLabel(plan.methods[2]), std::string("dash:x.policy"));
        // The shards partition the cells.
        plan.shardCount = 3;
        size_t total = 0;
        for (int k = 0; k < 3; ++k) {
            plan.shardIndex = k;
            const auto mine = shardCells(plan);
            total += mine.size();
            for (size_t i = 0; i < mine.size(); ++i) {
                const EvalCell& expect = all[static_cast<size_t>(k) + 3 * i];
                QCOMPARE(mine[i].method, expect.method);
                QCOMPARE(mine[i].task, expect.task);
                QCOMPARE(mine[i].ratio, expect.ratio);
            }
        }
        QCOMPARE(total, all.size());
    }

    void latexLayout() {
        TableLayout layout;
        layout.tasks = {Task::WikiText2, Task::Arc};
        layout.methods = {"full", "skipdecode"};
        layout.ratios = {1.5, 2.0};
        std::vector<CellResult> cells(3);
        cells[0].task = Task::WikiText2;
        cells[0].method = "full";
        cells[0].metrics = {{"ppl", 12.345}, {"ppl_second_half", 11.0}};
        cells[1].task = Task::Arc;
        cells[1].method = "full";
        cells[1].metrics = {{"acc", 0.25}, {"acc_norm", 0.3}};
        cells[2].task = Task::Arc;
        cells[2].method = "skipdecode";
        cells[2].targetRatio = 2.0;
        cells[2].metrics = {{"acc", 0.2}, {"acc_norm", 0.125}};
        const std::string tex = resultsLatex(layout, cells);
        QVERIFY(tex.find("\\begin{tabular}{lcccc}") != std::string::npos);
        QVERIFY(tex.find("Method & \\multicolumn{2}{c}{1.50$\\times$} & "
                         "\\multicolumn{2}{c}{2.00$\\times$} \\\\") != std::string::npos);
        QVERIFY(tex.find("\\cmidrule(lr){2-3}\\cmidrule(lr){4-5}") != std::string::npos);
        // Full precision repeats in both groups; ARC shows acc_norm in percent.
        QVERIFY2(tex.find("Full precision & 12.35 & 30.0 & 12.35 & 30.0 \\\\") != std::string::npos,
                 tex.c_str());
        QVERIFY2(tex.find("skipdecode & -- & -- & -- & 12.5 \\\\") != std::string::npos,
                 tex.c_str());
        const std::string csv = resultsCsv(layout, cells);
        QVERIFY2(csv.find("arc,skipdecode,2.00,acc_norm,0.125000,") != std::string::npos,
                 csv.c_str());
        QCOMPARE(std::count(csv.begin(), csv.end(), '\n'), 7L); // header + 6 metrics
    }

    void resumeAfterInterruption() {
        if (!m_ready)
            DASH_REQUIRE_FILE(m_model + " and ../shared/data");
        auto model = Model::load(m_model);
        QVERIFY(model.ok());
        Engine engine(*model);

        // Uninterrupted reference.
        auto reference = runEvaluation(engine, m_model, m_plan, path("whole"));
        QVERIFY2(reference.ok(), reference.ok() ? "" : reference.error().message().c_str());
        QCOMPARE(reference->size(), planCells(m_plan).size());
        for (const CellResult& c : *reference) {
            QVERIFY(c.items > 0);
            // The processor and the kernels it ran on, as the backend names them.
            QCOMPARE(c.device,
                     engine.backend().info().device + " (" + engine.backend().info().detail + ")");
            if (c.method != "full")
                QVERIFY2(c.nominalRatio > 1.2, qPrintable(QString::fromStdString(c.method)));
        }

        // Interrupted after three cells.
        CancelToken cancel;
        EvalObserver stop;
        stop.cancel = &cancel;
        int finished = 0;
        stop.onCellFinished = [&](const CellResult&, bool, size_t, size_t) {
            if (++finished == 3)
                cancel.cancel();
        };
        auto first = runEvaluation(engine, m_model, m_plan, path("resumed"), stop);
        QVERIFY(!first.ok());
        QCOMPARE(first.error().code(), ErrorCode::Cancelled);
        auto stored = readCells(path("resumed"));
        QVERIFY(stored.ok());
        QCOMPARE(stored->size(), size_t{3});

        // Resumed: the three are read back, the others computed.
        int reused = 0, computed = 0;
        EvalObserver count;
        count.onCellFinished = [&](const CellResult&, bool wasReused, size_t, size_t) {
            (wasReused ? reused : computed) += 1;
        };
        auto second = runEvaluation(engine, m_model, m_plan, path("resumed"), count);
        QVERIFY2(second.ok(), second.ok() ? "" : second.error().message().c_str());
        QCOMPARE(reused, 3);
        QCOMPARE(computed, static_cast<int>(reference->size()) - 3);
        const auto a = byKey(*reference), b = byKey(*second);
        QCOMPARE(a.size(), b.size());
        for (const auto& [key, cell] : a) {
            QVERIFY(b.count(key));
            QCOMPARE(b.at(key).metrics, cell.metrics);
            QCOMPARE(b.at(key).nominalRatio, cell.nominalRatio);
        }

        // A third run computes nothing; a changed limit recomputes only ARC.
        reused = computed = 0;
        QVERIFY(runEvaluation(engine, m_model, m_plan, path("resumed"), count).ok());
        QCOMPARE(computed, 0);
        EvalPlan changed = m_plan;
        changed.limits[Task::Arc] = 2;
        reused = computed = 0;
        QVERIFY(runEvaluation(engine, m_model, changed, path("resumed"), count).ok());
        QCOMPARE(computed, 5); // arc: full once, two methods at two ratios
        // The folder now holds 25 cells; the plan lists the 20 of the new plan.
        auto listed = readCells(path("resumed"));
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), planCells(changed).size());
        for (const CellResult& c : *listed)
            if (c.task == Task::Arc)
                QCOMPARE(c.items, int64_t{2});
    }

    void shardsMergeToUnsharded() {
        if (!m_ready)
            DASH_REQUIRE_FILE(m_model + " and ../shared/data");
        auto model = Model::load(m_model);
        QVERIFY(model.ok());
        Engine engine(*model);
        const TableLayout layout = planLayout(m_plan);
        auto whole = runEvaluation(engine, m_model, m_plan, path("unsharded"));
        QVERIFY(whole.ok());
        std::vector<std::string> dirs;
        for (int k = 0; k < 3; ++k) {
            EvalPlan shard = m_plan;
            shard.shardIndex = k;
            shard.shardCount = 3;
            dirs.push_back(path("shard" + std::to_string(k + 1)));
            auto part = runEvaluation(engine, m_model, shard, dirs.back());
            QVERIFY2(part.ok(), part.ok() ? "" : part.error().message().c_str());
            QCOMPARE(part->size(), shardCells(shard).size());
        }
        TableLayout merged;
        auto cells = mergeShards(dirs, path("merged"), &merged);
        QVERIFY2(cells.ok(), cells.ok() ? "" : cells.error().message().c_str());
        QCOMPARE(layoutToJson(merged).dump(), layoutToJson(layout).dump());
        QCOMPARE(cells->size(), whole->size());
        const auto a = byKey(*whole), b = byKey(*cells);
        for (const auto& [key, cell] : a) {
            QVERIFY2(b.count(key), key.c_str());
            QCOMPARE(b.at(key).metrics, cell.metrics);
            QCOMPARE(b.at(key).nominalRatio, cell.nominalRatio);
            QCOMPARE(b.at(key).items, cell.items);
        }
        QCOMPARE(resultsCsv(merged, *cells), resultsCsv(layout, *whole));
        QCOMPARE(resultsLatex(merged, *cells), resultsLatex(layout, *whole));
        // The merged folder is itself a complete store.
        auto reread = readCells(path("merged"));
        QVERIFY(reread.ok());
        QCOMPARE(reread->size(), whole->size());
        // Shards of different plans are refused.
        EvalPlan other = m_plan;
        other.ratios = {1.5};
        other.tasks = {Task::Arc};
        QVERIFY(runEvaluation(engine, m_model, other, path("other")).ok());
        auto refused = mergeShards({dirs[0], path("other")}, path("merged2"), &merged);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message().find("differs") != std::string::npos);
    }

    // The speed task: a timing per cell, with the A/A control.
    void speedTask() {
        if (!m_ready)
            DASH_REQUIRE_FILE(m_model + " and ../shared/data");
        auto model = Model::load(m_model);
        QVERIFY(model.ok());
        Engine engine(*model);
        EvalPlan plan = m_plan;
        plan.tasks = {Task::Speed};
        plan.methods = {"full", "random"};
        plan.ratios = {2.0};
        plan.speedRounds = 1;
        auto cells = runEvaluation(engine, m_model, plan, path("speed"));
        QVERIFY2(cells.ok(), cells.ok() ? "" : cells.error().message().c_str());
        QCOMPARE(cells->size(), size_t{2});
        for (const CellResult& c : *cells) {
            QVERIFY(c.metrics.at("speedup") > 0);
            QVERIFY(c.metrics.at("aa_control") > 0);
            QVERIFY(c.metrics.at("full_tok_per_s") > 0);
            QCOMPARE(c.items, int64_t{1}); // rounds
        }
        QCOMPARE(cells->at(0).nominalRatio, 1.0);
        QVERIFY(cells->at(1).nominalRatio > 1.5); // random skipping at 2x while decoding
        const std::string tex = resultsLatex(planLayout(plan), *cells);
        QVERIFY(tex.find("& Speedup \\\\") != std::string::npos);
    }

    void cli() {
        if (!m_ready)
            DASH_REQUIRE_FILE(m_model + " and ../shared/data");
        test::CliOptions o;
        o.scratchDir = m_dir.path().toStdString();
        o.timeoutMs = 300000;
        const std::vector<std::string> base = {"eval",
                                               "--model",
                                               m_model,
                                               "--tasks",
                                               "arc,wikitext2",
                                               "--methods",
                                               "full,random",
                                               "--ratios",
                                               "2.0",
                                               "--limit",
                                               "arc=2,wikitext2=1",
                                               "--arc",
                                               path("arc.jsonl"),
                                               "--wikitext",
                                               path("wiki.raw"),
                                               "--tune-file",
                                               path("tune.txt"),
                                               "--tune-windows",
                                               "2",
                                               "--threads",
                                               "2"};
        auto withOut = [&](std::vector<std::string> args, const std::string& out) {
            args.push_back("--out");
            args.push_back(out);
            return args;
        };
        auto r = test::runCliForked(withOut(base, path("cli")), o);
        QVERIFY2(r.exited && r.code == 0, (r.status() + ": " + r.err).c_str());
        QVERIFY(r.out.find("\\begin{tabular}") != std::string::npos);
        QVERIFY(r.err.find("ETA") != std::string::npos);
        for (const char* f :
             {"results.csv", "results.json", "table1.tex", "plan.json", "runs.sqlite"})
            QVERIFY2(std::filesystem::exists(path(std::string("cli/") + f)), f);
        QCOMPARE(slurp(path("cli/table1.tex")), r.out);
        auto again = test::runCliForked(withOut(base, path("cli")), o);
        QVERIFY(again.exited && again.code == 0);
        QVERIFY(again.err.find("not recomputed") != std::string::npos);
        QVERIFY(again.err.find(" ...") == std::string::npos); // no cell started

        // Shards through the command line, merged.
        for (const char* shard : {"1/2", "2/2"}) {
            auto args = withOut(base, path(std::string("cli-shard") + shard[0]));
            args.push_back("--shard");
            args.push_back(shard);
            auto s = test::runCliForked(args, o);
            QVERIFY2(s.exited && s.code == 0, (s.status() + ": " + s.err).c_str());
        }
        auto merged = test::runCliForked({"eval", "--merge", "--out", path("cli-merged"),
                                          path("cli-shard1"), path("cli-shard2")},
                                         o);
        QVERIFY2(merged.exited && merged.code == 0, (merged.status() + ": " + merged.err).c_str());
        QCOMPARE(merged.out, r.out);
        QCOMPARE(slurp(path("cli-merged/results.csv")), slurp(path("cli/results.csv")));

        // Bad options: one line naming the option, non-zero exit.
        const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
            {{"--shard", "3/2"}, "--shard"},
            {{"--shard", "0/2"}, "--shard"},
            {{"--methods", "dash"}, "dash:FILE"},
            {{"--methods", "dash:"}, "dash:FILE"},
            {{"--tasks", "squad"}, "unknown task 'squad'"},
            {{"--limit", "arc=-1"}, "--limit"},
            {{"--ratios", "0.5"}, "--ratios"},
            {{"--db", path("x.sqlite"), "--no-db"}, "--db and --no-db"},
            {{"--figure-ratio", "2.0"}, "need --figures"},
            {{"--figures", "--figure-method", "adaskip"}, "figure method 'adaskip'"},
            {{"--figures", "--figure-ratio", "1.5"}, "figure ratio"},
            {{"--ablation", "speed=random"}, "--ablation: unknown row 'speed'"},
            {{"--ablation", "dynamic=dash:x.policy@dynamic"}, "not a method of the evaluation"},
        };
        for (const auto& [extra, expect] : bad) {
            auto args = withOut(base, path("cli-bad"));
            args.insert(args.end(), extra.begin(), extra.end());
            auto b = test::runCliForked(args, o);
            QVERIFY2(b.exited && b.code != 0, (extra[0] + " " + extra[1]).c_str());
            QVERIFY2(b.err.find(expect) != std::string::npos, b.err.c_str());
        }
        // Ctrl-C after the first cell: exit 130, the finished cells kept; the
        // same command then reads them back and computes the rest.
        {
            auto args = base;
            *(std::find(args.begin(), args.end(), "--limit") + 1) = "arc=12,wikitext2=1";
            *(std::find(args.begin(), args.end(), "--arc") + 1) =
                test::dataPath("arc/ARC-Challenge-Test.jsonl");
            args = withOut(args, path("cli-int"));
            test::CliProcess p(args, o, path("cli-int-run"));
            QVERIFY(p.start());
            while (!p.poll() && p.errorSoFar().find(": acc_norm") == std::string::npos)
                QTest::qWait(20);
            p.signal(SIGINT);
            while (!p.poll())
                QTest::qWait(20);
            QVERIFY2(p.result().exited && p.result().code == 130,
                     (p.result().status() + ": " + p.result().err).c_str());
            QVERIFY(p.result().err.find("interrupted") != std::string::npos);
            const auto stored = readCells(path("cli-int"));
            QVERIFY(stored.ok());
            QVERIFY(!stored->empty() && stored->size() < 4); // of 4 cells
            auto resumed = test::runCliForked(args, o);
            QVERIFY2(resumed.exited && resumed.code == 0, resumed.err.c_str());
            size_t reread = 0;
            for (size_t at = 0; (at = resumed.err.find("not recomputed", at)) != std::string::npos;
                 ++at)
                ++reread;
            QCOMPARE(reread, stored->size());
        }
        auto noDirs = test::runCliForked({"eval", "--merge", "--out", path("m")}, o);
        QVERIFY(noDirs.exited && noDirs.code != 0);
        auto missing = test::runCliForked(
            withOut({"eval", "--model", m_model, "--tasks", "arc", "--arc", path("absent.jsonl")},
                    path("cli-missing")),
            o);
        QVERIFY(missing.exited && missing.code != 0);
        QVERIFY2(missing.err.find("absent.jsonl") != std::string::npos, missing.err.c_str());
    }
};

QTEST_GUILESS_MAIN(TestEvalRun)
#include "tst_eval_run.moc"
