// SPDX-License-Identifier: MIT
#include "core/engine/trace_json.h"

#include "core/model/tokenizer.h"
#include "core/util/json_numbers.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace dash {

namespace {

// [layer][token] array of one cell field.
template <class Get>
Json byLayer(const Trace& t, Get get) {
    Json out(Json::Array{});
    for (int32_t l = 0; l < t.layers; ++l) {
        Json row(Json::Array{});
        for (int32_t i = 0; i < t.tokenCount(); ++i)
            row.push(get(t.cell(i, l)));
        out.push(std::move(row));
    }
    return out;
}

Json number(float v) {
    return std::isnan(v) ? Json() : Json(v);
}

bool anyScore(const Trace& t) {
    for (float v : t.scores)
        if (!std::isnan(v))
            return true;
    return false;
}

const char* streamName(StreamKind s) {
    return s == StreamKind::Compute ? "compute" : "policy";
}

// Reads a [layer][token] array into cells.
template <class T, class Convert>
Status readByLayer(const Json& json, const char* field, int32_t layers, int32_t tokens,
                   std::vector<T>& out, Convert convert) {
    const Json* a = json.find(field);
    if (!a || !a->isArray() || a->size() != static_cast<size_t>(layers))
        return invalidError(std::string("trace field '") + field + "' must be an array of " +
                            std::to_string(layers) + " layers");
    out.assign(static_cast<size_t>(layers) * static_cast<size_t>(tokens), T{});
    for (int32_t l = 0; l < layers; ++l) {
        const Json& row = (*a)[static_cast<size_t>(l)];
        if (!row.isArray() || row.size() != static_cast<size_t>(tokens))
            return invalidError(std::string("trace field '") + field + "' layer " +
                                std::to_string(l) + " must hold " + std::to_string(tokens) +
                                " values");
        for (int32_t i = 0; i < tokens; ++i) {
            auto v = convert(row[static_cast<size_t>(i)]);
            if (!v.ok())
                return v.error().withContext(std::string("trace field '") + field + "' [" +
                                             std::to_string(l) + "][" + std::to_string(i) + "]");
            out[static_cast<size_t>(i) * layers + l] = *v;
        }
    }
    return {};
}

// A cell value: null for "no value", else a number in [lo, hi] that stays
// finite as a float, never coerced.
auto cellValue(double lo, double hi) {
    return [lo, hi](const Json& v) -> Expected<float> {
        if (v.isNull())
            return kNoValue;
        if (!v.isNumber())
            return invalidError("expected a number or null");
        const double d = v.asNumber();
        if (!(d >= lo && d <= hi) || !fitsFloat(d))
            return invalidError("value " + v.dump() + " is out of range");
        return static_cast<float>(d);
    };
}

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Cosines computed in float may stray this far past +-1.
constexpr double kCosSlack = 1e-3;
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
// Times in nanoseconds, at most 2^53 (104 days) from the clock origin: past
// any real trace, and differences and sums of such times cannot overflow.
constexpr int64_t kMaxNs = int64_t{1} << 53;

} // namespace

Json traceToJson(const Trace& t) {
    Json out = Json::object();
    out.set("ids", Json::array(t.tokens));
    out.set("layers", t.layers);
    out.set("states", byLayer(t, [&](size_t c) { return Json(static_cast<int>(t.states[c])); }));
    out.set("cos_in_out", byLayer(t, [&](size_t c) { return number(t.cosInOut[c]); }));
    out.set("cos_adjacent", byLayer(t, [&](size_t c) { return number(t.cosAdjacent[c]); }));
    out.set("norm_in", byLayer(t, [&](size_t c) { return number(t.normIn[c]); }));
    out.set("norm_out", byLayer(t, [&](size_t c) { return number(t.normOut[c]); }));
    out.set("layer_time_ns", byLayer(t, [&](size_t c) { return number(t.layerTimeNs[c]); }));
    if (anyScore(t)) {
        out.set("scores", byLayer(t, [&](size_t c) {
                    Json s(Json::Array{});
                    for (int k = 0; k < kStateCount; ++k)
                        s.push(number(t.scores[c * kStateCount + static_cast<size_t>(k)]));
                    return s;
                }));
    }
    Json passes(Json::Array{});
    for (const PassTiming& p : t.passes) {
        Json e = Json::object();
        e.set("first_token", p.firstToken);
        e.set("tokens", p.tokenCount);
        e.set("total_ns", p.totalNs);
        e.set("layer_ns", Json::array(p.layerNs));
        passes.push(std::move(e));
    }
    out.set("passes", std::move(passes));
    Json spans(Json::Array{});
    for (const Span& s : t.spans) {
        Json e = Json::object();
        e.set("stream", streamName(s.stream));
        e.set("first_token", s.firstToken);
        e.set("tokens", s.tokenCount);
        e.set("layer", s.layer);
        e.set("start_ns", s.startNs);
        e.set("end_ns", s.endNs);
        spans.push(std::move(e));
    }
    out.set("spans", std::move(spans));
    out.set("nominal_ratio", t.states.empty() ? Json() : Json(t.nominalRatio()));
    out.set("policy_overlap", policyOverlap(t.spans));
    return out;
}

