// SPDX-License-Identifier: MIT
// Save and load time and database size of one run's per-cell data in two
// layouts, and of a whole run through RunStore:
//   blob   one row per run, one packed little-endian blob per cell array (the
//          layout RunStore uses)
//   table  one row per (run, token, layer) in a WITHOUT ROWID table keyed by
//          (run_id, token, layer), floats as their 32-bit patterns (REAL would
//          turn NaN into NULL)
// Both use the store's settings (WAL, synchronous=FULL) and check that every
// load reads back the saved bits. Saves, then loads, run in the alternating
// schedule of core/util/stats.h with the blob layout as the baseline and its
// A/A control (the same code again); --repeats rounds after a warm-up.
//
//   bench_store [--tokens 1000] [--layers 32] [--repeats 8] [--dir /tmp]
#include "bench/bench_harness.h"
#include "core/store/run_store.h"
#include "core/store/sqlite_db.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

using namespace dash;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

RunRecord makeRun(int32_t tokens, int32_t layers) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    RunRecord run;
    run.model = {"/models/bench.gguf", 123456789, std::string(64, 'a'), "llama", "{}"};
    run.policy.kind = "dash";
    run.environment.backend = "cpu";
    run.promptText = "bench";
    Trace& t = run.trace;
    t.layers = layers;
    std::vector<int32_t> ids(static_cast<size_t>(tokens));
    for (auto& id : ids)
        id = static_cast<int32_t>(rng() % 32000);
    t.appendTokens(ids);
    static const uint8_t kCodes[] = {0, 1, 2, 4};
    for (size_t c = 0; c < t.states.size(); ++c) {
        t.states[c] = kCodes[rng() % 4];
        t.cosInOut[c] = u(rng);
        t.cosAdjacent[c] = c % static_cast<size_t>(layers) == 0 ? kNoValue : u(rng);
        t.normIn[c] = 50 * u(rng);
        t.normOut[c] = 50 * u(rng);
        t.layerTimeNs[c] = 1e5f * u(rng);
        for (int k = 0; k < kStateCount; ++k)
            t.scores[c * kStateCount + static_cast<size_t>(k)] = u(rng);
    }
    for (int32_t i = 0; i < tokens; ++i) {
        PassTiming p{i, 1, 0, std::vector<int64_t>(static_cast<size_t>(layers), 1000)};
        t.passes.push_back(p);
        for (int32_t l = 0; l < layers; ++l)
            t.spans.push_back({StreamKind::Compute, i, 1, l, 1000 * l, 1000 * l + 900});
    }
    run.metrics.nominalRatio = t.nominalRatio();
    run.metrics.msPerToken = 3.5;
    return run;
}

template <class T>
bool sameBits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

bool sameCells(const Trace& a, const Trace& b) {
    return a.tokens == b.tokens && sameBits(a.states, b.states) &&
           sameBits(a.cosInOut, b.cosInOut) && sameBits(a.cosAdjacent, b.cosAdjacent) &&
           sameBits(a.normIn, b.normIn) && sameBits(a.normOut, b.normOut) &&
           sameBits(a.layerTimeNs, b.layerTimeNs) && sameBits(a.scores, b.scores);
}

// A layout: how to create its tables, save one run's cells, load them back.
struct Layout {
    const char* schema;
    std::function<Status(sql::Database&, int64_t, const Trace&)> save;
    std::function<Expected<Trace>(sql::Database&, int64_t, const Trace&)> load;
};

template <class T>
std::span<const uint8_t> bytes(const std::vector<T>& v) {
    // The bench runs on little-endian hosts, where this is the stored layout.
    return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)};
}

template <class T>
void fromBytes(std::span<const uint8_t> b, std::vector<T>& out) {
    out.resize(b.size() / sizeof(T));
    if (!b.empty())
        std::memcpy(out.data(), b.data(), b.size());
}

