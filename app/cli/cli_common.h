// SPDX-License-Identifier: MIT
// Pieces shared by the model-running dash-cli commands.
#pragma once

#include "app/cli/cli_args.h"
#include "core/engine/engine.h"
#include "core/model/model.h"
#include "core/util/json.h"

#include <memory>
#include <string>
#include <vector>

namespace dash::cli {

// Options every model command accepts.
inline const std::set<std::string> kModelOptions = {"model", "threads", "backend", "isa", "device"};

// The backend a command runs on: --backend (cpu|cuda), --threads, --isa
// (CPU kernels), --device (GPU ordinal).
struct EngineSpec {
    std::string backend = "cpu";
    BackendOptions options;
};

// Loads --model (required).
Expected<std::shared_ptr<Model>> loadModel(const Args& args);
// The EngineSpec of the command line.
Expected<EngineSpec> engineOptions(const Args& args);
// An engine on the spec's backend; the error says why that backend cannot run.
Expected<std::unique_ptr<Engine>> makeEngine(const EngineSpec& spec,
                                             std::shared_ptr<const Model> model);
// Prompt ids with BOS/EOS as the model's metadata says.
std::vector<int32_t> encodePrompt(const Model& model, const std::string& text);
// Reads a whole text file.
Expected<std::string> readTextFile(const std::string& path);

// Union of option sets.
std::set<std::string> options(std::initializer_list<std::set<std::string>> sets);

void printJson(const Json& value);

} // namespace dash::cli
