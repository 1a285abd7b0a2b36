// SPDX-License-Identifier: MIT
// dash-cli against what a hostile user types or points at: each case of a
// review that crashed, hung or lost output, rerun. Every refusal must exit 1
// with one line naming the file, field or option; valid input must give the
// right result; nothing may crash, hang, replace a device or a link, or exit
// 0 with its output gone. The commands run in forked children of this test
// (cli_runner.h), on a tiny model built here.
#include "cli_runner.h"
#include "run_store_fixture.h"
#include "test_support.h"
#include "tiny_model.h"

#include "app/cli/cli_common.h"
#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/policy_file.h"
#include "core/engine/trace_json.h"
#include "core/store/run_store.h"
#include "core/store/sqlite_db.h"
#include "core/util/input_file.h"
#include "core/util/json.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"
#include "core/util/unicode.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace dash;
namespace fs = std::filesystem;

namespace {

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeModel(const std::string& path, const test::TinyModel& m) {
    const std::vector<uint8_t> bytes = m.build();
    writeFile(path, std::string(bytes.begin(), bytes.end()));
}

// The last line of standard error: the one-line reason of a refusal.
std::string lastLine(std::string text) {
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text.substr(text.find_last_of('\n') + 1);
}

bool isCharDevice(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

} // namespace

// A refusal: exit 1, and the last line of stderr is "dash-cli <command>: ..."
// containing every one of `words`.
#define EXPECT_REFUSED(result, command, ...)                                                       \
    do {                                                                                           \
        const test::CliResult& r_ = (result);                                                      \
        QVERIFY2(r_.exited&& r_.code == 1,                                                         \
                 qPrintable(QString::fromStdString(r_.status() + ": " + r_.err)));                 \
        const std::string line_ = lastLine(r_.err);                                                \
        QVERIFY2(line_.rfind(std::string("dash-cli ") + (command) + ": ", 0) == 0, line_.c_str()); \
        for (const char* word_ : std::initializer_list<const char*>{__VA_ARGS__})                  \
            QVERIFY2(line_.find(word_) != std::string::npos,                                       \
                     qPrintable(QString::fromStdString("'" + std::string(word_) +                  \
                                                       "' not in: " + line_)));                    \
    } while (false)

#define EXPECT_SUCCESS(result)                                                                     \
    do {                                                                                           \
        const test::CliResult& r_ = (result);                                                      \
        QVERIFY2(r_.exited&& r_.code == 0,                                                         \
                 qPrintable(QString::fromStdString(r_.status() + ": " + r_.err)));                 \
    } while (false)

class TestCliHostile : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();

    // 1. info on files that parse but cannot run.
    void infoOnModelsThatCannotRun_data();
    void infoOnModelsThatCannotRun();
    // 2. --ctx beyond the model.
    void perplexityContextIsBounded();
    // 3. hangs: a checkpoint step of 1e300, /dev/zero and FIFOs as inputs.
    void checkpointStepOutOfRange();
    void devicesAndFifosAsInputs_data();
    void devicesAndFifosAsInputs();
    // 4. outputs: through links, never over devices, errors reported.
    void outputsWriteThroughSymlinks_data();
    void outputsWriteThroughSymlinks();
    void outputsRefuseDevicesAndFolders();
    void fullStandardOutputFails_data();
    void fullStandardOutputFails();
    void fullDiskKeepsTheEarlierFile();
    void outputFileUnit();
    void inputFileUnit();
    // 5. numbers narrowed to float.
    void calibrationBeyondFloatRange();
    void policyBeyondFloatRange();
    void nothingNonFiniteIsWritten();
    // 6. NaN and infinite weights.
    void nonFiniteWeightsAreRefused_data();
    void nonFiniteWeightsAreRefused();
    // 7. the smaller ones.
    void optionsAreRangeChecked_data();
    void optionsAreRangeChecked();
    void jsonOutputIsValidUtf8();
    void traceReaderRefusesBadValues_data();
    void traceReaderRefusesBadValues();
    void damagedRunIsReportedAndSkipped();
    void runsOnDevNull();
    void runsDeleteIsAtomic();
    void readOnlyDatabaseInReadOnlyFolder();
    void calibrationIgnoredIsSaid();
    void interruptedTrainingKeepsItsSteps();

private:
    test::CliResult cli(const std::vector<std::string>& args, test::CliOptions o = {});
    std::string path(const std::string& name) const { return m_root + "/" + name; }

    QTemporaryDir m_dir;
    std::string m_root;
    test::TinyModelSpec m_spec;
    std::string m_model, m_text, m_calibration, m_policy, m_trace, m_db;
    std::string m_prompt = "the cat sat on the mat";
};

test::CliResult TestCliHostile::cli(const std::vector<std::string>& args, test::CliOptions o) {
    o.scratchDir = m_root;
    if (o.timeoutMs == 30000)
        o.timeoutMs = 120000;
    return test::runCliForked(args, o);
}

