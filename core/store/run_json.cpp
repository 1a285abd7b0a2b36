// SPDX-License-Identifier: MIT
#include "core/store/run_json.h"

#include "core/engine/trace_json.h"
#include "core/util/json_numbers.h"
#include "core/util/unicode.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace dash {

namespace {

constexpr uint32_t kCanonicalNanBits = 0x7fc00000u; // quiet NaN: kNoValue

Json floatJson(float v) {
    const uint32_t bits = std::bit_cast<uint32_t>(v);
    if (std::isnan(v)) {
        if (bits == kCanonicalNanBits)
            return Json();
        char buf[24];
        std::snprintf(buf, sizeof buf, "nan:0x%08x", static_cast<unsigned>(bits));
        return Json(buf);
    }
    if (std::isinf(v))
        return Json(v > 0 ? "inf" : "-inf");
    // The shortest decimal that names this float, as the double nearest to it,
    // so the file says 0.1 rather than 0.10000000149011612. When that double
    // would round to a different float, the float's exact value is written.
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    double d = 0;
    std::from_chars(buf, r.ptr, d);
    return Json(static_cast<float>(d) == v && std::signbit(d) == std::signbit(v)
                    ? d
                    : static_cast<double>(v));
}

// Non-finite doubles have no JSON number.
Json doubleJson(double v) {
    if (std::isnan(v))
        return Json("nan");
    if (std::isinf(v))
        return Json(v > 0 ? "inf" : "-inf");
    return Json(v);
}

// Text as a JSON string when it is UTF-8; otherwise (a byte-level token cut
// mid-character in generated text, a path in another encoding) as
// {"bytes": "<lowercase hex>"}, since a JSON string holds only UTF-8.
Json textJson(const std::string& s) {
    if (isValidUtf8(s))
        return Json(s);
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * s.size());
    for (unsigned char c : s) {
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
    }
    Json out = Json::object();
    out.set("bytes", std::move(hex));
    return out;
}

Json optionalJson(const std::optional<double>& v) {
    return v ? doubleJson(*v) : Json();
}

// Reads the fields of one JSON object, naming "<prefix><key>" in errors.
class FieldReader {
public:
    FieldReader(const Json& object, std::string prefix)
        : m_object(object), m_prefix(std::move(prefix)) {}

    Error error(std::string_view key, std::string_view problem) const {
        return invalidError("run JSON field '" + m_prefix + std::string(key) +
                            "': " + std::string(problem));
    }

    Expected<const Json*> member(std::string_view key, Json::Type type) const {
        const Json* v = m_object.find(key);
        if (!v)
            return error(key, "missing");
        if (v->type() != type)
            return error(key, std::string("expected ") + jsonTypeName(type) + ", found " +
                                  jsonTypeName(v->type()));
        return v;
    }

    // A string, or text that is not UTF-8 as textJson() writes it.
    Expected<std::string> string(std::string_view key) const {
        const Json* v = m_object.find(key);
        if (v && v->isObject()) {
            const Json& hex = (*v)["bytes"];
            std::string out;
            bool ok = hex.isString() && hex.asString().size() % 2 == 0;
            for (size_t i = 0; ok && i < hex.asString().size(); i += 2) {
                unsigned value = 0;
                const char* first = hex.asString().data() + i;
                auto r = std::from_chars(first, first + 2, value, 16);
                ok = r.ec == std::errc() && r.ptr == first + 2;
                out += static_cast<char>(value);
            }
            if (!ok)
                return error(key, "expected a string or {\"bytes\": \"<hex>\"}");
            return out;
        }
        DASH_ASSIGN_OR_RETURN(const Json* s, member(key, Json::Type::String));
        return s->asString();
    }

    Expected<int64_t> int64(std::string_view key) const {
        const Json* v = m_object.find(key);
        if (!v)
            return error(key, "missing");
        return readInt64(*v, key);
    }

    Expected<int32_t> int32(std::string_view key) const {
        DASH_ASSIGN_OR_RETURN(int64_t v, int64(key));
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
            return error(key, "out of the 32-bit range");
        return static_cast<int32_t>(v);
    }

