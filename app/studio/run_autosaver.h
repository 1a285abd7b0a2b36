// SPDX-License-Identifier: MIT
// Saves finished runs automatically, once results settle: every new snapshot
// restarts a quiet-period timer, and only the run showing when it expires is
// saved, so typing a sentence saves one run rather than one per keystroke.
// Empty prompts and runs the saver saved lately (a rerun of the same prompt
// and policy) are not saved again.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QObject>
#include <QTimer>

namespace dash::studio {

class InferenceClient;
class RunSaver;

class RunAutoSaver : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultDelayMs = 2000;

    RunAutoSaver(InferenceClient* client, RunSaver* saver, QObject* parent = nullptr);

    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }
    void setDelayMs(int ms);
    int delayMs() const { return m_timer.interval(); }
    // A run is waiting for the quiet period to end.
    bool hasPending() const { return m_pending != nullptr; }
    // Saves the waiting run now.
    void flush();

signals:
    // The waiting run was handed to the saver.
    void saveRequested(const dash::studio::SnapshotPtr& snapshot);

private:
    void onSnapshot(const SnapshotPtr& snapshot);

    InferenceClient* m_client;
    RunSaver* m_saver;
    QTimer m_timer;
    bool m_enabled = true;
    SnapshotPtr m_pending;
};

} // namespace dash::studio
