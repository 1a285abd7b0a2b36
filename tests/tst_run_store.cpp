// SPDX-License-Identifier: MIT
// The run store in one process: SHA-256, round trips, queries, comparison,
// JSON/CSV export and import, schema migrations, refusal of damaged or foreign
// files, read-only mode, a concurrent reader, and the `dash-cli runs` command.
// Failures that need a second process are in tst_run_store_crash.
#include "run_store_fixture.h"

#include "app/cli/commands.h"
#include "core/store/run_json.h"
#include "core/store/run_store.h"
#include "core/store/sqlite_db.h"
#include "core/util/sha256.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

using namespace dash;

namespace {

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

const char* message(const Error& e) {
    thread_local std::string text;
    text = e.message();
    return text.c_str();
}

#define REQUIRE_OK(expr)                                                                           \
    do {                                                                                           \
        const auto& requireOk_ = (expr);                                                           \
        QVERIFY2(requireOk_.ok(), requireOk_.ok() ? "" : message(requireOk_.error()));             \
    } while (false)

// Little-endian bytes written out by hand, independent of the store's packer.
template <class T>
std::string le(const std::vector<T>& values) {
    std::string out;
    for (T v : values) {
        uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof(T));
        for (size_t i = 0; i < sizeof(T); ++i)
            out += static_cast<char>((bits >> (8 * i)) & 0xff);
    }
    return out;
}

int64_t utcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC).toMSecsSinceEpoch();
}

// The schema of a version-1 file, as version-1 builds wrote it.
constexpr const char* kVersion1Schema = R"sql(
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
PRAGMA user_version = 1;
)sql";

// What a version-1 file held for one run, and what it must load as now.
struct Version1Run {
    int64_t id;
    std::string createdAt;
    int64_t expectedCreatedMs;
    RunRecord run; // fields version 1 did not have keep their defaults
};

std::vector<Version1Run> version1Runs() {
    std::vector<Version1Run> out;
    const std::pair<const char*, int64_t> times[] = {
        {"2024-03-05 14:07:09.250", utcMs(2024, 3, 5, 14, 7, 9, 250)},
        {"2024-03-06 08:00:00", utcMs(2024, 3, 6, 8)},
        {"2023-12-31 23:59:59.999", utcMs(2023, 12, 31, 23, 59, 59, 999)},
    };
    for (int k = 0; k < 3; ++k) {
        RunRecord r = test::makeRun(static_cast<uint64_t>(k + 10), 12, 4);
        Version1Run v{k == 2 ? 9 : k + 1, times[k].first, times[k].second, {}};
        // Two runs share a model: the migration must make one models row of it.
        r.model.path = k < 2 ? "/models/shared.gguf" : "/models/other.gguf";
        r.model.sha256 = sha256Hex(r.model.path);
        r.model.sizeBytes = 0;
        r.model.metadataJson = "{}";
        r.policy.fileSha256.clear();
        r.policy.kvMode = KvMode::Project;
        r.environment.driverVersion.clear();
        r.environment.cudaVersion.clear();
        r.environment.buildId.clear();
        r.environment.threads = 0;
        r.trace.clockOriginNs = 0;
        r.metrics.perplexitySecondHalf.reset();
        r.metrics.measuredSpeedup.reset();
        r.metrics.policyOverlap = 0;
        r.id = v.id;
        r.createdMs = v.expectedCreatedMs;
        r.updatedMs = v.expectedCreatedMs;
        v.run = std::move(r);
        out.push_back(std::move(v));
    }
    return out;
}

std::string packPassesByHand(const std::vector<PassTiming>& passes) {
    std::string out;
    for (const PassTiming& p : passes) {
        out += le(std::vector<int32_t>{p.firstToken, p.tokenCount});
        out += le(std::vector<int64_t>{p.totalNs});
        out += le(std::vector<int32_t>{static_cast<int32_t>(p.layerNs.size())});
        out += le(p.layerNs);
    }
    return out;
}

std::string packSpansByHand(const std::vector<Span>& spans) {
    std::string out;
    for (const Span& s : spans) {
        out += static_cast<char>(s.stream);
        out += le(std::vector<int32_t>{s.firstToken, s.tokenCount, s.layer});
        out += le(std::vector<int64_t>{s.startNs, s.endNs});
    }
    return out;
}

std::span<const uint8_t> bytesOf(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Builds a file at schema `version` the way the build of that version did.
void createDatabaseAtVersion(const QString& path, int version) {
    if (version == 0) {
        writeBytes(path, QByteArray()); // an empty file is a database at version 0
        return;
    }
    if (version == 2) {
        // Version 3 added only run_cells.checksum: a version-1 file migrated
        // to the current schema, less that column, is a version-2 file.
        createDatabaseAtVersion(path, 1);
        if (QTest::currentTestFailed())
            return;
        {
            auto store = RunStore::open(path.toStdString());
            REQUIRE_OK(store);
        }
        auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadWrite);
        REQUIRE_OK(db);
        REQUIRE_OK(db->exec("ALTER TABLE run_cells DROP COLUMN checksum; PRAGMA user_version = 2"));
        return;
    }
    QCOMPARE(version, 1);
    auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadWriteCreate);
    REQUIRE_OK(db);
    REQUIRE_OK(db->exec("PRAGMA journal_mode = WAL"));
    REQUIRE_OK(db->exec(kVersion1Schema));
    for (const Version1Run& v : version1Runs()) {
        const RunRecord& r = v.run;
        auto q = db->prepare(
            "INSERT INTO runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
            "?15, ?16, ?17, ?18, ?19, ?20)");
        REQUIRE_OK(q);
        int i = 0;
        REQUIRE_OK(q->bind(++i, v.id));
        REQUIRE_OK(q->bindText(++i, v.createdAt));
        REQUIRE_OK(q->bindText(++i, r.label));
        REQUIRE_OK(q->bindText(++i, r.notes));
        REQUIRE_OK(q->bindText(++i, r.model.path));
        REQUIRE_OK(q->bindText(++i, r.model.sha256));
        REQUIRE_OK(q->bindText(++i, r.model.architecture));
        REQUIRE_OK(q->bindText(++i, r.policy.kind));
        REQUIRE_OK(q->bindText(++i, r.policy.parametersJson));
        REQUIRE_OK(q->bindText(++i, r.environment.backend));
        REQUIRE_OK(q->bindText(++i, r.environment.deviceName));
        REQUIRE_OK(q->bindText(++i, r.promptText));
        REQUIRE_OK(q->bindBlob(++i, bytesOf(le(r.promptIds))));
        REQUIRE_OK(q->bindText(++i, r.generatedText));
        REQUIRE_OK(q->bindBlob(++i, bytesOf(le(r.generatedIds))));
        REQUIRE_OK(q->bind(++i, int64_t{r.trace.layers}));
        REQUIRE_OK(q->bind(++i, int64_t{r.trace.tokenCount()}));
        REQUIRE_OK(q->bind(++i, r.metrics.perplexity));
        REQUIRE_OK(q->bind(++i, r.metrics.nominalRatio));
        REQUIRE_OK(q->bind(++i, r.metrics.msPerToken));
        REQUIRE_OK(q->run());

        auto c = db->prepare("INSERT INTO run_cells VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                             "?10, ?11)");
        REQUIRE_OK(c);
        const Trace& t = r.trace;
        i = 0;
        REQUIRE_OK(c->bind(++i, v.id));
        const std::string blobs[] = {le(t.tokens),
                                     le(t.states),
                                     le(t.cosInOut),
                                     le(t.cosAdjacent),
                                     le(t.normIn),
                                     le(t.normOut),
                                     le(t.layerTimeNs),
                                     le(t.scores),
                                     packPassesByHand(t.passes),
                                     packSpansByHand(t.spans)};
        for (const std::string& b : blobs)
            REQUIRE_OK(c->bindBlob(++i, bytesOf(b)));
        REQUIRE_OK(c->run());
    }
}

int64_t queryInt(const QString& path, const char* sql) {
    auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadOnly);
    if (!db.ok())
        return -1;
    auto v = db->queryInt(sql);
    return v.ok() ? *v : -1;
}

