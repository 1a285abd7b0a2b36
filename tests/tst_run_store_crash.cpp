// SPDX-License-Identifier: MIT
// The run store under failures that need a second process: a writer killed
// with SIGKILL in the middle of saving, a file-size limit that makes writes
// fail with EFBIG (a full disk), and a directory the writer may not write to.
// The child is run_store_helper, started with posix_spawn.
#include "run_store_fixture.h"

#include "core/store/run_store.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace dash;

namespace {

// A helper process with its stdout on a pipe.
class Child {
public:
    explicit Child(const std::vector<std::string>& args) {
        int fds[2];
        if (pipe(fds) != 0)
            return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        std::vector<std::string> argv = {DASH_RUN_STORE_HELPER};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> cargv;
        for (auto& a : argv)
            cargv.push_back(a.data());
        cargv.push_back(nullptr);
        if (posix_spawn(&m_pid, cargv[0], &actions, nullptr, cargv.data(), environ) != 0)
            m_pid = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        m_fd = fds[0];
    }
    ~Child() {
        if (m_pid > 0 && !m_reaped) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        if (m_fd >= 0)
            close(m_fd);
    }

    bool started() const { return m_pid > 0; }

    // The next complete line, or nothing at end of output or after `timeoutMs`.
    std::optional<std::string> readLine(int timeoutMs) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (true) {
            if (auto nl = m_buffer.find('\n'); nl != std::string::npos) {
                std::string line = m_buffer.substr(0, nl);
                m_buffer.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            if (left <= 0 || m_eof)
                return std::nullopt;
            pollfd p{m_fd, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left)) <= 0)
                continue;
            char buf[4096];
            const ssize_t n = read(m_fd, buf, sizeof buf);
            if (n <= 0)
                m_eof = true;
            else
                m_buffer.append(buf, static_cast<size_t>(n));
        }
    }

    void killNow() { kill(m_pid, SIGKILL); }

    // waitpid status.
    int wait() {
        int status = 0;
        waitpid(m_pid, &status, 0);
        m_reaped = true;
        return status;
    }

private:
    pid_t m_pid = -1;
    int m_fd = -1;
    bool m_eof = false;
    bool m_reaped = false;
    std::string m_buffer;
};

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The seed of a run saved from makeRun(seed): its label is "run-<seed>".
uint64_t seedOf(const RunSummary& s) {
    return std::stoull(s.label.substr(4));
}

} // namespace

class TestRunStoreCrash : public QObject {
    Q_OBJECT

private slots:
    void killedWriterKeepsCommittedRuns();
    void fullDiskFailsCleanly();
    void readOnlyLocationFailsCleanly();
};

