// SPDX-License-Identifier: MIT
// Prompt-then-decode loops on an Engine: text generation and perplexity.
#pragma once

#include "core/engine/engine.h"
#include "core/engine/sampler.h"

#include <functional>
#include <string>
#include <vector>

namespace dash {

struct GenerateOptions {
    int32_t maxNewTokens = 32;
    SamplerOptions sampler;
    bool stopAtEos = true;
    ForwardOptions forward; // trace, cancel, controller: used for every pass
    // Called after each new token; returning false stops generation.
    std::function<bool(int32_t token)> onToken;
};

struct GenerateResult {
    std::vector<int32_t> generated;
    int64_t prefillNs = 0;
    int64_t decodeNs = 0; // all decode steps together
    bool stoppedAtEos = false;
};

// Runs `prompt` from the engine's current position, then samples up to
// maxNewTokens tokens. The last sampled token is not fed back (its logits are
// not needed), so the cache holds prompt + generated - 1 tokens afterwards.
Expected<GenerateResult> generate(Engine& engine, const std::vector<int32_t>& prompt,
                                  const GenerateOptions& options);

enum class PerplexityProtocol {
    All,        // every token after the first of each window
    SecondHalf, // only the second half of each window
};
Expected<PerplexityProtocol> parsePerplexityProtocol(const std::string& text);

struct PerplexityOptions {
    int64_t context = 0;   // window length; <= 0: the model's context length
    int64_t maxTokens = 0; // use only the first maxTokens ids; <= 0: all
    ForwardOptions forward;
    // Progress after each window (done, total); returning false cancels.
    std::function<bool(int64_t, int64_t)> onProgress;
};

struct PerplexityResult {
    // Scores of both protocols come from the same forward passes.
    double pplAll = 0;
    int64_t scoredAll = 0;
    double pplSecondHalf = 0;
    int64_t scoredSecondHalf = 0;
    int64_t windows = 0;

    double ppl(PerplexityProtocol p) const {
        return p == PerplexityProtocol::All ? pplAll : pplSecondHalf;
    }
    int64_t scored(PerplexityProtocol p) const {
        return p == PerplexityProtocol::All ? scoredAll : scoredSecondHalf;
    }
};

// Perplexity over non-overlapping windows of `context` ids (only whole windows;
// each window starts with an empty cache). `ids` should start with BOS where
// the model expects one.
Expected<PerplexityResult> perplexity(Engine& engine, const std::vector<int32_t>& ids,
                                      const PerplexityOptions& options);

// log-softmax of `logits` at `target`, computed in double.
double logProbability(std::span<const float> logits, int32_t target);

} // namespace dash