void TestCliHostile::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_root = m_dir.path().toStdString();
    m_spec.layers = 3;
    m_spec.dim = 32;
    m_spec.heads = 2;
    m_spec.kvHeads = 1;
    m_spec.ffn = 64;
    m_spec.vocab = 96;
    m_spec.context = 48;
    m_model = path("model.gguf");
    writeModel(m_model, test::makeTinyModel(m_spec));
    std::string text;
    const char* words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat ", "dog ", "ran ", "far "};
    for (int i = 0; text.size() < 2400; ++i)
        text += words[(i * 7 + i / 3) % 9];
    m_text = path("text.txt");
    writeFile(m_text, text);
    m_calibration = path("calibration.json");
    EXPECT_SUCCESS(cli({"calibrate", "--model", m_model, "--file", m_text, "--sequences", "2",
                        "--seq-len", "16", "--out", m_calibration, "--quiet", "--threads", "1"}));
    m_policy = path("dash.policy");
    EXPECT_SUCCESS(cli({"train-policy",
                        "--model",
                        m_model,
                        "--calibration",
                        m_calibration,
                        "--file",
                        m_text,
                        "--out",
                        m_policy,
                        "--steps",
                        "2",
                        "--window",
                        "8",
                        "--hidden",
                        "8",
                        "--embed",
                        "4",
                        "--quiet",
                        "--threads",
                        "1"}));
    m_trace = path("trace.json");
    EXPECT_SUCCESS(cli({"trace", "--model", m_model, "--prompt", m_prompt, "--n", "2", "--format",
                        "json", "--out", m_trace, "--threads", "1"}));
    m_db = path("runs.sqlite");
    auto store = RunStore::open(m_db);
    QVERIFY(store.ok());
    for (uint64_t i = 1; i <= 3; ++i)
        QVERIFY(store->save(test::makeRun(i, 12, 3)).ok());
}

// 1. Each of these parses as GGUF but cannot run; `generate` refused them
// cleanly, `info` read freed memory. Now info describes what it can and says
// why the model cannot run, exiting 1.
void TestCliHostile::infoOnModelsThatCannotRun_data() {
    QTest::addColumn<QString>("change");
    QTest::newRow("head_count 0") << "head_count";
    QTest::newRow("unknown architecture") << "architecture";
    QTest::newRow("missing tensor") << "missing";
    QTest::newRow("wrong shape") << "shape";
    QTest::newRow("vocabulary mismatch") << "vocabulary";
}

void TestCliHostile::infoOnModelsThatCannotRun() {
    QFETCH(QString, change);
    test::TinyModel m = test::makeTinyModel(m_spec);
    if (change == "head_count")
        m.setMetadata("llama.attention.head_count", uint32_t{0});
    else if (change == "architecture")
        m.setMetadata("general.architecture", "gpt-unknown");
    else if (change == "missing")
        QVERIFY(m.removeTensor("blk.1.ffn_down.weight"));
    else if (change == "shape")
        std::swap(m.findTensor("blk.0.ffn_up.weight")->shape[0],
                  m.findTensor("blk.0.ffn_up.weight")->shape[1]);
    else
        m.setMetadata("tokenizer.ggml.tokens", test::GgufMeta::stringArray({"<unk>", "<s>"}));
    const std::string file = path("broken-" + change.toStdString() + ".gguf");
    writeModel(file, m);
    for (const bool json : {false, true}) {
        std::vector<std::string> args = {"info", "--model", file};
        if (json)
            args.push_back("--json");
        const test::CliResult r = cli(args);
        QVERIFY2(r.exited, r.status().c_str());
        QCOMPARE(r.code, 1);
        // The file is still described (metadata), with the reason it cannot run.
        QVERIFY2(r.out.find("general.architecture") != std::string::npos, r.out.c_str());
        QVERIFY2((r.out + r.err).find(json ? "\"refusal\"" : "kind: refused") != std::string::npos,
                 r.out.c_str());
    }
    // generate says it in one line.
    EXPECT_REFUSED(cli({"generate", "--model", file, "--prompt", "a", "--n", "2"}), "generate");
}

// 2. --ctx 3000000 aborted with bad_alloc; --ctx above the model's context
// was accepted and gave another perplexity.
void TestCliHostile::perplexityContextIsBounded() {
    const std::vector<std::string> base = {"perplexity", "--model",      m_model,  "--file",
                                           m_text,       "--quiet",      "--json", "--threads",
                                           "1",          "--max-tokens", "200"};
    for (const char* ctx : {"3000000", "49", "1000", "1", "-5", "nan", "9223372036854775808"}) {
        std::vector<std::string> args = base;
        args.insert(args.end(), {"--ctx", ctx});
        EXPECT_REFUSED(cli(args), "perplexity", "--ctx");
    }
    for (const char* ctx : {"48", "16"}) {
        std::vector<std::string> args = base;
        args.insert(args.end(), {"--ctx", ctx});
        const test::CliResult r = cli(args);
        EXPECT_SUCCESS(r);
        auto json = Json::parse(r.out);
        QVERIFY(json.ok());
        QCOMPARE((*json)["ctx"].asNumber(), std::atof(ctx));
        QVERIFY(std::isfinite((*json)["ppl"].asNumber()) && (*json)["ppl"].asNumber() > 1.0);
    }
}

// 3a. A checkpoint with "step": 1e300 started training at INT64_MIN.
void TestCliHostile::checkpointStepOutOfRange() {
    const std::string checkpoint = path("checkpoint.json");
    const std::vector<std::string> args = {"train-policy",
                                           "--model",
                                           m_model,
                                           "--calibration",
                                           m_calibration,
                                           "--file",
                                           m_text,
                                           "--out",
                                           path("resumed.policy"),
                                           "--steps",
                                           "3",
                                           "--window",
                                           "8",
                                           "--hidden",
                                           "8",
                                           "--embed",
                                           "4",
                                           "--quiet",
                                           "--threads",
                                           "1",
                                           "--checkpoint",
                                           checkpoint};
    EXPECT_SUCCESS(cli(args));
    auto saved = readJsonFile(checkpoint);
    QVERIFY(saved.ok());
    QCOMPARE((*saved)["step"].asNumber(), 3.0);
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, Json>>{{"step", Json(1e300)},
                                                   {"step", Json(-1.0)},
                                                   {"step", Json(2.5)},
                                                   {"adam_t", Json(1e300)},
                                                   {"beta", Json()},
                                                   {"adam_v", Json(Json::Array{Json(-1.0)})}}) {
        Json bad = *saved;
        bad.set(field, value);
        writeFile(checkpoint, bad.dump());
        EXPECT_REFUSED(cli(args), "train-policy", "checkpoint.json", field.c_str());
    }
}