std::string queryText(const QString& path, const char* sql) {
    auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadOnly);
    if (!db.ok())
        return db.error().message();
    auto q = db->prepare(sql);
    if (!q.ok())
        return q.error().message();
    auto row = q->step();
    return row.ok() && *row ? q->columnText(0) : std::string();
}

struct CliResult {
    int code = 0;
    QString out;
    QString err;
};

// Runs `dash-cli runs <args>` in this process with stdout and stderr captured.
CliResult runCli(const std::vector<std::string>& args) {
    CliResult result;
    QTemporaryFile out, err;
    if (!out.open() || !err.open())
        return {-1, {}, "cannot create capture files"};
    std::fflush(stdout);
    std::fflush(stderr);
    const int savedOut = dup(STDOUT_FILENO);
    const int savedErr = dup(STDERR_FILENO);
    dup2(out.handle(), STDOUT_FILENO);
    dup2(err.handle(), STDERR_FILENO);
    result.code = cli::kRunsCommand.run(args);
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(savedOut, STDOUT_FILENO);
    dup2(savedErr, STDERR_FILENO);
    close(savedOut);
    close(savedErr);
    result.out = QString::fromUtf8(fileBytes(out.fileName()));
    result.err = QString::fromUtf8(fileBytes(err.fileName()));
    return result;
}

} // namespace

// A SQLite VFS over the default one that behaves as a full disk while
// `full` is set: a write past the end of a file, or a truncate that grows
// it, fails with SQLITE_FULL; writes inside a file still succeed, as they do
// on a full disk (the blocks are allocated).
struct FullDiskVfs {
    static inline sqlite3_vfs* base = nullptr;
    static inline sqlite3_vfs vfs{};
    static inline sqlite3_io_methods methods{};
    static inline bool full = false;

    struct File {
        sqlite3_file shim;
        sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
    };
    static sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real(); }

    static void install() {
        base = sqlite3_vfs_find(nullptr);
        vfs = *base;
        vfs.zName = "full-disk-test";
        vfs.szOsFile = static_cast<int>(sizeof(File)) + base->szOsFile;
        vfs.xOpen = &open;
        sqlite3_vfs_register(&vfs, 1);
    }
    static void uninstall() {
        sqlite3_vfs_unregister(&vfs);
        sqlite3_vfs_register(base, 1);
        full = false;
    }
    static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
        File* file = reinterpret_cast<File*>(f);
        file->shim.pMethods = nullptr;
        const int rc = base->xOpen(base, name, file->real(), flags, out);
        if (rc != SQLITE_OK || !file->real()->pMethods)
            return rc;
        const sqlite3_io_methods* r = file->real()->pMethods;
        methods = *r;
        methods.xClose = [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); };
        methods.xRead = [](sqlite3_file* f, void* p, int n, sqlite3_int64 at) {
            return real(f)->pMethods->xRead(real(f), p, n, at);
        };
        methods.xWrite = [](sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
            sqlite3_int64 size = 0;
            if (full && real(f)->pMethods->xFileSize(real(f), &size) == SQLITE_OK && at + n > size)
                return SQLITE_FULL;
            return real(f)->pMethods->xWrite(real(f), p, n, at);
        };
        methods.xTruncate = [](sqlite3_file* f, sqlite3_int64 to) {
            sqlite3_int64 size = 0;
            if (full && real(f)->pMethods->xFileSize(real(f), &size) == SQLITE_OK && to > size)
                return SQLITE_FULL;
            return real(f)->pMethods->xTruncate(real(f), to);
        };
        methods.xSync = [](sqlite3_file* f, int flags) {
            return real(f)->pMethods->xSync(real(f), flags);
        };
        methods.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) {
            return real(f)->pMethods->xFileSize(real(f), size);
        };
        methods.xLock = [](sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); };
        methods.xUnlock = [](sqlite3_file* f, int l) {
            return real(f)->pMethods->xUnlock(real(f), l);
        };
        methods.xCheckReservedLock = [](sqlite3_file* f, int* out) {
            return real(f)->pMethods->xCheckReservedLock(real(f), out);
        };
        methods.xFileControl = [](sqlite3_file* f, int op, void* arg) {
            return real(f)->pMethods->xFileControl(real(f), op, arg);
        };
        methods.xSectorSize = [](sqlite3_file* f) {
            return real(f)->pMethods->xSectorSize(real(f));
        };
        methods.xDeviceCharacteristics = [](sqlite3_file* f) {
            return real(f)->pMethods->xDeviceCharacteristics(real(f));
        };
        if (r->iVersion >= 2) {
            methods.xShmMap = [](sqlite3_file* f, int i, int size, int extend, void volatile** p) {
                return real(f)->pMethods->xShmMap(real(f), i, size, extend, p);
            };
            methods.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
                return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
            };
            methods.xShmBarrier = [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); };
            methods.xShmUnmap = [](sqlite3_file* f, int del) {
                return real(f)->pMethods->xShmUnmap(real(f), del);
            };
        }
        if (r->iVersion >= 3) {
            methods.xFetch = [](sqlite3_file* f, sqlite3_int64 at, int n, void** p) {
                return real(f)->pMethods->xFetch(real(f), at, n, p);
            };
            methods.xUnfetch = [](sqlite3_file* f, sqlite3_int64 at, void* p) {
                return real(f)->pMethods->xUnfetch(real(f), at, p);
            };
        }
        file->shim.pMethods = &methods;
        return SQLITE_OK;
    }
};

class TestRunStore : public QObject {
    Q_OBJECT

private slots:
    void sha256KnownVectors();
    void sha256IncrementalEqualsOneShot();
    void sha256FileMatchesSha256sum();
    void sha256FileErrors();

    void roundTripEveryField();
    void saveFillsTimestamps();
    void saveRejectsInvalidRuns();
    void listFilters();
    void labelNotesAndDelete();
    void compareKnownRuns();
    void compareAgainstDirectCount();
    void jsonExportImportRoundTrip();
    void jsonImportErrorsNameTheField();
    void csvHasOneRowPerCell();

    void migratesFromEveryEarlierVersion_data();
    void migratesFromEveryEarlierVersion();
    void newerSchemaIsRefused();
    void damagedOrForeignFilesAreRefused_data();
    void damagedOrForeignFilesAreRefused();
    void readOnlyModeRefusesChanges();
    void concurrentReaderWhileWriterSaves();
    void checksumFindsDamageSqliteCannotSee();
    void deleteIsAtomic();
    void deleteWorksOnAFullDisk();
    void devicesAreNotDatabases();

    void timestamps();
    void defaultDatabasePathFollowsXdg();
    void cliRunsCommand();

private:
    QTemporaryDir m_dir;
    QString freshPath(const QString& name) { return m_dir.path() + "/" + name; }
};

