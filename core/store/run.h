// SPDX-License-Identifier: MIT
// A saved run: everything needed to list, compare, reproduce and export one
// inference run — the model and policy it used, the machine it ran on, the
// prompt and output, the full per-(token, layer) trace, and its metrics.
#pragma once

#include "core/engine/engine.h"
#include "core/engine/trace.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dash {

struct RunModelInfo {
    std::string path;
    int64_t sizeBytes = 0;
    std::string sha256;              // lower-case hex of the file's SHA-256
    std::string architecture;        // general.architecture ("llama", "qwen2")
    std::string metadataJson = "{}"; // scalar GGUF metadata as a JSON object
};

struct RunPolicyInfo {
    std::string kind;                  // "full", "dash", "early-exit", "skipdecode", ...
    std::string parametersJson = "{}"; // the policy's parameters as a JSON object
    std::string fileSha256;            // SHA-256 of the policy file; empty when built in
    KvMode kvMode = KvMode::Project;
};

struct RunEnvironment {
    std::string backend;       // "cpu", "cuda"
    std::string deviceName;    // CPU model or GPU name
    std::string driverVersion; // GPU driver; empty on the CPU
    std::string cudaVersion;   // CUDA runtime; empty on the CPU
    std::string buildId;       // version and commit of the build that ran it
    int32_t threads = 0;       // CPU worker threads
};

struct RunMetrics {
    std::optional<double> perplexity;           // over all scored tokens
    std::optional<double> perplexitySecondHalf; // over the second half of them
    double nominalRatio = 0;                    // 4·L·T / Σ states
    std::optional<double> measuredSpeedup;      // wall clock vs a full-precision run
    double msPerToken = 0;
    double policyOverlap = 0; // fraction of policy-stream time hidden under compute
};

struct RunRecord {
    int64_t id = 0;        // assigned by the store; 0 for an unsaved run
    int64_t createdMs = 0; // Unix time in milliseconds (UTC); 0: now, on save
    int64_t updatedMs = 0; // last label/notes change; 0: the creation time, on save
    std::string label;
    std::string notes;

    RunModelInfo model;
    RunPolicyInfo policy;
    RunEnvironment environment;

    std::string promptText;
    std::vector<int32_t> promptIds;
    std::string generatedText;
    std::vector<int32_t> generatedIds;

    Trace trace;
    RunMetrics metrics;
};

} // namespace dash
