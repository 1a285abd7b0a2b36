// SPDX-License-Identifier: MIT
#include "core/store/run_store.h"

#include "core/store/run_json.h"
#include "core/util/input_file.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <memory>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>

namespace dash {

namespace {

// ---------------------------------------------------------------------------
// Schema.
//
// Per-cell data is stored as packed little-endian arrays, one blob per array
// in one run_cells row per run. bench_store measured this against a
// (run, token, layer) WITHOUT ROWID table keyed by the three, for the cells
// of a 1,000-token x 32-layer run (median of 15 saves and loads; range of
// that median over 9 bench runs on a busy 2-core VM, ext4, RelWithDebInfo,
// synchronous=FULL):
//   blob:  save 6.4-12 ms, load 0.48-0.72 ms, 1.19 MB per run
//   table: save 96-191 ms, load 25-48 ms,     2.20 MB per run
// Blobs load 40-60x faster, save over 10x faster and take about half the space.
// Blob layouts (all little-endian):
//   token_ids, prompt_ids, generated_ids  int32[n]
//   states                                uint8[tokens * layers]          [token][layer]
//   cos_in_out, cos_adjacent, norm_in,
//   norm_out, layer_time_ns               float32[tokens * layers]        [token][layer]
//   scores                                float32[tokens * layers * 4]    [token][layer][state]
//   passes   per pass: int32 first_token, int32 token_count, int64 total_ns,
//            int32 n, int64 layer_ns[n]
//   spans    per span: uint8 stream, int32 first_token, int32 token_count,
//            int32 layer, int64 start_ns, int64 end_ns
//
// Migrations run in order from the file's user_version; each is one
// transaction that also sets the new user_version. A new file runs them all.

// Version 1: the first schema. Timestamps were text, the model was described
// inline in each run, and the environment was the backend and device only.
constexpr const char* kMigrationTo1 = R"sql(
PRAGMA application_id = 1145131848;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    model_path TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    model_architecture TEXT NOT NULL,
    policy_kind TEXT NOT NULL,
    policy_parameters TEXT NOT NULL,
    backend TEXT NOT NULL,
    device_name TEXT NOT NULL,
    prompt_text TEXT NOT NULL,
    prompt_ids BLOB NOT NULL,
    generated_text TEXT NOT NULL,
    generated_ids BLOB NOT NULL,
    layer_count INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    perplexity REAL,
    nominal_ratio REAL NOT NULL,
    ms_per_token REAL NOT NULL
);
CREATE INDEX runs_by_created ON runs(created_at);
CREATE TABLE run_cells (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    token_ids BLOB NOT NULL,
    states BLOB NOT NULL,
    cos_in_out BLOB NOT NULL,
    cos_adjacent BLOB NOT NULL,
    norm_in BLOB NOT NULL,
    norm_out BLOB NOT NULL,
    layer_time_ns BLOB NOT NULL,
    scores BLOB NOT NULL,
    passes BLOB NOT NULL,
    spans BLOB NOT NULL
);
)sql";

// Version 2: models move to their own table (one row per distinct model, so
// "runs of this model" is an index lookup); timestamps become Unix
// milliseconds with an update time; policy file hash, KV mode, driver, CUDA,
// build and thread count, second-half perplexity, measured speedup and overlap
// are recorded; the trace keeps its clock origin. The runs table is rebuilt
// (create, copy, drop, rename) with foreign keys off, as SQLite prescribes.
constexpr const char* kMigrationTo2 = R"sql(
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    architecture TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX models_by_sha256 ON models(sha256, path);
INSERT INTO models (path, sha256, architecture)
    SELECT DISTINCT model_path, model_sha256, model_architecture FROM runs;
CREATE TABLE runs_v2 (
    id INTEGER PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    model_id INTEGER NOT NULL REFERENCES models(id),
    policy_kind TEXT NOT NULL,
    policy_parameters TEXT NOT NULL,
    policy_file_sha256 TEXT NOT NULL DEFAULT '',
    kv_mode TEXT NOT NULL DEFAULT 'project' CHECK (kv_mode IN ('project', 'mask')),
    backend TEXT NOT NULL,
    device_name TEXT NOT NULL,
    driver_version TEXT NOT NULL DEFAULT '',
    cuda_version TEXT NOT NULL DEFAULT '',
    build_id TEXT NOT NULL DEFAULT '',
    threads INTEGER NOT NULL DEFAULT 0,
    prompt_text TEXT NOT NULL,
    prompt_ids BLOB NOT NULL,
    generated_text TEXT NOT NULL,
    generated_ids BLOB NOT NULL,
    layer_count INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    perplexity REAL,
    perplexity_second_half REAL,
    nominal_ratio REAL NOT NULL,
    measured_speedup REAL,
    ms_per_token REAL NOT NULL,
    policy_overlap REAL NOT NULL DEFAULT 0
);
INSERT INTO runs_v2 (id, created_ms, updated_ms, label, notes, model_id, policy_kind,
                     policy_parameters, backend, device_name, prompt_text, prompt_ids,
                     generated_text, generated_ids, layer_count, token_count, perplexity,
                     nominal_ratio, ms_per_token)
    SELECT r.id,
           COALESCE(CAST(round((julianday(r.created_at) - 2440587.5) * 86400000.0) AS INTEGER), 0),
           0, r.label, r.notes, m.id, r.policy_kind, r.policy_parameters, r.backend,
           r.device_name, r.prompt_text, r.prompt_ids, r.generated_text, r.generated_ids,
           r.layer_count, r.token_count, r.perplexity, r.nominal_ratio, r.ms_per_token
    FROM runs r JOIN models m
        ON m.path = r.model_path AND m.sha256 = r.model_sha256
           AND m.architecture = r.model_architecture;
UPDATE runs_v2 SET updated_ms = created_ms;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE INDEX runs_by_created ON runs(created_ms);
CREATE INDEX runs_by_model ON runs(model_id);
CREATE INDEX runs_by_policy ON runs(policy_kind);
ALTER TABLE run_cells ADD COLUMN clock_origin_ns INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 3: a SHA-256 per run over its immutable data (the cell blobs, the
// prompt and generated ids, the shape and the clock origin; runChecksum()),
// so that a flipped bit that SQLite's own checks cannot see is found when the
// run is loaded. Runs of older files get theirs computed by the migration.
constexpr const char* kMigrationTo3 = R"sql(
ALTER TABLE run_cells ADD COLUMN checksum BLOB;
)sql";

// kMigrations[v - 1] takes user_version v - 1 to v.
constexpr const char* kMigrations[] = {kMigrationTo1, kMigrationTo2, kMigrationTo3};
static_assert(std::size(kMigrations) == kRunStoreSchemaVersion);

constexpr int kBusyTimeoutMs = 10000;

// ---------------------------------------------------------------------------
// Packed little-endian arrays.