    Expected<double> number(std::string_view key) const {
        const Json* v = m_object.find(key);
        if (!v)
            return error(key, "missing");
        return readDouble(*v, key);
    }

    Expected<std::optional<double>> optionalNumber(std::string_view key) const {
        const Json* v = m_object.find(key);
        if (!v || v->isNull())
            return std::optional<double>();
        DASH_ASSIGN_OR_RETURN(double d, readDouble(*v, key));
        return std::optional<double>(d);
    }

    Expected<int64_t> readInt64(const Json& v, std::string_view key) const {
        // Earlier builds wrote integers beyond 2^53 as decimal strings.
        if (v.isString()) {
            int64_t out = 0;
            const std::string& s = v.asString();
            auto r = std::from_chars(s.data(), s.data() + s.size(), out);
            if (r.ec != std::errc() || r.ptr != s.data() + s.size())
                return error(key, "expected an integer, found \"" + s + "\"");
            return out;
        }
        if (v.isInteger()) {
            if (v.numberKind() == Json::NumberKind::Unsigned)
                return error(key, "out of the 64-bit signed range");
            return v.asInt();
        }
        // A number in fractional form (1e3) is exact only up to 2^53.
        if (!v.isNumber() || v.asNumber() != std::floor(v.asNumber()) ||
            std::fabs(v.asNumber()) > 9007199254740992.0)
            return error(key, "expected an integer");
        return static_cast<int64_t>(v.asNumber());
    }

    Expected<double> readDouble(const Json& v, std::string_view key) const {
        if (v.isNumber())
            return v.asNumber();
        if (v.isString()) {
            const std::string& s = v.asString();
            if (s == "inf")
                return std::numeric_limits<double>::infinity();
            if (s == "-inf")
                return -std::numeric_limits<double>::infinity();
            if (s == "nan")
                return std::numeric_limits<double>::quiet_NaN();
        }
        return error(key, "expected a number");
    }

    Expected<std::vector<int32_t>> int32Array(std::string_view key) const {
        DASH_ASSIGN_OR_RETURN(const Json* a, member(key, Json::Type::Array));
        std::vector<int32_t> out;
        out.reserve(a->size());
        for (size_t i = 0; i < a->size(); ++i) {
            const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
            DASH_ASSIGN_OR_RETURN(int64_t v, readInt64((*a)[i], at));
            if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
                return error(at, "out of the 32-bit range");
            out.push_back(static_cast<int32_t>(v));
        }
        return out;
    }

    const std::string& prefix() const { return m_prefix; }

private:
    const Json& m_object;
    std::string m_prefix;
};

Expected<float> floatFromJson(const Json& v, const FieldReader& fields, const std::string& at) {
    if (v.isNull())
        return kNoValue;
    if (v.isNumber()) {
        // A number beyond the float range would not read back as written
        // (infinities are spelled "inf" here, so a large number is damage).
        if (!fitsFloat(v.asNumber()))
            return fields.error(at, "out of the float range");
        return static_cast<float>(v.asNumber());
    }
    if (v.isString()) {
        const std::string& s = v.asString();
        if (s == "inf")
            return std::numeric_limits<float>::infinity();
        if (s == "-inf")
            return -std::numeric_limits<float>::infinity();
        if (s.size() == 14 && s.compare(0, 6, "nan:0x") == 0) {
            uint32_t bits = 0;
            auto r = std::from_chars(s.data() + 6, s.data() + s.size(), bits, 16);
            const float f = std::bit_cast<float>(bits);
            if (r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isnan(f))
                return f;
        }
    }
    return fields.error(at, "expected a number, null, \"inf\", \"-inf\" or \"nan:0x<bits>\"");
}

// A [token][layer] cell array written as [layer][token].
template <class T, class Encode>
Json cellsByLayer(const Trace& t, const std::vector<T>& values, Encode encode) {
    Json::Array rows;
    rows.reserve(static_cast<size_t>(t.layers));
    for (int32_t l = 0; l < t.layers; ++l) {
        Json::Array row;
        row.reserve(t.tokens.size());
        for (int32_t i = 0; i < t.tokenCount(); ++i)
            row.push_back(encode(values[t.cell(i, l)]));
        rows.emplace_back(std::move(row));
    }
    return Json(std::move(rows));
}

