// SPDX-License-Identifier: MIT
#include "core/dash/input_awareness.h"

#include "core/dash/baselines.h"
#include "core/dash/oracle.h"
#include "core/engine/generate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

namespace dash {

namespace {

// Plug-in I(a; f) in bits from paired labels a in [0, na), f in [0, nf).
double mutualInformation(const std::vector<int>& a, int na, const std::vector<int>& f, int nf) {
    const size_t n = a.size();
    if (n == 0)
        return 0;
    std::vector<double> joint(static_cast<size_t>(na * nf), 0.0), pa(static_cast<size_t>(na), 0.0),
        pf(static_cast<size_t>(nf), 0.0);
    for (size_t i = 0; i < n; ++i) {
        joint[static_cast<size_t>(a[i] * nf + f[i])] += 1;
        pa[static_cast<size_t>(a[i])] += 1;
        pf[static_cast<size_t>(f[i])] += 1;
    }
    double mi = 0;
    const double total = static_cast<double>(n);
    for (int i = 0; i < na; ++i)
        for (int j = 0; j < nf; ++j) {
            const double pij = joint[static_cast<size_t>(i * nf + j)];
            if (pij > 0)
                mi += pij / total *
                      std::log2(pij * total /
                                (pa[static_cast<size_t>(i)] * pf[static_cast<size_t>(j)]));
        }
    return std::max(0.0, mi);
}

double entropyBits(const std::array<int64_t, kStateCount>& counts) {
    double total = 0, h = 0;
    for (int64_t c : counts)
        total += static_cast<double>(c);
    for (int64_t c : counts)
        if (c > 0)
            h -= static_cast<double>(c) / total * std::log2(static_cast<double>(c) / total);
    return h;
}

Json resultJson(const EvaluationResult& r) {
    Json j = Json::object();
    j.set("nominal_ratio", r.nominalRatio);
    j.set("ppl", r.pplAll);
    j.set("ppl_second_half", r.pplSecondHalf);
    j.set("scored_tokens", r.scoredAll);
    return j;
}

} // namespace

Json InputAwareness::toJson() const {
    Json j = Json::object();
    j.set("tokens", tokens);
    j.set("majority_deviation", majorityDeviation);
    j.set("mi_token_excess_bits", miTokenExcess);
    j.set("mi_position_excess_bits", miPositionExcess);
    j.set("state_mix", Json::array(std::vector<double>(stateMix.begin(), stateMix.end())));
    Json rows(Json::Array{});
    for (const LayerAwareness& l : layers) {
        Json r = Json::object();
        r.set("state_counts",
              Json::array(std::vector<int64_t>(l.stateCounts.begin(), l.stateCounts.end())));
        r.set("majority_deviation", l.majorityDeviation);
        r.set("entropy_bits", l.entropy);
        r.set("mi_token_bits", l.miToken);
        r.set("mi_token_null_bits", l.miTokenNull);
        r.set("mi_position_bits", l.miPosition);
        r.set("mi_position_null_bits", l.miPositionNull);
        rows.push(std::move(r));
    }
    j.set("layers", std::move(rows));
    return j;
}

InputAwareness measureInputAwareness(const StateTable& states, const std::vector<int32_t>& tokenIds,
                                     const std::vector<int64_t>& positions, int64_t windowLength,
                                     const InputAwarenessOptions& o) {
    InputAwareness out;
    const int64_t n = std::min<int64_t>({states.tokens(), static_cast<int64_t>(tokenIds.size()),
                                         static_cast<int64_t>(positions.size())});
    out.tokens = n;
    const int32_t layers = states.layers;
    if (n == 0 || layers == 0)
        return out;

    // Token classes: the most frequent ids each a class, the rest together.
    std::map<int32_t, int64_t> frequency;
    for (int64_t t = 0; t < n; ++t)
        ++frequency[tokenIds[static_cast<size_t>(t)]];
    std::vector<std::pair<int64_t, int32_t>> ranked;
    for (const auto& [id, count] : frequency)
        ranked.push_back({-count, id});
    std::sort(ranked.begin(), ranked.end());
    std::map<int32_t, int> classOf;
    const int kept = std::min<int>(std::max(0, o.tokenClasses), static_cast<int>(ranked.size()));
    for (int i = 0; i < kept; ++i)
        classOf[ranked[static_cast<size_t>(i)].second] = i;
    const int tokenClassCount = kept + 1;
    const int buckets = std::max(1, o.positionBuckets);
    std::vector<int> tokenClass(static_cast<size_t>(n)), positionBucket(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) {
        auto it = classOf.find(tokenIds[static_cast<size_t>(t)]);
        tokenClass[static_cast<size_t>(t)] = it == classOf.end() ? kept : it->second;
        const int64_t p = std::clamp<int64_t>(positions[static_cast<size_t>(t)], 0,
                                              std::max<int64_t>(1, windowLength) - 1);
        positionBucket[static_cast<size_t>(t)] =
            static_cast<int>(p * buckets / std::max<int64_t>(1, windowLength));
    }

    std::mt19937_64 rng(o.seed);
    std::vector<int> a(static_cast<size_t>(n)), shuffled;
    int decided = 0;
    for (int32_t l = 0; l < layers; ++l) {
        LayerAwareness la;
        for (int64_t t = 0; t < n; ++t) {
            const int s = stateIndex(states.at(t, l));
            a[static_cast<size_t>(t)] = s;
            ++la.stateCounts[static_cast<size_t>(s)];
        }
        const int64_t majority = *std::max_element(la.stateCounts.begin(), la.stateCounts.end());
        la.majorityDeviation = 1.0 - static_cast<double>(majority) / static_cast<double>(n);
        la.entropy = entropyBits(la.stateCounts);
        if (la.entropy > 0) {
            la.miToken = mutualInformation(a, kStateCount, tokenClass, tokenClassCount);
            la.miPosition = mutualInformation(a, kStateCount, positionBucket, buckets);
            for (int p = 0; p < o.permutations; ++p) {
                shuffled = tokenClass;
                std::shuffle(shuffled.begin(), shuffled.end(), rng);
                la.miTokenNull += mutualInformation(a, kStateCount, shuffled, tokenClassCount);
                shuffled = positionBucket;
                std::shuffle(shuffled.begin(), shuffled.end(), rng);
                la.miPositionNull += mutualInformation(a, kStateCount, shuffled, buckets);
            }
            if (o.permutations > 0) {
                la.miTokenNull /= o.permutations;
                la.miPositionNull /= o.permutations;
            }
        }
        for (int k = 0; k < kStateCount; ++k)
            out.stateMix[static_cast<size_t>(k)] +=
                static_cast<double>(la.stateCounts[static_cast<size_t>(k)]);
        if (l >= 1) {
            out.majorityDeviation += la.majorityDeviation;
            out.miTokenExcess += la.miToken - la.miTokenNull;
            out.miPositionExcess += la.miPosition - la.miPositionNull;
            ++decided;
        }
        out.layers.push_back(la);
    }
    if (decided > 0) {
        out.majorityDeviation /= decided;
        out.miTokenExcess /= decided;
        out.miPositionExcess /= decided;
    }
    for (double& m : out.stateMix)
        m /= static_cast<double>(n) * layers;
    return out;
}

StateTable staticReassignment(const StateTable& states, uint64_t seed) {
    StateTable out = states;
    const int64_t n = states.tokens();
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::vector<double> key(static_cast<size_t>(n));
    for (int32_t l = 0; l < states.layers; ++l) {
        std::array<int64_t, kStateCount> counts{};
        for (int64_t t = 0; t < n; ++t)
            ++counts[static_cast<size_t>(stateIndex(states.at(t, l)))];
        for (int64_t t = 0; t < n; ++t)
            key[static_cast<size_t>(t)] = positionHash(seed, t, l);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
            return key[static_cast<size_t>(x)] < key[static_cast<size_t>(y)];
        });
        size_t next = 0;
        for (int k = 0; k < kStateCount; ++k)
            for (int64_t c = 0; c < counts[static_cast<size_t>(k)]; ++c)
                out.at(order[next++], l) = kStates[k];
    }
    return out;
}

