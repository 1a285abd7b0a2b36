// SPDX-License-Identifier: MIT
#include "app/studio/timeline_panel.h"

#include "app/studio/stream_timeline.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace dash::studio {

namespace {

QString msText(double ms) {
    return std::isfinite(ms) ? QString::number(ms, 'f', 3) : QStringLiteral("–");
}

bool onCpu(const QString& backend) {
    return backend.isEmpty() || backend == QLatin1String("cpu");
}

} // namespace

QString msPerTokenText(const RunSnapshot& snapshot) {
    return TimelinePanel::tr("prefill %1 · decode %2 ms/token")
        .arg(msText(snapshot.prefillMsPerToken()), msText(snapshot.decodeMsPerToken()));
}

QString msPerTokenDefinition() {
    return TimelinePanel::tr(
        "ms/token: wall time of this run's forward passes divided by the tokens they "
        "computed, as dash-cli run prints it. Prefill: the prompt tokens not taken "
        "from the cache; decode: the generated tokens, one pass each. One run, no "
        "repeats: expect run-to-run spread.");
}

QString concurrencyText(const RunSnapshot& snapshot) {
    const bool hasPolicy = busyTimeNs(snapshot.trace.spans, StreamKind::Policy) > 0;
    const QString name = onCpu(snapshot.backend) ? TimelinePanel::tr("thread concurrency")
                                                 : TimelinePanel::tr("stream concurrency");
    return hasPolicy ? TimelinePanel::tr("%1 %2 %").arg(
                           name, QString::number(snapshot.overlap() * 100, 'f', 1))
                     : TimelinePanel::tr("%1 – (no policy stream)").arg(name);
}

QString concurrencyDefinition(const QString& backend) {
    if (onCpu(backend))
        return TimelinePanel::tr(
            "Thread concurrency: the share of the policy thread's busy wall-clock time "
            "during which a compute thread was busy too. It says the threads ran at "
            "the same time, not that the policy cost nothing: on a shared or busy "
            "CPU they compete for cores.");
    return TimelinePanel::tr(
        "Stream concurrency: the share of the policy stream's busy time during which "
        "the compute stream was busy too, from host-side timestamps of each span; "
        "it is not a measurement of concurrent GPU kernels.");
}

TimelinePanel::TimelinePanel(QWidget* parent) : QWidget(parent) {
    m_timeline = new StreamTimeline(this);
    m_timeline->setObjectName(QStringLiteral("streamTimeline"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("timelineSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true); // a long summary wraps instead of widening the window

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
    const QString computed = passTokens > 0
                                 ? tr("this run computed %n token(s) in %1 ms", nullptr, passTokens)
                                       .arg(QString::number(passNs / 1e6, 'f', 2))
                                 : tr("this run computed nothing");
    m_summary->setText(tr("%1 · %2 · %3 · %4 reused from the cache")
                           .arg(msPerTokenText(*snapshot), concurrencyText(*snapshot), computed,
                                QString::number(snapshot->reusedTokens)));
    m_summary->setToolTip(msPerTokenDefinition() + QStringLiteral("\n\n") +
                          concurrencyDefinition(snapshot->backend));
}

QString TimelinePanel::summaryText() const {
    return m_summary->text();
}

} // namespace dash::studio
