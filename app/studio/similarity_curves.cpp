// SPDX-License-Identifier: MIT
#include "app/studio/similarity_curves.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dash::studio {

float adjacentSimilarity(const Trace& trace, int token, int layer) {
    const auto skip = static_cast<uint8_t>(LayerState::Skip);
    if (layer <= 0 || trace.states[trace.cell(token, layer)] == skip ||
        trace.states[trace.cell(token, layer - 1)] == skip)
        return std::numeric_limits<float>::quiet_NaN();
    return trace.cosAdjacent[trace.cell(token, layer)];
}

SimilarityCurves similarityCurves(const RunSnapshot* snapshot, int token) {
    SimilarityCurves c;
    const Trace* trace = snapshot ? &snapshot->trace : nullptr;
    c.layers = trace ? trace->layers : 0;
    const int tokens = trace ? trace->tokenCount() : 0;
    const bool hasToken = token >= 0 && token < tokens;
    c.token = hasToken ? token : -1;
    auto add = [&c](QList<QPointF>& list, int layer, double v) {
        if (!std::isfinite(v))
            return;
        list.append(QPointF(layer, v));
        c.minValue = std::min(c.minValue, v);
        c.maxValue = std::max(c.maxValue, v);
    };
    const int promptTokens =
        snapshot ? std::min(tokens, static_cast<int>(snapshot->promptIds.size())) : 0;
    for (int l = 0; l < c.layers; ++l) {
        double sum = 0;
        int count = 0;
        for (int t = 0; t < promptTokens; ++t) {
            const float v = trace->cosInOut[trace->cell(t, l)];
            if (std::isfinite(v)) {
                sum += v;
                ++count;
            }
        }
        if (count > 0)
            add(c.meanCos, l, sum / count);
        if (!hasToken)
            continue;
        const size_t cell = trace->cell(token, l);
        add(c.tokenCos, l, trace->cosInOut[cell]);
        add(c.adjacent, l, adjacentSimilarity(*trace, token, l));
        if (trace->states[cell] == static_cast<uint8_t>(LayerState::Skip) &&
            std::isfinite(trace->cosInOut[cell]))
            c.skipped.append(QPointF(l, trace->cosInOut[cell]));
    }
    return c;
}

QString similarityCurvesCsv(const SimilarityCurves& c) {
    // Points are in layer order with gaps; look each layer up.
    auto valueAt = [](const QList<QPointF>& list, int layer) -> QString {
        for (const QPointF& p : list)
            if (static_cast<int>(p.x()) == layer)
                return QString::number(p.y(), 'g', 9);
        return {};
    };
    QString out = QStringLiteral(
        "layer,token,token_cos_in_out,mean_cos_in_out,adjacent_similarity,skipped\n");
    for (int l = 0; l < c.layers; ++l) {
        const bool skipped = !valueAt(c.skipped, l).isEmpty();
        out += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                   .arg(QString::number(l), c.token >= 0 ? QString::number(c.token) : QString(),
                        valueAt(c.tokenCos, l), valueAt(c.meanCos, l), valueAt(c.adjacent, l),
                        skipped ? QStringLiteral("1") : QStringLiteral("0"));
    }
    return out;
}

} // namespace dash::studio
