// SPDX-License-Identifier: MIT
// Command-line parsing shared by the dash-cli commands: --key value and --flag
// options, positional arguments, and a uniform one-line error on bad input.
#pragma once

#include "core/util/status.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dash::cli {

class Args {
public:
    // `flags` are options without a value (e.g. "json"); every other option
    // takes one. Unknown options are an error.
    static Expected<Args> parse(const std::vector<std::string>& argv,
                                const std::set<std::string>& valueOptions,
                                const std::set<std::string>& flags);

    bool has(const std::string& name) const;
    bool flag(const std::string& name) const { return m_flags.count(name) != 0; }
    std::optional<std::string> get(const std::string& name) const;
    // Every value given to a repeated option, in order.
    std::vector<std::string> getAll(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback) const;
    Expected<std::string> required(const std::string& name) const;
    // Numbers are read whole (no trailing or leading junk) as 64-bit integers
    // or finite doubles; NaN, infinities and out-of-range values are refused
    // with an error naming the option. The ranged forms also check [min, max].
    Expected<long long> getInt(const std::string& name, long long fallback) const;
    Expected<long long> getInt(const std::string& name, long long fallback, long long min,
                               long long max) const;
    Expected<double> getDouble(const std::string& name, double fallback) const;
    Expected<double> getDouble(const std::string& name, double fallback, double min,
                               double max) const;
    const std::vector<std::string>& positional() const { return m_positional; }

private:
    std::multimap<std::string, std::string> m_values;
    std::set<std::string> m_flags;
    std::vector<std::string> m_positional;
};

// A subcommand: name, one-line summary, usage text and entry point. The entry
// point returns the process exit code and prints its own output.
struct Command {
    const char* name;
    const char* summary;
    const char* usage;
    int (*run)(const std::vector<std::string>& args);
};

// The first error among several parsed values (Expected<T> of any T), if any.
template <class... E>
std::optional<Error> firstError(const E&... values) {
    std::optional<Error> out;
    ((out || values.ok() ? void() : void(out = values.error())), ...);
    return out;
}

// Prints "dash-cli <command>: <message>" to stderr as one line (newlines
// escaped, other control characters as spaces) and returns 1.
int fail(const char* command, const std::string& message);
int fail(const char* command, const Error& error);

} // namespace dash::cli