template <class T>
using BitsOf = std::conditional_t<sizeof(T) == 1, uint8_t,
                                  std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>;

template <class T>
void storeLe(uint8_t* out, T value) {
    const auto bits = std::bit_cast<BitsOf<T>>(value);
    for (size_t i = 0; i < sizeof(T); ++i)
        out[i] = static_cast<uint8_t>(bits >> (8 * i));
}

template <class T>
T loadLe(const uint8_t* in) {
    BitsOf<T> bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        bits |= static_cast<BitsOf<T>>(static_cast<BitsOf<T>>(in[i]) << (8 * i));
    return std::bit_cast<T>(bits);
}

template <class T>
std::vector<uint8_t> packArray(const std::vector<T>& values) {
    std::vector<uint8_t> out(values.size() * sizeof(T));
    if constexpr (std::endian::native == std::endian::little) {
        if (!values.empty())
            std::memcpy(out.data(), values.data(), out.size());
    } else {
        for (size_t i = 0; i < values.size(); ++i)
            storeLe(out.data() + i * sizeof(T), values[i]);
    }
    return out;
}

template <class T>
Expected<std::vector<T>> unpackArray(std::span<const uint8_t> bytes, size_t count, int64_t runId,
                                     const char* column) {
    if (bytes.size() != count * sizeof(T))
        return invalidError("run " + std::to_string(runId) + ": column '" + column + "' holds " +
                            std::to_string(bytes.size()) + " bytes, expected " +
                            std::to_string(count * sizeof(T)) + " (" + std::to_string(count) +
                            " values of " + std::to_string(sizeof(T)) + " bytes)");
    std::vector<T> out(count);
    if constexpr (std::endian::native == std::endian::little) {
        if (count)
            std::memcpy(out.data(), bytes.data(), bytes.size());
    } else {
        for (size_t i = 0; i < count; ++i)
            out[i] = loadLe<T>(bytes.data() + i * sizeof(T));
    }
    return out;
}

class BlobWriter {
public:
    explicit BlobWriter(size_t reserve) { m_bytes.reserve(reserve); }
    template <class T>
    void put(T value) {
        const size_t at = m_bytes.size();
        m_bytes.resize(at + sizeof(T));
        storeLe(m_bytes.data() + at, value);
    }
    const std::vector<uint8_t>& bytes() const { return m_bytes; }

private:
    std::vector<uint8_t> m_bytes;
};

class BlobReader {
public:
    BlobReader(std::span<const uint8_t> bytes, int64_t runId, const char* column)
        : m_bytes(bytes), m_runId(runId), m_column(column) {}

    template <class T>
    Expected<T> get(const char* field) {
        if (m_bytes.size() - m_pos < sizeof(T))
            return invalidError("run " + std::to_string(m_runId) + ": column '" + m_column +
                                "' ends at byte " + std::to_string(m_bytes.size()) +
                                " in the middle of field '" + field + "' (offset " +
                                std::to_string(m_pos) + ")");
        T value = loadLe<T>(m_bytes.data() + m_pos);
        m_pos += sizeof(T);
        return value;
    }
    bool atEnd() const { return m_pos == m_bytes.size(); }
    size_t remaining() const { return m_bytes.size() - m_pos; }
    size_t offset() const { return m_pos; }

private:
    std::span<const uint8_t> m_bytes;
    size_t m_pos = 0;
    int64_t m_runId;
    const char* m_column;
};

std::vector<uint8_t> packPasses(const std::vector<PassTiming>& passes) {
    size_t size = 0;
    for (const PassTiming& p : passes)
        size += 20 + 8 * p.layerNs.size();
    BlobWriter w(size);
    for (const PassTiming& p : passes) {
        w.put(p.firstToken);
        w.put(p.tokenCount);
        w.put(p.totalNs);
        w.put(static_cast<int32_t>(p.layerNs.size()));
        for (int64_t ns : p.layerNs)
            w.put(ns);
    }
    return w.bytes();
}

Expected<std::vector<PassTiming>> unpackPasses(std::span<const uint8_t> bytes, int64_t runId) {
    BlobReader r(bytes, runId, "passes");
    std::vector<PassTiming> out;
    while (!r.atEnd()) {
        PassTiming p;
        DASH_ASSIGN_OR_RETURN(p.firstToken, r.get<int32_t>("first_token"));
        DASH_ASSIGN_OR_RETURN(p.tokenCount, r.get<int32_t>("token_count"));
        DASH_ASSIGN_OR_RETURN(p.totalNs, r.get<int64_t>("total_ns"));
        DASH_ASSIGN_OR_RETURN(int32_t layers, r.get<int32_t>("layer count"));
        if (layers < 0 || static_cast<size_t>(layers) > r.remaining() / sizeof(int64_t))
            return invalidError("run " + std::to_string(runId) + ": column 'passes' claims " +
                                std::to_string(layers) + " layer times at offset " +
                                std::to_string(r.offset()) + " with " +
                                std::to_string(r.remaining()) + " bytes left");
        p.layerNs.resize(static_cast<size_t>(layers));
        for (int64_t& ns : p.layerNs) {
            DASH_ASSIGN_OR_RETURN(ns, r.get<int64_t>("layer_ns"));
        }
        out.push_back(std::move(p));
    }
    return out;
}

constexpr size_t kSpanBytes = 29;

std::vector<uint8_t> packSpans(const std::vector<Span>& spans) {
    BlobWriter w(spans.size() * kSpanBytes);
    for (const Span& s : spans) {
        w.put(static_cast<uint8_t>(s.stream));
        w.put(s.firstToken);
        w.put(s.tokenCount);
        w.put(s.layer);
        w.put(s.startNs);
        w.put(s.endNs);
    }
    return w.bytes();
}

// Fixed-size records: the size is checked once, then read without per-field checks.
Expected<std::vector<Span>> unpackSpans(std::span<const uint8_t> bytes, int64_t runId) {
    if (bytes.size() % kSpanBytes != 0)
        return invalidError("run " + std::to_string(runId) + ": column 'spans' holds " +
                            std::to_string(bytes.size()) + " bytes, not a multiple of " +
                            std::to_string(kSpanBytes));
    std::vector<Span> out(bytes.size() / kSpanBytes);
    const uint8_t* p = bytes.data();
    for (size_t i = 0; i < out.size(); ++i, p += kSpanBytes) {
        Span& s = out[i];
        if (p[0] > static_cast<uint8_t>(StreamKind::Policy))
            return invalidError("run " + std::to_string(runId) + ": span " + std::to_string(i) +
                                " has unknown stream " + std::to_string(p[0]));
        s.stream = static_cast<StreamKind>(p[0]);
        s.firstToken = loadLe<int32_t>(p + 1);
        s.tokenCount = loadLe<int32_t>(p + 5);
        s.layer = loadLe<int32_t>(p + 9);
        s.startNs = loadLe<int64_t>(p + 13);
        s.endNs = loadLe<int64_t>(p + 21);
    }
    return out;
}

