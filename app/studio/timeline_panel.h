// SPDX-License-Identifier: MIT
// The stream timeline with its figures (overlap, ms/token) and zoom buttons.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QWidget>

class QLabel;

namespace dash::studio {

class StreamTimeline;

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
