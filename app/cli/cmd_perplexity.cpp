// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/engine/generate.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args =
        Args::parse(argv, options({kModelOptions, {"file", "protocol", "ctx", "max-tokens"}}),
                    {"json", "quiet"});
    if (!args.ok())
        return fail("perplexity", args.error());
    auto file = args->required("file");
    auto protocol = parsePerplexityProtocol(args->get("protocol", "all"));
    // --ctx 0: the model's context length; else checked against it below.
    auto ctx = args->getInt("ctx", 0, 0, std::numeric_limits<int32_t>::max());
    auto maxTokens = args->getInt("max-tokens", 0, 0, std::numeric_limits<int64_t>::max());
    auto eo = engineOptions(*args);
    if (auto err = firstError(file, protocol, ctx, maxTokens, eo))
        return fail("perplexity", *err);
    auto text = readTextFile(*file);
    if (!text.ok())
        return fail("perplexity", text.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("perplexity", model.error());
    // A window longer than the model was trained for runs RoPE past its
    // range and gives a different, meaningless perplexity; a huge one would
    // only fail to allocate its KV cache.
    const int64_t context = (*model)->config().contextLength;
    if (*ctx == 1 || *ctx > context)
        return fail("perplexity", "--ctx must be between 2 and the model's context length " +
                                      std::to_string(context) + ", got " + std::to_string(*ctx));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("perplexity", made.error());
    Engine& engine = **made;
    // BOS first (when the model adds one), then the whole file.
    const std::vector<int32_t> ids = encodeCorpus(**model, *text);

    PerplexityOptions po;
    po.context = *ctx;
    po.maxTokens = *maxTokens;
    const bool progress = !args->flag("quiet");
    po.onProgress = [&](int64_t done, int64_t total) {
        if (progress)
            std::fprintf(stderr, "\rperplexity: window %lld/%lld", static_cast<long long>(done),
                         static_cast<long long>(total));
        return true;
    };
    auto result = perplexity(engine, ids, po);
    if (progress)
        std::fputc('\n', stderr);
    if (!result.ok())
        return fail("perplexity", result.error());
    if (!std::isfinite(result->ppl(*protocol)))
        return fail("perplexity", "the perplexity is not finite: the model produced non-finite "
                                  "logits on this text");
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ppl", result->ppl(*protocol));
        out.set("scored_tokens", result->scored(*protocol));
        out.set("windows", result->windows);
        out.set("ctx", po.context > 0 ? po.context : (*model)->config().contextLength);
        out.set("protocol", args->get("protocol", "all"));
        printJson(out);
        return 0;
    }
    std::printf("perplexity (%s): %.4f over %lld scored tokens in %lld windows\n",
                args->get("protocol", "all").c_str(), result->ppl(*protocol),
                static_cast<long long>(result->scored(*protocol)),
                static_cast<long long>(result->windows));
    return 0;
}

} // namespace

const Command kPerplexityCommand = {
    "perplexity", "perplexity of a text file over non-overlapping windows",
    "--model FILE.gguf --file TEXT [--protocol all|second-half] [--ctx N] [--max-tokens K]\n"
    "       [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  Default window: the model's context length. The text is encoded with BOS first;\n"
    "  'all' scores every token after the first of each window, 'second-half' only the\n"
    "  second half of each window.",
    run};

} // namespace dash::cli
