// SPDX-License-Identifier: MIT
#include "app/studio/run_snapshot.h"

#include <cmath>
#include <limits>

namespace dash::studio {

namespace {

// ms per token over the passes `take` accepts; NaN when none computed a token.
template <typename Take>
double passMsPerToken(const Trace& trace, Take take) {
    int64_t ns = 0;
    int64_t tokens = 0;
    for (const PassTiming& p : trace.passes) {
        if (!take(p))
            continue;
        ns += p.totalNs;
        tokens += p.tokenCount;
    }
    return tokens > 0 ? static_cast<double>(ns) / 1e6 / static_cast<double>(tokens)
                      : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

double RunSnapshot::msPerToken() const {
    return passMsPerToken(trace, [](const PassTiming&) { return true; });
}

double RunSnapshot::prefillMsPerToken() const {
    const auto prompt = static_cast<int32_t>(promptIds.size());
    return passMsPerToken(trace, [prompt](const PassTiming& p) { return p.firstToken < prompt; });
}

double RunSnapshot::decodeMsPerToken() const {
    const auto prompt = static_cast<int32_t>(promptIds.size());
    return passMsPerToken(trace, [prompt](const PassTiming& p) { return p.firstToken >= prompt; });
}

double RunSnapshot::computeFraction(int32_t token) const {
    if (trace.layers == 0 || token < 0 || token >= trace.tokenCount())
        return 0;
    double sum = 0;
    for (int32_t l = 0; l < trace.layers; ++l)
        sum += static_cast<double>(trace.states[trace.cell(token, l)]);
    return sum / (4.0 * trace.layers);
}

double RunSnapshot::promptLogLikelihood() const {
    double sum = 0;
    int64_t count = 0;
    for (float lp : promptLogProbs) {
        if (std::isfinite(lp)) {
            sum += lp;
            ++count;
        }
    }
    return count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
}

} // namespace dash::studio
