// SPDX-License-Identifier: MIT
// The per-token x per-layer trace of a forward computation: the one data
// product that the CLI, the run store and the GUI consume.
#pragma once

#include "core/util/status.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace dash {

// Execution state of one layer for one token; the value is also its nominal cost.
enum class LayerState : uint8_t { Skip = 0, Int4 = 1, Int8 = 2, Full = 4 };

constexpr int kStateCount = 4; // candidate states in the order Skip, Int4, Int8, Full
constexpr LayerState kStates[kStateCount] = {LayerState::Skip, LayerState::Int4, LayerState::Int8,
                                             LayerState::Full};
inline int stateIndex(LayerState s) {
    return s == LayerState::Full ? 3 : static_cast<int>(s);
}
inline bool isValidState(int v) {
    return v == 0 || v == 1 || v == 2 || v == 4;
}
const char* stateName(LayerState s);

// A set of states, indexed by stateIndex().
using StateSet = std::array<bool, kStateCount>;
// Comma-separated state names ("skip,int4,int8,full" or any of them); an
// error names the first word that is not one.
Expected<StateSet> parseStateSet(const std::string& text);

// Streams whose busy spans the profiler records.
enum class StreamKind : uint8_t { Compute = 0, Policy = 1 };

// A busy interval of one stream, tagged with the token range and layer it
// worked on. Times are nanoseconds since the trace's origin.
struct Span {
    StreamKind stream = StreamKind::Compute;
    int32_t firstToken = 0;
    int32_t tokenCount = 1;
    int32_t layer = -1; // -1: not tied to a layer (embedding, head)
    int64_t startNs = 0;
    int64_t endNs = 0;
};

// One forward pass (a prefill batch or one decode step).
struct PassTiming {
    int32_t firstToken = 0;
    int32_t tokenCount = 0;
    int64_t totalNs = 0;
    std::vector<int64_t> layerNs; // [layer]
};

inline constexpr float kNoValue = std::numeric_limits<float>::quiet_NaN();

struct Trace {
    int32_t layers = 0;
    std::vector<int32_t> tokens; // ids of traced positions, in order

    // Cell arrays, row-major [token][layer] (tokens.size() * layers entries).
    std::vector<uint8_t> states;    // LayerState values
    std::vector<float> cosInOut;    // cos(x_i, y_i): layer input vs output (eq. 1-2)
    std::vector<float> cosAdjacent; // cos(y_i - x_i, y_{i-1} - x_{i-1}); NaN at layer 0
    std::vector<float> normIn;      // ||x_i||
    std::vector<float> normOut;     // ||y_i||
    std::vector<float> layerTimeNs; // layer time of the cell's pass / tokens in the pass
    // Policy scores [token][layer][kStateCount], NaN where no policy scored.
    std::vector<float> scores;

    std::vector<PassTiming> passes;
    std::vector<Span> spans;
    int64_t clockOriginNs = 0; // steady-clock time that span times are relative to

    int32_t tokenCount() const { return static_cast<int32_t>(tokens.size()); }
    size_t cell(int32_t token, int32_t layer) const {
        return static_cast<size_t>(token) * static_cast<size_t>(layers) +
               static_cast<size_t>(layer);
    }
    LayerState state(int32_t token, int32_t layer) const {
        return static_cast<LayerState>(states[cell(token, layer)]);
    }
    float score(int32_t token, int32_t layer, LayerState s) const {
        return scores[cell(token, layer) * kStateCount + static_cast<size_t>(stateIndex(s))];
    }

    // Grows every cell array to hold `count` more tokens (new cells: state Full,
    // values NaN, time 0).
    void appendTokens(const std::vector<int32_t>& ids);
    // Drops every token from `count` on.
    void truncate(int32_t count);
    void clear();

    // Sum of states over all cells, and 4 * cells: the nominal ratio is
    // maxCost / cost.
    double nominalCost() const;
    double nominalRatio() const;
    // Per-token time: sum of its layer times (ns).
    double tokenTimeNs(int32_t token) const;
    // Consistency of the arrays' sizes (for data read from files).
    bool consistent() const;
};

// Fraction of policy-stream busy time during which the compute stream was busy
// too (0 when there is no policy time). Spans of one stream may overlap each
// other; busy time is the union of a stream's spans.
double policyOverlap(const std::vector<Span>& spans);
// Busy time (union of spans) of one stream, in ns.
int64_t busyTimeNs(const std::vector<Span>& spans, StreamKind stream);

} // namespace dash
