// SPDX-License-Identifier: MIT
// Colours of the heatmap: a categorical palette for the layer states and a
// sequential scale for continuous values. Both are sampled from viridis, which
// stays ordered and distinguishable under the common colour-vision deficiencies
// and in greyscale print.
#pragma once

#include <QColor>
#include <QString>

namespace dash::studio {

// Colour of a state value (0 skip, 1 INT4, 2 INT8, 4 full); grey for anything else.
QColor stateColor(int state);
// Translated name of a state value ("skip", "INT4", "INT8", "full").
QString stateLabel(int state);
// Sequential colour of fraction in [0, 1] (clamped).
QColor sequentialColor(double fraction);
// Colour of cells without a value.
QColor missingValueColor();
// Black or white, whichever reads better on `background`.
QColor contrastingTextColor(const QColor& background);

} // namespace dash::studio
