// SPDX-License-Identifier: MIT
// What an evaluation writes besides Table 1: the Table 3 ablation (its rows,
// their methods and the DASH variants they read), the copy of every cell in
// the run store, and the figures' data. The tables are checked on hand-made
// cells; the variants, the store and the figures on the demo model with a
// DASH policy file made here (a random scorer over a real calibration).
#include "test_support.h"

#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/policy_file.h"
#include "core/engine/engine.h"
#include "core/engine/trace_json.h"
#include "core/eval/eval_ablation.h"
#include "core/eval/eval_figures.h"
#include "core/eval/eval_store.h"
#include "core/eval/eval_tables.h"
#include "core/model/model.h"
#include "core/util/sha256.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace dash;
using namespace dash::eval;

using test::headLines;
using test::slurp;
using test::spit;

namespace {

CellResult makeCell(Task task, const std::string& method, double ratio,
                    std::map<std::string, double> metrics) {
    CellResult c;
    c.task = task;
    c.method = method;
    c.targetRatio = ratio;
    c.metrics = std::move(metrics);
    return c;
}

int64_t countRuns(const std::string& db) {
    auto store = RunStore::open(db, RunStore::OpenMode::ReadOnly);
    if (!store.ok())
        return -1;
    auto runs = store->list();
    return runs.ok() ? static_cast<int64_t>(runs->size()) : -1;
}

} // namespace

class TestEvalOutputs : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string path(const std::string& name) {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }

