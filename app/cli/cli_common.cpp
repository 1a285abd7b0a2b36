// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"

#include "core/engine/backend_registry.h"

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

Expected<EngineSpec> engineOptions(const Args& args) {
    EngineSpec spec;
    DASH_ASSIGN_OR_RETURN(long long threads, args.getInt("threads", 0));
    if (threads < 0 || threads > 1024)
        return invalidError("--threads must be between 0 (all) and 1024");
    DASH_ASSIGN_OR_RETURN(long long device, args.getInt("device", 0));
    if (device < 0 || device > 1024)
        return invalidError("--device must be a GPU ordinal between 0 and 1024");
    spec.backend = args.get("backend", "cpu");
    spec.options.threads = static_cast<int>(threads);
    spec.options.isa = args.get("isa", "");
    spec.options.device = static_cast<int>(device);
    return spec;
}

Expected<std::unique_ptr<Engine>> makeEngine(const EngineSpec& spec,
                                             std::shared_ptr<const Model> model) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                          createBackend(spec.backend, model, spec.options));
    return std::make_unique<Engine>(std::move(model), std::move(backend));
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
