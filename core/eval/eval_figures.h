// SPDX-License-Identifier: MIT
// The data of the paper's figures from an evaluation, written into
// <out>/figures for dash-studio's headless renderer
// (dash-studio --export-figure KIND ...; app/studio/figure_export_cli.h):
//   fig1_similarity.trace.json  Fig. 1: full precision on a WikiText-2 sample
//                               (the first `sampleTokens` tokens of the
//                               file): cos(layer input, layer output) per
//                               token and layer; `--export-figure curves`
//                               draws it across layers (one token and the
//                               mean over the sample)
//   fig4_states.trace.json      Fig. 4: the same sample under one method at
//                               one ratio (its tuned knob read from the
//                               cells): the state of every (token, layer);
//                               `--export-figure heatmap` draws it
//   fig4_state_similarity.csv   token,layer,state,cos_in_out_full: each
//                               decision beside the full-precision similarity
//                               of that (token, layer), which the policy run
//                               cannot measure for a skipped layer
//   pareto: results.json itself (`--export-figure pareto --results ...`)
// The traces are in `dash-cli trace --json`'s format with every token counted
// as prompt.
#pragma once

#include "core/eval/eval_run.h"

#include <string>
#include <vector>

namespace dash::eval {

struct FigureDataOptions {
    int64_t sampleTokens = 64;
    // Fig. 4's method (a method of the plan, as given to --methods) and
    // ratio; empty: the first DASH method, else the first method other than
    // full precision; ratio <= 0: the plan's last ratio.
    std::string method;
    double ratio = 0;
};

// The method and ratio Fig. 4 uses for `plan` under `options`; an error
// when the plan has nothing to skip with.
Expected<EvalCell> figureCell(const EvalPlan& plan, const FigureDataOptions& options);

// Writes the files above into <outDir>/figures and returns their paths. The
// plan needs its WikiText-2 file; `cells` must hold a cell of Fig. 4's
// method and ratio (its knob is reused, not tuned again).
Expected<std::vector<std::string>> writeFigureData(Engine& engine, const EvalPlan& plan,
                                                   const std::vector<CellResult>& cells,
                                                   const std::string& outDir,
                                                   const FigureDataOptions& options = {});

} // namespace dash::eval
