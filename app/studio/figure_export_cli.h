// SPDX-License-Identifier: MIT
// `dash-studio --export-figure KIND --trace TRACE.json --out FILE ...`: a paper
// figure of a trace written without a window, through the same painter as the
// export dialog. It runs on Qt's offscreen platform, so it needs no display.
// `--export-figure pareto --results results.json` draws an evaluation's
// speed/quality curves instead (app/studio/eval_figure.h).
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/util/status.h"

#include <QString>

class QCommandLineParser;

namespace dash::studio {

// True when the arguments ask for a figure export; checked before the
// application object exists, to choose the offscreen platform.
bool figureExportRequested(int argc, const char* const* argv);

void addFigureExportOptions(QCommandLineParser& parser);

// Runs the export the parsed options describe; prints errors to stderr and
// returns the process exit code (0 written, 1 failed, 2 bad arguments).
int runFigureExport(const QCommandLineParser& parser);

// The run in a trace file that `dash-cli trace --json` wrote: its cells, the
// prompt/generated split from "prompt_tokens", and token texts from the
// model's tokenizer when `modelPath` is not empty (else the token ids).
Expected<SnapshotPtr> loadTraceSnapshot(const QString& tracePath, const QString& modelPath);

} // namespace dash::studio
