#include "app/cli/cli_common.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dash::cli {

Expected<std::shared_ptr<Model>> loadModel(const Args& args) {
    DASH_ASSIGN_OR_RETURN(std::string path, args.required("model"));
    return Model::load(path);
}

Expected<EngineOptions> engineOptions(const Args& args) {
    EngineOptions o;
    DASH_ASSIGN_OR_RETURN(long long threads, args.getInt("threads", 0));
    if (threads < 0 || threads > 1024)
        return invalidError("--threads must be between 0 (all) and 1024");
    o.threads = static_cast<int>(threads);
    return o;
}

std::vector<int32_t> encodePrompt(const Model& model, const std::string& text) {
    return model.tokenizer().encode(text, true);
}

Expected<std::string> readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return ioError("cannot open '" + path + "': " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        return ioError("cannot read '" + path + "'");
    return ss.str();
}

std::set<std::string> options(std::initializer_list<std::set<std::string>> sets) {
    std::set<std::string> all;
    for (const auto& s : sets)
        all.insert(s.begin(), s.end());
    return all;
}

void printJson(const Json& value) {
    const std::string text = value.dump();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

} // namespace dash::cli