// Reads a [layer][token] array (of `width` values per cell when width > 1)
// into [token][layer](*width) order.
template <class T, class Decode>
Status readCellsByLayer(const FieldReader& fields, std::string_view key, const Trace& t, int width,
                        std::vector<T>& out, Decode decode) {
    DASH_ASSIGN_OR_RETURN(const Json* rows, fields.member(key, Json::Type::Array));
    if (rows->size() != static_cast<size_t>(t.layers))
        return fields.error(key, "expected " + std::to_string(t.layers) + " layer rows, found " +
                                     std::to_string(rows->size()));
    const size_t w = static_cast<size_t>(width);
    out.assign(t.tokens.size() * static_cast<size_t>(t.layers) * w, T{});
    for (int32_t l = 0; l < t.layers; ++l) {
        const Json& row = (*rows)[static_cast<size_t>(l)];
        const std::string rowAt = std::string(key) + "[" + std::to_string(l) + "]";
        if (!row.isArray() || row.size() != t.tokens.size())
            return fields.error(rowAt, "expected an array of " + std::to_string(t.tokenCount()) +
                                           " tokens");
        for (int32_t i = 0; i < t.tokenCount(); ++i) {
            const Json& cell = row[static_cast<size_t>(i)];
            const std::string at = rowAt + "[" + std::to_string(i) + "]";
            if (width == 1) {
                DASH_ASSIGN_OR_RETURN(out[t.cell(i, l)], decode(cell, at));
                continue;
            }
            if (!cell.isArray() || cell.size() != w)
                return fields.error(at, "expected " + std::to_string(width) + " values");
            for (size_t k = 0; k < w; ++k) {
                DASH_ASSIGN_OR_RETURN(out[t.cell(i, l) * w + k],
                                      decode(cell[k], at + "[" + std::to_string(k) + "]"));
            }
        }
    }
    return {};
}

Json traceJson(const Trace& t) {
    Json out = Json::object();
    out.set("ids", Json::array(t.tokens));
    out.set("layers", t.layers);
    out.set("states", cellsByLayer(t, t.states, [](uint8_t s) { return Json(int{s}); }));
    out.set("cos_in_out", cellsByLayer(t, t.cosInOut, floatJson));
    out.set("cos_adjacent", cellsByLayer(t, t.cosAdjacent, floatJson));
    out.set("norm_in", cellsByLayer(t, t.normIn, floatJson));
    out.set("norm_out", cellsByLayer(t, t.normOut, floatJson));
    out.set("layer_time_ns", cellsByLayer(t, t.layerTimeNs, floatJson));
    Json::Array scoreRows;
    for (int32_t l = 0; l < t.layers; ++l) {
        Json::Array row;
        for (int32_t i = 0; i < t.tokenCount(); ++i) {
            Json::Array cell;
            for (int k = 0; k < kStateCount; ++k)
                cell.push_back(floatJson(t.scores[t.cell(i, l) * kStateCount + k]));
            row.emplace_back(std::move(cell));
        }
        scoreRows.emplace_back(std::move(row));
    }
    out.set("scores", Json(std::move(scoreRows)));
    Json passes(Json::Array{});
    for (const PassTiming& p : t.passes) {
        Json e = Json::object();
        e.set("first_token", p.firstToken);
        e.set("tokens", p.tokenCount);
        e.set("total_ns", p.totalNs);
        Json::Array layerNs;
        for (int64_t ns : p.layerNs)
            layerNs.push_back(ns);
        e.set("layer_ns", Json(std::move(layerNs)));
        passes.push(std::move(e));
    }
    out.set("passes", std::move(passes));
    Json spans(Json::Array{});
    for (const Span& s : t.spans) {
        Json e = Json::object();
        e.set("stream", s.stream == StreamKind::Compute ? "compute" : "policy");
        e.set("first_token", s.firstToken);
        e.set("tokens", s.tokenCount);
        e.set("layer", s.layer);
        e.set("start_ns", s.startNs);
        e.set("end_ns", s.endNs);
        spans.push(std::move(e));
    }
    out.set("spans", std::move(spans));
    out.set("clock_origin_ns", t.clockOriginNs);
    return out;
}

