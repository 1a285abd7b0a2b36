// SPDX-License-Identifier: MIT
#include "app/studio/jobs.h"

#include "app/studio/run_record.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"
#include "core/dash/training.h"
#include "core/model/model.h"
#include "core/store/run_store.h"
#include "core/util/sha256.h"
#include "core/util/stats.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace dash::studio {

namespace {

std::string localPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

Expected<std::shared_ptr<Model>> loadModel(const QString& path, JobContext& context) {
    context.phase(QCoreApplication::translate("Jobs", "Loading the model"));
    context.log(QCoreApplication::translate("Jobs", "Loading %1").arg(path));
    return Model::load(localPath(path));
}

EngineOptions engineOptions(int threads) {
    EngineOptions options;
    options.threads = threads;
    return options;
}

Status requireOutput(const QString& path, const char* what) {
    if (path.isEmpty())
        return invalidError(std::string("choose where to save the ") + what);
    return {};
}

class CalibrationJob : public Job {
public:
    explicit CalibrationJob(CalibrationJobSettings s) : m_s(std::move(s)) {}
    QString title() const override { return QCoreApplication::translate("Jobs", "Calibration"); }

    Expected<JobResult> run(JobContext& context) override {
        DASH_TRY(requireOutput(m_s.outPath, "calibration"));
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, loadModel(m_s.modelPath, context));
        Engine engine(model, engineOptions(m_s.threads));
        const int64_t length =
            m_s.sequenceLength > 0
                ? std::min<int64_t>(m_s.sequenceLength, engine.maxContext())
                : std::min<int64_t>(model->config().contextLength, engine.maxContext());
        context.phase(QCoreApplication::translate("Jobs", "Reading the text"));
        DASH_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                              readTextTokens(localPath(m_s.textPath), model->tokenizer(),
                                             static_cast<int64_t>(m_s.sequences) * length));
        context.log(
            QCoreApplication::translate("Jobs", "%1: %2 tokens, windows of %3")
                .arg(fileName(m_s.textPath), QString::number(ids.size()), QString::number(length)));
        context.phase(QCoreApplication::translate("Jobs", "Calibrating"));
        CalibrationOptions options;
        options.sequences = m_s.sequences;
        options.sequenceLength = length;
        options.method = m_s.method;
        options.cancel = context.cancel();
        options.onProgress = [&context](int64_t done, int64_t total) {
            context.progress(done, total);
        };
        DASH_ASSIGN_OR_RETURN(Calibration calibration, calibrate(engine, ids, options));
        calibration.modelSha256 = model->sha256();
        DASH_ASSIGN_OR_RETURN(calibration.textSha256,
                              sha256File(localPath(m_s.textPath), context.cancel()));
        DASH_TRY(saveJsonFile(localPath(m_s.outPath), calibration.toJson()));
        context.log(QCoreApplication::translate("Jobs", "Wrote %1").arg(m_s.outPath));

        JobResult r;
        r.files << m_s.outPath;
        r.summary =
            QCoreApplication::translate("Jobs", "Calibrated on %1 sequences (%2 tokens); saved %3")
                .arg(QString::number(calibration.sequences), QString::number(calibration.tokens),
                     fileName(m_s.outPath));
        r.columns = {QCoreApplication::translate("Jobs", "layer"),
                     QCoreApplication::translate("Jobs", "alpha (norm ratio)"),
                     QCoreApplication::translate("Jobs", "alpha (least squares)"),
                     QCoreApplication::translate("Jobs", "mean cos(in,out)")};
        for (int32_t l = 0; l < calibration.layers; ++l) {
            const auto i = static_cast<size_t>(l);
            r.rows.push_back(
                {l, calibration.normRatio[i], calibration.leastSquares[i], calibration.meanCos[i]});
        }
        return r;
    }

private:
    CalibrationJobSettings m_s;
};

// The trainer, as the job's result names it.
QString trainerText(TrainerKind trainer) {
    return trainer == TrainerKind::Relaxed
               ? QCoreApplication::translate("Jobs", "relaxed (Gumbel-softmax)")
               : QCoreApplication::translate("Jobs", "REINFORCE");
}

// What the imitation steps imitate, as the job's log says it.
QString imitationTargetText(ImitationTarget target) {
    switch (target) {
    case ImitationTarget::Static:
        return QCoreApplication::translate("Jobs", "static similarity skipping");
    case ImitationTarget::Oracle:
        return QCoreApplication::translate("Jobs", "the oracle's per-token decisions");
    case ImitationTarget::BestStatic:
        return QCoreApplication::translate("Jobs", "the best static set");
    case ImitationTarget::Forecast:
        return QCoreApplication::translate("Jobs", "the similarity forecast");
    }
    return {};
}

