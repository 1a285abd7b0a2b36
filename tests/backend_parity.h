// SPDX-License-Identifier: MIT
// The backend parity harness: runs every single op of the Backend interface and
// every layer state (full, INT8, INT4, skip with and without compensation,
// mixed per token, both KV modes) on two backends of the same model and
// compares them by a normalised error, as ggml's test-backend-ops does:
//   nmse = Σ (test - reference)² / Σ reference².
// Qt-free, so that the GPU check can run it where Qt is absent.
#pragma once

#include "core/engine/backend.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dash::test {

// The largest normalised error accepted per kind of case.
struct ParityTolerance {
    double elementwise = 1e-12; // rmsNorm, rope, swiglu, scaleRows
    double linear = 1e-12;      // matrix products in float (F32/F16 weights)
    double linearInt = 1e-12;   // matrix products with INT8/INT4 weights
    double attention = 1e-12;
    // Passes: the hidden state after each layer (worst layer) and the output
    // head, for passes in float states only (full, skip) and for passes with
    // INT8/INT4 layers, whose activations are quantised: an input that differs
    // in its last bit can round to the next step there.
    double layer = 1e-10;
    double logits = 1e-10;
    double layerInt = 1e-10;
    double logitsInt = 1e-10;
};

struct ParityOptions {
    ParityTolerance tolerance;
    int32_t quantGroup = 32;
    uint32_t seed = 1;
    // Layers whose ops are checked one by one (empty: 0, the middle and the last).
    std::vector<int32_t> layers;
};

struct ParityCase {
    std::string name; // "linear L1 attn_q int4 n=7", "layer pass mixed project"
    double nmse = 0;
    double tolerance = 0;
    bool passed = false;
    std::string error; // a backend call failed
};

// Runs every case on `test` and `reference` (backends of the same model; both
// are configured here: INT8/INT4 states, compensation, KV mode).
std::vector<ParityCase> runParity(Backend& test, Backend& reference, const ParityOptions& options);

double normalizedError(const std::vector<float>& test, const std::vector<float>& reference);

// One line per case: "PASS|FAIL name nmse 1.2e-15 (tolerance 1e-12)".
std::string formatParity(const std::vector<ParityCase>& cases);

} // namespace dash::test
