// SPDX-License-Identifier: MIT
// The long jobs the GUI offers, each loading its own model and engine:
//   calibration  dash::calibrate() over windows of a text, saved as JSON;
//   training     dash::trainDashPolicy() to a target ratio, saved as a policy
//                file (optionally with a checkpoint that a later run resumes);
//   sweep        dash::runSweep (core/dash/sweep.h), the sweep of
//                `dash-cli sweep` with the same defaults and rows; rows saved
//                to the run store and/or a JSON file in `dash-cli sweep
//                --json`'s format.
#pragma once

#include "app/studio/job_runner.h"
#include "core/dash/calibration.h"
#include "core/dash/sweep.h"
#include "core/dash/training.h"
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
    int imitationSteps = 0;       // first steps imitate imitationTarget's decisions
    ImitationTarget imitationTarget = ImitationTarget::Static;
    bool measuredCosts = false; // state costs measured on this machine, not the codes
    TrainerKind trainer = TrainerKind::Reinforce;
    double learningRate = TrainOptions{}.learningRate;
    int threads = 0;
};

struct SweepJobSettings {
    QString modelPath;
    // Texts, files, methods, ratios, sizes: the core sweep's options, whose
    // defaults are the defaults of the dialog and of `dash-cli sweep`. Paths
    // in the local 8-bit encoding (QFile::encodeName).
    SweepOptions sweep;
    int threads = 0;
    bool saveToStore = true;
    QString databasePath; // empty: the per-user store
    QString jsonPath;     // empty: no JSON file
};

std::unique_ptr<Job> makeCalibrationJob(const CalibrationJobSettings& settings);
std::unique_ptr<Job> makeTrainingJob(const TrainingJobSettings& settings);
std::unique_ptr<Job> makeSweepJob(const SweepJobSettings& settings);

} // namespace dash::studio
