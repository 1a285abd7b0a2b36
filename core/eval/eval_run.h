// SPDX-License-Identifier: MIT
// The evaluation behind `dash-cli eval`: methods x ratios x tasks, one cell
// each, resumable and shardable.
//
// Cells, in plan order: every task at full precision (ratio 1), then for
// every ratio, every other method, every task. A cell's configuration (task,
// data file hashes, item limit, method, policy file hash, ratio, tuning
// settings, model identity, prompt settings) is hashed into its key; a
// finished cell is stored as <out>/cells/<key>.json with that configuration
// and is never computed again by a run whose cell has the same key. Shard
// K of N runs the cells whose plan index i has i mod N == K-1, so the shards
// of one plan partition its cells; a merge reads the cells of several
// folders and writes the tables an unsharded run would.
//
// Items: with a limit n below the task's size the items taken are those at
// indices floor(i * size / n), i = 0 .. n-1 (spread over the file, in file
// order); WikiText-2's items are windows of the model's context.
#pragma once

#include "core/engine/engine.h"
#include "core/eval/datasets.h"
#include "core/util/cancel.h"
#include "core/util/json.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dash::eval {

// Speed: decode tokens/s of the policy against full precision in one
// alternating schedule with an A/A control (core/dash/evaluation's
// measureDecodeSpeedup), prompts from the WikiText-2 file. Its results are
// timings: they differ between runs and machines.
enum class Task { WikiText2, CnnDm, Mmlu, Arc, Speed };
const char* taskName(Task task); // wikitext2, cnndm, mmlu, arc, speed
Expected<Task> parseTask(const std::string& text);
// The metric a table shows for the task: ppl, rouge_l, acc, acc_norm, speedup.
const char* primaryMetric(Task task);

struct TaskFiles {
    std::string wikitext;           // WikiText-2 test text, raw or tokenized
    std::vector<std::string> cnndm; // CNN/DM JSONL or CSV files, read one after the other
    std::string mmluDir;            // holds dev/ and test/ with <subject>_<split>.csv
    std::string arc;                // ARC JSONL
};

struct EvalPlan {
    std::vector<Task> tasks;
    // "full", a baseline (early-exit, skipdecode, adaskip, random, static) or
    // "dash:FILE" (a trained DASH policy file).
    std::vector<std::string> methods;
    std::vector<double> ratios;
    std::map<Task, int64_t> limits; // items per task; absent or <= 0: all
    TaskFiles files;
    std::string tuneTextPath;    // held-out text the knobs are tuned on
    int64_t tuneWindows = 8;     // held-out windows per tuning evaluation
    std::string calibrationPath; // for "static"
    int mmluShots = 5;
    int32_t summaryTokens = 48; // new tokens per summary at most
    int speedRounds = 4;        // alternating rounds of the speed task
    ReadOptions read;
    int shardIndex = 0; // 0-based
    int shardCount = 1;
    // The run store every finished cell is copied to (core/eval/eval_store.h);
    // empty: none. The cell files stay what a run resumes from.
    std::string storePath;
};

struct EvalCell {
    Task task = Task::WikiText2;
    std::string method;
    double ratio = 1.0; // 1 for full precision
};

// Every cell of the plan, in plan order (all shards).
std::vector<EvalCell> planCells(const EvalPlan& plan);
// The cells of the plan's shard.
std::vector<EvalCell> shardCells(const EvalPlan& plan);
// The label of a method in tables: "full" -> "full", "dash:dir/x.policy" -> "dash:x.policy".
std::string methodLabel(const std::string& method);

struct CellResult {
    Json config; // what determined the result (hashed into key)
    std::string key;
    Task task = Task::WikiText2;
    std::string method; // methodLabel
    double targetRatio = 1.0;
    std::map<std::string, double> metrics;
    double nominalRatio = 0; // of all states the policy set on this cell's passes
    double knob = 0;         // the tuned knob (0 for full precision)
    double heldOutRatio = 0; // the ratio the knob gave on held-out text
    int64_t items = 0;
    int64_t truncated = 0; // items whose prompt lost text to fit the context
    double seconds = 0;    // wall time of the cell (not part of comparisons)
    // The device and the backend's detail it ran on ("Intel(R) Xeon(R) ... (avx512
    // kernels, 2 threads, ...)"; empty in cells written before it was kept).
    std::string device;
};

Json cellToJson(const CellResult& cell);
Expected<CellResult> cellFromJson(const Json& json);

struct EvalObserver {
    const CancelToken* cancel = nullptr;
    std::function<void(const EvalCell& cell, size_t index, size_t total)> onCellStarted;
    // reused: read back from the output folder, not computed.
    std::function<void(const CellResult& cell, bool reused, size_t index, size_t total)>
        onCellFinished;
    std::function<void(int64_t done, int64_t total)> onItems; // within the running cell
    std::function<void(const std::string& note)> onNote;      // skipped rows, truncation
};

// Runs the plan's shard on `engine`, storing every finished cell in
// `outDir` (created) and the plan with the keys of its finished cells in
// <outDir>/plan.json. Cancelling keeps the cells finished so far. Returns the
// shard's cells in plan order.
Expected<std::vector<CellResult>> runEvaluation(Engine& engine, const std::string& modelPath,
                                                const EvalPlan& plan, const std::string& outDir,
                                                const EvalObserver& observer = {});

// What tables need of a plan: tasks, method labels, ratios, in order.
struct TableLayout {
    std::vector<Task> tasks;
    std::vector<std::string> methods; // labels
    std::vector<double> ratios;
};
Json layoutToJson(const TableLayout& layout);
Expected<TableLayout> layoutFromJson(const Json& json);
TableLayout planLayout(const EvalPlan& plan);

// The layout stored in `dir`, and the cells its plan.json lists (cells/ may
// hold more: those of earlier plans).
Expected<TableLayout> readLayout(const std::string& dir);
Expected<std::vector<CellResult>> readCells(const std::string& dir);

// Reads the folders of shards of one plan (their layouts must agree; a cell
// key found twice must hold the same results, timings aside), copies their cells into
// `outDir` and returns them.
// With `storePath`, the merged cells are also copied to that run store.
Expected<std::vector<CellResult>> mergeShards(const std::vector<std::string>& dirs,
                                              const std::string& outDir, TableLayout* layout,
                                              const std::string& storePath = {});

} // namespace dash::eval