// ---------------------------------------------------------------------------
// Per-run checksum: SHA-256 over each blob (an 8-byte little-endian length,
// then its bytes) in the order prompt_ids, generated_ids, token_ids, states,
// cos_in_out, cos_adjacent, norm_in, norm_out, layer_time_ns, scores, passes,
// spans, then token_count, layer_count and clock_origin_ns as int64 LE.
// Labels and notes, which the user edits, are not covered.

constexpr int kChecksumBlobs = 12;

std::vector<uint8_t> runChecksum(const std::span<const uint8_t> (&blobs)[kChecksumBlobs],
                                 int64_t tokens, int64_t layers, int64_t clockOriginNs) {
    Sha256 hash;
    uint8_t word[8];
    for (const std::span<const uint8_t>& blob : blobs) {
        storeLe(word, static_cast<uint64_t>(blob.size()));
        hash.update(word, sizeof word);
        if (!blob.empty())
            hash.update(blob.data(), blob.size());
    }
    for (int64_t v : {tokens, layers, clockOriginNs}) {
        storeLe(word, v);
        hash.update(word, sizeof word);
    }
    const Sha256::Digest digest = hash.finish();
    return std::vector<uint8_t>(digest.begin(), digest.end());
}

// Fills the checksum of every run that has none (the migration to version 3).
Status fillMissingChecksums(sql::Database& db) {
    DASH_ASSIGN_OR_RETURN(
        sql::Statement q,
        db.prepare("SELECT c.run_id, r.prompt_ids, r.generated_ids, c.token_ids, c.states, "
                   "c.cos_in_out, c.cos_adjacent, c.norm_in, c.norm_out, c.layer_time_ns, "
                   "c.scores, c.passes, c.spans, r.token_count, r.layer_count, "
                   "c.clock_origin_ns FROM run_cells c JOIN runs r ON r.id = c.run_id "
                   "WHERE c.checksum IS NULL"));
    DASH_ASSIGN_OR_RETURN(sql::Statement update,
                          db.prepare("UPDATE run_cells SET checksum = ?1 WHERE run_id = ?2"));
    while (true) {
        DASH_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row)
            break;
        std::span<const uint8_t> blobs[kChecksumBlobs];
        for (int k = 0; k < kChecksumBlobs; ++k)
            blobs[k] = q.columnBlob(1 + k);
        const std::vector<uint8_t> sum =
            runChecksum(blobs, q.columnInt(13), q.columnInt(14), q.columnInt(15));
        DASH_TRY(update.bindBlob(1, sum));
        DASH_TRY(update.bind(2, q.columnInt(0)));
        DASH_TRY(update.run());
        update.reset();
    }
    return {};
}

// ---------------------------------------------------------------------------
// Validation of a run before it is written.

Status checkJsonText(const std::string& text, const char* field) {
    auto parsed = Json::parse(text);
    if (!parsed.ok())
        return parsed.error().withContext(std::string("run field '") + field +
                                          "' is not valid JSON");
    return {};
}

Status checkNotNan(double value, const char* field) {
    if (std::isnan(value))
        return invalidError(std::string("run field '") + field +
                            "' is NaN; leave an optional metric empty instead");
    return {};
}

Status checkNotNan(const std::optional<double>& value, const char* field) {
    return value ? checkNotNan(*value, field) : Status{};
}

Status validateRun(const RunRecord& run) {
    const Trace& t = run.trace;
    if (t.layers < 0)
        return invalidError("run trace has a negative layer count (" + std::to_string(t.layers) +
                            ")");
    if (!t.consistent())
        return invalidError("run trace arrays do not match its " + std::to_string(t.tokenCount()) +
                            " tokens x " + std::to_string(t.layers) + " layers (states " +
                            std::to_string(t.states.size()) + ", scores " +
                            std::to_string(t.scores.size()) + ")");
    for (size_t c = 0; c < t.states.size(); ++c)
        if (!isValidState(t.states[c]))
            return invalidError("run trace cell (token " + std::to_string(c / t.layers) +
                                ", layer " + std::to_string(c % t.layers) + ") has state " +
                                std::to_string(t.states[c]) + " (expected 0, 1, 2 or 4)");
    DASH_TRY(checkJsonText(run.model.metadataJson, "model.metadata_json"));
    DASH_TRY(checkJsonText(run.policy.parametersJson, "policy.parameters_json"));
    DASH_TRY(checkNotNan(run.metrics.perplexity, "metrics.perplexity"));
    DASH_TRY(checkNotNan(run.metrics.perplexitySecondHalf, "metrics.perplexity_second_half"));
    DASH_TRY(checkNotNan(run.metrics.nominalRatio, "metrics.nominal_ratio"));
    DASH_TRY(checkNotNan(run.metrics.measuredSpeedup, "metrics.measured_speedup"));
    DASH_TRY(checkNotNan(run.metrics.msPerToken, "metrics.ms_per_token"));
    DASH_TRY(checkNotNan(run.metrics.policyOverlap, "metrics.policy_overlap"));
    return {};
}

int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string runName(int64_t id) {
    return "run " + std::to_string(id);
}

Error noSuchRun(const std::string& path, int64_t id) {
    return notFoundError(path + ": no run with id " + std::to_string(id));
}

