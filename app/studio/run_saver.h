// SPDX-License-Identifier: MIT
// Saves runs to the SQLite run store off the UI thread. Saves run one at a
// time on a private thread; the model file's SHA-256 is computed once per
// file version and remembered.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/util/cancel.h"

#include <QList>
#include <QObject>
#include <QThreadPool>

#include <memory>

namespace dash::studio {

class ModelHashCache;

class RunSaver : public QObject {
    Q_OBJECT
public:
    explicit RunSaver(QObject* parent = nullptr);
    ~RunSaver() override; // stops hashing and waits for the running save

    // Empty: the per-user store (dash::defaultDatabasePath()).
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    const QString& databasePath() const { return m_databasePath; }

    void save(const SnapshotPtr& snapshot, const ModelInfo& model);
    bool busy() const { return m_pending > 0; }
    // Whether a run with the same model, backend, prompt, policy and
    // generated tokens was handed to save() lately: saving it again would
    // only add a duplicate row.
    bool recentlySaved(const RunSnapshot& snapshot) const;

signals:
    void runSaved(qint64 id, const QString& databasePath);
    void saveFailed(const QString& message);

private:
    QThreadPool m_pool;
    QString m_databasePath;
    std::shared_ptr<ModelHashCache> m_hashes;
    std::shared_ptr<CancelToken> m_cancel;
    int m_pending = 0;
    // The latest runs handed to save(), newest last (at most kRemembered).
    static constexpr int kRemembered = 32;
    QList<SnapshotPtr> m_recent;
};

} // namespace dash::studio