const Layout kBlob = {
    "CREATE TABLE cells (run_id INTEGER PRIMARY KEY, token_ids BLOB, states BLOB, cos_in_out "
    "BLOB, cos_adjacent BLOB, norm_in BLOB, norm_out BLOB, layer_time_ns BLOB, scores BLOB)",
    [](sql::Database& db, int64_t id, const Trace& t) -> Status {
        DASH_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
        DASH_ASSIGN_OR_RETURN(sql::Statement q,
                              db.prepare("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        DASH_TRY(q.bind(1, id));
        DASH_TRY(q.bindBlob(2, bytes(t.tokens)));
        DASH_TRY(q.bindBlob(3, bytes(t.states)));
        DASH_TRY(q.bindBlob(4, bytes(t.cosInOut)));
        DASH_TRY(q.bindBlob(5, bytes(t.cosAdjacent)));
        DASH_TRY(q.bindBlob(6, bytes(t.normIn)));
        DASH_TRY(q.bindBlob(7, bytes(t.normOut)));
        DASH_TRY(q.bindBlob(8, bytes(t.layerTimeNs)));
        DASH_TRY(q.bindBlob(9, bytes(t.scores)));
        DASH_TRY(q.run());
        return tx.commit();
    },
    [](sql::Database& db, int64_t id, const Trace& shape) -> Expected<Trace> {
        DASH_ASSIGN_OR_RETURN(sql::Statement q,
                              db.prepare("SELECT token_ids, states, cos_in_out, cos_adjacent, "
                                         "norm_in, norm_out, layer_time_ns, scores FROM cells "
                                         "WHERE run_id = ?"));
        DASH_TRY(q.bind(1, id));
        DASH_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row)
            return notFoundError("no cells");
        Trace t;
        t.layers = shape.layers;
        fromBytes(q.columnBlob(0), t.tokens);
        fromBytes(q.columnBlob(1), t.states);
        fromBytes(q.columnBlob(2), t.cosInOut);
        fromBytes(q.columnBlob(3), t.cosAdjacent);
        fromBytes(q.columnBlob(4), t.normIn);
        fromBytes(q.columnBlob(5), t.normOut);
        fromBytes(q.columnBlob(6), t.layerTimeNs);
        fromBytes(q.columnBlob(7), t.scores);
        return t;
    },
};

int64_t bitsOf(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
}

float floatOf(int64_t bits) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float v;
    std::memcpy(&v, &b, 4);
    return v;
}

