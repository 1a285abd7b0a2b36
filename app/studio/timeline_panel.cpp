// SPDX-License-Identifier: MIT
#include "app/studio/timeline_panel.h"

#include "app/studio/stream_timeline.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace dash::studio {

TimelinePanel::TimelinePanel(QWidget* parent) : QWidget(parent) {
    m_timeline = new StreamTimeline(this);
    m_timeline->setObjectName(QStringLiteral("streamTimeline"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("timelineSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto button = [this](const QString& text, const QString& tip, void (StreamTimeline::*slot)()) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, m_timeline, slot);
        return b;
    };
    auto* controls = new QHBoxLayout;
    controls->addWidget(m_summary, 1);
    controls->addWidget(button(tr("−"), tr("Zoom out (Ctrl+wheel)"), &StreamTimeline::zoomOut));
    controls->addWidget(button(tr("Fit"), tr("Show the whole run"), &StreamTimeline::zoomToFit));
    controls->addWidget(button(tr("+"), tr("Zoom in (Ctrl+wheel)"), &StreamTimeline::zoomIn));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_timeline, 1);
    setSnapshot(nullptr);
}

void TimelinePanel::setSnapshot(const SnapshotPtr& snapshot) {
    m_timeline->setSnapshot(snapshot);
    if (!snapshot || !snapshot->ok()) {
        m_summary->setText(tr("No run"));
        return;
    }
    int64_t passNs = 0;
    int32_t passTokens = 0;
    for (const PassTiming& p : snapshot->trace.passes) {
        passNs += p.totalNs;
        passTokens += p.tokenCount;
    }
    const bool hasPolicy = busyTimeNs(snapshot->trace.spans, StreamKind::Policy) > 0;
    const QString overlap = hasPolicy ? tr("overlap %1 % of policy time hidden")
                                            .arg(QString::number(snapshot->overlap() * 100, 'f', 1))
                                      : tr("overlap – (no policy stream)");
    const QString computed =
        passTokens > 0
            ? tr("this run computed %n token(s) in %1 ms (%2 ms/token)", nullptr, passTokens)
                  .arg(QString::number(passNs / 1e6, 'f', 2),
                       QString::number(passNs / 1e6 / passTokens, 'f', 3))
            : tr("this run computed nothing");
    m_summary->setText(tr("%1 · %2 · %3 reused from the cache")
                           .arg(overlap, computed, QString::number(snapshot->reusedTokens)));
}

QString TimelinePanel::summaryText() const {
    return m_summary->text();
}

} // namespace dash::studio