// FIPS 180-2 appendix B: "abc", the 448-bit two-block message, a million 'a';
// and the digest of the empty string.
void TestRunStore::sha256KnownVectors() {
    QCOMPARE(sha256Hex("abc"),
             std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    QCOMPARE(sha256Hex(std::string(1000000, 'a')),
             std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    QCOMPARE(sha256Hex(""),
             std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

void TestRunStore::sha256IncrementalEqualsOneShot() {
    std::string message;
    for (int i = 0; i < 300; ++i)
        message += static_cast<char>(i * 37 + 11);
    const std::string whole = sha256Hex(message);
    for (size_t split = 0; split <= message.size(); split += 7) {
        Sha256 h;
        h.update(std::string_view(message).substr(0, split));
        h.update(std::string_view(message).substr(split));
        QCOMPARE(toHex(h.finish()), whole);
    }
}

// Lengths around the padding boundaries (55/56 bytes fit one block or need
// two) and a multi-chunk file, checked against coreutils' sha256sum.
void TestRunStore::sha256FileMatchesSha256sum() {
    if (QStandardPaths::findExecutable("sha256sum").isEmpty())
        QSKIP("sha256sum (coreutils) not found");
    QRandomGenerator rng(1234);
    for (qint64 size : {0, 1, 55, 56, 63, 64, 65, 119, 120, 4096, (1 << 20) * 2 + 17}) {
        const QString path = freshPath(QStringLiteral("hash-%1.bin").arg(size));
        QByteArray bytes(static_cast<int>(size), Qt::Uninitialized);
        for (auto& b : bytes)
            b = static_cast<char>(rng.bounded(256));
        writeBytes(path, bytes);
        QProcess p;
        p.start("sha256sum", {path});
        QVERIFY(p.waitForFinished(30000));
        const QString expected = QString::fromLatin1(p.readAllStandardOutput()).section(' ', 0, 0);
        QCOMPARE(expected.size(), 64);
        auto got = sha256File(path.toStdString());
        REQUIRE_OK(got);
        QCOMPARE(QString::fromStdString(*got), expected);
    }
}

void TestRunStore::sha256FileErrors() {
    const std::string missing = freshPath("no-such-file.gguf").toStdString();
    auto r = sha256File(missing);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::NotFound);
    QVERIFY(r.error().message().find(missing) != std::string::npos);
    CancelToken cancel;
    cancel.cancel();
    const QString path = freshPath("cancel.bin");
    writeBytes(path, QByteArray(1000, 'x'));
    auto c = sha256File(path.toStdString(), &cancel);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().code(), ErrorCode::Cancelled);
}

void TestRunStore::roundTripEveryField() {
    auto store = RunStore::open(freshPath("roundtrip.sqlite").toStdString());
    REQUIRE_OK(store);
    std::vector<RunRecord> runs;
    runs.push_back(test::makeRun(0, 1000, 32)); // the size the bench measures
    for (uint64_t seed = 1; seed <= 5; ++seed)
        runs.push_back(
            test::makeRun(seed, static_cast<int32_t>(7 * seed), 3 + static_cast<int>(seed)));
    runs.push_back(test::makeRun(6, 0, 4)); // no tokens
    runs.push_back(test::makeRun(7, 1, 1)); // one cell
    for (RunRecord& r : runs) {
        auto id = store->save(r);
        REQUIRE_OK(id);
        QVERIFY(*id > 0);
        r.id = *id;
    }
    for (const RunRecord& r : runs) {
        auto loaded = store->load(r.id);
        REQUIRE_OK(loaded);
        const std::string diff = test::runDifference(*loaded, r);
        QVERIFY2(diff.empty(), diff.c_str());
    }
    // Loading again from a fresh connection reads the same bits.
    auto again = RunStore::open(store->path());
    REQUIRE_OK(again);
    auto first = again->load(runs[0].id);
    REQUIRE_OK(first);
    QVERIFY(test::runDifference(*first, runs[0]).empty());
    auto missing = again->load(9999);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code(), ErrorCode::NotFound);
    QVERIFY(missing.error().message().find("9999") != std::string::npos);
}

void TestRunStore::saveFillsTimestamps() {
    auto store = RunStore::open(freshPath("timestamps.sqlite").toStdString());
    REQUIRE_OK(store);
    RunRecord r = test::makeRun(3, 4, 2);
    r.createdMs = 0;
    r.updatedMs = 0;
    const int64_t before = QDateTime::currentMSecsSinceEpoch();
    auto id = store->save(r);
    const int64_t after = QDateTime::currentMSecsSinceEpoch();
    REQUIRE_OK(id);
    auto loaded = store->load(*id);
    REQUIRE_OK(loaded);
    QVERIFY(loaded->createdMs >= before && loaded->createdMs <= after);
    QCOMPARE(loaded->updatedMs, loaded->createdMs);
}

void TestRunStore::saveRejectsInvalidRuns() {
    auto store = RunStore::open(freshPath("invalid.sqlite").toStdString());
    REQUIRE_OK(store);
    struct Case {
        const char* expected;
        std::function<void(RunRecord&)> damage;
    };
    const Case cases[] = {
        {"do not match", [](RunRecord& r) { r.trace.cosInOut.pop_back(); }},
        {"state 3", [](RunRecord& r) { r.trace.states[5] = 3; }},
        {"metrics.ms_per_token", [](RunRecord& r) { r.metrics.msPerToken = std::nan(""); }},
        {"metrics.perplexity", [](RunRecord& r) { r.metrics.perplexity = std::nan(""); }},
        {"model.metadata_json", [](RunRecord& r) { r.model.metadataJson = "{\"a\": "; }},
        {"policy.parameters_json", [](RunRecord& r) { r.policy.parametersJson = ""; }},
    };
    for (const Case& c : cases) {
        RunRecord r = test::makeRun(1, 6, 3);
        c.damage(r);
        auto id = store->save(r);
        QVERIFY(!id.ok());
        QCOMPARE(id.error().code(), ErrorCode::Invalid);
        QVERIFY2(id.error().message().find(c.expected) != std::string::npos, message(id.error()));
    }
    auto runs = store->list();
    REQUIRE_OK(runs);
    QVERIFY(runs->empty());
}

void TestRunStore::listFilters() {
    auto store = RunStore::open(freshPath("list.sqlite").toStdString());
    REQUIRE_OK(store);
    std::vector<RunRecord> runs;
    for (uint64_t seed = 0; seed < 12; ++seed) {
        RunRecord r = test::makeRun(seed, 3, 2);
        r.label = seed % 4 == 0 ? "Baseline 50%_sweep" : "sweep " + std::to_string(seed);
        auto id = store->save(r);
        REQUIRE_OK(id);
        r.id = *id;
        runs.push_back(r);
    }
    // The expected ids, worked out from the records themselves.
    auto expect = [&](auto keep) {
        std::vector<RunRecord> kept;
        for (const RunRecord& r : runs)
            if (keep(r))
                kept.push_back(r);
        std::sort(kept.begin(), kept.end(),
                  [](const RunRecord& a, const RunRecord& b) { return a.createdMs > b.createdMs; });
        std::vector<int64_t> ids;
        for (const RunRecord& r : kept)
            ids.push_back(r.id);
        return ids;
    };
    auto ids = [&](const RunFilter& f) {
        std::vector<int64_t> out;
        auto list = store->list(f);
        if (list.ok())
            for (const RunSummary& s : *list)
                out.push_back(s.id);
        return out;
    };

    QCOMPARE(ids({}), expect([](const RunRecord&) { return true; }));
    RunFilter byPolicy;
    byPolicy.policyKind = "dash";
    QCOMPARE(ids(byPolicy), expect([](const RunRecord& r) { return r.policy.kind == "dash"; }));
    RunFilter byModel;
    byModel.model = "qwen2.5";
    QCOMPARE(ids(byModel), expect([](const RunRecord& r) {
                 return r.model.path.find("qwen2.5") != std::string::npos;
             }));
    RunFilter bySha;
    bySha.model = runs[2].model.sha256.substr(0, 12);
    QCOMPARE(ids(bySha),
             expect([&](const RunRecord& r) { return r.model.sha256 == runs[2].model.sha256; }));
    // '%' and '_' in the filter are literal characters, and case is ignored.
    RunFilter byLabel;
    byLabel.labelContains = "baseline 50%_";
    QCOMPARE(ids(byLabel),
             expect([](const RunRecord& r) { return r.label.rfind("Baseline", 0) == 0; }));
    RunFilter literal;
    literal.labelContains = "%";
    QCOMPARE(ids(literal),
             expect([](const RunRecord& r) { return r.label.find('%') != std::string::npos; }));
    RunFilter byDate;
    byDate.createdFromMs = runs[3].createdMs;
    byDate.createdBeforeMs = runs[8].createdMs;
    QCOMPARE(ids(byDate), expect([&](const RunRecord& r) {
                 return r.createdMs >= runs[3].createdMs && r.createdMs < runs[8].createdMs;
             }));
    RunFilter combined = byPolicy;
    combined.createdFromMs = runs[4].createdMs;
    combined.limit = 1;
    auto both = expect([&](const RunRecord& r) {
        return r.policy.kind == "dash" && r.createdMs >= runs[4].createdMs;
    });
    both.resize(std::min<size_t>(both.size(), 1));
    QCOMPARE(ids(combined), both);

    auto list = store->list();
    REQUIRE_OK(list);
    const RunSummary& s = list->front();
    const RunRecord& r = runs.back();
    QCOMPARE(s.id, r.id);
    QCOMPARE(s.createdMs, r.createdMs);
    QCOMPARE(s.label, r.label);
    QCOMPARE(s.modelPath, r.model.path);
    QCOMPARE(s.modelSha256, r.model.sha256);
    QCOMPARE(s.modelArchitecture, r.model.architecture);
    QCOMPARE(s.policyKind, r.policy.kind);
    QCOMPARE(s.backend, r.environment.backend);
    QCOMPARE(s.deviceName, r.environment.deviceName);
    QCOMPARE(s.tokenCount, 3);
    QCOMPARE(s.layerCount, 2);
    QCOMPARE(s.nominalRatio, r.metrics.nominalRatio);
    QCOMPARE(s.measuredSpeedup, r.metrics.measuredSpeedup);
    QCOMPARE(s.msPerToken, r.metrics.msPerToken);
    QCOMPARE(s.promptText, r.promptText);
    QCOMPARE(s.policyParametersJson, r.policy.parametersJson);
}

void TestRunStore::labelNotesAndDelete() {
    const QString path = freshPath("label.sqlite");
    auto store = RunStore::open(path.toStdString());
    REQUIRE_OK(store);
    RunRecord a = test::makeRun(1, 5, 3);
    RunRecord b = test::makeRun(4, 5, 3); // the same model as run 1
    RunRecord c = test::makeRun(2, 5, 3); // another model
    for (RunRecord* r : {&a, &b, &c}) {
        auto id = store->save(*r);
        REQUIRE_OK(id);
        r->id = *id;
    }
    QCOMPARE(queryInt(path, "SELECT count(*) FROM models"), int64_t{2});

    const int64_t before = QDateTime::currentMSecsSinceEpoch();
    REQUIRE_OK(store->setLabel(a.id, "renamed ✓"));
    REQUIRE_OK(store->setNotes(a.id, "noted"));
    auto loaded = store->load(a.id);
    REQUIRE_OK(loaded);
    QVERIFY(loaded->updatedMs >= before);
    a.label = "renamed ✓";
    a.notes = "noted";
    a.updatedMs = loaded->updatedMs;
    QVERIFY(test::runDifference(*loaded, a).empty());

    auto missingLabel = store->setLabel(12345, "x");
    QVERIFY(!missingLabel.ok());
    QCOMPARE(missingLabel.error().code(), ErrorCode::NotFound);

    REQUIRE_OK(store->remove(c.id));
    QCOMPARE(store->load(c.id).error().code(), ErrorCode::NotFound);
    QCOMPARE(queryInt(path, "SELECT count(*) FROM models"), int64_t{1}); // no run uses it
    QCOMPARE(queryInt(path, "SELECT count(*) FROM run_cells"), int64_t{2});
    REQUIRE_OK(store->remove(a.id));
    QCOMPARE(queryInt(path, "SELECT count(*) FROM models"), int64_t{1}); // run b still does
    auto again = store->remove(a.id);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code(), ErrorCode::NotFound);
    auto left = store->list();
    REQUIRE_OK(left);
    QCOMPARE(left->size(), size_t{1});
    QCOMPARE(left->front().id, b.id);
}

