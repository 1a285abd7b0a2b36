// SPDX-License-Identifier: MIT
// The sweep: DASH and the baselines at several nominal ratios on one text,
// the one implementation behind `dash-cli sweep` and dash-studio's sweep job
// (both only read their settings into SweepOptions and present the rows).
//
// Rows, in order: full precision; then for every ratio, every method. Each
// row's knob is tuned to the ratio on the held-out text (never the test
// text), the policy is evaluated on the test text (nominal ratio,
// perplexity) and its decode speed measured against full precision in the
// alternating schedule with an A/A control (measureDecodeSpeedup). The `full`
// row is the sweep's A/A control row: full precision timed against itself.
//
// DASH policy files are grouped by their variant (dash, dash-skip, ...;
// DashPolicy::variantName). A variant whose files were trained for distinct
// ratios is one method, labelled by the variant, whose row at each ratio uses
// the file trained nearest to it. A variant with two files trained for the
// same ratio would be ambiguous: each of its files is then a method of its
// own, labelled "<variant> (<file name>)".
#pragma once

#include "core/dash/evaluation.h"
#include "core/dash/input_awareness.h"
#include "core/dash/policy.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/json.h"
#include "core/util/stats.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dash {

// The settings of a sweep; the defaults are those of both front ends.
struct SweepOptions {
    std::string testTextPath;           // evaluation text
    std::string tuneTextPath;           // held-out text for tuning; may be empty when no
                                        // method's ratio depends on the text
    std::string calibrationPath;        // layer ranking of "static"; empty: static is skipped
    std::vector<std::string> dashFiles; // DASH policy files; none: DASH is skipped
    std::vector<PolicyKind> methods = {PolicyKind::Dash,       PolicyKind::EarlyExit,
                                       PolicyKind::SkipDecode, PolicyKind::AdaSkip,
                                       PolicyKind::RandomSkip, PolicyKind::StaticSimilarity};
    std::vector<double> ratios = {1.33, 1.67, 2.0};
    int64_t maxTokens = 40000; // of the test text (<= 0: all)
    int64_t tuneWindows = 32;  // held-out windows per tuning evaluation, spread over the text
    int speedRounds = 4;       // alternating rounds of the speed measurement
    KvMode kvMode = KvMode::Project;
};

// Why a requested method has no rows.
enum class SweepSkip { NoDashFiles, NoCalibration };

struct SweepRowResult {
    std::string method; // the row's label: full, dash, dash-skip, early-exit, ...
    PolicyKind kind = PolicyKind::Full;
    std::string policyFile;       // DASH rows: the file evaluated, as given
    std::string policyFileSha256; // of that file
    Json parameters;              // of the evaluated policy, its tuned knob included
    double targetRatio = 1.0;
    std::optional<TuneResult> tuning; // the knob and the ratio it gave on held-out text
    EvaluationResult evaluation;      // on the test text
    SpeedResult speed;                // decode speed against full precision
    // DASH rows: the input awareness of the states chosen on the test text,
    // and the perplexity of the same per-layer counts assigned statically.
    std::optional<InputAwareness> awareness;
    std::optional<EvaluationResult> reassigned;
};

// What a front end hears while the sweep runs (every member optional; all are
// called on the sweeping thread).
struct SweepObserver {
    const CancelToken* cancel = nullptr;
    // 100 units per row: evaluation up to 70, speed the rest.
    std::function<void(int64_t done, int64_t total)> onProgress;
    std::function<void(const SweepRowResult& row)> onRowStarted; // label, kind, target, file
    std::function<void(const SweepRowResult& row)> onTuned;      // tuning set
    std::function<void(const SweepRowResult& row)> onRowFinished;
    std::function<void(PolicyKind method, SweepSkip why)> onSkipped;
};

struct SweepResult {
    std::vector<SweepRowResult> rows;
    int64_t testTokens = 0;
    int64_t heldOutTokens = 0;
    // Every row's A/A control medians, summarised (the control of the sweep).
    Summary control;
};

// Reads the texts and files of `options` (errors name the file), then runs
// the sweep on `engine` (its KV mode is set to options.kvMode).
Expected<SweepResult> runSweep(Engine& engine, const SweepOptions& options,
                               const SweepObserver& observer = {});

// The rows as `dash-cli sweep --json` prints them and dash-studio saves them:
// [{method, target_ratio, nominal_ratio, measured_speedup, speedup_min,
//   speedup_max, aa_control, aa_control_min, aa_control_max, full_tok_per_s,
//   policy_tok_per_s, speed_rounds, ppl_all, ppl_second_half, scored_tokens,
//   held_out_ratio (tuned rows), policy_file, majority_deviation,
//   mi_token_excess_bits, mi_position_excess_bits, reassigned_ppl_all (DASH
//   rows)}].
// export/latex_table reads it back.
Json sweepRowsJson(const std::vector<SweepRowResult>& rows);

// The JSON fields that come from timing (they differ between two runs).
bool isTimingField(const std::string& name);

} // namespace dash
