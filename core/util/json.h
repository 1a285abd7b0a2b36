// SPDX-License-Identifier: MIT
// A JSON value for CLI output, policy and run files, and reading reference
// data in tests. Parsing and writing go through nlohmann-json (json.cpp);
// this tree keeps the typed, error-returning access the callers use.
// Integers are held exactly (int64, or uint64 above INT64_MAX): a seed or a
// byte count above 2^53 survives a round trip.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dash {

class Json {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>; // insertion order kept

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : m_type(Type::Bool), m_bool(b) {}
    Json(double d) : m_type(Type::Number), m_number(d) {}
    Json(float d) : m_type(Type::Number), m_number(d) {}
    Json(int v) : Json(static_cast<int64_t>(v)) {}
    Json(uint32_t v) : Json(static_cast<int64_t>(v)) {}
    Json(int64_t v)
        : m_type(Type::Number), m_numberKind(NumberKind::Signed), m_number(static_cast<double>(v)),
          m_signed(v) {}
    Json(uint64_t v);
    Json(const char* s) : m_type(Type::String), m_string(s) {}
    Json(std::string s) : m_type(Type::String), m_string(std::move(s)) {}
    Json(std::string_view s) : m_type(Type::String), m_string(s) {}
    Json(Array a) : m_type(Type::Array), m_array(std::move(a)) {}
    Json(Object o) : m_type(Type::Object), m_object(std::move(o)) {}

    template <class T>
    static Json array(const std::vector<T>& values) {
        Array a;
        a.reserve(values.size());
        for (const auto& v : values)
            a.emplace_back(v);
        return Json(std::move(a));
    }
    static Json object() { return Json(Object{}); }

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isNumber() const { return m_type == Type::Number; }
    bool isString() const { return m_type == Type::String; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }
    // A number written without fraction or exponent (held exactly).
    bool isInteger() const { return m_type == Type::Number && m_numberKind != NumberKind::Float; }

    bool asBool() const { return m_bool; }
    // Integers above 2^53 round to the nearest double here; asInt() is exact.
    double asNumber() const { return m_number; }
    // An integer exactly (saturated to INT64_MAX for uint64 above it); a
    // fractional number truncated toward zero and saturated to the int64
    // range (0 for NaN): never an undefined conversion. Use integer() for
    // checked reading.
    int64_t asInt() const;
    const std::string& asString() const { return m_string; }
    const Array& asArray() const { return m_array; }
    Array& asArray() { return m_array; }
    const Object& asObject() const { return m_object; }

    size_t size() const { return m_type == Type::Array ? m_array.size() : m_object.size(); }
    const Json& operator[](size_t i) const { return m_array.at(i); }
    // Object member or nullptr.
    const Json* find(std::string_view key) const;
    // Object member; a shared null value when absent.
    const Json& operator[](std::string_view key) const;
    // Sets (or replaces) an object member.
    Json& set(std::string key, Json value);
    void push(Json value) { m_array.push_back(std::move(value)); }

    // Typed member access with errors naming the key (for files users give us).
    Expected<double> number(std::string_view key) const;
    Expected<std::string> string(std::string_view key) const;
    Expected<const Json*> member(std::string_view key, Type type) const;
    // A member that must be a whole number in [min, max] (compared exactly
    // for integers; a fractional-form number such as 1e3 must be whole).
    Expected<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
    // A member that must be a whole number in [0, UINT64_MAX] (a seed).
    Expected<uint64_t> unsignedInteger(std::string_view key) const;

    // Compact when indent < 0. Non-finite numbers are written as null; bytes
    // that are not UTF-8 are written as U+FFFD.
    std::string dump(int indent = -1) const;
    // Strict RFC 8259 text (one value, nothing after it), at most 512 levels
    // deep; numbers beyond the double range are refused.
    static Expected<Json> parse(std::string_view text);

    std::vector<double> toDoubles() const;
    std::vector<int64_t> toInts() const;

    // How a number is held: parsed or built as an integer, or as a double.
    enum class NumberKind { Float, Signed, Unsigned };
    NumberKind numberKind() const { return m_numberKind; }
    uint64_t asUnsigned() const { return m_unsigned; } // valid for NumberKind::Unsigned

private:
    Type m_type = Type::Null;
    NumberKind m_numberKind = NumberKind::Float;
    bool m_bool = false;
    double m_number = 0; // every number, rounded for integers above 2^53
    int64_t m_signed = 0;
    uint64_t m_unsigned = 0;
    std::string m_string;
    Array m_array;
    Object m_object;
};

const char* jsonTypeName(Json::Type type);
// Reads and parses a JSON file; refuses what readInputFile refuses (kJsonInput).
Expected<Json> readJsonFile(const std::string& path);

} // namespace dash