// LIKE pattern that matches `text` literally (with ESCAPE '\').
std::string likeLiteral(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------
// Comparison.

RunComparison compareRuns(const RunRecord& a, const RunRecord& b) {
    RunComparison c;
    c.runA = a.id;
    c.runB = b.id;
    const Trace& ta = a.trace;
    const Trace& tb = b.trace;
    c.tokensA = ta.tokenCount();
    c.tokensB = tb.tokenCount();
    c.layersA = ta.layers;
    c.layersB = tb.layers;
    c.tokens = std::min(c.tokensA, c.tokensB);
    c.layers = std::min(c.layersA, c.layersB);
    const size_t cells = static_cast<size_t>(c.tokens) * static_cast<size_t>(c.layers);
    c.stateDelta.resize(cells);
    c.cosInOutDelta.resize(cells);
    c.cosAdjacentDelta.resize(cells);
    c.layerTimeDeltaNs.resize(cells);
    c.tokenTimeDeltaNs.resize(static_cast<size_t>(c.tokens));
    for (int32_t i = 0; i < c.tokens; ++i) {
        if (ta.tokens[static_cast<size_t>(i)] == tb.tokens[static_cast<size_t>(i)])
            ++c.sameTokenIds;
        c.tokenTimeDeltaNs[static_cast<size_t>(i)] = tb.tokenTimeNs(i) - ta.tokenTimeNs(i);
        for (int32_t l = 0; l < c.layers; ++l) {
            const size_t out =
                static_cast<size_t>(i) * static_cast<size_t>(c.layers) + static_cast<size_t>(l);
            const size_t ca = ta.cell(i, l);
            const size_t cb = tb.cell(i, l);
            c.stateDelta[out] = static_cast<int8_t>(int{tb.states[cb]} - int{ta.states[ca]});
            if (ta.states[ca] != tb.states[cb])
                ++c.differingStates;
            c.cosInOutDelta[out] = tb.cosInOut[cb] - ta.cosInOut[ca];
            c.cosAdjacentDelta[out] = tb.cosAdjacent[cb] - ta.cosAdjacent[ca];
            c.layerTimeDeltaNs[out] = tb.layerTimeNs[cb] - ta.layerTimeNs[ca];
        }
    }
    auto delta = [](const std::optional<double>& x, const std::optional<double>& y) {
        return x && y ? std::optional<double>(*y - *x) : std::nullopt;
    };
    const RunMetrics& ma = a.metrics;
    const RunMetrics& mb = b.metrics;
    c.metrics.perplexity = delta(ma.perplexity, mb.perplexity);
    c.metrics.perplexitySecondHalf = delta(ma.perplexitySecondHalf, mb.perplexitySecondHalf);
    c.metrics.nominalRatio = mb.nominalRatio - ma.nominalRatio;
    c.metrics.measuredSpeedup = delta(ma.measuredSpeedup, mb.measuredSpeedup);
    c.metrics.msPerToken = mb.msPerToken - ma.msPerToken;
    c.metrics.policyOverlap = mb.policyOverlap - ma.policyOverlap;
    return c;
}

// ---------------------------------------------------------------------------
// Timestamps and paths.

std::string formatUtcTimestamp(int64_t ms) {
    const time_t seconds = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm parts {};
    if (!gmtime_r(&seconds, &parts))
        return std::to_string(ms) + " ms";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &parts);
    return buf;
}

Expected<int64_t> parseUtcTimestamp(std::string_view text) {
    auto bad = [&] {
        return invalidError("cannot read '" + std::string(text) +
                            "' as a UTC time (expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])");
    };
    std::string_view s = text;
    if (!s.empty() && (s.back() == 'Z' || s.back() == 'z'))
        s.remove_suffix(1);
    // Fields and the separator before each: date parts with '-', time with ':'.
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, milli = 0;
    auto number = [&](size_t at, size_t digits, int& out) {
        if (at + digits > s.size())
            return false;
        auto r = std::from_chars(s.data() + at, s.data() + at + digits, out);
        return r.ec == std::errc() && r.ptr == s.data() + at + digits;
    };
    if (s.size() < 10 || !number(0, 4, year) || s[4] != '-' || !number(5, 2, month) ||
        s[7] != '-' || !number(8, 2, day))
        return bad();
    if (s.size() > 10) {
        if ((s[10] != ' ' && s[10] != 'T') || s.size() < 16 || !number(11, 2, hour) ||
            s[13] != ':' || !number(14, 2, minute))
            return bad();
        if (s.size() > 16) {
            if (s[16] != ':' || !number(17, 2, second))
                return bad();
            if (s.size() > 19) {
                if (s[19] != '.' || s.size() != 23 || !number(20, 3, milli))
                    return bad();
            }
        }
    }
    struct tm parts {};
    parts.tm_year = year - 1900;
    parts.tm_mon = month - 1;
    parts.tm_mday = day;
    parts.tm_hour = hour;
    parts.tm_min = minute;
    parts.tm_sec = second;
    const time_t seconds = timegm(&parts);
    // timegm normalises out-of-range fields (Feb 30 -> Mar 1): refuse those.
    if (parts.tm_year != year - 1900 || parts.tm_mon != month - 1 || parts.tm_mday != day ||
        parts.tm_hour != hour || parts.tm_min != minute || parts.tm_sec != second)
        return bad();
    return static_cast<int64_t>(seconds) * 1000 + milli;
}

Expected<std::string> defaultDatabasePath() {
    const char* xdg = std::getenv("XDG_DATA_HOME");
    std::string base;
    if (xdg && xdg[0] == '/') {
        base = xdg;
    } else {
        const char* home = std::getenv("HOME");
        if (home && home[0] != '\0') {
            base = home;
        } else if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) {
            base = pw->pw_dir;
        } else {
            return notFoundError("no data directory: XDG_DATA_HOME and HOME are unset and the "
                                 "user has no home directory; pass a database path");
        }
        base += "/.local/share";
    }
    return base + "/dash-studio/runs.sqlite";
}

// ---------------------------------------------------------------------------
// The store.