// 3b. /dev/zero was read until memory ran out; a FIFO with no writer blocked.
void TestCliHostile::devicesAndFifosAsInputs_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("/dev/zero") << "/dev/zero";
    QTest::newRow("fifo") << "fifo";
    QTest::newRow("directory") << "directory";
}

void TestCliHostile::devicesAndFifosAsInputs() {
    QFETCH(QString, kind);
    std::string bad = kind.toStdString();
    const char* reason = "character device";
    if (kind == "fifo") {
        bad = path("fifo");
        if (!fs::exists(bad))
            QCOMPARE(::mkfifo(bad.c_str(), 0644), 0);
        reason = "FIFO";
    } else if (kind == "directory") {
        bad = m_root;
        reason = "directory";
    }
    const std::vector<std::pair<std::string, std::vector<std::string>>> uses = {
        {"info", {"info", "--model", bad}},
        {"generate", {"generate", "--model", bad, "--prompt", "a"}},
        {"perplexity", {"perplexity", "--model", m_model, "--file", bad}},
        {"calibrate", {"calibrate", "--model", m_model, "--file", bad, "--out", path("c.json")}},
        {"run", {"run", "--model", m_model, "--prompt", "a", "--policy", bad}},
        {"run",
         {"run", "--model", m_model, "--prompt", "a", "--policy", "static", "--calibration", bad}},
        {"export", {"export", "--trace", bad, "--csv", path("t.csv")}},
        {"export", {"export", "--sweep", bad, "--latex", path("t.tex")}},
        {"runs", {"runs", "import", bad, "--db", path("import.sqlite")}},
        {"train-policy",
         {"train-policy", "--model", m_model, "--calibration", bad, "--file", m_text, "--out",
          path("p.policy")}},
    };
    for (const auto& [command, args] : uses) {
        test::CliOptions o;
        o.timeoutMs = 20000; // a blocked reader shows as a timeout
        EXPECT_REFUSED(cli(args, o), command.c_str(), reason);
    }
}

// 4a. Outputs were renamed over the path: a link was replaced by a file.
void TestCliHostile::outputsWriteThroughSymlinks_data() {
    QTest::addColumn<QString>("command");
    for (const char* c :
         {"runs-export", "calibrate", "run-trace-out", "train-policy", "trace", "export-csv"})
        QTest::newRow(c) << c;
}

void TestCliHostile::outputsWriteThroughSymlinks() {
    QFETCH(QString, command);
    const std::string dir = path("links-" + command.toStdString());
    fs::create_directories(dir + "/real");
    const std::string target = dir + "/real/output";
    const std::string link = dir + "/link";
    writeFile(target, "earlier contents\n");
    ::chmod(target.c_str(), 0640);
    fs::create_symlink("real/output", link); // relative, as users make them
    std::vector<std::string> args;
    if (command == "runs-export")
        args = {"runs", "export", "2", "--db", m_db, "--output", link};
    else if (command == "calibrate")
        args = {"calibrate", "--model", m_model, "--file", m_text,    "--sequences", "1",
                "--seq-len", "16",      "--out", link,     "--quiet", "--threads",   "1"};
    else if (command == "run-trace-out")
        args = {"run", "--model",     m_model, "--prompt", m_prompt,    "--n",
                "1",   "--trace-out", link,    "--quiet",  "--threads", "1"};
    else if (command == "train-policy")
        args = {"train-policy",
                "--model",
                m_model,
                "--calibration",
                m_calibration,
                "--file",
                m_text,
                "--out",
                link,
                "--steps",
                "1",
                "--window",
                "8",
                "--hidden",
                "8",
                "--embed",
                "4",
                "--quiet",
                "--threads",
                "1"};
    else if (command == "trace")
        args = {"trace", "--model", m_model, "--prompt",  m_prompt, "--format",
                "csv",   "--out",   link,    "--threads", "1"};
    else
        args = {"export", "--trace", m_trace, "--csv", link};
    EXPECT_SUCCESS(cli(args));
    QVERIFY(fs::is_symlink(link));
    QCOMPARE(fs::read_symlink(link).string(), std::string("real/output"));
    const std::string written = readFile(target);
    QVERIFY(written != "earlier contents\n" && written.size() > 20);
    struct stat st {};
    QCOMPARE(::stat(target.c_str(), &st), 0);
    QCOMPARE(static_cast<int>(st.st_mode & 0777), 0640); // the replaced file's permissions
    // Nothing left behind beside it.
    QCOMPARE(static_cast<int>(
                 std::distance(fs::directory_iterator(dir + "/real"), fs::directory_iterator{})),
             1);
}

