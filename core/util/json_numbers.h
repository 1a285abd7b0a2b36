// SPDX-License-Identifier: MIT
// Checks for numbers read from or written to files. Fractional JSON numbers
// are doubles; most end up as floats, and a check done on the double (finite)
// does not survive the narrowing (1e300 becomes an infinite float, then null
// in the next file written). These check where the number is narrowed.
#pragma once

#include "core/util/json.h"
#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace dash {

// `value` as a float: refused when NaN, infinite or beyond the float range.
Expected<float> narrowToFloat(double value, std::string_view field);
// Whether `value` is finite and stays finite as a float (rounded to nearest).
bool fitsFloat(double value);

// The first number in `json` (searched depth first) that is not finite or
// does not fit a float, as an error naming its path ("state.scorer.parameters[17]")
// inside `what`; no error when every number fits.
Status checkJsonFloats(const Json& json, std::string_view what);

} // namespace dash
