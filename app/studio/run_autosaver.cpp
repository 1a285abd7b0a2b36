// SPDX-License-Identifier: MIT
#include "app/studio/run_autosaver.h"

#include "app/studio/inference_client.h"
#include "app/studio/run_saver.h"

namespace dash::studio {

RunAutoSaver::RunAutoSaver(InferenceClient* client, RunSaver* saver, QObject* parent)
    : QObject(parent), m_client(client), m_saver(saver) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(kDefaultDelayMs);
    connect(&m_timer, &QTimer::timeout, this, &RunAutoSaver::flush);
    connect(client, &InferenceClient::snapshotReady, this, &RunAutoSaver::onSnapshot);
    // A new model makes the waiting run's model information stale.
    connect(client, &InferenceClient::modelLoadStarted, this, &RunAutoSaver::flush);
}

void RunAutoSaver::setEnabled(bool enabled) {
    m_enabled = enabled;
    if (!enabled) {
        m_timer.stop();
        m_pending.reset();
    }
}

void RunAutoSaver::setDelayMs(int ms) {
    m_timer.setInterval(std::max(0, ms));
}

void RunAutoSaver::onSnapshot(const SnapshotPtr& snapshot) {
    if (!m_enabled)
        return;
    // Each result restarts the quiet period, failed and empty ones included:
    // they mean the user is still editing. An empty prompt is never saved.
    m_pending =
        snapshot->ok() && snapshot->tokenCount() > 0 && !snapshot->prompt.trimmed().isEmpty()
            ? snapshot
            : nullptr;
    m_timer.start();
}

void RunAutoSaver::flush() {
    m_timer.stop();
    const SnapshotPtr snapshot = std::move(m_pending);
    m_pending.reset();
    if (!snapshot || !m_client->hasModel() || snapshot->modelPath != m_client->modelInfo().path ||
        m_saver->recentlySaved(*snapshot))
        return;
    m_saver->save(snapshot, m_client->modelInfo());
    emit saveRequested(snapshot);
}

} // namespace dash::studio