// 4b. As root, /dev/full was replaced by a regular file.
void TestCliHostile::outputsRefuseDevicesAndFolders() {
    const std::string fifo = path("out-fifo");
    QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
    const std::string linkToDevice = path("link-to-full");
    fs::create_symlink("/dev/full", linkToDevice);
    for (const std::string& target : {std::string("/dev/full"), fifo, m_root, linkToDevice}) {
        test::CliOptions o;
        o.timeoutMs = 20000;
        EXPECT_REFUSED(cli({"runs", "export", "1", "--db", m_db, "--output", target}, o), "runs",
                       "not a regular file");
        EXPECT_REFUSED(cli({"trace", "--model", m_model, "--prompt", "a", "--out", target}, o),
                       "trace", "not a regular file");
        EXPECT_REFUSED(cli({"calibrate", "--model", m_model, "--file", m_text, "--out", target}, o),
                       "calibrate", "not a regular file");
    }
    QVERIFY(isCharDevice("/dev/full"));
    QVERIFY(fs::is_symlink(linkToDevice));
    // A missing folder names the path.
    EXPECT_REFUSED(cli({"export", "--trace", m_trace, "--csv", path("no/such/dir/x.csv")}),
                   "export", "no/such/dir");
    // Streams the user asked for are written.
    const test::CliResult toStdout = cli({"export", "--trace", m_trace, "--csv", "-"});
    EXPECT_SUCCESS(toStdout);
    QVERIFY(toStdout.out.rfind("token_index,", 0) == 0);
    EXPECT_SUCCESS(cli({"export", "--trace", m_trace, "--csv", "/dev/null"}));
    const test::CliResult viaDevStdout =
        cli({"runs", "export", "1", "--db", m_db, "--output", "/dev/stdout"});
    EXPECT_SUCCESS(viaDevStdout);
    QVERIFY(Json::parse(viaDevStdout.out).ok());
}

// 4c. With standard output on a full device every command exited 0.
void TestCliHostile::fullStandardOutputFails_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("info") << QStringList{"info", "--json"};
    QTest::newRow("tokenize") << QStringList{"tokenize", "--text", "the cat"};
    QTest::newRow("logits") << QStringList{"logits", "--prompt", "the cat"};
    QTest::newRow("generate") << QStringList{"generate", "--prompt", "the cat", "--n", "4"};
    QTest::newRow("trace") << QStringList{"trace", "--prompt", "the cat", "--format", "csv"};
    QTest::newRow("perplexity") << QStringList{"perplexity", "--file",  "TEXT",         "--ctx",
                                               "16",         "--quiet", "--max-tokens", "100"};
    QTest::newRow("runs list") << QStringList{"runs", "list", "--db", "DB"};
    QTest::newRow("export -") << QStringList{"export", "--trace", "TRACE", "--csv", "-"};
}

void TestCliHostile::fullStandardOutputFails() {
    QFETCH(QStringList, args);
    std::vector<std::string> a;
    for (const QString& s : args)
        a.push_back(s == "TEXT"    ? m_text
                    : s == "DB"    ? m_db
                    : s == "TRACE" ? m_trace
                                   : s.toStdString());
    if (a.front() == "info" || a.front() == "tokenize")
        a.insert(a.begin() + 1, {"--model", m_model});
    else if (a.front() != "runs" && a.front() != "export")
        a.insert(a.begin() + 1, {"--model", m_model, "--threads", "1"});
    test::CliOptions o;
    o.stdoutPath = "/dev/full";
    EXPECT_REFUSED(cli(a, o), a.front().c_str(), "standard output", "No space left on device");
}

// 4d. trace --out on a full disk left a 0-byte file and exited 0. RLIMIT_FSIZE
// makes the write fail with EFBIG, as a full disk does with ENOSPC.
void TestCliHostile::fullDiskKeepsTheEarlierFile() {
    const std::string dir = path("full");
    fs::create_directories(dir);
    const std::string out = dir + "/trace.csv";
    writeFile(out, "earlier\n");
    // 4 KiB: more than the error message (stderr is a file here too), less
    // than the output.
    test::CliOptions o;
    o.fileSizeLimit = 4096;
    EXPECT_REFUSED(cli({"trace", "--model", m_model, "--prompt", m_prompt, "--format", "csv", "--n",
                        "20", "--out", out, "--threads", "1"},
                       o),
                   "trace", out.c_str(), "File too large");
    QCOMPARE(readFile(out), std::string("earlier\n"));
    // SQLite's -shm file takes 32 KiB: a larger limit, and a run larger than it.
    const std::string db = dir + "/big.sqlite";
    {
        auto store = RunStore::open(db);
        QVERIFY(store.ok());
        QVERIFY(store->save(test::makeRun(9, 100, 8)).ok());
    }
    o.fileSizeLimit = 40000;
    EXPECT_REFUSED(cli({"runs", "export", "1", "--db", db, "--output", out}, o), "runs",
                   out.c_str(), "File too large");
    QCOMPARE(readFile(out), std::string("earlier\n"));
    fs::remove(db);
    QCOMPARE(static_cast<int>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{})),
             1);
}

void TestCliHostile::outputFileUnit() {
    const std::string dir = path("unit-out");
    fs::create_directories(dir);
    const std::string file = dir + "/a.txt";
    QVERIFY(writeOutputFile(file, "one").ok());
    QCOMPARE(readFile(file), std::string("one"));
    // A dangling link creates its target.
    fs::create_symlink("b.txt", dir + "/dangling");
    QVERIFY(writeOutputFile(dir + "/dangling", "two").ok());
    QCOMPARE(readFile(dir + "/b.txt"), std::string("two"));
    QVERIFY(fs::is_symlink(dir + "/dangling"));
    // A link loop is refused.
    fs::create_symlink("loop", dir + "/loop");
    auto loop = writeOutputFile(dir + "/loop", "x");
    QVERIFY(!loop.ok());
    QVERIFY2(loop.error().message().find("symbolic links") != std::string::npos,
             loop.error().message().c_str());
    // Not committed: no file, no temporary.
    {
        auto out = OutputFile::create(dir + "/never.txt");
        QVERIFY(out.ok());
        QVERIFY(out->write("partial").ok());
    }
    QVERIFY(!fs::exists(dir + "/never.txt"));
    QCOMPARE(static_cast<int>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{})),
             4);
    QVERIFY(isStreamPath("-") && isStreamPath("/dev/fd/3") && !isStreamPath("/dev/full"));
    QVERIFY(!checkOutputTarget("/dev/full").ok());
    QVERIFY(checkOutputTarget(dir + "/new.txt").ok());
}

