// SPDX-License-Identifier: MIT
#include "core/export/latex_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace dash {

namespace {

// Fixed-point text independent of the C locale (the GUI sets one, and a
// decimal comma would break the LaTeX).
std::string fixed(double v, int decimals) {
    char buf[64];
    const auto [end, ec] =
        std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    return ec == std::errc() ? std::string(buf, end) : std::string("--");
}

// Column keys: ratios to two decimals, so that 1.33 and 1.3333 share a column.
int ratioKey(double ratio) {
    return static_cast<int>(std::lround(ratio * 100.0));
}

// "1.33", "1.67", "2.0": two decimals, trailing zeros dropped down to one.
std::string ratioLabel(int key) {
    std::string s = fixed(key / 100.0, 2);
    if (s.size() > 3 && s.back() == '0')
        s.pop_back();
    return s + "$\\times$";
}

// Perplexity as the paper prints it: 6.62, 22.8, 173.4, and powers of ten
// from 1000 on (the paper's "1e3").
std::string formatPerplexity(double v) {
    if (!std::isfinite(v))
        return "--";
    if (v < 10)
        return fixed(v, 2);
    if (v < 1000)
        return fixed(v, 1);
    int exponent = static_cast<int>(std::floor(std::log10(v)));
    double mantissa = v / std::pow(10.0, exponent);
    if (std::lround(mantissa * 10) >= 100) { // 9.96e3 rounds to 10.0e3
        mantissa /= 10;
        ++exponent;
    }
    return "$" + fixed(mantissa, 1) + "{\\times}10^{" + std::to_string(exponent) + "}$";
}

std::string formatRatio(double v) {
    if (!std::isfinite(v))
        return "--";
    return fixed(v, 2) + "$\\times$";
}

struct Metric {
    const char* title;
    double SweepRow::*field;
    std::string (*format)(double);
    int better; // -1: lower is better, +1: higher is better, 0: no best
};

const Metric kMetrics[] = {
    {"PPL (all) $\\downarrow$", &SweepRow::pplAll, formatPerplexity, -1},
    {"PPL (2nd half) $\\downarrow$", &SweepRow::pplSecondHalf, formatPerplexity, -1},
    {"Nominal ratio", &SweepRow::nominalRatio, formatRatio, 0},
    {"Measured speedup $\\uparrow$", &SweepRow::measuredSpeedup, formatRatio, +1},
};

// Position of a method in the paper's row order; unknown methods go between
// the baselines and DASH.
int methodRank(const std::string& method) {
    static const char* const kOrder[] = {"full",       "early-exit", "random",
                                         "skipdecode", "adaskip",    "static"};
    for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i)
        if (method == kOrder[i])
            return i;
    if (method == "dash")
        return 100;
    return method.starts_with("dash-") ? 99 : 50; // DASH with fewer states, just above DASH
}

std::string methodName(const std::string& method, const LatexTableOptions& options) {
    if (method == "full")
        return latexEscape(options.fullPrecisionName);
    static const std::map<std::string, std::string> kNames = {
        {"dash", "DASH"},
        {"early-exit", "Early-Exit"},
        {"random", "RandomSkip"},
        {"skipdecode", "SkipDecode"},
        {"adaskip", "AdaSkip"},
        {"static", "Static similarity"},
        {"dash-skip", "DASH (skip/full)"},
    };
    const auto it = kNames.find(method);
    return it != kNames.end() ? it->second : latexEscape(method);
}

Expected<double> rowNumber(const Json& row, size_t index, const char* key) {
    const Json* v = row.find(key);
    if (!v)
        return invalidError("sweep row " + std::to_string(index) + ": missing '" + key + "'");
    if (v->isNull())
        return std::nan("");
    if (!v->isNumber())
        return invalidError("sweep row " + std::to_string(index) + ": '" + key +
                            "' must be a number, got " + jsonTypeName(v->type()));
    return v->asNumber();
}

} // namespace

std::string latexEscape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '\\':
            out += "\\textbackslash{}";
            break;
        case '~':
            out += "\\textasciitilde{}";
            break;
        case '^':
            out += "\\textasciicircum{}";
            break;
        case '&':
        case '%':
        case '$':
        case '#':
        case '_':
        case '{':
        case '}':
            out += '\\';
            out += c;
            break;
        default:
            out += c;
        }
    }
    return out;
}

Expected<std::vector<SweepRow>> sweepRowsFromJson(const Json& json) {
    if (!json.isArray())
        return invalidError(std::string("a sweep must be a JSON array of rows, got ") +
                            jsonTypeName(json.type()));
    std::vector<SweepRow> rows;
    for (size_t i = 0; i < json.size(); ++i) {
        const Json& r = json[i];
        if (!r.isObject())
            return invalidError("sweep row " + std::to_string(i) + " must be an object");
        SweepRow row;
        const Json* method = r.find("method");
        if (!method || !method->isString() || method->asString().empty())
            return invalidError("sweep row " + std::to_string(i) +
                                ": 'method' must be a non-empty string");
        row.method = method->asString();
        DASH_ASSIGN_OR_RETURN(row.targetRatio, rowNumber(r, i, "target_ratio"));
        DASH_ASSIGN_OR_RETURN(row.nominalRatio, rowNumber(r, i, "nominal_ratio"));
        DASH_ASSIGN_OR_RETURN(row.measuredSpeedup, rowNumber(r, i, "measured_speedup"));
        DASH_ASSIGN_OR_RETURN(row.pplAll, rowNumber(r, i, "ppl_all"));
        DASH_ASSIGN_OR_RETURN(row.pplSecondHalf, rowNumber(r, i, "ppl_second_half"));
        if (row.method != "full" && !(row.targetRatio > 0))
            return invalidError("sweep row " + std::to_string(i) +
                                ": 'target_ratio' must be a positive number");
        rows.push_back(std::move(row));
    }
    return rows;
}

