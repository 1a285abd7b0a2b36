// SPDX-License-Identifier: MIT
// Drives a parsed GGUF file the way a loader would, for the fuzzers: reads every
// metadata value through every typed getter and dequantises every tensor whose
// type dequantize() handles, checking the promises the reader makes (tensor
// extents inside the file and aligned, byte sizes matching type and shape,
// errors that name their key).
#pragma once

#include "core/gguf/gguf.h"
#include "core/util/status.h"

namespace dash::test {

// The first broken promise as an Internal error; Ok when all hold.
Status exerciseGguf(const GgufFile& file);

} // namespace dash::test
