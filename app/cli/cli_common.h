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
inline const std::set<std::string> kModelOptions = {"model", "threads"};

// Loads --model (required).
Expected<std::shared_ptr<Model>> loadModel(const Args& args);
// EngineOptions from --threads (0: all hardware threads).
Expected<EngineOptions> engineOptions(const Args& args);
// Prompt ids with BOS/EOS as the model's metadata says.
std::vector<int32_t> encodePrompt(const Model& model, const std::string& text);
// Reads a whole text file.
Expected<std::string> readTextFile(const std::string& path);

// Union of option sets.
std::set<std::string> options(std::initializer_list<std::set<std::string>> sets);

void printJson(const Json& value);

} // namespace dash::cli
