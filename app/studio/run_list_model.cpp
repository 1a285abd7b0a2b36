// SPDX-License-Identifier: MIT
#include "app/studio/run_list_model.h"

#include "core/util/json.h"

#include <QDateTime>
#include <QFileInfo>

namespace dash::studio {

RunListModel::RunListModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunListModel::setRuns(std::vector<RunSummary> runs) {
    beginResetModel();
    m_runs = std::move(runs);
    m_policyFiles.clear();
    m_policyFiles.reserve(m_runs.size());
    for (const RunSummary& r : m_runs)
        m_policyFiles.push_back(policyFilePath(r));
    endResetModel();
}

QString RunListModel::policyFilePath(const RunSummary& run) {
    auto parameters = Json::parse(run.policyParametersJson);
    if (!parameters.ok() || !parameters->isObject())
        return {};
    const Json* file = parameters->find("file");
    return file && file->isString() ? QString::fromStdString(file->asString()) : QString();
}

int RunListModel::rowOf(qint64 id) const {
    for (size_t i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].id == id)
            return static_cast<int>(i);
    return -1;
}

qint64 RunListModel::runId(int row) const {
    return row >= 0 && row < rowCount() ? m_runs[static_cast<size_t>(row)].id : 0;
}

int RunListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const RunSummary& r = m_runs[static_cast<size_t>(index.row())];
    switch (role) {
    case RunIdRole:
        return static_cast<qint64>(r.id);
    case CreatedMsRole:
        return static_cast<qint64>(r.createdMs);
    case ModelPathRole:
        return QString::fromStdString(r.modelPath);
    case PolicyKindRole:
        return QString::fromStdString(r.policyKind);
    case SweepRowRole:
        return isSweepRow(r);
    case SortRole:
        switch (index.column()) {
        case IdColumn:
            return static_cast<qint64>(r.id);
        case CreatedColumn:
            return static_cast<qint64>(r.createdMs);
        case TokensColumn:
            return r.tokenCount;
        case RatioColumn:
            return r.nominalRatio;
        case MsPerTokenColumn:
            return r.msPerToken;
        case PerplexityColumn:
            return r.perplexity.value_or(-1.0);
        case SpeedupColumn:
            return r.measuredSpeedup.value_or(-1.0);
        case PromptColumn: // the whole prompt, not its excerpt
            return QString::fromStdString(r.promptText).simplified().toLower();
        default:
            return data(index, Qt::DisplayRole).toString().toLower();
        }
    case Qt::TextAlignmentRole:
        return index.column() == LabelColumn || index.column() == ModelColumn ||
                       index.column() == PolicyColumn || index.column() == PromptColumn ||
                       index.column() == PolicyFileColumn
                   ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                   : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (index.column() == ModelColumn)
            return QStringLiteral("%1\nsha256 %2")
                .arg(QString::fromStdString(r.modelPath), QString::fromStdString(r.modelSha256));
        if (index.column() == CreatedColumn)
            return tr("%1 UTC").arg(QString::fromStdString(formatUtcTimestamp(r.createdMs)));
        if (index.column() == TokensColumn && isSweepRow(r))
            return tr("A sweep result: perplexity and speed measured on held-out text; it has "
                      "no tokens or cells of its own");
        if (index.column() == PromptColumn && !r.promptText.empty())
            return QString::fromStdString(r.promptText);
        if (index.column() == PolicyFileColumn)
            return m_policyFiles[static_cast<size_t>(index.row())];
        if (index.column() == BackendColumn && !r.deviceName.empty())
            return QString::fromStdString(r.deviceName);
        return {};
    case Qt::DisplayRole:
    case Qt::EditRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case IdColumn:
        return static_cast<qint64>(r.id);
    case CreatedColumn:
        return QDateTime::fromMSecsSinceEpoch(r.createdMs)
            .toLocalTime()
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case LabelColumn:
        return QString::fromStdString(r.label);
    case ModelColumn:
        return QFileInfo(QString::fromStdString(r.modelPath)).fileName();
    case PolicyColumn:
        return QString::fromStdString(r.policyKind);
    case TokensColumn:
        if (isSweepRow(r))
            return tr("sweep");
        return r.tokenCount;
    case BackendColumn:
        return QString::fromStdString(r.backend);
    case PromptColumn: {
        const QString prompt = QString::fromStdString(r.promptText).simplified();
        return prompt.size() > kPromptExcerpt ? prompt.left(kPromptExcerpt) + QChar(0x2026)
                                              : prompt;
    }
    case PolicyFileColumn: {
        const QString& path = m_policyFiles[static_cast<size_t>(index.row())];
        return path.isEmpty() ? QString() : QFileInfo(path).fileName();
    }
    case RatioColumn:
        return QString::number(r.nominalRatio, 'f', 2);
    case MsPerTokenColumn:
        return QString::number(r.msPerToken, 'f', 3);
    case PerplexityColumn:
        return r.perplexity ? QString::number(*r.perplexity, 'f', 3) : QStringLiteral("–");
    case SpeedupColumn:
        return r.measuredSpeedup ? QString::number(*r.measuredSpeedup, 'f', 2)
                                 : QStringLiteral("–");
    default:
        return {};
    }
}

bool RunListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || index.column() != LabelColumn ||
        !checkIndex(index, CheckIndexOption::IndexIsValid))
        return false;
    RunSummary& r = m_runs[static_cast<size_t>(index.row())];
    const QString label = value.toString().trimmed();
    if (QString::fromStdString(r.label) == label)
        return false;
    r.label = label.toStdString();
    emit dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole});
    emit labelEdited(r.id, label);
    return true;
}

Qt::ItemFlags RunListModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == LabelColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

bool RunListModel::isSweepRow(const RunSummary& run) {
    return run.tokenCount == 0 && run.perplexity.has_value();
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("#");
    case CreatedColumn:
        return tr("Created");
    case LabelColumn:
        return tr("Label");
    case ModelColumn:
        return tr("Model");
    case PolicyColumn:
        return tr("Policy");
    case TokensColumn:
        return tr("Tokens");
    case RatioColumn:
        return tr("Nominal ×");
    case MsPerTokenColumn:
        return tr("ms/token");
    case PerplexityColumn:
        return tr("Perplexity");
    case SpeedupColumn:
        return tr("Speedup ×");
    case BackendColumn:
        return tr("Backend");
    case PromptColumn:
        return tr("Prompt");
    case PolicyFileColumn:
        return tr("Policy File");
    default:
        return {};
    }
}

} // namespace dash::studio
