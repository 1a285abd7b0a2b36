// SPDX-License-Identifier: MIT
// The inference worker: a QObject that lives on its own thread and owns the
// model and the engine, so all engine work happens on one thread.
//
// Requests are tagged with a generation number (larger is newer). At most one
// load and one run wait in the queue: a new run replaces the queued run, and a
// run that is already computing is cancelled between layers when a newer
// request arrives. Results leave as immutable snapshots on queued signals.
#pragma once

#include "app/studio/cell_probe.h"
#include "app/studio/policy_runtime.h"
#include "app/studio/run_snapshot.h"
#include "core/engine/engine.h"
#include "core/model/model.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <QMutex>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>

namespace dash::studio {

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // The following four are thread-safe.

    // Queues a model load (replacing a queued load); drops the queued run,
    // which was meant for the old model, and cancels the running one.
    void requestLoad(quint64 generation, const QString& path, int threads);
    // Queues a run, replacing the queued one; cancels the running run.
    void requestRun(const RunRequest& request);
    // Queues a probe of a finished run, replacing the queued probe of its
    // kind and cancelling a running one of that kind. Probes run after queued
    // loads and runs, on an engine of their own (the run's KV cache stays),
    // configured as the run's policy configured the main engine; a new run
    // cancels a running probe.
    void requestProbe(const ProbeRequest& request);
    // Drops the queued work and cancels the running run.
    void cancelAll();
    // Called on the worker thread when a run starts, before the engine runs.
    // Tests use it to hold a run at a known point.
    void setRunStartHook(std::function<void(const RunRequest&)> hook);
    // The backend ("cpu", "cuda") the engine runs on from the next load or
    // run on. A backend that cannot run (no GPU, an old driver, too little
    // memory) leaves the engine on the CPU; backendSelected says why.
    void setBackend(const QString& id);

signals:
    void modelLoaded(quint64 generation, const dash::studio::ModelInfo& info);
    void modelLoadFailed(quint64 generation, const QString& path, const QString& message);
    void runFinished(const dash::studio::SnapshotPtr& snapshot);
    // Every probe ends here: answered, failed or cancelled.
    void probeFinished(const dash::studio::ProbeResultPtr& result);
    void runCancelled(quint64 generation);
    // A run's policy is being built: a slow step (tuning to a ratio) started.
    void policyPreparing(quint64 generation, const QString& message);
    // The engine was built on `backend` ("cpu", "cuda"); `detail` names the
    // device, or says why the requested backend is not used.
    void backendSelected(const QString& backend, const QString& detail);

private:
    struct LoadRequest {
        quint64 generation = 0;
        QString path;
        int threads = 0;
    };

    void scheduleLocked();
    void drainQueue();
    void load(const LoadRequest& request);
    // Null when the run was cancelled.
    SnapshotPtr execute(const RunRequest& request);
    ProbeResultPtr probe(const ProbeRequest& request);
    // m_probeEngine, made on first use, with m_engine's compensation, KV
    // mode and quantised states.
    Expected<Engine*> probeEngine();
    // A second engine on m_model and the run's backend (the CPU where that
    // backend cannot be made), with a KV cache of its own.
    Expected<std::unique_ptr<Engine>> sideEngine() const;
    // Runs the prompt (reusing the cached prefix) and the generation into `snap`.
    Status compute(const RunRequest& request, RunSnapshot& snap);
    // The request's policy, built (tuned) and applied to the engine.
    Expected<Policy*> activatePolicy(const RunRequest& request, RunSnapshot& snap);
    // Fills m_cacheDelta/m_cacheKl for positions reuse + 1 ... from the policy's
    // prefill logits [ids.size() - reuse][vocab] and a full-precision pass.
    Status compareWithFull(const RunRequest& request, const std::vector<int32_t>& ids, size_t reuse,
                           std::span<const float> logits);
    // Runs ids[reuse...] with every logit kept, then greedy generation.
    Status runTokens(const RunRequest& request, const std::vector<int32_t>& ids, size_t reuse,
                     int32_t newTokens, const ForwardOptions& forward, RunSnapshot& snap);
    // The engine for m_model on the requested backend, else on the CPU;
    // returns the line backendSelected carries.
    QString buildEngine(int threads);

    // Shared with requesting threads, under m_mutex.
    QMutex m_mutex;
    std::optional<LoadRequest> m_pendingLoad;
    std::optional<RunRequest> m_pendingRun;
    std::optional<ProbeRequest> m_pendingProbe[kProbeKinds];
    int m_runningProbe = -1; // ProbeKind of the running probe, -1: none
    bool m_scheduled = false;
    bool m_running = false;
    // While the running request builds its policy, newer runs of the same
    // policy wait for it instead of cancelling it (typing during a tuning).
    bool m_preparing = false;
    PolicySpec m_preparingPolicy;
    std::function<void(const RunRequest&)> m_runStartHook;
    QString m_backend = QStringLiteral("cpu"); // requested
    CancelToken m_cancel; // of the running run; atomic, read by the engine between layers

    // Worker thread only.
    std::shared_ptr<const Model> m_model;
    std::unique_ptr<Engine> m_engine;
    QString m_modelPath;
    QString m_engineBackend; // the request m_engine was built for
    int m_threads = 0;
    Trace m_cache;            // cells of the tokens in the engine's KV cache
    PolicySpec m_cachePolicy; // policy that computed m_cache
    // [position] log p(token | earlier) of the cached prompt tokens (NaN at 0).
    std::vector<float> m_cacheLogProbs;
    // Parallel to m_cacheLogProbs while m_cacheHasReference: RunSnapshot's
    // deltaLogProbs and klFromFull of the cached tokens.
    std::vector<float> m_cacheDelta;
    std::vector<float> m_cacheKl;
    bool m_cacheHasReference = false;
    // The full-precision reference: its own engine and KV cache (ids in it).
    std::unique_ptr<Engine> m_refEngine;
    std::vector<int32_t> m_refTokens;
    // Counterfactuals and lenses replay runs here (its KV cache is scratch).
    std::unique_ptr<Engine> m_probeEngine;
    PolicyRuntime m_policy;
};

} // namespace dash::studio
