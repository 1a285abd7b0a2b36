// SPDX-License-Identifier: MIT
// A small JSON value with a strict parser and a writer. Used for CLI output,
// policy and run files, and reading reference data in tests.
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
    Json(int v) : m_type(Type::Number), m_number(v) {}
    Json(int64_t v) : m_type(Type::Number), m_number(static_cast<double>(v)) {}
    Json(uint64_t v) : m_type(Type::Number), m_number(static_cast<double>(v)) {}
    Json(uint32_t v) : m_type(Type::Number), m_number(v) {}
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

    bool asBool() const { return m_bool; }
    double asNumber() const { return m_number; }
    // The number truncated toward zero, saturated to the int64 range (0 for
    // NaN): never an undefined conversion. Use integer() for checked reading.
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
    // A member that must be a whole number in [min, max].
    Expected<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;

    // Compact when indent < 0. Non-finite numbers are written as null.
    std::string dump(int indent = -1) const;
    static Expected<Json> parse(std::string_view text);

    std::vector<double> toDoubles() const;
    std::vector<int64_t> toInts() const;

private:
    void dumpTo(std::string& out, int indent, int depth) const;

    Type m_type = Type::Null;
    bool m_bool = false;
    double m_number = 0;
    std::string m_string;
    Array m_array;
    Object m_object;
};

const char* jsonTypeName(Json::Type type);
// Reads and parses a JSON file; refuses what readInputFile refuses (kJsonInput).
Expected<Json> readJsonFile(const std::string& path);

} // namespace dash
