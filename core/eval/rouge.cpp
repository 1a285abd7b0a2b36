// SPDX-License-Identifier: MIT
#include "core/eval/rouge.h"

#include <algorithm>

namespace dash::eval {

std::vector<std::string> rougeTokens(std::string_view text) {
    std::vector<std::string> tokens;
    std::string current;
    for (char raw : text) {
        char c = raw;
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            current += c;
        } else if (!current.empty()) {
            tokens.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty())
        tokens.push_back(std::move(current));
    return tokens;
}

size_t lcsLength(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    // row[j]: LCS of the first i tokens of a and the first j of b.
    std::vector<size_t> row(b.size() + 1, 0);
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = 0; // row[j-1] of the previous i
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = a[i - 1] == b[j - 1] ? diagonal + 1 : std::max(row[j], row[j - 1]);
            diagonal = above;
        }
    }
    return row[b.size()];
}

RougeScore rougeL(std::string_view prediction, std::string_view reference) {
    const std::vector<std::string> p = rougeTokens(prediction);
    const std::vector<std::string> r = rougeTokens(reference);
    RougeScore s;
    if (p.empty() || r.empty())
        return s;
    const double lcs = static_cast<double>(lcsLength(p, r));
    s.precision = lcs / static_cast<double>(p.size());
    s.recall = lcs / static_cast<double>(r.size());
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
    return s;
}

} // namespace dash::eval