// The work train-policy does before its steps, as the job's phase.
QString preparationPhase(const std::string& phase) {
    if (phase == "oracle")
        return QCoreApplication::translate("Jobs", "Labelling training windows with the oracle");
    if (phase == "static search")
        return QCoreApplication::translate("Jobs", "Searching the best static set");
    return QCoreApplication::translate("Jobs", "Fitting the similarity forecast");
}

class TrainingJob : public Job {
public:
    explicit TrainingJob(TrainingJobSettings s) : m_s(std::move(s)) {}
    QString title() const override {
        return QCoreApplication::translate("Jobs", "Policy training");
    }

    Expected<JobResult> run(JobContext& context) override {
        DASH_TRY(requireOutput(m_s.outPath, "policy"));
        DASH_ASSIGN_OR_RETURN(Calibration calibration,
                              loadCalibration(localPath(m_s.calibrationPath)));
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, loadModel(m_s.modelPath, context));
        if (!calibration.modelSha256.empty() && calibration.modelSha256 != model->sha256())
            return invalidError(localPath(m_s.calibrationPath) +
                                ": calibration was made for another model");
        Engine engine(model, engineOptions(m_s.threads));
        context.phase(QCoreApplication::translate("Jobs", "Reading the text"));
        DASH_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                              readTextTokens(localPath(m_s.textPath), model->tokenizer(), 0));
        DASH_ASSIGN_OR_RETURN(std::string dataSha,
                              sha256File(localPath(m_s.textPath), context.cancel()));
        context.log(QCoreApplication::translate("Jobs", "%1: %2 tokens")
                        .arg(fileName(m_s.textPath), QString::number(ids.size())));

        TrainOptions options;
        options.targetRatio = m_s.targetRatio;
        options.steps = m_s.steps;
        options.window = m_s.window;
        options.seed = static_cast<uint64_t>(m_s.seed);
        options.async = m_s.async;
        options.allowInt4 = !m_s.skipAndFullOnly;
        options.allowInt8 = !m_s.skipAndFullOnly;
        options.imitationSteps = m_s.imitationSteps;
        options.imitationTarget = m_s.imitationTarget;
        options.trainer = m_s.trainer;
        options.learningRate = static_cast<float>(m_s.learningRate);
        options.checkpointPath = localPath(m_s.checkpointPath);
        options.cancel = context.cancel();
        if (m_s.measuredCosts) {
            context.phase(QCoreApplication::translate("Jobs", "Measuring the cost of each state"));
            StateCostOptions costOptions;
            costOptions.cancel = context.cancel();
            DASH_ASSIGN_OR_RETURN(
                options.stateCosts,
                measurePolicyStateCosts(engine, calibration, options.quantGroup, ids, costOptions));
            context.log(QCoreApplication::translate(
                            "Jobs", "State costs (full precision = 4): skip %1, INT4 %2, INT8 %3")
                            .arg(QString::number(options.stateCosts[0], 'f', 3),
                                 QString::number(options.stateCosts[1], 'f', 3),
                                 QString::number(options.stateCosts[2], 'f', 3)));
        }
        if (!m_s.checkpointPath.isEmpty() && QFileInfo::exists(m_s.checkpointPath))
            context.log(QCoreApplication::translate("Jobs", "Resuming from the checkpoint %1")
                            .arg(m_s.checkpointPath));
        context.phase(QCoreApplication::translate("Jobs", "Training"));
        const int64_t logEvery = std::max<int64_t>(1, m_s.steps / 50);
        std::string preparing; // the phase before training proper, once announced
        auto policy = trainDashPolicy(
            engine, calibration, ids, options, dataSha, [&](const TrainProgress& p) {
                if (p.phase == "oracle" || p.phase == "static search" || p.phase == "forecast") {
                    if (p.phase != preparing) {
                        preparing = p.phase;
                        context.phase(preparationPhase(p.phase));
                    }
                    if (p.steps > 0)
                        context.progress(p.step, p.steps);
                    return;
                }
                if (!preparing.empty()) {
                    preparing.clear();
                    context.phase(QCoreApplication::translate("Jobs", "Training"));
                }
                if (p.phase == "imitate" && p.step == 1)
                    context.log(QCoreApplication::translate("Jobs", "Imitating %1 for %2 steps")
                                    .arg(imitationTargetText(m_s.imitationTarget),
                                         QString::number(m_s.imitationSteps)));
                if (p.phase == "tune") {
                    context.phase(QCoreApplication::translate(
                        "Jobs", "Tuning the cost bias on held-out text"));
                    context.log(QCoreApplication::translate(
                                    "Jobs", "Tuning the cost bias to %1× on held-out text")
                                    .arg(QString::number(m_s.targetRatio, 'f', 2)));
                    return;
                }
                context.progress(p.step, p.steps);
                if (p.step % logEvery != 0 && p.step != p.steps)
                    return;
                const QString step = QString::number(p.step), steps = QString::number(p.steps),
                              tau = QString::number(p.temperature, 'f', 3),
                              weight = QString::number(p.beta, 'f', 3),
                              ratio = QString::number(p.sampledRatio, 'f', 3),
                              loss = QString::number(p.deltaNll, 'f', 4);
                // REINFORCE logs β, its reward and ΔNLL; the relaxed trainer λ and
                // the KL, and while it imitates the labels' mean log p.
                const QString reward = QString::number(p.reward, 'f', 4);
                if (m_s.trainer == TrainerKind::Reinforce)
                    context.log(QCoreApplication::translate(
                                    "Jobs", "step %1/%2  τ %3  β %4  reward %5  ratio %6×  ΔNLL %7")
                                    .arg(step, steps, tau, weight, reward, ratio, loss));
                else if (p.phase == "imitate")
                    context.log(QCoreApplication::translate(
                                    "Jobs", "step %1/%2  imitating  log p %3  ratio %4×")
                                    .arg(step, steps, reward, ratio));
                else
                    context.log(QCoreApplication::translate(
                                    "Jobs", "step %1/%2  Gumbel τ %3  λ %4  ratio %5×  KL %6")
                                    .arg(step, steps, tau, weight, ratio, loss));
            });
        if (!policy.ok()) {
            if (policy.error().code() == ErrorCode::Cancelled && !m_s.checkpointPath.isEmpty())
                context.log(QCoreApplication::translate(
                                "Jobs", "Cancelled; the checkpoint %1 resumes the training")
                                .arg(m_s.checkpointPath));
            return policy.error();
        }
        DASH_TRY(savePolicyFile(localPath(m_s.outPath), **policy, *model));
        const double heldOut = (*policy)->training()["held_out_ratio"].asNumber();
        context.log(QCoreApplication::translate("Jobs", "Wrote %1").arg(m_s.outPath));
        JobResult r;
        r.files << m_s.outPath;
        r.summary =
            QCoreApplication::translate(
                "Jobs", "Trained for %1×: held-out nominal ratio %2×, cost bias %3; saved %4")
                .arg(QString::number(m_s.targetRatio, 'f', 2), QString::number(heldOut, 'f', 3),
                     QString::number((*policy)->knob(), 'f', 4), fileName(m_s.outPath));
        r.columns = {QCoreApplication::translate("Jobs", "setting"),
                     QCoreApplication::translate("Jobs", "value")};
        const Json& t = (*policy)->training();
        r.rows.push_back({QCoreApplication::translate("Jobs", "target ratio"), m_s.targetRatio});
        r.rows.push_back({QCoreApplication::translate("Jobs", "held-out ratio"), heldOut});
        r.rows.push_back({QCoreApplication::translate("Jobs", "cost bias"), (*policy)->knob()});
        r.rows.push_back(
            {QCoreApplication::translate("Jobs", "trainer"), trainerText(m_s.trainer)});
        r.rows.push_back({QCoreApplication::translate("Jobs", "learning rate"),
                          QString::number(m_s.learningRate, 'g', 6)});
        r.rows.push_back({QCoreApplication::translate("Jobs", "steps"), m_s.steps});
        r.rows.push_back(
            {QCoreApplication::translate("Jobs", "imitation steps"), m_s.imitationSteps});
        if (m_s.imitationSteps > 0)
            r.rows.push_back({QCoreApplication::translate("Jobs", "imitated"),
                              imitationTargetText(m_s.imitationTarget)});
        if (m_s.trainer == TrainerKind::Relaxed) {
            r.rows.push_back({QCoreApplication::translate("Jobs", "λ (cost weight)"),
                              t["cost_weight"].asNumber()});
        } else {
            r.rows.push_back({QCoreApplication::translate("Jobs", "final reward"),
                              t["final_reward"].asNumber()});
            r.rows.push_back({QCoreApplication::translate("Jobs", "β"), t["beta"].asNumber()});
        }
        return r;
    }