// Hand-made runs: a is 3 tokens x 2 layers, b 2 tokens x 3 layers, so the
// aligned block is 2 x 2. Expected deltas are worked out cell by cell.
void TestRunStore::compareKnownRuns() {
    const float nan = kNoValue;
    RunRecord a, b;
    a.id = 1;
    b.id = 2;
    a.trace.layers = 2;
    a.trace.appendTokens({5, 6, 7});
    a.trace.states = {4, 4, 4, 0, 4, 2};
    a.trace.cosInOut = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, nan};
    a.trace.cosAdjacent = {nan, 0.5f, nan, 0.25f, nan, 0.125f};
    a.trace.layerTimeNs = {100, 200, 300, 400, 500, 600};
    b.trace.layers = 3;
    b.trace.appendTokens({5, 9});
    b.trace.states = {4, 1, 4, 4, 0, 4};
    b.trace.cosInOut = {0.95f, 0.8f, 0.1f, 0.5f, 0.5f, 0.2f};
    b.trace.cosAdjacent = {nan, 0.75f, 0.5f, nan, 0.5f, 0.5f};
    b.trace.layerTimeNs = {150, 100, 1000, 300, 500, 0};
    a.metrics.perplexity = 10.0;
    b.metrics.perplexity = 12.5;
    b.metrics.perplexitySecondHalf = 11.0;
    a.metrics.nominalRatio = 1.0;
    b.metrics.nominalRatio = 1.6;
    b.metrics.measuredSpeedup = 1.3;
    a.metrics.msPerToken = 5.0;
    b.metrics.msPerToken = 4.0;
    a.metrics.policyOverlap = 0.5;
    b.metrics.policyOverlap = 0.75;

    const RunComparison c = compareRuns(a, b);
    QCOMPARE(c.runA, int64_t{1});
    QCOMPARE(c.runB, int64_t{2});
    QCOMPARE(c.tokensA, 3);
    QCOMPARE(c.tokensB, 2);
    QCOMPARE(c.layersA, 2);
    QCOMPARE(c.layersB, 3);
    QCOMPARE(c.tokens, 2);
    QCOMPARE(c.layers, 2);
    QCOMPARE(c.sameTokenIds, 1);             // 5 == 5, 6 != 9
    QCOMPARE(c.differingStates, int64_t{1}); // token 0 layer 1: full -> int4
    QCOMPARE(c.stateDelta, (std::vector<int8_t>{0, -3, 0, 0}));
    QCOMPARE(c.cosInOutDelta, (std::vector<float>{0.95f - 0.9f, 0.0f, 0.5f - 0.7f, 0.5f - 0.6f}));
    QVERIFY(std::isnan(c.cosAdjacentDelta[0]) && std::isnan(c.cosAdjacentDelta[2]));
    QCOMPARE(c.cosAdjacentDelta[1], 0.25f);
    QCOMPARE(c.cosAdjacentDelta[3], 0.25f);
    QCOMPARE(c.layerTimeDeltaNs, (std::vector<float>{50, -100, 0, 100}));
    // Whole-token times: b's third layer counts, a's third token does not.
    QCOMPARE(c.tokenTimeDeltaNs, (std::vector<double>{1250.0 - 300.0, 800.0 - 700.0}));
    QCOMPARE(c.metrics.perplexity, std::optional<double>(2.5));
    QVERIFY(!c.metrics.perplexitySecondHalf);
    QVERIFY(!c.metrics.measuredSpeedup);
    QCOMPARE(c.metrics.nominalRatio, 1.6 - 1.0);
    QCOMPARE(c.metrics.msPerToken, -1.0);
    QCOMPARE(c.metrics.policyOverlap, 0.25);
}

// Stored runs compared through the store, checked against a direct count.
void TestRunStore::compareAgainstDirectCount() {
    auto store = RunStore::open(freshPath("compare.sqlite").toStdString());
    REQUIRE_OK(store);
    const RunRecord a = test::makeRun(21, 40, 6);
    const RunRecord b = test::makeRun(22, 33, 6);
    auto ia = store->save(a);
    auto ib = store->save(b);
    REQUIRE_OK(ia);
    REQUIRE_OK(ib);
    auto c = store->compare(*ia, *ib);
    REQUIRE_OK(c);
    QCOMPARE(c->runA, *ia);
    QCOMPARE(c->runB, *ib);
    QCOMPARE(c->tokens, 33);
    int64_t differing = 0;
    for (int32_t i = 0; i < 33; ++i)
        for (int32_t l = 0; l < 6; ++l)
            differing += a.trace.states[static_cast<size_t>(i * 6 + l)] !=
                         b.trace.states[static_cast<size_t>(i * 6 + l)];
    QCOMPARE(c->differingStates, differing);
    QVERIFY(differing > 0);
    auto missing = store->compare(*ia, 777);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code(), ErrorCode::NotFound);
}