Expected<Trace> traceFromRunJson(const Json& json) {
    const FieldReader f(json, "trace.");
    Trace t;
    DASH_ASSIGN_OR_RETURN(t.tokens, f.int32Array("ids"));
    DASH_ASSIGN_OR_RETURN(t.layers, f.int32("layers"));
    if (t.layers < 0)
        return f.error("layers", "negative");
    auto state = [&](const Json& v, const std::string& at) -> Expected<uint8_t> {
        if (!v.isNumber() || !(v.asNumber() >= 0 && v.asNumber() <= 4) ||
            v.asNumber() != std::floor(v.asNumber()) ||
            !isValidState(static_cast<int>(v.asNumber())))
            return f.error(at, "a state must be 0, 1, 2 or 4");
        return static_cast<uint8_t>(v.asNumber());
    };
    auto number = [&](const Json& v, const std::string& at) { return floatFromJson(v, f, at); };
    DASH_TRY(readCellsByLayer(f, "states", t, 1, t.states, state));
    DASH_TRY(readCellsByLayer(f, "cos_in_out", t, 1, t.cosInOut, number));
    DASH_TRY(readCellsByLayer(f, "cos_adjacent", t, 1, t.cosAdjacent, number));
    DASH_TRY(readCellsByLayer(f, "norm_in", t, 1, t.normIn, number));
    DASH_TRY(readCellsByLayer(f, "norm_out", t, 1, t.normOut, number));
    DASH_TRY(readCellsByLayer(f, "layer_time_ns", t, 1, t.layerTimeNs, number));
    DASH_TRY(readCellsByLayer(f, "scores", t, kStateCount, t.scores, number));

    DASH_ASSIGN_OR_RETURN(const Json* passes, f.member("passes", Json::Type::Array));
    for (size_t i = 0; i < passes->size(); ++i) {
        const Json& p = (*passes)[i];
        const FieldReader pf(p, "trace.passes[" + std::to_string(i) + "].");
        if (!p.isObject())
            return f.error("passes[" + std::to_string(i) + "]", "expected an object");
        PassTiming pass;
        DASH_ASSIGN_OR_RETURN(pass.firstToken, pf.int32("first_token"));
        DASH_ASSIGN_OR_RETURN(pass.tokenCount, pf.int32("tokens"));
        DASH_ASSIGN_OR_RETURN(pass.totalNs, pf.int64("total_ns"));
        DASH_ASSIGN_OR_RETURN(const Json* layerNs, pf.member("layer_ns", Json::Type::Array));
        for (size_t l = 0; l < layerNs->size(); ++l) {
            DASH_ASSIGN_OR_RETURN(
                int64_t ns, pf.readInt64((*layerNs)[l], "layer_ns[" + std::to_string(l) + "]"));
            pass.layerNs.push_back(ns);
        }
        t.passes.push_back(std::move(pass));
    }
    DASH_ASSIGN_OR_RETURN(const Json* spans, f.member("spans", Json::Type::Array));
    for (size_t i = 0; i < spans->size(); ++i) {
        const Json& s = (*spans)[i];
        const FieldReader sf(s, "trace.spans[" + std::to_string(i) + "].");
        if (!s.isObject())
            return f.error("spans[" + std::to_string(i) + "]", "expected an object");
        Span span;
        DASH_ASSIGN_OR_RETURN(std::string stream, sf.string("stream"));
        if (stream != "compute" && stream != "policy")
            return sf.error("stream", "expected \"compute\" or \"policy\"");
        span.stream = stream == "compute" ? StreamKind::Compute : StreamKind::Policy;
        DASH_ASSIGN_OR_RETURN(span.firstToken, sf.int32("first_token"));
        DASH_ASSIGN_OR_RETURN(span.tokenCount, sf.int32("tokens"));
        DASH_ASSIGN_OR_RETURN(span.layer, sf.int32("layer"));
        DASH_ASSIGN_OR_RETURN(span.startNs, sf.int64("start_ns"));
        DASH_ASSIGN_OR_RETURN(span.endNs, sf.int64("end_ns"));
        t.spans.push_back(span);
    }
    DASH_ASSIGN_OR_RETURN(t.clockOriginNs, f.int64("clock_origin_ns"));
    return t;
}