Expected<RunStore> RunStore::open(const std::string& path, OpenMode mode) {
    namespace fs = std::filesystem;
    const bool writable = mode == OpenMode::ReadWrite;
    std::error_code ec;
    // Only a regular file (or a link to one) can be a run database. SQLite
    // would happily "open" /dev/null and then create /dev/null-journal
    // beside it; a FIFO would block.
    if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        return invalidError("'" + path + "' is " + fileTypeName(st.st_mode) +
                            ", not a run database");
    const std::string folder = [&] {
        const std::string dir = fs::path(path).parent_path().string();
        return dir.empty() ? std::string(".") : dir;
    }();
    sql::Database::Mode dbMode =
        writable ? sql::Database::Mode::ReadWriteCreate : sql::Database::Mode::ReadOnly;
    if (!writable && ::access(folder.c_str(), W_OK) != 0 && !fs::exists(path + "-shm", ec)) {
        // SQLite needs a -shm file beside a WAL database even to read it. In
        // a folder this process may not write, read the file as immutable:
        // exact as long as it holds everything, i.e. no -wal file has changes
        // that are not in it yet.
        if (fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) > 0 && !ec)
            return ioError(path +
                           ": cannot read the run database: its -wal file holds changes "
                           "that SQLite can only read with a -shm file, and the folder '" +
                           folder + "' is not writable");
        dbMode = sql::Database::Mode::Immutable;
    }
    if (writable && !fs::exists(path, ec)) {
        const fs::path dir = fs::path(path).parent_path();
        if (!dir.empty() && !fs::exists(dir, ec) && !fs::create_directories(dir, ec) && ec)
            return ioError("cannot create the directory '" + dir.string() +
                           "' for the run database: " + ec.message());
        // Created here rather than by SQLite, whose report of a failure names
        // the last of several attempts rather than the cause. An empty file is
        // an empty database.
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            return ioError(path + ": cannot create the run database: " + std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
    }
    DASH_ASSIGN_OR_RETURN(sql::Database db, sql::Database::open(path, dbMode));
    if (writable && db.readOnly())
        return ioError(path + ": the run database is read-only here (no write permission on "
                              "the file); it can only be opened read-only");
    DASH_TRY(db.exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs)));

    // Everything up to the first write only reads, so a file that is refused
    // here is left exactly as it was.
    auto check = [&](std::string_view sql) -> Expected<int64_t> {
        auto v = db.queryInt(sql);
        if (!v.ok() && v.error().code() == ErrorCode::Invalid)
            return v.error().withContext("not a run database, or a damaged one");
        if (!v.ok()) {
            if (::access(folder.c_str(), W_OK) != 0)
                return v.error().withContext("cannot read the run database: its directory is "
                                             "not writable, and SQLite needs to create the "
                                             "-wal and -shm files there");
            return v.error().withContext("cannot read the run database");
        }
        return v;
    };
    DASH_ASSIGN_OR_RETURN(int64_t tables, check("SELECT count(*) FROM sqlite_master"));
    DASH_ASSIGN_OR_RETURN(int64_t applicationId, check("PRAGMA application_id"));
    DASH_ASSIGN_OR_RETURN(int64_t version, check("PRAGMA user_version"));
    if (applicationId != kRunStoreApplicationId && (applicationId != 0 || tables != 0)) {
        char id[16];
        std::snprintf(id, sizeof id, "0x%08x", static_cast<unsigned>(applicationId));
        return invalidError(path + ": a SQLite database of another application (application_id " +
                            id + ", " + std::to_string(tables) +
                            " schema objects), not a DASH Studio run database");
    }
    if (version > kRunStoreSchemaVersion)
        return unsupportedError(path + ": run database schema version " + std::to_string(version) +
                                " is newer than this build understands (" +
                                std::to_string(kRunStoreSchemaVersion) +
                                "); open it with a newer DASH Studio");
    if (!writable) {
        if (version < kRunStoreSchemaVersion)
            return unsupportedError(path + ": run database schema version " +
                                    std::to_string(version) + " needs an upgrade to " +
                                    std::to_string(kRunStoreSchemaVersion) +
                                    "; open it once with write access");
        return RunStore(std::move(db), mode);
    }

    DASH_ASSIGN_OR_RETURN(sql::Statement journal, db.prepare("PRAGMA journal_mode = WAL"));
    DASH_ASSIGN_OR_RETURN(bool row, journal.step());
    if (!row || journal.columnText(0) != "wal")
        return ioError(path + ": cannot switch the run database to WAL mode (journal mode '" +
                       (row ? journal.columnText(0) : std::string()) + "')");
    journal.reset();
    // FULL: a commit is on disk when save() returns, even across a power loss.
    DASH_TRY(db.exec("PRAGMA synchronous = FULL"));
    // Table rebuilds in migrations need foreign keys off (it cannot change
    // inside a transaction); the integrity of each step is checked instead.
    DASH_TRY(db.exec("PRAGMA foreign_keys = OFF"));
    for (int target = static_cast<int>(version) + 1; target <= kRunStoreSchemaVersion; ++target) {
        auto step = [&]() -> Status {
            DASH_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
            // Another process may have migrated while this one waited for the lock.
            DASH_ASSIGN_OR_RETURN(int64_t current, db.queryInt("PRAGMA user_version"));
            if (current >= target)
                return {};
            DASH_TRY(db.exec(kMigrations[target - 1]));
            if (target == 3)
                DASH_TRY(fillMissingChecksums(db));
            DASH_ASSIGN_OR_RETURN(sql::Statement fk, db.prepare("PRAGMA foreign_key_check"));
            DASH_ASSIGN_OR_RETURN(bool violation, fk.step());
            if (violation)
                return internalError(
                    path + ": migration to schema version " + std::to_string(target) +
                    " left a dangling reference in table '" + fk.columnText(0) + "'");
            DASH_TRY(db.exec("PRAGMA user_version = " + std::to_string(target)));
            return tx.commit();
        };
        Status migrated = step();
        if (!migrated.ok())
            return migrated.error().withContext("migrating the run database to schema version " +
                                                std::to_string(target));
    }
    DASH_TRY(db.exec("PRAGMA foreign_keys = ON"));
    return RunStore(std::move(db), mode);
}

Status RunStore::requireWritable(const char* what) const {
    if (m_mode == OpenMode::ReadOnly)
        return ioError(path() + ": cannot " + what + ": the run database was opened read-only");
    return {};
}

