// SPDX-License-Identifier: MIT
// The UI side of inference: owns the worker thread, debounces prompt edits,
// numbers every request and drops results that a newer request made stale
// (hotspot's job generations). Nothing here waits on the engine.
#pragma once

#include "app/studio/cell_probe.h"
#include "app/studio/run_snapshot.h"

#include <QObject>
#include <QThread>
#include <QTimer>

#include <cstdint>
#include <deque>

namespace dash::studio {

class InferenceWorker;

class InferenceClient : public QObject {
    Q_OBJECT
public:
    // setDebounceMs(kAutoDebounce): an edit waits as long as the median of
    // this client's last kAutoDebounceRuns finished runs took on the worker
    // (RunSnapshot::wallNs), at most kAutoDebounceMaxMs, and that maximum
    // until a run has finished. Keys that come faster than a run takes then
    // start no run (each restarts the wait), and the heatmap follows the
    // last key after the wait plus one run: about two run times, where the
    // earlier fixed 150 ms made every answer wait 150 ms.
    static constexpr int kAutoDebounce = -1;
    static constexpr int kAutoDebounceMaxMs = 150;
    static constexpr int kAutoDebounceRuns = 5;
    static constexpr int kDefaultDebounceMs = kAutoDebounce;

    explicit InferenceClient(QObject* parent = nullptr);
    ~InferenceClient() override; // cancels running work and joins the thread

    // ms >= 0: a fixed wait; any negative value: kAutoDebounce.
    void setDebounceMs(int ms);
    int debounceMs() const { return m_debounceSetting; }
    // What the next edit waits, in ms: the fixed setting, or the automatic
    // wait derived from the recent runs.
    int effectiveDebounceMs() const;
    void setGenerateTokens(int count);
    int generateTokens() const { return m_generateTokens; }
    void setPolicy(const PolicySpec& policy);
    const PolicySpec& policy() const { return m_policy; }
    // Runs also compare each prompt token with full precision (RunSnapshot's
    // deltaLogProbs and klFromFull); applies from the next run.
    void setReferenceFull(bool on) { m_referenceFull = on; }
    bool referenceFull() const { return m_referenceFull; }
    // False: every run prefills the whole prompt (for timings); applies from
    // the next run.
    void setReuseCache(bool on) { m_reuseCache = on; }
    // Worker threads for the next model load (0: one per hardware thread).
    void setThreads(int threads) { m_threads = threads; }
    int threads() const { return m_threads; }

    void loadModel(const QString& path);
    // The prompt runs after the debounce interval unless it changes again.
    void setPrompt(const QString& text);
    // Runs the current prompt now, bypassing the debouncer.
    void runNow();

    // Asks the worker about a finished run (see InferenceWorker::requestProbe);
    // returns the request's id. Only the newest probe of each kind is
    // reported: older answers are dropped.
    quint64 requestProbe(ProbeRequest request);

    const QString& prompt() const { return m_prompt; }
    bool hasModel() const { return m_hasModel; }
    const ModelInfo& modelInfo() const { return m_modelInfo; }
    SnapshotPtr latestSnapshot() const { return m_latest; }
    bool busy() const;
    quint64 latestGeneration() const { return m_generation; }
    InferenceWorker* worker() const { return m_worker; }

signals:
    void modelLoadStarted(const QString& path);
    void modelLoaded(const dash::studio::ModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& message);
    void snapshotReady(const dash::studio::SnapshotPtr& snapshot);
    void staleSnapshotDropped(quint64 generation);
    void runCancelled(quint64 generation);
    void busyChanged(bool busy);
    // The newest probe of its kind finished (answered, failed or cancelled).
    void probeFinished(const dash::studio::ProbeResultPtr& result);
    // The policy of the coming run is being built: a slow step (tuning) started.
    void policyPreparing(const QString& message);

private:
    void submitRun();
    void settle(quint64 generation);
    void updateBusy();
    void onModelLoaded(quint64 generation, const ModelInfo& info);
    void onModelLoadFailed(quint64 generation, const QString& path, const QString& message);
    void onRunFinished(const SnapshotPtr& snapshot);

    QThread m_thread;
    InferenceWorker* m_worker = nullptr; // lives on m_thread, deleted when it finishes
    QTimer m_debounce;
    int m_debounceSetting = kDefaultDebounceMs;
    std::deque<int64_t> m_recentRunNs; // wallNs of the newest finished runs, oldest first
    quint64 m_generation = 0;          // newest request submitted
    quint64 m_settled = 0;             // newest request whose outcome arrived
    quint64 m_loadGeneration = 0;
    bool m_busy = false;
    bool m_hasModel = false;
    ModelInfo m_modelInfo;
    QString m_prompt;
    int m_generateTokens = 0;
    int m_threads = 0;
    bool m_referenceFull = false;
    bool m_reuseCache = true;
    PolicySpec m_policy;
    SnapshotPtr m_latest;
    quint64 m_probeIds[kProbeKinds] = {};
};

} // namespace dash::studio
