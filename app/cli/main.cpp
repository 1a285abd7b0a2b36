// SPDX-License-Identifier: MIT
// dash-cli: the headless front end of DASH Studio. Links only the Qt-free core
// (and the CUDA backend when built), so it runs where Qt is absent.
#include "app/cli/commands.h"

int main(int argc, char** argv) {
    return dash::cli::runCli(argc, argv);
}