Expected<Trace> traceFromJson(const Json& json) {
    Trace t;
    if (!json.isObject())
        return invalidError("a trace must be a JSON object");
    DASH_ASSIGN_OR_RETURN(const Json* ids, json.member("ids", Json::Type::Array));
    DASH_ASSIGN_OR_RETURN(double layers, json.number("layers"));
    if (layers < 0 || layers > 4096 || layers != std::floor(layers))
        return invalidError("trace field 'layers' is out of range");
    t.layers = static_cast<int32_t>(layers);
    for (size_t i = 0; i < ids->size(); ++i) {
        const Json& v = (*ids)[i];
        if (!v.isNumber() || !(v.asNumber() >= 0 && v.asNumber() <= kMaxInt32) ||
            v.asNumber() != std::floor(v.asNumber()))
            return invalidError("trace field 'ids' [" + std::to_string(i) +
                                "] must be a token id (a whole number from 0 to " +
                                std::to_string(kMaxInt32) + "), got " + v.dump());
        t.tokens.push_back(static_cast<int32_t>(v.asNumber()));
    }
    const int32_t n = t.tokenCount();
    DASH_TRY(
        readByLayer(json, "states", t.layers, n, t.states, [](const Json& v) -> Expected<uint8_t> {
            // Range first: converting 1e300 to int is undefined.
            if (!v.isNumber() || !(v.asNumber() >= 0 && v.asNumber() <= 4) ||
                v.asNumber() != std::floor(v.asNumber()) ||
                !isValidState(static_cast<int>(v.asNumber())))
                return invalidError("a state must be 0, 1, 2 or 4");
            return static_cast<uint8_t>(v.asNumber());
        }));
    const auto cosine = cellValue(-1 - kCosSlack, 1 + kCosSlack);
    const auto nonNegative = cellValue(0, kInfinity);
    DASH_TRY(readByLayer(json, "cos_in_out", t.layers, n, t.cosInOut, cosine));
    DASH_TRY(readByLayer(json, "cos_adjacent", t.layers, n, t.cosAdjacent, cosine));
    DASH_TRY(readByLayer(json, "norm_in", t.layers, n, t.normIn, nonNegative));
    DASH_TRY(readByLayer(json, "norm_out", t.layers, n, t.normOut, nonNegative));
    DASH_TRY(readByLayer(json, "layer_time_ns", t.layers, n, t.layerTimeNs, nonNegative));
    t.scores.assign(t.states.size() * kStateCount, kNoValue);
    if (json.find("scores")) {
        std::vector<std::vector<float>> cells;
        DASH_TRY(readByLayer(json, "scores", t.layers, n, cells,
                             [](const Json& v) -> Expected<std::vector<float>> {
                                 if (!v.isArray() || v.size() != kStateCount)
                                     return invalidError("scores need 4 values per cell");
                                 std::vector<float> s;
                                 for (const Json& x : v.asArray()) {
                                     auto f = cellValue(-kInfinity, kInfinity)(x);
                                     if (!f.ok())
                                         return f.error();
                                     s.push_back(*f);
                                 }
                                 return s;
                             }));
        for (size_t c = 0; c < cells.size(); ++c)
            for (int k = 0; k < kStateCount; ++k)
                t.scores[c * kStateCount + static_cast<size_t>(k)] =
                    cells[c][static_cast<size_t>(k)];
    }
    // Passes and spans are optional; when present every field must be there
    // and in range (a missing or bad one is not read as 0).
    auto listOf = [&](const char* key) -> Expected<const Json*> {
        const Json* list = json.find(key);
        if (!list || list->isNull())
            return static_cast<const Json*>(nullptr);
        if (!list->isArray())
            return invalidError(std::string("trace field '") + key + "' must be an array");
        return list;
    };
    DASH_ASSIGN_OR_RETURN(const Json* passes, listOf("passes"));
    for (size_t i = 0; passes && i < passes->size(); ++i) {
        const Json& p = (*passes)[i];
        auto read = [&]() -> Expected<PassTiming> {
            if (!p.isObject())
                return invalidError("must be an object");
            PassTiming pt;
            DASH_ASSIGN_OR_RETURN(int64_t first, p.integer("first_token", 0, kMaxInt32));
            DASH_ASSIGN_OR_RETURN(int64_t count, p.integer("tokens", 0, kMaxInt32));
            DASH_ASSIGN_OR_RETURN(pt.totalNs, p.integer("total_ns", 0, kMaxNs));
            DASH_ASSIGN_OR_RETURN(const Json* layerNs, p.member("layer_ns", Json::Type::Array));
            pt.firstToken = static_cast<int32_t>(first);
            pt.tokenCount = static_cast<int32_t>(count);
            for (const Json& v : layerNs->asArray()) {
                if (!v.isNumber() || !(v.asNumber() >= 0 && v.asNumber() <= kMaxNs) ||
                    v.asNumber() != std::floor(v.asNumber()))
                    return invalidError("'layer_ns' holds " + v.dump() +
                                        ", not a time in nanoseconds");
                pt.layerNs.push_back(static_cast<int64_t>(v.asNumber()));
            }
            return pt;
        };
        auto pt = read();
        if (!pt.ok())
            return pt.error().withContext("trace field 'passes' [" + std::to_string(i) + "]");
        t.passes.push_back(std::move(pt).value());
    }
    DASH_ASSIGN_OR_RETURN(const Json* spans, listOf("spans"));
    for (size_t i = 0; spans && i < spans->size(); ++i) {
        const Json& s = (*spans)[i];
        auto read = [&]() -> Expected<Span> {
            if (!s.isObject())
                return invalidError("must be an object");
            Span sp;
            const std::string stream = s["stream"].isString() ? s["stream"].asString() : "";
            if (stream != "compute" && stream != "policy")
                return invalidError("stream must be 'compute' or 'policy'");
            sp.stream = stream == "compute" ? StreamKind::Compute : StreamKind::Policy;
            DASH_ASSIGN_OR_RETURN(int64_t first, s.integer("first_token", 0, kMaxInt32));
            DASH_ASSIGN_OR_RETURN(int64_t count, s.integer("tokens", 0, kMaxInt32));
            DASH_ASSIGN_OR_RETURN(int64_t layer, s.integer("layer", -1, kMaxInt32));
            DASH_ASSIGN_OR_RETURN(sp.startNs, s.integer("start_ns", -kMaxNs, kMaxNs));
            DASH_ASSIGN_OR_RETURN(sp.endNs, s.integer("end_ns", -kMaxNs, kMaxNs));
            if (sp.endNs < sp.startNs)
                return invalidError("ends before it starts");
            sp.firstToken = static_cast<int32_t>(first);
            sp.tokenCount = static_cast<int32_t>(count);
            sp.layer = static_cast<int32_t>(layer);
            return sp;
        };
        auto sp = read();
        if (!sp.ok())
            return sp.error().withContext("trace field 'spans' [" + std::to_string(i) + "]");
        t.spans.push_back(sp.value());
    }
    return t;
}

