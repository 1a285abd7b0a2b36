// SPDX-License-Identifier: MIT
// Re-running a saved run with another policy: the run's prompt on its model
// and backend, with as many generated tokens as it had, under the chosen
// policy (full precision, a DASH policy file, a baseline at a ratio), saved
// to the run store as a new run. The original stays as it was. The re-run
// has its own worker thread and engine, never the live view's.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/store/run.h"

#include <QDialog>
#include <QObject>
#include <QPointer>

class QLabel;

namespace dash::studio {

class InferenceClient;
class PolicyPicker;
class RunSaver;

// What a re-run of `run` with `policy` asks the engine for.
RunRequest rerunRequest(const RunRecord& run, const PolicySpec& policy);

class RunRerunner : public QObject {
    Q_OBJECT
public:
    explicit RunRerunner(QObject* parent = nullptr);
    ~RunRerunner() override;

    // Empty: the per-user store.
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    const QString& databasePath() const { return m_databasePath; }
    // Worker threads of the re-run's engine (0: one per hardware thread).
    void setThreads(int threads) { m_threads = threads; }

    // Starts the re-run of `original` (a run of a prompt, loaded from the
    // store) with `policy`; false while another re-run is under way.
    bool start(const RunRecord& original, const PolicySpec& policy);
    bool busy() const { return m_client != nullptr; }
    qint64 originalId() const { return m_originalId; }

signals:
    // The re-run was saved as run `rerunId` of `databasePath`.
    void finished(qint64 originalId, qint64 rerunId, const QString& databasePath);
    void failed(qint64 originalId, const QString& message);

private:
    void onSnapshot(const SnapshotPtr& snapshot);
    void fail(const QString& message);
    void stop();

    QString m_databasePath;
    int m_threads = 0;
    qint64 m_originalId = 0;
    InferenceClient* m_client = nullptr; // one per re-run, deleted when it ends
    RunSaver* m_saver;
};

// Asks for the policy of a re-run, showing what stays the same (prompt,
// model, generated tokens) and the policy the run had.
class RerunDialog : public QDialog {
    Q_OBJECT
public:
    explicit RerunDialog(const RunRecord& run, QWidget* parent = nullptr);
    PolicySpec policy() const;
    PolicyPicker* picker() const { return m_picker; }

private:
    PolicyPicker* m_picker;
};

} // namespace dash::studio
