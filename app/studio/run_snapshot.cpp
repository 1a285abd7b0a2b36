// SPDX-License-Identifier: MIT
#include "app/studio/run_snapshot.h"

#include <cmath>
#include <limits>

namespace dash::studio {

double RunSnapshot::msPerToken() const {
    const int32_t tokens = trace.tokenCount();
    if (tokens == 0)
        return 0;
    double sumNs = 0;
    for (int32_t t = 0; t < tokens; ++t)
        sumNs += trace.tokenTimeNs(t);
    return sumNs / tokens / 1e6;
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
