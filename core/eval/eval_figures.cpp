// SPDX-License-Identifier: MIT
#include "core/eval/eval_figures.h"

#include "core/dash/calibration.h"
#include "core/dash/policy_spec.h"
#include "core/engine/trace_json.h"
#include "core/eval/eval_ablation.h"
#include "core/util/output_file.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace dash::eval {

namespace fs = std::filesystem;

namespace {

// Runs `ids` as one prefill under `controller` (null: full precision) and
// returns its trace.
Expected<Trace> tracedPass(Engine& engine, const std::vector<int32_t>& ids, Policy* policy) {
    engine.reset();
    std::unique_ptr<LayerController> controller;
    if (policy) {
        DASH_TRY(policy->probe(engine, ids));
        controller = policy->makeController();
    }
    Trace trace;
    ForwardOptions fo;
    fo.trace = &trace;
    fo.controller = controller.get();
    auto logits = engine.forward(ids, fo);
    engine.reset();
    if (!logits.ok())
        return logits.error();
    return trace;
}

Status writeTrace(const std::string& path, const Trace& trace) {
    Json j = traceToJson(trace);
    j.set("prompt_tokens", static_cast<int64_t>(trace.tokenCount()));
    return writeOutputFile(path, j.dump() + "\n");
}

} // namespace

Expected<EvalCell> figureCell(const EvalPlan& plan, const FigureDataOptions& options) {
    EvalCell cell;
    cell.task = Task::WikiText2;
    if (!options.method.empty()) {
        bool found = false;
        for (const std::string& m : plan.methods)
            found = found || m == options.method || methodLabel(m) == options.method;
        if (!found || options.method == "full")
            return invalidError("figure method '" + options.method +
                                "' is not a skipping method of the evaluation");
        for (const std::string& m : plan.methods)
            if (m == options.method || methodLabel(m) == options.method)
                cell.method = m;
    } else {
        for (const std::string& m : plan.methods)
            if (cell.method.empty() && parseDashMethod(m))
                cell.method = m;
        for (const std::string& m : plan.methods)
            if (cell.method.empty() && m != "full")
                cell.method = m;
        if (cell.method.empty())
            return invalidError("the figures need a method other than full precision");
    }
    if (plan.ratios.empty())
        return invalidError("the figures need a ratio");
    cell.ratio = options.ratio > 0 ? options.ratio : plan.ratios.back();
    bool planned = false;
    for (double r : plan.ratios)
        planned = planned || std::lround(r * 100) == std::lround(cell.ratio * 100);
    if (!planned)
        return invalidError("the figure ratio " + std::to_string(cell.ratio) +
                            " is not a ratio of the evaluation");
    return cell;
}

Expected<std::vector<std::string>> writeFigureData(Engine& engine, const EvalPlan& plan,
                                                   const std::vector<CellResult>& cells,
                                                   const std::string& outDir,
                                                   const FigureDataOptions& options) {
    if (plan.files.wikitext.empty())
        return invalidError("the figures need the WikiText-2 file (--wikitext)");
    if (options.sampleTokens < 2)
        return invalidError("the figures' sample needs at least 2 tokens");
    DASH_ASSIGN_OR_RETURN(EvalCell fig4, figureCell(plan, options));
    const CellResult* tuned = nullptr;
    for (const CellResult& c : cells)
        if (c.method == methodLabel(fig4.method) &&
            std::lround(c.targetRatio * 100) == std::lround(fig4.ratio * 100))
            tuned = &c;
    if (!tuned) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.2f", fig4.ratio);
        return invalidError("the figures need a finished cell of " + methodLabel(fig4.method) +
                            " at " + ratio + "x (its tuned knob)");
    }

    const Model& model = engine.model();
    DASH_ASSIGN_OR_RETURN(WikiText wiki, readWikiText(plan.files.wikitext));
    std::vector<int32_t> ids = model.tokenizer().encode(wiki.text, true, false);
    const int64_t room = std::min<int64_t>(engine.maxContext(), model.config().contextLength);
    const auto n = static_cast<size_t>(std::min<int64_t>(options.sampleTokens, room));
    if (ids.size() < n)
        return invalidError(plan.files.wikitext + ": fewer than " + std::to_string(n) +
                            " tokens for the figures' sample");
    ids.resize(n);

    // Fig. 4's policy as the cell ran it: loaded, restricted to its variant,
    // at the cell's knob.
    PolicyRequest request;
    const auto dash = parseDashMethod(fig4.method);
    if (dash) {
        request.kind = "file";
        request.filePath = dash->file;
    } else {
        request.kind = fig4.method;
        request.calibrationPath = plan.calibrationPath;
    }
    PolicyBuildOptions build;
    std::optional<Calibration> calibration;
    if (request.kind == "static") {
        DASH_ASSIGN_OR_RETURN(calibration, loadCalibrationFor(plan.calibrationPath, model));
        build.calibration = &*calibration;
    }
    DASH_ASSIGN_OR_RETURN(BuiltPolicy built, loadPolicy(request, model, build));
    if (dash && dash->variant != DashVariant::AsTrained) {
        DASH_ASSIGN_OR_RETURN(built.policy, applyDashVariant(*built.policy, dash->variant));
    }
    built.policy->setKnob(tuned->knob);
    DASH_TRY(built.policy->prepare(engine));

    DASH_ASSIGN_OR_RETURN(Trace full, tracedPass(engine, ids, nullptr));
    DASH_ASSIGN_OR_RETURN(Trace skipped, tracedPass(engine, ids, built.policy.get()));

    const fs::path dir = fs::path(outDir) / "figures";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return ioError(dir.string() + ": cannot create the folder: " + ec.message());
    std::vector<std::string> written = {(dir / "fig1_similarity.trace.json").string(),
                                        (dir / "fig4_states.trace.json").string(),
                                        (dir / "fig4_state_similarity.csv").string()};
    DASH_TRY(writeTrace(written[0], full));
    DASH_TRY(writeTrace(written[1], skipped));
    std::string csv = "token,layer,state,cos_in_out_full\n";
    for (int32_t t = 0; t < skipped.tokenCount() && t < full.tokenCount(); ++t)
        for (int32_t l = 0; l < skipped.layers && l < full.layers; ++l) {
            const float cos = full.cosInOut[full.cell(t, l)];
            char line[96];
            std::snprintf(line, sizeof line, "%d,%d,%d,", t, l,
                          static_cast<int>(skipped.states[skipped.cell(t, l)]));
            csv += line;
            if (std::isfinite(cos)) {
                std::snprintf(line, sizeof line, "%.6f", static_cast<double>(cos));
                csv += line;
            }
            csv += "\n";
        }
    DASH_TRY(writeOutputFile(written[2], csv));
    return written;
}

} // namespace dash::eval