Expected<std::string> sweepToLatex(const std::vector<SweepRow>& rows,
                                   const LatexTableOptions& options) {
    const SweepRow* full = nullptr;
    std::vector<int> ratios;
    std::vector<std::string> methods;
    // (method, ratio key) -> row
    std::map<std::pair<std::string, int>, const SweepRow*> cells;
    for (const SweepRow& row : rows) {
        if (row.method == "full") {
            if (full)
                return invalidError("the sweep holds two full-precision rows");
            full = &row;
            continue;
        }
        const int key = ratioKey(row.targetRatio);
        if (!cells.emplace(std::make_pair(row.method, key), &row).second)
            return invalidError("the sweep holds two rows for method '" + row.method +
                                "' at ratio " + std::to_string(key / 100.0));
        if (std::find(ratios.begin(), ratios.end(), key) == ratios.end())
            ratios.push_back(key);
        if (std::find(methods.begin(), methods.end(), row.method) == methods.end())
            methods.push_back(row.method);
    }
    if (methods.empty())
        return invalidError("the sweep holds no method besides full precision");
    std::sort(ratios.begin(), ratios.end());
    std::stable_sort(
        methods.begin(), methods.end(),
        [](const std::string& a, const std::string& b) { return methodRank(a) < methodRank(b); });

    const size_t groupWidth = ratios.size();
    // Best value of every (metric, ratio) column among the methods; a column
    // with a single value has nothing to compare and no best.
    std::map<std::pair<size_t, int>, double> best;
    std::map<std::pair<size_t, int>, int> candidates;
    for (size_t m = 0; m < std::size(kMetrics); ++m) {
        if (kMetrics[m].better == 0)
            continue;
        for (int key : ratios) {
            for (const std::string& method : methods) {
                const auto it = cells.find({method, key});
                if (it == cells.end())
                    continue;
                const double v = it->second->*kMetrics[m].field;
                if (!std::isfinite(v))
                    continue;
                ++candidates[{m, key}];
                auto [slot, inserted] = best.emplace(std::make_pair(m, key), v);
                if (!inserted && (kMetrics[m].better < 0 ? v < slot->second : v > slot->second))
                    slot->second = v;
            }
        }
    }

    std::string out = "% Needs \\usepackage{booktabs}.\n\\begin{table}[t]\n\\centering\n";
    if (!options.caption.empty())
        out += "\\caption{" + options.caption + "}\n";
    if (!options.label.empty())
        out += "\\label{" + options.label + "}\n";
    out += "\\begin{tabular}{l";
    for (size_t m = 0; m < std::size(kMetrics); ++m)
        out += std::string(groupWidth, 'c');
    out += "}\n\\toprule\n";
    for (const Metric& metric : kMetrics)
        out += " & \\multicolumn{" + std::to_string(groupWidth) + "}{c}{" + metric.title + "}";
    out += " \\\\\n";
    for (size_t m = 0; m < std::size(kMetrics); ++m) {
        const size_t first = 2 + m * groupWidth;
        out += (m ? " " : "") + std::string("\\cmidrule(lr){") + std::to_string(first) + "-" +
               std::to_string(first + groupWidth - 1) + "}";
    }
    out += "\nMethod";
    for (size_t m = 0; m < std::size(kMetrics); ++m)
        for (int key : ratios)
            out += " & " + ratioLabel(key);
    out += " \\\\\n\\midrule\n";
    if (full) {
        out += methodName("full", options);
        for (const Metric& metric : kMetrics)
            out += " & \\multicolumn{" + std::to_string(groupWidth) + "}{c}{" +
                   metric.format(full->*metric.field) + "}";
        out += " \\\\\n\\midrule\n";
    }
    for (const std::string& method : methods) {
        out += methodName(method, options);
        for (size_t m = 0; m < std::size(kMetrics); ++m) {
            for (int key : ratios) {
                const auto it = cells.find({method, key});
                if (it == cells.end()) {
                    out += " & --";
                    continue;
                }
                const double v = it->second->*kMetrics[m].field;
                std::string text = kMetrics[m].format(v);
                const auto b = best.find({m, key});
                if (options.boldBest && b != best.end() && candidates[{m, key}] > 1 &&
                    std::isfinite(v) && v == b->second)
                    text = "\\textbf{" + text + "}";
                out += " & " + text;
            }
        }
        out += " \\\\\n";
    }
    out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
    return out;
}

} // namespace dash
