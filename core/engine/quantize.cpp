// SPDX-License-Identifier: MIT
#include "core/engine/quantize.h"

#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>

namespace dash {

namespace {

// The smallest positive half-precision value not below `x` (x > 0), or
// infinity where x is above the largest half.
float halfAtLeast(float x) {
    uint16_t h = floatToHalf(x);
    if (halfToFloat(h) < x)
        ++h; // the next half up: halves of one sign order like their bits
    return halfToFloat(h);
}

} // namespace

Expected<int32_t> stateQmax(LayerState state) {
    switch (state) {
    case LayerState::Int8:
        return 127;
    case LayerState::Int4:
        return 7;
    default:
        return invalidError(std::string("state ") + stateName(state) + " is not quantised");
    }
}

Expected<GroupQuantized> quantizeGroups(const float* values, int32_t rows, int32_t cols,
                                        int32_t qmax, int32_t group) {
    if (group <= 0 || group % 32 != 0 || cols % group != 0)
        return invalidError("cannot split rows of " + std::to_string(cols) +
                            " values into groups of " + std::to_string(group) +
                            " (a multiple of 32 dividing the row)");
    if (qmax <= 0 || qmax > 127)
        return invalidError("quantisation range " + std::to_string(qmax) + " is not in 1..127");
    GroupQuantized out;
    out.rows = rows;
    out.cols = cols;
    out.group = group;
    out.qmax = qmax;
    const int32_t groups = cols / group;
    out.q.resize(static_cast<size_t>(rows) * cols);
    out.scales.resize(static_cast<size_t>(rows) * groups);
    const auto limit = static_cast<float>(qmax);
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t g = 0; g < groups; ++g) {
            const size_t base = static_cast<size_t>(r) * cols + static_cast<size_t>(g) * group;
            float amax = 0;
            for (int32_t k = 0; k < group; ++k) {
                const float v = values[base + k];
                if (!std::isfinite(v))
                    return invalidError("value " + std::to_string(v) + " at row " +
                                        std::to_string(r) + ", column " +
                                        std::to_string(g * group + k) + " is not finite");
                amax = std::max(amax, std::fabs(v));
            }
            const float scale = amax > 0 ? halfAtLeast(amax / limit) : 0.0f;
            if (!std::isfinite(scale))
                return invalidError("the largest magnitude " + std::to_string(amax) + " in row " +
                                    std::to_string(r) + ", group " + std::to_string(g) +
                                    " needs a scale above the half-precision range (65504)");
            const float inv = scale > 0 ? 1.0f / scale : 0.0f;
            for (int32_t k = 0; k < group; ++k)
                out.q[base + k] = static_cast<int8_t>(
                    std::clamp(std::lrintf(values[base + k] * inv), -static_cast<long>(qmax),
                               static_cast<long>(qmax)));
            out.scales[static_cast<size_t>(r) * groups + g] = scale;
        }
    }
    return out;
}

Expected<GroupQuantized> quantizeWeight(const WeightTensor& weight, LayerState state,
                                        int32_t group) {
    DASH_ASSIGN_OR_RETURN(int32_t qmax, stateQmax(state));
    std::vector<float> values(static_cast<size_t>(weight.rows) * weight.cols);
    for (int32_t r = 0; r < weight.rows; ++r)
        weight.readRow(r, values.data() + static_cast<size_t>(r) * weight.cols);
    auto q = quantizeGroups(values.data(), weight.rows, weight.cols, qmax, group);
    if (!q.ok())
        return q.error().withContext(weight.name);
    return q;
}

} // namespace dash
