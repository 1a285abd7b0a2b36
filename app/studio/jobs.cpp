// SPDX-License-Identifier: MIT
#include "app/studio/jobs.h"

#include "app/studio/policy_runtime.h"
#include "app/studio/run_record.h"
#include "core/dash/baselines.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"
#include "core/dash/training.h"
#include "core/model/model.h"
#include "core/store/run_store.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cmath>

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
                              readTextTokens(m_s.textPath, model->tokenizer(),
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
                              readTextTokens(m_s.textPath, model->tokenizer(), 0));
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
        auto policy = trainDashPolicy(
            engine, calibration, ids, options, dataSha, [&](const TrainProgress& p) {
                if (p.phase == "imitate" && p.step == 1)
                    context.log(QCoreApplication::translate(
                                    "Jobs", "Imitating static similarity skipping for %1 steps")
                                    .arg(QString::number(m_s.imitationSteps)));
                if (p.phase == "tune") {
                    context.phase(QCoreApplication::translate(
                        "Jobs", "Tuning the cost bias on held-out text"));
                    context.log(QCoreApplication::translate(
                                    "Jobs", "Tuning the cost bias to %1× on held-out text")
                                    .arg(QString::number(m_s.targetRatio, 'f', 2)));
                    return;
                }
                context.progress(p.step, p.steps);
                if (p.step % logEvery == 0 || p.step == p.steps)
                    context.log(QCoreApplication::translate(
                                    "Jobs", "step %1/%2  τ %3  β %4  reward %5  ratio %6×  ΔNLL %7")
                                    .arg(QString::number(p.step), QString::number(p.steps),
                                         QString::number(p.temperature, 'f', 3),
                                         QString::number(p.beta, 'f', 3),
                                         QString::number(p.reward, 'f', 4),
                                         QString::number(p.sampledRatio, 'f', 3),
                                         QString::number(p.deltaNll, 'f', 4)));
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
        r.rows.push_back({QCoreApplication::translate("Jobs", "steps"), m_s.steps});
        r.rows.push_back(
            {QCoreApplication::translate("Jobs", "imitation steps"), m_s.imitationSteps});
        r.rows.push_back(
            {QCoreApplication::translate("Jobs", "final reward"), t["final_reward"].asNumber()});
        r.rows.push_back({QCoreApplication::translate("Jobs", "β"), t["beta"].asNumber()});
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
        if (m_s.ratios.isEmpty())
            return invalidError("the sweep needs at least one ratio");
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, loadModel(m_s.modelPath, context));
        const Model& m = *model;
        Engine engine(model, engineOptions(m_s.threads));
        engine.setKvMode(m_s.kvMode);
        const int64_t context0 = std::min<int64_t>(m.config().contextLength, engine.maxContext());
        context.phase(QCoreApplication::translate("Jobs", "Reading the texts"));
        DASH_ASSIGN_OR_RETURN(std::vector<int32_t> test,
                              readTextTokens(m_s.testTextPath, m.tokenizer(), m_s.maxTokens));
        std::vector<int32_t> heldOut;
        if (!m_s.tuneTextPath.isEmpty()) {
            DASH_ASSIGN_OR_RETURN(heldOut, readTextTokens(m_s.tuneTextPath, m.tokenizer(),
                                                          m_s.tuneWindows * context0));
        }
        std::optional<Calibration> calibration;
        if (!m_s.calibrationPath.isEmpty()) {
            DASH_ASSIGN_OR_RETURN(calibration, loadCalibration(localPath(m_s.calibrationPath)));
        }
        // DASH files: each was trained for one ratio; a row takes the nearest.
        std::vector<std::pair<double, QString>> dashFiles;
        for (const QString& path : m_s.dashFiles) {
            DASH_ASSIGN_OR_RETURN(std::unique_ptr<Policy> p, loadPolicyFile(localPath(path), m));
            if (p->kind() != PolicyKind::Dash)
                return invalidError(localPath(path) + ": not a DASH policy");
            const Json& training = static_cast<DashPolicy&>(*p).training();
            dashFiles.emplace_back(
                training["target_ratio"].isNumber() ? training["target_ratio"].asNumber() : 2.0,
                path);
        }
        std::vector<PolicyKind> methods;
        for (const QString& name : m_s.methods) {
            DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(name.toStdString()));
            if (kind == PolicyKind::Dash && dashFiles.empty()) {
                context.log(QCoreApplication::translate(
                    "Jobs", "No DASH policy file chosen: DASH rows skipped"));
                continue;
            }
            if (kind == PolicyKind::StaticSimilarity && !calibration) {
                context.log(QCoreApplication::translate(
                    "Jobs", "No calibration chosen: static similarity rows skipped"));
                continue;
            }
            if (kind != PolicyKind::Full)
                methods.push_back(kind);
        }

        EvaluationOptions evaluation;
        evaluation.maxTokens = m_s.maxTokens;
        evaluation.cancel = context.cancel();
        SpeedOptions speed;
        speed.repeats = m_s.speedRepeats;
        speed.cancel = context.cancel();
        speed.promptTokens = std::max<int64_t>(1, context0 / 4);
        speed.decodeTokens = std::min<int64_t>(64, context0 - speed.promptTokens);
        TuneOptions tune;
        tune.windows = m_s.tuneWindows;
        tune.cancel = context.cancel();

        const auto total = static_cast<int64_t>(1 + methods.size() * m_s.ratios.size());
        constexpr int64_t kUnits = 100; // progress units per row
        int64_t row = 0;
        QList<SweepRow> rows;
        std::vector<std::string> fileShas;
        context.phase(QCoreApplication::translate("Jobs", "Sweeping"));
        auto evaluateRow = [&](Policy& policy, double target, std::string fileSha) -> Status {
            context.log(QCoreApplication::translate("Jobs", "%1 at %2×: evaluating on %3")
                            .arg(QString::fromStdString(policy.name()),
                                 QString::number(target, 'f', 2), fileName(m_s.testTextPath)));
            evaluation.onProgress = [&](int64_t done, int64_t windows) {
                context.progress(row * kUnits + done * 70 / std::max<int64_t>(1, windows),
                                 total * kUnits);
            };
            DASH_ASSIGN_OR_RETURN(EvaluationResult e,
                                  evaluatePolicy(policy, engine, test, evaluation));
            DASH_ASSIGN_OR_RETURN(SpeedResult s, measureDecodeSpeedup(policy, engine, test, speed));
            SweepRow r;
            r.method = QString::fromStdString(policy.name());
            r.targetRatio = target;
            r.nominalRatio = e.nominalRatio;
            r.measuredSpeedup = s.speedup;
            r.pplAll = e.pplAll;
            r.pplSecondHalf = e.pplSecondHalf;
            r.policyTokensPerSecond = s.policyTokensPerSecond;
            rows.push_back(r);
            m_parameters.push_back(policy.parameters());
            fileShas.push_back(std::move(fileSha));
            context.log(QCoreApplication::translate(
                            "Jobs", "  nominal %1×, measured %2×, perplexity %3 (second half %4)")
                            .arg(QString::number(r.nominalRatio, 'f', 3),
                                 QString::number(r.measuredSpeedup, 'f', 2),
                                 QString::number(r.pplAll, 'f', 3),
                                 QString::number(r.pplSecondHalf, 'f', 3)));
            ++row;
            context.progress(row * kUnits, total * kUnits);
            return {};
        };

        FullPrecisionPolicy full;
        DASH_TRY(evaluateRow(full, 1.0, {}));
        for (double ratio : m_s.ratios) {
            for (PolicyKind kind : methods) {
                std::unique_ptr<Policy> policy;
                std::string fileSha;
                if (kind == PolicyKind::Dash) {
                    const auto nearest = std::min_element(
                        dashFiles.begin(), dashFiles.end(), [&](const auto& a, const auto& b) {
                            return std::fabs(a.first - ratio) < std::fabs(b.first - ratio);
                        });
                    DASH_ASSIGN_OR_RETURN(policy, loadPolicyFile(localPath(nearest->second), m));
                    DASH_ASSIGN_OR_RETURN(fileSha, sha256File(localPath(nearest->second)));
                } else {
                    DASH_ASSIGN_OR_RETURN(
                        policy, makeBaseline(kind, m, calibration ? &*calibration : nullptr));
                }
                const bool fromText = !policy->predictedRatio(context0).has_value();
                if (fromText && heldOut.empty())
                    return invalidError("tuning '" + policy->name() +
                                        "' to a ratio needs held-out text");
                tune.target = ratio;
                DASH_ASSIGN_OR_RETURN(TuneResult tuned,
                                      tuneToRatio(*policy, engine, heldOut, tune));
                context.log(QCoreApplication::translate(
                                "Jobs", "%1 tuned: knob %2 gives %3× on held-out text (target %4×)")
                                .arg(QString::fromStdString(policy->name()),
                                     QString::number(tuned.knob, 'g', 6),
                                     QString::number(tuned.ratio, 'f', 4),
                                     QString::number(ratio, 'f', 2)));
                DASH_TRY(evaluateRow(*policy, ratio, fileSha));
            }
        }

        JobResult r;
        if (!m_s.jsonPath.isEmpty()) {
            QSaveFile file(m_s.jsonPath);
            if (!file.open(QIODevice::WriteOnly) || file.write(sweepRowsJson(rows)) < 0 ||
                !file.commit())
                return ioError("cannot write '" + localPath(m_s.jsonPath) +
                               "': " + file.errorString().toStdString());
            r.files << m_s.jsonPath;
            context.log(QCoreApplication::translate("Jobs", "Wrote %1").arg(m_s.jsonPath));
        }
        if (m_s.saveToStore) {
            DASH_ASSIGN_OR_RETURN(QString where, saveRows(rows, fileShas, m, context));
            r.files << where;
        }
        const int rowCount = static_cast<int>(rows.size());
        r.summary = QCoreApplication::translate("Jobs", "%n sweep row(s)", nullptr, rowCount);
        r.columns = {QCoreApplication::translate("Jobs", "method"),
                     QCoreApplication::translate("Jobs", "target ×"),
                     QCoreApplication::translate("Jobs", "nominal ×"),
                     QCoreApplication::translate("Jobs", "speedup ×"),
                     QCoreApplication::translate("Jobs", "ppl (all)"),
                     QCoreApplication::translate("Jobs", "ppl (2nd half)")};
        for (const SweepRow& s : rows)
            r.rows.push_back({s.method, s.targetRatio, s.nominalRatio, s.measuredSpeedup, s.pplAll,
                              s.pplSecondHalf});
        return r;
    }

