// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include <cstdio>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, {"model", "text"},
                            {"json", "no-special", "parse-special", "no-parse-special"});
    if (!args.ok())
        return fail("tokenize", args.error());
    auto text = args->required("text");
    if (!text.ok())
        return fail("tokenize", text.error());
    if (args->flag("parse-special") && args->flag("no-parse-special"))
        return fail("tokenize", "--parse-special and --no-parse-special contradict each other");
    auto path = args->required("model");
    if (!path.ok())
        return fail("tokenize", path.error());
    // Only the vocabulary is read, so vocabulary-only files work too.
    auto file = GgufFile::open(*path);
    if (!file.ok())
        return fail("tokenize", file.error());
    auto tokenizer = Tokenizer::fromGguf(**file);
    if (!tokenizer.ok())
        return fail("tokenize", tokenizer.error());
    const Tokenizer& tok = **tokenizer;
    // As llama.cpp's tokenize tool: control tokens typed in the text are
    // parsed unless --no-parse-special keeps them as text.
    const bool parseSpecial = !args->flag("no-parse-special");
    const std::vector<int32_t> ids = tok.encode(*text, !args->flag("no-special"), parseSpecial);
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ids", Json::array(ids));
        Json pieces(Json::Array{});
        for (int32_t id : ids)
            pieces.push(Json(tok.pieceView(id)));
        out.set("pieces", std::move(pieces));
        out.set("parse_special", parseSpecial);
        printJson(out);
        return 0;
    }
    for (int32_t id : ids)
        std::printf("%6d  %s\n", id, Json(tok.pieceView(id)).dump().c_str());
    std::printf("%zu tokens\n", ids.size());
    return 0;
}

} // namespace

const Command kTokenizeCommand = {
    "tokenize", "encode text with the model's tokenizer (vocabulary-only files too)",
    "--model FILE.gguf --text TEXT [--no-special] [--parse-special | --no-parse-special] "
    "[--json]\n"
    "  --no-special        add no BOS/EOS\n"
    "  --no-parse-special  keep control-token text such as <|im_start|> as text (default: "
    "parse it into the token, as llama.cpp's tokenize does)",
    run};

} // namespace dash::cli
