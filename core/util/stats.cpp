// SPDX-License-Identifier: MIT
#include "core/util/stats.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dash {

namespace {

// Quantile of an already sorted, non-empty sample.
double sortedQuantile(const std::vector<double>& sorted, double q) {
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<size_t>(std::floor(position));
    const size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

} // namespace

double quantile(std::vector<double> values, double q) {
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    return sortedQuantile(values, std::clamp(q, 0.0, 1.0));
}

double median(std::vector<double> values) {
    return quantile(std::move(values), 0.5);
}

Summary summarize(std::vector<double> values) {
    Summary s;
    if (values.empty())
        return s;
    std::sort(values.begin(), values.end());
    s.count = values.size();
    s.min = values.front();
    s.max = values.back();
    s.q1 = sortedQuantile(values, 0.25);
    s.median = sortedQuantile(values, 0.5);
    s.q3 = sortedQuantile(values, 0.75);
    return s;
}

std::vector<int> alternationOrder(int arms, int round) {
    std::vector<int> order;
    if (arms < 1)
        return order;
    for (int i = 0; i < arms; ++i)
        order.push_back((i + round) % arms);
    for (int i = arms - 1; i >= 0; --i)
        order.push_back(order[static_cast<size_t>(i)]);
    return order;
}

Expected<ArmSeconds> runAlternating(int arms, const std::function<Expected<double>(int arm)>& run,
                                    const AlternationOptions& options) {
    if (arms < 1 || options.rounds < 1 || options.warmupRounds < 0)
        return invalidError("an alternating measurement needs at least one arm and one round, "
                            "got " +
                            std::to_string(arms) + " arms and " + std::to_string(options.rounds) +
                            " rounds");
    ArmSeconds seconds(static_cast<size_t>(arms));
    for (int round = -options.warmupRounds; round < options.rounds; ++round) {
        // Warm-up rounds rotate too, so that no arm is always the first to run.
        const int rotation = (round % arms + arms) % arms;
        for (int arm : alternationOrder(arms, rotation)) {
            if (options.cancel && options.cancel->cancelled())
                return cancelledError();
            DASH_ASSIGN_OR_RETURN(double s, run(arm));
            if (round >= 0)
                seconds[static_cast<size_t>(arm)].push_back(s);
        }
    }
    return seconds;
}

Summary pairedSpeedup(const std::vector<double>& baseSeconds,
                      const std::vector<double>& otherSeconds) {
    std::vector<double> ratios;
    const size_t rounds = std::min(baseSeconds.size(), otherSeconds.size()) / 2;
    for (size_t r = 0; r < rounds; ++r) {
        const double base = baseSeconds[2 * r] + baseSeconds[2 * r + 1];
        const double other = otherSeconds[2 * r] + otherSeconds[2 * r + 1];
        if (other > 0)
            ratios.push_back(base / other);
    }
    return summarize(std::move(ratios));
}

Summary rates(const std::vector<double>& seconds, double units) {
    std::vector<double> r;
    for (double s : seconds)
        if (s > 0)
            r.push_back(units / s);
    return summarize(std::move(r));
}

bool controlWithinTolerance(double ratio) {
    return std::fabs(ratio - 1.0) <= kControlTolerance;
}

} // namespace dash