void TestRunStore::jsonExportImportRoundTrip() {
    auto store = RunStore::open(freshPath("export.sqlite").toStdString());
    REQUIRE_OK(store);
    for (uint64_t seed : {5u, 6u, 7u}) { // with and without optional metrics, an infinity
        RunRecord r = test::makeRun(seed, 30, 5);
        // In memory: every field, the id included.
        r.id = 42;
        auto direct = runFromJson(runToJson(r));
        REQUIRE_OK(direct);
        QVERIFY2(test::runDifference(*direct, r).empty(), test::runDifference(*direct, r).c_str());
        // Through a file: export, parse back, import as a new run.
        auto id = store->save(r);
        REQUIRE_OK(id);
        const QString file = freshPath(QStringLiteral("run-%1.json").arg(seed));
        REQUIRE_OK(store->exportJson(*id, file.toStdString()));
        QVERIFY(!QFile::exists(file + ".part"));
        auto imported = store->importJson(file.toStdString());
        REQUIRE_OK(imported);
        QVERIFY(*imported != *id);
        auto loaded = store->load(*imported);
        REQUIRE_OK(loaded);
        const std::string diff = test::runDifference(*loaded, r, false);
        QVERIFY2(diff.empty(), diff.c_str());
    }
    // The canonical "no value" NaN is null, so the trace reads as traceToJson's.
    RunRecord r = test::makeRun(1, 3, 2);
    const Json json = runToJson(r);
    QVERIFY(json["trace"]["cos_adjacent"][0][0].isNull());
    QCOMPARE(json["trace"]["cos_in_out"].size(), size_t{2});
    QCOMPARE(json["trace"]["cos_in_out"][0].size(), size_t{3});
    // The clock origin (past 2^53) is an exact JSON integer in the text; earlier
    // builds wrote such integers as decimal strings, which still import.
    const int64_t origin = r.trace.clockOriginNs;
    QVERIFY(origin > (int64_t{1} << 53));
    auto reread = Json::parse(json.dump());
    REQUIRE_OK(reread);
    QVERIFY((*reread)["trace"]["clock_origin_ns"].isInteger());
    QCOMPARE((*reread)["trace"]["clock_origin_ns"].asInt(), origin);
    Json legacy = *reread;
    Json trace = legacy["trace"];
    trace.set("clock_origin_ns", std::to_string(origin));
    legacy.set("trace", trace);
    auto fromLegacy = runFromJson(legacy);
    REQUIRE_OK(fromLegacy);
    QCOMPARE(fromLegacy->trace.clockOriginNs, origin);
}

void TestRunStore::jsonImportErrorsNameTheField() {
    const Json good = runToJson(test::makeRun(2, 4, 3));
    struct Case {
        const char* expected;
        std::function<void(Json&)> damage;
    };
    auto editTrace = [](Json& j, const std::function<void(Json&)>& edit) {
        Json trace = j["trace"];
        edit(trace);
        j.set("trace", trace);
    };
    const Case cases[] = {
        {"'format'", [](Json& j) { j.set("format", "something-else"); }},
        {"'policy.kv_mode'",
         [](Json& j) {
             Json p = j["policy"];
             p.set("kv_mode", "sideways");
             j.set("policy", p);
         }},
        {"'trace.cos_in_out[1]'",
         [&](Json& j) {
             editTrace(j, [](Json& t) {
                 Json::Array rows = t["cos_in_out"].asArray();
                 rows[1].asArray().pop_back();
                 t.set("cos_in_out", Json(rows));
             });
         }},
        {"'trace.norm_in[2][1]'",
         [&](Json& j) {
             editTrace(j, [](Json& t) {
                 Json::Array rows = t["norm_in"].asArray();
                 rows[2].asArray()[1] = Json("nan:0xzz");
                 t.set("norm_in", Json(rows));
             });
         }},
        {"'trace.states[0][0]'",
         [&](Json& j) {
             editTrace(j, [](Json& t) {
                 Json::Array rows = t["states"].asArray();
                 rows[0].asArray()[0] = Json(3);
                 t.set("states", Json(rows));
             });
         }},
        {"'metrics.ms_per_token'",
         [](Json& j) {
             Json m = j["metrics"];
             m.set("ms_per_token", "fast");
             j.set("metrics", m);
         }},
        {"'prompt_ids[1]'",
         [](Json& j) {
             j.set("prompt_ids", Json(Json::Array{1, 2.5}));
         }},
    };
    for (const Case& c : cases) {
        Json j = good;
        c.damage(j);
        auto r = runFromJson(j);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message().find(c.expected) != std::string::npos, message(r.error()));
    }
    Json newer = good;
    newer.set("format_version", 99);
    auto r = runFromJson(newer);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Unsupported);
}

void TestRunStore::csvHasOneRowPerCell() {
    auto store = RunStore::open(freshPath("csv.sqlite").toStdString());
    REQUIRE_OK(store);
    const RunRecord r = test::makeRun(3, 6, 4);
    auto id = store->save(r);
    REQUIRE_OK(id);
    const QString file = freshPath("run.csv");
    REQUIRE_OK(store->exportCsv(*id, file.toStdString()));
    const QStringList lines = QString::fromUtf8(fileBytes(file)).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 6 * 4);
    const QStringList header = lines[0].split(',');
    const int tokenCol = header.indexOf("token_index");
    const int idCol = header.indexOf("token_id");
    const int layerCol = header.indexOf("layer");
    const int stateCol = header.indexOf("state");
    const int cosCol = header.indexOf("cos_in_out");
    QVERIFY(tokenCol >= 0 && idCol >= 0 && layerCol >= 0 && stateCol >= 0 && cosCol >= 0);
    int row = 1;
    for (int32_t i = 0; i < 6; ++i) {
        for (int32_t l = 0; l < 4; ++l, ++row) {
            const QStringList f = lines[row].split(',');
            QCOMPARE(f.size(), header.size());
            QCOMPARE(f[tokenCol].toInt(), i);
            QCOMPARE(f[idCol].toInt(), r.trace.tokens[static_cast<size_t>(i)]);
            QCOMPARE(f[layerCol].toInt(), l);
            QCOMPARE(f[stateCol].toInt(), int{r.trace.states[r.trace.cell(i, l)]});
            const float cos = r.trace.cosInOut[r.trace.cell(i, l)];
            if (std::isnan(cos)) {
                QVERIFY(f[cosCol].isEmpty());
            } else {
                const std::string field = f[cosCol].toStdString();
                float parsed = 0;
                std::from_chars(field.data(), field.data() + field.size(), parsed);
                QCOMPARE(parsed, cos);
            }
        }
    }
}

void TestRunStore::migratesFromEveryEarlierVersion_data() {
    QTest::addColumn<int>("version");
    for (int v = 0; v < kRunStoreSchemaVersion; ++v)
        QTest::addRow("from version %d", v) << v;
}

void TestRunStore::migratesFromEveryEarlierVersion() {
    QFETCH(int, version);
    const QString path = freshPath(QStringLiteral("migrate-%1.sqlite").arg(version));
    createDatabaseAtVersion(path, version);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(queryInt(path, "PRAGMA user_version"), int64_t{version});

    std::vector<Version1Run> old = version >= 1 ? version1Runs() : std::vector<Version1Run>{};
    {
        auto store = RunStore::open(path.toStdString());
        REQUIRE_OK(store);
        auto runs = store->list();
        REQUIRE_OK(runs);
        QCOMPARE(runs->size(), old.size());
        for (const Version1Run& v : old) {
            auto loaded = store->load(v.id);
            REQUIRE_OK(loaded);
            const std::string diff = test::runDifference(*loaded, v.run);
            QVERIFY2(diff.empty(), diff.c_str());
        }
        // The migrated file takes new runs, numbered after the old ones.
        const RunRecord fresh = test::makeRun(99, 10, 4);
        auto id = store->save(fresh);
        REQUIRE_OK(id);
        for (const Version1Run& v : old)
            QVERIFY(*id > v.id);
        auto loaded = store->load(*id);
        REQUIRE_OK(loaded);
        QVERIFY(test::runDifference(*loaded, fresh, false).empty());
        auto integrity = store->integrityCheck();
        REQUIRE_OK(integrity);
        QCOMPARE(*integrity, std::string("ok"));
        if (!old.empty()) {
            // Foreign keys hold: deleting a migrated run takes its cells along.
            REQUIRE_OK(store->remove(old.front().id));
        }
    }
    QCOMPARE(queryInt(path, "PRAGMA user_version"), int64_t{kRunStoreSchemaVersion});
    QCOMPARE(queryInt(path, "PRAGMA application_id"), int64_t{kRunStoreApplicationId});
    QCOMPARE(queryInt(path, "SELECT count(*) FROM pragma_foreign_key_check"), int64_t{0});
    QCOMPARE(queryInt(path, "SELECT count(*) FROM run_cells"),
             queryInt(path, "SELECT count(*) FROM runs"));
    QCOMPARE(queryText(path, "PRAGMA journal_mode"), std::string("wal"));
    if (version == 1) // the two runs on the shared model became one models row
        QCOMPARE(queryInt(path, "SELECT count(*) FROM models WHERE path = '/models/shared.gguf'"),
                 int64_t{1});
}

