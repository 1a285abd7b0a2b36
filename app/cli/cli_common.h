// SPDX-License-Identifier: MIT
// Pieces shared by the model-running dash-cli commands.
#pragma once

#include "app/cli/cli_args.h"
#include "core/engine/engine.h"
#include "core/model/model.h"
#include "core/util/json.h"

#include <memory>
#include <string>
#include <string_view>
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

// Loads --model (required) and refuses weights holding NaN or infinity.
Expected<std::shared_ptr<Model>> loadModel(const Args& args);
// The EngineSpec of the command line.
Expected<EngineSpec> engineOptions(const Args& args);
// An engine on the spec's backend; the error says why that backend cannot run.
Expected<std::unique_ptr<Engine>> makeEngine(const EngineSpec& spec,
                                             std::shared_ptr<const Model> model);
// Prompt ids with BOS/EOS as the model's metadata says.
std::vector<int32_t> encodePrompt(const Model& model, const std::string& text);
// A corpus (perplexity, calibration, training text): BOS as the metadata says,
// and control-token names in it ("<unk>" in WikiText) encoded as text.
std::vector<int32_t> encodeCorpus(const Model& model, const std::string& text);

// The non-empty items of a comma-separated option value ("a,,b" -> a, b).
std::vector<std::string> splitList(const std::string& text);
// Reads a whole text file (a regular file within kTextInput).
Expected<std::string> readTextFile(const std::string& path);

// `text` with every byte sequence that is not well-formed UTF-8 replaced by
// U+FFFD, for JSON output (generated text may end inside a character or hold
// byte tokens).
std::string validUtf8(std::string_view text);

// The largest --threads accepted: 256, or the hardware threads if more.
int maxThreads();

// Union of option sets.
std::set<std::string> options(std::initializer_list<std::set<std::string>> sets);

// Prints `value` and a newline to standard output. A failed write (a full
// disk, a closed pipe) is remembered and reported by finishStandardOutput().
void printJson(const Json& value);
// Prints text to standard output, checked as printJson is.
void printText(std::string_view text);
// Flushes standard output; an error when any write to it failed, so that a
// command whose output was lost exits non-zero.
Status finishStandardOutput();

// Writes a command's output file (--out, --output, --trace-out, ...) with
// OutputFile: through symbolic links, never over a device, the earlier file
// kept on failure; "-" is standard output.
Status writeOutput(const std::string& path, std::string_view text);

} // namespace dash::cli
