// SPDX-License-Identifier: MIT
// A fixed table of execution states, [token][layer], and the controller that
// plays it back: the oracle's decisions, a policy's recorded decisions, or a
// statically reassigned counterfactual, replayed through the engine exactly.
#pragma once

#include "core/engine/forwarding_controller.h"

#include <cstdint>
#include <vector>

namespace dash {

struct StateTable {
    int32_t layers = 0;
    std::vector<LayerState> cells; // [token][layer]

    StateTable() = default;
    StateTable(int64_t tokens, int32_t layerCount, LayerState fill = LayerState::Full)
        : layers(layerCount), cells(static_cast<size_t>(tokens) * layerCount, fill) {}
    int64_t tokens() const { return layers > 0 ? static_cast<int64_t>(cells.size()) / layers : 0; }
    LayerState& at(int64_t token, int32_t layer) {
        return cells[static_cast<size_t>(token) * layers + static_cast<size_t>(layer)];
    }
    LayerState at(int64_t token, int32_t layer) const {
        return cells[static_cast<size_t>(token) * layers + static_cast<size_t>(layer)];
    }
    // 4·cells / Σ states.
    double nominalRatio() const;
};

// Plays rows [firstRow, firstRow + pass tokens) of a table: token t of a pass
// gets row firstRow + t. Rows past the table's end run at full precision.
class StateTableController : public LayerController {
public:
    explicit StateTableController(const StateTable& table, int64_t firstRow = 0)
        : m_table(table), m_firstRow(firstRow) {}
    void setFirstRow(int64_t row) { m_firstRow = row; }
    void beginPass(const PassInfo&) override {}
    void beforeLayer(int32_t layer, const float*, int64_t count, LayerState* states) override;
    void afterLayer(int32_t, const float*, int64_t) override {}
    void endPass() override {}

private:
    const StateTable& m_table;
    int64_t m_firstRow;
};

// Records the states an inner controller sets into a table: token t of a pass
// fills row firstRow + t (the table must have those rows).
class RecordingController : public ForwardingController {
public:
    RecordingController(LayerController* inner, StateTable& table)
        : ForwardingController(inner), m_table(table) {}
    void setFirstRow(int64_t row) { m_firstRow = row; }
    void beforeLayer(int32_t layer, const float* input, int64_t count,
                     LayerState* states) override {
        ForwardingController::beforeLayer(layer, input, count, states);
        for (int64_t t = 0; t < count; ++t)
            m_table.at(m_firstRow + t, layer) = states[t];
    }

private:
    StateTable& m_table;
    int64_t m_firstRow = 0;
};

} // namespace dash