void TestCliHostile::inputFileUnit() {
    const std::string file = path("input.txt");
    writeFile(file, std::string(1000, 'x'));
    auto ok = readInputFile(file, kTextInput);
    QVERIFY(ok.ok());
    QCOMPARE(ok->size(), size_t{1000});
    auto tooBig = readInputFile(file, InputLimit{"test file", 999});
    QVERIFY(!tooBig.ok());
    QVERIFY2(tooBig.error().message().find("999 bytes a test file may hold") != std::string::npos,
             tooBig.error().message().c_str());
    for (const char* device : {"/dev/zero", "/dev/null", "/dev/urandom"}) {
        auto r = readInputFile(device, kTextInput);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message().find("character device") != std::string::npos);
    }
    QVERIFY(!readInputFile(m_root, kJsonInput).ok());
    QVERIFY(!readInputFile(path("missing"), kJsonInput).ok());
}

// 5a. 1e300 passed the finite check as a double and became inf as a float:
// train-policy printed dNLL -nan and wrote a policy of nulls.
void TestCliHostile::calibrationBeyondFloatRange() {
    auto c = readJsonFile(m_calibration);
    QVERIFY(c.ok());
    for (const char* field : {"norm_ratio", "mean_cos", "least_squares"}) {
        Json bad = *c;
        Json::Array values = (*c)[field].asArray();
        values[1] = Json(1e300);
        bad.set(field, Json(values));
        const std::string file = path(std::string("huge-") + field + ".json");
        writeFile(file, bad.dump());
        EXPECT_REFUSED(cli({"train-policy", "--model", m_model, "--calibration", file, "--file",
                            m_text, "--out", path("never.policy"), "--steps", "1", "--quiet"}),
                       "train-policy", field, "float range");
        EXPECT_REFUSED(cli({"run", "--model", m_model, "--prompt", "a", "--policy", "static",
                            "--calibration", file}),
                       "run", field);
        QVERIFY(!fs::exists(path("never.policy")));
    }
    Json bad = *c;
    Json::Array rows = (*c)["gamma"].asArray();
    Json::Array row = rows[0].asArray();
    row[3] = Json(-1e39);
    rows[0] = Json(row);
    bad.set("gamma", Json(rows));
    writeFile(path("huge-gamma.json"), bad.dump());
    EXPECT_REFUSED(
        cli({"train-policy", "--model", m_model, "--calibration", path("huge-gamma.json"), "--file",
             m_text, "--out", path("never.policy"), "--quiet"}),
        "train-policy", "gamma");
}

// 5b. The same inside a policy file whose checksum was made to match.
void TestCliHostile::policyBeyondFloatRange() {
    auto p = readJsonFile(m_policy);
    QVERIFY(p.ok());
    const auto reseal = [](Json& j) {
        j.set("checksum", sha256Hex(j["kind"].asString() + "\n" + j["model"]["sha256"].asString() +
                                    "\n" + j["state"].dump()));
    };
    {
        Json bad = *p;
        Json state = bad["state"];
        Json scorer = state["scorer"];
        Json::Array params = scorer["parameters"].asArray();
        params[17] = Json(1e300);
        scorer.set("parameters", Json(params));
        state.set("scorer", scorer);
        bad.set("state", state);
        reseal(bad);
        writeFile(path("huge.policy"), bad.dump());
        EXPECT_REFUSED(
            cli({"run", "--model", m_model, "--prompt", "a", "--policy", path("huge.policy")}),
            "run", "scorer.parameters[17]");
    }
    {
        Json bad = *p;
        Json state = bad["state"];
        state.set("cost_bias", Json(-1e300));
        bad.set("state", state);
        reseal(bad);
        writeFile(path("bias.policy"), bad.dump());
        EXPECT_REFUSED(
            cli({"run", "--model", m_model, "--prompt", "a", "--policy", path("bias.policy")}),
            "run", "cost_bias");
    }
    // A baseline whose integer knob is out of range (undefined to convert).
    auto model = Model::load(m_model);
    QVERIFY(model.ok());
    Json j = policyFileJson(RandomSkipPolicy(3, 0.3, 5), **model);
    Json state = j["state"];
    state.set("seed", Json(1e20)); // past UINT64_MAX
    j.set("state", state);
    reseal(j);
    writeFile(path("seed.policy"), j.dump());
    EXPECT_REFUSED(
        cli({"run", "--model", m_model, "--prompt", "a", "--policy", path("seed.policy")}), "run",
        "seed");
}

// 5c. What cannot be read back is not written.
void TestCliHostile::nothingNonFiniteIsWritten() {
    auto model = Model::load(m_model);
    QVERIFY(model.ok());
    const std::string file = path("nan.policy");
    auto st =
        savePolicyFile(file, AdaSkipPolicy(3, std::numeric_limits<double>::quiet_NaN()), **model);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message().find("skip_layers") != std::string::npos,
             st.error().message().c_str());
    QVERIFY(!fs::exists(file));
    auto c = loadCalibration(m_calibration);
    QVERIFY(c.ok());
    c->normRatio[2] = std::numeric_limits<double>::infinity();
    auto saved = saveCalibration(path("inf-calibration.json"), *c);
    QVERIFY(!saved.ok());
    QVERIFY2(saved.error().message().find("norm_ratio[2]") != std::string::npos,
             saved.error().message().c_str());
    QVERIFY(!fs::exists(path("inf-calibration.json")));
}

