// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/generate.h"

#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv, options({kModelOptions, {"prompt", "n", "temp", "top-p", "top-k", "seed"}}),
        {"json", "ignore-eos"});
    if (!args.ok())
        return fail("generate", args.error());
    auto prompt = args->required("prompt");
    auto n = args->getInt("n", 32, 1, std::numeric_limits<int32_t>::max());
    auto temp = args->getDouble("temp", 0.0, 0.0, 1e6);
    auto topP = args->getDouble("top-p", 1.0, 0.0, 1.0);
    auto topK = args->getInt("top-k", 0, 0, std::numeric_limits<int32_t>::max());
    auto seed = args->getInt("seed", 0);
    auto eo = engineOptions(*args);
    if (auto err = firstError(prompt, n, temp, topP, topK, seed, eo))
        return fail("generate", *err);
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("generate", model.error());
    // Every generated token but the last takes a context position.
    const int64_t context = (*model)->config().contextLength;
    if (*n > context)
        return fail("generate", "--n " + std::to_string(*n) +
                                    " exceeds the model's context length " +
                                    std::to_string(context));
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
        printText(*prompt);
        go.onToken = [&](int32_t id) {
            if (id == tok.eos())
                return true;
            pending += tok.tokenBytes(id);
            std::string tail = takeIncompleteUtf8Tail(pending);
            printText(pending);
            pending = std::move(tail);
            // Output that cannot be written (a full disk): stop generating.
            return !std::ferror(stdout);
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
        out.set("text", validUtf8(text));
        out.set("prefill_ms", static_cast<double>(result->prefillNs) / 1e6);
        out.set("decode_ms", static_cast<double>(result->decodeNs) / 1e6);
        printJson(out);
        return 0;
    }
    printText(pending);
    if (auto st = finishStandardOutput(); !st.ok())
        return fail("generate", st.error());
    const double decodeTokens =
        result->generated.empty() ? 0.0 : static_cast<double>(result->generated.size() - 1);
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
