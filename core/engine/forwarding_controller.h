// SPDX-License-Identifier: MIT
// A controller that wraps another one and passes every call on to it; with no
// inner controller every layer runs at full precision. Controllers that only
// observe (count states, record them, copy residuals) derive from it and
// override the calls they watch, calling the base to keep the forwarding.
#pragma once

#include "core/engine/layer_controller.h"

#include <algorithm>

namespace dash {

class ForwardingController : public LayerController {
public:
    explicit ForwardingController(LayerController* inner) : m_inner(inner) {}

    void beginPass(const PassInfo& pass) override {
        if (m_inner)
            m_inner->beginPass(pass);
    }
    void beforeLayer(int32_t layer, const float* input, int64_t count,
                     LayerState* states) override {
        if (m_inner)
            m_inner->beforeLayer(layer, input, count, states);
        else
            std::fill(states, states + count, LayerState::Full);
    }
    void afterLayer(int32_t layer, const float* output, int64_t count) override {
        if (m_inner)
            m_inner->afterLayer(layer, output, count);
    }
    void endPass() override {
        if (m_inner)
            m_inner->endPass();
    }

private:
    LayerController* m_inner;
};

} // namespace dash