// 6. NaN/Inf weights gave "<unk><unk>", null logits and "ppl": null.
void TestCliHostile::nonFiniteWeightsAreRefused_data() {
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<float>("value");
    QTest::addColumn<int>("type"); // TensorType of the 2-D weights
    QTest::addColumn<QString>("reason");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    QTest::newRow("F32 NaN") << "blk.1.attn_q.weight" << nan << int(TensorType::F32) << "NaN";
    QTest::newRow("F32 -inf") << "token_embd.weight" << -inf << int(TensorType::F32) << "infinity";
    QTest::newRow("F16 inf") << "blk.2.ffn_down.weight" << inf << int(TensorType::F16)
                             << "infinity";
    // A block whose largest value is beyond 127 (Q8_0) or 8 (Q4_0) times the
    // half range gets an infinite scale.
    QTest::newRow("Q8_0 scale") << "blk.0.ffn_up.weight" << 1e9f << int(TensorType::Q8_0)
                                << "infinity";
    QTest::newRow("Q4_0 scale") << "output.weight" << -1e9f << int(TensorType::Q4_0) << "infinity";
    QTest::newRow("norm NaN") << "blk.0.attn_norm.weight" << nan << int(TensorType::F32) << "NaN";
}

void TestCliHostile::nonFiniteWeightsAreRefused() {
    QFETCH(QString, tensor);
    QFETCH(float, value);
    QFETCH(int, type);
    QFETCH(QString, reason);
    test::TinyModelSpec spec = m_spec;
    spec.weightType = static_cast<TensorType>(type);
    test::TinyModel m = test::makeTinyModel(spec);
    test::TinyTensor* t = m.findTensor(tensor.toStdString());
    QVERIFY(t);
    // For a quantized tensor a value beyond the half range makes the block's
    // scale infinite.
    t->values[5] = value;
    const std::string file = path(std::string("nonfinite-") + QTest::currentDataTag() + ".gguf");
    writeModel(file, m);
    const std::string name = tensor.toStdString();
    const std::string why = reason.toStdString();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"generate", "--model", file, "--prompt", "the cat", "--n", "3"},
             {"logits", "--model", file, "--prompt", "the cat"},
             {"perplexity", "--model", file, "--file", m_text, "--ctx", "16", "--quiet"},
             {"calibrate", "--model", file, "--file", m_text, "--out", path("c.json"), "--quiet"}})
        EXPECT_REFUSED(cli(args), args.front().c_str(), name.c_str(), why.c_str());
}

// 7a. --n 2147483648 was cut to 32 bits (0 tokens, exit 0); NaN and junk.
void TestCliHostile::optionsAreRangeChecked_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("option");
    QTest::newRow("n 2^31") << QStringList{"generate", "--n", "2147483648"} << "--n";
    QTest::newRow("n past context") << QStringList{"generate", "--n", "49"} << "--n";
    QTest::newRow("n 2^63") << QStringList{"generate", "--n", "9223372036854775808"} << "--n";
    QTest::newRow("temp nan") << QStringList{"generate", "--temp", "nan"} << "--temp";
    QTest::newRow("temp inf") << QStringList{"generate", "--temp", "inf"} << "--temp";
    QTest::newRow("top-p 2") << QStringList{"generate", "--top-p", "2"} << "--top-p";
    QTest::newRow("top-k -1") << QStringList{"generate", "--top-k", "-1"} << "--top-k";
    QTest::newRow("threads 1e6") << QStringList{"generate", "--threads", "1000000"} << "--threads";
    QTest::newRow("threads 1.5") << QStringList{"generate", "--threads", "1.5"} << "--threads";
    QTest::newRow("threads space") << QStringList{"generate", "--threads", " 2"} << "--threads";
    QTest::newRow("top 0") << QStringList{"logits", "--top", "0"} << "--top";
    QTest::newRow("trace n") << QStringList{"trace", "--n", "4294967297"} << "--n";
    QTest::newRow("run ratio nan") << QStringList{"run", "--ratio", "nan"} << "--ratio";
    QTest::newRow("run ratio 0.5") << QStringList{"run", "--ratio", "0.5"} << "--ratio";
    QTest::newRow("bench repeats") << QStringList{"bench", "--repeats", "0"} << "--repeats";
    QTest::newRow("seq-len") << QStringList{"calibrate", "--seq-len", "100000"} << "--seq-len";
    QTest::newRow("steps") << QStringList{"train-policy", "--steps", "1e300"} << "--steps";
    QTest::newRow("lr inf") << QStringList{"train-policy", "--lr", "-inf"} << "--lr";
    QTest::newRow("group") << QStringList{"train-policy", "--group", "48"} << "--group";
    QTest::newRow("state costs") << QStringList{"train-policy", "--state-costs", "0,1,2,1e300"}
                                 << "--state-costs";
    QTest::newRow("limit") << QStringList{"runs", "list", "--limit", "-3"} << "--limit";
}

void TestCliHostile::optionsAreRangeChecked() {
    QFETCH(QStringList, args);
    QFETCH(QString, option);
    std::vector<std::string> a;
    for (const QString& s : args)
        a.push_back(s.toStdString());
    const std::string command = a.front();
    if (command == "runs") {
        a.insert(a.end(), {"--db", m_db});
    } else {
        a.insert(a.begin() + 1, {"--model", m_model});
        if (command == "generate" || command == "logits" || command == "trace" || command == "run")
            a.insert(a.end(), {"--prompt", "the cat"});
        if (command == "calibrate")
            a.insert(a.end(), {"--file", m_text, "--out", path("c.json")});
        if (command == "train-policy")
            a.insert(a.end(),
                     {"--file", m_text, "--calibration", m_calibration, "--out", path("p.policy")});
        if (command == "run")
            a.insert(a.end(), {"--policy", "adaskip"});
    }
    const std::string name = option.toStdString();
    EXPECT_REFUSED(cli(a), command.c_str(), name.c_str());
}