private:
    TrainingJobSettings m_s;
};

class SweepJob : public Job {
public:
    explicit SweepJob(SweepJobSettings s) : m_s(std::move(s)) {}
    QString title() const override { return QCoreApplication::translate("Jobs", "Sweep"); }

    Expected<JobResult> run(JobContext& context) override {
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, loadModel(m_s.modelPath, context));
        Engine engine(model, engineOptions(m_s.threads));
        context.phase(QCoreApplication::translate("Jobs", "Sweeping"));
        DASH_ASSIGN_OR_RETURN(SweepResult sweep, runSweep(engine, m_s.sweep, observer(context)));

        JobResult r;
        const QByteArray json = QByteArray::fromStdString(sweepRowsJson(sweep.rows).dump(2));
        r.json = json; // for the dialog's figure and LaTeX table
        if (!m_s.jsonPath.isEmpty()) {
            QSaveFile file(m_s.jsonPath);
            if (!file.open(QIODevice::WriteOnly) || file.write(json) < 0 || !file.commit())
                return ioError("cannot write '" + localPath(m_s.jsonPath) +
                               "': " + file.errorString().toStdString());
            r.files << m_s.jsonPath;
            context.log(QCoreApplication::translate("Jobs", "Wrote %1").arg(m_s.jsonPath));
        }
        if (m_s.saveToStore) {
            DASH_ASSIGN_OR_RETURN(QString where, saveRows(sweep.rows, *model,
                                                          engine.backend().info().detail, context));
            r.files << where;
        }
        const int rowCount = static_cast<int>(sweep.rows.size());
        r.summary = QCoreApplication::translate("Jobs", "%n sweep row(s)", nullptr, rowCount);
        r.columns = {QCoreApplication::translate("Jobs", "method"),
                     QCoreApplication::translate("Jobs", "target ×"),
                     QCoreApplication::translate("Jobs", "nominal ×"),
                     QCoreApplication::translate("Jobs", "speedup ×"),
                     QCoreApplication::translate("Jobs", "A/A control ×"),
                     QCoreApplication::translate("Jobs", "ppl (all)"),
                     QCoreApplication::translate("Jobs", "ppl (2nd half)"),
                     QCoreApplication::translate("Jobs", "input-aware"),
                     QCoreApplication::translate("Jobs", "ppl reassigned")};
        // DASH rows: the majority deviation of their states and the
        // perplexity of the same per-layer counts assigned statically.
        for (const SweepRowResult& row : sweep.rows)
            r.rows.push_back(
                {QString::fromStdString(row.method), row.targetRatio, row.evaluation.nominalRatio,
                 row.speed.speedup.median, row.speed.control.median, row.evaluation.pplAll,
                 row.evaluation.pplSecondHalf,
                 row.awareness ? QVariant(row.awareness->majorityDeviation) : QVariant(),
                 row.reassigned ? QVariant(row.reassigned->pplAll) : QVariant()});
        return r;
    }

