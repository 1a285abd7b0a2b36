// SPDX-License-Identifier: MIT
#include "core/eval/eval_tables.h"

#include "core/export/latex_table.h"
#include "core/util/output_file.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace dash::eval {

std::string formatNumber(const char* spec, double v) {
    char text[64];
    std::snprintf(text, sizeof text, spec, v);
    return text;
}

const CellResult* findCell(const std::vector<CellResult>& cells, const std::string& method,
                           double ratio, Task task) {
    const double want = method == "full" ? 1.0 : ratio;
    for (const CellResult& c : cells)
        if (c.method == method && c.task == task &&
            std::lround(c.targetRatio * 100) == std::lround(want * 100))
            return &c;
    return nullptr;
}

std::string tableValue(const CellResult* c) {
    if (!c)
        return "--";
    const auto it = c->metrics.find(primaryMetric(c->task));
    if (it == c->metrics.end() || !std::isfinite(it->second))
        return "--";
    if (c->task == Task::Speed)
        return formatNumber("%.2f$\\times$", it->second);
    return c->task == Task::WikiText2 ? formatNumber("%.2f", it->second)
                                      : formatNumber("%.1f", 100.0 * it->second);
}

namespace {

// The cells in layout order: methods, then ratios, then tasks (full once).
std::vector<const CellResult*> ordered(const TableLayout& layout,
                                       const std::vector<CellResult>& cells) {
    std::vector<const CellResult*> out;
    for (const std::string& m : layout.methods) {
        const std::vector<double> ratios = m == "full" ? std::vector<double>{1.0} : layout.ratios;
        for (double r : ratios)
            for (Task t : layout.tasks)
                if (const CellResult* c = findCell(cells, m, r, t))
                    out.push_back(c);
    }
    return out;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

std::string resultsCsv(const TableLayout& layout, const std::vector<CellResult>& cells) {
    std::string out = "task,method,target_ratio,metric,value,nominal_ratio,knob,held_out_ratio,"
                      "items,truncated\n";
    for (const CellResult* c : ordered(layout, cells))
        for (const auto& [name, value] : c->metrics)
            out += std::string(taskName(c->task)) + "," + csvField(c->method) + "," +
                   formatNumber("%.2f", c->targetRatio) + "," + name + "," +
                   formatNumber("%.6f", value) + "," + formatNumber("%.4f", c->nominalRatio) + "," +
                   formatNumber("%.6g", c->knob) + "," + formatNumber("%.4f", c->heldOutRatio) +
                   "," + std::to_string(c->items) + "," + std::to_string(c->truncated) + "\n";
    return out;
}

Json resultsJson(const TableLayout& layout, const std::vector<CellResult>& cells) {
    Json j = Json::object();
    j.set("layout", layoutToJson(layout));
    Json list = Json::array(std::vector<int>{});
    for (const CellResult* c : ordered(layout, cells))
        list.push(cellToJson(*c));
    j.set("cells", std::move(list));
    return j;
}

std::string resultsLatex(const TableLayout& layout, const std::vector<CellResult>& cells) {
    const size_t t = layout.tasks.size();
    auto header = [](Task task) -> std::string {
        switch (task) {
        case Task::WikiText2:
            return "Wiki PPL$\\downarrow$";
        case Task::CnnDm:
            return "CNN/DM R-L$\\uparrow$";
        case Task::Mmlu:
            return "MMLU$\\uparrow$";
        case Task::Arc:
            return "ARC-C$\\uparrow$";
        case Task::Speed:
            return "Speedup";
        }
        return "?";
    };
    std::string out =
        "\\begin{tabular}{l" + std::string(t * layout.ratios.size(), 'c') + "}\n\\toprule\n";
    out += "Method";
    for (double r : layout.ratios)
        out += " & \\multicolumn{" + std::to_string(t) + "}{c}{" + formatNumber("%.2f", r) +
               "$\\times$}";
    out += " \\\\\n";
    for (size_t i = 0; i < layout.ratios.size(); ++i)
        out += "\\cmidrule(lr){" + std::to_string(2 + i * t) + "-" +
               std::to_string(1 + (i + 1) * t) + "}";
    out += "\n";
    for (size_t i = 0; i < layout.ratios.size(); ++i)
        for (Task task : layout.tasks)
            out += " & " + header(task);
    out += " \\\\\n\\midrule\n";
    for (const std::string& m : layout.methods) {
        out += m == "full" ? std::string("Full precision") : latexEscape(m);
        for (double r : layout.ratios)
            for (Task task : layout.tasks)
                out += " & " + tableValue(findCell(cells, m, r, task));
        out += " \\\\\n";
    }
    out += "\\bottomrule\n\\end{tabular}\n";
    return out;
}

Status writeTables(const std::string& dir, const TableLayout& layout,
                   const std::vector<CellResult>& cells) {
    namespace fs = std::filesystem;
    DASH_TRY(writeOutputFile((fs::path(dir) / "results.csv").string(), resultsCsv(layout, cells)));
    DASH_TRY(writeOutputFile((fs::path(dir) / "results.json").string(),
                             resultsJson(layout, cells).dump(2) + "\n"));
    DASH_TRY(writeOutputFile((fs::path(dir) / "table1.tex").string(), resultsLatex(layout, cells)));
    return {};
}

} // namespace dash::eval
