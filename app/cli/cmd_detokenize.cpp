// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace dash::cli {

namespace {

// "1, 2 3" -> ids, each an integer in [0, vocabSize).
Expected<std::vector<int32_t>> parseIds(const std::string& text, int32_t vocabSize) {
    std::vector<int32_t> ids;
    size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ',' || text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n') {
            ++pos;
            continue;
        }
        size_t end = pos;
        while (end < text.size() && text[end] != ',' && text[end] != ' ' && text[end] != '\t' &&
               text[end] != '\n')
            ++end;
        const std::string item = text.substr(pos, end - pos);
        errno = 0;
        char* stop = nullptr;
        const long long v = std::strtoll(item.c_str(), &stop, 10);
        if (errno != 0 || stop != item.c_str() + item.size())
            return invalidError("--ids: '" + item + "' is not a token id (a decimal integer)");
        if (v < 0 || v >= vocabSize)
            return invalidError("--ids: token " + item + " is outside the vocabulary (0 to " +
                                std::to_string(vocabSize - 1) + ")");
        ids.push_back(static_cast<int32_t>(v));
        pos = end;
    }
    return ids;
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, {"model", "ids"}, {"json"});
    if (!args.ok())
        return fail("detokenize", args.error());
    auto idsText = args->required("ids");
    if (!idsText.ok())
        return fail("detokenize", idsText.error());
    auto path = args->required("model");
    if (!path.ok())
        return fail("detokenize", path.error());
    // Only the vocabulary is read, so vocabulary-only files work too.
    auto file = GgufFile::open(*path);
    if (!file.ok())
        return fail("detokenize", file.error());
    auto tokenizer = Tokenizer::fromGguf(**file);
    if (!tokenizer.ok())
        return fail("detokenize", tokenizer.error());
    auto ids = parseIds(*idsText, (*tokenizer)->vocabSize());
    if (!ids.ok())
        return fail("detokenize", ids.error());
    const std::string text = (*tokenizer)->decode(*ids);
    if (args->flag("json")) {
        Json out = Json::object();
        out.set("ids", Json::array(*ids));
        out.set("text", text);
        printJson(out);
        return 0;
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}

} // namespace

const Command kDetokenizeCommand = {
    "detokenize", "decode token ids with the model's tokenizer (vocabulary-only files too)",
    "--model FILE.gguf --ids \"1,2,3\" [--json]\n"
    "  the inverse of tokenize: the BOS/EOS it adds are dropped, SentencePiece's space prefix "
    "removed",
    run};

} // namespace dash::cli
