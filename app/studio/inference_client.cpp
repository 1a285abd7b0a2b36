// SPDX-License-Identifier: MIT
#include "app/studio/inference_client.h"

#include "app/studio/inference_worker.h"

#include <algorithm>
#include <vector>

namespace dash::studio {

InferenceClient::InferenceClient(QObject* parent) : QObject(parent) {
    m_thread.setObjectName(QStringLiteral("inference"));
    m_worker = new InferenceWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &InferenceWorker::modelLoaded, this, &InferenceClient::onModelLoaded);
    connect(m_worker, &InferenceWorker::modelLoadFailed, this, &InferenceClient::onModelLoadFailed);
    connect(m_worker, &InferenceWorker::runFinished, this, &InferenceClient::onRunFinished);
    connect(m_worker, &InferenceWorker::probeFinished, this, [this](const ProbeResultPtr& result) {
        const int kind = static_cast<int>(result->request.kind);
        if (result->request.id == m_probeIds[kind])
            emit probeFinished(result);
    });
    connect(m_worker, &InferenceWorker::runCancelled, this, [this](quint64 generation) {
        emit runCancelled(generation);
        settle(generation);
    });
    connect(m_worker, &InferenceWorker::policyPreparing, this,
            [this](quint64, const QString& message) { emit policyPreparing(message); });
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(effectiveDebounceMs());
    connect(&m_debounce, &QTimer::timeout, this, &InferenceClient::submitRun);
    m_thread.start();
}

InferenceClient::~InferenceClient() {
    m_worker->cancelAll();
    m_thread.quit();
    m_thread.wait();
}

void InferenceClient::setDebounceMs(int ms) {
    m_debounceSetting = ms < 0 ? kAutoDebounce : ms;
    m_debounce.setInterval(effectiveDebounceMs());
}

int InferenceClient::effectiveDebounceMs() const {
    if (m_debounceSetting >= 0)
        return m_debounceSetting;
    if (m_recentRunNs.empty())
        return kAutoDebounceMaxMs;
    std::vector<int64_t> ns(m_recentRunNs.begin(), m_recentRunNs.end());
    std::sort(ns.begin(), ns.end());
    // The lower median of an even count: the wait errs towards answering sooner.
    const int64_t median = ns[(ns.size() - 1) / 2];
    const int64_t ms = (median + 999'999) / 1'000'000; // rounded up to whole ms
    return static_cast<int>(std::min<int64_t>(ms, kAutoDebounceMaxMs));
}

void InferenceClient::setGenerateTokens(int count) {
    if (count == m_generateTokens)
        return;
    m_generateTokens = std::max(0, count);
    if (m_hasModel)
        runNow();
}

void InferenceClient::setPolicy(const PolicySpec& policy) {
    if (policy == m_policy)
        return;
    m_policy = policy;
    if (m_hasModel)
        runNow();
}

void InferenceClient::loadModel(const QString& path) {
    m_debounce.stop();
    m_loadGeneration = ++m_generation;
    m_worker->requestLoad(m_generation, path, m_threads);
    emit modelLoadStarted(path);
    updateBusy();
}

void InferenceClient::setPrompt(const QString& text) {
    m_prompt = text;
    if (!m_hasModel && m_loadGeneration <= m_settled)
        return;
    m_debounce.start(effectiveDebounceMs());
    updateBusy();
}

void InferenceClient::runNow() {
    m_debounce.stop();
    submitRun();
}

void InferenceClient::submitRun() {
    RunRequest request;
    request.generation = ++m_generation;
    request.prompt = m_prompt;
    request.generateTokens = m_generateTokens;
    request.policy = m_policy;
    request.referenceFull = m_referenceFull;
    request.reuseCache = m_reuseCache;
    m_worker->requestRun(request);
    updateBusy();
}

quint64 InferenceClient::requestProbe(ProbeRequest request) {
    const int kind = static_cast<int>(request.kind);
    request.id = ++m_probeIds[kind];
    m_worker->requestProbe(request);
    return request.id;
}

bool InferenceClient::busy() const {
    return m_settled < m_generation || m_debounce.isActive();
}

void InferenceClient::settle(quint64 generation) {
    m_settled = std::max(m_settled, generation);
    updateBusy();
}

void InferenceClient::updateBusy() {
    const bool now = busy();
    if (now == m_busy)
        return;
    m_busy = now;
    emit busyChanged(now);
}

void InferenceClient::onModelLoaded(quint64 generation, const ModelInfo& info) {
    if (generation < m_loadGeneration)
        return; // a newer load superseded this one
    m_hasModel = true;
    m_modelInfo = info;
    m_latest.reset();
    m_recentRunNs.clear(); // another model, other run times
    emit modelLoaded(info);
    settle(generation);
    // Runs queued before the load were dropped by it; show the current prompt
    // on the new model.
    if (generation == m_generation)
        runNow();
}

void InferenceClient::onModelLoadFailed(quint64 generation, const QString& path,
                                        const QString& message) {
    if (generation < m_loadGeneration)
        return;
    emit modelLoadFailed(path, message);
    settle(generation);
    if (m_hasModel && generation == m_generation)
        runNow();
}

void InferenceClient::onRunFinished(const SnapshotPtr& snapshot) {
    // A stale run still measured what a run costs; a failed one did not.
    if (snapshot->ok() && snapshot->wallNs > 0) {
        m_recentRunNs.push_back(snapshot->wallNs);
        while (m_recentRunNs.size() > static_cast<size_t>(kAutoDebounceRuns))
            m_recentRunNs.pop_front();
    }
    if (snapshot->generation < m_generation) {
        emit staleSnapshotDropped(snapshot->generation);
        settle(snapshot->generation);
        return;
    }
    m_latest = snapshot;
    settle(snapshot->generation);
    emit snapshotReady(snapshot);
}

} // namespace dash::studio
