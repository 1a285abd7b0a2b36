// SPDX-License-Identifier: MIT
#include "core/util/json.h"

#include "core/util/input_file.h"
#include "core/util/unicode.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace dash {

namespace {

const Json& nullJson() {
    static const Json value;
    return value;
}

void writeString(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

// Locale-independent (a GUI process may run under a comma-decimal locale):
// to_chars gives the shortest text that reads back to the same double.
void writeNumber(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[40];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? end : buf);
}

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    Expected<Json> parseDocument() {
        skipSpace();
        auto value = parseValue(0);
        if (!value.ok())
            return value;
        skipSpace();
        if (m_pos != m_text.size())
            return fail("unexpected trailing characters");
        return value;
    }

private:
    Error fail(const std::string& what) const {
        return invalidError("JSON: " + what + " at offset " + std::to_string(m_pos));
    }

    void skipSpace() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' ||
                                         m_text[m_pos] == '\r' || m_text[m_pos] == '\t'))
            ++m_pos;
    }

    bool consume(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) == word) {
            m_pos += word.size();
            return true;
        }
        return false;
    }

    Expected<Json> parseValue(int depth) {
        if (depth > 512)
            return fail("nesting too deep");
        if (m_pos >= m_text.size())
            return fail("unexpected end of input");
        char c = m_text[m_pos];
        if (c == '{')
            return parseObject(depth);
        if (c == '[')
            return parseArray(depth);
        if (c == '"') {
            auto s = parseString();
            if (!s.ok())
                return s.error();
            return Json(std::move(s).value());
        }
        if (consume("true"))
            return Json(true);
        if (consume("false"))
            return Json(false);
        if (consume("null"))
            return Json();
        if (c == '-' || (c >= '0' && c <= '9'))
            return parseNumber();
        return fail(std::string("unexpected character '") + c + "'");
    }

    Expected<Json> parseNumber() {
        size_t start = m_pos;
        if (m_text[m_pos] == '-')
            ++m_pos;
        auto digits = [&] {
            size_t from = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9')
                ++m_pos;
            return m_pos > from;
        };
        if (!digits())
            return fail("malformed number");
        if (m_pos < m_text.size() && m_text[m_pos] == '.') {
            ++m_pos;
            if (!digits())
                return fail("malformed number");
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            ++m_pos;
            if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-'))
                ++m_pos;
            if (!digits())
                return fail("malformed number");
        }
        double value = 0;
        const char* first = m_text.data() + start;
        const auto [end, ec] = std::from_chars(first, m_text.data() + m_pos, value);
        if (ec == std::errc::result_out_of_range)
            return fail("number out of range");
        if (ec != std::errc() || end != m_text.data() + m_pos)
            return fail("malformed number");
        return Json(value);
    }

    Expected<uint32_t> parseHex4() {
        if (m_pos + 4 > m_text.size())
            return fail("truncated \\u escape");
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = m_text[m_pos++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<uint32_t>(c - 'A' + 10);
            else
                return fail("bad hex digit in \\u escape");
        }
        return v;
    }

    Expected<std::string> parseString() {
        ++m_pos; // opening quote
        std::string out;
        while (true) {
            if (m_pos >= m_text.size())
                return fail("unterminated string");
            char c = m_text[m_pos++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                return fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_text.size())
                return fail("unterminated escape");
            char e = m_text[m_pos++];
            switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                auto hi = parseHex4();
                if (!hi.ok())
                    return hi.error();
                uint32_t cp = *hi;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (!consume("\\u"))
                        return fail("unpaired surrogate");
                    auto lo = parseHex4();
                    if (!lo.ok())
                        return lo.error();
                    if (*lo < 0xDC00 || *lo > 0xDFFF)
                        return fail("bad low surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail("unpaired surrogate");
                }
                appendUtf8(out, static_cast<char32_t>(cp));
                break;
            }
            default:
                return fail("unknown escape");
            }
        }
    }

    Expected<Json> parseArray(int depth) {
        ++m_pos;
        Json::Array items;
        skipSpace();
        if (consume("]"))
            return Json(std::move(items));
        while (true) {
            skipSpace();
            auto v = parseValue(depth + 1);
            if (!v.ok())
                return v;
            items.push_back(std::move(v).value());
            skipSpace();
            if (consume("]"))
                return Json(std::move(items));
            if (!consume(","))
                return fail("expected ',' or ']'");
        }
    }

    Expected<Json> parseObject(int depth) {
        ++m_pos;
        Json::Object members;
        skipSpace();
        if (consume("}"))
            return Json(std::move(members));
        while (true) {
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"')
                return fail("expected a member name");
            auto key = parseString();
            if (!key.ok())
                return key.error();
            skipSpace();
            if (!consume(":"))
                return fail("expected ':'");
            skipSpace();
            auto v = parseValue(depth + 1);
            if (!v.ok())
                return v;
            members.emplace_back(std::move(key).value(), std::move(v).value());
            skipSpace();
            if (consume("}"))
                return Json(std::move(members));
            if (!consume(","))
                return fail("expected ',' or '}'");
        }
    }

    std::string_view m_text;
    size_t m_pos = 0;
};

} // namespace

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
    const double d = (*v)->asNumber();
    if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) ||
        d >= 9223372036854775808.0 || d != std::floor(d))
        return invalidError("field '" + std::string(key) + "' must be a whole number from " +
                            std::to_string(min) + " to " + std::to_string(max) + ", got " +
                            (*v)->dump());
    return static_cast<int64_t>(d);
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

void Json::dumpTo(std::string& out, int indent, int depth) const {
    auto newline = [&](int d) {
        if (indent < 0)
            return;
        out += '\n';
        out.append(static_cast<size_t>(indent * d), ' ');
    };
    switch (m_type) {
    case Type::Null:
        out += "null";
        break;
    case Type::Bool:
        out += m_bool ? "true" : "false";
        break;
    case Type::Number:
        writeNumber(out, m_number);
        break;
    case Type::String:
        writeString(out, m_string);
        break;
    case Type::Array:
        out += '[';
        for (size_t i = 0; i < m_array.size(); ++i) {
            if (i)
                out += indent < 0 ? "," : ",";
            // Arrays of scalars stay on one line even when indenting.
            bool scalar = !m_array[i].isArray() && !m_array[i].isObject();
            if (!scalar)
                newline(depth + 1);
            else if (i && indent >= 0)
                out += ' ';
            m_array[i].dumpTo(out, indent, depth + 1);
        }
        if (!m_array.empty() && (m_array.back().isArray() || m_array.back().isObject()))
            newline(depth);
        out += ']';
        break;
    case Type::Object:
        out += '{';
        for (size_t i = 0; i < m_object.size(); ++i) {
            if (i)
                out += ',';
            newline(depth + 1);
            writeString(out, m_object[i].first);
            out += indent < 0 ? ":" : ": ";
            m_object[i].second.dumpTo(out, indent, depth + 1);
        }
        if (!m_object.empty())
            newline(depth);
        out += '}';
        break;
    }
}

std::string Json::dump(int indent) const {
    std::string out;
    dumpTo(out, indent, 0);
    return out;
}

Expected<Json> Json::parse(std::string_view text) {
    return Parser(text).parseDocument();
}

Expected<Json> readJsonFile(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kJsonInput));
    auto parsed = Json::parse(text);
    if (!parsed.ok())
        return parsed.error().withContext(path);
    return parsed;
}

} // namespace dash
