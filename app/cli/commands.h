// SPDX-License-Identifier: MIT
// The dash-cli subcommands; each lives in its own cmd_<name>.cpp.
#pragma once

#include "app/cli/cli_args.h"

namespace dash::cli {

extern const Command kInfoCommand;
extern const Command kTokenizeCommand;
extern const Command kDetokenizeCommand;
extern const Command kLogitsCommand;
extern const Command kGenerateCommand;
extern const Command kTraceCommand;
extern const Command kPerplexityCommand;
extern const Command kBenchCommand;
extern const Command kRunsCommand;
extern const Command kCalibrateCommand;
extern const Command kTrainPolicyCommand;
extern const Command kRunCommand;
extern const Command kSweepCommand;
extern const Command kEvalCommand;
extern const Command kExportCommand;
extern const Command kHeadroomCommand;

// dash-cli with its arguments (argv[0] is the program): runs the command and
// returns the exit code.
int runCli(int argc, char** argv);

} // namespace dash::cli