namespace {

// `texts` is null or holds one text per traced token.
std::string csvWithTexts(const Trace& t, const std::vector<std::string>* texts) {
    std::string out = "token_index,token_id";
    if (texts)
        out += ",token_text";
    out += ",layer,state,cos_in_out,cos_adjacent,norm_in,norm_out,layer_time_ns,"
           "score_skip,score_int4,score_int8,score_full\n";
    auto num = [](float v) {
        if (std::isnan(v))
            return std::string();
        // Shortest text that reads back to the same float, locale-independent.
        char buf[32];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, ec == std::errc() ? end : buf);
    };
    for (int32_t i = 0; i < t.tokenCount(); ++i) {
        std::string quoted;
        if (texts) {
            const size_t index = static_cast<size_t>(i);
            const std::string& text = index < texts->size() ? (*texts)[index] : std::string();
            quoted = "\"";
            for (char ch : text)
                quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            quoted += "\"";
        }
        for (int32_t l = 0; l < t.layers; ++l) {
            const size_t c = t.cell(i, l);
            out += std::to_string(i) + "," + std::to_string(t.tokens[static_cast<size_t>(i)]);
            if (texts)
                out += "," + quoted;
            out += "," + std::to_string(l) + "," + std::to_string(t.states[c]) + "," +
                   num(t.cosInOut[c]) + "," + num(t.cosAdjacent[c]) + "," + num(t.normIn[c]) + "," +
                   num(t.normOut[c]) + "," + num(t.layerTimeNs[c]);
            for (int k = 0; k < kStateCount; ++k)
                out += "," + num(t.scores[c * kStateCount + static_cast<size_t>(k)]);
            out += "\n";
        }
    }
    return out;
}

} // namespace

std::string traceToCsv(const Trace& t, const Tokenizer* tokenizer) {
    if (!tokenizer)
        return csvWithTexts(t, nullptr);
    std::vector<std::string> texts;
    texts.reserve(t.tokens.size());
    for (int32_t id : t.tokens)
        texts.push_back(id >= 0 && id < tokenizer->vocabSize() ? tokenizer->tokenBytes(id)
                                                               : std::string());
    return csvWithTexts(t, &texts);
}

std::string traceToCsv(const Trace& t, const std::vector<std::string>& tokenTexts) {
    return csvWithTexts(t, &tokenTexts);
}

} // namespace dash
