// SPDX-License-Identifier: MIT
#include "core/util/json_numbers.h"

#include <cmath>
#include <cstdio>

namespace dash {

namespace {

std::string numberText(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
}

// Depth-first search for the first number that does not fit; `path` is its
// location once found.
bool findBadNumber(const Json& json, std::string& path, double& bad) {
    switch (json.type()) {
    case Json::Type::Number:
        if (!fitsFloat(json.asNumber())) {
            bad = json.asNumber();
            return true;
        }
        return false;
    case Json::Type::Array:
        for (size_t i = 0; i < json.size(); ++i) {
            std::string inner;
            if (findBadNumber(json[i], inner, bad)) {
                path = "[" + std::to_string(i) + "]" + inner;
                return true;
            }
        }
        return false;
    case Json::Type::Object:
        for (const auto& [key, value] : json.asObject()) {
            std::string inner;
            if (findBadNumber(value, inner, bad)) {
                path = "." + key + inner;
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

} // namespace

bool fitsFloat(double value) {
    // Rounded to the nearest float: up to half an ulp above FLT_MAX still
    // gives FLT_MAX (its shortest decimal, 3.4028235e38, is such a double).
    return std::isfinite(value) && std::isfinite(static_cast<float>(value));
}

Expected<float> narrowToFloat(double value, std::string_view field) {
    if (!fitsFloat(value))
        return invalidError("field '" + std::string(field) + "' holds " + numberText(value) +
                            ", which is not a finite number in the float range");
    return static_cast<float>(value);
}

Status checkJsonFloats(const Json& json, std::string_view what) {
    std::string path;
    double bad = 0;
    if (!findBadNumber(json, path, bad))
        return {};
    if (!path.empty() && path[0] == '.')
        path.erase(0, 1);
    return invalidError(std::string(what) + " field '" + path + "' holds " + numberText(bad) +
                        ", which is not a finite number in the float range");
}

} // namespace dash
