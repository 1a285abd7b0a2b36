// SPDX-License-Identifier: MIT
// Live A/B: two policies on the same prompt, both re-run on every edit (each
// on its own inference worker, debounced like the main window), their
// heatmaps side by side with synchronised scrolling, zoom and token
// selection, the difference B − A below, and under each heatmap what the
// policy costs each token against full precision (Δ log p and KL rows).
// "Measure" times both policies on the prompt: `rounds` rounds (after one
// warm-up round) of A B B A / B A A B, each run a full prefill without the
// KV cache, one side at a time; it shows each side's median and quartiles
// and B's speed relative to A per round, never a ratio without its spread.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/util/stats.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace dash::studio {

class DiffHeatmapModel;
class HeatmapModel;
class HeatmapPanel;
class InferenceClient;
class PolicyPicker;
class TokenDeltaStrip;

class LiveAbWindow : public QWidget {
    Q_OBJECT
public:
    explicit LiveAbWindow(QWidget* parent = nullptr);
    ~LiveAbWindow() override;

    // Loads `path` on both sides with `threads` engine threads each (0: one
    // per hardware thread).
    void openModel(const QString& path, int threads);
    void setPrompt(const QString& text);
    // Both sides' typing debounce (InferenceClient::setDebounceMs).
    void setDebounceMs(int ms);
    QString prompt() const;

    QPlainTextEdit* promptEditor() const { return m_prompt; }
    InferenceClient* client(int side) const { return m_side[side].client; }
    PolicyPicker* picker(int side) const { return m_side[side].picker; }
    HeatmapModel* heatmapModel(int side) const { return m_side[side].heatmap; }
    HeatmapPanel* heatmapPanel(int side) const { return m_side[side].panel; }
    TokenDeltaStrip* deltaStrip(int side) const { return m_side[side].strip; }
    DiffHeatmapModel* diffModel() const { return m_diff; }
    // The summary line of a side, as shown.
    QString summaryText(int side) const;

    // Starts a measurement of `rounds` rounds; false (with the reason shown)
    // while a side is still running or a measurement runs.
    bool measure(int rounds);
    bool measuring() const { return m_step >= 0; }
    // Prefill seconds of the measured runs of `side`: [2 * round + k].
    const std::vector<double>& measuredSeconds(int side) const { return m_seconds[side]; }
    // The sides in the order they ran, warm-up included.
    const std::vector<int>& measuredOrder() const { return m_order; }
    QString measureText() const;
    QPushButton* measureButton() const { return m_measureButton; }

signals:
    // Both sides show runs of the same prompt (after the diff was updated).
    void pairUpdated();
    void measureFinished();

private:
    struct Side {
        InferenceClient* client = nullptr;
        PolicyPicker* picker = nullptr;
        HeatmapModel* heatmap = nullptr;
        HeatmapPanel* panel = nullptr;
        TokenDeltaStrip* strip = nullptr;
        QLabel* summary = nullptr;
    };

    QWidget* createSide(int side, const QString& title);
    void onSnapshot(int side, const SnapshotPtr& snapshot);
    void updateDiff();
    void syncViews();
    void runNextMeasurement();
    void finishMeasurement();

    Side m_side[2];
    QPlainTextEdit* m_prompt;
    DiffHeatmapModel* m_diff;
    QLabel* m_diffSummary;
    QSpinBox* m_rounds;
    QPushButton* m_measureButton;
    QLabel* m_measure;
    // The measurement: the side of each run (warm-up round first), the run
    // awaited (-1: none), the measured prompt and the seconds per side.
    std::vector<int> m_schedule;
    std::vector<int> m_order;
    int m_step = -1;
    int m_warmupRuns = 0;
    QString m_measuredPrompt;
    std::vector<double> m_seconds[2];
};

} // namespace dash::studio
