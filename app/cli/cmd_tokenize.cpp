// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include <cstdio>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, {"model", "text"}, {"json", "no-special"});
    if (!args.ok())
        return fail("tokenize", args.error());
    auto text = args->required("text");
    if (!text.ok())
        return fail("tokenize", text.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("tokenize", model.error());
    const Tokenizer& tok = (*model)->tokenizer();
    const std::vector<int32_t> ids = tok.encode(*text, !args->flag("no-special"));
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ids", Json::array(ids));
        Json pieces(Json::Array{});
        for (int32_t id : ids)
            pieces.push(Json(tok.piece(id)));
        out.set("pieces", std::move(pieces));
        printJson(out);
        return 0;
    }
    for (int32_t id : ids)
        std::printf("%6d  %s\n", id, Json(tok.piece(id)).dump().c_str());
    std::printf("%zu tokens\n", ids.size());
    return 0;
}

} // namespace

const Command kTokenizeCommand = {"tokenize", "encode text with the model's tokenizer",
                                  "--model FILE.gguf --text TEXT [--no-special] [--json]", run};

} // namespace dash::cli
