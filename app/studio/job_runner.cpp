// SPDX-License-Identifier: MIT
#include "app/studio/job_runner.h"

#include <QMetaObject>

namespace dash::studio {

void JobContext::progress(int64_t done, int64_t total) {
    QMetaObject::invokeMethod(
        m_runner,
        [runner = m_runner, done, total] {
            runner->onProgress(static_cast<qint64>(done), static_cast<qint64>(total));
        },
        Qt::QueuedConnection);
}

void JobContext::phase(const QString& name) {
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, name] { runner->onPhase(name); }, Qt::QueuedConnection);
}

void JobContext::log(const QString& line) {
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, line] { emit runner->logged(line); }, Qt::QueuedConnection);
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    qRegisterMetaType<JobOutcome>();
}

JobRunner::~JobRunner() {
    if (m_cancel)
        m_cancel->cancel();
    if (m_thread.joinable())
        m_thread.join();
}

bool JobRunner::start(std::unique_ptr<Job> job) {
    if (m_running)
        return false;
    if (m_thread.joinable())
        m_thread.join(); // the previous job has finished; its thread is ending
    m_running = true;
    m_eta = -1;
    m_cancel = std::make_shared<CancelToken>();
    m_clock.start();
    m_phaseClock.start();
    emit started(job->title());
    m_thread = std::thread([this, job = std::move(job), cancel = m_cancel]() mutable {
        JobContext context(this, cancel.get());
        QElapsedTimer clock;
        clock.start();
        JobOutcome outcome;
        auto result = job->run(context);
        outcome.elapsedMs = clock.elapsed();
        if (result.ok()) {
            outcome.ok = true;
            outcome.result = std::move(result).value();
            outcome.message = outcome.result.summary;
        } else {
            outcome.cancelled = result.error().code() == ErrorCode::Cancelled;
            outcome.message = QString::fromStdString(result.error().message());
        }
        // The runner outlives this thread (its destructor joins it), so the
        // queued call finds it alive.
        QMetaObject::invokeMethod(
            this, [this, outcome] { onFinished(outcome); }, Qt::QueuedConnection);
    });
    return true;
}

void JobRunner::cancel() {
    if (m_running && m_cancel)
        m_cancel->cancel();
}

void JobRunner::onPhase(const QString& phase) {
    m_phaseClock.restart();
    m_eta = -1;
    emit phaseChanged(phase);
}

void JobRunner::onProgress(qint64 done, qint64 total) {
    if (!m_running)
        return;
    const double elapsed = static_cast<double>(m_phaseClock.elapsed()) / 1000.0;
    m_eta = done > 0 && total >= done
                ? elapsed * static_cast<double>(total - done) / static_cast<double>(done)
                : -1;
    emit progressChanged(done, total, m_eta);
}

void JobRunner::onFinished(const JobOutcome& outcome) {
    m_running = false;
    m_eta = -1;
    emit finished(outcome);
}

} // namespace dash::studio
