// SPDX-License-Identifier: MIT
#include "cli_runner.h"

#include "app/cli/commands.h"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace dash::test {

namespace {

long long nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string readAll(const std::string& path) {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return out;
    char buf[65536];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

std::atomic<unsigned> g_serial{0};

} // namespace

std::string CliResult::status() const {
    if (timedOut)
        return "timed out after " + std::to_string(seconds) + " s";
    if (!exited)
        return std::string("killed by signal ") + std::to_string(signal) + " (" +
               strsignal(signal) + ")";
    return "exit " + std::to_string(code);
}

CliProcess::CliProcess(std::vector<std::string> args, CliOptions options, std::string scratch)
    : m_args(std::move(args)), m_options(std::move(options)), m_scratch(std::move(scratch)) {}

CliProcess::~CliProcess() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
}

bool CliProcess::start() {
    const std::string outPath = m_scratch + ".out";
    const std::string errPath = m_scratch + ".err";
    // Nothing buffered in the parent may be written twice by the child.
    std::fflush(nullptr);
    m_startNs = nowNs();
    m_pid = ::fork();
    if (m_pid < 0)
        return false;
    if (m_pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = m_options.stdoutPath.empty()
                            ? ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)
                            : ::open(m_options.stdoutPath.c_str(), O_WRONLY);
        const int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0)
            ::_exit(125);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::close(in);
        ::close(out);
        ::close(err);
        // The test framework's crash handlers (QtTest prints a stack trace
        // with gdb) are not the child's: a crash must end it at once.
        for (int sig :
             {SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGINT, SIGTERM, SIGALRM})
            std::signal(sig, SIG_DFL);
        if (m_options.unprivileged && ::geteuid() == 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
                ::_exit(77);
        }
        // A crash is reported by its signal; a core file would only cost time.
        const rlimit noCore{0, 0};
        ::setrlimit(RLIMIT_CORE, &noCore);
        if (m_options.fileSizeLimit >= 0) {
            std::signal(SIGXFSZ, SIG_IGN);
            const rlimit lim{static_cast<rlim_t>(m_options.fileSizeLimit),
                             static_cast<rlim_t>(m_options.fileSizeLimit)};
            ::setrlimit(RLIMIT_FSIZE, &lim);
        }
        // A backstop should the parent die: SIGALRM ends the child.
        ::alarm(static_cast<unsigned>(m_options.timeoutMs / 1000 + 5));
        std::vector<std::string> argv = m_args;
        argv.insert(argv.begin(), "dash-cli");
        std::vector<char*> ptrs;
        for (std::string& a : argv)
            ptrs.push_back(a.data());
        ptrs.push_back(nullptr);
        const int code = dash::cli::runCli(static_cast<int>(argv.size()), ptrs.data());
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(code);
    }
    return true;
}

void CliProcess::collect(int status, const rusage& usage) {
    m_result.seconds = static_cast<double>(nowNs() - m_startNs) / 1e9;
    m_result.cpuSeconds =
        static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    m_result.exited = WIFEXITED(status);
    m_result.code = m_result.exited ? WEXITSTATUS(status) : -1;
    m_result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (m_options.stdoutPath.empty())
        m_result.out = readAll(m_scratch + ".out");
    m_result.err = readAll(m_scratch + ".err");
    ::unlink((m_scratch + ".out").c_str());
    ::unlink((m_scratch + ".err").c_str());
    m_pid = -1;
}

bool CliProcess::poll() {
    if (m_pid <= 0)
        return true;
    int status = 0;
    rusage usage{};
    const pid_t r = ::wait4(m_pid, &status, WNOHANG, &usage);
    if (r == m_pid) {
        collect(status, usage);
        return true;
    }
    if (nowNs() - m_startNs > static_cast<long long>(m_options.timeoutMs) * 1000000) {
        ::kill(m_pid, SIGKILL);
        ::wait4(m_pid, &status, 0, &usage);
        collect(status, usage);
        m_result.timedOut = true;
        m_result.exited = false;
        return true;
    }
    return false;
}

void CliProcess::signal(int signal) {
    if (m_pid > 0)
        ::kill(m_pid, signal);
}

std::string CliProcess::errorSoFar() const {
    return readAll(m_scratch + ".err");
}

CliResult runCliForked(const std::vector<std::string>& args, const CliOptions& options) {
    const std::string scratch = options.scratchDir + "/dash-cli-run-" + std::to_string(::getpid()) +
                                "-" + std::to_string(g_serial.fetch_add(1));
    CliProcess p(args, options, scratch);
    if (!p.start()) {
        CliResult r;
        r.err = std::string("fork failed: ") + std::strerror(errno);
        return r;
    }
    while (!p.poll())
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    return p.result();
}

std::string shellLine(const std::vector<std::string>& args) {
    std::string line = "dash-cli";
    for (const std::string& a : args) {
        line += ' ';
        bool plain = !a.empty();
        for (char c : a)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=,:+", c)))
                plain = false;
        if (plain) {
            line += a;
        } else {
            line += '\'';
            for (char c : a)
                line += c == '\'' ? std::string("'\\''") : std::string(1, c);
            line += '\'';
        }
    }
    return line;
}

} // namespace dash::test