void TestRunStore::newerSchemaIsRefused() {
    const QString path = freshPath("newer.sqlite");
    {
        auto store = RunStore::open(path.toStdString());
        REQUIRE_OK(store);
        REQUIRE_OK(store->save(test::makeRun(1, 4, 2)));
    }
    {
        auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadWrite);
        REQUIRE_OK(db);
        REQUIRE_OK(db->exec("PRAGMA user_version = " + std::to_string(kRunStoreSchemaVersion + 1)));
    }
    const QByteArray before = fileBytes(path);
    for (auto mode : {RunStore::OpenMode::ReadWrite, RunStore::OpenMode::ReadOnly}) {
        auto store = RunStore::open(path.toStdString(), mode);
        QVERIFY(!store.ok());
        QCOMPARE(store.error().code(), ErrorCode::Unsupported);
        const std::string& m = store.error().message();
        QVERIFY2(m.find("newer") != std::string::npos, m.c_str());
        QVERIFY(m.find(std::to_string(kRunStoreSchemaVersion + 1)) != std::string::npos);
        QVERIFY(m.find(path.toStdString()) != std::string::npos);
    }
    QCOMPARE(fileBytes(path), before);
    QCOMPARE(queryInt(path, "PRAGMA user_version"), int64_t{kRunStoreSchemaVersion + 1});
}

void TestRunStore::damagedOrForeignFilesAreRefused_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("random bytes") << "random"
                                  << "not a database";
    QTest::newRow("text file") << "text"
                               << "not a database";
    QTest::newRow("truncated database") << "truncated"
                                        << "malformed";
    QTest::newRow("GGUF file") << "gguf"
                               << "not a database";
    QTest::newRow("another application's SQLite database") << "foreign"
                                                           << "another application";
}

void TestRunStore::damagedOrForeignFilesAreRefused() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    const QString path = freshPath("damaged-" + kind + ".sqlite");
    if (kind == "random") {
        QByteArray bytes(16384, Qt::Uninitialized);
        QRandomGenerator rng(99);
        for (auto& b : bytes)
            b = static_cast<char>(rng.bounded(256));
        writeBytes(path, bytes);
    } else if (kind == "text") {
        writeBytes(path, QByteArray("model,ratio\nqwen,1.5\n").repeated(400));
    } else if (kind == "truncated") {
        {
            auto store = RunStore::open(path.toStdString());
            REQUIRE_OK(store);
            for (uint64_t s = 0; s < 3; ++s)
                REQUIRE_OK(store->save(test::makeRun(s, 100, 16)));
        }
        QVERIFY(!QFile::exists(path + "-wal"));
        const qint64 size = QFileInfo(path).size();
        QVERIFY(QFile::resize(path, size / 2 + 100));
    } else if (kind == "gguf") {
        QByteArray bytes("GGUF");
        bytes += QByteArray::fromHex("03000000") + QByteArray(8192, '\0');
        writeBytes(path, bytes);
    } else {
        auto db = sql::Database::open(path.toStdString(), sql::Database::Mode::ReadWriteCreate);
        REQUIRE_OK(db);
        REQUIRE_OK(db->exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                            "INSERT INTO notes (body) VALUES ('keep me');"));
    }
    const QByteArray before = fileBytes(path);
    QVERIFY(!before.isEmpty());
    for (auto mode : {RunStore::OpenMode::ReadWrite, RunStore::OpenMode::ReadOnly}) {
        auto store = RunStore::open(path.toStdString(), mode);
        QVERIFY(!store.ok());
        QCOMPARE(store.error().code(), ErrorCode::Invalid);
        const QString m = QString::fromStdString(store.error().message());
        qInfo("%s", qPrintable(m));
        QVERIFY2(m.contains(expected), qPrintable(m));
        QVERIFY(m.contains(path));
    }
    QCOMPARE(fileBytes(path), before);
}

void TestRunStore::readOnlyModeRefusesChanges() {
    const QString path = freshPath("readonly.sqlite");
    RunRecord r = test::makeRun(8, 10, 4);
    {
        auto store = RunStore::open(path.toStdString());
        REQUIRE_OK(store);
        auto id = store->save(r);
        REQUIRE_OK(id);
        r.id = *id;
        REQUIRE_OK(store->exportJson(r.id, freshPath("readonly.json").toStdString()));
    }
    const QByteArray before = fileBytes(path);
    auto store = RunStore::open(path.toStdString(), RunStore::OpenMode::ReadOnly);
    REQUIRE_OK(store);
    QVERIFY(store->readOnly());
    auto list = store->list();
    REQUIRE_OK(list);
    QCOMPARE(list->size(), size_t{1});
    auto loaded = store->load(r.id);
    REQUIRE_OK(loaded);
    QVERIFY(test::runDifference(*loaded, r).empty());

    auto refused = [](const auto& result) {
        return !result.ok() && result.error().message().find("read-only") != std::string::npos;
    };
    QVERIFY(refused(store->save(r)));
    QVERIFY(refused(store->setLabel(r.id, "x")));
    QVERIFY(refused(store->setNotes(r.id, "x")));
    QVERIFY(refused(store->remove(r.id)));
    QVERIFY(refused(store->importJson(freshPath("readonly.json").toStdString())));
    QCOMPARE(fileBytes(path), before);

    // Read-only never creates a file.
    const QString missing = freshPath("missing.sqlite");
    auto absent = RunStore::open(missing.toStdString(), RunStore::OpenMode::ReadOnly);
    QVERIFY(!absent.ok());
    QCOMPARE(absent.error().code(), ErrorCode::NotFound);
    QVERIFY(!QFile::exists(missing));

    // Nor does it migrate: an old file is refused untouched.
    const QString old = freshPath("readonly-v1.sqlite");
    createDatabaseAtVersion(old, 1);
    const QByteArray oldBefore = fileBytes(old);
    auto v1 = RunStore::open(old.toStdString(), RunStore::OpenMode::ReadOnly);
    QVERIFY(!v1.ok());
    QVERIFY2(v1.error().message().find("upgrade") != std::string::npos, message(v1.error()));
    QCOMPARE(fileBytes(old), oldBefore);
    QCOMPARE(queryInt(old, "PRAGMA user_version"), int64_t{1});
}

// A writer thread saves runs while a reader on its own connection keeps
// listing and loading: WAL lets the reader see each committed run, never a
// partial one, without either side failing with SQLITE_BUSY.
void TestRunStore::concurrentReaderWhileWriterSaves() {
    const std::string path = freshPath("concurrent.sqlite").toStdString();
    REQUIRE_OK(RunStore::open(path)); // create the schema first
    constexpr int kRuns = 40;
    std::atomic<bool> writing{true};
    std::mutex mutex;
    std::vector<std::string> errors;
    auto report = [&](const std::string& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e);
    };
    int readsWhileWriting = 0;
    size_t lastSeen = 0;

    std::thread writer([&] {
        auto store = RunStore::open(path);
        if (!store.ok()) {
            report("writer open: " + store.error().message());
            writing = false;
            return;
        }
        for (int i = 0; i < kRuns; ++i) {
            auto id = store->save(test::makeRun(static_cast<uint64_t>(i), 120, 16));
            if (!id.ok())
                report("save: " + id.error().message());
        }
        writing = false;
    });
    std::thread reader([&] {
        auto store = RunStore::open(path);
        if (!store.ok()) {
            report("reader open: " + store.error().message());
            return;
        }
        while (writing) {
            auto runs = store->list();
            if (!runs.ok()) {
                report("list: " + runs.error().message());
                continue;
            }
            ++readsWhileWriting;
            if (runs->size() < lastSeen)
                report("the run count went down");
            lastSeen = runs->size();
            if (runs->empty())
                continue;
            const RunSummary& newest = runs->front();
            auto run = store->load(newest.id);
            if (!run.ok()) {
                report("load: " + run.error().message());
                continue;
            }
            const uint64_t seed = std::stoull(newest.label.substr(4));
            const std::string diff = test::runDifference(*run, test::makeRun(seed, 120, 16), false);
            if (!diff.empty())
                report("run " + std::to_string(newest.id) + " differs: " + diff);
        }
    });
    writer.join();
    reader.join();
    for (const std::string& e : errors)
        qWarning("%s", e.c_str());
    QVERIFY(errors.empty());
    QVERIFY2(readsWhileWriting > 1, "the reader never ran while the writer was saving");
    qInfo("%d reads while writing", readsWhileWriting);
    auto store = RunStore::open(path);
    REQUIRE_OK(store);
    auto runs = store->list();
    REQUIRE_OK(runs);
    QCOMPARE(runs->size(), size_t{kRuns});
}