// Each round starts a writer that saves 1,000-token x 32-layer runs back to
// back and lets it commit a few. Then, as the writer announces its next save,
// the test waits a random part of the time a save has been taking and kills it
// with SIGKILL, so most kills land in the middle of a transaction (whatever
// the build's speed). After each round the file must pass
// integrity_check and hold every run the writer reported saved, bit for bit,
// and nothing else except possibly the run in flight (committed just before
// the kill, not yet reported).
void TestRunStoreCrash::killedWriterKeepsCommittedRuns() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string db = (dir.path() + "/runs.sqlite").toStdString();
    constexpr int32_t kTokens = 1000;
    constexpr int kRounds = 6;
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("random seed %u", seed);
    QRandomGenerator rng(seed);

    std::map<uint64_t, int64_t> reported; // seed -> id
    uint64_t next = 0;
    int killedMidSave = 0;
    for (int round = 0; round < kRounds; ++round) {
        Child child({"writer", db, std::to_string(kTokens), std::to_string(next)});
        QVERIFY(child.started());
        const int commitsFirst = 1 + static_cast<int>(rng.bounded(3));
        int commits = 0;
        std::string last;
        auto started = std::chrono::steady_clock::now();
        double longestSaveMs = 1;
        auto consume = [&](const std::string& line) {
            last = line;
            unsigned long long s = 0;
            long long id = 0;
            if (std::sscanf(line.c_str(), "saved %llu %lld", &s, &id) == 2) {
                reported[s] = id;
                ++commits;
                longestSaveMs =
                    std::max(longestSaveMs, std::chrono::duration<double, std::milli>(
                                                std::chrono::steady_clock::now() - started)
                                                .count());
            }
            if (std::sscanf(line.c_str(), "start %llu", &s) == 1) {
                next = s + 1;
                started = std::chrono::steady_clock::now();
            }
        };
        // Commits first, then up to the announcement of the next save.
        while (commits < commitsFirst || last.rfind("start", 0) != 0) {
            auto line = child.readLine(120000);
            QVERIFY2(line, "the writer stopped reporting");
            QVERIFY2(line->rfind("error", 0) != 0, line->c_str());
            consume(*line);
        }
        const auto waitMs = static_cast<int>(rng.bounded(std::max(1.0, 1.2 * longestSaveMs)));
        std::this_thread::sleep_for(std::chrono::milliseconds(waitMs));
        child.killNow();
        while (auto line = child.readLine(10000))
            consume(*line);
        const int status = child.wait();
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                 "the writer was not killed by SIGKILL");
        const bool midSave = last.rfind("start", 0) == 0;
        killedMidSave += midSave ? 1 : 0;

        auto store = RunStore::open(db);
        QVERIFY2(store.ok(), store.ok() ? "" : store.error().message().c_str());
        auto integrity = store->integrityCheck();
        QVERIFY(integrity.ok());
        QCOMPARE(QString::fromStdString(*integrity), QStringLiteral("ok"));
        auto runs = store->list();
        QVERIFY(runs.ok());
        std::map<uint64_t, int64_t> listed;
        for (const RunSummary& s : *runs)
            listed[seedOf(s)] = s.id;
        for (const auto& [s, id] : reported) {
            QVERIFY2(listed.count(s) && listed[s] == id,
                     qPrintable(QStringLiteral("reported run %1 missing").arg(s)));
        }
        // At most one run beyond those reported: the one in flight at the kill.
        QVERIFY(listed.size() == reported.size() ||
                (midSave && listed.size() == reported.size() + 1 && listed.count(next - 1)));
        for (const auto& [s, id] : listed) {
            auto loaded = store->load(id);
            QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());
            const std::string diff =
                test::runDifference(*loaded, test::makeRun(s, kTokens, 32), false);
            QVERIFY2(diff.empty(), diff.c_str());
        }
        // The run in flight, when it made it, now counts as committed.
        if (listed.size() > reported.size())
            reported[next - 1] = listed[next - 1];
        qInfo("round %d: %zu runs committed, killed %s", round, listed.size(),
              midSave ? "during a save" : "between saves");
    }
    QVERIFY2(killedMidSave > 0, "no kill landed inside a save; the test proved nothing");
}

// RLIMIT_FSIZE just above the current file size: the save has to grow a file
// past it and gets EFBIG, as on a full disk. The save must fail with a message
// that says so, and the runs saved before stay intact.
void TestRunStoreCrash::fullDiskFailsCleanly() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.path() + "/runs.sqlite";
    const std::string db = dbPath.toStdString();
    constexpr int kSaved = 3;
    {
        auto store = RunStore::open(db);
        QVERIFY(store.ok());
        for (int i = 0; i < kSaved; ++i)
            QVERIFY(store->save(test::makeRun(static_cast<uint64_t>(i), 200, 32)).ok());
    } // the last connection checkpoints and removes the WAL
    QVERIFY(!QFile::exists(dbPath + "-wal"));
    const qint64 size = QFileInfo(dbPath).size();
    const qint64 limit = size + 256 * 1024;
    // About 3.2 kB per token at 32 layers (cells and spans): twice the limit.
    const int32_t tokens = static_cast<int32_t>(2 * limit / 3000 + 100);

    Child child({"fill", db, std::to_string(tokens), std::to_string(limit)});
    QVERIFY(child.started());
    std::vector<std::string> lines;
    while (auto line = child.readLine(120000))
        lines.push_back(*line);
    const int status = child.wait();
    QVERIFY(WIFEXITED(status));
    QVERIFY2(WEXITSTATUS(status) == 0,
             lines.empty() ? "no output" : lines.front().c_str()); // 3: the save succeeded
    QVERIFY(!lines.empty());
    const QString error = QString::fromStdString(lines.front());
    qInfo("%s", qPrintable(error));
    QVERIFY(error.startsWith("error: saving a run"));
    QVERIFY2(error.contains("File too large") || error.contains("disk is full"), qPrintable(error));
    QVERIFY(error.contains(dbPath));
    QCOMPARE(QString::fromStdString(lines.at(1)),
             QStringLiteral("list after failure: %1").arg(kSaved));

    auto store = RunStore::open(db);
    QVERIFY(store.ok());
    auto integrity = store->integrityCheck();
    QVERIFY(integrity.ok());
    QCOMPARE(QString::fromStdString(*integrity), QStringLiteral("ok"));
    auto runs = store->list();
    QVERIFY(runs.ok());
    QCOMPARE(runs->size(), size_t{kSaved});
    for (const RunSummary& s : *runs) {
        auto loaded = store->load(s.id);
        QVERIFY(loaded.ok());
        const std::string diff =
            test::runDifference(*loaded, test::makeRun(seedOf(s), 200, 32), false);
        QVERIFY2(diff.empty(), diff.c_str());
    }
}