Expected<int64_t> RunStore::save(const RunRecord& run) {
    DASH_TRY(requireWritable("save a run"));
    DASH_TRY(validateRun(run));
    const Trace& t = run.trace;
    const int64_t now = nowMs();
    const int64_t created = run.createdMs != 0 ? run.createdMs : now;
    const int64_t updated = run.updatedMs != 0 ? run.updatedMs : created;

    auto write = [&]() -> Expected<int64_t> {
        DASH_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(m_db));

        DASH_ASSIGN_OR_RETURN(sql::Statement findModel,
                              m_db.prepare("SELECT id FROM models WHERE sha256 = ?1 AND path = ?2 "
                                           "AND size_bytes = ?3 AND architecture = ?4 AND "
                                           "metadata = ?5 LIMIT 1"));
        DASH_TRY(findModel.bindText(1, run.model.sha256));
        DASH_TRY(findModel.bindText(2, run.model.path));
        DASH_TRY(findModel.bind(3, run.model.sizeBytes));
        DASH_TRY(findModel.bindText(4, run.model.architecture));
        DASH_TRY(findModel.bindText(5, run.model.metadataJson));
        DASH_ASSIGN_OR_RETURN(bool haveModel, findModel.step());
        int64_t modelId = haveModel ? findModel.columnInt(0) : 0;
        if (!haveModel) {
            DASH_ASSIGN_OR_RETURN(
                sql::Statement insertModel,
                m_db.prepare("INSERT INTO models (path, size_bytes, sha256, "
                             "architecture, metadata) VALUES (?1, ?2, ?3, ?4, ?5)"));
            DASH_TRY(insertModel.bindText(1, run.model.path));
            DASH_TRY(insertModel.bind(2, run.model.sizeBytes));
            DASH_TRY(insertModel.bindText(3, run.model.sha256));
            DASH_TRY(insertModel.bindText(4, run.model.architecture));
            DASH_TRY(insertModel.bindText(5, run.model.metadataJson));
            DASH_TRY(insertModel.run());
            modelId = m_db.lastInsertId();
        }

        DASH_ASSIGN_OR_RETURN(
            sql::Statement insertRun,
            m_db.prepare("INSERT INTO runs (created_ms, updated_ms, label, notes, model_id, "
                         "policy_kind, policy_parameters, policy_file_sha256, kv_mode, backend, "
                         "device_name, driver_version, cuda_version, build_id, threads, "
                         "prompt_text, prompt_ids, generated_text, generated_ids, layer_count, "
                         "token_count, perplexity, perplexity_second_half, nominal_ratio, "
                         "measured_speedup, ms_per_token, policy_overlap) VALUES (?1, ?2, ?3, "
                         "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                         "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"));
        int i = 0;
        DASH_TRY(insertRun.bind(++i, created));
        DASH_TRY(insertRun.bind(++i, updated));
        DASH_TRY(insertRun.bindText(++i, run.label));
        DASH_TRY(insertRun.bindText(++i, run.notes));
        DASH_TRY(insertRun.bind(++i, modelId));
        DASH_TRY(insertRun.bindText(++i, run.policy.kind));
        DASH_TRY(insertRun.bindText(++i, run.policy.parametersJson));
        DASH_TRY(insertRun.bindText(++i, run.policy.fileSha256));
        DASH_TRY(insertRun.bindText(++i, kvModeName(run.policy.kvMode)));
        DASH_TRY(insertRun.bindText(++i, run.environment.backend));
        DASH_TRY(insertRun.bindText(++i, run.environment.deviceName));
        DASH_TRY(insertRun.bindText(++i, run.environment.driverVersion));
        DASH_TRY(insertRun.bindText(++i, run.environment.cudaVersion));
        DASH_TRY(insertRun.bindText(++i, run.environment.buildId));
        DASH_TRY(insertRun.bind(++i, int64_t{run.environment.threads}));
        DASH_TRY(insertRun.bindText(++i, run.promptText));
        DASH_TRY(insertRun.bindBlob(++i, packArray(run.promptIds)));
        DASH_TRY(insertRun.bindText(++i, run.generatedText));
        DASH_TRY(insertRun.bindBlob(++i, packArray(run.generatedIds)));
        DASH_TRY(insertRun.bind(++i, int64_t{t.layers}));
        DASH_TRY(insertRun.bind(++i, int64_t{t.tokenCount()}));
        DASH_TRY(insertRun.bind(++i, run.metrics.perplexity));
        DASH_TRY(insertRun.bind(++i, run.metrics.perplexitySecondHalf));
        DASH_TRY(insertRun.bind(++i, run.metrics.nominalRatio));
        DASH_TRY(insertRun.bind(++i, run.metrics.measuredSpeedup));
        DASH_TRY(insertRun.bind(++i, run.metrics.msPerToken));
        DASH_TRY(insertRun.bind(++i, run.metrics.policyOverlap));
        DASH_TRY(insertRun.run());
        const int64_t id = m_db.lastInsertId();

        DASH_ASSIGN_OR_RETURN(
            sql::Statement insertCells,
            m_db.prepare("INSERT INTO run_cells (run_id, token_ids, states, cos_in_out, "
                         "cos_adjacent, norm_in, norm_out, layer_time_ns, scores, passes, spans, "
                         "clock_origin_ns, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                         "?10, ?11, ?12, ?13)"));
        const std::vector<uint8_t> packed[kChecksumBlobs] = {
            packArray(run.promptIds), packArray(run.generatedIds),
            packArray(t.tokens),      t.states,
            packArray(t.cosInOut),    packArray(t.cosAdjacent),
            packArray(t.normIn),      packArray(t.normOut),
            packArray(t.layerTimeNs), packArray(t.scores),
            packPasses(t.passes),     packSpans(t.spans)};
        std::span<const uint8_t> blobs[kChecksumBlobs];
        for (int k = 0; k < kChecksumBlobs; ++k)
            blobs[k] = packed[k];
        i = 0;
        DASH_TRY(insertCells.bind(++i, id));
        for (int k = 2; k < kChecksumBlobs; ++k)
            DASH_TRY(insertCells.bindBlob(++i, blobs[k]));
        DASH_TRY(insertCells.bind(++i, t.clockOriginNs));
        DASH_TRY(insertCells.bindBlob(
            ++i, runChecksum(blobs, t.tokenCount(), t.layers, t.clockOriginNs)));
        DASH_TRY(insertCells.run());
        DASH_TRY(tx.commit());
        return id;
    };
    auto id = write();
    if (!id.ok())
        return id.error().withContext("saving a run");
    return id;
}

Expected<RunRecord> RunStore::load(int64_t id) {
    auto read = [&]() -> Expected<RunRecord> {
        // One read transaction: both rows come from the same snapshot.
        DASH_ASSIGN_OR_RETURN(sql::Transaction tx,
                              sql::Transaction::begin(m_db, sql::Transaction::Kind::Deferred));
        DASH_ASSIGN_OR_RETURN(
            sql::Statement q,
            m_db.prepare("SELECT r.created_ms, r.updated_ms, r.label, r.notes, m.path, "
                         "m.size_bytes, m.sha256, m.architecture, m.metadata, r.policy_kind, "
                         "r.policy_parameters, r.policy_file_sha256, r.kv_mode, r.backend, "
                         "r.device_name, r.driver_version, r.cuda_version, r.build_id, r.threads, "
                         "r.prompt_text, r.prompt_ids, r.generated_text, r.generated_ids, "
                         "r.layer_count, r.token_count, r.perplexity, r.perplexity_second_half, "
                         "r.nominal_ratio, r.measured_speedup, r.ms_per_token, r.policy_overlap "
                         "FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1"));
        DASH_TRY(q.bind(1, id));
        DASH_ASSIGN_OR_RETURN(bool found, q.step());
        if (!found)
            return noSuchRun(path(), id);
        RunRecord run;
        run.id = id;
        int c = 0;
        run.createdMs = q.columnInt(c++);
        run.updatedMs = q.columnInt(c++);
        run.label = q.columnText(c++);
        run.notes = q.columnText(c++);
        run.model.path = q.columnText(c++);
        run.model.sizeBytes = q.columnInt(c++);
        run.model.sha256 = q.columnText(c++);
        run.model.architecture = q.columnText(c++);
        run.model.metadataJson = q.columnText(c++);
        run.policy.kind = q.columnText(c++);
        run.policy.parametersJson = q.columnText(c++);
        run.policy.fileSha256 = q.columnText(c++);
        auto kvMode = parseKvMode(q.columnText(c++));
        if (!kvMode.ok())
            return kvMode.error().withContext(path() + ": " + runName(id));
        run.policy.kvMode = *kvMode;
        run.environment.backend = q.columnText(c++);
        run.environment.deviceName = q.columnText(c++);
        run.environment.driverVersion = q.columnText(c++);
        run.environment.cudaVersion = q.columnText(c++);
        run.environment.buildId = q.columnText(c++);
        run.environment.threads = static_cast<int32_t>(q.columnInt(c++));
        run.promptText = q.columnText(c++);
        const std::span<const uint8_t> promptBlob = q.columnBlob(c++);
        DASH_ASSIGN_OR_RETURN(run.promptIds, unpackArray<int32_t>(promptBlob, promptBlob.size() / 4,
                                                                  id, "prompt_ids"));
        run.generatedText = q.columnText(c++);
        const std::span<const uint8_t> generatedBlob = q.columnBlob(c++);
        DASH_ASSIGN_OR_RETURN(
            run.generatedIds,
            unpackArray<int32_t>(generatedBlob, generatedBlob.size() / 4, id, "generated_ids"));
        const int64_t layers = q.columnInt(c++);
        const int64_t tokens = q.columnInt(c++);
        run.metrics.perplexity = q.columnOptionalDouble(c++);
        run.metrics.perplexitySecondHalf = q.columnOptionalDouble(c++);
        run.metrics.nominalRatio = q.columnDouble(c++);
        run.metrics.measuredSpeedup = q.columnOptionalDouble(c++);
        run.metrics.msPerToken = q.columnDouble(c++);
        run.metrics.policyOverlap = q.columnDouble(c++);
        if (layers < 0 || tokens < 0 || layers > std::numeric_limits<int32_t>::max() ||
            tokens > std::numeric_limits<int32_t>::max())
            return invalidError(path() + ": " + runName(id) + " has " + std::to_string(tokens) +
                                " tokens x " + std::to_string(layers) + " layers");

        DASH_ASSIGN_OR_RETURN(
            sql::Statement cells,
            m_db.prepare("SELECT token_ids, states, cos_in_out, cos_adjacent, norm_in, norm_out, "
                         "layer_time_ns, scores, passes, spans, clock_origin_ns, checksum FROM "
                         "run_cells WHERE run_id = ?1"));
        DASH_TRY(cells.bind(1, id));
        DASH_ASSIGN_OR_RETURN(bool haveCells, cells.step());
        if (!haveCells)
            return invalidError(path() + ": " + runName(id) + " has no cell data");
        {
            std::span<const uint8_t> blobs[kChecksumBlobs] = {promptBlob, generatedBlob};
            for (int k = 2; k < kChecksumBlobs; ++k)
                blobs[k] = cells.columnBlob(k - 2);
            const std::vector<uint8_t> want =
                runChecksum(blobs, tokens, layers, cells.columnInt(10));
            const std::span<const uint8_t> stored = cells.columnBlob(11);
            if (!std::equal(want.begin(), want.end(), stored.begin(), stored.end()))
                return invalidError(path() + ": " + runName(id) +
                                    " is damaged: its data no longer matches the checksum saved "
                                    "with it");
        }
        Trace& t = run.trace;
        t.layers = static_cast<int32_t>(layers);
        const size_t n = static_cast<size_t>(tokens) * static_cast<size_t>(layers);
        c = 0;
        DASH_ASSIGN_OR_RETURN(t.tokens,
                              unpackArray<int32_t>(cells.columnBlob(c++),
                                                   static_cast<size_t>(tokens), id, "token_ids"));
        DASH_ASSIGN_OR_RETURN(t.states,
                              unpackArray<uint8_t>(cells.columnBlob(c++), n, id, "states"));
        for (size_t k = 0; k < n; ++k)
            if (!isValidState(t.states[k]))
                return invalidError(path() + ": " + runName(id) + ": cell " + std::to_string(k) +
                                    " has invalid state " + std::to_string(t.states[k]));
        DASH_ASSIGN_OR_RETURN(t.cosInOut,
                              unpackArray<float>(cells.columnBlob(c++), n, id, "cos_in_out"));
        DASH_ASSIGN_OR_RETURN(t.cosAdjacent,
                              unpackArray<float>(cells.columnBlob(c++), n, id, "cos_adjacent"));
        DASH_ASSIGN_OR_RETURN(t.normIn,
                              unpackArray<float>(cells.columnBlob(c++), n, id, "norm_in"));
        DASH_ASSIGN_OR_RETURN(t.normOut,
                              unpackArray<float>(cells.columnBlob(c++), n, id, "norm_out"));
        DASH_ASSIGN_OR_RETURN(t.layerTimeNs,
                              unpackArray<float>(cells.columnBlob(c++), n, id, "layer_time_ns"));
        DASH_ASSIGN_OR_RETURN(
            t.scores, unpackArray<float>(cells.columnBlob(c++), n * kStateCount, id, "scores"));
        DASH_ASSIGN_OR_RETURN(t.passes, unpackPasses(cells.columnBlob(c++), id));
        DASH_ASSIGN_OR_RETURN(t.spans, unpackSpans(cells.columnBlob(c++), id));
        t.clockOriginNs = cells.columnInt(c++);
        return run;
    };
    auto run = read();
    if (!run.ok())
        return run.error().withContext("loading run " + std::to_string(id));
    return run;
}

Expected<std::vector<RunSummary>> RunStore::list(const RunFilter& filter) {
    std::string sql =
        "SELECT r.id, r.created_ms, r.updated_ms, r.label, m.path, m.sha256, m.architecture, "
        "r.policy_kind, r.backend, r.device_name, r.token_count, r.layer_count, r.perplexity, "
        "r.nominal_ratio, r.measured_speedup, r.ms_per_token, r.prompt_text, r.policy_parameters "
        "FROM runs r JOIN models m ON "
        "m.id = r.model_id WHERE 1";
    // Parameters in the order the conditions are added.
    std::vector<std::variant<std::string, int64_t>> params;
    if (!filter.model.empty()) {
        const std::string literal = likeLiteral(filter.model);
        sql += " AND (m.path LIKE ? ESCAPE '\\' OR m.sha256 LIKE ? ESCAPE '\\')";
        params.emplace_back("%" + literal + "%");
        params.emplace_back(literal + "%");
    }
    if (!filter.policyKind.empty()) {
        sql += " AND r.policy_kind = ?";
        params.emplace_back(filter.policyKind);
    }
    if (filter.createdFromMs) {
        sql += " AND r.created_ms >= ?";
        params.emplace_back(*filter.createdFromMs);
    }
    if (filter.createdBeforeMs) {
        sql += " AND r.created_ms < ?";
        params.emplace_back(*filter.createdBeforeMs);
    }
    if (!filter.labelContains.empty()) {
        sql += " AND r.label LIKE ? ESCAPE '\\'";
        params.emplace_back("%" + likeLiteral(filter.labelContains) + "%");
    }
    sql += " ORDER BY r.created_ms DESC, r.id DESC";
    if (filter.limit > 0)
        sql += " LIMIT " + std::to_string(filter.limit);

    DASH_ASSIGN_OR_RETURN(sql::Statement q, m_db.prepare(sql));
    for (size_t p = 0; p < params.size(); ++p) {
        const int index = static_cast<int>(p) + 1;
        if (const auto* text = std::get_if<std::string>(&params[p])) {
            DASH_TRY(q.bindText(index, *text));
        } else {
            DASH_TRY(q.bind(index, std::get<int64_t>(params[p])));
        }
    }
    std::vector<RunSummary> out;
    while (true) {
        auto row = q.step();
        if (!row.ok())
            return row.error().withContext("listing runs");
        if (!*row)
            break;
        RunSummary s;
        int c = 0;
        s.id = q.columnInt(c++);
        s.createdMs = q.columnInt(c++);
        s.updatedMs = q.columnInt(c++);
        s.label = q.columnText(c++);
        s.modelPath = q.columnText(c++);
        s.modelSha256 = q.columnText(c++);
        s.modelArchitecture = q.columnText(c++);
        s.policyKind = q.columnText(c++);
        s.backend = q.columnText(c++);
        s.deviceName = q.columnText(c++);
        s.tokenCount = static_cast<int32_t>(q.columnInt(c++));
        s.layerCount = static_cast<int32_t>(q.columnInt(c++));
        s.perplexity = q.columnOptionalDouble(c++);
        s.nominalRatio = q.columnDouble(c++);
        s.measuredSpeedup = q.columnOptionalDouble(c++);
        s.msPerToken = q.columnDouble(c++);
        s.promptText = q.columnText(c++);
        s.policyParametersJson = q.columnText(c++);
        out.push_back(std::move(s));
    }
    return out;
}

Status RunStore::touch(int64_t id, const char* column, std::string_view value) {
    DASH_TRY(requireWritable("change a run"));
    DASH_ASSIGN_OR_RETURN(sql::Statement q, m_db.prepare(std::string("UPDATE runs SET ") + column +
                                                         " = ?1, updated_ms = ?2 WHERE id = ?3"));
    DASH_TRY(q.bindText(1, value));
    DASH_TRY(q.bind(2, nowMs()));
    DASH_TRY(q.bind(3, id));
    DASH_TRY(q.run());
    if (m_db.changes() == 0)
        return noSuchRun(path(), id);
    return {};
}

Status RunStore::setLabel(int64_t id, std::string_view label) {
    return touch(id, "label", label);
}

Status RunStore::setNotes(int64_t id, std::string_view notes) {
    return touch(id, "notes", notes);
}

Status RunStore::remove(int64_t id) {
    return remove(std::vector<int64_t>{id});
}

Status RunStore::remove(const std::vector<int64_t>& ids, bool* withoutJournal) {
    if (withoutJournal)
        *withoutJournal = false;
    DASH_TRY(requireWritable("delete a run"));
    auto removeAll = [&]() -> Status {
        DASH_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(m_db));
        for (int64_t id : ids) {
            DASH_ASSIGN_OR_RETURN(
                int64_t modelId,
                m_db.queryInt("SELECT coalesce((SELECT model_id FROM runs WHERE id = " +
                              std::to_string(id) + "), -1)"));
            if (modelId < 0)
                return ids.size() == 1 ? noSuchRun(path(), id)
                                       : noSuchRun(path(), id).withContext("nothing deleted");
            // run_cells goes with it (ON DELETE CASCADE); so does a model no run uses.
            DASH_TRY(m_db.exec("DELETE FROM runs WHERE id = " + std::to_string(id)));
            DASH_TRY(m_db.exec("DELETE FROM models WHERE id = " + std::to_string(modelId) +
                               " AND NOT EXISTS (SELECT 1 FROM runs WHERE model_id = " +
                               std::to_string(modelId) + ")"));
        }
        return tx.commit();
    };
    Status removed = removeAll();
    const auto diskFull = [](const Status& st) {
        const std::string& m = st.error().message();
        return st.error().code() == ErrorCode::Io &&
               (m.find("full") != std::string::npos ||
                m.find("File too large") != std::string::npos ||
                m.find("No space") != std::string::npos ||
                m.find("Disk quota") != std::string::npos);
    };
    if (removed.ok() || !diskFull(removed))
        return removed;
    // A full disk: the WAL cannot grow to hold the change. First move what it
    // holds into the database and truncate it, which gives it room when it
    // was large, and retry.
    if (m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok()) {
        if (Status retried = removeAll(); retried.ok())
            return retried;
    }
    // Still full: SQLite can then only change the file in place, with its
    // rollback journal in memory. That needs no disk space (deleting only
    // marks pages free), but a crash during this one transaction can damage
    // the file, and it needs the file to itself (no other connection open).
    // Deleted pages stay in the file for later runs: it does not shrink.
    auto journal = m_db.prepare("PRAGMA journal_mode = MEMORY");
    if (!journal.ok())
        return removed;
    auto mode = journal->step();
    if (!mode.ok() || !*mode || journal->columnText(0) != "memory")
        return removed.error().withContext(
            "the disk is full and another connection holds the run database");
    journal->reset();
    Status inPlace = removeAll();
    // Back to WAL for whatever this connection does next (creating the empty
    // log needs no space); a failure here leaves the deletion done.
    const Status wal = m_db.exec("PRAGMA journal_mode = WAL");
    (void)wal;
    if (!inPlace.ok())
        return inPlace;
    if (withoutJournal)
        *withoutJournal = true;
    return inPlace;
}

Expected<std::vector<RunStore::Damage>> RunStore::verify() {
    DASH_ASSIGN_OR_RETURN(sql::Statement q, m_db.prepare("SELECT id FROM runs ORDER BY id"));
    std::vector<int64_t> ids;
    while (true) {
        DASH_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row)
            break;
        ids.push_back(q.columnInt(0));
    }
    std::vector<Damage> damaged;
    for (int64_t id : ids) {
        auto run = load(id);
        if (!run.ok() && run.error().code() == ErrorCode::Invalid)
            damaged.push_back({id, run.error().message()});
        else if (!run.ok())
            return run.error();
    }
    return damaged;
}

