// SPDX-License-Identifier: MIT
// Argument checks of the Backend's single operations, shared by every
// backend so that each refuses a wrong shape with the same message.
#pragma once

#include "core/model/config.h"
#include "core/util/status.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace dash {

// "op: what holds N values, needs M" when have < need.
Status checkOpSize(const char* op, const char* what, size_t have, size_t need);

// The sizes attention() needs: q and out [n][qDim], keys and values
// [rows][kvDim] and visible [rows] (when given), rows = max position + 1.
// Returns rows.
Expected<int64_t> checkAttentionArgs(const ModelConfig& c, std::span<const float> q,
                                     std::span<const float> keys, std::span<const float> values,
                                     std::span<const int64_t> positions,
                                     std::span<const uint8_t> visible, int64_t n,
                                     std::span<float> out);

} // namespace dash
