// SPDX-License-Identifier: MIT
#include "core/dash/sweep.h"

#include "core/dash/dash_policy.h"
#include "core/dash/policy_file.h"
#include "core/dash/policy_spec.h"

#include <algorithm>
#include <cmath>

namespace dash {

namespace {

struct DashFile {
    std::string path;
    std::string fileName;
    std::string variant;
    double trainedRatio = 2.0; // training's target_ratio (2.0 when the file has none)
};

// One method of the sweep: a baseline, or DASH files of one variant.
struct Method {
    PolicyKind kind = PolicyKind::Full;
    std::string label;
    std::vector<const DashFile*> files; // DASH: the file trained nearest a ratio runs at it
};

std::string fileNameOf(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Expected<std::vector<DashFile>> readDashFiles(const std::vector<std::string>& paths,
                                              const Model& model) {
    std::vector<DashFile> files;
    for (const std::string& path : paths) {
        DASH_ASSIGN_OR_RETURN(std::unique_ptr<Policy> p, loadPolicyFile(path, model));
        if (p->kind() != PolicyKind::Dash)
            return invalidError(path + ": not a DASH policy (its kind is '" + p->name() + "')");
        const auto& dash = static_cast<const DashPolicy&>(*p);
        const Json* trained = dash.training().find("target_ratio");
        files.push_back({path, fileNameOf(path), dash.variantName(),
                         trained && trained->isNumber() ? trained->asNumber() : 2.0});
    }
    return files;
}

// DASH methods, one per variant in the order the files came, unless two files
// of a variant were trained for the same ratio (to two decimals): then one per
// file of that variant.
std::vector<Method> dashMethods(const std::vector<DashFile>& files) {
    std::vector<std::string> variants;
    for (const DashFile& f : files)
        if (std::find(variants.begin(), variants.end(), f.variant) == variants.end())
            variants.push_back(f.variant);
    std::vector<Method> methods;
    for (const std::string& variant : variants) {
        std::vector<const DashFile*> mine;
        for (const DashFile& f : files)
            if (f.variant == variant)
                mine.push_back(&f);
        bool ambiguous = false;
        for (size_t i = 0; i < mine.size(); ++i)
            for (size_t j = i + 1; j < mine.size(); ++j)
                ambiguous = ambiguous || std::lround(mine[i]->trainedRatio * 100) ==
                                             std::lround(mine[j]->trainedRatio * 100);
        if (!ambiguous) {
            methods.push_back({PolicyKind::Dash, variant, mine});
            continue;
        }
        for (const DashFile* f : mine)
            methods.push_back({PolicyKind::Dash, variant + " (" + f->fileName + ")", {f}});
    }
    return methods;
}

const DashFile* nearestFile(const Method& method, double ratio) {
    const DashFile* best = nullptr;
    for (const DashFile* f : method.files)
        if (!best || std::fabs(f->trainedRatio - ratio) < std::fabs(best->trainedRatio - ratio))
            best = f;
    return best;
}

} // namespace

Expected<SweepResult> runSweep(Engine& engine, const SweepOptions& options,
                               const SweepObserver& observer) {
    if (options.ratios.empty())
        return invalidError("the sweep needs at least one ratio");
    for (double r : options.ratios)
        if (!(r >= 1.0))
            return invalidError("sweep ratios must be >= 1, got " + std::to_string(r));
    if (options.tuneWindows < 1 || options.speedRounds < 1)
        return invalidError("the sweep needs at least one tuning window and one speed round");
    const Model& model = engine.model();
    engine.setKvMode(options.kvMode);
    const int64_t context = std::min<int64_t>(model.config().contextLength, engine.maxContext());

    SweepResult result;
    DASH_ASSIGN_OR_RETURN(
        std::vector<int32_t> test,
        readTextTokens(options.testTextPath, model.tokenizer(), options.maxTokens));
    std::vector<int32_t> heldOut;
    if (!options.tuneTextPath.empty()) {
        DASH_ASSIGN_OR_RETURN(heldOut, readTextTokens(options.tuneTextPath, model.tokenizer()));
    }
    result.testTokens = static_cast<int64_t>(test.size());
    result.heldOutTokens = static_cast<int64_t>(heldOut.size());
    std::optional<Calibration> calibration;
    if (!options.calibrationPath.empty()) {
        DASH_ASSIGN_OR_RETURN(calibration, loadCalibrationFor(options.calibrationPath, model));
    }
    DASH_ASSIGN_OR_RETURN(const std::vector<DashFile> dashFiles,
                          readDashFiles(options.dashFiles, model));

    std::vector<Method> methods;
    for (PolicyKind kind : options.methods) {
        if (kind == PolicyKind::Full)
            continue; // always the first row
        if (kind == PolicyKind::Dash) {
            if (dashFiles.empty() && observer.onSkipped)
                observer.onSkipped(kind, SweepSkip::NoDashFiles);
            for (Method& m : dashMethods(dashFiles))
                methods.push_back(std::move(m));
            continue;
        }
        if (kind == PolicyKind::StaticSimilarity && !calibration) {
            if (observer.onSkipped)
                observer.onSkipped(kind, SweepSkip::NoCalibration);
            continue;
        }
        methods.push_back({kind, policyKindName(kind), {}});
    }

    EvaluationOptions evaluation;
    evaluation.cancel = observer.cancel;
    SpeedOptions speed;
    speed.rounds = options.speedRounds;
    speed.cancel = observer.cancel;
    speed.promptTokens = std::max<int64_t>(1, context / 4);
    speed.decodeTokens = std::min<int64_t>(64, context - speed.promptTokens);
    PolicyBuildOptions build;
    build.cancel = observer.cancel;
    build.heldOut = heldOut.empty() ? nullptr : &heldOut;
    build.calibration = calibration ? &*calibration : nullptr;

    constexpr int64_t kUnits = 100; // progress units per row
    const auto total = static_cast<int64_t>(1 + methods.size() * options.ratios.size()) * kUnits;
    auto progress = [&](int64_t done) {
        if (observer.onProgress)
            observer.onProgress(done, total);
    };
    // One row: build (and tune) the policy, evaluate it, time it.
    auto runRow = [&](SweepRowResult row, const PolicyRequest& request) -> Status {
        const int64_t first = static_cast<int64_t>(result.rows.size()) * kUnits;
        if (observer.onRowStarted)
            observer.onRowStarted(row);
        DASH_ASSIGN_OR_RETURN(BuiltPolicy built, buildPolicy(request, engine, build));
        row.policyFileSha256 = built.fileSha256;
        row.tuning = built.tuning;
        if (row.tuning && observer.onTuned)
            observer.onTuned(row);
        evaluation.onProgress = [&](int64_t done, int64_t windows) {
            progress(first + done * 70 / std::max<int64_t>(1, windows));
        };
        if (row.kind == PolicyKind::Dash) {
            // The same evaluation, with the states recorded, measured and
            // replayed statically reassigned.
            DASH_ASSIGN_OR_RETURN(PolicyAwarenessReport report,
                                  analysePolicy(*built.policy, engine, test, evaluation));
            row.evaluation = report.policy;
            row.awareness = std::move(report.awareness);
            row.reassigned = report.reassigned;
        } else {
            DASH_ASSIGN_OR_RETURN(row.evaluation,
                                  evaluatePolicy(*built.policy, engine, test, evaluation));
        }
        DASH_ASSIGN_OR_RETURN(row.speed, measureDecodeSpeedup(*built.policy, engine, test, speed));
        row.parameters = built.policy->parameters();
        result.rows.push_back(std::move(row));
        if (observer.onRowFinished)
            observer.onRowFinished(result.rows.back());
        progress(first + kUnits);
        return {};
    };

    {
        SweepRowResult row;
        row.method = policyKindName(PolicyKind::Full);
        DASH_TRY(runRow(std::move(row), PolicyRequest{}));
    }
    for (double ratio : options.ratios) {
        for (const Method& method : methods) {
            SweepRowResult row;
            row.method = method.label;
            row.kind = method.kind;
            row.targetRatio = ratio;
            PolicyRequest request;
            request.targetRatio = ratio;
            request.tuneWindows = options.tuneWindows;
            if (method.kind == PolicyKind::Dash) {
                const DashFile* file = nearestFile(method, ratio);
                request.kind = "file";
                request.filePath = file->path;
                row.policyFile = file->path;
            } else {
                request.kind = policyKindName(method.kind);
            }
            DASH_TRY(runRow(std::move(row), request));
        }
    }
    std::vector<double> controls;
    for (const SweepRowResult& row : result.rows)
        controls.push_back(row.speed.control.median);
    result.control = summarize(std::move(controls));
    return result;
}

Json sweepRowsJson(const std::vector<SweepRowResult>& rows) {
    Json out(Json::Array{});
    for (const SweepRowResult& r : rows) {
        Json j = Json::object();
        j.set("method", r.method);
        j.set("target_ratio", r.targetRatio);
        j.set("nominal_ratio", r.evaluation.nominalRatio);
        j.set("measured_speedup", r.speed.speedup.median);
        j.set("speedup_min", r.speed.speedup.min);
        j.set("speedup_max", r.speed.speedup.max);
        j.set("aa_control", r.speed.control.median);
        j.set("aa_control_min", r.speed.control.min);
        j.set("aa_control_max", r.speed.control.max);
        j.set("full_tok_per_s", r.speed.fullTokensPerSecond);
        j.set("policy_tok_per_s", r.speed.policyTokensPerSecond);
        j.set("speed_rounds", r.speed.rounds);
        j.set("ppl_all", r.evaluation.pplAll);
        j.set("ppl_second_half", r.evaluation.pplSecondHalf);
        j.set("scored_tokens", r.evaluation.scoredAll);
        if (r.tuning)
            j.set("held_out_ratio", r.tuning->ratio);
        if (!r.policyFile.empty())
            j.set("policy_file", fileNameOf(r.policyFile));
        if (r.awareness) {
            j.set("majority_deviation", r.awareness->majorityDeviation);
            j.set("mi_token_excess_bits", r.awareness->miTokenExcess);
            j.set("mi_position_excess_bits", r.awareness->miPositionExcess);
        }
        if (r.reassigned)
            j.set("reassigned_ppl_all", r.reassigned->pplAll);
        out.push(std::move(j));
    }
    return out;
}

bool isTimingField(const std::string& name) {
    static const char* const kTiming[] = {"measured_speedup", "speedup_min",     "speedup_max",
                                          "aa_control",       "aa_control_min",  "aa_control_max",
                                          "full_tok_per_s",   "policy_tok_per_s"};
    return std::find(std::begin(kTiming), std::end(kTiming), name) != std::end(kTiming);
}

} // namespace dash
