// SPDX-License-Identifier: MIT
// The trace as JSON and CSV: the machine-readable form that dash-cli prints
// and the run store exports. Cell arrays are written [layer][token].
#pragma once

#include "core/engine/trace.h"
#include "core/util/json.h"

#include <string>
#include <vector>

namespace dash {

class Tokenizer;

// {"ids", "layers", "states", "cos_in_out", "cos_adjacent", "norm_in", "norm_out",
//  "layer_time_ns", "scores" ([layer][token][4] or absent), "passes", "spans",
//  "nominal_ratio", "policy_overlap"}. NaN cells are null.
Json traceToJson(const Trace& trace);
// The inverse, checking every size; errors name the field.
Expected<Trace> traceFromJson(const Json& json);

// One row per (token, layer) cell with a header line. `tokenizer` (optional)
// adds each token's text.
std::string traceToCsv(const Trace& trace, const Tokenizer* tokenizer);
// The same with the token texts given, one per traced position (the GUI holds
// texts, not the tokenizer).
std::string traceToCsv(const Trace& trace, const std::vector<std::string>& tokenTexts);

} // namespace dash