constexpr const char* kRunJsonFormat = "dash-studio-run";
constexpr int kRunJsonVersion = 1;

} // namespace

Json runToJson(const RunRecord& run) {
    Json out = Json::object();
    out.set("format", kRunJsonFormat);
    out.set("format_version", kRunJsonVersion);
    out.set("id", run.id);
    out.set("created_ms", run.createdMs);
    out.set("updated_ms", run.updatedMs);
    out.set("label", textJson(run.label));
    out.set("notes", textJson(run.notes));

    Json model = Json::object();
    model.set("path", textJson(run.model.path));
    model.set("size_bytes", run.model.sizeBytes);
    model.set("sha256", run.model.sha256);
    model.set("architecture", textJson(run.model.architecture));
    model.set("metadata_json", textJson(run.model.metadataJson));
    out.set("model", std::move(model));

    Json policy = Json::object();
    policy.set("kind", textJson(run.policy.kind));
    policy.set("parameters_json", textJson(run.policy.parametersJson));
    policy.set("file_sha256", run.policy.fileSha256);
    policy.set("kv_mode", kvModeName(run.policy.kvMode));
    out.set("policy", std::move(policy));

    Json env = Json::object();
    env.set("backend", textJson(run.environment.backend));
    env.set("device_name", textJson(run.environment.deviceName));
    env.set("driver_version", textJson(run.environment.driverVersion));
    env.set("cuda_version", textJson(run.environment.cudaVersion));
    env.set("build_id", textJson(run.environment.buildId));
    env.set("threads", run.environment.threads);
    out.set("environment", std::move(env));

    out.set("prompt_text", textJson(run.promptText));
    out.set("prompt_ids", Json::array(run.promptIds));
    out.set("generated_text", textJson(run.generatedText));
    out.set("generated_ids", Json::array(run.generatedIds));

    Json metrics = Json::object();
    metrics.set("perplexity", optionalJson(run.metrics.perplexity));
    metrics.set("perplexity_second_half", optionalJson(run.metrics.perplexitySecondHalf));
    metrics.set("nominal_ratio", doubleJson(run.metrics.nominalRatio));
    metrics.set("measured_speedup", optionalJson(run.metrics.measuredSpeedup));
    metrics.set("ms_per_token", doubleJson(run.metrics.msPerToken));
    metrics.set("policy_overlap", doubleJson(run.metrics.policyOverlap));
    out.set("metrics", std::move(metrics));

    out.set("trace", traceJson(run.trace));
    return out;
}