private slots:
    void dashMethods() {
        auto m = parseDashMethod("dash:dir/x.policy@int8");
        QVERIFY(m.has_value());
        QCOMPARE(m->file, std::string("dir/x.policy"));
        QVERIFY(m->variant == DashVariant::Int8);
        m = parseDashMethod("dash:x.policy");
        QVERIFY(m && m->variant == DashVariant::AsTrained && m->file == "x.policy");
        // An '@' that names no variant is part of the file name.
        m = parseDashMethod("dash:run@2/x.policy");
        QVERIFY(m && m->variant == DashVariant::AsTrained && m->file == "run@2/x.policy");
        m = parseDashMethod("dash:x.policy@int4int8");
        QVERIFY(m && m->variant == DashVariant::Int4Int8 && m->file == "x.policy");
        QVERIFY(!parseDashMethod("static").has_value());
        QCOMPARE(methodLabel("dash:dir/x.policy@dynamic"), std::string("dash:x.policy@dynamic"));
    }

    void ablationMap() {
        TableLayout layout;
        layout.tasks = {Task::WikiText2, Task::Arc};
        layout.methods = {"full",           "static",       "dash:p@int4int8", "dash:p@dynamic",
                          "dash:q@dynamic", "dash:p@scale", "skipdecode"};
        layout.ratios = {1.33, 2.0};
        AblationMap map = defaultAblationMap(layout);
        QVERIFY(map.task == Task::Arc); // no MMLU in the layout
        QCOMPARE(map.methods[0], std::string("static"));
        QCOMPARE(map.methods[1], std::string("dash:p@dynamic")); // the first @dynamic
        QCOMPARE(map.methods[2], std::string("dash:p@scale"));
        QCOMPARE(map.methods[3], std::string());
        QCOMPARE(map.methods[4], std::string("dash:p@int4int8"));
        auto given =
            parseAblationMap("dynamic=dash:q@dynamic,int8=skipdecode,task=wikitext2", layout);
        QVERIFY2(given.ok(), given.ok() ? "" : given.error().message().c_str());
        QCOMPARE(given->methods[1], std::string("dash:q@dynamic"));
        QCOMPARE(given->methods[3], std::string("skipdecode"));
        QCOMPARE(given->methods[0], std::string("static")); // kept from the default
        QVERIFY(given->task == Task::WikiText2);
        for (const char* bad : {"dynamic=dash:r@dynamic", "speed=static", "task=mmlu", "static"}) {
            auto refused = parseAblationMap(bad, layout);
            QVERIFY2(!refused.ok(), bad);
            QVERIFY2(refused.error().message().find("--ablation") != std::string::npos,
                     refused.error().message().c_str());
        }
        layout.methods = {"full", "skipdecode"};
        QVERIFY(defaultAblationMap(layout).empty());
    }

    void ablationTables() {
        TableLayout layout;
        layout.tasks = {Task::Mmlu, Task::WikiText2};
        layout.methods = {"full",         "static",      "dash:p@dynamic",
                          "dash:p@scale", "dash:p@int8", "dash:p@int4int8"};
        layout.ratios = {1.33, 1.67, 2.0};
        std::vector<CellResult> cells = {
            makeCell(Task::Mmlu, "full", 1.0, {{"acc", 0.7018}, {"acc_norm", 0.1}}),
            makeCell(Task::WikiText2, "full", 1.0, {{"ppl", 9.5}}),
            makeCell(Task::Mmlu, "static", 1.33, {{"acc", 0.431}}),
            makeCell(Task::Mmlu, "static", 2.0, {{"acc", 0.252}}),
            makeCell(Task::Mmlu, "dash:p@dynamic", 1.67, {{"acc", 0.387}}),
            makeCell(Task::Mmlu, "dash:p@scale", 1.33, {{"acc", 0.643}}),
            makeCell(Task::Mmlu, "dash:p@int8", 2.0, {{"acc", 0.592}}),
            // Another task's cell never lands in the MMLU table.
            makeCell(Task::WikiText2, "dash:p@int4int8", 1.33, {{"ppl", 12.0}}),
        };
        const AblationMap map = defaultAblationMap(layout);
        QVERIFY(map.task == Task::Mmlu);
        const std::string tex = ablationLatex(layout, cells, map);
        const std::string expected = "% Table 3 on mmlu (acc); origin: full; 1: static; 2: "
                                     "dash:p@dynamic; 3: dash:p@scale; 4: dash:p@int8; 5: "
                                     "dash:p@int4int8\n"
                                     "\\begin{tabular}{lccc}\n"
                                     "\\toprule\n"
                                     "Method & 1.33$\\times$ & 1.67$\\times$ & 2.00$\\times$ \\\\\n"
                                     "\\midrule\n"
                                     "Origin (MMLU Acc(\\%)) & 70.2 &  &  \\\\\n"
                                     "1. Naive static skipping & 43.1 & -- & 25.2 \\\\\n"
                                     "2. Dynamic decision skipping & -- & 38.7 & -- \\\\\n"
                                     "3. (2) + scale compensation & 64.3 & -- & -- \\\\\n"
                                     "4. (3) + INT8 compensation & -- & -- & 59.2 \\\\\n"
                                     "5. (3) + INT4/INT8 compensation & -- & -- & -- \\\\\n"
                                     "\\bottomrule\n"
                                     "\\end{tabular}\n";
        QCOMPARE(tex, expected);
        const std::string csv = ablationCsv(layout, cells, map);
        QVERIFY2(csv.rfind("row,method,target_ratio,task,metric,value\n"
                           "Origin,full,1.00,mmlu,acc,0.701800\n",
                           0) == 0,
                 csv.c_str());
        QVERIFY(csv.find("Naive static skipping,static,2.00,mmlu,acc,0.252000\n") !=
                std::string::npos);
        QVERIFY(csv.find("Dynamic decision skipping,dash:p@dynamic,1.33,mmlu,acc,\n") !=
                std::string::npos);
        QCOMPARE(std::count(csv.begin(), csv.end(), '\n'), 1L + 1 + 5 * 3);
        // Perplexity is shown as is when the ablation reads WikiText-2.
        auto ppl = parseAblationMap("task=wikitext2", layout);
        QVERIFY(ppl.ok());
        QVERIFY(ablationLatex(layout, cells, *ppl)
                    .find("5. (3) + INT4/INT8 compensation & 12.00 & -- & -- \\\\") !=
                std::string::npos);
        std::filesystem::create_directories(path("t3"));
        QVERIFY(writeAblationTables(path("t3"), layout, cells, map).ok());
        QCOMPARE(slurp(path("t3/table3.tex")), tex);
        QCOMPARE(slurp(path("t3/table3.csv")), csv);
    }

    void storeRecords() {
        CellResult c = makeCell(Task::WikiText2, "dash:p@scale", 1.5,
                                {{"ppl", 11.25}, {"ppl_second_half", 10.5}});
        c.config = Json::object();
        c.config.set("task", "wikitext2");
        Json model = Json::object();
        model.set("file", "demo.gguf");
        model.set("bytes", int64_t{1234});
        c.config.set("model", model);
        c.config.set("kv_mode", "project");
        c.key = sha256Hex(c.config.dump()).substr(0, 16);
        c.nominalRatio = 1.48;
        c.items = 3;
        c.device = "Some CPU (avx2 kernels, 2 threads)";
        const RunRecord run = cellRunRecord(c, "ab12");
        QCOMPARE(run.environment.deviceName, c.device);
        QCOMPARE(run.label, "eval wikitext2 dash:p@scale @ 1.50x [" + c.key + "]");
        QCOMPARE(run.policy.kind, std::string("dash:p@scale"));
        QCOMPARE(run.model.path, std::string("demo.gguf"));
        QCOMPARE(run.model.sizeBytes, int64_t{1234});
        QVERIFY(run.metrics.perplexity && *run.metrics.perplexity == 11.25);
        QCOMPARE(run.metrics.nominalRatio, 1.48);
        auto back = cellFromRun(run);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message().c_str());
        QCOMPARE(back->metrics, c.metrics);
        QCOMPARE(back->key, c.key);
        QCOMPARE(back->device, c.device);
        // Cells written before the device was kept still read, without one.
        Json::Object fields = cellToJson(c).asObject();
        QCOMPARE(std::erase_if(fields, [](const auto& f) { return f.first == "device"; }),
                 size_t{1});
        auto older = cellFromJson(Json(fields));
        QVERIFY2(older.ok(), older.ok() ? "" : older.error().message().c_str());
        QVERIFY(older->device.empty());

        // Saved once, whatever the number of saves and reopenings.
        const std::string db = path("store/runs.sqlite");
        {
            auto store = EvalStore::open(db);
            QVERIFY2(store.ok(), store.ok() ? "" : store.error().message().c_str());
            auto saved = store->save(c, "ab12");
            QVERIFY(saved.ok() && *saved);
            saved = store->save(c, "ab12");
            QVERIFY(saved.ok() && !*saved);
        }
        {
            auto store = EvalStore::open(db);
            QVERIFY(store.ok());
            QVERIFY(store->holds(c.key));
            auto saved = store->save(c, "ab12");
            QVERIFY(saved.ok() && !*saved);
        }
        QCOMPARE(countRuns(db), int64_t{1});
        auto store = RunStore::open(db, RunStore::OpenMode::ReadOnly);
        QVERIFY(store.ok());
        auto runs = store->list();
        QVERIFY(runs.ok() && runs->size() == 1);
        auto loaded = store->load(runs->front().id);
        QVERIFY(loaded.ok());
        auto cell = cellFromRun(*loaded);
        QVERIFY(cell.ok());
        QCOMPARE(cell->metrics, c.metrics);
        QCOMPARE(cell->config.dump(), c.config.dump());
        // A run that holds no cell is refused with its id.
        RunRecord other;
        other.id = 7;
        QVERIFY(!cellFromRun(other).ok());
        QVERIFY(cellFromRun(other).error().message().find("run 7") != std::string::npos);
    }

    // The variants, the store and the figures on the demo model.
    void demoModel() {
        const std::string modelPath = test::modelPath("dash-demo-16L.gguf");
        DASH_REQUIRE_FILE(modelPath);
        DASH_REQUIRE_FILE(test::dataPath("arc/ARC-Challenge-Test.jsonl"));
        DASH_REQUIRE_FILE(test::dataPath("wikitext2_valid.txt"));
        spit(path("demo/wiki.raw"), slurp(test::dataPath("wikitext2_test.raw")).substr(0, 20000));
        spit(path("demo/tune.txt"), slurp(test::dataPath("wikitext2_valid.txt")).substr(0, 20000));
        spit(path("demo/arc.jsonl"), headLines(test::dataPath("arc/ARC-Challenge-Test.jsonl"), 3));
        auto model = Model::load(modelPath);
        QVERIFY(model.ok());
        Engine engine(*model);
        const ModelConfig& mc = (*model)->config();

        // A DASH policy file: a random scorer (biased towards skipping by
        // the tuned knob) over a calibration of the demo model.
        const std::vector<int32_t> ids =
            (*model)->tokenizer().encode(slurp(path("demo/tune.txt")), true, false);
        CalibrationOptions co;
        co.sequences = 2;
        co.sequenceLength = 64;
        auto calibration = calibrate(engine, ids, co);
        QVERIFY2(calibration.ok(), calibration.ok() ? "" : calibration.error().message().c_str());
        calibration->modelSha256 = (*model)->sha256();
        QVERIFY(saveCalibration(path("demo/calibration.json"), *calibration).ok());
        ScoringModel scorer(ScorerShape{mc.dim, mc.layers, 8, 32}, 0.1f);
        scorer.initialize(3);
        DashPolicy dash(std::make_shared<const ScoringModel>(std::move(scorer)), *calibration, 32);
        QVERIFY(savePolicyFile(path("demo/p.policy"), dash, **model).ok());

        // The variants restrict the states and the compensation.
        {
            dash.setKnob(1.25);
            auto dyn = applyDashVariant(dash, DashVariant::Dynamic);
            QVERIFY(dyn.ok());
            const auto& d = dynamic_cast<const DashPolicy&>(**dyn);
            QVERIFY(!d.runtime().allowInt4 && !d.runtime().allowInt8);
            QVERIFY(d.calibration().compensation().alpha.empty());
            QCOMPARE(d.knob(), 1.25);
            auto scale = applyDashVariant(dash, DashVariant::Scale);
            QVERIFY(scale.ok());
            const auto& s = dynamic_cast<const DashPolicy&>(**scale);
            QVERIFY(!s.runtime().allowInt4 && !s.runtime().allowInt8);
            QCOMPARE(s.calibration().compensation().alpha.size(), static_cast<size_t>(mc.layers));
            auto int8 = applyDashVariant(dash, DashVariant::Int8);
            QVERIFY(int8.ok());
            QCOMPARE(dynamic_cast<const DashPolicy&>(**int8).variantName(),
                     std::string("dash-skip-int8"));
            auto all = applyDashVariant(dash, DashVariant::Int4Int8);
            QCOMPARE(dynamic_cast<const DashPolicy&>(**all).variantName(), std::string("dash"));
            auto baseline = makeBaseline(PolicyKind::SkipDecode, **model, nullptr);
            QVERIFY(baseline.ok());
            QVERIFY(!applyDashVariant(**baseline, DashVariant::Scale).ok());
        }

        EvalPlan plan;
        plan.tasks = {Task::Arc, Task::WikiText2};
        const std::string file = "dash:" + path("demo/p.policy");
        plan.methods = {"full",          "static",       file + "@dynamic",
                        file + "@scale", file + "@int8", file + "@int4int8"};
        plan.ratios = {1.5};
        plan.limits = {{Task::Arc, 2}, {Task::WikiText2, 1}};
        plan.files.wikitext = path("demo/wiki.raw");
        plan.files.arc = path("demo/arc.jsonl");
        plan.tuneTextPath = path("demo/tune.txt");
        plan.tuneWindows = 2;
        plan.calibrationPath = path("demo/calibration.json");
        plan.storePath = path("demo/out/runs.sqlite");
        auto cells = runEvaluation(engine, modelPath, plan, path("demo/out"));
        QVERIFY2(cells.ok(), cells.ok() ? "" : cells.error().message().c_str());
        QCOMPARE(cells->size(), size_t{12});

        // Every cell in the store, once; resuming adds none; a store deleted
        // is filled again from the cell files, which computes nothing.
        QCOMPARE(countRuns(plan.storePath), int64_t{12});
        int computed = 0;
        EvalObserver count;
        count.onCellFinished = [&](const CellResult&, bool reused, size_t, size_t) {
            computed += reused ? 0 : 1;
        };
        QVERIFY(runEvaluation(engine, modelPath, plan, path("demo/out"), count).ok());
        QCOMPARE(computed, 0);
        QCOMPARE(countRuns(plan.storePath), int64_t{12});
        std::filesystem::remove(plan.storePath);
        std::filesystem::remove(plan.storePath + "-wal");
        std::filesystem::remove(plan.storePath + "-shm");
        QVERIFY(runEvaluation(engine, modelPath, plan, path("demo/out"), count).ok());
        QCOMPARE(computed, 0);
        QCOMPARE(countRuns(plan.storePath), int64_t{12});
        {
            auto store = RunStore::open(plan.storePath, RunStore::OpenMode::ReadOnly);
            QVERIFY(store.ok());
            auto runs = store->list();
            QVERIFY(runs.ok());
            std::set<std::string> keys;
            for (const RunSummary& s : *runs) {
                auto run = store->load(s.id);
                QVERIFY(run.ok());
                auto cell = cellFromRun(*run);
                QVERIFY(cell.ok());
                keys.insert(cell->key);
                QCOMPARE(run->model.sha256, (*model)->sha256());
            }
            std::set<std::string> expected;
            for (const CellResult& c : *cells)
                expected.insert(c.key);
            QCOMPARE(keys, expected);
        }

        // Table 3 from these cells: every row filled, each the ARC acc of
        // the method its row names.
        const TableLayout layout = planLayout(plan);
        const AblationMap map = defaultAblationMap(layout);
        QVERIFY(map.task == Task::Arc);
        QCOMPARE(map.methods[1], std::string("dash:p.policy@dynamic"));
        const std::string csv = ablationCsv(layout, *cells, map);
        for (size_t row = 0; row < kAblationRows; ++row) {
            const CellResult* c = nullptr;
            for (const CellResult& x : *cells)
                if (x.task == Task::Arc && x.method == map.methods[row])
                    c = &x;
            QVERIFY(c);
            char line[160];
            std::snprintf(line, sizeof line, "%s,%s,1.50,arc,acc_norm,%.6f\n", ablationRowName(row),
                          map.methods[row].c_str(), c->metrics.at("acc_norm"));
            QVERIFY2(csv.find(line) != std::string::npos, line);
            QVERIFY2(c->nominalRatio > 1.2, map.methods[row].c_str());
        }

        // The figures: full precision everywhere in Fig. 1; Fig. 4 only in
        // the states its variant allows, with a decision in every cell.
        for (DashVariant v : {DashVariant::Scale, DashVariant::Int8}) {
            FigureDataOptions fo;
            fo.method = file + "@" + dashVariantName(v);
            fo.sampleTokens = 24;
            const std::string out = path(std::string("demo/fig-") + dashVariantName(v));
            auto written = writeFigureData(engine, plan, *cells, out, fo);
            QVERIFY2(written.ok(), written.ok() ? "" : written.error().message().c_str());
            QCOMPARE(written->size(), size_t{3});
            auto full = readJsonFile(written->at(0));
            QVERIFY(full.ok());
            auto fullTrace = traceFromJson(*full);
            QVERIFY(fullTrace.ok());
            QCOMPARE(fullTrace->tokenCount(), 24);
            QCOMPARE(fullTrace->layers, mc.layers);
            for (uint8_t s : fullTrace->states)
                QCOMPARE(static_cast<int>(s), static_cast<int>(LayerState::Full));
            auto skipped = traceFromJson(*readJsonFile(written->at(1)));
            QVERIFY(skipped.ok());
            std::set<int> seen;
            for (uint8_t s : skipped->states)
                seen.insert(s);
            std::set<int> allowed = {int(LayerState::Skip), int(LayerState::Full)};
            if (v == DashVariant::Int8)
                allowed.insert(int(LayerState::Int8));
            for (int s : seen)
                QVERIFY2(allowed.count(s), qPrintable(QString::number(s)));
            QVERIFY(seen.count(int(LayerState::Skip)));
            // The CSV: one line per cell, its state that of the trace.
            const std::string table = slurp(written->at(2));
            QCOMPARE(std::count(table.begin(), table.end(), '\n'), 1L + 24 * mc.layers);
            char line[64];
            std::snprintf(line, sizeof line, "\n5,3,%d,",
                          int(skipped->states[skipped->cell(5, 3)]));
            QVERIFY(table.find(line) != std::string::npos);
        }
        // A figure method outside the plan, or a ratio it did not run.
        FigureDataOptions bad;
        bad.method = "adaskip";
        QVERIFY(!figureCell(plan, bad).ok());
        bad.method.clear();
        bad.ratio = 2.0;
        QVERIFY(!figureCell(plan, bad).ok());
        bad.ratio = 0;
        auto chosen = figureCell(plan, bad);
        QVERIFY(chosen.ok());
        QCOMPARE(chosen->method, file + "@dynamic"); // the first DASH method
        QCOMPARE(chosen->ratio, 1.5);
    }
};

QTEST_GUILESS_MAIN(TestEvalOutputs)
#include "tst_eval_outputs.moc"
