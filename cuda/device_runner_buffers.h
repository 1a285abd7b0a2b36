// SPDX-License-Identifier: MIT
// DeviceRunner's pass buffers, shared by its three source files.
#pragma once

#include "cuda/device_runner.h"

namespace dash::cuda {

// Activations and staging of passes of up to `capacity` tokens.
struct DeviceRunner::PassBuffers {
    int32_t capacity = 0;
    DeviceBuffer x, h, q, k, v, att, ffn, logits;
    DeviceBuffer partials;                // attention splits
    DeviceBuffer gemmIn, gemmOut, gemmUp; // [capacity][gemmCols] halves, [capacity][gemmRows]
    int32_t gemmCols = 0;                 // 0: no cuBLAS scratch (capacity below kCublasMinTokens)
    int32_t gemmRows = 0;
    // tokens [cap] int32, positions [cap] int32, then the per-layer lists:
    // codes [cap] (padded to 4 bytes), state groups [4][cap] and the compute
    // set [cap], int32.
    DeviceBuffer ids;
    PinnedBuffer staging; // [layers + 1] regions of the id layout, one per layer
    PinnedBuffer hidden;  // [cap][dim]
    PinnedBuffer logitsHost;
    size_t regionBytes = 0;

    int32_t* tokens() const { return ids.as<int32_t>(); }
    int32_t* positions() const { return ids.as<int32_t>() + capacity; }
    uint8_t* codes() const { return reinterpret_cast<uint8_t*>(ids.as<int32_t>() + 2 * capacity); }
    int32_t* lists() const { return ids.as<int32_t>() + 2 * capacity + (capacity + 3) / 4; }
    // Group s (0 skip, 1 int4, 2 int8, 3 full) or 4 (the compute set).
    int32_t* list(int s) const { return lists() + static_cast<size_t>(s) * capacity; }
    size_t layerBytes() const {
        return sizeof(int32_t) * ((capacity + 3) / 4 + 5 * static_cast<size_t>(capacity));
    }
};

} // namespace dash::cuda
