// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_palette.h"

#include <QCoreApplication>

#include <algorithm>
#include <array>
#include <cmath>

namespace dash::studio {

namespace {

// Viridis at 0, 1/8, ..., 1.
constexpr std::array<QRgb, 9> kViridis = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                          0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};

} // namespace

QColor stateColor(int state) {
    // Cost order maps to lightness: skipped cells are light, full ones dark.
    switch (state) {
    case 0:
        return QColor(0xfde725);
    case 1:
        return QColor(0x5ec962);
    case 2:
        return QColor(0x21918c);
    case 4:
        return QColor(0x440154);
    default:
        return missingValueColor();
    }
}

QString stateLabel(int state) {
    switch (state) {
    case 0:
        return QCoreApplication::translate("Heatmap", "skip");
    case 1:
        return QCoreApplication::translate("Heatmap", "INT4");
    case 2:
        return QCoreApplication::translate("Heatmap", "INT8");
    case 4:
        return QCoreApplication::translate("Heatmap", "full");
    default:
        return QCoreApplication::translate("Heatmap", "invalid (%1)").arg(state);
    }
}

QColor sequentialColor(double fraction) {
    if (!std::isfinite(fraction))
        return missingValueColor();
    const double x = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(kViridis.size() - 1);
    const auto i = std::min(static_cast<size_t>(x), kViridis.size() - 2);
    const double f = x - static_cast<double>(i);
    const QColor a(kViridis[i]);
    const QColor b(kViridis[i + 1]);
    auto mix = [f](int u, int v) { return static_cast<int>(std::lround(u + (v - u) * f)); };
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()));
}

QColor missingValueColor() {
    return QColor(0xbdbdbd);
}

QColor contrastingTextColor(const QColor& background) {
    // Relative luminance threshold (sRGB weights, no gamma: good enough here).
    const double y =
        0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return y > 0.5 ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace dash::studio
