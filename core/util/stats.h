// SPDX-License-Identifier: MIT
// Order statistics of repeated measurements, and the alternating schedule that
// every timed comparison in the project runs under (the bench programs, the
// sweep's speed column, decode speedups).
//
// The schedule: warm-up rounds first (run and discarded), then every measured
// round runs each arm twice in a mirrored order, A B | B A for two arms,
// A C B | B C A for three, the first arm rotating from round to round. A
// machine whose speed drifts linearly within a round then weighs on every arm
// alike (each arm's two positions have the same mean), and every arm runs
// first in some rounds. A comparison reports the per-round ratio of two arms'
// times, so a round that ran slow as a whole cancels out.
//
// The A/A control: the same code as the baseline on both sides of a
// comparison. Its ratio shows the bias and the noise of the measurement; a
// comparison whose control falls outside 1 +- kControlTolerance says so.
#pragma once

#include "core/util/cancel.h"
#include "core/util/status.h"

#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

namespace dash {

// Quantiles interpolate linearly between order statistics (numpy's default,
// R's type 7). Every field is NaN (count 0) for an empty sample.
struct Summary {
    double median = std::numeric_limits<double>::quiet_NaN();
    double q1 = std::numeric_limits<double>::quiet_NaN(); // 25th percentile
    double q3 = std::numeric_limits<double>::quiet_NaN(); // 75th percentile
    double min = std::numeric_limits<double>::quiet_NaN();
    double max = std::numeric_limits<double>::quiet_NaN();
    size_t count = 0;

    double iqr() const { return q3 - q1; }
};

// The q-quantile (0 <= q <= 1) of `values`; NaN when empty.
double quantile(std::vector<double> values, double q);
double median(std::vector<double> values);
Summary summarize(std::vector<double> values);

struct AlternationOptions {
    int rounds = 5;                      // measured rounds; each runs every arm twice
    int warmupRounds = 1;                // run first, discarded
    const CancelToken* cancel = nullptr; // checked before every run
};

// The arms of one round in the order they run: 2 * arms entries, the first
// half the arms rotated by `round`, the second half its mirror image.
std::vector<int> alternationOrder(int arms, int round);

// Seconds of every measured run: [arm][2 * round + k], k = 0, 1 for the arm's
// two runs of that round.
using ArmSeconds = std::vector<std::vector<double>>;

// Runs arms 0 .. arms-1 in the alternating schedule; run(arm) runs the arm once
// and returns the seconds it took. The first error (or a cancellation) stops
// the schedule and is returned.
Expected<ArmSeconds> runAlternating(int arms, const std::function<Expected<double>(int arm)>& run,
                                    const AlternationOptions& options);

// Per round, the baseline's seconds over the other arm's seconds (both runs of
// the round added): > 1 when `other` ran faster. Summarised over the rounds.
Summary pairedSpeedup(const std::vector<double>& baseSeconds,
                      const std::vector<double>& otherSeconds);

// `units` of work per run (tokens, bytes, spans) over each run's seconds.
Summary rates(const std::vector<double>& seconds, double units);

// How far the A/A control may stray from 1 before a comparison warns.
constexpr double kControlTolerance = 0.05;
bool controlWithinTolerance(double ratio);

} // namespace dash
