// SPDX-License-Identifier: MIT
// The per-layer curves of a run that the similarity chart draws and the figure
// export writes: cos(in,out) of one token and its mean over the prompt tokens,
// the token's adjacent-layer similarity, and the layers it skipped. Shared so
// that the chart, the paper figure and the CSV show the same numbers.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QList>
#include <QPointF>
#include <QString>

namespace dash::studio {

struct SimilarityCurves {
    int layers = 0;
    int token = -1; // the token the per-token curves belong to; -1: none
    // Points (layer, value); layers without a finite value are left out.
    QList<QPointF> tokenCos;
    QList<QPointF> meanCos;  // mean over prompt tokens of each layer's finite values
    QList<QPointF> adjacent; // gaps where adjacentSimilarity() is NaN
    QList<QPointF> skipped;  // (layer, cos(in,out)) of the token's skipped layers
    // Range of every value above; min > max when there is none.
    double minValue = 1;
    double maxValue = 0;
};

// Similarity of the updates of layers `layer` and `layer` - 1 of `token`:
// NaN where it is undefined (layer 0, or either layer skipped, whose update
// is zero), which a trace may store as 0.
float adjacentSimilarity(const Trace& trace, int token, int layer);

// Curves of `snapshot` (may be null) for `token` (out of range: no per-token curves).
SimilarityCurves similarityCurves(const RunSnapshot* snapshot, int token);

// One row per layer: layer, token, token_cos_in_out, mean_cos_in_out,
// adjacent_similarity, skipped (0/1); empty fields where there is no value.
QString similarityCurvesCsv(const SimilarityCurves& curves);

} // namespace dash::studio