private:
    // The sweep's progress and rows as translated log lines.
    SweepObserver observer(JobContext& context) const {
        SweepObserver o;
        o.cancel = context.cancel();
        o.onProgress = [&context](int64_t done, int64_t total) { context.progress(done, total); };
        const QString testName = fileName(QFile::decodeName(m_s.sweep.testTextPath.c_str()));
        o.onRowStarted = [&context, testName](const SweepRowResult& row) {
            context.log(QCoreApplication::translate("Jobs", "%1 at %2×: evaluating on %3")
                            .arg(QString::fromStdString(row.method),
                                 QString::number(row.targetRatio, 'f', 2), testName));
        };
        o.onTuned = [&context](const SweepRowResult& row) {
            context.log(QCoreApplication::translate(
                            "Jobs", "%1 tuned: knob %2 gives %3× on held-out text (target %4×)")
                            .arg(QString::fromStdString(row.method),
                                 QString::number(row.tuning->knob, 'g', 6),
                                 QString::number(row.tuning->ratio, 'f', 4),
                                 QString::number(row.targetRatio, 'f', 2)));
        };
        o.onRowFinished = [&context](const SweepRowResult& row) {
            const Summary& control = row.speed.control;
            context.log(QCoreApplication::translate(
                            "Jobs", "  nominal %1×, measured %2×, perplexity %3 (second half %4)")
                            .arg(QString::number(row.evaluation.nominalRatio, 'f', 3),
                                 QString::number(row.speed.speedup.median, 'f', 2),
                                 QString::number(row.evaluation.pplAll, 'f', 3),
                                 QString::number(row.evaluation.pplSecondHalf, 'f', 3)));
            context.log(QCoreApplication::translate("Jobs", "  A/A control %1× (%2 to %3)")
                            .arg(QString::number(control.median, 'f', 3),
                                 QString::number(control.min, 'f', 3),
                                 QString::number(control.max, 'f', 3)));
            if (!controlWithinTolerance(control.median))
                context.log(QCoreApplication::translate(
                                "Jobs", "Warning: the A/A control is outside 1.00 ± %1: the "
                                        "measured speedup of this row is not trustworthy")
                                .arg(QString::number(kControlTolerance, 'f', 2)));
        };
        o.onSkipped = [&context](PolicyKind, SweepSkip why) {
            context.log(why == SweepSkip::NoDashFiles
                            ? QCoreApplication::translate(
                                  "Jobs", "No DASH policy file chosen: DASH rows skipped")
                            : QCoreApplication::translate(
                                  "Jobs", "No calibration chosen: static similarity rows skipped"));
        };
        return o;
    }

    // One store run per row, all in one label, metrics only (no cells).
    Expected<QString> saveRows(const std::vector<SweepRowResult>& rows, const Model& model,
                               const std::string& backendDetail, JobContext& context) {
        std::string path = localPath(m_s.databasePath);
        if (path.empty()) {
            DASH_ASSIGN_OR_RETURN(path, defaultDatabasePath());
        }
        DASH_ASSIGN_OR_RETURN(RunStore store, RunStore::open(path));
        const QString label =
            QCoreApplication::translate("Jobs", "sweep %1")
                .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
        const std::string modelSha = model.sha256();
        const QString testName = fileName(QFile::decodeName(m_s.sweep.testTextPath.c_str()));
        for (const SweepRowResult& row : rows) {
            RunRecord run;
            run.label = QStringLiteral("%1: %2 @ %3×")
                            .arg(label, QString::fromStdString(row.method),
                                 QString::number(row.targetRatio, 'f', 2))
                            .toStdString();
            run.model.path = model.path();
            run.model.sizeBytes = QFileInfo(QString::fromStdString(model.path())).size();
            run.model.sha256 = modelSha;
            run.model.architecture = model.config().architectureName;
            run.model.metadataJson = modelMetadataJson(model.file());
            run.policy.kind = row.method;
            Json parameters = row.parameters;
            parameters.set("target_ratio", row.targetRatio);
            run.policy.parametersJson = parameters.dump();
            run.policy.fileSha256 = row.policyFileSha256;
            run.policy.kvMode = m_s.sweep.kvMode;
            run.environment = runEnvironment("cpu", backendDetail);
            run.environment.buildId = std::string("dash-studio ") + DASH_VERSION;
            run.environment.threads = m_s.threads;
            run.promptText = QCoreApplication::translate("Jobs", "sweep over %1 (up to %2 tokens)")
                                 .arg(testName, QString::number(m_s.sweep.maxTokens))
                                 .toStdString();
            run.trace.layers = model.config().layers;
            run.metrics.perplexity = row.evaluation.pplAll;
            run.metrics.perplexitySecondHalf = row.evaluation.pplSecondHalf;
            run.metrics.nominalRatio = row.evaluation.nominalRatio;
            run.metrics.measuredSpeedup = row.speed.speedup.median;
            run.metrics.msPerToken =
                row.speed.policyTokensPerSecond > 0 ? 1000.0 / row.speed.policyTokensPerSecond : 0;
            DASH_TRY(store.save(run));
        }
        const int rowCount = static_cast<int>(rows.size());
        context.log(QCoreApplication::translate("Jobs", "Saved %n row(s) to the run store %1",
                                                nullptr, rowCount)
                        .arg(QString::fromStdString(path)));
        return QString::fromStdString(path);
    }

    SweepJobSettings m_s;
};

} // namespace

std::unique_ptr<Job> makeCalibrationJob(const CalibrationJobSettings& settings) {
    return std::make_unique<CalibrationJob>(settings);
}

std::unique_ptr<Job> makeTrainingJob(const TrainingJobSettings& settings) {
    return std::make_unique<TrainingJob>(settings);
}

std::unique_ptr<Job> makeSweepJob(const SweepJobSettings& settings) {
    return std::make_unique<SweepJob>(settings);
}

} // namespace dash::studio