void TestRunStore::timestamps() {
    auto day = parseUtcTimestamp("2024-03-05");
    REQUIRE_OK(day);
    QCOMPARE(*day, utcMs(2024, 3, 5));
    QCOMPARE(*parseUtcTimestamp("2024-03-05 14:07"), utcMs(2024, 3, 5, 14, 7));
    QCOMPARE(*parseUtcTimestamp("2024-03-05T14:07:09"), utcMs(2024, 3, 5, 14, 7, 9));
    QCOMPARE(*parseUtcTimestamp("2024-03-05T14:07:09.250Z"), utcMs(2024, 3, 5, 14, 7, 9, 250));
    QCOMPARE(*parseUtcTimestamp("2024-02-29"), utcMs(2024, 2, 29));
    for (const char* bad : {"2023-02-29", "2024-13-01", "2024-03-05 25:00", "yesterday", "2024-3-5",
                            "2024-03-05 14:07:09.25", ""}) {
        auto r = parseUtcTimestamp(bad);
        QVERIFY2(!r.ok(), bad);
        QCOMPARE(r.error().code(), ErrorCode::Invalid);
    }
    for (int64_t ms : {int64_t{0}, utcMs(2024, 3, 5, 14, 7, 9, 250), utcMs(1999, 12, 31, 23, 59)}) {
        QCOMPARE(QString::fromStdString(formatUtcTimestamp(ms)),
                 QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString("yyyy-MM-dd HH:mm:ss"));
    }
}

void TestRunStore::defaultDatabasePathFollowsXdg() {
    const QByteArray savedXdg = qgetenv("XDG_DATA_HOME");
    const bool hadXdg = qEnvironmentVariableIsSet("XDG_DATA_HOME");
    const QByteArray savedHome = qgetenv("HOME");
    qputenv("HOME", "/home/tester");
    qputenv("XDG_DATA_HOME", "/data/xdg");
    auto a = defaultDatabasePath();
    qputenv("XDG_DATA_HOME", "relative/ignored");
    auto b = defaultDatabasePath();
    qunsetenv("XDG_DATA_HOME");
    auto c = defaultDatabasePath();
    qputenv("HOME", savedHome);
    if (hadXdg)
        qputenv("XDG_DATA_HOME", savedXdg);
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    REQUIRE_OK(c);
    QCOMPARE(*a, std::string("/data/xdg/dash-studio/runs.sqlite"));
    QCOMPARE(*b, std::string("/home/tester/.local/share/dash-studio/runs.sqlite"));
    QCOMPARE(*c, std::string("/home/tester/.local/share/dash-studio/runs.sqlite"));
    // The directory is created on first use.
    const QString nested = freshPath("xdg/dash-studio/runs.sqlite");
    REQUIRE_OK(RunStore::open(nested.toStdString()));
    QVERIFY(QFile::exists(nested));
}

void TestRunStore::cliRunsCommand() {
    const QString db = freshPath("cli.sqlite");
    const std::string dbArg = "--db=" + db.toStdString();
    std::vector<RunRecord> runs = {test::makeRun(0, 9, 4), test::makeRun(1, 7, 4),
                                   test::makeRun(2, 8, 4)};
    {
        auto store = RunStore::open(db.toStdString());
        REQUIRE_OK(store);
        for (RunRecord& r : runs) {
            auto id = store->save(r);
            REQUIRE_OK(id);
            r.id = *id;
        }
    }

    // list: newest first, filtered by policy.
    CliResult list = runCli({"list", dbArg, "--json"});
    QCOMPARE(list.code, 0);
    auto listed = Json::parse(list.out.toStdString());
    REQUIRE_OK(listed);
    QCOMPARE(listed->size(), size_t{3});
    QCOMPARE((*listed)[0]["id"].asInt(), runs[2].id);
    QCOMPARE((*listed)[2]["id"].asInt(), runs[0].id);
    CliResult dashOnly = runCli({"list", dbArg, "--json", "--policy", "dash"});
    QCOMPARE(dashOnly.code, 0);
    auto dashListed = Json::parse(dashOnly.out.toStdString());
    REQUIRE_OK(dashListed);
    QCOMPARE(dashListed->size(), size_t{1}); // makeRun(0) is the only "dash" run
    QCOMPARE((*dashListed)[0]["policy"].asString(), std::string("dash"));
    CliResult text = runCli({"list", dbArg});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("run-1") && text.out.contains("3 runs"));
    const std::string day = formatUtcTimestamp(runs[0].createdMs).substr(0, 10);
    CliResult byDay = runCli({"list", dbArg, "--json", "--since", day, "--until", day});
    QCOMPARE(byDay.code, 0);
    QCOMPARE(Json::parse(byDay.out.toStdString())->size(), size_t{3});

    // show
    CliResult show = runCli({"show", std::to_string(runs[1].id), dbArg});
    QCOMPARE(show.code, 0);
    QVERIFY(show.out.contains(QString::fromStdString(runs[1].model.path)));
    QVERIFY(show.out.contains("7 tokens x 4 layers"));
    CliResult showJson = runCli({"show", std::to_string(runs[1].id), dbArg, "--json"});
    QCOMPARE(showJson.code, 0);
    auto shown = Json::parse(showJson.out.toStdString());
    REQUIRE_OK(shown);
    int64_t cells = 0;
    for (const auto& [name, count] : (*shown)["trace"]["state_counts"].asObject())
        cells += count.asInt();
    QCOMPARE(cells, int64_t{7 * 4});

    // compare
    CliResult cmp = runCli(
        {"compare", std::to_string(runs[0].id), std::to_string(runs[1].id), dbArg, "--json"});
    QCOMPARE(cmp.code, 0);
    auto compared = Json::parse(cmp.out.toStdString());
    REQUIRE_OK(compared);
    int64_t differing = 0;
    for (int32_t i = 0; i < 7; ++i)
        for (int32_t l = 0; l < 4; ++l)
            differing += runs[0].trace.states[runs[0].trace.cell(i, l)] !=
                         runs[1].trace.states[runs[1].trace.cell(i, l)];
    QCOMPARE((*compared)["differing_states"].asInt(), differing);
    QCOMPARE((*compared)["tokens"].asInt(), int64_t{7});

    // export / import
    const QString exported = freshPath("cli-export.json");
    CliResult exp =
        runCli({"export", std::to_string(runs[2].id), dbArg, "--output", exported.toStdString()});
    QCOMPARE(exp.code, 0);
    CliResult imp = runCli({"import", exported.toStdString(), dbArg, "--json"});
    QCOMPARE(imp.code, 0);
    auto importedId = Json::parse(imp.out.toStdString());
    REQUIRE_OK(importedId);
    {
        auto store = RunStore::open(db.toStdString());
        REQUIRE_OK(store);
        auto loaded = store->load((*importedId)["id"].asInt());
        REQUIRE_OK(loaded);
        QVERIFY(test::runDifference(*loaded, runs[2], false).empty());
    }
    CliResult csv = runCli({"export", std::to_string(runs[1].id), dbArg, "--format", "csv"});
    QCOMPARE(csv.code, 0);
    QCOMPARE(csv.out.split('\n', Qt::SkipEmptyParts).size(), 1 + 7 * 4);

    // delete
    CliResult del = runCli({"delete", std::to_string(runs[0].id), dbArg});
    QCOMPARE(del.code, 0);
    CliResult again = runCli({"delete", std::to_string(runs[0].id), dbArg});
    QCOMPARE(again.code, 1);
    QVERIFY(again.err.startsWith("dash-cli runs: "));
    QVERIFY(again.err.contains("no run with id"));
    QCOMPARE(again.err.count('\n'), 1);

    // Errors: one line on stderr, exit status 1, nothing created.
    const QString missing = freshPath("cli-missing.sqlite");
    const std::vector<std::vector<std::string>> bad = {
        {"list", "--db", missing.toStdString()},
        {"frobnicate", dbArg},
        {"show", "abc", dbArg},
        {"show", dbArg},
        {"compare", "1", dbArg},
        {"export", "1", dbArg, "--format", "xml"},
        {"list", dbArg, "--since", "last week"},
        {"list", dbArg, "--bogus"},
        {},
    };
    for (const auto& args : bad) {
        CliResult r = runCli(args);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.startsWith("dash-cli runs: ") && r.err.count('\n') == 1, qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
    QVERIFY(!QFile::exists(missing));
}

