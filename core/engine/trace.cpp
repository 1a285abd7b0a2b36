// SPDX-License-Identifier: MIT
#include "core/engine/trace.h"

#include <algorithm>
#include <utility>

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

Expected<StateSet> parseStateSet(const std::string& text) {
    StateSet set{};
    for (size_t start = 0; start <= text.size();) {
        const size_t end = std::min(text.find(',', start), text.size());
        const std::string word = text.substr(start, end - start);
        bool known = false;
        for (int k = 0; k < kStateCount; ++k)
            if (word == stateName(kStates[k]))
                known = set[static_cast<size_t>(k)] = true;
        if (!known)
            return invalidError("'" + word +
                                "' is not a layer state (skip, int4, int8 or full, separated by "
                                "commas)");
        start = end + 1;
    }
    return set;
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

void Trace::truncate(int32_t count) {
    if (count >= tokenCount())
        return;
    tokens.resize(static_cast<size_t>(std::max(0, count)));
    const size_t cells = tokens.size() * static_cast<size_t>(layers);
    states.resize(cells);
    cosInOut.resize(cells);
    cosAdjacent.resize(cells);
    normIn.resize(cells);
    normOut.resize(cells);
    layerTimeNs.resize(cells);
    scores.resize(cells * kStateCount);
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
    clockOriginNs = 0;
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

namespace {

// Sorted, merged intervals of one stream.
std::vector<std::pair<int64_t, int64_t>> mergedIntervals(const std::vector<Span>& spans,
                                                         StreamKind stream) {
    std::vector<std::pair<int64_t, int64_t>> v;
    for (const Span& s : spans)
        if (s.stream == stream && s.endNs > s.startNs)
            v.emplace_back(s.startNs, s.endNs);
    std::sort(v.begin(), v.end());
    std::vector<std::pair<int64_t, int64_t>> merged;
    for (const auto& iv : v) {
        if (!merged.empty() && iv.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, iv.second);
        else
            merged.push_back(iv);
    }
    return merged;
}

int64_t total(const std::vector<std::pair<int64_t, int64_t>>& intervals) {
    int64_t sum = 0;
    for (const auto& iv : intervals)
        sum += iv.second - iv.first;
    return sum;
}

} // namespace

int64_t busyTimeNs(const std::vector<Span>& spans, StreamKind stream) {
    return total(mergedIntervals(spans, stream));
}

double policyOverlap(const std::vector<Span>& spans) {
    const auto policy = mergedIntervals(spans, StreamKind::Policy);
    const auto compute = mergedIntervals(spans, StreamKind::Compute);
    const int64_t policyTime = total(policy);
    if (policyTime == 0)
        return 0;
    // Both lists are sorted and disjoint: sweep them together.
    int64_t shared = 0;
    size_t i = 0, j = 0;
    while (i < policy.size() && j < compute.size()) {
        const int64_t lo = std::max(policy[i].first, compute[j].first);
        const int64_t hi = std::min(policy[i].second, compute[j].second);
        if (hi > lo)
            shared += hi - lo;
        if (policy[i].second < compute[j].second)
            ++i;
        else
            ++j;
    }
    return static_cast<double>(shared) / static_cast<double>(policyTime);
}

} // namespace dash
