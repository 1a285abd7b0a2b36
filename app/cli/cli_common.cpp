// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"

#include "core/engine/backend_registry.h"
#include "core/model/weight_check.h"
#include "core/util/input_file.h"
#include "core/util/output_file.h"
#include "core/util/unicode.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

namespace dash::cli {

Expected<std::shared_ptr<Model>> loadModel(const Args& args) {
    DASH_ASSIGN_OR_RETURN(std::string path, args.required("model"));
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, Model::load(path));
    if (auto st = checkWeightsFinite(*model); !st.ok())
        return st.error().withContext(path);
    return model;
}

int maxThreads() {
    return static_cast<int>(std::max(256u, std::thread::hardware_concurrency()));
}

Expected<EngineSpec> engineOptions(const Args& args) {
    EngineSpec spec;
    // 0 means one per hardware thread; more threads than a large machine has
    // only add contention (and each one costs a stack).
    DASH_ASSIGN_OR_RETURN(long long threads, args.getInt("threads", 0, 0, maxThreads()));
    DASH_ASSIGN_OR_RETURN(long long device, args.getInt("device", 0, 0, 1024));
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

std::vector<int32_t> encodeCorpus(const Model& model, const std::string& text) {
    return model.tokenizer().encode(text, true, false);
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

Expected<std::string> readTextFile(const std::string& path) {
    return readInputFile(path, kTextInput);
}

std::string validUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t n = utf8CharLength(text, pos);
        if (n == 0) {
            appendUtf8(out, U'\uFFFD');
            ++pos;
        } else {
            out.append(text.substr(pos, n));
            pos += n;
        }
    }
    return out;
}

std::set<std::string> options(std::initializer_list<std::set<std::string>> sets) {
    std::set<std::string> all;
    for (const auto& s : sets)
        all.insert(s.begin(), s.end());
    return all;
}

namespace {

// The first failure to write standard output, reported once at the end.
std::optional<Error> g_stdoutError;

} // namespace

void printText(std::string_view text) {
    if (auto st = writeStandardOutput(text); !st.ok() && !g_stdoutError)
        g_stdoutError = st.error();
}

void printJson(const Json& value) {
    printText(value.dump() + "\n");
}

Status finishStandardOutput() {
    // printf output of the commands goes through the same stdio buffer.
    if (auto st = writeStandardOutput({}); !st.ok() && !g_stdoutError)
        g_stdoutError = st.error();
    if (g_stdoutError)
        return *g_stdoutError;
    return {};
}

Status writeOutput(const std::string& path, std::string_view text) {
    return writeOutputFile(path, text);
}

} // namespace dash::cli
