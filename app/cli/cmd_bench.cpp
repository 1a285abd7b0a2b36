// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/sampler.h"
#include "core/util/clock.h"
#include "core/util/stats.h"

#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv, options({kModelOptions, {"prompt-tokens", "decode-tokens", "repeats"}}), {"json"});
    if (!args.ok())
        return fail("bench", args.error());
    constexpr long long kMaxTokens = std::numeric_limits<int32_t>::max();
    auto promptTokens = args->getInt("prompt-tokens", 64, 1, kMaxTokens);
    auto decodeTokens = args->getInt("decode-tokens", 64, 1, kMaxTokens);
    auto repeats = args->getInt("repeats", 5, 1, 10000);
    auto eo = engineOptions(*args);
    if (auto err = firstError(promptTokens, decodeTokens, repeats, eo))
        return fail("bench", *err);
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("bench", model.error());
    const ModelConfig& c = (*model)->config();
    if (*promptTokens + *decodeTokens > c.contextLength)
        return fail("bench", "prompt + decode tokens (" +
                                 std::to_string(*promptTokens + *decodeTokens) +
                                 ") exceed the context length " + std::to_string(c.contextLength));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("bench", made.error());
    Engine& engine = **made;
    // A fixed, varied prompt: BOS (when there is one) then ids spread over the vocabulary.
    std::vector<int32_t> prompt;
    const int32_t bos = (*model)->tokenizer().bos();
    if (bos >= 0)
        prompt.push_back(bos);
    while (static_cast<long long>(prompt.size()) < *promptTokens)
        prompt.push_back(
            static_cast<int32_t>((prompt.size() * 7919 + 13) % static_cast<size_t>(c.vocabSize)));

    std::vector<double> prefill, decode;
    // One warm-up round, then the measured ones.
    for (long long r = 0; r <= *repeats; ++r) {
        engine.reset();
        const int64_t t0 = steadyNowNs();
        auto logits = engine.forward(prompt);
        if (!logits.ok())
            return fail("bench", logits.error());
        const int64_t t1 = steadyNowNs();
        int32_t next = argmax(*logits);
        for (long long i = 0; i < *decodeTokens; ++i) {
            const int32_t one[1] = {next};
            auto step = engine.forward(one);
            if (!step.ok())
                return fail("bench", step.error());
            next = argmax(*step);
        }
        const int64_t t2 = steadyNowNs();
        if (r == 0)
            continue;
        prefill.push_back(static_cast<double>(prompt.size()) /
                          (static_cast<double>(t1 - t0) / 1e9));
        decode.push_back(static_cast<double>(*decodeTokens) / (static_cast<double>(t2 - t1) / 1e9));
    }
    const double p = median(prefill), d = median(decode);
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("prefill_tok_per_s", p);
        out.set("decode_tok_per_s", d);
        out.set("threads", engine.threads());
        out.set("prompt_tokens", static_cast<int64_t>(prompt.size()));
        out.set("decode_tokens", static_cast<int64_t>(*decodeTokens));
        out.set("repeats", static_cast<int64_t>(*repeats));
        out.set("backend", engine.backend().info().name);
        out.set("device", engine.backend().info().device);
        out.set("kernels", engine.backend().info().detail);
        printJson(out);
        return 0;
    }
    std::printf("%s\n%s: %s (%s)\nmedian of %lld runs: prefill %zu tokens %.1f tok/s, decode "
                "%lld tokens %.1f tok/s\n",
                (*model)->summary().c_str(), engine.backend().info().name.c_str(),
                engine.backend().info().device.c_str(), engine.backend().info().detail.c_str(),
                *repeats, prompt.size(), p, *decodeTokens, d);
    return 0;
}

} // namespace

const Command kBenchCommand = {"bench", "prefill and decode speed (median of repeated runs)",
                               "--model FILE.gguf [ENGINE OPTIONS] [--prompt-tokens P] "
                               "[--decode-tokens D] [--repeats R] [--json]",
                               run};

} // namespace dash::cli
