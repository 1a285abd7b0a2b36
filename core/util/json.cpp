// SPDX-License-Identifier: MIT
#include "core/util/json.h"

#include "core/util/input_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace dash {

namespace {

using Nlohmann = nlohmann::ordered_json;

// Levels of arrays and objects a document may nest.
constexpr int kMaxDepth = 512;

const Json& nullJson() {
    static const Json value;
    return value;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the
// rest ("parse error at line 1, column 5: ...") is what a reader needs.
std::string withoutExceptionTag(const char* what) {
    std::string_view text(what);
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find("] ");
        if (close != std::string_view::npos)
            text.remove_prefix(close + 2);
    }
    return std::string(text);
}

// The parsed tree copied into Json; recursion is bounded by kMaxDepth, which
// nlohmann's parser (iterative) does not limit.
Expected<Json> fromNlohmann(const Nlohmann& value, int depth) {
    if (depth >= kMaxDepth)
        return invalidError("JSON: nesting too deep (more than " + std::to_string(kMaxDepth) +
                            " levels)");
    switch (value.type()) {
    case Nlohmann::value_t::null:
    case Nlohmann::value_t::discarded:
        return Json();
    case Nlohmann::value_t::boolean:
        return Json(value.get<bool>());
    case Nlohmann::value_t::number_integer:
        return Json(value.get<int64_t>());
    case Nlohmann::value_t::number_unsigned:
        return Json(value.get<uint64_t>());
    case Nlohmann::value_t::number_float:
        return Json(value.get<double>());
    case Nlohmann::value_t::string:
        return Json(value.get_ref<const std::string&>());
    case Nlohmann::value_t::binary:
        return invalidError("JSON: binary values are not JSON text");
    case Nlohmann::value_t::array: {
        Json::Array items;
        items.reserve(value.size());
        for (const auto& item : value) {
            DASH_ASSIGN_OR_RETURN(Json converted, fromNlohmann(item, depth + 1));
            items.push_back(std::move(converted));
        }
        return Json(std::move(items));
    }
    case Nlohmann::value_t::object: {
        // Keys are unique here: nlohmann keeps the last of repeated keys.
        Json::Object members;
        members.reserve(value.size());
        for (const auto& [key, item] : value.items()) {
            DASH_ASSIGN_OR_RETURN(Json converted, fromNlohmann(item, depth + 1));
            members.emplace_back(key, std::move(converted));
        }
        return Json(std::move(members));
    }
    }
    return Json();
}

// A null, bool, number or string as nlohmann's value, which writes it.
Nlohmann scalarToNlohmann(const Json& value) {
    switch (value.type()) {
    case Json::Type::Bool:
        return value.asBool();
    case Json::Type::Number:
        switch (value.numberKind()) {
        case Json::NumberKind::Signed:
            return value.asInt();
        case Json::NumberKind::Unsigned:
            return value.asUnsigned();
        case Json::NumberKind::Float:
            return value.asNumber();
        }
        return nullptr;
    case Json::Type::String:
        return value.asString();
    default:
        return nullptr;
    }
}

} // namespace

Json::Json(uint64_t v) : m_type(Type::Number), m_number(static_cast<double>(v)) {
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        m_numberKind = NumberKind::Signed;
        m_signed = static_cast<int64_t>(v);
    } else {
        m_numberKind = NumberKind::Unsigned;
        m_unsigned = v;
    }
}

const char* jsonTypeName(Json::Type type) {
    switch (type) {
    case Json::Type::Null:
        return "null";
    case Json::Type::Bool:
        return "boolean";
    case Json::Type::Number:
        return "number";
    case Json::Type::String:
        return "string";
    case Json::Type::Array:
        return "array";
    case Json::Type::Object:
        return "object";
    }
    return "?";
}

const Json* Json::find(std::string_view key) const {
    if (m_type != Type::Object)
        return nullptr;
    for (const auto& [k, v] : m_object)
        if (k == key)
            return &v;
    return nullptr;
}

const Json& Json::operator[](std::string_view key) const {
    const Json* v = find(key);
    return v ? *v : nullJson();
}

Json& Json::set(std::string key, Json value) {
    if (m_type != Type::Object) {
        m_type = Type::Object;
        m_object.clear();
    }
    for (auto& [k, v] : m_object) {
        if (k == key) {
            v = std::move(value);
            return v;
        }
    }
    m_object.emplace_back(std::move(key), std::move(value));
    return m_object.back().second;
}

Expected<const Json*> Json::member(std::string_view key, Type type) const {
    const Json* v = find(key);
    if (!v)
        return notFoundError("missing field '" + std::string(key) + "'");
    if (v->type() != type)
        return invalidError("field '" + std::string(key) + "' is a " + jsonTypeName(v->type()) +
                            ", expected a " + jsonTypeName(type));
    return v;
}

int64_t Json::asInt() const {
    if (m_numberKind == NumberKind::Signed)
        return m_signed;
    if (m_numberKind == NumberKind::Unsigned)
        return std::numeric_limits<int64_t>::max();
    // 2^63 as a double; every double below it converts exactly.
    constexpr double kLimit = 9223372036854775808.0;
    if (std::isnan(m_number))
        return 0;
    if (m_number >= kLimit)
        return std::numeric_limits<int64_t>::max();
    if (m_number < -kLimit)
        return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(m_number);
}

