// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, options({kModelOptions, {"prompt", "top"}}), {"json"});
    if (!args.ok())
        return fail("logits", args.error());
    auto prompt = args->required("prompt");
    auto top = args->getInt("top", 10, 1, std::numeric_limits<int32_t>::max());
    auto eo = engineOptions(*args);
    if (auto err = firstError(prompt, top, eo))
        return fail("logits", *err);
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("logits", model.error());
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("logits", made.error());
    Engine& engine = **made;
    const std::vector<int32_t> ids = encodePrompt(**model, *prompt);
    auto logits = engine.forward(ids);
    if (!logits.ok())
        return fail("logits", logits.error());
    for (size_t i = 0; i < logits->size(); ++i)
        if (!std::isfinite((*logits)[i]))
            return fail("logits", "the model produced a non-finite logit (token " +
                                      std::to_string(i) + "); its output is meaningless");
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ids", Json::array(ids));
        out.set("last_logits", Json::array(std::vector<float>(logits->begin(), logits->end())));
        printJson(out);
        return 0;
    }
    std::vector<int32_t> order(logits->size());
    std::iota(order.begin(), order.end(), 0);
    const auto k =
        static_cast<size_t>(std::clamp<long long>(*top, 1, static_cast<long long>(order.size())));
    std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                      [&](int32_t a, int32_t b) {
                          return (*logits)[static_cast<size_t>(a)] >
                                 (*logits)[static_cast<size_t>(b)];
                      });
    std::printf("%zu prompt tokens; top %zu next tokens:\n", ids.size(), k);
    for (size_t i = 0; i < k; ++i)
        std::printf("  %6d  %10.4f  %s\n", order[i], (*logits)[static_cast<size_t>(order[i])],
                    Json((*model)->tokenizer().piece(order[i])).dump().c_str());
    return 0;
}

} // namespace

const Command kLogitsCommand = {
    "logits", "next-token logits after a prompt",
    "--model FILE.gguf --prompt TEXT [--top K] [ENGINE OPTIONS] [--json]", run};

} // namespace dash::cli
