// SPDX-License-Identifier: MIT
// Evaluation cells in the run store (core/store), so that `dash-cli runs` and
// dash-studio's run list show them.
//
// The cell files (<out>/cells/<key>.json) stay the one source of truth: a
// run resumes from them, and shards merge from them. The store holds a copy
// of every finished cell, one run each:
//   label        "eval <task> <method> @ <ratio>x [<key>]"
//   policy.kind  the method label; policy.parametersJson the whole cell
//                (cellToJson: configuration, key, metrics, items, timings)
//   metrics      perplexity (WikiText-2), nominal ratio, measured speedup
//                (speed); the other metrics are in the parameters
//   model        the file name and size from the configuration, its SHA-256
//                when known; no prompt, output or trace
// A cell already in the store (a run whose label holds its key) is not saved
// again, so resuming or re-merging adds no duplicates.
#pragma once

#include "core/eval/eval_run.h"
#include "core/store/run_store.h"

#include <set>
#include <string>

namespace dash::eval {

// The store run of a cell. `modelSha256` may be empty (a merge does not read
// the model).
RunRecord cellRunRecord(const CellResult& cell, const std::string& modelSha256);
// The cell a store run holds (its parameters), checked like a cell file.
Expected<CellResult> cellFromRun(const RunRecord& run);

class EvalStore {
public:
    // Opens (creating) the store at `path` and reads the keys it holds.
    static Expected<EvalStore> open(const std::string& path);

    const std::string& path() const { return m_store.path(); }
    bool holds(const std::string& key) const { return m_keys.count(key) > 0; }
    // Saves the cell unless the store holds it; returns whether it saved.
    Expected<bool> save(const CellResult& cell, const std::string& modelSha256);

private:
    explicit EvalStore(RunStore store) : m_store(std::move(store)) {}
    RunStore m_store;
    std::set<std::string> m_keys;
};

} // namespace dash::eval
