// SPDX-License-Identifier: MIT
#include "app/cli/cli_args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dash::cli {

Expected<Args> Args::parse(const std::vector<std::string>& argv,
                           const std::set<std::string>& valueOptions,
                           const std::set<std::string>& flags) {
    Args args;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2);
            std::string value;
            bool inlineValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                inlineValue = true;
            }
            if (flags.count(name)) {
                if (inlineValue)
                    return invalidError("option --" + name + " takes no value");
                args.m_flags.insert(name);
                continue;
            }
            if (!valueOptions.count(name))
                return invalidError("unknown option --" + name);
            if (!inlineValue) {
                if (i + 1 >= argv.size())
                    return invalidError("option --" + name + " needs a value");
                value = argv[++i];
            }
            args.m_values.emplace(name, value);
        } else {
            args.m_positional.push_back(a);
        }
    }
    return args;
}

bool Args::has(const std::string& name) const {
    return m_values.count(name) != 0 || m_flags.count(name) != 0;
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto range = m_values.equal_range(name);
    if (range.first == range.second)
        return std::nullopt;
    return std::prev(range.second)->second; // the last one wins
}

std::vector<std::string> Args::getAll(const std::string& name) const {
    std::vector<std::string> out;
    auto range = m_values.equal_range(name);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto v = get(name);
    return v ? *v : fallback;
}

Expected<std::string> Args::required(const std::string& name) const {
    auto v = get(name);
    if (!v)
        return invalidError("missing required option --" + name);
    return *v;
}

Expected<long long> Args::getInt(const std::string& name, long long fallback) const {
    auto v = get(name);
    if (!v)
        return fallback;
    errno = 0;
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || std::isspace(static_cast<unsigned char>(v->front())) || *end != '\0')
        return invalidError("option --" + name + " expects an integer, got '" + *v + "'");
    if (errno == ERANGE)
        return invalidError("option --" + name + " is out of range: '" + *v + "'");
    return n;
}

Expected<long long> Args::getInt(const std::string& name, long long fallback, long long min,
                                 long long max) const {
    DASH_ASSIGN_OR_RETURN(long long n, getInt(name, fallback));
    if (n < min || n > max)
        return invalidError("option --" + name + " must be between " + std::to_string(min) +
                            " and " + std::to_string(max) + ", got " + std::to_string(n));
    return n;
}

Expected<double> Args::getDouble(const std::string& name, double fallback) const {
    auto v = get(name);
    if (!v)
        return fallback;
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (v->empty() || std::isspace(static_cast<unsigned char>(v->front())) || *end != '\0')
        return invalidError("option --" + name + " expects a number, got '" + *v + "'");
    if (!std::isfinite(d) || (errno == ERANGE && std::fabs(d) > 1.0))
        return invalidError("option --" + name + " expects a finite number, got '" + *v + "'");
    return d;
}

Expected<double> Args::getDouble(const std::string& name, double fallback, double min,
                                 double max) const {
    DASH_ASSIGN_OR_RETURN(double d, getDouble(name, fallback));
    if (!(d >= min && d <= max)) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "option --%s must be between %g and %g, got %g",
                      name.c_str(), min, max, d);
        return invalidError(buf);
    }
    return d;
}

int fail(const char* command, const std::string& message) {
    // One line, whatever the message carries (SQLite quotes a damaged
    // schema, a path may hold a newline): control characters are escaped.
    std::string line;
    for (char c : message) {
        if (c == '\n')
            line += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            line += ' ';
        else
            line += c;
    }
    constexpr size_t kMaxLine = 2000;
    if (line.size() > kMaxLine)
        line = line.substr(0, kMaxLine) + "...";
    std::fprintf(stderr, "dash-cli %s: %s\n", command, line.c_str());
    return 1;
}

int fail(const char* command, const Error& error) {
    return fail(command, error.message());
}

} // namespace dash::cli
