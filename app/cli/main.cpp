// SPDX-License-Identifier: MIT
// dash-cli: the headless front end of DASH Studio. Links only the Qt-free core
// (and the CUDA backend when built), so it runs where Qt is absent.
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
    &dash::cli::kExportCommand,      &dash::cli::kRunsCommand,
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

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("dash-cli %s\n", DASH_VERSION);
        return 0;
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
                return 0;
            }
        }
        return c->run(args);
    }
    std::fprintf(stderr, "dash-cli: unknown command '%s'\n", name.c_str());
    printUsage(stderr);
    return 2;
}