const Layout kTable = {
    "CREATE TABLE cells (run_id INTEGER, token INTEGER, layer INTEGER, token_id INTEGER, state "
    "INTEGER, cos_in_out INTEGER, cos_adjacent INTEGER, norm_in INTEGER, norm_out INTEGER, "
    "layer_time_ns INTEGER, score_skip INTEGER, score_int4 INTEGER, score_int8 INTEGER, "
    "score_full INTEGER, PRIMARY KEY (run_id, token, layer)) WITHOUT ROWID",
    [](sql::Database& db, int64_t id, const Trace& t) -> Status {
        DASH_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
        DASH_ASSIGN_OR_RETURN(sql::Statement q,
                              db.prepare("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                         "?, ?, ?, ?)"));
        for (int32_t i = 0; i < t.tokenCount(); ++i) {
            for (int32_t l = 0; l < t.layers; ++l) {
                const size_t c = t.cell(i, l);
                int k = 0;
                DASH_TRY(q.bind(++k, id));
                DASH_TRY(q.bind(++k, int64_t{i}));
                DASH_TRY(q.bind(++k, int64_t{l}));
                DASH_TRY(q.bind(++k, int64_t{t.tokens[static_cast<size_t>(i)]}));
                DASH_TRY(q.bind(++k, int64_t{t.states[c]}));
                DASH_TRY(q.bind(++k, bitsOf(t.cosInOut[c])));
                DASH_TRY(q.bind(++k, bitsOf(t.cosAdjacent[c])));
                DASH_TRY(q.bind(++k, bitsOf(t.normIn[c])));
                DASH_TRY(q.bind(++k, bitsOf(t.normOut[c])));
                DASH_TRY(q.bind(++k, bitsOf(t.layerTimeNs[c])));
                for (int s = 0; s < kStateCount; ++s)
                    DASH_TRY(
                        q.bind(++k, bitsOf(t.scores[c * kStateCount + static_cast<size_t>(s)])));
                DASH_TRY(q.run());
                q.reset();
            }
        }
        return tx.commit();
    },
    [](sql::Database& db, int64_t id, const Trace& shape) -> Expected<Trace> {
        DASH_ASSIGN_OR_RETURN(sql::Statement q,
                              db.prepare("SELECT token, layer, token_id, state, cos_in_out, "
                                         "cos_adjacent, norm_in, norm_out, layer_time_ns, "
                                         "score_skip, score_int4, score_int8, score_full FROM "
                                         "cells WHERE run_id = ? ORDER BY token, layer"));
        DASH_TRY(q.bind(1, id));
        Trace t;
        t.layers = shape.layers;
        t.appendTokens(std::vector<int32_t>(shape.tokens.size()));
        while (true) {
            DASH_ASSIGN_OR_RETURN(bool row, q.step());
            if (!row)
                break;
            const int32_t i = static_cast<int32_t>(q.columnInt(0));
            const int32_t l = static_cast<int32_t>(q.columnInt(1));
            if (i < 0 || i >= t.tokenCount() || l < 0 || l >= t.layers)
                return invalidError("cell out of range");
            const size_t c = t.cell(i, l);
            t.tokens[static_cast<size_t>(i)] = static_cast<int32_t>(q.columnInt(2));
            t.states[c] = static_cast<uint8_t>(q.columnInt(3));
            t.cosInOut[c] = floatOf(q.columnInt(4));
            t.cosAdjacent[c] = floatOf(q.columnInt(5));
            t.normIn[c] = floatOf(q.columnInt(6));
            t.normOut[c] = floatOf(q.columnInt(7));
            t.layerTimeNs[c] = floatOf(q.columnInt(8));
            for (int s = 0; s < kStateCount; ++s)
                t.scores[c * kStateCount + static_cast<size_t>(s)] = floatOf(q.columnInt(9 + s));
        }
        return t;
    },
};

// One way of storing a run: save() stores the next copy, load() reads the
// saved copies in turn and checks their bits; both return seconds.
class Subject {
public:
    virtual ~Subject() = default;
    virtual Expected<double> save() = 0;
    virtual Expected<double> load() = 0;
    // Database bytes over the runs saved.
    virtual Expected<double> bytesPerRun() = 0;
};

Expected<double> databaseBytes(sql::Database& db) {
    DASH_TRY(db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    DASH_ASSIGN_OR_RETURN(int64_t pages, db.queryInt("PRAGMA page_count"));
    DASH_ASSIGN_OR_RETURN(int64_t pageSize, db.queryInt("PRAGMA page_size"));
    return static_cast<double>(pages * pageSize);
}

class LayoutSubject : public Subject {
public:
    LayoutSubject(const Layout& layout, sql::Database db, const Trace& trace)
        : m_layout(layout), m_db(std::move(db)), m_trace(trace) {}
    Expected<double> save() override {
        const auto start = std::chrono::steady_clock::now();
        DASH_TRY(m_layout.save(m_db, ++m_saved, m_trace));
        return secondsSince(start);
    }
    Expected<double> load() override {
        const int64_t id = 1 + m_loaded++ % std::max<int64_t>(1, m_saved);
        const auto start = std::chrono::steady_clock::now();
        DASH_ASSIGN_OR_RETURN(Trace loaded, m_layout.load(m_db, id, m_trace));
        const double s = secondsSince(start);
        if (!sameCells(loaded, m_trace))
            return internalError("a load did not read back the saved bits");
        return s;
    }
    Expected<double> bytesPerRun() override {
        DASH_ASSIGN_OR_RETURN(double bytes, databaseBytes(m_db));
        return bytes / static_cast<double>(m_saved);
    }

private:
    const Layout& m_layout;
    sql::Database m_db;
    const Trace& m_trace;
    int64_t m_saved = 0;
    int64_t m_loaded = 0;
};

class StoreSubject : public Subject {
public:
    StoreSubject(RunStore store, std::string path, const RunRecord& run)
        : m_store(std::move(store)), m_path(std::move(path)), m_run(run) {}
    Expected<double> save() override {
        const auto start = std::chrono::steady_clock::now();
        DASH_ASSIGN_OR_RETURN(int64_t id, m_store.save(m_run));
        const double s = secondsSince(start);
        m_ids.push_back(id);
        return s;
    }
    Expected<double> load() override {
        if (m_ids.empty())
            return internalError("nothing saved to load");
        const int64_t id = m_ids[m_loaded++ % m_ids.size()];
        const auto start = std::chrono::steady_clock::now();
        DASH_ASSIGN_OR_RETURN(RunRecord loaded, m_store.load(id));
        const double s = secondsSince(start);
        if (!sameCells(loaded.trace, m_run.trace))
            return internalError("a load did not read back the saved bits");
        return s;
    }
    Expected<double> bytesPerRun() override {
        DASH_ASSIGN_OR_RETURN(sql::Database db,
                              sql::Database::open(m_path, sql::Database::Mode::ReadWrite));
        DASH_ASSIGN_OR_RETURN(double bytes, databaseBytes(db));
        return bytes / static_cast<double>(m_ids.size());
    }

private:
    RunStore m_store;
    std::string m_path;
    const RunRecord& m_run;
    std::vector<int64_t> m_ids;
    size_t m_loaded = 0;
};

Expected<std::unique_ptr<Subject>> openLayout(const Layout& layout, const std::string& path,
                                              const Trace& trace) {
    DASH_ASSIGN_OR_RETURN(sql::Database db,
                          sql::Database::open(path, sql::Database::Mode::ReadWriteCreate));
    DASH_TRY(db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"));
    DASH_TRY(db.exec(layout.schema));
    return std::unique_ptr<Subject>(new LayoutSubject(layout, std::move(db), trace));
}

Expected<std::unique_ptr<Subject>> openStore(const std::string& path, const RunRecord& run) {
    DASH_ASSIGN_OR_RETURN(RunStore store, RunStore::open(path));
    return std::unique_ptr<Subject>(new StoreSubject(std::move(store), path, run));
}

struct Named {
    const char* name;
    std::unique_ptr<Subject> subject;
};

Status measure(std::vector<Named>& subjects, int rounds) {
    AlternationOptions schedule;
    schedule.rounds = rounds;
    auto arms = [&](bool saving) {
        std::vector<bench::Arm> out;
        for (Named& n : subjects) {
            Subject* s = n.subject.get();
            out.push_back({n.name, [s, saving] { return saving ? s->save() : s->load(); }, 1});
        }
        return out;
    };
    for (bool saving : {true, false}) {
        std::vector<bench::Arm> all = arms(saving);
        const bench::Arm baseline = all.front();
        all.erase(all.begin());
        DASH_ASSIGN_OR_RETURN(bench::Comparison c, bench::compare(baseline, all, schedule));
        std::printf("%s\n", saving ? "save one run" : "load one run");
        bench::printComparison(stdout, c, "ms", 1e3, bench::Shown::TimePerRun);
        std::printf("\n");
    }
    std::printf("%-34s %13s\n", "layout", "MB per run");
    for (Named& n : subjects) {
        DASH_ASSIGN_OR_RETURN(double bytes, n.subject->bytesPerRun());
        std::printf("%-34s %13.3f\n", n.name, bytes / 1e6);
    }
    return {};
}

} // namespace

int main(int argc, char** argv) {
    static const char* kUsage =
        "usage: bench_store [--tokens 1000] [--layers 32] [--repeats 8] [--dir DIR]";
    int exitCode = 0;
    auto args = bench::parseArgs(argc, argv, "bench_store", kUsage,
                                 {"tokens", "layers", "repeats", "dir"}, {}, &exitCode);
    if (!args)
        return exitCode;
    auto tokens = bench::intOption(*args, "tokens", 1000, 1, 1 << 20);
    auto layers = bench::intOption(*args, "layers", 32, 1, 4096);
    auto repeats = bench::intOption(*args, "repeats", 8, 1, 10000);
    if (auto err = cli::firstError(tokens, layers, repeats))
        return bench::usageError("bench_store", kUsage, err->message());
    const std::string dir = args->get("dir", std::filesystem::temp_directory_path().string());
    const std::string work = dir + "/bench_store." + std::to_string(getpid());
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    if (ec) {
        std::fprintf(stderr, "bench_store: cannot create %s: %s\n", work.c_str(),
                     ec.message().c_str());
        return 1;
    }
    const RunRecord run = makeRun(static_cast<int32_t>(*tokens), static_cast<int32_t>(*layers));
    std::printf("%lld tokens x %lld layers; WAL, synchronous=FULL; load average %s\n\n", *tokens,
                *layers, bench::loadAverage().c_str());
    std::vector<Named> subjects;
    int status = 0;
    auto blob = openLayout(kBlob, work + "/blob.sqlite", run.trace);
    auto table = openLayout(kTable, work + "/table.sqlite", run.trace);
    auto store = openStore(work + "/store.sqlite", run);
    if (auto err = cli::firstError(blob, table, store)) {
        std::fprintf(stderr, "bench_store: %s\n", err->message().c_str());
        status = 1;
    } else {
        subjects.push_back({"blob: one row, a blob per array", std::move(blob).value()});
        subjects.push_back({"table: a row per (token, layer)", std::move(table).value()});
        subjects.push_back({"RunStore::save/load, whole run", std::move(store).value()});
        if (auto st = measure(subjects, static_cast<int>(*repeats)); !st.ok()) {
            std::fprintf(stderr, "bench_store: %s\n", st.error().message().c_str());
            status = 1;
        }
    }
    subjects.clear();
    std::filesystem::remove_all(work, ec);
    return status;
}