Expected<RunRecord> runFromJson(const Json& json) {
    if (!json.isObject())
        return invalidError("a run JSON file must hold an object");
    const FieldReader f(json, "");
    DASH_ASSIGN_OR_RETURN(std::string format, f.string("format"));
    if (format != kRunJsonFormat)
        return f.error("format", "expected \"" + std::string(kRunJsonFormat) + "\", found \"" +
                                     format + "\"");
    DASH_ASSIGN_OR_RETURN(int64_t version, f.int64("format_version"));
    if (version > kRunJsonVersion)
        return unsupportedError("run JSON format version " + std::to_string(version) +
                                " is newer than this build reads (" +
                                std::to_string(kRunJsonVersion) + ")");

    RunRecord run;
    DASH_ASSIGN_OR_RETURN(run.id, f.int64("id"));
    DASH_ASSIGN_OR_RETURN(run.createdMs, f.int64("created_ms"));
    DASH_ASSIGN_OR_RETURN(run.updatedMs, f.int64("updated_ms"));
    DASH_ASSIGN_OR_RETURN(run.label, f.string("label"));
    DASH_ASSIGN_OR_RETURN(run.notes, f.string("notes"));

    DASH_ASSIGN_OR_RETURN(const Json* model, f.member("model", Json::Type::Object));
    const FieldReader mf(*model, "model.");
    DASH_ASSIGN_OR_RETURN(run.model.path, mf.string("path"));
    DASH_ASSIGN_OR_RETURN(run.model.sizeBytes, mf.int64("size_bytes"));
    DASH_ASSIGN_OR_RETURN(run.model.sha256, mf.string("sha256"));
    DASH_ASSIGN_OR_RETURN(run.model.architecture, mf.string("architecture"));
    DASH_ASSIGN_OR_RETURN(run.model.metadataJson, mf.string("metadata_json"));

    DASH_ASSIGN_OR_RETURN(const Json* policy, f.member("policy", Json::Type::Object));
    const FieldReader pf(*policy, "policy.");
    DASH_ASSIGN_OR_RETURN(run.policy.kind, pf.string("kind"));
    DASH_ASSIGN_OR_RETURN(run.policy.parametersJson, pf.string("parameters_json"));
    DASH_ASSIGN_OR_RETURN(run.policy.fileSha256, pf.string("file_sha256"));
    DASH_ASSIGN_OR_RETURN(std::string kvMode, pf.string("kv_mode"));
    auto mode = parseKvMode(kvMode);
    if (!mode.ok())
        return pf.error("kv_mode", mode.error().message());
    run.policy.kvMode = *mode;

    DASH_ASSIGN_OR_RETURN(const Json* env, f.member("environment", Json::Type::Object));
    const FieldReader ef(*env, "environment.");
    DASH_ASSIGN_OR_RETURN(run.environment.backend, ef.string("backend"));
    DASH_ASSIGN_OR_RETURN(run.environment.deviceName, ef.string("device_name"));
    DASH_ASSIGN_OR_RETURN(run.environment.driverVersion, ef.string("driver_version"));
    DASH_ASSIGN_OR_RETURN(run.environment.cudaVersion, ef.string("cuda_version"));
    DASH_ASSIGN_OR_RETURN(run.environment.buildId, ef.string("build_id"));
    DASH_ASSIGN_OR_RETURN(run.environment.threads, ef.int32("threads"));

    DASH_ASSIGN_OR_RETURN(run.promptText, f.string("prompt_text"));
    DASH_ASSIGN_OR_RETURN(run.promptIds, f.int32Array("prompt_ids"));
    DASH_ASSIGN_OR_RETURN(run.generatedText, f.string("generated_text"));
    DASH_ASSIGN_OR_RETURN(run.generatedIds, f.int32Array("generated_ids"));

    DASH_ASSIGN_OR_RETURN(const Json* metrics, f.member("metrics", Json::Type::Object));
    const FieldReader xf(*metrics, "metrics.");
    DASH_ASSIGN_OR_RETURN(run.metrics.perplexity, xf.optionalNumber("perplexity"));
    DASH_ASSIGN_OR_RETURN(run.metrics.perplexitySecondHalf,
                          xf.optionalNumber("perplexity_second_half"));
    DASH_ASSIGN_OR_RETURN(run.metrics.nominalRatio, xf.number("nominal_ratio"));
    DASH_ASSIGN_OR_RETURN(run.metrics.measuredSpeedup, xf.optionalNumber("measured_speedup"));
    DASH_ASSIGN_OR_RETURN(run.metrics.msPerToken, xf.number("ms_per_token"));
    DASH_ASSIGN_OR_RETURN(run.metrics.policyOverlap, xf.number("policy_overlap"));

    DASH_ASSIGN_OR_RETURN(const Json* trace, f.member("trace", Json::Type::Object));
    DASH_ASSIGN_OR_RETURN(run.trace, traceFromRunJson(*trace));
    return run;
}

std::string runToCsv(const RunRecord& run) {
    return traceToCsv(run.trace, nullptr);
}

} // namespace dash
