// SPDX-License-Identifier: MIT
// Symmetric per-group quantisation of weight rows for the INT8 and INT4 DASH
// states. Every backend quantises through this one function, so the states
// hold the same integers and scales on the CPU and on a GPU; each backend
// then packs them into its own layout.
#pragma once

#include "core/engine/trace.h"
#include "core/model/model.h"
#include "core/util/status.h"

#include <cstdint>
#include <vector>

namespace dash {

struct GroupQuantized {
    int32_t rows = 0;
    int32_t cols = 0;
    int32_t group = 0;         // weights per scale, a multiple of 32 dividing cols
    int32_t qmax = 0;          // 127 (INT8) or 7 (INT4): q in [-qmax, qmax]
    std::vector<int8_t> q;     // [rows][cols]
    std::vector<float> scales; // [rows][cols / group], halves: value = scale * q

    float value(int32_t row, int32_t col) const {
        return scales[static_cast<size_t>(row) * (cols / group) + col / group] *
               q[static_cast<size_t>(row) * cols + col];
    }
};

// The largest |q| of a state: 127 for Int8, 7 for Int4 (an error for others).
Expected<int32_t> stateQmax(LayerState state);

// scale = max|w| / qmax over each group of `group` values of a row, rounded up
// to a half-precision value (the CPU kernels store halves; rounding up keeps
// |w / scale| <= qmax), q = round(w / scale) clamped to [-qmax, qmax] (0 where
// the group is all zero). An error names a value that is not finite or a group
// whose scale would exceed the half-precision range.
Expected<GroupQuantized> quantizeGroups(const float* values, int32_t rows, int32_t cols,
                                        int32_t qmax, int32_t group);

// A model weight in `state` (Int8 or Int4), from the file's values.
Expected<GroupQuantized> quantizeWeight(const WeightTensor& weight, LayerState state,
                                        int32_t group);

} // namespace dash
