// SPDX-License-Identifier: MIT
// Runs dash-cli commands in forked children of the test process (Qt-free).
// The child calls the same entry point as the binary (dash::cli::runCli), so
// a run costs a fork instead of an exec of a (possibly sanitized) binary:
// thousands of runs take seconds. stdout and stderr go to files that the
// parent reads back; a run past its time limit is killed.
#pragma once

#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace dash::test {

struct CliOptions {
    int timeoutMs = 30000;
    // Where the child's standard output goes instead of a captured file
    // (for example "/dev/full"); empty: captured.
    std::string stdoutPath;
    // RLIMIT_FSIZE for the child (< 0: unlimited): writes past it fail with
    // EFBIG, as on a full disk.
    long long fileSizeLimit = -1;
    // Folder for the captured output files of runCliForked (a test's own
    // temporary folder).
    std::string scratchDir = "/tmp";
    // Run as uid/gid 65534 when the test runs as root, so that permission
    // bits apply (root ignores them). The child exits 77 when it cannot.
    bool unprivileged = false;
};

struct CliResult {
    bool exited = false; // exited normally (else killed by a signal or the time limit)
    int code = -1;       // exit code when exited
    int signal = 0;      // terminating signal when not
    bool timedOut = false;
    std::string out;       // standard output (empty when redirected)
    std::string err;       // standard error
    double seconds = 0;    // wall clock, fork to exit
    double cpuSeconds = 0; // user + system time of the child

    // "exit 1", "signal 11", "timed out after 30 s", for messages.
    std::string status() const;
};

// One child process; start() forks it, poll() reaps it without blocking.
class CliProcess {
public:
    // `scratch` is a path prefix for the child's output files (".out", ".err").
    CliProcess(std::vector<std::string> args, CliOptions options, std::string scratch);
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;
    ~CliProcess(); // kills a child still running

    bool start();
    // True once the child has finished (or was killed at its deadline).
    bool poll();
    // Sends `signal` to the running child.
    void signal(int signal);
    // The child's standard error so far.
    std::string errorSoFar() const;
    const CliResult& result() const { return m_result; }
    const std::vector<std::string>& args() const { return m_args; }

private:
    void collect(int status, const struct rusage& usage);

    std::vector<std::string> m_args;
    CliOptions m_options;
    std::string m_scratch;
    pid_t m_pid = -1;
    long long m_startNs = 0;
    CliResult m_result;
};

// Runs one command to completion. args are those after "dash-cli".
CliResult runCliForked(const std::vector<std::string>& args, const CliOptions& options = {});

// The command line as a shell would take it, for messages.
std::string shellLine(const std::vector<std::string>& args);

} // namespace dash::test
