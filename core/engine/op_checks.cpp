// SPDX-License-Identifier: MIT
#include "core/engine/op_checks.h"

#include <algorithm>
#include <string>

namespace dash {

Status checkOpSize(const char* op, const char* what, size_t have, size_t need) {
    if (have < need)
        return invalidError(std::string(op) + ": " + what + " holds " + std::to_string(have) +
                            " values, needs " + std::to_string(need));
    return {};
}

Expected<int64_t> checkAttentionArgs(const ModelConfig& c, std::span<const float> q,
                                     std::span<const float> keys, std::span<const float> values,
                                     std::span<const int64_t> positions,
                                     std::span<const uint8_t> visible, int64_t n,
                                     std::span<float> out) {
    DASH_TRY(checkOpSize("attention", "positions", positions.size(), static_cast<size_t>(n)));
    int64_t rows = 0;
    for (int64_t t = 0; t < n; ++t)
        rows = std::max(rows, positions[static_cast<size_t>(t)] + 1);
    const auto r = static_cast<size_t>(rows);
    DASH_TRY(checkOpSize("attention", "q", q.size(), static_cast<size_t>(n) * c.qDim()));
    DASH_TRY(checkOpSize("attention", "keys", keys.size(), r * c.kvDim()));
    DASH_TRY(checkOpSize("attention", "values", values.size(), r * c.kvDim()));
    DASH_TRY(checkOpSize("attention", "out", out.size(), static_cast<size_t>(n) * c.qDim()));
    if (!visible.empty())
        DASH_TRY(checkOpSize("attention", "visible", visible.size(), r));
    return rows;
}

} // namespace dash
