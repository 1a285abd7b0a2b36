// SPDX-License-Identifier: MIT
#include "app/studio/heatmap_model.h"

#include "app/studio/similarity_curves.h"

#include "app/studio/heatmap_palette.h"
#include "app/studio/token_text.h"

#include <cmath>
#include <limits>

namespace dash::studio {

namespace {

QVariant optionalValue(float v) {
    return std::isfinite(v) ? QVariant(static_cast<double>(v)) : QVariant();
}

QString formatValue(float v, int precision) {
    return std::isfinite(v) ? QString::number(static_cast<double>(v), 'f', precision)
                            : QStringLiteral("–");
}

} // namespace

HeatmapModel::HeatmapModel(QObject* parent) : QAbstractTableModel(parent) {}

void HeatmapModel::setSnapshot(SnapshotPtr snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    m_cosMin = std::numeric_limits<double>::infinity();
    m_cosMax = -std::numeric_limits<double>::infinity();
    if (m_snapshot) {
        for (float v : m_snapshot->trace.cosInOut) {
            if (!std::isfinite(v))
                continue;
            m_cosMin = std::min(m_cosMin, static_cast<double>(v));
            m_cosMax = std::max(m_cosMax, static_cast<double>(v));
        }
    }
    endResetModel();
}

int HeatmapModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_snapshot || m_snapshot->trace.tokenCount() == 0)
        return 0;
    return m_snapshot->trace.layers;
}

int HeatmapModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_snapshot)
        return 0;
    return m_snapshot->trace.tokenCount();
}

QString HeatmapModel::tokenText(int token) const {
    const QStringList& texts = m_snapshot->tokenTexts;
    return token < texts.size() ? texts.at(token) : QString();
}

QVariant HeatmapModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Trace& trace = m_snapshot->trace;
    const int layer = index.row();
    const int token = index.column();
    const size_t cell = trace.cell(token, layer);
    switch (role) {
    case Qt::DisplayRole:
        return QString::number(trace.states[cell]);
    case Qt::ToolTipRole:
        return cellToolTip(token, layer);
    case StateRole:
        return static_cast<int>(trace.states[cell]);
    case CosInOutRole:
        return optionalValue(trace.cosInOut[cell]);
    case CosInOutFractionRole: {
        const float v = trace.cosInOut[cell];
        if (!std::isfinite(v))
            return {};
        const double span = m_cosMax - m_cosMin;
        return span > 0 ? (static_cast<double>(v) - m_cosMin) / span : 1.0;
    }
    case CosAdjacentRole:
        return optionalValue(adjacentSimilarity(trace, token, layer));
    case NormInRole:
        return optionalValue(trace.normIn[cell]);
    case NormOutRole:
        return optionalValue(trace.normOut[cell]);
    case TimeNsRole:
        return static_cast<double>(trace.layerTimeNs[cell]);
    case ScoresRole: {
        QVariantList scores;
        bool any = false;
        for (LayerState s : kStates) {
            const float v = trace.score(token, layer, s);
            any = any || std::isfinite(v);
            scores.push_back(static_cast<double>(v));
        }
        return any ? QVariant(scores) : QVariant();
    }
    case TokenTextRole:
        return tokenText(token);
    case TokenIdRole:
        return trace.tokens[static_cast<size_t>(token)];
    case TokenIndexRole:
        return token;
    case LayerRole:
        return layer;
    case GeneratedRole:
        return m_snapshot->isGenerated(token);
    default:
        return {};
    }
}

QString HeatmapModel::cellToolTip(int token, int layer) const {
    const Trace& trace = m_snapshot->trace;
    const size_t cell = trace.cell(token, layer);
    QString scores;
    for (LayerState s : kStates) {
        const float v = trace.score(token, layer, s);
        if (!std::isfinite(v))
            continue;
        scores += tr("%1 %2  ").arg(stateLabel(static_cast<int>(s)), formatValue(v, 3));
    }
    if (scores.isEmpty())
        scores = tr("none (no policy scored this cell)");
    const QString source =
        m_snapshot->isGenerated(token) ? tr("generated token") : tr("prompt token");
    // What the policy changed for this token, when the run was compared with
    // full precision (live A/B).
    QString cost;
    const auto t = static_cast<size_t>(token);
    if (t < m_snapshot->deltaLogProbs.size() && std::isfinite(m_snapshot->deltaLogProbs[t]) &&
        t < m_snapshot->klFromFull.size())
        cost = tr("<br>Against full precision: Δ log p %1 nats · KL %2 nats")
                   .arg(formatValue(m_snapshot->deltaLogProbs[t], 4),
                        formatValue(m_snapshot->klFromFull[t], 4));
    // One multi-argument arg(): token text may itself contain "%1".
    return tr("<b>%1</b> — %2 %3 (id %4)<br>Layer %5: <b>%6</b><br>"
              "cos(in,out) %7 · adjacent %8<br>Policy scores: %9<br>Time %10 µs")
               .arg(tokenLabel(tokenText(token)).toHtmlEscaped(), source, QString::number(token),
                    QString::number(trace.tokens[static_cast<size_t>(token)]),
                    QString::number(layer), stateLabel(trace.states[cell]),
                    formatValue(trace.cosInOut[cell], 4),
                    formatValue(adjacentSimilarity(trace, token, layer), 4), scores.trimmed(),
                    QString::number(static_cast<double>(trace.layerTimeNs[cell]) / 1e3, 'f', 1)) +
           cost;
}

QVariant HeatmapModel::headerData(int section, Qt::Orientation orientation, int role) const {
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
        return tokenLabel(tokenText(section));
    case Qt::ToolTipRole:
        return tr("Token %1: “%2” (id %3)")
            .arg(QString::number(section), tokenLabel(tokenText(section)),
                 QString::number(m_snapshot->trace.tokens[static_cast<size_t>(section)]));
    case TokenTextRole:
        return tokenText(section);
    case GeneratedRole:
        return m_snapshot->isGenerated(section);
    default:
        return {};
    }
}

QHash<int, QByteArray> HeatmapModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(StateRole, "state");
    names.insert(CosInOutRole, "cosInOut");
    names.insert(CosInOutFractionRole, "cosInOutFraction");
    names.insert(CosAdjacentRole, "cosAdjacent");
    names.insert(NormInRole, "normIn");
    names.insert(NormOutRole, "normOut");
    names.insert(TimeNsRole, "timeNs");
    names.insert(ScoresRole, "scores");
    names.insert(TokenTextRole, "tokenText");
    names.insert(TokenIdRole, "tokenId");
    names.insert(TokenIndexRole, "tokenIndex");
    names.insert(LayerRole, "layer");
    names.insert(GeneratedRole, "generated");
    return names;
}

} // namespace dash::studio
