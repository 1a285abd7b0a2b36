// SPDX-License-Identifier: MIT
// The tables of an evaluation, from its layout and cells:
//   results.csv   one line per cell and metric (no timing, so that two runs
//                 of one plan give the same file)
//   results.json  {layout, cells: [...]} (cells with their configuration and
//                 wall time)
//   table1.tex    Table 1's layout: one row per method, a column group per
//                 ratio with one column per task (WikiText-2 perplexity,
//                 CNN/DM ROUGE-L F1 x 100, MMLU accuracy % (acc), ARC
//                 accuracy % (acc_norm), measured decode speedup); full
//                 precision's values repeat in
//                 every group; a missing cell prints as "--". Needs booktabs.
#pragma once

#include "core/eval/eval_run.h"

#include <string>
#include <vector>

namespace dash::eval {

// printf of one number with `spec` (e.g. "%.2f").
std::string formatNumber(const char* spec, double v);
// The cell of (method, ratio, task); full precision's at ratio 1 whatever
// the ratio asked. Null when absent.
const CellResult* findCell(const std::vector<CellResult>& cells, const std::string& method,
                           double ratio, Task task);
// A cell's primary metric as the LaTeX tables print it: perplexity as it is,
// speedup with "$\times$", ROUGE-L and accuracies x 100 with one decimal;
// "--" for a missing cell or a value that is not finite.
std::string tableValue(const CellResult* c);

std::string resultsCsv(const TableLayout& layout, const std::vector<CellResult>& cells);
Json resultsJson(const TableLayout& layout, const std::vector<CellResult>& cells);
std::string resultsLatex(const TableLayout& layout, const std::vector<CellResult>& cells);

// Writes the three files into `dir`.
Status writeTables(const std::string& dir, const TableLayout& layout,
                   const std::vector<CellResult>& cells);

} // namespace dash::eval
