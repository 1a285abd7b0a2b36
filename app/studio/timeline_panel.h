// SPDX-License-Identifier: MIT
// The stream timeline with its figures (overlap, ms/token) and zoom buttons.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QWidget>

class QLabel;

namespace dash::studio {

class StreamTimeline;

// The timing figures of a run, worded the same in the status line and the
// timeline. "prefill 0.350 · decode 0.412 ms/token" (RunSnapshot's
// definitions), and the definition for a tooltip.
QString msPerTokenText(const RunSnapshot& snapshot);
QString msPerTokenDefinition();
// The share of policy time during which compute was busy too, named for what
// it is on the run's backend ("thread concurrency 12.3 %" on the CPU), and
// its definition for a tooltip.
QString concurrencyText(const RunSnapshot& snapshot);
QString concurrencyDefinition(const QString& backend);

class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(QWidget* parent = nullptr);

    void setSnapshot(const SnapshotPtr& snapshot);
    StreamTimeline* timeline() const { return m_timeline; }
    // The figures line above the timeline.
    QString summaryText() const;

private:
    StreamTimeline* m_timeline;
    QLabel* m_summary;
};

} // namespace dash::studio