QTEST_GUILESS_MAIN(TestRunStore)
// A bit flipped inside a run's cell data is invisible to SQLite's integrity
// check; the run's checksum finds it when the run is loaded (and so
// exported). The other runs still load.
void TestRunStore::checksumFindsDamageSqliteCannotSee() {
    const QString path = freshPath("checksum.sqlite");
    std::vector<RunRecord> runs;
    {
        auto store = RunStore::open(path.toStdString());
        REQUIRE_OK(store);
        for (uint64_t i = 0; i < 4; ++i) {
            runs.push_back(test::makeRun(40 + i, 16, 4));
            auto id = store->save(runs.back());
            REQUIRE_OK(id);
            runs.back().id = *id;
        }
    }
    const char* columns[] = {"token_ids", "states", "cos_in_out", "norm_out",
                             "scores",    "passes", "spans"};
    int flips = 0;
    for (const char* column : columns) {
        const QString copy = freshPath(QStringLiteral("checksum-%1.sqlite").arg(column));
        QVERIFY(QFile::copy(path, copy));
        const int64_t victim = runs[static_cast<size_t>(flips % 4)].id;
        {
            auto db = sql::Database::open(copy.toStdString(), sql::Database::Mode::ReadWrite);
            REQUIRE_OK(db);
            auto read = db->prepare(std::string("SELECT ") + column +
                                    " FROM run_cells WHERE run_id = " + std::to_string(victim));
            REQUIRE_OK(read);
            auto row = read->step();
            REQUIRE_OK(row);
            QVERIFY(*row);
            const std::span<const uint8_t> blob = read->columnBlob(0);
            std::vector<uint8_t> bytes(blob.begin(), blob.end());
            read->reset();
            QVERIFY(!bytes.empty());
            bytes[bytes.size() / 2] ^= 0x10;
            auto write = db->prepare(std::string("UPDATE run_cells SET ") + column +
                                     " = ?1 WHERE run_id = " + std::to_string(victim));
            REQUIRE_OK(write);
            REQUIRE_OK(write->bindBlob(1, bytes));
            REQUIRE_OK(write->run());
        }
        auto store = RunStore::open(copy.toStdString());
        REQUIRE_OK(store);
        auto integrity = store->integrityCheck();
        REQUIRE_OK(integrity);
        QCOMPARE(*integrity, std::string("ok"));
        auto damaged = store->load(victim);
        QVERIFY2(!damaged.ok(), column);
        QVERIFY2(damaged.error().message().find("damaged") != std::string::npos,
                 damaged.error().message().c_str());
        const QString out = freshPath(QStringLiteral("export-%1.json").arg(column));
        QVERIFY(!store->exportJson(victim, out.toStdString()).ok());
        QVERIFY(!QFile::exists(out));
        for (const RunRecord& r : runs) {
            if (r.id == victim)
                continue;
            auto loaded = store->load(r.id);
            REQUIRE_OK(loaded);
            QVERIFY(test::runDifference(*loaded, r).empty());
        }
        auto report = store->verify();
        REQUIRE_OK(report);
        QCOMPARE(report->size(), size_t{1});
        QCOMPARE(report->front().id, victim);
        ++flips;
    }
    // Labels and notes are edited by the user and not covered.
    auto store = RunStore::open(path.toStdString());
    REQUIRE_OK(store);
    REQUIRE_OK(store->setLabel(runs[0].id, "relabelled"));
    REQUIRE_OK(store->load(runs[0].id));
}

void TestRunStore::deleteIsAtomic() {
    const QString path = freshPath("delete-atomic.sqlite");
    auto store = RunStore::open(path.toStdString());
    REQUIRE_OK(store);
    std::vector<int64_t> ids;
    for (uint64_t i = 0; i < 3; ++i) {
        auto id = store->save(test::makeRun(60 + i, 8, 2));
        REQUIRE_OK(id);
        ids.push_back(*id);
    }
    auto missing = store->remove({ids[0], 999, ids[2]});
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message().find("nothing deleted") != std::string::npos,
             missing.error().message().c_str());
    QCOMPARE(store->list()->size(), size_t{3});
    REQUIRE_OK(store->remove({ids[0], ids[2]}));
    auto left = store->list();
    REQUIRE_OK(left);
    QCOMPARE(left->size(), size_t{1});
    QCOMPARE(left->front().id, ids[1]);
}

// On a full disk the write-ahead log cannot grow, so a delete in WAL mode
// fails; the store then deletes in place with the rollback journal in memory.
void TestRunStore::deleteWorksOnAFullDisk() {
    const QString path = freshPath("full-disk.sqlite");
    std::vector<int64_t> ids;
    {
        auto store = RunStore::open(path.toStdString());
        REQUIRE_OK(store);
        for (uint64_t i = 0; i < 3; ++i) {
            auto id = store->save(test::makeRun(70 + i, 64, 8));
            REQUIRE_OK(id);
            ids.push_back(*id);
        }
    }
    const qint64 sizeBefore = QFileInfo(path).size();
    FullDiskVfs::install();
    FullDiskVfs::full = true;
    {
        auto store = RunStore::open(path.toStdString());
        if (!store.ok())
            FullDiskVfs::uninstall();
        REQUIRE_OK(store);
        // The simulation bites: nothing can be added.
        auto saved = store->save(test::makeRun(80, 64, 8));
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().message().find("full") != std::string::npos,
                 saved.error().message().c_str());
        bool withoutJournal = false;
        Status removed = store->remove({ids[0], ids[1]}, &withoutJournal);
        FullDiskVfs::full = false;
        if (!removed.ok())
            FullDiskVfs::uninstall();
        REQUIRE_OK(removed);
        QVERIFY(withoutJournal);
    }
    FullDiskVfs::uninstall();
    QCOMPARE(QFileInfo(path).size(), sizeBefore); // pages are freed inside the file
    auto store = RunStore::open(path.toStdString());
    REQUIRE_OK(store);
    auto integrity = store->integrityCheck();
    REQUIRE_OK(integrity);
    QCOMPARE(*integrity, std::string("ok"));
    auto left = store->list();
    REQUIRE_OK(left);
    QCOMPARE(left->size(), size_t{1});
    REQUIRE_OK(store->load(ids[2]));
    // And it is a WAL database again.
    QCOMPARE(queryText(path, "PRAGMA journal_mode"), std::string("wal"));
}

// SQLite opens /dev/null as an empty database and writes /dev/null-journal
// beside it; a FIFO would block. Neither is a run database.
void TestRunStore::devicesAreNotDatabases() {
    const bool journalBefore = QFile::exists("/dev/null-journal");
    for (auto mode : {RunStore::OpenMode::ReadWrite, RunStore::OpenMode::ReadOnly}) {
        auto store = RunStore::open("/dev/null", mode);
        QVERIFY(!store.ok());
        QVERIFY2(store.error().message().find("character device") != std::string::npos,
                 store.error().message().c_str());
    }
    QCOMPARE(QFile::exists("/dev/null-journal"), journalBefore);
    auto dir = RunStore::open(m_dir.path().toStdString());
    QVERIFY(!dir.ok());
    QVERIFY(dir.error().message().find("directory") != std::string::npos);
}

#include "tst_run_store.moc"
