// SPDX-License-Identifier: MIT
#include "core/eval/eval_ablation.h"

#include "core/eval/eval_tables.h"

#include "core/dash/dash_policy.h"
#include "core/export/latex_table.h"
#include "core/util/output_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace dash::eval {

namespace {

constexpr DashVariant kVariants[] = {DashVariant::Dynamic, DashVariant::Scale, DashVariant::Int8,
                                     DashVariant::Int4Int8};

// The option names of the rows in parseAblationMap.
constexpr const char* kRowKeys[kAblationRows] = {"static", "dynamic", "scale", "int8", "int4int8"};

std::optional<double> metricOf(const CellResult* c) {
    if (!c)
        return std::nullopt;
    const auto it = c->metrics.find(primaryMetric(c->task));
    if (it == c->metrics.end() || !std::isfinite(it->second))
        return std::nullopt;
    return it->second;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

bool hasMethod(const TableLayout& layout, const std::string& label) {
    for (const std::string& m : layout.methods)
        if (m == label)
            return true;
    return false;
}

bool hasTask(const TableLayout& layout, Task task) {
    for (Task t : layout.tasks)
        if (t == task)
            return true;
    return false;
}

const char* metricCaption(Task task) {
    switch (task) {
    case Task::WikiText2:
        return "WikiText-2 PPL";
    case Task::CnnDm:
        return "CNN/DM ROUGE-L";
    case Task::Mmlu:
        return "MMLU Acc(\\%)";
    case Task::Arc:
        return "ARC-C Acc(\\%)";
    case Task::Speed:
        return "Speedup";
    }
    return "?";
}

} // namespace

const char* dashVariantName(DashVariant variant) {
    switch (variant) {
    case DashVariant::AsTrained:
        return "";
    case DashVariant::Dynamic:
        return "dynamic";
    case DashVariant::Scale:
        return "scale";
    case DashVariant::Int8:
        return "int8";
    case DashVariant::Int4Int8:
        return "int4int8";
    }
    return "";
}

std::optional<DashMethod> parseDashMethod(const std::string& method) {
    if (method.rfind("dash:", 0) != 0)
        return std::nullopt;
    DashMethod m;
    m.file = method.substr(5);
    const size_t at = m.file.rfind('@');
    if (at != std::string::npos)
        for (DashVariant v : kVariants)
            if (m.file.compare(at + 1, std::string::npos, dashVariantName(v)) == 0) {
                m.variant = v;
                m.file.resize(at);
                break;
            }
    return m;
}

Expected<std::unique_ptr<Policy>> applyDashVariant(const Policy& policy, DashVariant variant) {
    const auto* dash = dynamic_cast<const DashPolicy*>(&policy);
    if (!dash)
        return invalidError(std::string("the variant @") + dashVariantName(variant) +
                            " applies to DASH policy files only");
    Calibration calibration = dash->calibration();
    if (variant == DashVariant::Dynamic)
        calibration.method = AlphaMethod::None;
    auto out =
        std::make_unique<DashPolicy>(dash->scorerPtr(), std::move(calibration), dash->quantGroup());
    out->runtime() = dash->runtime();
    out->training() = dash->training();
    switch (variant) {
    case DashVariant::AsTrained:
        break;
    case DashVariant::Dynamic:
    case DashVariant::Scale:
        out->runtime().allowInt4 = false;
        out->runtime().allowInt8 = false;
        break;
    case DashVariant::Int8:
        out->runtime().allowInt4 = false;
        out->runtime().allowInt8 = true;
        break;
    case DashVariant::Int4Int8:
        out->runtime().allowInt4 = true;
        out->runtime().allowInt8 = true;
        break;
    }
    return std::unique_ptr<Policy>(std::move(out));
}

bool AblationMap::empty() const {
    for (const std::string& m : methods)
        if (!m.empty())
            return false;
    return true;
}

AblationMap defaultAblationMap(const TableLayout& layout) {
    AblationMap map;
    map.task = hasTask(layout, Task::Mmlu)  ? Task::Mmlu
               : hasTask(layout, Task::Arc) ? Task::Arc
               : layout.tasks.empty()       ? Task::Mmlu
                                            : layout.tasks.front();
    if (hasMethod(layout, "static"))
        map.methods[0] = "static";
    for (const std::string& label : layout.methods) {
        const auto dash = parseDashMethod(label);
        if (!dash)
            continue;
        for (size_t row = 1; row < kAblationRows; ++row)
            if (dash->variant == kVariants[row - 1] && map.methods[row].empty())
                map.methods[row] = label;
    }
    return map;
}

Expected<AblationMap> parseAblationMap(const std::string& text, const TableLayout& layout) {
    AblationMap map = defaultAblationMap(layout);
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? text.size() + 1 : comma + 1;
        if (item.empty())
            continue;
        const size_t eq = item.find('=');
        if (eq == std::string::npos)
            return invalidError("--ablation: '" + item + "' is not ROW=METHOD or task=TASK");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "task") {
            DASH_ASSIGN_OR_RETURN(map.task, parseTask(value));
            if (!hasTask(layout, map.task))
                return invalidError("--ablation: task '" + value + "' is not one of --tasks");
            continue;
        }
        size_t row = kAblationRows;
        for (size_t r = 0; r < kAblationRows; ++r)
            if (key == kRowKeys[r])
                row = r;
        if (row == kAblationRows)
            return invalidError("--ablation: unknown row '" + key +
                                "' (static, dynamic, scale, int8, int4int8, task)");
        if (!hasMethod(layout, value))
            return invalidError("--ablation: '" + value + "' (row " + key +
                                ") is not a method of the evaluation");
        map.methods[row] = value;
    }
    return map;
}

