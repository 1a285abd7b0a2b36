// SPDX-License-Identifier: MIT
#include "app/studio/run_store_client.h"

#include "app/studio/token_text.h"
#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMutex>
#include <QtConcurrent>

#include <map>
#include <tuple>

namespace dash::studio {

// Tokenizers of model files by (path, size, modification time), so that
// opening many runs of one model reads its vocabulary once. A file that cannot
// be read is remembered as null.
class TokenizerCache {
public:
    std::shared_ptr<const Tokenizer> get(const QString& path) {
        const QFileInfo info(path);
        if (!info.isFile())
            return nullptr;
        const auto key =
            std::make_tuple(path, info.size(), info.lastModified().toMSecsSinceEpoch());
        QMutexLocker lock(&m_mutex);
        if (auto it = m_tokenizers.find(key); it != m_tokenizers.end())
            return it->second;
        std::shared_ptr<const Tokenizer> tokenizer;
        if (auto file = GgufFile::open(QFile::encodeName(path).toStdString()); file.ok())
            if (auto t = Tokenizer::fromGguf(**file); t.ok())
                tokenizer = std::move(t).value();
        m_tokenizers[key] = tokenizer;
        return tokenizer;
    }

private:
    QMutex m_mutex;
    std::map<std::tuple<QString, qint64, qint64>, std::shared_ptr<const Tokenizer>> m_tokenizers;
};

namespace {

template <class T>
struct Outcome {
    T value{};
    QString error; // empty on success
};

Expected<std::string> resolvePath(const QString& path) {
    if (!path.isEmpty())
        return QFile::encodeName(path).toStdString();
    return defaultDatabasePath();
}

StoredRunPtr storedRun(RunRecord record, TokenizerCache& tokenizers) {
    auto run = std::make_shared<StoredRun>();
    const auto tokenizer = tokenizers.get(QString::fromStdString(record.model.path));
    run->snapshot = snapshotFromRecord(record, tokenizer.get());
    run->record = std::move(record);
    return run;
}

} // namespace

SnapshotPtr snapshotFromRecord(const RunRecord& r, const Tokenizer* tokenizer) {
    auto s = std::make_shared<RunSnapshot>();
    s->modelPath = QString::fromStdString(r.model.path);
    s->backend = QString::fromStdString(r.environment.backend);
    s->policy.kind = QString::fromStdString(r.policy.kind);
    s->policy.kvMode = r.policy.kvMode;
    s->policyKind = s->policy.kind;
    s->policyParametersJson = QString::fromStdString(r.policy.parametersJson);
    s->policyFileSha256 = QString::fromStdString(r.policy.fileSha256);
    s->prompt = QString::fromStdString(r.promptText);
    s->promptIds = r.promptIds;
    s->generatedIds = r.generatedIds;
    s->generatedText = QString::fromStdString(r.generatedText);
    s->trace = r.trace;
    s->tokenTexts.reserve(r.trace.tokenCount());
    for (int32_t id : r.trace.tokens)
        s->tokenTexts.push_back(tokenizer ? tokenDisplayText(*tokenizer, id)
                                          : QStringLiteral("#%1").arg(id));
    return s;
}

RunStoreClient::RunStoreClient(QObject* parent)
    : QObject(parent), m_tokenizers(std::make_shared<TokenizerCache>()) {
    qRegisterMetaType<RunSummaries>();
    qRegisterMetaType<StoredRunPtr>();
    qRegisterMetaType<StoredComparisonPtr>();
    // One at a time: operations apply in the order they were asked for.
    m_pool.setMaxThreadCount(1);
}

RunStoreClient::~RunStoreClient() {
    m_pool.waitForDone();
}

template <class T, class Work, class Done>
quint64 RunStoreClient::submit(Work work, Done done) {
    const quint64 request = ++m_request;
    ++m_pending;
    auto* watcher = new QFutureWatcher<Outcome<T>>(this);
    connect(watcher, &QFutureWatcher<Outcome<T>>::finished, this, [this, watcher, request, done] {
        const Outcome<T> out = watcher->result();
        watcher->deleteLater();
        --m_pending;
        if (out.error.isEmpty())
            done(request, out.value);
        else
            emit operationFailed(request, out.error);
        if (m_pending == 0)
            emit idle();
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, [path = m_databasePath, work]() {
        Outcome<T> out;
        auto file = resolvePath(path);
        if (!file.ok()) {
            out.error = QString::fromStdString(file.error().message());
            return out;
        }
        auto store = RunStore::open(*file);
        if (!store.ok()) {
            out.error = QString::fromStdString(store.error().message());
            return out;
        }
        Expected<T> value = work(*store);
        if (value.ok())
            out.value = std::move(value).value();
        else
            out.error = QString::fromStdString(value.error().message());
        return out;
    }));
    return request;
}

quint64 RunStoreClient::list(const RunFilter& filter) {
    return submit<RunSummaries>(
        [filter](RunStore& store) -> Expected<RunSummaries> {
            DASH_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.list(filter));
            return std::make_shared<const std::vector<RunSummary>>(std::move(runs));
        },
        [this](quint64 request, const RunSummaries& runs) { emit runsListed(request, runs); });
}

quint64 RunStoreClient::load(qint64 id) {
    return submit<StoredRunPtr>(
        [id, tokenizers = m_tokenizers](RunStore& store) -> Expected<StoredRunPtr> {
            DASH_ASSIGN_OR_RETURN(RunRecord record, store.load(id));
            return storedRun(std::move(record), *tokenizers);
        },
        [this](quint64 request, const StoredRunPtr& run) { emit runLoaded(request, run); });
}

quint64 RunStoreClient::setLabel(qint64 id, const QString& label) {
    return submit<qint64>(
        [id, text = label.toStdString()](RunStore& store) -> Expected<qint64> {
            DASH_TRY(store.setLabel(id, text));
            return id;
        },
        [this](quint64 request, qint64 changed) { emit runChanged(request, changed); });
}

quint64 RunStoreClient::setNotes(qint64 id, const QString& notes) {
    return submit<qint64>(
        [id, text = notes.toStdString()](RunStore& store) -> Expected<qint64> {
            DASH_TRY(store.setNotes(id, text));
            return id;
        },
        [this](quint64 request, qint64 changed) { emit runChanged(request, changed); });
}

quint64 RunStoreClient::remove(const QList<qint64>& ids) {
    return submit<QList<qint64>>(
        [ids](RunStore& store) -> Expected<QList<qint64>> {
            for (qint64 id : ids)
                DASH_TRY(store.remove(id));
            return ids;
        },
        [this](quint64 request, const QList<qint64>& removed) {
            emit runsRemoved(request, removed);
        });
}

quint64 RunStoreClient::compare(qint64 a, qint64 b) {
    return submit<StoredComparisonPtr>(
        [a, b, tokenizers = m_tokenizers](RunStore& store) -> Expected<StoredComparisonPtr> {
            auto out = std::make_shared<StoredComparison>();
            DASH_ASSIGN_OR_RETURN(out->comparison, store.compare(a, b));
            DASH_ASSIGN_OR_RETURN(RunRecord ra, store.load(a));
            DASH_ASSIGN_OR_RETURN(RunRecord rb, store.load(b));
            out->a = storedRun(std::move(ra), *tokenizers);
            out->b = storedRun(std::move(rb), *tokenizers);
            return StoredComparisonPtr(std::move(out));
        },
        [this](quint64 request, const StoredComparisonPtr& comparison) {
            emit runsCompared(request, comparison);
        });
}

} // namespace dash::studio