// 7b. generate --json could put invalid UTF-8 into a JSON string.
void TestCliHostile::jsonOutputIsValidUtf8() {
    QCOMPARE(cli::validUtf8("a\xff"
                            "b\xe2\x96"),
             std::string("a\xef\xbf\xbd"
                         "b\xef\xbf\xbd\xef\xbf\xbd"));
    QCOMPARE(cli::validUtf8("\xe2\x96\x81ok"), std::string("\xe2\x96\x81ok"));
    const test::CliResult r =
        cli({"generate", "--model", m_model, "--prompt", "the cat", "--n", "8", "--json", "--temp",
             "1.5", "--seed", "3", "--threads", "1"});
    EXPECT_SUCCESS(r);
    QVERIFY(isValidUtf8(r.out));
    auto j = Json::parse(r.out);
    QVERIFY(j.ok());
    QCOMPARE((*j)["generated_ids"].size(), size_t{8});
}

// 7c. The trace reader turned state 1e300 into "skip" and missing numbers into 0.
void TestCliHostile::traceReaderRefusesBadValues_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value"); // JSON for cell [0][0], or a whole field
    QTest::newRow("state 1e300") << "states"
                                 << "1e300";
    QTest::newRow("state 3") << "states"
                             << "3";
    QTest::newRow("state 0.5") << "states"
                               << "0.5";
    QTest::newRow("cos 5") << "cos_in_out"
                           << "5";
    QTest::newRow("cos 1e300") << "cos_adjacent"
                               << "1e300";
    QTest::newRow("norm -1") << "norm_in"
                             << "-1";
    QTest::newRow("time string") << "layer_time_ns"
                                 << "\"12\"";
    QTest::newRow("id -1") << "ids"
                           << "-1";
    QTest::newRow("id 1e300") << "ids"
                              << "1e300";
    QTest::newRow("pass total 1e300") << "passes"
                                      << "1e300";
    QTest::newRow("span end before start") << "spans"
                                           << "-5";
}

void TestCliHostile::traceReaderRefusesBadValues() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    auto trace = readJsonFile(m_trace);
    QVERIFY(trace.ok());
    auto v = Json::parse(value.toStdString());
    QVERIFY(v.ok());
    Json bad = *trace;
    const std::string f = field.toStdString();
    if (f == "ids") {
        Json::Array ids = bad["ids"].asArray();
        ids[0] = *v;
        bad.set("ids", Json(ids));
    } else if (f == "passes" || f == "spans") {
        Json::Array list = bad[f].asArray();
        QVERIFY(!list.empty());
        Json first = list[0];
        first.set(f == "passes" ? "total_ns" : "end_ns", *v);
        list[0] = first;
        bad.set(f, Json(list));
    } else {
        Json::Array rows = bad[f].asArray();
        Json::Array row = rows[1].asArray();
        row[0] = *v;
        rows[1] = Json(row);
        bad.set(f, Json(rows));
    }
    const std::string file = path("bad-trace-" + f + ".json");
    writeFile(file, bad.dump());
    EXPECT_REFUSED(cli({"export", "--trace", file, "--csv", path("never.csv")}), "export",
                   f.c_str());
    QVERIFY(!fs::exists(path("never.csv")));
    auto direct = traceFromJson(bad);
    QVERIFY(!direct.ok());
}

// 7d. Bit flips in a stored run's cells passed integrity_check and exported
// altered data.
void TestCliHostile::damagedRunIsReportedAndSkipped() {
    const std::string db = path("damaged.sqlite");
    fs::copy_file(m_db, db);
    {
        auto sql = sql::Database::open(db, sql::Database::Mode::ReadWrite);
        QVERIFY(sql.ok());
        // Flip one bit of one float of run 2, as a bad sector would.
        auto read = sql->prepare("SELECT cos_in_out FROM run_cells WHERE run_id = 2");
        QVERIFY(read.ok());
        QVERIFY(*read->step());
        const std::span<const uint8_t> blob = read->columnBlob(0);
        std::vector<uint8_t> bytes(blob.begin(), blob.end());
        read->reset();
        QVERIFY(bytes.size() > 10);
        bytes[9] ^= 0x04;
        auto write = sql->prepare("UPDATE run_cells SET cos_in_out = ?1 WHERE run_id = 2");
        QVERIFY(write.ok());
        QVERIFY(write->bindBlob(1, bytes).ok());
        QVERIFY(write->run().ok());
    }
    auto store = RunStore::open(db);
    QVERIFY(store.ok());
    auto integrity = store->integrityCheck();
    QVERIFY(integrity.ok());
    QCOMPARE(*integrity, std::string("ok")); // SQLite cannot see it
    EXPECT_REFUSED(cli({"runs", "export", "2", "--db", db, "--output", path("run2.json")}), "runs",
                   "run 2", "damaged");
    QVERIFY(!fs::exists(path("run2.json")));
    EXPECT_REFUSED(cli({"runs", "show", "2", "--db", db}), "runs", "damaged");
    EXPECT_SUCCESS(cli({"runs", "show", "1", "--db", db}));
    EXPECT_SUCCESS(cli({"runs", "export", "3", "--db", db, "--output", path("run3.json")}));
    const test::CliResult check = cli({"runs", "check", "--db", db, "--json"});
    QCOMPARE(check.code, 1);
    auto report = Json::parse(check.out);
    QVERIFY(report.ok());
    QCOMPARE((*report)["damaged"].size(), size_t{1});
    QCOMPARE((*report)["damaged"][0]["id"].asNumber(), 2.0);
    QCOMPARE((*report)["runs"].asNumber(), 3.0);
    EXPECT_SUCCESS(cli({"runs", "check", "--db", m_db}));
}