const char* ablationRowName(size_t row) {
    static const char* const kNames[kAblationRows] = {
        "Naive static skipping", "Dynamic decision skipping", "(2) + scale compensation",
        "(3) + INT8 compensation", "(3) + INT4/INT8 compensation"};
    return row < kAblationRows ? kNames[row] : "?";
}

std::string ablationCsv(const TableLayout& layout, const std::vector<CellResult>& cells,
                        const AblationMap& map) {
    const std::string task = taskName(map.task), metric = primaryMetric(map.task);
    std::string out = "row,method,target_ratio,task,metric,value\n";
    auto line = [&](const std::string& row, const std::string& method, double ratio,
                    std::optional<double> v) {
        out += csvField(row) + "," + csvField(method) + "," + formatNumber("%.2f", ratio) + "," +
               task + "," + metric + "," + (v ? formatNumber("%.6f", *v) : std::string()) + "\n";
    };
    line("Origin", "full", 1.0, metricOf(findCell(cells, "full", 1.0, map.task)));
    for (size_t row = 0; row < kAblationRows; ++row)
        for (double r : layout.ratios)
            line(ablationRowName(row), map.methods[row], r,
                 map.methods[row].empty()
                     ? std::nullopt
                     : metricOf(findCell(cells, map.methods[row], r, map.task)));
    return out;
}

std::string ablationLatex(const TableLayout& layout, const std::vector<CellResult>& cells,
                          const AblationMap& map) {
    // The rows' methods as a comment, so that the table says what it shows.
    std::string out = std::string("% Table 3 on ") + taskName(map.task) + " (" +
                      primaryMetric(map.task) + "); origin: full";
    for (size_t row = 0; row < kAblationRows; ++row) {
        std::string label = map.methods[row].empty() ? std::string("none") : map.methods[row];
        std::replace(label.begin(), label.end(), '\n', ' '); // a file name cannot end the comment
        std::replace(label.begin(), label.end(), '\r', ' ');
        out += "; " + std::to_string(row + 1) + ": " + label;
    }
    out += "\n\\begin{tabular}{l" + std::string(layout.ratios.size(), 'c') + "}\n\\toprule\nMethod";
    for (double r : layout.ratios)
        out += " & " + formatNumber("%.2f", r) + "$\\times$";
    out += " \\\\\n\\midrule\n";
    out += std::string("Origin (") + metricCaption(map.task) + ")";
    for (size_t i = 0; i < layout.ratios.size(); ++i)
        out +=
            " & " + (i == 0 ? tableValue(findCell(cells, "full", 1.0, map.task)) : std::string());
    out += " \\\\\n";
    for (size_t row = 0; row < kAblationRows; ++row) {
        out += std::to_string(row + 1) + ". " + latexEscape(ablationRowName(row));
        for (double r : layout.ratios)
            out += " & " + (map.methods[row].empty()
                                ? std::string("--")
                                : tableValue(findCell(cells, map.methods[row], r, map.task)));
        out += " \\\\\n";
    }
    out += "\\bottomrule\n\\end{tabular}\n";
    return out;
}

Status writeAblationTables(const std::string& dir, const TableLayout& layout,
                           const std::vector<CellResult>& cells, const AblationMap& map) {
    namespace fs = std::filesystem;
    DASH_TRY(
        writeOutputFile((fs::path(dir) / "table3.csv").string(), ablationCsv(layout, cells, map)));
    DASH_TRY(writeOutputFile((fs::path(dir) / "table3.tex").string(),
                             ablationLatex(layout, cells, map)));
    return {};
}

} // namespace dash::eval
