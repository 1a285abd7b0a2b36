// SPDX-License-Identifier: MIT
// A saved run as a JSON file (export and import) and its cells as CSV.
#pragma once

#include "core/store/run.h"
#include "core/util/json.h"

#include <string>

namespace dash {

// A run as JSON that imports back to the identical record (floats bit for bit,
// NaN payloads included). Cell arrays are [layer][token] as in traceToJson();
// the quiet NaN that marks "no value" is null, any other non-finite float a
// string ("inf", "-inf", "nan:0x7fc00001"). Integers are exact JSON integers
// (files from earlier builds, which wrote those beyond 2^53 as strings, still
// import). Text that is not UTF-8 is {"bytes": "<hex>"}.
Json runToJson(const RunRecord& run);
// The inverse; errors name the field. The id is kept as found (the store
// assigns a new one on import).
Expected<RunRecord> runFromJson(const Json& json);
// One row per (token, layer) cell with a header (traceToCsv()).
std::string runToCsv(const RunRecord& run);

} // namespace dash
