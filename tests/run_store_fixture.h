// SPDX-License-Identifier: MIT
// Deterministic, fully populated runs for the run-store tests and their helper
// process, and a bit-exact comparison of two runs. Qt-free so that the helper
// executable can use it.
#pragma once

#include "core/store/run.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dash::test {

// splitmix64: a small PRNG whose sequence depends only on the seed.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform(float lo, float hi) {
        return lo + (hi - lo) * static_cast<float>(next() >> 40) / static_cast<float>(1 << 24);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }

private:
    uint64_t m_state;
};

inline float floatFromBits(uint32_t bits) {
    return std::bit_cast<float>(bits);
}

// Values a careless encoder loses: NaN payloads and signs, a signalling NaN,
// infinities, negative zero, the smallest denormal, the largest float.
inline const std::vector<float>& awkwardFloats() {
    static const std::vector<float> values = {
        floatFromBits(0x7fc00001),
        floatFromBits(0xffc12345),
        floatFromBits(0x7f800001),
        std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity(),
        -0.0f,
        floatFromBits(0x00000001),
        std::numeric_limits<float>::max(),
        0.1f,
    };
    return values;
}

// A run with every field set; `seed` varies all of them.
inline RunRecord makeRun(uint64_t seed, int32_t tokens = 48, int32_t layers = 8) {
    Rng rng(seed * 7919 + 17);
    RunRecord run;
    run.createdMs = 1700000000000 + static_cast<int64_t>(seed) * 60000 + 123;
    run.updatedMs = run.createdMs + 4567;
    run.label = "run-" + std::to_string(seed);
    run.notes = "Notizen \xe2\x80\x93 \xc3\xbc \"quoted\"\nline two, invalid byte \xff";

    static const char* const kModels[] = {"/models/dash-demo-16L.gguf", "/models/qwen2.5-7b.gguf",
                                          "/models/tinyllama_1.1b.gguf"};
    run.model.path = kModels[seed % 3];
    run.model.sizeBytes = 1000000007 + static_cast<int64_t>(seed % 3);
    run.model.sha256 = sha256Hex(run.model.path);
    run.model.architecture = seed % 3 == 1 ? "qwen2" : "llama";
    run.model.metadataJson = "{\"general.name\": \"model " + std::to_string(seed % 3) +
                             "\", \"block_count\": " + std::to_string(layers) + "}";

    static const char* const kPolicies[] = {"dash", "full", "early-exit", "random-skip"};
    run.policy.kind = kPolicies[seed % 4];
    run.policy.parametersJson = "{\"target_ratio\": 1.67, \"lambda_s\": 0.05}";
    run.policy.fileSha256 = sha256Hex("policy " + std::to_string(seed));
    run.policy.kvMode = seed % 2 ? KvMode::Mask : KvMode::Project;

    run.environment.backend = seed % 2 ? "cuda" : "cpu";
    run.environment.deviceName = seed % 2 ? "NVIDIA H200" : "AMD EPYC 9654";
    run.environment.driverVersion = seed % 2 ? "560.35.03" : "";
    run.environment.cudaVersion = seed % 2 ? "12.6" : "";
    run.environment.buildId = "0.1.0+g1ce5087";
    run.environment.threads = 16;

    run.promptText = "The quick brown fox";
    run.promptIds = {1, 450, 4996, 17354, 1701};
    run.generatedText = std::string("jumps\0over", 10) + " \xe2\x9c\x93";
    run.generatedIds = {432, 17204, 975, static_cast<int32_t>(seed)};

    Trace& t = run.trace;
    t.layers = layers;
    std::vector<int32_t> ids(static_cast<size_t>(tokens));
    for (auto& id : ids)
        id = rng.below(32000);
    t.appendTokens(ids);
    for (int32_t i = 0; i < tokens; ++i) {
        for (int32_t l = 0; l < layers; ++l) {
            const size_t c = t.cell(i, l);
            static const uint8_t kStateCodes[] = {0, 1, 2, 4};
            t.states[c] = l == 0 || l == layers - 1 ? 4 : kStateCodes[rng.below(4)];
            t.cosInOut[c] = rng.uniform(0.5f, 1.0f);
            t.cosAdjacent[c] = l == 0 ? kNoValue : rng.uniform(-1.0f, 1.0f);
            t.normIn[c] = rng.uniform(1.0f, 100.0f);
            t.normOut[c] = rng.uniform(1.0f, 100.0f);
            t.layerTimeNs[c] = rng.uniform(1e3f, 1e6f);
            for (int k = 0; k < kStateCount; ++k)
                t.scores[c * kStateCount + static_cast<size_t>(k)] =
                    l == 0 ? kNoValue : rng.uniform(-5.0f, 5.0f);
        }
    }
    // Scatter the awkward values over the float arrays.
    const auto& awkward = awkwardFloats();
    if (!t.cosInOut.empty()) {
        for (size_t k = 0; k < awkward.size(); ++k) {
            const size_t c = (seed + k * 7) % t.cosInOut.size();
            t.cosInOut[c] = awkward[k];
            t.normOut[(c + 3) % t.normOut.size()] = awkward[k];
            t.scores[(c * 5 + 1) % t.scores.size()] = awkward[k];
        }
    }

    int64_t clock = 1000;
    for (int32_t first = 0; first < tokens; first += first == 0 ? 8 : 1) {
        PassTiming p;
        p.firstToken = first;
        p.tokenCount = first == 0 ? std::min(8, tokens) : 1;
        for (int32_t l = 0; l < layers; ++l)
            p.layerNs.push_back(10000 + rng.below(5000));
        p.totalNs = 0;
        for (int64_t ns : p.layerNs)
            p.totalNs += ns;
        t.passes.push_back(p);
        for (int32_t l = -1; l < layers; ++l) {
            Span compute{StreamKind::Compute, first, p.tokenCount, l, clock, clock + 900};
            Span policy{StreamKind::Policy, first, p.tokenCount, l, clock + 100, clock + 400};
            t.spans.push_back(compute);
            if (l >= 0)
                t.spans.push_back(policy);
            clock += 1000;
        }
    }
    // Past 2^53: exact only as a JSON integer, not as a double.
    t.clockOriginNs = 9007199254740993ll + static_cast<int64_t>(seed);

    if (seed % 3 != 2)
        run.metrics.perplexity = 12.25 + static_cast<double>(seed);
    if (seed % 5 == 0)
        run.metrics.perplexitySecondHalf = std::numeric_limits<double>::infinity();
    else if (seed % 3 != 2)
        run.metrics.perplexitySecondHalf = 11.5 + static_cast<double>(seed) / 3.0;
    run.metrics.nominalRatio = t.nominalRatio();
    if (seed % 2)
        run.metrics.measuredSpeedup = 1.4142135623730951;
    run.metrics.msPerToken = 3.0 + static_cast<double>(seed) / 7.0;
    run.metrics.policyOverlap = policyOverlap(t.spans);
    return run;
}

