// SPDX-License-Identifier: MIT
// A model whose weights hold NaN or infinity runs, and yields NaN logits:
// "<unk>" text, null perplexities, nothing said. This scan refuses such a
// model with the tensor's name before anything runs.
#pragma once

#include "core/model/model.h"
#include "core/util/status.h"

namespace dash {

// An error naming the first weight tensor (and element or block) of `model`
// that holds a NaN or an infinity; no error when all are finite.
// Float tensors (F32, F16, BF16) are checked value by value; quantized ones
// by their block scales (their integer quants are finite by construction).
// Reads every weight once: about the time of one pass over the file.
Status checkWeightsFinite(const Model& model);

} // namespace dash
