// SPDX-License-Identifier: MIT
#include "profiler/kernel_records.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace dash {

namespace {

using Interval = std::pair<int64_t, int64_t>;

// The union of one stream's spans, clipped to the window, as sorted disjoint intervals.
std::vector<Interval> unionOf(const std::vector<Span>& spans, StreamKind kind, int64_t lo,
                              int64_t hi) {
    const bool clip = hi > lo;
    std::vector<Interval> v;
    for (const Span& s : spans) {
        if (s.stream != kind)
            continue;
        int64_t a = s.startNs, b = s.endNs;
        if (clip) {
            a = std::max(a, lo);
            b = std::min(b, hi);
        }
        if (b > a)
            v.emplace_back(a, b);
    }
    std::sort(v.begin(), v.end());
    std::vector<Interval> merged;
    for (const Interval& i : v) {
        if (!merged.empty() && i.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, i.second);
        else
            merged.push_back(i);
    }
    return merged;
}

int64_t length(const std::vector<Interval>& v) {
    int64_t t = 0;
    for (const Interval& i : v)
        t += i.second - i.first;
    return t;
}

} // namespace

MappedKernels mapKernelRecords(const std::vector<KernelRecord>& records, const RecordMapping& m) {
    MappedKernels out;
    auto streamKind = [&](const KernelRecord& k, StreamKind fallback) {
        if (k.deviceId != m.deviceId)
            return fallback;
        const RegisteredStream* match = nullptr;
        for (const RegisteredStream& s : m.streams) {
            if (s.streamId != k.streamId)
                continue;
            if (match)
                return fallback; // one stream registered for both kinds
            match = &s;
        }
        return match ? match->kind : fallback;
    };
    // (tag index, layer, kind) -> span, ordered by tag index, i.e. by beginSpan.
    std::map<std::tuple<size_t, int32_t, StreamKind>, Span> merged;
    for (const KernelRecord& k : records) {
        if (k.start == 0 || k.end == 0 || k.end < k.start) {
            ++out.untimed;
            continue;
        }
        const auto ext = m.externalIds.find(k.correlationId);
        if (ext == m.externalIds.end() || ext->second < m.firstExternalId ||
            ext->second - m.firstExternalId >= m.tags.size()) {
            ++out.unmapped;
            continue;
        }
        const size_t index = static_cast<size_t>(ext->second - m.firstExternalId);
        const TaggedPass& t = m.tags[index];
        if (t.pass >= m.passOffsetsNs.size()) {
            ++out.unmapped;
            continue;
        }
        int32_t layer = t.tag.layer;
        StreamKind kind = streamKind(k, t.tag.stream);
        if (k.graphNodeId != 0) {
            uint64_t id = k.graphNodeId;
            for (int depth = 0; depth <= kMaxCloneDepth; ++depth) {
                const auto node = m.graphNodes.find(id);
                if (node != m.graphNodes.end()) {
                    layer = node->second.layer;
                    kind = node->second.stream;
                    break;
                }
                const auto original = m.clonedFrom.find(id);
                if (original == m.clonedFrom.end())
                    break;
                id = original->second;
            }
        }
        const int64_t offset = m.passOffsetsNs[t.pass];
        const int64_t start = static_cast<int64_t>(k.start) + offset;
        const int64_t end = static_cast<int64_t>(k.end) + offset;
        const Span kernel{kind, t.tag.firstToken, t.tag.tokenCount, layer, start, end};
        out.kernels.push_back(kernel);
        auto [it, inserted] = merged.try_emplace({index, layer, kind}, kernel);
        if (!inserted) {
            it->second.startNs = std::min(it->second.startNs, start);
            it->second.endNs = std::max(it->second.endNs, end);
        }
    }
    out.spans.reserve(merged.size());
    for (const auto& entry : merged)
        out.spans.push_back(entry.second);
    return out;
}

OverlapSummary summarizeOverlap(const std::vector<Span>& spans, int64_t windowBegin,
                                int64_t windowEnd) {
    const auto policy = unionOf(spans, StreamKind::Policy, windowBegin, windowEnd);
    const auto compute = unionOf(spans, StreamKind::Compute, windowBegin, windowEnd);
    OverlapSummary s;
    s.policyBusyNs = length(policy);
    s.computeBusyNs = length(compute);
    // Both lists are sorted and disjoint: a two-pointer sweep.
    size_t i = 0, j = 0;
    while (i < policy.size() && j < compute.size()) {
        const int64_t lo = std::max(policy[i].first, compute[j].first);
        const int64_t hi = std::min(policy[i].second, compute[j].second);
        if (hi > lo)
            s.sharedNs += hi - lo;
        if (policy[i].second < compute[j].second)
            ++i;
        else
            ++j;
    }
    s.overlap = s.policyBusyNs > 0
                    ? static_cast<double>(s.sharedNs) / static_cast<double>(s.policyBusyNs)
                    : 0.0;
    return s;
}

} // namespace dash
