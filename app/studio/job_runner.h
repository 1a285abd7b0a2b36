// SPDX-License-Identifier: MIT
// Long jobs from the GUI (calibration, policy training, sweeps): one job runs
// on its own thread with its own model and engine, never the interactive
// worker's. Progress, log lines and the outcome arrive on queued signals; the
// ETA extrapolates the elapsed time of the current phase. Cancelling sets the
// job's CancelToken, which core checks between layers and windows.
#pragma once

#include "core/util/cancel.h"
#include "core/util/status.h"

#include <QElapsedTimer>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <thread>

namespace dash::studio {

// What a finished job made: files written, a summary line and a table.
struct JobResult {
    QString summary;
    QStringList files;
    QStringList columns;
    QList<QVariantList> rows;
    // The result for programs: a sweep's rows as sweepRowsJson() (the JSON of
    // `dash-cli sweep --json`); empty for the other jobs.
    QByteArray json;
};

struct JobOutcome {
    bool ok = false;
    bool cancelled = false;
    QString message; // the error, or the summary
    JobResult result;
    qint64 elapsedMs = 0;
};

class JobRunner;

// Handed to a running job; every call may come from the job's thread.
class JobContext {
public:
    const CancelToken* cancel() const { return m_cancel; }
    bool cancelled() const { return m_cancel->cancelled(); }
    // `done` of `total` units of the current phase.
    void progress(int64_t done, int64_t total);
    // A new phase (its progress starts again from zero).
    void phase(const QString& name);
    void log(const QString& line);

private:
    friend class JobRunner;
    JobContext(JobRunner* runner, const CancelToken* cancel) : m_runner(runner), m_cancel(cancel) {}
    JobRunner* m_runner;
    const CancelToken* m_cancel;
};

class Job {
public:
    virtual ~Job() = default;
    virtual QString title() const = 0;
    // Runs on the job's thread.
    virtual Expected<JobResult> run(JobContext& context) = 0;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override; // cancels the running job and waits for it

    // Starts `job`; false while another job runs.
    bool start(std::unique_ptr<Job> job);
    void cancel();
    bool running() const { return m_running; }
    // Seconds left by the current phase's pace; negative when unknown.
    double etaSeconds() const { return m_eta; }

signals:
    void started(const QString& title);
    void phaseChanged(const QString& phase);
    void progressChanged(qint64 done, qint64 total, double etaSeconds);
    void logged(const QString& line);
    void finished(const dash::studio::JobOutcome& outcome);

private:
    friend class JobContext;
    void onProgress(qint64 done, qint64 total);
    void onPhase(const QString& phase);
    void onFinished(const JobOutcome& outcome);

    std::thread m_thread;
    std::shared_ptr<CancelToken> m_cancel;
    bool m_running = false;
    QElapsedTimer m_clock;      // the whole job
    QElapsedTimer m_phaseClock; // the current phase
    double m_eta = -1;
};

} // namespace dash::studio

Q_DECLARE_METATYPE(dash::studio::JobOutcome)
