// SPDX-License-Identifier: MIT
// The long jobs the GUI offers, each loading its own model and engine:
//   calibration  dash::calibrate() over windows of a text, saved as JSON;
//   training     dash::trainDashPolicy() to a target ratio, saved as a policy
//                file (optionally with a checkpoint that a later run resumes);
//   sweep        full precision, then each method at each ratio: tuned on
//                held-out text, evaluated on test text (nominal ratio,
//                perplexity) and timed against full precision, as
//                `dash-cli sweep` does; rows saved to the run store and/or a
//                JSON file in `dash-cli sweep --json`'s format.
#pragma once

#include "app/studio/job_runner.h"
#include "core/dash/calibration.h"
#include "core/engine/engine.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace dash::studio {

struct CalibrationJobSettings {
    QString modelPath;
    QString textPath;
    QString outPath;
    int sequences = 128;
    int sequenceLength = 0; // <= 0: the model's context length
    AlphaMethod method = AlphaMethod::NormRatio;
    int threads = 0;
};

struct TrainingJobSettings {
    QString modelPath;
    QString calibrationPath;
    QString textPath;
    QString outPath;
    QString checkpointPath; // empty: no checkpoint
    double targetRatio = 2.0;
    int steps = 300;
    int window = 64;
    int seed = 1;
    bool async = true;
    bool skipAndFullOnly = false; // no INT4/INT8 states
    int imitationSteps = 0;       // first steps imitate static similarity skipping
    bool measuredCosts = false;   // state costs measured on this machine, not the codes
    int threads = 0;
};

struct SweepJobSettings {
    QString modelPath;
    QString testTextPath;
    QString tuneTextPath;
    QString calibrationPath; // layer ranking for "static"; empty skips it
    QStringList dashFiles;   // DASH policy files; a row uses the nearest trained ratio
    QStringList methods;     // core policy kinds (not "full", which always runs first)
    QList<double> ratios;
    int maxTokens = 4096; // of the test text
    int tuneWindows = 8;  // held-out windows per tuning evaluation
    int speedRepeats = 2;
    KvMode kvMode = KvMode::Project;
    int threads = 0;
    bool saveToStore = true;
    QString databasePath; // empty: the per-user store
    QString jsonPath;     // empty: no JSON file
};

// One sweep row, as `dash-cli sweep --json` writes it.
struct SweepRow {
    QString method;
    double targetRatio = 1.0;
    double nominalRatio = 1.0;
    double measuredSpeedup = 1.0;
    double pplAll = 0;
    double pplSecondHalf = 0;
    double policyTokensPerSecond = 0;
};

std::unique_ptr<Job> makeCalibrationJob(const CalibrationJobSettings& settings);
std::unique_ptr<Job> makeTrainingJob(const TrainingJobSettings& settings);
std::unique_ptr<Job> makeSweepJob(const SweepJobSettings& settings);

// The sweep rows as `dash-cli sweep --json` prints them.
QByteArray sweepRowsJson(const QList<SweepRow>& rows);

} // namespace dash::studio
