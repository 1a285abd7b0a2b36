#include "core/trace.h"

namespace dash {

const char* stateName(LayerState s) {
    switch (s) {
    case LayerState::Skip:
        return "skip";
    case LayerState::Int4:
        return "int4";
    case LayerState::Int8:
        return "int8";
    case LayerState::Full:
        return "full";
    }
    return "?";
}

void Trace::appendTokens(const std::vector<int32_t>& ids) {
    tokens.insert(tokens.end(), ids.begin(), ids.end());
    const size_t cells = tokens.size() * static_cast<size_t>(layers);
    states.resize(cells, static_cast<uint8_t>(LayerState::Full));
    cosInOut.resize(cells, kNoValue);
    cosAdjacent.resize(cells, kNoValue);
    normIn.resize(cells, kNoValue);
    normOut.resize(cells, kNoValue);
    layerTimeNs.resize(cells, 0.0f);
    scores.resize(cells * kStateCount, kNoValue);
}

void Trace::clear() {
    tokens.clear();
    states.clear();
    cosInOut.clear();
    cosAdjacent.clear();
    normIn.clear();
    normOut.clear();
    layerTimeNs.clear();
    scores.clear();
    passes.clear();
    spans.clear();
}

double Trace::nominalCost() const {
    double sum = 0;
    for (uint8_t s : states)
        sum += s;
    return sum;
}

double Trace::nominalRatio() const {
    double cost = nominalCost();
    if (cost <= 0)
        return 0;
    return 4.0 * static_cast<double>(states.size()) / cost;
}

double Trace::tokenTimeNs(int32_t token) const {
    double sum = 0;
    for (int32_t l = 0; l < layers; ++l)
        sum += layerTimeNs[cell(token, l)];
    return sum;
}

bool Trace::consistent() const {
    const size_t cells = tokens.size() * static_cast<size_t>(layers);
    return layers >= 0 && states.size() == cells && cosInOut.size() == cells &&
           cosAdjacent.size() == cells && normIn.size() == cells && normOut.size() == cells &&
           layerTimeNs.size() == cells && scores.size() == cells * kStateCount;
}

} // namespace dash