Json PolicyAwarenessReport::toJson() const {
    Json j = Json::object();
    j.set("policy", resultJson(policy));
    j.set("reassigned", resultJson(reassigned));
    j.set("awareness", awareness.toJson());
    return j;
}

Expected<PolicyAwarenessReport> analysePolicy(Policy& policy, Engine& engine,
                                              const std::vector<int32_t>& ids,
                                              const EvaluationOptions& options,
                                              const InputAwarenessOptions& awareness) {
    const ModelConfig& c = engine.model().config();
    const int64_t context = options.context > 0 ? options.context : c.contextLength;
    if (context < 2 || context > engine.maxContext())
        return invalidError("evaluation window " + std::to_string(context) + " is outside 2.." +
                            std::to_string(engine.maxContext()));
    const std::vector<int64_t> starts =
        evaluationWindows(static_cast<int64_t>(ids.size()), options, context);
    if (starts.empty())
        return invalidError("the text has " + std::to_string(ids.size()) +
                            " tokens, fewer than one window of " + std::to_string(context));
    DASH_TRY(policy.prepare(engine));
    const int32_t vocab = c.vocabSize;
    PolicyAwarenessReport report;
    report.states = StateTable(static_cast<int64_t>(starts.size()) * context, c.layers);
    std::vector<int32_t> tokenIds;
    std::vector<int64_t> positions;
    double nllAll = 0, nllHalf = 0, cost = 0, cells = 0;
    EvaluationResult& r = report.policy;
    // Progress: the policy's windows, then their replay with reassigned states.
    const auto windows = 2 * static_cast<int64_t>(starts.size());
    for (size_t w = 0; w < starts.size(); ++w) {
        if (options.cancel && options.cancel->cancelled())
            return cancelledError();
        std::span<const int32_t> window(ids.data() + starts[w], static_cast<size_t>(context));
        engine.reset();
        DASH_TRY(policy.probe(engine, window));
        auto controller = policy.makeController();
        RecordingController recorder(controller.get(), report.states);
        recorder.setFirstRow(static_cast<int64_t>(w) * context);
        CountingController counter(&recorder);
        ForwardOptions fo;
        fo.controller = &counter;
        fo.cancel = options.cancel;
        fo.allLogits = true;
        DASH_ASSIGN_OR_RETURN(std::span<const float> logits, engine.forward(window, fo));
        cost += counter.cost();
        cells += counter.cells();
        for (int64_t j = 0; j < context; ++j) {
            tokenIds.push_back(window[static_cast<size_t>(j)]);
            positions.push_back(j);
            if (j + 1 == context)
                continue;
            const double lp = logProbability(
                logits.subspan(static_cast<size_t>(j * vocab), static_cast<size_t>(vocab)),
                window[static_cast<size_t>(j + 1)]);
            nllAll -= lp;
            ++r.scoredAll;
            if (j >= context / 2) {
                nllHalf -= lp;
                ++r.scoredSecondHalf;
            }
        }
        if (options.onProgress)
            options.onProgress(static_cast<int64_t>(w) + 1, windows);
    }
    engine.reset();
    r.windows = static_cast<int64_t>(starts.size());
    r.nominalRatio = cost > 0 ? 4.0 * cells / cost : 0.0;
    r.pplAll = std::exp(nllAll / static_cast<double>(r.scoredAll));
    r.pplSecondHalf = std::exp(nllHalf / static_cast<double>(r.scoredSecondHalf));
    report.awareness =
        measureInputAwareness(report.states, tokenIds, positions, context, awareness);
    const StateTable reassigned = staticReassignment(report.states, awareness.seed);
    DASH_ASSIGN_OR_RETURN(
        report.reassigned,
        evaluateStateTable(
            engine, ids, starts, context, reassigned, options.cancel, [&](int64_t done) {
                if (options.onProgress)
                    options.onProgress(static_cast<int64_t>(starts.size()) + done, windows);
            }));
    return report;
}

