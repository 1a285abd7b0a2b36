// SPDX-License-Identifier: MIT
// The paper's Table 3 (the compensation ablation) from evaluation cells, and
// the DASH variants its rows need.
//
// Variants of a trained DASH policy file, written dash:FILE@VARIANT in
// `dash-cli eval --methods` (the file is the same; the variant restricts it
// at evaluation time, it is not retrained):
//   dynamic   skip is the only state besides full precision, and a skipped
//             layer passes its input on unchanged (alpha = 1, no compensation)
//   scale     skip only, with the file's alpha (its calibration's scale
//             compensation)
//   int8      skip or INT8, with alpha
//   int4int8  skip, INT4 or INT8, with alpha (every state of the file)
// The asynchronous approximation (gamma) and the scorer stay as trained; the
// knob is tuned per variant and ratio like any method's.
//
// Table 3's rows and the method label each one reads, by default:
//   1. Naive static skipping              "static"
//   2. Dynamic decision skipping          the first method labelled ...@dynamic
//   3. (2) + scale compensation           ...@scale
//   4. (3) + INT8 compensation            ...@int8
//   5. (3) + INT4/INT8 compensation       ...@int4int8
// plus a first "Origin" row with full precision's value. The mapping can be
// given instead (parseAblationMap), e.g. to read separately trained files.
// The table shows one task's primary metric (accuracy in percent for MMLU and
// ARC, as the paper's; ROUGE-L x 100; perplexity as is) at each ratio of the
// layout.
#pragma once

#include "core/dash/policy.h"
#include "core/eval/eval_run.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dash::eval {

enum class DashVariant { AsTrained, Dynamic, Scale, Int8, Int4Int8 };
const char* dashVariantName(DashVariant variant); // "", dynamic, scale, int8, int4int8

// A method "dash:FILE" or "dash:FILE@VARIANT": the file and the variant. A
// suffix after the last '@' that names no variant is part of the file name.
struct DashMethod {
    std::string file;
    DashVariant variant = DashVariant::AsTrained;
};
std::optional<DashMethod> parseDashMethod(const std::string& method);

// Restricts a loaded DASH policy to `variant` (a new policy; the knob and
// runtime settings carried over). An error when `policy` is not DASH.
Expected<std::unique_ptr<Policy>> applyDashVariant(const Policy& policy, DashVariant variant);

inline constexpr size_t kAblationRows = 5;

struct AblationMap {
    Task task = Task::Mmlu;
    // The method label of each row (static, dynamic, + scale, + INT8,
    // + INT4/INT8); empty: the row prints "--".
    std::array<std::string, kAblationRows> methods;
    bool empty() const;
};

// The default mapping for a layout (see above); its task is MMLU when the
// layout has it, else ARC, else the first task.
AblationMap defaultAblationMap(const TableLayout& layout);

// "task=mmlu,static=static,dynamic=dash:a.policy@dynamic,scale=...,int8=...,
// int4int8=..." over the default map: the rows named are replaced. Labels
// must be methods of the layout.
Expected<AblationMap> parseAblationMap(const std::string& text, const TableLayout& layout);

// The row names of the table, in order: "Naive static skipping", ...
const char* ablationRowName(size_t row);

// table3.csv: row,method,target_ratio,task,metric,value (value empty when the
// cell is missing), the origin row first at ratio 1.
std::string ablationCsv(const TableLayout& layout, const std::vector<CellResult>& cells,
                        const AblationMap& map);
// table3.tex: a comment line naming each row's method, then "Method" and a
// column per ratio; the origin row's value in the first column. Needs
// booktabs.
std::string ablationLatex(const TableLayout& layout, const std::vector<CellResult>& cells,
                          const AblationMap& map);
// Writes table3.csv and table3.tex into `dir`.
Status writeAblationTables(const std::string& dir, const TableLayout& layout,
                           const std::vector<CellResult>& cells, const AblationMap& map);

} // namespace dash::eval