Expected<int64_t> Json::integer(std::string_view key, int64_t min, int64_t max) const {
    auto v = member(key, Type::Number);
    if (!v.ok())
        return v.error();
    const Json& n = **v;
    bool whole = false;
    int64_t value = 0;
    if (n.numberKind() == NumberKind::Signed) {
        whole = true;
        value = n.asInt();
    } else if (n.numberKind() == NumberKind::Float) {
        // 2^63 as a double; every whole double in [-2^63, 2^63) converts exactly.
        const double d = n.asNumber();
        whole = d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::floor(d);
        if (whole)
            value = static_cast<int64_t>(d);
    }
    if (!whole || value < min || value > max)
        return invalidError("field '" + std::string(key) + "' must be a whole number from " +
                            std::to_string(min) + " to " + std::to_string(max) + ", got " +
                            n.dump());
    return value;
}

Expected<uint64_t> Json::unsignedInteger(std::string_view key) const {
    auto v = member(key, Type::Number);
    if (!v.ok())
        return v.error();
    const Json& n = **v;
    if (n.numberKind() == NumberKind::Unsigned)
        return n.asUnsigned();
    if (n.numberKind() == NumberKind::Signed && n.asInt() >= 0)
        return static_cast<uint64_t>(n.asInt());
    // 2^64 as a double; every whole double in [0, 2^64) converts exactly.
    const double d = n.asNumber();
    if (n.numberKind() == NumberKind::Float && d >= 0 && d < 18446744073709551616.0 &&
        d == std::floor(d))
        return static_cast<uint64_t>(d);
    return invalidError("field '" + std::string(key) +
                        "' must be a whole number from 0 to 18446744073709551615, got " + n.dump());
}

Expected<double> Json::number(std::string_view key) const {
    auto v = member(key, Type::Number);
    if (!v.ok())
        return v.error();
    return (*v)->asNumber();
}

Expected<std::string> Json::string(std::string_view key) const {
    auto v = member(key, Type::String);
    if (!v.ok())
        return v.error();
    return (*v)->asString();
}

std::vector<double> Json::toDoubles() const {
    std::vector<double> out;
    out.reserve(m_array.size());
    for (const auto& v : m_array)
        out.push_back(v.asNumber());
    return out;
}

std::vector<int64_t> Json::toInts() const {
    std::vector<int64_t> out;
    out.reserve(m_array.size());
    for (const auto& v : m_array)
        out.push_back(v.asInt());
    return out;
}

namespace {

// Invalid UTF-8 (a byte-level token piece, a truncated name) is replaced
// rather than refused: output is never lost over one string.
std::string compact(const Nlohmann& value) {
    return value.dump(-1, ' ', false, Nlohmann::error_handler_t::replace);
}

// The text of `value`: compact when indent < 0; otherwise indented, with an
// array's scalars kept on one line, so that a trace's or a calibration's
// per-token rows read as rows (nlohmann would put every number on a line of
// its own). Scalars and keys are written by nlohmann; the tree is walked
// here rather than copied into nlohmann's.
void writeText(const Json& value, int indent, int depth, std::string& out) {
    const bool pretty = indent >= 0;
    const auto newline = [&](int d) {
        if (!pretty)
            return;
        out += '\n';
        out.append(static_cast<size_t>(indent) * static_cast<size_t>(d), ' ');
    };
    const auto nested = [](const Json& v) { return v.isArray() || v.isObject(); };
    if (value.isArray()) {
        const Json::Array& items = value.asArray();
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
            if (i)
                out += ',';
            if (nested(items[i]))
                newline(depth + 1);
            else if (i && pretty)
                out += ' ';
            writeText(items[i], indent, depth + 1, out);
        }
        if (!items.empty() && nested(items.back()))
            newline(depth);
        out += ']';
    } else if (value.isObject()) {
        const Json::Object& members = value.asObject();
        out += '{';
        for (size_t i = 0; i < members.size(); ++i) {
            if (i)
                out += ',';
            newline(depth + 1);
            out += compact(Nlohmann(members[i].first));
            out += pretty ? ": " : ":";
            writeText(members[i].second, indent, depth + 1, out);
        }
        if (!members.empty())
            newline(depth);
        out += '}';
    } else {
        out += compact(scalarToNlohmann(value));
    }
}

} // namespace

std::string Json::dump(int indent) const {
    std::string out;
    writeText(*this, indent, 0, out);
    return out;
}

Expected<Json> Json::parse(std::string_view text) {
    Nlohmann parsed;
    try {
        parsed = Nlohmann::parse(text);
    } catch (const Nlohmann::exception& e) {
        // parse_error for malformed text, out_of_range for a number beyond
        // the double range ("1e400").
        return invalidError("JSON: " + withoutExceptionTag(e.what()));
    }
    return fromNlohmann(parsed, 0);
}

Expected<Json> readJsonFile(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kJsonInput));
    auto parsed = Json::parse(text);
    if (!parsed.ok())
        return parsed.error().withContext(path);
    return parsed;
}

} // namespace dash
