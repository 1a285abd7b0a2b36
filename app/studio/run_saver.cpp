// SPDX-License-Identifier: MIT
#include "app/studio/run_saver.h"

#include "app/studio/run_record.h"
#include "core/store/run_store.h"
#include "core/util/sha256.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMutex>
#include <QtConcurrent>

#include <map>
#include <tuple>

namespace dash::studio {

// Hex digests by (path, size, modification time): a file that changes on disk
// is hashed again.
class ModelHashCache {
public:
    Expected<std::string> digest(const QString& path, const CancelToken* cancel) {
        const QFileInfo info(path);
        const auto key =
            std::make_tuple(path, info.size(), info.lastModified().toMSecsSinceEpoch());
        {
            QMutexLocker lock(&m_mutex);
            if (auto it = m_digests.find(key); it != m_digests.end())
                return it->second;
        }
        DASH_ASSIGN_OR_RETURN(std::string hex,
                              sha256File(QFile::encodeName(path).toStdString(), cancel));
        QMutexLocker lock(&m_mutex);
        m_digests[key] = hex;
        return hex;
    }

private:
    QMutex m_mutex;
    std::map<std::tuple<QString, qint64, qint64>, std::string> m_digests;
};

namespace {

struct SaveOutcome {
    qint64 id = 0;
    QString databasePath;
    QString error; // empty on success
};

SaveOutcome saveRun(const SnapshotPtr& snapshot, const ModelInfo& model, QString databasePath,
                    ModelHashCache& hashes, const CancelToken* cancel) {
    SaveOutcome out;
    auto fail = [&out](const Error& e) {
        out.error = QString::fromStdString(e.message());
        return out;
    };
    if (databasePath.isEmpty()) {
        auto path = defaultDatabasePath();
        if (!path.ok())
            return fail(path.error());
        databasePath = QString::fromStdString(*path);
    }
    out.databasePath = databasePath;
    auto sha = hashes.digest(model.path, cancel);
    if (!sha.ok())
        return fail(sha.error());
    const RunRecord record = makeRunRecord(*snapshot, model, *sha, QFileInfo(model.path).size());
    auto store = RunStore::open(QFile::encodeName(databasePath).toStdString());
    if (!store.ok())
        return fail(store.error());
    auto id = store->save(record);
    if (!id.ok())
        return fail(id.error());
    out.id = *id;
    return out;
}

} // namespace

RunSaver::RunSaver(QObject* parent)
    : QObject(parent), m_hashes(std::make_shared<ModelHashCache>()),
      m_cancel(std::make_shared<CancelToken>()) {
    m_pool.setMaxThreadCount(1);
}

RunSaver::~RunSaver() {
    m_cancel->cancel();
    m_pool.waitForDone();
}

bool RunSaver::recentlySaved(const RunSnapshot& snapshot) const {
    for (const SnapshotPtr& r : m_recent)
        if (r->modelPath == snapshot.modelPath && r->backend == snapshot.backend &&
            r->prompt == snapshot.prompt && r->policy == snapshot.policy &&
            r->generatedIds == snapshot.generatedIds)
            return true;
    return false;
}

void RunSaver::save(const SnapshotPtr& snapshot, const ModelInfo& model) {
    m_recent.append(snapshot);
    if (m_recent.size() > kRemembered)
        m_recent.removeFirst();
    ++m_pending;
    auto* watcher = new QFutureWatcher<SaveOutcome>(this);
    connect(watcher, &QFutureWatcher<SaveOutcome>::finished, this, [this, watcher] {
        --m_pending;
        const SaveOutcome out = watcher->result();
        watcher->deleteLater();
        if (out.error.isEmpty())
            emit runSaved(out.id, out.databasePath);
        else
            emit saveFailed(out.error);
    });
    watcher->setFuture(QtConcurrent::run(
        &m_pool, [snapshot, model, path = m_databasePath, hashes = m_hashes, cancel = m_cancel] {
            return saveRun(snapshot, model, path, *hashes, cancel.get());
        }));
}

} // namespace dash::studio