// A directory without write permission. Root ignores permission bits, so when
// the test runs as root the helper drops to uid 65534 first; the kernel then
// enforces the bits as for any user. Three cases: an existing database that is
// not writable, an existing database that is writable in a directory that is
// not (SQLite cannot create its -wal/-shm files), and a new database.
void TestRunStoreCrash::readOnlyLocationFailsCleanly() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString ro = dir.path() + "/ro";
    QVERIFY(QDir().mkdir(ro));
    const QString locked = ro + "/locked.sqlite";
    const QString writable = ro + "/writable.sqlite";
    const QString fresh = ro + "/new.sqlite";
    for (const QString& path : {locked, writable}) {
        auto store = RunStore::open(path.toStdString());
        QVERIFY(store.ok());
        QVERIFY(store->save(test::makeRun(1)).ok());
        QVERIFY(store->save(test::makeRun(2)).ok());
    }
    QVERIFY(chmod(QFile::encodeName(locked).constData(), 0444) == 0);
    QVERIFY(chmod(QFile::encodeName(writable).constData(), 0666) == 0);
    QVERIFY(chmod(QFile::encodeName(ro).constData(), 0555) == 0);
    QVERIFY(chmod(QFile::encodeName(dir.path()).constData(), 0755) == 0);
    const QByteArray lockedBefore = fileBytes(locked);
    const QByteArray writableBefore = fileBytes(writable);

    Child child({"readonly", locked.toStdString(), writable.toStdString(), fresh.toStdString()});
    QVERIFY(child.started());
    std::vector<std::string> lines;
    while (auto line = child.readLine(60000))
        lines.push_back(*line);
    const int status = child.wait();
    chmod(QFile::encodeName(ro).constData(), 0755);
    QVERIFY(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        QSKIP("running as root without the capability to switch to an unprivileged user, so "
              "permission bits cannot be made to apply");
    QCOMPARE(WEXITSTATUS(status), 0);
    QCOMPARE(lines.size(), size_t{3});
    for (const auto& line : lines)
        qInfo("%s", line.c_str());

    const QString lockedLine = QString::fromStdString(lines[0]);
    QVERIFY(lockedLine.startsWith(locked + ": error: " + locked));
    QVERIFY(lockedLine.contains("read-only"));
    const QString writableLine = QString::fromStdString(lines[1]);
    QVERIFY(writableLine.startsWith(writable + ": error: "));
    QVERIFY2(writableLine.contains("Permission denied") || writableLine.contains("readonly"),
             qPrintable(writableLine));
    const QString freshLine = QString::fromStdString(lines[2]);
    QVERIFY(freshLine.startsWith(fresh + ": error: " + fresh));
    QVERIFY(freshLine.contains("Permission denied"));

    QVERIFY(!QFile::exists(fresh));
    QCOMPARE(fileBytes(locked), lockedBefore);
    QCOMPARE(fileBytes(writable), writableBefore);
    for (const QString& path : {locked, writable}) {
        QVERIFY(chmod(QFile::encodeName(path).constData(), 0644) == 0);
        auto store = RunStore::open(path.toStdString());
        QVERIFY(store.ok());
        auto runs = store->list();
        QVERIFY(runs.ok());
        QCOMPARE(runs->size(), size_t{2});
        for (const RunSummary& s : *runs) {
            auto loaded = store->load(s.id);
            QVERIFY(loaded.ok());
            QVERIFY(test::runDifference(*loaded, test::makeRun(seedOf(s)), false).empty());
        }
    }
}

QTEST_GUILESS_MAIN(TestRunStoreCrash)
#include "tst_run_store_crash.moc"
