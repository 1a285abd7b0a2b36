// SPDX-License-Identifier: MIT
// The run store: every run saved to one SQLite file per user, so runs can be
// listed, compared side by side and exported.
//
// The file runs in WAL mode (readers never block the writer), with foreign keys
// on and the schema version in PRAGMA user_version; opening an older file
// migrates it forward in place, one transaction per version step. A file from a
// newer build, another application's database or a damaged file is refused
// before anything is written to it. Each save is one transaction with
// synchronous=FULL, so a crash at any point keeps every run saved before it.
// Each run carries a SHA-256 of its data, checked whenever it is loaded (and
// so exported): a damaged run is refused with the reason, the others load.
#pragma once

#include "core/store/run.h"
#include "core/store/sqlite_db.h"
#include "core/util/status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dash {

// Schema version this build writes (PRAGMA user_version).
constexpr int kRunStoreSchemaVersion = 3;
// PRAGMA application_id of a run store: "DASH" in ASCII.
constexpr int32_t kRunStoreApplicationId = 0x44415348;

// Every criterion is optional; the empty filter lists every run.
struct RunFilter {
    std::string model;                      // substring of the model path, or prefix of its SHA-256
    std::string policyKind;                 // exact policy kind
    std::optional<int64_t> createdFromMs;   // inclusive
    std::optional<int64_t> createdBeforeMs; // exclusive
    std::string labelContains;              // case-insensitive (ASCII) substring of the label
    int64_t limit = 0;                      // <= 0: no limit
};

// One line of the run list (no per-cell data).
struct RunSummary {
    int64_t id = 0;
    int64_t createdMs = 0;
    int64_t updatedMs = 0;
    std::string label;
    std::string modelPath;
    std::string modelSha256;
    std::string modelArchitecture;
    std::string policyKind;
    std::string backend;
    std::string deviceName;
    int32_t tokenCount = 0;
    int32_t layerCount = 0;
    std::optional<double> perplexity;
    double nominalRatio = 0;
    std::optional<double> measuredSpeedup;
    double msPerToken = 0;
    std::string promptText;
    std::string policyParametersJson; // a policy file's path is its "file" member
};

// b minus a for each metric; optional ones only when both runs have them.
struct RunMetricsDelta {
    std::optional<double> perplexity;
    std::optional<double> perplexitySecondHalf;
    double nominalRatio = 0;
    std::optional<double> measuredSpeedup;
    double msPerToken = 0;
    double policyOverlap = 0;
};

// Two runs aligned by token index up to the shorter run, and by layer up to the
// shallower model. Cell arrays are row-major [token][layer] over tokens x layers;
// every delta is b minus a (NaN where either side is NaN).
struct RunComparison {
    int64_t runA = 0;
    int64_t runB = 0;
    int32_t tokensA = 0, tokensB = 0;
    int32_t layersA = 0, layersB = 0;
    int32_t tokens = 0;          // aligned tokens: min(tokensA, tokensB)
    int32_t layers = 0;          // aligned layers: min(layersA, layersB)
    int32_t sameTokenIds = 0;    // aligned positions holding the same token id
    int64_t differingStates = 0; // aligned cells whose states differ

    std::vector<int8_t> stateDelta;       // state code b - a (the nominal cost change)
    std::vector<float> cosInOutDelta;     // Δ cos(x_i, y_i)
    std::vector<float> cosAdjacentDelta;  // Δ adjacent-layer similarity
    std::vector<float> layerTimeDeltaNs;  // Δ layer time
    std::vector<double> tokenTimeDeltaNs; // [token] Δ of the token's summed layer time
    RunMetricsDelta metrics;
};

RunComparison compareRuns(const RunRecord& a, const RunRecord& b);

// "2024-03-05 14:07:09" (UTC) from Unix milliseconds.
std::string formatUtcTimestamp(int64_t ms);
// Unix milliseconds from "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" (a 'T'
// may replace the space; a trailing 'Z' is allowed), read as UTC.
Expected<int64_t> parseUtcTimestamp(std::string_view text);

// $XDG_DATA_HOME/dash-studio/runs.sqlite, or ~/.local/share/dash-studio/runs.sqlite
// when XDG_DATA_HOME is unset or not absolute.
Expected<std::string> defaultDatabasePath();

class RunStore {
public:
    enum class OpenMode {
        ReadWrite, // creates the file (and its directory) when missing; migrates old schemas
        ReadOnly,  // the file must exist at the current schema; every change is refused
    };

    static Expected<RunStore> open(const std::string& path, OpenMode mode = OpenMode::ReadWrite);

    const std::string& path() const { return m_db.path(); }
    bool readOnly() const { return m_mode == OpenMode::ReadOnly; }

    // Saves `run` as a new run in one transaction and returns its id
    // (run.id is ignored). Zero timestamps become the current time.
    Expected<int64_t> save(const RunRecord& run);
    Expected<RunRecord> load(int64_t id);
    // Newest first.
    Expected<std::vector<RunSummary>> list(const RunFilter& filter = {});
    Status setLabel(int64_t id, std::string_view label);
    Status setNotes(int64_t id, std::string_view notes);
    Status remove(int64_t id);
    // Deletes every run of `ids` in one transaction: all of them, or none
    // when one is missing. On a full disk, where the write-ahead log cannot
    // grow, it retries after emptying the log, and then in place with the
    // rollback journal in memory (the only way SQLite can change a file on a
    // full disk; a crash during that transaction can damage the file), which
    // sets *withoutJournal. The file keeps its size: freed pages are reused.
    Status remove(const std::vector<int64_t>& ids, bool* withoutJournal = nullptr);
    Expected<RunComparison> compare(int64_t a, int64_t b);

    // runToJson() / runToCsv() of a run, written to `file` through a
    // temporary file so that a failed export leaves no partial file.
    Status exportJson(int64_t id, const std::string& file);
    Status exportCsv(int64_t id, const std::string& file);
    // Saves the run in a runToJson() file as a new run; returns its id.
    Expected<int64_t> importJson(const std::string& file);

    // PRAGMA integrity_check: "ok", or SQLite's list of problems.
    Expected<std::string> integrityCheck();

    // A run that cannot be loaded: damaged data (its checksum fails, a blob
    // has the wrong size, ...). Others still load.
    struct Damage {
        int64_t id = 0;
        std::string reason;
    };
    // Loads every run and reports the damaged ones.
    Expected<std::vector<Damage>> verify();

private:
    RunStore(sql::Database db, OpenMode mode) : m_db(std::move(db)), m_mode(mode) {}
    Status requireWritable(const char* what) const;
    Status touch(int64_t id, const char* column, std::string_view value);

    sql::Database m_db;
    OpenMode m_mode;
};

} // namespace dash
