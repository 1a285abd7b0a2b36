// SPDX-License-Identifier: MIT
// ROUGE-L as the rouge-score package's "rougeL" scorer computes it without a
// stemmer (its default): the text is lowercased, every run of characters
// other than [a-z0-9] separates tokens (so non-ASCII letters separate too),
// and the score is the longest common subsequence of the two token lists:
//   P = LCS / |prediction|,  R = LCS / |reference|,  F1 = 2PR / (P + R)
// (0 when either list is empty or nothing is shared). Summaries are scored
// whole (rougeL), not sentence by sentence (rougeLsum).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dash::eval {

std::vector<std::string> rougeTokens(std::string_view text);

struct RougeScore {
    double precision = 0;
    double recall = 0;
    double f1 = 0;
};

RougeScore rougeL(std::string_view prediction, std::string_view reference);

// Length of the longest common subsequence (O(|a| |b|) time, O(|b|) memory).
size_t lcsLength(const std::vector<std::string>& a, const std::vector<std::string>& b);

} // namespace dash::eval
