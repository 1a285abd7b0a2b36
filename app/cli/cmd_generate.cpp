// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/generate.h"

#include <cstdio>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv, options({kModelOptions, {"prompt", "n", "temp", "top-p", "top-k", "seed"}}),
        {"json", "ignore-eos"});
    if (!args.ok())
        return fail("generate", args.error());
    auto prompt = args->required("prompt");
    auto n = args->getInt("n", 32);
    auto temp = args->getDouble("temp", 0.0);
    auto topP = args->getDouble("top-p", 1.0);
    auto topK = args->getInt("top-k", 0);
    auto seed = args->getInt("seed", 0);
    auto eo = engineOptions(*args);
    if (auto err = firstError(prompt, n, temp, topP, topK, seed, eo))
        return fail("generate", *err);
    if (*n < 1)
        return fail("generate", "--n must be at least 1");
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("generate", model.error());
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("generate", made.error());
    Engine& engine = **made;
    const Tokenizer& tok = (*model)->tokenizer();
    const std::vector<int32_t> ids = encodePrompt(**model, *prompt);

    GenerateOptions go;
    go.maxNewTokens = static_cast<int32_t>(*n);
    go.sampler.temperature = static_cast<float>(*temp);
    go.sampler.topP = static_cast<float>(*topP);
    go.sampler.topK = static_cast<int32_t>(*topK);
    go.sampler.seed = static_cast<uint64_t>(*seed);
    go.stopAtEos = !args->flag("ignore-eos");
    const bool json = args->flag("json");
    std::string pending; // bytes of an incomplete UTF-8 character
    if (!json) {
        std::fputs(prompt->c_str(), stdout);
        go.onToken = [&](int32_t id) {
            if (id == tok.eos())
                return true;
            pending += tok.tokenBytes(id);
            std::string tail = takeIncompleteUtf8Tail(pending);
            std::fputs(pending.c_str(), stdout);
            std::fflush(stdout);
            pending = std::move(tail);
            return true;
        };
    }
    auto result = generate(engine, ids, go);
    if (!result.ok())
        return fail("generate", result.error());
    const std::string text = tok.decode(result->generated);
    if (json) {
        Json out = Json::object();
        out.set("ids", Json::array(ids));
        out.set("generated_ids", Json::array(result->generated));
        out.set("text", text);
        out.set("prefill_ms", static_cast<double>(result->prefillNs) / 1e6);
        out.set("decode_ms", static_cast<double>(result->decodeNs) / 1e6);
        printJson(out);
        return 0;
    }
    std::fputs(pending.c_str(), stdout);
    const double decodeTokens = static_cast<double>(result->generated.size() - 1);
    std::fprintf(stderr, "\n[%zu prompt tokens in %.1f ms; %zu generated, %.1f tok/s decode]\n",
                 ids.size(), static_cast<double>(result->prefillNs) / 1e6, result->generated.size(),
                 decodeTokens > 0 ? decodeTokens / (static_cast<double>(result->decodeNs) / 1e9)
                                  : 0.0);
    return 0;
}

} // namespace

const Command kGenerateCommand = {
    "generate", "generate text after a prompt",
    "--model FILE.gguf --prompt TEXT [--n N] [--temp T] [--top-p P] [--top-k K] [--seed S]\n"
    "       [--ignore-eos] [ENGINE OPTIONS] [--json]\n"
    "  --temp 0 (default) decodes greedily.",
    run};

} // namespace dash::cli
