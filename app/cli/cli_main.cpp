// SPDX-License-Identifier: MIT
// The dash-cli command dispatch: the command table, usage texts, and the
// final check that standard output was written. main() in main.cpp calls it;
// tests call it in a forked child.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/backend_registry.h"
#include "core/engine/cpu/isa.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using dash::cli::Command;

const Command* const kCommands[] = {
    &dash::cli::kInfoCommand,        &dash::cli::kTokenizeCommand, &dash::cli::kDetokenizeCommand,
    &dash::cli::kLogitsCommand,      &dash::cli::kGenerateCommand, &dash::cli::kTraceCommand,
    &dash::cli::kPerplexityCommand,  &dash::cli::kBenchCommand,    &dash::cli::kCalibrateCommand,
    &dash::cli::kTrainPolicyCommand, &dash::cli::kRunCommand,      &dash::cli::kSweepCommand,
    &dash::cli::kExportCommand,      &dash::cli::kRunsCommand,     &dash::cli::kHeadroomCommand,
    &dash::cli::kEvalCommand,
};

std::string engineOptionsHelp() {
    return "ENGINE OPTIONS (commands that run a model):\n"
           "  --backend NAME  where the layers run: " +
           dash::backendNames() +
           " (default cpu)\n"
           "  --threads T     CPU threads, 0 for one per hardware thread (default 0)\n"
           "  --isa NAME      CPU kernels: " +
           dash::cpu::isaNames() +
           " (default: the best this CPU runs)\n"
           "  --device N      GPU ordinal for --backend cuda (default 0)\n";
}

void printUsage(FILE* out) {
    std::fprintf(out, "usage: dash-cli <command> [options]   (dash-cli <command> --help)\n\n"
                      "commands:\n");
    for (const Command* c : kCommands)
        std::fprintf(out, "  %-12s %s\n", c->name, c->summary);
    std::fprintf(out, "\n%s", engineOptionsHelp().c_str());
}

} // namespace

namespace dash::cli {

namespace {

// Every exit goes through here: output that did not reach standard output
// turns a success into a failure, with the reason.
int finish(const std::string& command, int code) {
    // A command that failed has said why already.
    if (auto st = finishStandardOutput(); !st.ok() && code == 0) {
        std::fprintf(stderr, "dash-cli%s%s: %s\n", command.empty() ? "" : " ", command.c_str(),
                     st.error().message().c_str());
        return 1;
    }
    return code;
}

} // namespace

int runCli(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(stdout);
        return finish("", 0);
    }
    if (name == "--version") {
        std::printf("dash-cli %s\n", DASH_VERSION);
        return finish("", 0);
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const Command* c : kCommands) {
        if (name != c->name)
            continue;
        for (const auto& a : args) {
            if (a == "--help" || a == "-h") {
                std::printf("usage: dash-cli %s %s\n", c->name, c->usage);
                if (std::strstr(c->usage, "[ENGINE OPTIONS]"))
                    std::printf("\n%s", engineOptionsHelp().c_str());
                return finish(c->name, 0);
            }
        }
        return finish(c->name, c->run(args));
    }
    std::fprintf(stderr, "dash-cli: unknown command '%s'\n", name.c_str());
    printUsage(stderr);
    return 2;
}

} // namespace dash::cli
