// SPDX-License-Identifier: MIT
// The run store seen from the UI thread: every store operation (list, load,
// label, notes, delete, compare) runs on a private thread, one at a time in
// the order asked, and reports back on a queued signal. Loaded runs come with
// a snapshot for the app's views, token texts read from the run's model file
// when it is still there.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/store/run.h"
#include "core/store/run_store.h"

#include <QList>
#include <QObject>
#include <QThreadPool>

#include <memory>
#include <vector>

namespace dash {
class Tokenizer;
}

namespace dash::studio {

class TokenizerCache;

// A run read back from the store, with the snapshot the views show.
struct StoredRun {
    RunRecord record;
    SnapshotPtr snapshot;
};
using StoredRunPtr = std::shared_ptr<const StoredRun>;

// Two stored runs and core's comparison of them (b minus a).
struct StoredComparison {
    StoredRunPtr a;
    StoredRunPtr b;
    RunComparison comparison;
};
using StoredComparisonPtr = std::shared_ptr<const StoredComparison>;

using RunSummaries = std::shared_ptr<const std::vector<RunSummary>>;

// The snapshot of a stored run; token texts from `tokenizer`, or "#id" without one.
SnapshotPtr snapshotFromRecord(const RunRecord& record, const Tokenizer* tokenizer);

class RunStoreClient : public QObject {
    Q_OBJECT
public:
    explicit RunStoreClient(QObject* parent = nullptr);
    ~RunStoreClient() override; // waits for the running operation

    // Empty: the per-user store (dash::defaultDatabasePath()).
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    const QString& databasePath() const { return m_databasePath; }

    // Each returns the request's number, which its result signal carries.
    quint64 list(const RunFilter& filter);
    quint64 load(qint64 id);
    quint64 setLabel(qint64 id, const QString& label);
    quint64 setNotes(qint64 id, const QString& notes);
    quint64 remove(const QList<qint64>& ids);
    quint64 compare(qint64 a, qint64 b);
    bool busy() const { return m_pending > 0; }

signals:
    void runsListed(quint64 request, const dash::studio::RunSummaries& runs);
    void runLoaded(quint64 request, const dash::studio::StoredRunPtr& run);
    void runChanged(quint64 request, qint64 id);
    void runsRemoved(quint64 request, const QList<qint64>& ids);
    void runsCompared(quint64 request, const dash::studio::StoredComparisonPtr& comparison);
    void operationFailed(quint64 request, const QString& message);
    void idle();

private:
    // Runs `work` (RunStore&) -> Expected<T> on the store thread and hands
    // the value to `done` on this thread.
    template <class T, class Work, class Done>
    quint64 submit(Work work, Done done);

    QThreadPool m_pool;
    QString m_databasePath;
    std::shared_ptr<TokenizerCache> m_tokenizers;
    quint64 m_request = 0;
    int m_pending = 0;
};

} // namespace dash::studio

Q_DECLARE_METATYPE(dash::studio::RunSummaries)
Q_DECLARE_METATYPE(dash::studio::StoredRunPtr)
Q_DECLARE_METATYPE(dash::studio::StoredComparisonPtr)
