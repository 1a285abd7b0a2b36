// SPDX-License-Identifier: MIT
#include "llama_cpp_client.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace dash::bench {

namespace {

std::string readLine(std::FILE* f) {
    std::string line;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, f)) {
        line += buf;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            break;
        }
    }
    return line;
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

Expected<LlamaCppInstall> fetchLlamaCpp(const std::string& script, const std::string& cacheDir) {
    const std::string command = quoted(script) + " " + quoted(cacheDir);
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return ioError("cannot run " + script);
    LlamaCppInstall install;
    std::string line, log;
    while (!(line = readLine(pipe)).empty() || !std::feof(pipe)) {
        // KEY=VALUE lines are the result; everything else is progress (stderr
        // goes to the terminal).
        const size_t eq = line.find('=');
        const std::string key = eq == std::string::npos ? "" : line.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : line.substr(eq + 1);
        if (key == "HARNESS")
            install.harness = value;
        else if (key == "LIBDIR")
            install.libraries = value;
        else if (key == "RELEASE")
            install.release = value;
        else if (key == "PACKAGE")
            install.package = value;
        else if (!line.empty())
            log += line + "\n";
    }
    const int status = pclose(pipe);
    if (status != 0 || install.harness.empty() || install.libraries.empty())
        return ioError(script + " failed (exit status " + std::to_string(status) + ")" +
                       (log.empty() ? "" : ": " + log));
    return install;
}

Expected<std::unique_ptr<LlamaCppProcess>> LlamaCppProcess::start(const LlamaCppInstall& install,
                                                                  const std::string& model,
                                                                  int threads, int context) {
    int toChild[2], fromChild[2];
    if (pipe(toChild) != 0)
        return ioError(std::string("pipe: ") + std::strerror(errno));
    if (pipe(fromChild) != 0) {
        close(toChild[0]);
        close(toChild[1]);
        return ioError(std::string("pipe: ") + std::strerror(errno));
    }
    const std::string threadsArg = std::to_string(threads);
    const std::string contextArg = std::to_string(context);
    const pid_t pid = fork();
    if (pid < 0)
        return ioError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        dup2(toChild[0], 0);
        dup2(fromChild[1], 1);
        close(toChild[0]);
        close(toChild[1]);
        close(fromChild[0]);
        close(fromChild[1]);
        execl(install.harness.c_str(), install.harness.c_str(), model.c_str(), threadsArg.c_str(),
              contextArg.c_str(), install.libraries.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "cannot run %s: %s\n", install.harness.c_str(), std::strerror(errno));
        _exit(127);
    }
    close(toChild[0]);
    close(fromChild[1]);
    std::unique_ptr<LlamaCppProcess> p(new LlamaCppProcess);
    p->m_pid = pid;
    p->m_model = model;
    p->m_in = fdopen(toChild[1], "w");
    p->m_out = fdopen(fromChild[0], "r");
    const std::string ready = readLine(p->m_out);
    if (ready.rfind("ready ", 0) != 0)
        return ioError("llama.cpp harness on '" + model + "' did not start" +
                       (ready.empty() ? std::string() : ": " + ready));
    p->m_vocab = std::atoi(ready.c_str() + 6);
    return p;
}

LlamaCppProcess::~LlamaCppProcess() {
    if (m_in) {
        std::fputs("quit\n", m_in);
        std::fclose(m_in);
    }
    if (m_out)
        std::fclose(m_out);
    if (m_pid > 0) {
        int status = 0;
        waitpid(m_pid, &status, 0);
    }
}

Expected<std::string> LlamaCppProcess::request(const std::string& line) {
    if (std::fputs((line + "\n").c_str(), m_in) < 0 || std::fflush(m_in) != 0)
        return ioError("llama.cpp harness on '" + m_model + "' is gone");
    const std::string reply = readLine(m_out);
    if (reply.rfind("ok", 0) != 0)
        return ioError("llama.cpp harness on '" + m_model +
                       "': " + (reply.empty() ? std::string("no reply") : reply));
    return reply.size() > 3 ? reply.substr(3) : std::string();
}

Expected<LlamaCppProcess::Timing> LlamaCppProcess::run(const std::vector<int32_t>& tokens,
                                                       size_t prefill) {
    std::string line =
        "run " + std::to_string(prefill) + " " + std::to_string(tokens.size() - prefill);
    for (int32_t t : tokens)
        line += " " + std::to_string(t);
    DASH_ASSIGN_OR_RETURN(std::string reply, request(line));
    std::istringstream in(reply);
    long long prefillNs = 0, decodeNs = 0;
    if (!(in >> prefillNs >> decodeNs))
        return ioError("llama.cpp harness: unreadable timing '" + reply + "'");
    return Timing{prefillNs * 1e-9, decodeNs * 1e-9};
}

Expected<std::vector<float>> LlamaCppProcess::logits(const std::vector<int32_t>& tokens,
                                                     const std::string& scratchPath) {
    std::string line = "logits " + std::to_string(tokens.size()) + " " + scratchPath;
    for (int32_t t : tokens)
        line += " " + std::to_string(t);
    DASH_TRY(request(line));
    std::ifstream in(scratchPath, std::ios::binary);
    std::vector<float> out(tokens.size() * static_cast<size_t>(m_vocab));
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * 4));
    if (!in)
        return ioError("cannot read llama.cpp's logits from " + scratchPath);
    std::remove(scratchPath.c_str());
    return out;
}

Expected<std::pair<uint64_t, uint64_t>> LlamaCppProcess::memory() {
    DASH_ASSIGN_OR_RETURN(std::string reply, request("memory"));
    std::istringstream in(reply);
    uint64_t peak = 0, now = 0;
    if (!(in >> peak >> now))
        return ioError("llama.cpp harness: unreadable memory '" + reply + "'");
    return std::make_pair(peak * 1024, now * 1024);
}

} // namespace dash::bench
