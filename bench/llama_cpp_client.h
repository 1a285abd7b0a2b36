// SPDX-License-Identifier: MIT
// llama.cpp as a child process: the harness that scripts/fetch-llama-cpp.sh
// builds against the fetched release (bench/llama_cpp_harness.cpp documents
// its line protocol). One process per model file.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace dash::bench {

// Where the fetch script put llama.cpp: its harness and shared libraries.
struct LlamaCppInstall {
    std::string harness;   // executable
    std::string libraries; // directory of libllama / libggml and the CPU backends
    std::string release;   // the llama.cpp release the package was built from
    std::string package;   // npm package and version
};

// Runs scripts/fetch-llama-cpp.sh (npm, a C++ compiler) and reads what it
// printed.
Expected<LlamaCppInstall> fetchLlamaCpp(const std::string& script, const std::string& cacheDir);

class LlamaCppProcess {
public:
    static Expected<std::unique_ptr<LlamaCppProcess>>
    start(const LlamaCppInstall& install, const std::string& model, int threads, int context);
    ~LlamaCppProcess();

    int32_t vocab() const { return m_vocab; }
    struct Timing {
        double prefillSeconds = 0;
        double decodeSeconds = 0;
    };
    // Prefill tokens[0..prefill) in one batch, then one step per remaining token.
    Expected<Timing> run(const std::vector<int32_t>& tokens, size_t prefill);
    // Logits of every position of one batch: [tokens][vocab].
    Expected<std::vector<float>> logits(const std::vector<int32_t>& tokens,
                                        const std::string& scratchPath);
    // Peak and current resident memory of the process, bytes.
    Expected<std::pair<uint64_t, uint64_t>> memory();

private:
    LlamaCppProcess() = default;
    Expected<std::string> request(const std::string& line);

    pid_t m_pid = -1;
    std::FILE* m_in = nullptr;  // to the child
    std::FILE* m_out = nullptr; // from the child
    int32_t m_vocab = 0;
    std::string m_model;
};

} // namespace dash::bench
