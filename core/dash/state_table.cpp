// SPDX-License-Identifier: MIT
#include "core/dash/state_table.h"

namespace dash {

double StateTable::nominalRatio() const {
    double cost = 0;
    for (LayerState s : cells)
        cost += static_cast<double>(s);
    return cost > 0 ? 4.0 * static_cast<double>(cells.size()) / cost : 0.0;
}

void StateTableController::beforeLayer(int32_t layer, const float*, int64_t count,
                                       LayerState* states) {
    const int64_t rows = m_table.tokens();
    for (int64_t t = 0; t < count; ++t) {
        const int64_t row = m_firstRow + t;
        states[t] =
            row < rows && layer < m_table.layers ? m_table.at(row, layer) : LayerState::Full;
    }
}

} // namespace dash