// 7e. As root, `runs list --db /dev/null` created /dev/null-journal.
void TestCliHostile::runsOnDevNull() {
    const bool journalBefore = fs::exists("/dev/null-journal");
    for (const char* sub : {"list", "check"})
        EXPECT_REFUSED(cli({"runs", sub, "--db", "/dev/null"}), "runs", "/dev/null",
                       "character device");
    EXPECT_REFUSED(cli({"runs", "import", m_trace, "--db", "/dev/null"}), "runs",
                   "character device");
    QCOMPARE(fs::exists("/dev/null-journal"), journalBefore);
    QCOMPARE(fs::exists("/dev/null-wal"), false);
    const std::string fifo = path("db-fifo");
    QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
    test::CliOptions o;
    o.timeoutMs = 20000;
    EXPECT_REFUSED(cli({"runs", "list", "--db", fifo}, o), "runs", "FIFO");
}

// 7f. `runs delete 1 999 2` deleted 1 and stopped.
void TestCliHostile::runsDeleteIsAtomic() {
    const std::string db = path("delete.sqlite");
    fs::copy_file(m_db, db);
    EXPECT_REFUSED(cli({"runs", "delete", "1", "999", "2", "--db", db}), "runs", "999",
                   "nothing deleted");
    auto store = RunStore::open(db);
    QVERIFY(store.ok());
    QCOMPARE(store->list()->size(), size_t{3});
    const test::CliResult r = cli({"runs", "delete", "1", "2", "--db", db, "--json"});
    EXPECT_SUCCESS(r);
    QCOMPARE(store->list()->size(), size_t{1});
    QVERIFY(store->load(3).ok());
}

// 7g. A read-only database in a read-only folder: the message said "open it
// read-only" and the CLI had no way to.
void TestCliHostile::readOnlyDatabaseInReadOnlyFolder() {
    const std::string dir = path("ro");
    fs::create_directories(dir);
    const std::string db = dir + "/runs.sqlite";
    fs::copy_file(m_db, db);
    ::chmod(db.c_str(), 0444);
    ::chmod(dir.c_str(), 0555);
    ::chmod(m_root.c_str(), 0755);
    test::CliOptions o;
    o.unprivileged = true;
    for (const bool flag : {false, true}) {
        std::vector<std::string> args = {"runs", "list", "--db", db, "--json"};
        if (flag)
            args.push_back("--read-only");
        const test::CliResult r = cli(args, o);
        if (r.exited && r.code == 77)
            QSKIP("running as root without the right to switch to an unprivileged user");
        EXPECT_SUCCESS(r);
        auto list = Json::parse(r.out);
        QVERIFY(list.ok());
        QCOMPARE(list->size(), size_t{3});
    }
    EXPECT_REFUSED(cli({"runs", "delete", "1", "--db", db}, o), "runs", "read-only");
    EXPECT_REFUSED(cli({"runs", "delete", "1", "--db", db, "--read-only"}), "runs", "--read-only");
    ::chmod(dir.c_str(), 0755);
    QVERIFY(!fs::exists(db + "-wal") && !fs::exists(db + "-shm"));
}

// 7h. --calibration was silently ignored by every baseline but static.
void TestCliHostile::calibrationIgnoredIsSaid() {
    const test::CliResult r =
        cli({"run", "--model", m_model, "--prompt", "a", "--policy", "adaskip", "--calibration",
             m_calibration, "--quiet", "--threads", "1"});
    EXPECT_SUCCESS(r);
    QVERIFY2(r.err.find("--calibration is not used by policy 'adaskip'") != std::string::npos,
             r.err.c_str());
    const test::CliResult used =
        cli({"run", "--model", m_model, "--prompt", "a", "--policy", "static", "--calibration",
             m_calibration, "--quiet", "--threads", "1"});
    EXPECT_SUCCESS(used);
    QVERIFY(used.err.find("warning") == std::string::npos);
}

// 7i. Checkpoints came every 50 steps: Ctrl-C lost up to 49. Now Ctrl-C saves
// the steps done: the checkpoint holds exactly the last step the progress
// line reported.
void TestCliHostile::interruptedTrainingKeepsItsSteps() {
    const std::string checkpoint = path("interrupted.json");
    test::CliOptions o;
    o.timeoutMs = 120000;
    test::CliProcess p({"train-policy",
                        "--model",
                        m_model,
                        "--calibration",
                        m_calibration,
                        "--file",
                        m_text,
                        "--out",
                        path("interrupted.policy"),
                        "--steps",
                        "1000000",
                        "--window",
                        "8",
                        "--hidden",
                        "8",
                        "--embed",
                        "4",
                        "--threads",
                        "1",
                        "--checkpoint",
                        checkpoint},
                       o, path("interrupted"));
    QVERIFY(p.start());
    // Wait for some steps (the handler is installed before the first).
    const auto t0 = std::chrono::steady_clock::now();
    while (p.errorSoFar().find("step 13/") == std::string::npos) {
        QVERIFY(!p.poll());
        QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(100));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    p.signal(SIGINT);
    while (!p.poll())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const test::CliResult& r = p.result();
    EXPECT_REFUSED(r, "train-policy", "interrupted", "interrupted.json");
    // The last "step K/1000000" printed.
    const std::string& err = r.err;
    const size_t at = err.rfind("step ");
    QVERIFY(at != std::string::npos);
    const long long reported = std::atoll(err.c_str() + at + 5);
    auto saved = readJsonFile(checkpoint);
    QVERIFY(saved.ok());
    const long long step = static_cast<long long>((*saved)["step"].asNumber());
    qInfo("interrupted after step %lld; checkpoint at step %lld", reported, step);
    QVERIFY(step >= 13);
    QCOMPARE(step, reported);
    QVERIFY(!fs::exists(path("interrupted.policy")));
}

QTEST_GUILESS_MAIN(TestCliHostile)
#include "tst_cli_hostile.moc"