private:
    // One store run per row, all in one label, metrics only (no cells).
    Expected<QString> saveRows(const QList<SweepRow>& rows,
                               const std::vector<std::string>& fileShas, const Model& model,
                               JobContext& context) {
        std::string path = localPath(m_s.databasePath);
        if (path.empty()) {
            DASH_ASSIGN_OR_RETURN(path, defaultDatabasePath());
        }
        DASH_ASSIGN_OR_RETURN(RunStore store, RunStore::open(path));
        const QString label =
            QCoreApplication::translate("Jobs", "sweep %1")
                .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
        const std::string modelSha = model.sha256();
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const SweepRow& s = rows[i];
            RunRecord run;
            run.label = QStringLiteral("%1: %2 @ %3×")
                            .arg(label, s.method, QString::number(s.targetRatio, 'f', 2))
                            .toStdString();
            run.model.path = model.path();
            run.model.sizeBytes = QFileInfo(QString::fromStdString(model.path())).size();
            run.model.sha256 = modelSha;
            run.model.architecture = model.config().architectureName;
            run.model.metadataJson = modelMetadataJson(model.file());
            run.policy.kind = s.method.toStdString();
            Json parameters = m_parameters[static_cast<size_t>(i)];
            parameters.set("target_ratio", s.targetRatio);
            run.policy.parametersJson = parameters.dump();
            run.policy.fileSha256 = fileShas[static_cast<size_t>(i)];
            run.policy.kvMode = m_s.kvMode;
            run.environment.backend = "cpu";
            run.environment.deviceName = cpuDeviceName();
            run.environment.buildId = std::string("dash-studio ") + DASH_VERSION;
            run.environment.threads = m_s.threads;
            run.promptText = QCoreApplication::translate("Jobs", "sweep over %1 (up to %2 tokens)")
                                 .arg(fileName(m_s.testTextPath), QString::number(m_s.maxTokens))
                                 .toStdString();
            run.trace.layers = model.config().layers;
            run.metrics.perplexity = s.pplAll;
            run.metrics.perplexitySecondHalf = s.pplSecondHalf;
            run.metrics.nominalRatio = s.nominalRatio;
            run.metrics.measuredSpeedup = s.measuredSpeedup;
            run.metrics.msPerToken =
                s.policyTokensPerSecond > 0 ? 1000.0 / s.policyTokensPerSecond : 0;
            DASH_TRY(store.save(run));
        }
        const int rowCount = static_cast<int>(rows.size());
        context.log(QCoreApplication::translate("Jobs", "Saved %n row(s) to the run store %1",
                                                nullptr, rowCount)
                        .arg(QString::fromStdString(path)));
        return QString::fromStdString(path);
    }

    SweepJobSettings m_s;
    std::vector<Json> m_parameters; // [row] parameters of the policy evaluated
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

QByteArray sweepRowsJson(const QList<SweepRow>& rows) {
    QJsonArray out;
    for (const SweepRow& r : rows)
        out.append(QJsonObject{{QStringLiteral("method"), r.method},
                               {QStringLiteral("target_ratio"), r.targetRatio},
                               {QStringLiteral("nominal_ratio"), r.nominalRatio},
                               {QStringLiteral("measured_speedup"), r.measuredSpeedup},
                               {QStringLiteral("ppl_all"), r.pplAll},
                               {QStringLiteral("ppl_second_half"), r.pplSecondHalf}});
    return QJsonDocument(out).toJson(QJsonDocument::Indented);
}

} // namespace dash::studio
