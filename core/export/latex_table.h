// SPDX-License-Identifier: MIT
// A sweep (the JSON list `dash-cli sweep --json` prints) as a LaTeX table in
// the layout of the paper's Table 1: one row per method, one column group per
// metric with one column per acceleration ratio, and the full-precision row
// spanning each group with its single value. The output needs booktabs.
#pragma once

#include "core/util/json.h"
#include "core/util/status.h"

#include <string>
#include <string_view>
#include <vector>

namespace dash {

// One evaluated (method, ratio) pair of a sweep.
struct SweepRow {
    std::string method; // policy kind name: full, dash, early-exit, skipdecode, adaskip, ...
    double targetRatio = 1.0;
    double nominalRatio = 1.0;
    double measuredSpeedup = 1.0;
    double pplAll = 0;        // NaN when absent
    double pplSecondHalf = 0; // NaN when absent
};

// Reads [{method, target_ratio, nominal_ratio, measured_speedup, ppl_all,
// ppl_second_half}]; null numbers read as NaN. Errors name the row and field.
Expected<std::vector<SweepRow>> sweepRowsFromJson(const Json& json);

struct LatexTableOptions {
    std::string caption; // LaTeX source, written as given; empty: no caption
    std::string label;   // empty: no label
    // Name of the method "full" (the paper writes FP16).
    std::string fullPrecisionName = "Full precision";
    // Bold the best value of each perplexity and speedup column among the
    // methods other than full precision.
    bool boldBest = true;
};

// The table, or an error when the rows hold no method besides full precision
// or one (method, ratio) pair twice. Ratio columns are the distinct target
// ratios (to two decimals) of the non-full rows, ascending; methods follow the
// paper's order (full precision first, DASH last), unknown methods before DASH.
Expected<std::string> sweepToLatex(const std::vector<SweepRow>& rows,
                                   const LatexTableOptions& options = {});

// Text with LaTeX's special characters escaped.
std::string latexEscape(std::string_view text);

} // namespace dash
