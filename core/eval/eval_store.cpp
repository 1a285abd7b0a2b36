// SPDX-License-Identifier: MIT
#include "core/eval/eval_store.h"

#include <cstdio>

namespace dash::eval {

namespace {

// The key in a label "... [<16 hex digits>]"; empty when it holds none.
std::string keyOfLabel(const std::string& label) {
    if (label.size() < 18 || label.back() != ']' || label[label.size() - 18] != '[')
        return {};
    const std::string key = label.substr(label.size() - 17, 16);
    if (key.find_first_not_of("0123456789abcdef") != std::string::npos)
        return {};
    return key;
}

constexpr const char kLabelPrefix[] = "eval ";

} // namespace

RunRecord cellRunRecord(const CellResult& cell, const std::string& modelSha256) {
    RunRecord run;
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", cell.targetRatio);
    run.label = std::string(kLabelPrefix) + taskName(cell.task) + " " + cell.method + " @ " +
                ratio + "x [" + cell.key + "]";
    if (const Json* model = cell.config.find("model"); model && model->isObject()) {
        if (const Json* file = model->find("file"); file && file->isString())
            run.model.path = file->asString();
        if (const Json* bytes = model->find("bytes"); bytes && bytes->isNumber())
            run.model.sizeBytes = bytes->asInt();
    }
    run.model.sha256 = modelSha256;
    run.policy.kind = cell.method;
    run.policy.parametersJson = cellToJson(cell).dump();
    if (const Json* kv = cell.config.find("kv_mode"); kv && kv->isString())
        if (auto mode = parseKvMode(kv->asString()); mode.ok())
            run.policy.kvMode = *mode;
    if (const Json* backend = cell.config.find("backend"); backend && backend->isString())
        run.environment.backend = backend->asString();
    if (const Json* threads = cell.config.find("threads"); threads && threads->isNumber())
        run.environment.threads = static_cast<int32_t>(threads->asInt());
    run.environment.deviceName = cell.device;
    run.promptText = std::string("evaluation cell: ") + taskName(cell.task) + ", " +
                     std::to_string(cell.items) + " items";
    if (cell.task == Task::WikiText2) {
        if (auto it = cell.metrics.find("ppl"); it != cell.metrics.end())
            run.metrics.perplexity = it->second;
        if (auto it = cell.metrics.find("ppl_second_half"); it != cell.metrics.end())
            run.metrics.perplexitySecondHalf = it->second;
    }
    if (cell.task == Task::Speed) {
        if (auto it = cell.metrics.find("speedup"); it != cell.metrics.end())
            run.metrics.measuredSpeedup = it->second;
        if (auto it = cell.metrics.find("policy_tok_per_s");
            it != cell.metrics.end() && it->second > 0)
            run.metrics.msPerToken = 1000.0 / it->second;
    }
    run.metrics.nominalRatio = cell.nominalRatio;
    return run;
}

Expected<CellResult> cellFromRun(const RunRecord& run) {
    auto json = Json::parse(run.policy.parametersJson);
    if (!json.ok())
        return invalidError("run " + std::to_string(run.id) +
                            ": its parameters are not JSON: " + json.error().message());
    auto cell = cellFromJson(*json);
    if (!cell.ok())
        return invalidError("run " + std::to_string(run.id) +
                            " holds no evaluation cell: " + cell.error().message());
    return cell;
}

Expected<EvalStore> EvalStore::open(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(RunStore store, RunStore::open(path));
    EvalStore out(std::move(store));
    RunFilter filter;
    filter.labelContains = kLabelPrefix;
    DASH_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, out.m_store.list(filter));
    for (const RunSummary& r : runs)
        if (r.label.rfind(kLabelPrefix, 0) == 0)
            if (std::string key = keyOfLabel(r.label); !key.empty())
                out.m_keys.insert(key);
    return out;
}

Expected<bool> EvalStore::save(const CellResult& cell, const std::string& modelSha256) {
    if (holds(cell.key))
        return false;
    auto id = m_store.save(cellRunRecord(cell, modelSha256));
    if (!id.ok())
        return id.error().withContext(m_store.path());
    m_keys.insert(cell.key);
    return true;
}

} // namespace dash::eval
