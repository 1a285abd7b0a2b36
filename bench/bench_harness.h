// SPDX-License-Identifier: MIT
// What every bench program shares:
//   - options through cli::Args (--help prints the usage, a bad option one
//     line and exit code 2);
//   - timed comparisons: a baseline, its A/A copy (the same code again) and the
//     contenders run in the alternating schedule of core/util/stats.h; the
//     table gives each arm's median rate with its spread, each contender's
//     per-round speedup over the baseline, the A/A control row, and a warning
//     line when the control is outside 1 +- 0.05;
//   - memory bandwidth probes: a read-only multithreaded sum over a buffer far
//     larger than the last-level cache (what decoding does with the weights;
//     it prefetches 4 KiB ahead, as the decode kernels do),
//     and a multithreaded memcpy (reads and writes every byte) beside it;
//   - the load average, printed with every table (the machine is shared).
#pragma once

#include "app/cli/cli_args.h"
#include "core/util/stats.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dash::bench {

// Parses argv[1..] (every option of `valueOptions` takes a value, `flags` do
// not; --help is always accepted). On --help prints `usage` and sets *exitCode
// to 0; on a bad option prints "<program>: <reason>" and the usage to stderr
// and sets *exitCode to 2. Either way the result is empty and main returns
// *exitCode.
std::optional<cli::Args> parseArgs(int argc, char** argv, const char* program, const char* usage,
                                   const std::set<std::string>& valueOptions,
                                   const std::set<std::string>& flags, int* exitCode);

// Prints "<program>: <message>" and the usage to stderr; returns 2, the exit
// code of a bad command line.
int usageError(const char* program, const char* usage, const std::string& message);

// An int option within [lo, hi], or an error naming it.
Expected<long long> intOption(const cli::Args& args, const std::string& name, long long fallback,
                              long long lo, long long hi);

// "0.52 0.61 0.70" from /proc/loadavg, or "unknown".
std::string loadAverage();

// One side of a comparison: run() does the work once and returns the seconds
// it took; `units` is the work of one run (tokens, bytes, ...).
struct Arm {
    std::string name;
    std::function<Expected<double>()> run;
    double units = 1;
};

struct Comparison {
    std::vector<std::string> names; // [0] baseline, [1] its A/A copy, then the contenders
    ArmSeconds seconds;
    std::vector<double> units;
    int rounds = 0;
    int warmupRounds = 0;

    Summary rate(size_t arm) const { return rates(seconds[arm], units[arm]); }
    // Per-round time of the baseline over the arm's: > 1 when the arm is faster.
    Summary speedup(size_t arm) const { return pairedSpeedup(seconds[0], seconds[arm]); }
    Summary control() const { return speedup(1); }
};

// Runs the baseline, its A/A copy and the contenders alternately.
Expected<Comparison> compare(const Arm& baseline, const std::vector<Arm>& contenders,
                             const AlternationOptions& options);

// How printComparison shows each arm's runs.
enum class Shown {
    Rate,      // units per second of every run, times the scale (tok/s, GB/s)
    TimePerRun // the value every run returned, times the scale (ms, ns/span)
};

// The comparison as a table:
//   arm | <unit> median [min - max] | speedup median [min - max] IQR
// the A/A control row second, then a line on the schedule and, when the
// control is outside 1 +- kControlTolerance, a WARNING line.
void printComparison(std::FILE* out, const Comparison& comparison, const std::string& unit,
                     double scale = 1.0, Shown shown = Shown::Rate);

// The A/A warning line (empty when the control is within tolerance).
std::string controlWarning(const Summary& control);

// "1.23x [1.10 - 1.31]": a median with its range.
std::string formatRatio(const Summary& s);

// ---------------------------------------------------------------------------
// Memory bandwidth

// The last-level cache of CPU 0 in bytes (sysfs), 0 when unknown.
uint64_t lastLevelCacheBytes();

// A buffer for the probes: `bytes` rounded down to whole 64-byte lines,
// written once so that every page is mapped before anything is timed.
class ProbeBuffer {
public:
    explicit ProbeBuffer(uint64_t bytes);
    uint64_t bytes() const { return m_words.size() * sizeof(uint64_t); }
    uint64_t* data() { return m_words.data(); }
    const uint64_t* data() const { return m_words.data(); }

private:
    std::vector<uint64_t> m_words;
};

// Seconds for `threads` threads to sum every 64-bit word of `buffer` (each a
// contiguous slice; nothing is written). *sum gets the total, which callers
// check against expectedSum() so that the reads cannot be optimised away.
double timeReadPass(const ProbeBuffer& buffer, int threads, uint64_t* sum);
uint64_t expectedSum(const ProbeBuffer& buffer);

// Seconds for `threads` threads to memcpy `src` into `dst` (same size).
double timeCopyPass(const ProbeBuffer& src, ProbeBuffer& dst, int threads);

} // namespace dash::bench
