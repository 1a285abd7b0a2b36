// SPDX-License-Identifier: MIT
#include "app/studio/diff_heatmap_model.h"

#include "app/studio/heatmap_palette.h"
#include "app/studio/token_text.h"

#include <cmath>

namespace dash::studio {

namespace {

QString signedNumber(double v, int precision) {
    // U+2212 for minus, so that signs line up with plus in proportional fonts.
    const QString digits = QString::number(std::abs(v), 'f', precision);
    return v > 0 ? QStringLiteral("+") + digits : v < 0 ? QChar(0x2212) + digits : digits;
}

} // namespace

DiffHeatmapModel::DiffHeatmapModel(QObject* parent) : QAbstractTableModel(parent) {}

void DiffHeatmapModel::setComparison(SnapshotPtr a, SnapshotPtr b,
                                     std::shared_ptr<const RunComparison> comparison) {
    beginResetModel();
    const bool complete = a && b && comparison;
    m_a = complete ? std::move(a) : nullptr;
    m_b = complete ? std::move(b) : nullptr;
    m_comparison = complete ? std::move(comparison) : nullptr;
    m_maxAbsCos = 0;
    if (m_comparison)
        for (float v : m_comparison->cosInOutDelta)
            if (std::isfinite(v))
                m_maxAbsCos = std::max(m_maxAbsCos, std::abs(static_cast<double>(v)));
    endResetModel();
}

int DiffHeatmapModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_comparison || m_comparison->tokens == 0)
        return 0;
    return m_comparison->layers;
}

int DiffHeatmapModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_comparison || m_comparison->layers == 0)
        return 0;
    return m_comparison->tokens;
}

size_t DiffHeatmapModel::cell(int token, int layer) const {
    return static_cast<size_t>(token) * static_cast<size_t>(m_comparison->layers) +
           static_cast<size_t>(layer);
}

QString DiffHeatmapModel::tokenText(const RunSnapshot& run, int token) const {
    return token < run.tokenTexts.size() ? run.tokenTexts.at(token) : QString();
}

QVariant DiffHeatmapModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const int layer = index.row();
    const int token = index.column();
    const size_t c = cell(token, layer);
    const int delta = m_comparison->stateDelta[c];
    switch (role) {
    case Qt::DisplayRole:
        return delta == 0 ? QString() : signedNumber(delta, 0);
    case Qt::ToolTipRole:
        return cellToolTip(token, layer);
    case StateDeltaRole:
        return delta;
    case StateARole:
        return static_cast<int>(m_a->trace.states[m_a->trace.cell(token, layer)]);
    case StateBRole:
        return static_cast<int>(m_b->trace.states[m_b->trace.cell(token, layer)]);
    case StateDeltaFractionRole:
        return delta / 4.0;
    case CosInOutDeltaRole: {
        const float v = m_comparison->cosInOutDelta[c];
        return std::isfinite(v) ? QVariant(static_cast<double>(v)) : QVariant();
    }
    case CosInOutDeltaFractionRole: {
        const float v = m_comparison->cosInOutDelta[c];
        if (!std::isfinite(v))
            return {};
        return m_maxAbsCos > 0 ? static_cast<double>(v) / m_maxAbsCos : 0.0;
    }
    case TimeDeltaNsRole:
        return static_cast<double>(m_comparison->layerTimeDeltaNs[c]);
    case TokenTextRole:
        return tokenText(*m_a, token);
    case SameTokenRole:
        return m_a->trace.tokens[static_cast<size_t>(token)] ==
               m_b->trace.tokens[static_cast<size_t>(token)];
    case TokenIndexRole:
        return token;
    case LayerRole:
        return layer;
    default:
        return {};
    }
}

QString DiffHeatmapModel::cellToolTip(int token, int layer) const {
    const size_t c = cell(token, layer);
    const int stateA = m_a->trace.states[m_a->trace.cell(token, layer)];
    const int stateB = m_b->trace.states[m_b->trace.cell(token, layer)];
    const float cos = m_comparison->cosInOutDelta[c];
    QString tokens = tokenLabel(tokenText(*m_a, token)).toHtmlEscaped();
    if (m_a->trace.tokens[static_cast<size_t>(token)] !=
        m_b->trace.tokens[static_cast<size_t>(token)])
        tokens =
            tr("%1 (A) / %2 (B)").arg(tokens, tokenLabel(tokenText(*m_b, token)).toHtmlEscaped());
    return tr("<b>%1</b> — token %2, layer %3<br>A: <b>%4</b> → B: <b>%5</b> (Δ cost %6)<br>"
              "Δ cos(in,out) %7<br>Δ time %8 µs")
        .arg(tokens, QString::number(token), QString::number(layer), stateLabel(stateA),
             stateLabel(stateB), signedNumber(stateB - stateA, 0),
             std::isfinite(cos) ? signedNumber(cos, 4) : QStringLiteral("–"),
             signedNumber(m_comparison->layerTimeDeltaNs[c] / 1e3, 1));
}

QVariant DiffHeatmapModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) {
        if (section < 0 || section >= rowCount())
            return {};
        if (role == Qt::DisplayRole)
            return QString::number(section);
        if (role == Qt::ToolTipRole)
            return tr("Layer %1").arg(section);
        return {};
    }
    if (section < 0 || section >= columnCount())
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return tokenLabel(tokenText(*m_a, section));
    case Qt::ToolTipRole:
        return tr("Token %1: “%2”")
            .arg(QString::number(section), tokenLabel(tokenText(*m_a, section)));
    case TokenTextRole:
        return tokenText(*m_a, section);
    default:
        return {};
    }
}

QHash<int, QByteArray> DiffHeatmapModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(StateDeltaRole, "stateDelta");
    names.insert(StateARole, "stateA");
    names.insert(StateBRole, "stateB");
    names.insert(StateDeltaFractionRole, "stateDeltaFraction");
    names.insert(CosInOutDeltaRole, "cosInOutDelta");
    names.insert(CosInOutDeltaFractionRole, "cosInOutDeltaFraction");
    names.insert(TimeDeltaNsRole, "timeDeltaNs");
    names.insert(TokenTextRole, "tokenText");
    names.insert(SameTokenRole, "sameToken");
    names.insert(TokenIndexRole, "tokenIndex");
    names.insert(LayerRole, "layer");
    return names;
}

} // namespace dash::studio