StateTable traceStateTable(const Trace& trace) {
    StateTable table(trace.tokenCount(), trace.layers);
    for (int32_t t = 0; t < trace.tokenCount(); ++t)
        for (int32_t l = 0; l < trace.layers; ++l)
            table.at(t, l) = trace.state(t, l);
    return table;
}

InputAwareness traceInputAwareness(const Trace& trace, const InputAwarenessOptions& options) {
    const int64_t n = trace.tokenCount();
    if (n < 2)
        return {};
    std::vector<int64_t> positions(static_cast<size_t>(n));
    std::iota(positions.begin(), positions.end(), 0);
    return measureInputAwareness(traceStateTable(trace), trace.tokens, positions, n, options);
}

Expected<PolicyAwarenessReport> analyseSequence(Engine& engine, const std::vector<int32_t>& ids,
                                                const StateTable& states,
                                                const InputAwarenessOptions& awareness) {
    const auto n = static_cast<int64_t>(ids.size());
    if (n < 2)
        return invalidError("analysing a sequence needs at least 2 tokens");
    if (states.tokens() < n)
        return invalidError("the state table has fewer rows than the sequence has tokens");
    PolicyAwarenessReport report;
    report.states = states;
    std::vector<int64_t> positions(static_cast<size_t>(n));
    std::iota(positions.begin(), positions.end(), 0);
    report.awareness = measureInputAwareness(states, ids, positions, n, awareness);
    DASH_ASSIGN_OR_RETURN(report.policy, evaluateStateTable(engine, ids, {0}, n, states));
    DASH_ASSIGN_OR_RETURN(
        report.reassigned,
        evaluateStateTable(engine, ids, {0}, n, staticReassignment(states, awareness.seed)));
    return report;
}

} // namespace dash