template <class T>
bool sameBits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

inline bool sameBits(const std::optional<double>& a, const std::optional<double>& b) {
    return a.has_value() == b.has_value() &&
           (!a || std::bit_cast<uint64_t>(*a) == std::bit_cast<uint64_t>(*b));
}

inline bool sameBits(double a, double b) {
    return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// Empty when a and b are identical bit for bit; otherwise the first field that
// differs. `withId`: whether the ids must match too.
inline std::string runDifference(const RunRecord& a, const RunRecord& b, bool withId = true) {
#define DASH_FIELD(expr)                                                                           \
    if (!(expr))                                                                                   \
        return #expr;
    if (withId)
        DASH_FIELD(a.id == b.id);
    DASH_FIELD(a.createdMs == b.createdMs);
    DASH_FIELD(a.updatedMs == b.updatedMs);
    DASH_FIELD(a.label == b.label);
    DASH_FIELD(a.notes == b.notes);
    DASH_FIELD(a.model.path == b.model.path);
    DASH_FIELD(a.model.sizeBytes == b.model.sizeBytes);
    DASH_FIELD(a.model.sha256 == b.model.sha256);
    DASH_FIELD(a.model.architecture == b.model.architecture);
    DASH_FIELD(a.model.metadataJson == b.model.metadataJson);
    DASH_FIELD(a.policy.kind == b.policy.kind);
    DASH_FIELD(a.policy.parametersJson == b.policy.parametersJson);
    DASH_FIELD(a.policy.fileSha256 == b.policy.fileSha256);
    DASH_FIELD(a.policy.kvMode == b.policy.kvMode);
    DASH_FIELD(a.environment.backend == b.environment.backend);
    DASH_FIELD(a.environment.deviceName == b.environment.deviceName);
    DASH_FIELD(a.environment.driverVersion == b.environment.driverVersion);
    DASH_FIELD(a.environment.cudaVersion == b.environment.cudaVersion);
    DASH_FIELD(a.environment.buildId == b.environment.buildId);
    DASH_FIELD(a.environment.threads == b.environment.threads);
    DASH_FIELD(a.promptText == b.promptText);
    DASH_FIELD(a.promptIds == b.promptIds);
    DASH_FIELD(a.generatedText == b.generatedText);
    DASH_FIELD(a.generatedIds == b.generatedIds);
    const Trace& s = a.trace;
    const Trace& t = b.trace;
    DASH_FIELD(s.layers == t.layers);
    DASH_FIELD(s.tokens == t.tokens);
    DASH_FIELD(sameBits(s.states, t.states));
    DASH_FIELD(sameBits(s.cosInOut, t.cosInOut));
    DASH_FIELD(sameBits(s.cosAdjacent, t.cosAdjacent));
    DASH_FIELD(sameBits(s.normIn, t.normIn));
    DASH_FIELD(sameBits(s.normOut, t.normOut));
    DASH_FIELD(sameBits(s.layerTimeNs, t.layerTimeNs));
    DASH_FIELD(sameBits(s.scores, t.scores));
    DASH_FIELD(s.passes.size() == t.passes.size());
    for (size_t i = 0; i < s.passes.size(); ++i) {
        DASH_FIELD(s.passes[i].firstToken == t.passes[i].firstToken);
        DASH_FIELD(s.passes[i].tokenCount == t.passes[i].tokenCount);
        DASH_FIELD(s.passes[i].totalNs == t.passes[i].totalNs);
        DASH_FIELD(s.passes[i].layerNs == t.passes[i].layerNs);
    }
    DASH_FIELD(s.spans.size() == t.spans.size());
    for (size_t i = 0; i < s.spans.size(); ++i) {
        DASH_FIELD(s.spans[i].stream == t.spans[i].stream);
        DASH_FIELD(s.spans[i].firstToken == t.spans[i].firstToken);
        DASH_FIELD(s.spans[i].tokenCount == t.spans[i].tokenCount);
        DASH_FIELD(s.spans[i].layer == t.spans[i].layer);
        DASH_FIELD(s.spans[i].startNs == t.spans[i].startNs);
        DASH_FIELD(s.spans[i].endNs == t.spans[i].endNs);
    }
    DASH_FIELD(s.clockOriginNs == t.clockOriginNs);
    DASH_FIELD(sameBits(a.metrics.perplexity, b.metrics.perplexity));
    DASH_FIELD(sameBits(a.metrics.perplexitySecondHalf, b.metrics.perplexitySecondHalf));
    DASH_FIELD(sameBits(a.metrics.nominalRatio, b.metrics.nominalRatio));
    DASH_FIELD(sameBits(a.metrics.measuredSpeedup, b.metrics.measuredSpeedup));
    DASH_FIELD(sameBits(a.metrics.msPerToken, b.metrics.msPerToken));
    DASH_FIELD(sameBits(a.metrics.policyOverlap, b.metrics.policyOverlap));
#undef DASH_FIELD
    return {};
}

} // namespace dash::test