Expected<RunComparison> RunStore::compare(int64_t a, int64_t b) {
    DASH_ASSIGN_OR_RETURN(RunRecord runA, load(a));
    DASH_ASSIGN_OR_RETURN(RunRecord runB, load(b));
    return compareRuns(runA, runB);
}

Status RunStore::exportJson(int64_t id, const std::string& file) {
    DASH_ASSIGN_OR_RETURN(RunRecord run, load(id));
    return writeOutputFile(file, runToJson(run).dump(1) + "\n");
}

Status RunStore::exportCsv(int64_t id, const std::string& file) {
    DASH_ASSIGN_OR_RETURN(RunRecord run, load(id));
    return writeOutputFile(file, runToCsv(run));
}

Expected<int64_t> RunStore::importJson(const std::string& file) {
    DASH_TRY(requireWritable("import a run"));
    DASH_ASSIGN_OR_RETURN(Json json, readJsonFile(file));
    auto run = runFromJson(json);
    if (!run.ok())
        return run.error().withContext(file);
    return save(*run);
}

Expected<std::string> RunStore::integrityCheck() {
    DASH_ASSIGN_OR_RETURN(sql::Statement q, m_db.prepare("PRAGMA integrity_check"));
    std::string report;
    while (true) {
        DASH_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row)
            break;
        if (!report.empty())
            report += '\n';
        report += q.columnText(0);
    }
    return report;
}

} // namespace dash
