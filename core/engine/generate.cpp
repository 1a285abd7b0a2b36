// SPDX-License-Identifier: MIT
#include "core/engine/generate.h"

#include "core/util/clock.h"

#include <cmath>

namespace dash {

Expected<GenerateResult> generate(Engine& engine, const std::vector<int32_t>& prompt,
                                  const GenerateOptions& options) {
    DASH_TRY(options.sampler.validate());
    if (prompt.empty())
        return invalidError("the prompt has no tokens");
    GenerateResult result;
    Sampler sampler(options.sampler);
    const int64_t t0 = steadyNowNs();
    DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(prompt, options.forward));
    const int64_t t1 = steadyNowNs();
    result.prefillNs = t1 - t0;
    const int32_t eos = engine.model().tokenizer().eos();
    for (int32_t i = 0; i < options.maxNewTokens; ++i) {
        const int32_t next = sampler.sample(logits);
        result.generated.push_back(next);
        if (options.onToken && !options.onToken(next))
            break;
        if (options.stopAtEos && next == eos) {
            result.stoppedAtEos = true;
            break;
        }
        if (i + 1 == options.maxNewTokens)
            break;
        const int32_t one[1] = {next};
        DASH_ASSIGN_OR_RETURN(logits, engine.forward(one, options.forward));
    }
    result.decodeNs = steadyNowNs() - t1;
    return result;
}

Expected<PerplexityProtocol> parsePerplexityProtocol(const std::string& text) {
    if (text == "all")
        return PerplexityProtocol::All;
    if (text == "second-half")
        return PerplexityProtocol::SecondHalf;
    return invalidError("unknown perplexity protocol '" + text +
                        "' (expected 'all' or 'second-half')");
}

double logProbability(std::span<const float> logits, int32_t target) {
    double maxLogit = logits[0];
    for (float v : logits)
        maxLogit = std::max(maxLogit, static_cast<double>(v));
    double sum = 0;
    for (float v : logits)
        sum += std::exp(static_cast<double>(v) - maxLogit);
    return static_cast<double>(logits[static_cast<size_t>(target)]) - maxLogit - std::log(sum);
}

Expected<PerplexityResult> perplexity(Engine& engine, const std::vector<int32_t>& allIds,
                                      const PerplexityOptions& options) {
    const int64_t context =
        options.context > 0 ? options.context : engine.model().config().contextLength;
    if (context < 2)
        return invalidError("the perplexity window must hold at least 2 tokens");
    if (context > engine.maxContext())
        return invalidError("window of " + std::to_string(context) +
                            " tokens exceeds the engine's context length " +
                            std::to_string(engine.maxContext()));
    auto total = static_cast<int64_t>(allIds.size());
    if (options.maxTokens > 0)
        total = std::min(total, options.maxTokens);
    const int64_t windows = total / context;
    if (windows == 0)
        return invalidError("the text has " + std::to_string(total) +
                            " tokens, fewer than one window of " + std::to_string(context));
    const int32_t vocab = engine.model().config().vocabSize;
    ForwardOptions forward = options.forward;
    forward.allLogits = true;
    double nllAll = 0, nllHalf = 0;
    PerplexityResult r;
    for (int64_t w = 0; w < windows; ++w) {
        engine.reset();
        std::span<const int32_t> window(allIds.data() + w * context, static_cast<size_t>(context));
        DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(window, forward));
        for (int64_t j = 0; j + 1 < context; ++j) {
            const double lp = logProbability(
                logits.subspan(static_cast<size_t>(j * vocab), static_cast<size_t>(vocab)),
                window[static_cast<size_t>(j + 1)]);
            nllAll -= lp;
            ++r.scoredAll;
            if (j >= context / 2) {
                nllHalf -= lp;
                ++r.scoredSecondHalf;
            }
        }
        if (options.onProgress && !options.onProgress(w + 1, windows))
            return cancelledError();
    }
    engine.reset();
    r.windows = windows;
    r.pplAll = std::exp(nllAll / static_cast<double>(r.scoredAll));
    r.pplSecondHalf = std::exp(nllHalf / static_cast<double>(r.scoredSecondHalf));
    return r;
}

} // namespace dash
