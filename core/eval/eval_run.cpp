// SPDX-License-Identifier: MIT
#include "core/eval/eval_run.h"

#include "core/dash/evaluation.h"
#include "core/dash/policy_spec.h"
#include "core/eval/eval_ablation.h"
#include "core/eval/eval_store.h"
#include "core/eval/rouge.h"
#include "core/eval/scoring.h"
#include "core/model/tokenizer.h"
#include "core/util/clock.h"
#include "core/util/input_file.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

namespace dash::eval {

namespace fs = std::filesystem;

const char* taskName(Task task) {
    switch (task) {
    case Task::WikiText2:
        return "wikitext2";
    case Task::CnnDm:
        return "cnndm";
    case Task::Mmlu:
        return "mmlu";
    case Task::Arc:
        return "arc";
    case Task::Speed:
        return "speed";
    }
    return "?";
}

Expected<Task> parseTask(const std::string& text) {
    for (Task t : {Task::WikiText2, Task::CnnDm, Task::Mmlu, Task::Arc, Task::Speed})
        if (text == taskName(t))
            return t;
    return invalidError("unknown task '" + text + "' (wikitext2, cnndm, mmlu, arc, speed)");
}

const char* primaryMetric(Task task) {
    switch (task) {
    case Task::WikiText2:
        return "ppl";
    case Task::CnnDm:
        return "rouge_l";
    case Task::Mmlu:
        return "acc";
    case Task::Arc:
        return "acc_norm";
    case Task::Speed:
        return "speedup";
    }
    return "?";
}

std::vector<EvalCell> planCells(const EvalPlan& plan) {
    std::vector<EvalCell> cells;
    const bool full =
        std::find(plan.methods.begin(), plan.methods.end(), "full") != plan.methods.end();
    if (full)
        for (Task t : plan.tasks)
            cells.push_back({t, "full", 1.0});
    for (double r : plan.ratios)
        for (const std::string& m : plan.methods)
            if (m != "full")
                for (Task t : plan.tasks)
                    cells.push_back({t, m, r});
    return cells;
}

std::vector<EvalCell> shardCells(const EvalPlan& plan) {
    std::vector<EvalCell> all = planCells(plan), mine;
    const int n = std::max(1, plan.shardCount);
    for (size_t i = 0; i < all.size(); ++i)
        if (static_cast<int>(i % static_cast<size_t>(n)) == plan.shardIndex)
            mine.push_back(all[i]);
    return mine;
}

std::string methodLabel(const std::string& method) {
    if (method.rfind("dash:", 0) == 0)
        return "dash:" + fs::path(method.substr(5)).filename().string();
    return method;
}

Json cellToJson(const CellResult& c) {
    Json j = Json::object();
    j.set("key", c.key);
    j.set("task", taskName(c.task));
    j.set("method", c.method);
    j.set("target_ratio", c.targetRatio);
    Json metrics = Json::object();
    for (const auto& [name, value] : c.metrics)
        metrics.set(name, value);
    j.set("metrics", std::move(metrics));
    j.set("nominal_ratio", c.nominalRatio);
    j.set("knob", c.knob);
    j.set("held_out_ratio", c.heldOutRatio);
    j.set("items", c.items);
    j.set("truncated", c.truncated);
    j.set("seconds", c.seconds);
    j.set("device", c.device);
    j.set("config", c.config);
    return j;
}

Expected<CellResult> cellFromJson(const Json& j) {
    if (!j.isObject())
        return invalidError("a cell must be a JSON object");
    CellResult c;
    DASH_ASSIGN_OR_RETURN(c.key, j.string("key"));
    DASH_ASSIGN_OR_RETURN(std::string task, j.string("task"));
    DASH_ASSIGN_OR_RETURN(c.task, parseTask(task));
    DASH_ASSIGN_OR_RETURN(c.method, j.string("method"));
    DASH_ASSIGN_OR_RETURN(c.targetRatio, j.number("target_ratio"));
    DASH_ASSIGN_OR_RETURN(const Json* metrics, j.member("metrics", Json::Type::Object));
    for (const auto& [name, value] : metrics->asObject()) {
        if (!value.isNumber())
            return invalidError("metric '" + name + "' is not a number");
        c.metrics[name] = value.asNumber();
    }
    DASH_ASSIGN_OR_RETURN(c.nominalRatio, j.number("nominal_ratio"));
    DASH_ASSIGN_OR_RETURN(c.knob, j.number("knob"));
    DASH_ASSIGN_OR_RETURN(c.heldOutRatio, j.number("held_out_ratio"));
    DASH_ASSIGN_OR_RETURN(c.items, j.integer("items", 0, int64_t{1} << 40));
    DASH_ASSIGN_OR_RETURN(c.truncated, j.integer("truncated", 0, int64_t{1} << 40));
    DASH_ASSIGN_OR_RETURN(c.seconds, j.number("seconds"));
    if (const Json* device = j.find("device")) {
        if (!device->isString())
            return invalidError("'device' is not a string");
        c.device = device->asString();
    }
    DASH_ASSIGN_OR_RETURN(const Json* config, j.member("config", Json::Type::Object));
    c.config = *config;
    if (sha256Hex(c.config.dump()).substr(0, 16) != c.key)
        return invalidError("the cell's key does not match its configuration");
    return c;
}

TableLayout planLayout(const EvalPlan& plan) {
    TableLayout l;
    l.tasks = plan.tasks;
    for (const std::string& m : plan.methods)
        l.methods.push_back(methodLabel(m));
    l.ratios = plan.ratios;
    return l;
}

Json layoutToJson(const TableLayout& layout) {
    Json j = Json::object();
    std::vector<std::string> tasks;
    for (Task t : layout.tasks)
        tasks.push_back(taskName(t));
    j.set("tasks", Json::array(tasks));
    j.set("methods", Json::array(layout.methods));
    j.set("ratios", Json::array(layout.ratios));
    return j;
}

Expected<TableLayout> layoutFromJson(const Json& j) {
    TableLayout l;
    if (!j.isObject())
        return invalidError("the plan must be a JSON object");
    DASH_ASSIGN_OR_RETURN(const Json* tasks, j.member("tasks", Json::Type::Array));
    DASH_ASSIGN_OR_RETURN(const Json* methods, j.member("methods", Json::Type::Array));
    DASH_ASSIGN_OR_RETURN(const Json* ratios, j.member("ratios", Json::Type::Array));
    for (const Json& t : tasks->asArray()) {
        if (!t.isString())
            return invalidError("plan: a task is not a string");
        DASH_ASSIGN_OR_RETURN(Task task, parseTask(t.asString()));
        l.tasks.push_back(task);
    }
    for (const Json& m : methods->asArray()) {
        if (!m.isString())
            return invalidError("plan: a method is not a string");
        l.methods.push_back(m.asString());
    }
    for (const Json& r : ratios->asArray()) {
        if (!r.isNumber())
            return invalidError("plan: a ratio is not a number");
        l.ratios.push_back(r.asNumber());
    }
    return l;
}

Expected<TableLayout> readLayout(const std::string& dir) {
    const std::string path = (fs::path(dir) / "plan.json").string();
    DASH_ASSIGN_OR_RETURN(Json j, readJsonFile(path));
    const Json* layout = j.find("layout");
    if (!layout)
        return invalidError(path + ": no 'layout'");
    auto l = layoutFromJson(*layout);
    if (!l.ok())
        return invalidError(path + ": " + l.error().message());
    return l;
}

Expected<std::vector<CellResult>> readCells(const std::string& dir) {
    const fs::path cellsDir = fs::path(dir) / "cells";
    const std::string planPath = (fs::path(dir) / "plan.json").string();
    DASH_ASSIGN_OR_RETURN(Json plan, readJsonFile(planPath));
    const Json* keys = plan.find("cells");
    if (!keys || !keys->isArray())
        return invalidError(planPath + ": no 'cells' list");
    std::vector<CellResult> cells;
    for (const Json& key : keys->asArray()) {
        if (!key.isString() || key.asString().size() != 16 ||
            key.asString().find_first_not_of("0123456789abcdef") != std::string::npos)
            return invalidError(planPath + ": 'cells' holds something other than cell keys");
        const std::string f = (cellsDir / (key.asString() + ".json")).string();
        DASH_ASSIGN_OR_RETURN(Json j, readJsonFile(f));
        auto c = cellFromJson(j);
        if (!c.ok())
            return invalidError(f + ": " + c.error().message());
        if (c->key != key.asString())
            return invalidError(f + ": holds cell " + c->key);
        cells.push_back(std::move(*c));
    }
    return cells;
}

namespace {

std::string cellPath(const std::string& outDir, const std::string& key) {
    return (fs::path(outDir) / "cells" / (key + ".json")).string();
}

// The results of two cells, timing aside (speed cells are timings).
bool sameResults(const CellResult& a, const CellResult& b) {
    if (a.task == Task::Speed)
        return true;
    return a.metrics == b.metrics && a.nominalRatio == b.nominalRatio && a.knob == b.knob &&
           a.items == b.items && a.truncated == b.truncated;
}

// Indices floor(i * size / n), i < n: n items spread over the file.
template <class T>
std::vector<const T*> spreadItems(const std::vector<T>& all, int64_t limit) {
    std::vector<const T*> out;
    const auto size = static_cast<int64_t>(all.size());
    const int64_t n = limit > 0 ? std::min(limit, size) : size;
    for (int64_t i = 0; i < n; ++i)
        out.push_back(&all[static_cast<size_t>(i * size / n)]);
    return out;
}

// Data of the tasks, read once on first use, with the hash that goes into
// every cell's configuration.
struct TaskData {
    std::optional<std::vector<int32_t>> wikitextIds;
    std::optional<SummaryDataset> cnndm;
    std::optional<ChoiceDataset> mmluTest;
    std::map<std::string, std::vector<ChoiceQuestion>> mmluDev; // by subject
    std::optional<ChoiceDataset> arc;
    std::map<Task, std::string> hash;
};

void noteSkipped(const EvalObserver& observer, const ReadReport& report, const std::string& what) {
    if (!observer.onNote || report.skipped.empty())
        return;
    observer.onNote(what + ": " + std::to_string(report.skipped.size()) + " of " +
                    std::to_string(report.rows) +
                    " rows malformed and left out; the first: " + report.skipped.front().text());
}

Expected<std::string> directoryHash(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".csv")
            files.push_back(e.path().string());
    if (ec)
        return ioError(dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::string all;
    for (const std::string& f : files) {
        DASH_ASSIGN_OR_RETURN(std::string h, sha256File(f));
        all += fs::relative(f, dir).string() + " " + h + "\n";
    }
    return sha256Hex(all);
}

Status loadTask(Task task, const EvalPlan& plan, const Tokenizer& tokenizer, TaskData& data,
                const EvalObserver& observer) {
    if (data.hash.count(task))
        return {};
    const TaskFiles& f = plan.files;
    auto need = [](const std::string& path, const char* option) -> Status {
        if (path.empty())
            return invalidError(std::string("the task needs ") + option);
        return {};
    };
    switch (task) {
    case Task::Speed:
    case Task::WikiText2: {
        if (data.wikitextIds) {
            data.hash[task] = data.hash[Task::WikiText2];
            break;
        }
        DASH_TRY(need(f.wikitext, "the WikiText-2 file (--wikitext)"));
        DASH_ASSIGN_OR_RETURN(WikiText w, readWikiText(f.wikitext));
        data.wikitextIds = tokenizer.encode(w.text, true, false);
        data.hash[task] = sha256Hex(w.text);
        data.hash[Task::WikiText2] = data.hash[task];
        break;
    }
    case Task::CnnDm: {
        if (f.cnndm.empty())
            return invalidError("the task needs the CNN/DailyMail file (--cnndm)");
        SummaryDataset all;
        std::string hashes;
        for (const std::string& path : f.cnndm) {
            DASH_ASSIGN_OR_RETURN(SummaryDataset one, readSummaries(path, plan.read));
            noteSkipped(observer, one.report, path);
            for (SummaryItem& item : one.items)
                all.items.push_back(std::move(item));
            DASH_ASSIGN_OR_RETURN(std::string h, sha256File(path));
            hashes += h + "\n";
        }
        data.cnndm = std::move(all);
        data.hash[task] = sha256Hex(hashes);
        break;
    }
    case Task::Mmlu: {
        DASH_TRY(need(f.mmluDir, "the MMLU folder (--mmlu)"));
        const std::string test = (fs::path(f.mmluDir) / "test").string();
        const std::string dev = (fs::path(f.mmluDir) / "dev").string();
        DASH_ASSIGN_OR_RETURN(data.mmluTest, readMmluDirectory(test, "test", plan.read));
        noteSkipped(observer, data.mmluTest->report, test);
        if (plan.mmluShots > 0) {
            DASH_ASSIGN_OR_RETURN(ChoiceDataset devSet, readMmluDirectory(dev, "dev", plan.read));
            noteSkipped(observer, devSet.report, dev);
            for (ChoiceQuestion& q : devSet.items)
                data.mmluDev[q.subject].push_back(std::move(q));
        }
        DASH_ASSIGN_OR_RETURN(data.hash[task], directoryHash(f.mmluDir));
        break;
    }
    case Task::Arc: {
        DASH_TRY(need(f.arc, "the ARC file (--arc)"));
        DASH_ASSIGN_OR_RETURN(data.arc, readArcJsonl(f.arc, plan.read));
        noteSkipped(observer, data.arc->report, f.arc);
        DASH_ASSIGN_OR_RETURN(data.hash[task], sha256File(f.arc));
        break;
    }
    }
    return {};
}

struct Tuned {
    double knob = 0;
    double heldOutRatio = 0;
};

} // namespace

Expected<std::vector<CellResult>> runEvaluation(Engine& engine, const std::string& modelPath,
                                                const EvalPlan& plan, const std::string& outDir,
                                                const EvalObserver& observer) {
    if (plan.shardCount < 1 || plan.shardIndex < 0 || plan.shardIndex >= plan.shardCount)
        return invalidError("shard " + std::to_string(plan.shardIndex + 1) + "/" +
                            std::to_string(plan.shardCount) + " does not exist");
    if (plan.tasks.empty() || plan.methods.empty())
        return invalidError("the evaluation needs at least one task and one method");
    for (double r : plan.ratios)
        if (!(r >= 1.0))
            return invalidError("ratios must be >= 1, got " + std::to_string(r));
    const Model& model = engine.model();
    const Tokenizer& tokenizer = model.tokenizer();

    std::error_code ec;
    fs::create_directories(fs::path(outDir) / "cells", ec);
    if (ec)
        return ioError(outDir + ": cannot create the folder: " + ec.message());
    // plan.json: the layout and the keys of the plan's cells finished so far
    // (cells/ may hold others, of earlier plans, which the tables leave out).
    std::vector<std::string> finishedKeys;
    auto writePlan = [&]() -> Status {
        Json p = Json::object();
        p.set("layout", layoutToJson(planLayout(plan)));
        p.set("shard", std::to_string(plan.shardIndex + 1) + "/" + std::to_string(plan.shardCount));
        p.set("cells", Json::array(finishedKeys));
        return writeOutputFile((fs::path(outDir) / "plan.json").string(), p.dump(2) + "\n");
    };
    DASH_TRY(writePlan());

    // What every cell's configuration shares.
    Json modelId = Json::object();
    modelId.set("file", fs::path(modelPath).filename().string());
    {
        const auto size = fs::file_size(modelPath, ec);
        modelId.set("bytes", ec ? int64_t{-1} : static_cast<int64_t>(size));
    }
    modelId.set("layers", model.config().layers);
    modelId.set("vocab", model.config().vocabSize);
    modelId.set("context", engine.maxContext());
    std::map<std::string, std::string> policyHash;
    for (const std::string& m : plan.methods)
        if (const auto dash = parseDashMethod(m)) {
            DASH_ASSIGN_OR_RETURN(policyHash[m], sha256File(dash->file));
        }
    std::string tuneHash;
    if (!plan.tuneTextPath.empty()) {
        DASH_ASSIGN_OR_RETURN(tuneHash, sha256File(plan.tuneTextPath));
    }
    // By content: a calibration re-made under the same name must not reuse
    // the cells of the old one.
    std::string calibrationHash;
    if (!plan.calibrationPath.empty()) {
        DASH_ASSIGN_OR_RETURN(calibrationHash, sha256File(plan.calibrationPath));
    }

    // The store is opened before any cell runs, so that a bad path fails at once.
    std::optional<EvalStore> store;
    std::string modelSha;
    if (!plan.storePath.empty()) {
        DASH_ASSIGN_OR_RETURN(store, EvalStore::open(plan.storePath));
        modelSha = model.sha256();
    }
    auto toStore = [&](const CellResult& c) -> Status {
        if (store) {
            DASH_ASSIGN_OR_RETURN(bool saved, store->save(c, modelSha));
            (void)saved;
        }
        return {};
    };

    TaskData data;
    std::optional<std::vector<int32_t>> heldOut;
    std::optional<Calibration> calibration;
    std::map<std::string, Tuned> tuned; // by method and ratio
    const std::vector<EvalCell> cells = shardCells(plan);
    std::vector<CellResult> results;

    for (size_t index = 0; index < cells.size(); ++index) {
        const EvalCell& cell = cells[index];
        if (observer.cancel && observer.cancel->cancelled())
            return cancelledError();
        DASH_TRY(loadTask(cell.task, plan, tokenizer, data, observer));
        const auto limitIt = plan.limits.find(cell.task);
        const int64_t limit =
            limitIt == plan.limits.end() ? 0 : std::max<int64_t>(0, limitIt->second);

        Json config = Json::object();
        config.set("task", taskName(cell.task));
        config.set("data_sha256", data.hash[cell.task]);
        config.set("limit", limit);
        config.set("method", methodLabel(cell.method));
        if (auto h = policyHash.find(cell.method); h != policyHash.end())
            config.set("policy_sha256", h->second);
        config.set("target_ratio", cell.ratio);
        if (cell.method != "full") {
            config.set("tune_sha256", tuneHash);
            config.set("tune_windows", plan.tuneWindows);
            if (cell.method == "static")
                config.set("calibration_sha256", calibrationHash);
        }
        config.set("model", modelId);
        config.set("kv_mode", kvModeName(engine.kvMode()));
        if (cell.task == Task::Mmlu)
            config.set("shots", plan.mmluShots);
        if (cell.task == Task::CnnDm)
            config.set("summary_tokens", plan.summaryTokens);
        if (cell.task == Task::Speed) {
            config.set("speed_rounds", plan.speedRounds);
            config.set("backend", engine.backend().info().name);
            config.set("threads", engine.threads());
        }
        const std::string key = sha256Hex(config.dump()).substr(0, 16);
        const std::string path = cellPath(outDir, key);

        if (fs::exists(path, ec)) {
            auto stored = readJsonFile(path);
            if (stored.ok()) {
                auto c = cellFromJson(*stored);
                if (c.ok() && c->config.dump() == config.dump()) {
                    DASH_TRY(toStore(*c));
                    results.push_back(*c);
                    finishedKeys.push_back(key);
                    DASH_TRY(writePlan());
                    if (observer.onCellFinished)
                        observer.onCellFinished(results.back(), true, index, cells.size());
                    continue;
                }
            }
            if (observer.onNote)
                observer.onNote(path +
                                ": unreadable or from another configuration; computed again");
        }
        if (observer.onCellStarted)
            observer.onCellStarted(cell, index, cells.size());
        const auto started = std::chrono::steady_clock::now();

        // The policy, tuned once per method and ratio.
        PolicyRequest request;
        const std::optional<DashMethod> dash = parseDashMethod(cell.method);
        if (cell.method == "full") {
            request.kind = "full";
        } else {
            if (dash) {
                request.kind = "file";
                request.filePath = dash->file;
            } else {
                request.kind = cell.method;
                request.calibrationPath = plan.calibrationPath;
            }
            request.targetRatio = cell.ratio;
            request.tuneWindows = plan.tuneWindows;
        }
        PolicyBuildOptions build;
        build.cancel = observer.cancel;
        if (request.kind == "static" && !calibration) {
            if (plan.calibrationPath.empty())
                return invalidError("method 'static' needs --calibration");
            DASH_ASSIGN_OR_RETURN(calibration, loadCalibrationFor(plan.calibrationPath, model));
        }
        build.calibration = calibration ? &*calibration : nullptr;
        CellResult result;
        result.config = config;
        result.key = key;
        result.task = cell.task;
        result.method = methodLabel(cell.method);
        result.targetRatio = cell.ratio;
        result.device =
            engine.backend().info().device + " (" + engine.backend().info().detail + ")";
        DASH_ASSIGN_OR_RETURN(BuiltPolicy built, loadPolicy(request, model, build));
        if (dash && dash->variant != DashVariant::AsTrained) {
            auto restricted = applyDashVariant(*built.policy, dash->variant);
            if (!restricted.ok())
                return invalidError(cell.method + ": " + restricted.error().message());
            built.policy = std::move(*restricted);
        }
        if (request.targetRatio) {
            const std::string tuneKey = cell.method + "@" + std::to_string(cell.ratio);
            if (auto t = tuned.find(tuneKey); t != tuned.end()) {
                built.policy->setKnob(t->second.knob);
            } else {
                if (!heldOut && !plan.tuneTextPath.empty() &&
                    tuningNeedsText(*built.policy, tuneWindowTokens(request, engine))) {
                    DASH_ASSIGN_OR_RETURN(heldOut, readTextTokens(plan.tuneTextPath, tokenizer));
                }
                build.heldOut = heldOut ? &*heldOut : nullptr;
                DASH_TRY(tunePolicy(built, request, engine, build));
                Tuned t2;
                t2.knob = built.policy->knob();
                t2.heldOutRatio = built.tuning ? built.tuning->ratio : 0.0;
                tuned[tuneKey] = t2;
            }
            result.knob = tuned[tuneKey].knob;
            result.heldOutRatio = tuned[tuneKey].heldOutRatio;
        }
        Policy& policy = *built.policy;
        DASH_TRY(policy.prepare(engine));

        StateTally tally;
        switch (cell.task) {
        case Task::WikiText2: {
            EvaluationOptions eo;
            eo.maxWindows = limit;
            eo.spreadWindows = true;
            eo.cancel = observer.cancel;
            eo.onProgress = observer.onItems;
            DASH_ASSIGN_OR_RETURN(EvaluationResult r,
                                  evaluatePolicy(policy, engine, *data.wikitextIds, eo));
            result.metrics["ppl"] = r.pplAll;
            result.metrics["ppl_second_half"] = r.pplSecondHalf;
            result.nominalRatio = r.nominalRatio;
            result.items = r.windows;
            break;
        }
        case Task::Mmlu:
        case Task::Arc: {
            const ChoiceDataset& set = cell.task == Task::Arc ? *data.arc : *data.mmluTest;
            const auto items = spreadItems(set.items, limit);
            int64_t right = 0, rightNorm = 0;
            for (size_t i = 0; i < items.size(); ++i) {
                const ChoiceQuestion& q = *items[i];
                std::string prompt;
                std::vector<std::string> continuations;
                if (cell.task == Task::Arc) {
                    prompt = arcPrompt(q);
                    continuations = arcContinuations(q);
                } else {
                    std::vector<ChoiceQuestion> shots;
                    const auto& dev = data.mmluDev[q.subject];
                    for (size_t s = 0; s < dev.size() && static_cast<int>(s) < plan.mmluShots; ++s)
                        shots.push_back(dev[s]);
                    prompt = mmluPrompt(q, shots);
                    continuations = mmluContinuations(q);
                }
                DASH_ASSIGN_OR_RETURN(
                    ChoiceOutcome o,
                    scoreChoices(engine, policy, prompt, continuations, &tally, observer.cancel));
                right += o.predicted == q.answer;
                rightNorm += o.predictedNormalised == q.answer;
                result.truncated += o.truncated;
                if (observer.onItems)
                    observer.onItems(static_cast<int64_t>(i + 1),
                                     static_cast<int64_t>(items.size()));
            }
            result.items = static_cast<int64_t>(items.size());
            const double n = std::max<double>(1, static_cast<double>(items.size()));
            result.metrics["acc"] = static_cast<double>(right) / n;
            result.metrics["acc_norm"] = static_cast<double>(rightNorm) / n;
            result.nominalRatio = tally.ratio();
            break;
        }
        case Task::Speed: {
            // The sweep's decode lengths: a quarter of the context as prompt,
            // up to 64 decoded tokens.
            const int64_t context =
                std::min<int64_t>(model.config().contextLength, engine.maxContext());
            SpeedOptions so;
            so.rounds = plan.speedRounds;
            so.cancel = observer.cancel;
            so.promptTokens = std::max<int64_t>(1, context / 4);
            so.decodeTokens = std::min<int64_t>(64, context - so.promptTokens);
            DASH_ASSIGN_OR_RETURN(SpeedResult r,
                                  measureDecodeSpeedup(policy, engine, *data.wikitextIds, so));
            result.metrics["speedup"] = r.speedup.median;
            result.metrics["speedup_min"] = r.speedup.min;
            result.metrics["speedup_max"] = r.speedup.max;
            result.metrics["aa_control"] = r.control.median;
            result.metrics["full_tok_per_s"] = r.fullTokensPerSecond;
            result.metrics["policy_tok_per_s"] = r.policyTokensPerSecond;
            result.nominalRatio = r.decodeNominalRatio;
            result.items = r.rounds;
            break;
        }
        case Task::CnnDm: {
            const auto items = spreadItems(data.cnndm->items, limit);
            double f1 = 0, precision = 0, recall = 0;
            SummaryOptions so;
            so.maxNewTokens = plan.summaryTokens;
            for (size_t i = 0; i < items.size(); ++i) {
                DASH_ASSIGN_OR_RETURN(
                    SummaryOutcome o,
                    greedySummary(engine, policy, items[i]->article, so, &tally, observer.cancel));
                const RougeScore s = rougeL(o.summary, items[i]->highlights);
                f1 += s.f1;
                precision += s.precision;
                recall += s.recall;
                result.truncated += o.truncated;
                if (observer.onItems)
                    observer.onItems(static_cast<int64_t>(i + 1),
                                     static_cast<int64_t>(items.size()));
            }
            result.items = static_cast<int64_t>(items.size());
            const double n = std::max<double>(1, static_cast<double>(items.size()));
            result.metrics["rouge_l"] = f1 / n;
            result.metrics["rouge_l_precision"] = precision / n;
            result.metrics["rouge_l_recall"] = recall / n;
            result.nominalRatio = tally.ratio();
            break;
        }
        }
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        DASH_TRY(writeOutputFile(path, cellToJson(result).dump(2) + "\n"));
        finishedKeys.push_back(key);
        DASH_TRY(writePlan());
        DASH_TRY(toStore(result));
        results.push_back(std::move(result));
        if (observer.onCellFinished)
            observer.onCellFinished(results.back(), false, index, cells.size());
    }
    return results;
}

Expected<std::vector<CellResult>> mergeShards(const std::vector<std::string>& dirs,
                                              const std::string& outDir, TableLayout* layout,
                                              const std::string& storePath) {
    if (dirs.empty())
        return invalidError("nothing to merge");
    std::optional<EvalStore> store;
    if (!storePath.empty()) {
        DASH_ASSIGN_OR_RETURN(store, EvalStore::open(storePath));
    }
    std::optional<TableLayout> first;
    std::map<std::string, CellResult> byKey;
    for (const std::string& dir : dirs) {
        DASH_ASSIGN_OR_RETURN(TableLayout l, readLayout(dir));
        if (first && layoutToJson(l).dump() != layoutToJson(*first).dump())
            return invalidError(dir + ": its plan (tasks, methods, ratios) differs from that of " +
                                dirs.front());
        if (!first)
            first = l;
        DASH_ASSIGN_OR_RETURN(std::vector<CellResult> cells, readCells(dir));
        for (CellResult& c : cells) {
            auto it = byKey.find(c.key);
            if (it != byKey.end()) {
                if (!sameResults(it->second, c))
                    return invalidError(dir + ": cell " + c.key + " (" + taskName(c.task) + ", " +
                                        c.method +
                                        ") differs from the same cell in another folder");
                continue;
            }
            byKey.emplace(c.key, std::move(c));
        }
    }
    std::error_code ec;
    fs::create_directories(fs::path(outDir) / "cells", ec);
    if (ec)
        return ioError(outDir + ": cannot create the folder: " + ec.message());
    std::vector<CellResult> cells;
    std::vector<std::string> keys;
    for (auto& [key, c] : byKey) {
        DASH_TRY(writeOutputFile(cellPath(outDir, key), cellToJson(c).dump(2) + "\n"));
        if (store) {
            DASH_ASSIGN_OR_RETURN(bool saved, store->save(c, std::string()));
            (void)saved;
        }
        keys.push_back(key);
        cells.push_back(std::move(c));
    }
    Json p = Json::object();
    p.set("layout", layoutToJson(*first));
    p.set("merged_from", Json::array(dirs));
    p.set("cells", Json::array(keys));
    DASH_TRY(writeOutputFile((fs::path(outDir) / "plan.json").string(), p.dump(2) + "\n"));
    *layout = *first;
    return cells;
}

} // namespace dash::eval
