// SPDX-License-Identifier: MIT
#include "app/studio/live_ab_window.h"

#include "app/studio/diff_heatmap_model.h"
#include "app/studio/diff_heatmap_view.h"
#include "app/studio/heatmap_model.h"
#include "app/studio/heatmap_panel.h"
#include "app/studio/heatmap_view.h"
#include "app/studio/inference_client.h"
#include "app/studio/policy_picker.h"
#include "app/studio/run_record.h"
#include "app/studio/token_delta_strip.h"
#include "core/store/run_store.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

namespace dash::studio {

namespace {

// Mean of the finite values; NaN when none.
double finiteMean(const std::vector<float>& values) {
    double sum = 0;
    int count = 0;
    for (float v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++count;
        }
    return count > 0 ? sum / count : NAN;
}

QString figure(double v, int decimals) {
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("–");
}

} // namespace

LiveAbWindow::LiveAbWindow(QWidget* parent) : QWidget(parent, Qt::Window) {
    setWindowTitle(tr("Live A/B — DASH Studio"));
    setObjectName(QStringLiteral("liveAbWindow"));

    m_prompt = new QPlainTextEdit(this);
    m_prompt->setObjectName(QStringLiteral("abPrompt"));
    m_prompt->setPlaceholderText(tr("Type a prompt; both policies run on every edit"));
    m_prompt->setTabChangesFocus(true);
    // A few lines: the heatmaps need the height.
    m_prompt->setMinimumHeight(fontMetrics().lineSpacing() * 2 + 12);
    m_prompt->setMaximumHeight(fontMetrics().lineSpacing() * 4 + 12);
    auto* promptLabel = new QLabel(tr("&Prompt:"), this);
    promptLabel->setBuddy(m_prompt);

    auto* sides = new QSplitter(Qt::Horizontal, this);
    sides->setChildrenCollapsible(false);
    sides->addWidget(createSide(0, tr("Policy &A:")));
    sides->addWidget(createSide(1, tr("Policy &B:")));

    m_diff = new DiffHeatmapModel(this);
    auto* diffPanel = new DiffHeatmapPanel(m_diff, this);
    // Its cells have their own width: it follows the selected token, not the
    // scroll position.
    for (const Side& s : m_side)
        connect(s.panel->view(), &HeatmapView::tokenSelected, diffPanel, [this, diffPanel](int t) {
            if (t >= 0 && t < m_diff->columnCount())
                diffPanel->view()->scrollTo(m_diff->index(0, t), QAbstractItemView::EnsureVisible);
        });
    m_diffSummary = new QLabel(this);
    m_diffSummary->setWordWrap(true);
    auto* diffBox = new QWidget(this);
    auto* diffLayout = new QVBoxLayout(diffBox);
    diffLayout->setContentsMargins(0, 0, 0, 0);
    diffLayout->addWidget(new QLabel(tr("Difference B − A"), diffBox));
    diffLayout->addWidget(m_diffSummary);
    diffLayout->addWidget(diffPanel, 1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    split->addWidget(sides);
    split->addWidget(diffBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    m_rounds = new QSpinBox(this);
    m_rounds->setRange(1, 50);
    m_rounds->setValue(3);
    m_rounds->setSuffix(tr(" rounds"));
    m_rounds->setToolTip(tr("Measured rounds, after one warm-up round; each round runs A and B "
                            "twice, in the order A B B A or B A A B"));
    m_measureButton = new QPushButton(tr("&Measure"), this);
    m_measureButton->setToolTip(
        tr("Time both policies on this prompt: full prefills without the KV cache, one side at "
           "a time, alternating"));
    connect(m_measureButton, &QPushButton::clicked, this, [this] { measure(m_rounds->value()); });
    m_measure = new QLabel(this);
    m_measure->setObjectName(QStringLiteral("abMeasure"));
    m_measure->setWordWrap(true);
    m_measure->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* measureRow = new QHBoxLayout;
    measureRow->addWidget(m_rounds);
    measureRow->addWidget(m_measureButton);
    measureRow->addWidget(m_measure, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4); // two heatmaps share the width
    layout->addWidget(promptLabel);
    layout->addWidget(m_prompt);
    layout->addLayout(measureRow);
    layout->addWidget(split, 1);

    connect(m_prompt, &QPlainTextEdit::textChanged, this, [this] {
        const QString text = m_prompt->toPlainText();
        for (Side& s : m_side)
            s.client->setPrompt(text);
    });
    syncViews();
    m_side[1].panel->followColorMode(m_side[0].panel);
    // B starts as a baseline, so that a first look already shows a difference.
    m_side[1].picker->setPolicyKind(QStringLiteral("early-exit"));
    m_side[1].picker->setRatio(1.5);
    resize(1200, 760);
}

LiveAbWindow::~LiveAbWindow() = default;

QWidget* LiveAbWindow::createSide(int side, const QString& title) {
    Side& s = m_side[side];
    auto* box = new QWidget(this);
    s.client = new InferenceClient(this);
    s.client->setReferenceFull(true);
    s.client->setGenerateTokens(0);
    s.picker = new PolicyPicker(box);
    s.picker->setObjectName(side == 0 ? QStringLiteral("abPolicyA") : QStringLiteral("abPolicyB"));
    s.picker->attach(s.client);
    s.heatmap = new HeatmapModel(this);
    s.panel = new HeatmapPanel(s.heatmap, box);
    s.strip = new TokenDeltaStrip(s.panel->view(), box);
    s.summary = new QLabel(box);
    s.summary->setWordWrap(true);
    s.summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* label = new QLabel(title, box);
    label->setBuddy(s.picker->kindBox());

    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label);
    layout->addWidget(s.picker);
    layout->addWidget(s.summary);
    layout->addWidget(s.panel, 1);
    layout->addWidget(s.strip);

    s.client->setPolicy(s.picker->policy());
    connect(s.picker, &PolicyPicker::policyChanged, s.client, &InferenceClient::setPolicy);
    connect(s.client, &InferenceClient::snapshotReady, this,
            [this, side](const SnapshotPtr& snapshot) { onSnapshot(side, snapshot); });
    return box;
}

void LiveAbWindow::syncViews() {
    HeatmapView* a = m_side[0].panel->view();
    HeatmapView* b = m_side[1].panel->view();
    // Same scroll, zoom and selected token on both sides; setting an equal
    // value emits nothing, so the pairs do not loop.
    const std::pair<HeatmapView*, HeatmapView*> pairs[] = {{a, b}, {b, a}};
    for (const auto& pair : pairs) {
        HeatmapView* from = pair.first;
        HeatmapView* to = pair.second;
        connect(from->horizontalScrollBar(), &QScrollBar::valueChanged, to->horizontalScrollBar(),
                &QScrollBar::setValue);
        connect(from->verticalScrollBar(), &QScrollBar::valueChanged, to->verticalScrollBar(),
                &QScrollBar::setValue);
        connect(from, &HeatmapView::zoomChanged, to, [to](double zoom) {
            if (to->zoom() != zoom)
                to->setZoom(zoom);
        });
        connect(from, &HeatmapView::tokenSelected, to, [to](int token) {
            if (to->selectedToken() != token)
                to->selectToken(token);
        });
    }
}

void LiveAbWindow::openModel(const QString& path, int threads) {
    for (Side& s : m_side) {
        s.client->setThreads(threads);
        s.client->loadModel(path);
    }
}

void LiveAbWindow::setDebounceMs(int ms) {
    for (Side& s : m_side)
        s.client->setDebounceMs(ms);
}

void LiveAbWindow::setPrompt(const QString& text) {
    if (m_prompt->toPlainText() != text)
        m_prompt->setPlainText(text);
}

QString LiveAbWindow::prompt() const {
    return m_prompt->toPlainText();
}

QString LiveAbWindow::summaryText(int side) const {
    return m_side[side].summary->text();
}

bool LiveAbWindow::measure(int rounds) {
    if (measuring())
        return false;
    for (const Side& s : m_side)
        if (!s.client->hasModel() || s.client->busy()) {
            m_measure->setText(tr("Wait until both sides have run, then measure."));
            return false;
        }
    m_schedule.clear();
    m_order.clear();
    // Round 0 warms both sides up and is not counted.
    for (int round = 0; round <= rounds; ++round)
        for (int side : alternationOrder(2, round))
            m_schedule.push_back(side);
    m_warmupRuns = 4;
    m_seconds[0].clear();
    m_seconds[1].clear();
    m_measuredPrompt = m_prompt->toPlainText();
    m_prompt->setReadOnly(true);
    m_measureButton->setEnabled(false);
    for (Side& s : m_side)
        s.client->setReuseCache(false);
    m_step = 0;
    runNextMeasurement();
    return true;
}

void LiveAbWindow::runNextMeasurement() {
    m_measure->setText(
        tr("Measuring: run %1 of %2…").arg(m_step + 1).arg(static_cast<int>(m_schedule.size())));
    m_side[m_schedule[static_cast<size_t>(m_step)]].client->runNow();
}

void LiveAbWindow::finishMeasurement() {
    m_step = -1;
    m_prompt->setReadOnly(false);
    m_measureButton->setEnabled(true);
    for (Side& s : m_side)
        s.client->setReuseCache(true);
    m_measure->setText(measureText());
    emit measureFinished();
}

QString LiveAbWindow::measureText() const {
    if (m_seconds[0].empty() || m_seconds[1].empty() || measuring())
        return m_measure->text();
    const auto tokens = static_cast<double>(
        m_side[0].heatmap->snapshot() ? m_side[0].heatmap->snapshot()->promptIds.size() : 0);
    auto perToken = [tokens](const std::vector<double>& seconds) {
        std::vector<double> ms;
        for (double s : seconds)
            ms.push_back(s * 1e3 / std::max(1.0, tokens));
        return summarize(ms);
    };
    const Summary a = perToken(m_seconds[0]);
    const Summary b = perToken(m_seconds[1]);
    const Summary speed = pairedSpeedup(m_seconds[0], m_seconds[1]);
    return tr("Prefill ms/token, median (quartiles) of %1 runs each: A %2 (%3–%4), B %5 (%6–%7). "
              "B's speed relative to A over %8 rounds: median %9× (%10–%11×)")
        .arg(QString::number(a.count), figure(a.median, 3), figure(a.q1, 3), figure(a.q3, 3),
             figure(b.median, 3), figure(b.q1, 3), figure(b.q3, 3), QString::number(speed.count),
             figure(speed.median, 2))
        .arg(figure(speed.min, 2), figure(speed.max, 2));
}

void LiveAbWindow::onSnapshot(int side, const SnapshotPtr& snapshot) {
    if (measuring() && side == m_schedule[static_cast<size_t>(m_step)] &&
        snapshot->reusedTokens == 0 && snapshot->prompt == m_measuredPrompt) {
        if (!snapshot->ok()) {
            m_measure->setText(tr("The measurement stopped: %1").arg(snapshot->error));
            m_seconds[0].clear();
            m_seconds[1].clear();
            finishMeasurement();
        } else {
            m_order.push_back(side);
            if (m_step >= m_warmupRuns)
                m_seconds[side].push_back(static_cast<double>(snapshot->prefillNs) / 1e9);
            if (++m_step < static_cast<int>(m_schedule.size()))
                runNextMeasurement();
            else
                finishMeasurement();
        }
    }
    Side& s = m_side[side];
    s.heatmap->setSnapshot(snapshot);
    s.strip->setSnapshot(snapshot);
    if (!snapshot->ok()) {
        s.summary->setText(snapshot->error);
    } else {
        s.summary->setText(
            tr("%1 · nominal %2× · prefill %3 ms/token · mean Δ log p %4 nats · mean KL %5 nats")
                .arg(snapshot->policyKind.isEmpty() ? snapshot->policy.kind : snapshot->policyKind,
                     figure(snapshot->nominalRatio(), 2), figure(snapshot->prefillMsPerToken(), 3),
                     figure(finiteMean(snapshot->deltaLogProbs), 3),
                     figure(finiteMean(snapshot->klFromFull), 4)));
        s.summary->setToolTip(
            tr("One run each; use a measurement with repeats before comparing speeds. "
               "Δ log p: log-likelihood of each prompt token under the policy minus under full "
               "precision; KL(full ‖ policy) of the distribution that predicts it."));
    }
    updateDiff();
}

void LiveAbWindow::updateDiff() {
    const SnapshotPtr a = m_side[0].heatmap->snapshot();
    const SnapshotPtr b = m_side[1].heatmap->snapshot();
    // Only runs of the same text are compared; the other side is still running.
    if (!a || !b || !a->ok() || !b->ok() || a->prompt != b->prompt ||
        a->prompt != m_prompt->toPlainText())
        return;
    const ModelInfo& info = m_side[0].client->modelInfo();
    auto comparison = std::make_shared<const RunComparison>(
        compareRuns(makeRunRecord(*a, info, {}, 0), makeRunRecord(*b, info, {}, 0)));
    m_diff->setComparison(a, b, comparison);
    m_diffSummary->setText(
        tr("%n cell(s) in another state", nullptr, static_cast<int>(comparison->differingStates)));
    emit pairUpdated();
}

} // namespace dash::studio
