// SPDX-License-Identifier: MIT
// Randomised hostile use of every dash-cli command. From a seed, each case
// takes a command line that works (a tiny model, a text, a calibration, DASH
// and baseline policies, a trace, a sweep, a run database, all made here) and
// breaks one to three things: a model, policy, calibration, trace, sweep,
// checkpoint, exported run or database replaced by a mutated copy (bit flips,
// truncation, JSON values swapped for 1e300, -1, wrong types, missing keys, a
// policy with its checksum recomputed so that the values are read; models
// with metadata out of range, tensors missing or reshaped, NaN weights) or by
// a directory, a FIFO, a device or a symbolic-link loop; an option set to
// NaN, infinity, 2^63, junk or nothing; an output path that is a directory,
// a FIFO, /dev/full or in a missing folder; standard output on /dev/full.
//
// Every case runs in a forked child (cli_runner.h) with a time limit, several
// at once. A case passes when the child exits with 0, or with 1 and a last
// line on stderr "dash-cli <command>: <reason>"; a signal (a crash, an
// abort), a timeout, another exit code or a sanitizer report fails it. The
// unchanged command lines among the cases (about one in twenty) must exit 0,
// so that a harness that broke everything could not pass.
//
// DASH_FUZZ_CASES (default 20000), DASH_FUZZ_SEED (default 1), DASH_FUZZ_JOBS
// (default: the hardware threads) and DASH_FUZZ_CASE_TIMEOUT_MS (default
// 60000) change the run; a failure prints the seed and the command lines.
#include "cli_runner.h"
#include "run_store_fixture.h"
#include "test_support.h"
#include "tiny_model.h"

#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/policy_file.h"
#include "core/store/run_store.h"
#include "core/store/sqlite_db.h"
#include "core/util/json.h"
#include "core/util/sha256.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sys/stat.h>
#include <thread>

// Sanitizer builds: a report exits with 86 (not the 1 of a clean refusal).
extern "C" const char* __asan_default_options() {
    return "exitcode=86";
}
extern "C" const char* __ubsan_default_options() {
    return "exitcode=86:print_stacktrace=1";
}

using namespace dash;
namespace fs = std::filesystem;

namespace {

using Rng = std::mt19937_64;

long long envNumber(const char* name, long long fallback) {
    const QByteArray v = qgetenv(name);
    bool ok = false;
    const long long n = v.toLongLong(&ok);
    return ok ? n : fallback;
}

size_t pick(Rng& rng, size_t n) {
    return static_cast<size_t>(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
}

bool chance(Rng& rng, double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

template <class T>
const T& oneOf(Rng& rng, const std::vector<T>& v) {
    return v[pick(rng, v.size())];
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---------------------------------------------------------------------------
// Byte and JSON mutations.

std::string mutateBytes(std::string bytes, Rng& rng) {
    if (bytes.empty())
        return std::string(1, static_cast<char>(rng()));
    switch (pick(rng, 5)) {
    case 0: { // flip a few bits
        const size_t flips = 1 + pick(rng, 8);
        for (size_t i = 0; i < flips; ++i)
            bytes[pick(rng, bytes.size())] ^= static_cast<char>(1u << pick(rng, 8));
        break;
    }
    case 1: // truncate
        bytes.resize(pick(rng, bytes.size()));
        break;
    case 2: { // overwrite a run of bytes with 0x00 or 0xff
        const size_t at = pick(rng, bytes.size());
        const size_t n = std::min(bytes.size() - at, 1 + pick(rng, 16));
        std::fill_n(bytes.begin() + static_cast<long>(at), n, chance(rng, 0.5) ? '\0' : '\xff');
        break;
    }
    case 3: { // insert random bytes
        std::string junk(1 + pick(rng, 16), '\0');
        for (char& c : junk)
            c = static_cast<char>(rng());
        bytes.insert(pick(rng, bytes.size()), junk);
        break;
    }
    default: { // duplicate a range
        const size_t at = pick(rng, bytes.size());
        const size_t n = std::min(bytes.size() - at, 1 + pick(rng, 64));
        bytes.insert(pick(rng, bytes.size()), bytes.substr(at, n));
        break;
    }
    }
    return bytes;
}

const std::vector<double> kHostileNumbers = {
    1e300,  -1e300, 3.5e38,       -3.5e38,      1e20,   -1,      0,    -0.0, 0.5,
    1e-320, 65536,  2147483648.0, 4294967296.0, 9.3e18, -9.3e18, 1e15, 7.25};

Json hostileValue(Rng& rng) {
    switch (pick(rng, 8)) {
    case 0:
        return Json();
    case 1:
        return Json(std::string("x"));
    case 2:
        return Json(true);
    case 3:
        return Json(Json::Array{});
    case 4:
        return Json::object();
    default:
        return Json(oneOf(rng, kHostileNumbers));
    }
}

size_t countNodes(const Json& j) {
    size_t n = 1;
    if (j.isArray())
        for (const Json& v : j.asArray())
            n += countNodes(v);
    if (j.isObject())
        for (const auto& [k, v] : j.asObject())
            n += countNodes(v);
    return n;
}

// A copy of `j` with node number `target` (depth first) changed. Numbers get
// a hostile number most of the time, so that range checks are reached.
Json mutateNode(const Json& j, size_t& index, size_t target, Rng& rng) {
    if (index++ == target) {
        if (j.isNumber() && chance(rng, 0.8))
            return Json(oneOf(rng, kHostileNumbers));
        if (j.isArray() && j.size() > 0 && chance(rng, 0.5)) {
            Json::Array a = j.asArray();
            a.resize(pick(rng, a.size()));
            return Json(std::move(a));
        }
        if (j.isObject() && j.size() > 0 && chance(rng, 0.6)) {
            Json::Object o = j.asObject();
            o.erase(o.begin() + static_cast<long>(pick(rng, o.size())));
            return Json(std::move(o));
        }
        if (j.isString() && chance(rng, 0.5))
            return Json(std::string("\xff\xfe not what was here"));
        return hostileValue(rng);
    }
    if (j.isArray()) {
        Json::Array a;
        for (const Json& v : j.asArray())
            a.push_back(mutateNode(v, index, target, rng));
        return Json(std::move(a));
    }
    if (j.isObject()) {
        Json::Object o;
        for (const auto& [k, v] : j.asObject())
            o.emplace_back(k, mutateNode(v, index, target, rng));
        return Json(std::move(o));
    }
    return j;
}

// Numbers are far more common in these files than anything else; aim most
// mutations at one, anywhere in the tree.
Json mutateJson(const Json& j, Rng& rng) {
    const size_t n = countNodes(j);
    size_t index = 0;
    return mutateNode(j, index, pick(rng, n), rng);
}

// A policy file whose checksum matches its (mutated) contents, so that the
// loader gets past the checksum to the values.
void resealPolicy(Json& policy) {
    if (!policy.isObject() || !policy["kind"].isString() || !policy["model"].isObject() ||
        !policy["model"]["sha256"].isString() || !policy.find("state"))
        return;
    policy.set("checksum",
               sha256Hex(policy["kind"].asString() + "\n" + policy["model"]["sha256"].asString() +
                         "\n" + policy["state"].dump()));
}

// ---------------------------------------------------------------------------
// Broken models, built from the tiny model's parts.

std::vector<uint8_t> brokenModel(const test::TinyModelSpec& spec, Rng& rng) {
    test::TinyModel m = test::makeTinyModel(spec);
    const std::string a = spec.arch;
    switch (pick(rng, 12)) {
    case 0:
        m.setMetadata(a + ".attention.head_count",
                      oneOf(rng, std::vector<uint32_t>{0, 3, 1000, 0xffffffffu}));
        break;
    case 1:
        m.setMetadata(a + ".block_count", oneOf(rng, std::vector<uint32_t>{0, 1000, 0xffffffffu}));
        break;
    case 2:
        m.setMetadata(a + ".context_length",
                      oneOf(rng, std::vector<uint64_t>{0, 1, uint64_t{1} << 40, ~uint64_t{0}}));
        break;
    case 3:
        m.setMetadata(a + ".embedding_length", oneOf(rng, std::vector<uint32_t>{0, 7, 1u << 30}));
        break;
    case 4:
        m.setMetadata(a + ".attention.head_count_kv", oneOf(rng, std::vector<uint32_t>{0, 3, 64}));
        break;
    case 5:
        m.setMetadata(
            oneOf(rng, std::vector<std::string>{a + ".rope.freq_base",
                                                a + ".attention.layer_norm_rms_epsilon"}),
            oneOf(rng, std::vector<float>{0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                                          std::numeric_limits<float>::infinity()}));
        break;
    case 6:
        m.setMetadata("general.architecture",
                      oneOf(rng, std::vector<std::string>{"gpt2", "", "llamaa"}));
        break;
    case 7: { // a tensor removed
        const test::TinyTensor& t = m.tensors[pick(rng, m.tensors.size())];
        m.removeTensor(std::string(t.name));
        break;
    }
    case 8: { // a tensor reshaped (same element count, so it still encodes)
        test::TinyTensor& t = m.tensors[pick(rng, m.tensors.size())];
        if (t.shape.size() == 2)
            std::swap(t.shape[0], t.shape[1]);
        else
            t.shape = {1, t.shape[0]};
        break;
    }
    case 9: { // a NaN or infinite weight
        test::TinyTensor& t = m.tensors[pick(rng, m.tensors.size())];
        if (!t.values.empty())
            t.values[pick(rng, t.values.size())] = chance(rng, 0.5)
                                                       ? std::numeric_limits<float>::quiet_NaN()
                                                       : -std::numeric_limits<float>::infinity();
        break;
    }
    case 10: { // vocabulary that disagrees with the embedding
        std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
        const size_t n = chance(rng, 0.5) ? 2 : static_cast<size_t>(spec.vocab) + 7;
        while (tokens.size() < n)
            tokens.push_back("t" + std::to_string(tokens.size()));
        tokens.resize(n);
        m.setMetadata("tokenizer.ggml.tokens", test::GgufMeta::stringArray(tokens));
        break;
    }
    default:
        m.setMetadata(oneOf(rng, std::vector<std::string>{"tokenizer.ggml.bos_token_id",
                                                          "tokenizer.ggml.eos_token_id"}),
                      oneOf(rng, std::vector<uint32_t>{96, 1000000, 0xffffffffu}));
        break;
    }
    return m.build();
}

// ---------------------------------------------------------------------------
// Command lines.

enum class FileKind { Model, Text, Calibration, Policy, Trace, Sweep, RunJson, Checkpoint, Db };

const std::vector<std::string> kHostileOptionValues = {"-1",
                                                       "0",
                                                       "nan",
                                                       "inf",
                                                       "-inf",
                                                       "1e300",
                                                       "abc",
                                                       "",
                                                       "1.5",
                                                       "0x10",
                                                       " 7",
                                                       "7 ",
                                                       "+3",
                                                       "2147483648",
                                                       "-2147483648",
                                                       "9223372036854775807",
                                                       "9223372036854775808",
                                                       "-9223372036854775809",
                                                       "4294967297",
                                                       "1e-320",
                                                       "1e400",
                                                       "3e38"};

const std::vector<std::string> kHostileWords = {
    "", "bogus", "-", ",", "nan", "\xff\xfe", "full,", "1,2,3,4,5", "skip,,full"};

struct CaseSpec {
    std::vector<std::string> args;
    test::CliOptions options;
    bool control = false;  // unchanged: must succeed
    std::string mutations; // what was broken, for messages
    std::string dbCopy;    // a per-case database copy to remove afterwards
};

class Corpus {
public:
    std::string dir;
    std::string model, qwenModel, text, calibration, dashPolicy, checkpoint, trace, sweep, runJson,
        db;
    std::vector<std::string> baselinePolicies;
    std::map<FileKind, std::vector<std::string>> pool; // mutated copies per kind
    std::vector<std::string> specialInputs;            // devices, FIFO, directory, ...
    std::vector<std::string> hostileOutputs;           // where no output may go
    std::string prompt = "the cat sat on the mat and then the dog ran";

    std::string valid(FileKind kind) const {
        switch (kind) {
        case FileKind::Model:
            return model;
        case FileKind::Text:
            return text;
        case FileKind::Calibration:
            return calibration;
        case FileKind::Policy:
            return dashPolicy;
        case FileKind::Trace:
            return trace;
        case FileKind::Sweep:
            return sweep;
        case FileKind::RunJson:
            return runJson;
        case FileKind::Checkpoint:
            return checkpoint;
        case FileKind::Db:
            return db;
        }
        return {};
    }
};

// The value of option `name` in args, or null.
std::string* optionValue(std::vector<std::string>& args, const std::string& name) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--" + name)
            return &args[i + 1];
    return nullptr;
}

struct Template {
    std::vector<std::string> args;
    std::vector<std::pair<std::string, FileKind>> files; // options naming input files
    std::vector<std::string> numbers;                    // numeric options
    std::vector<std::string> words;                      // enum-like options
    std::vector<std::string> outputs;                    // options naming output files
    std::vector<std::string> required;                   // options that may be dropped
};

std::vector<std::string> with(std::vector<std::string> base, Rng& rng,
                              const std::vector<std::vector<std::string>>& optional) {
    for (const auto& extra : optional)
        if (chance(rng, 0.4))
            base.insert(base.end(), extra.begin(), extra.end());
    return base;
}

Template makeTemplate(const Corpus& c, Rng& rng, const std::string& out) {
    const std::string& M = c.model;
    const std::string& T = c.text;
    const std::string& P = c.prompt;
    switch (pick(rng, 14)) {
    case 0:
        return {with({"info", "--model", chance(rng, 0.2) ? c.qwenModel : M}, rng,
                     {{"--json"}, {"--tensors"}}),
                {{"model", FileKind::Model}},
                {},
                {},
                {},
                {"model"}};
    case 1:
        return {with({"tokenize", "--model", M, "--text", P}, rng, {{"--json"}, {"--no-special"}}),
                {{"model", FileKind::Model}},
                {},
                {"text"},
                {},
                {"model", "text"}};
    case 2:
        return {with({"logits", "--model", M, "--prompt", P, "--top", "5", "--threads", "1"}, rng,
                     {{"--json"}}),
                {{"model", FileKind::Model}},
                {"top", "threads", "device"},
                {"prompt", "isa", "backend"},
                {},
                {"model", "prompt"}};
    case 3:
        return {with({"generate", "--model", M, "--prompt", P, "--n", "3", "--threads", "1"}, rng,
                     {{"--json"},
                      {"--temp", "0.8", "--seed", "5"},
                      {"--top-p", "0.9"},
                      {"--top-k", "4"},
                      {"--ignore-eos"}}),
                {{"model", FileKind::Model}},
                {"n", "temp", "top-p", "top-k", "seed", "threads"},
                {"prompt"},
                {},
                {"model", "prompt"}};
    case 4:
        return {
            with({"trace", "--model", M, "--prompt", P, "--n", "2", "--threads", "1", "--format",
                  oneOf(rng, std::vector<std::string>{"json", "csv", "table"}), "--out", out},
                 rng, {}),
            {{"model", FileKind::Model}},
            {"n", "threads"},
            {"format", "prompt"},
            {"out"},
            {"model", "prompt"}};
    case 5:
        return {with({"perplexity", "--model", M, "--file", T, "--ctx", "16", "--max-tokens", "64",
                      "--quiet", "--threads", "1"},
                     rng, {{"--json"}, {"--protocol", "second-half"}}),
                {{"model", FileKind::Model}, {"file", FileKind::Text}},
                {"ctx", "max-tokens", "threads"},
                {"protocol"},
                {},
                {"model", "file"}};
    case 6:
        return {{"bench", "--model", M, "--prompt-tokens", "4", "--decode-tokens", "4", "--repeats",
                 "1", "--threads", "1", "--json"},
                {{"model", FileKind::Model}},
                {"prompt-tokens", "decode-tokens", "repeats", "threads"},
                {},
                {},
                {"model"}};
    case 7:
        return {with({"calibrate", "--model", M, "--file", T, "--sequences", "2", "--seq-len", "16",
                      "--out", out, "--quiet", "--threads", "1"},
                     rng, {{"--json"}, {"--method", "least-squares"}}),
                {{"model", FileKind::Model}, {"file", FileKind::Text}},
                {"sequences", "seq-len", "threads"},
                {"method"},
                {"out"},
                {"model", "file", "out"}};
    case 8: {
        std::vector<std::string> a = {"train-policy",
                                      "--model",
                                      M,
                                      "--calibration",
                                      c.calibration,
                                      "--file",
                                      T,
                                      "--out",
                                      out,
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
                                      "1"};
        std::vector<std::pair<std::string, FileKind>> files = {
            {"model", FileKind::Model},
            {"calibration", FileKind::Calibration},
            {"file", FileKind::Text}};
        if (chance(rng, 0.3)) {
            // A private copy (training may write it); the settings must stay
            // those it was made with, or it is refused for that reason.
            a.insert(a.end(), {"--checkpoint", "CHECKPOINT"});
            files.push_back({"checkpoint", FileKind::Checkpoint});
            a = with(a, rng, {{"--json"}});
        } else {
            a = with(
                a, rng,
                {{"--json"}, {"--states", "skip,full"}, {"--imitation-steps", "1"}, {"--sync"}});
        }
        return {a,
                files,
                {"steps", "window", "seed", "lr", "hidden", "embed", "lambda", "group", "held-out",
                 "imitation-steps", "target-ratio", "threads"},
                {"states", "state-costs"},
                {"out"},
                {"model", "calibration", "file", "out"}};
    }
    case 9: {
        std::vector<std::string> a = {"run", "--model", M,           "--prompt", P,
                                      "--n", "2",       "--threads", "1",        "--quiet"};
        std::vector<std::pair<std::string, FileKind>> files = {{"model", FileKind::Model}};
        switch (pick(rng, 5)) {
        case 0:
            a.insert(a.end(),
                     {"--policy", oneOf(rng, std::vector<std::string>{"full", "early-exit",
                                                                      "skipdecode", "random"})});
            break;
        case 1:
            a.insert(a.end(), {"--policy", "adaskip", "--ratio", "1.5"});
            break;
        case 2:
            a.insert(a.end(), {"--policy", "static", "--calibration", c.calibration});
            files.push_back({"calibration", FileKind::Calibration});
            break;
        case 3:
            a.insert(a.end(), {"--policy", c.dashPolicy});
            files.push_back({"policy", FileKind::Policy});
            break;
        default:
            a.insert(a.end(), {"--policy", oneOf(rng, c.baselinePolicies)});
            files.push_back({"policy", FileKind::Policy});
            break;
        }
        if (chance(rng, 0.4))
            a.insert(a.end(), {"--trace-out", out});
        a = with(a, rng, {{"--json"}, {"--kv-mode", "mask"}, {"--sync"}});
        return {a,
                files,
                {"n", "ratio", "threads"},
                {"kv-mode", "prompt"},
                {"trace-out"},
                {"model", "prompt"}};
    }
    case 10: {
        std::vector<std::string> a = {"sweep",
                                      "--model",
                                      M,
                                      "--file",
                                      T,
                                      "--tune-file",
                                      T,
                                      "--calibration",
                                      c.calibration,
                                      "--methods",
                                      "adaskip,static",
                                      "--ratios",
                                      "1.5",
                                      "--max-tokens",
                                      "48",
                                      "--speed-repeats",
                                      "1",
                                      "--quiet",
                                      "--json",
                                      "--threads",
                                      "1"};
        std::vector<std::pair<std::string, FileKind>> files = {
            {"model", FileKind::Model},
            {"file", FileKind::Text},
            {"tune-file", FileKind::Text},
            {"calibration", FileKind::Calibration}};
        if (chance(rng, 0.3)) {
            a.insert(a.end(), {"--dash", c.dashPolicy});
            a[10] = "adaskip,static,dash";
            files.push_back({"dash", FileKind::Policy});
        }
        return {a,
                files,
                {"max-tokens", "speed-repeats", "threads"},
                {"methods", "ratios", "kv-mode"},
                {},
                {"model", "file"}};
    }
    case 11:
        if (chance(rng, 0.5))
            return {with({"export", "--trace", c.trace, "--csv", out}, rng, {{"--model", M}}),
                    {{"trace", FileKind::Trace}, {"model", FileKind::Model}},
                    {},
                    {},
                    {"csv"},
                    {"trace", "csv"}};
        return {with({"export", "--sweep", c.sweep, "--latex", out}, rng,
                     {{"--caption", "A caption"}, {"--no-bold"}}),
                {{"sweep", FileKind::Sweep}},
                {},
                {"caption", "label", "fp-label"},
                {"latex"},
                {"sweep", "latex"}};
    default: {
        // runs: reads on the shared database, writes on a copy (made by the caller).
        const std::string id = oneOf(rng, std::vector<std::string>{"1", "2", "3"});
        switch (pick(rng, 7)) {
        case 0:
            return {with({"runs", "list", "--db", c.db}, rng, {{"--json"}, {"--limit", "2"}}),
                    {{"db", FileKind::Db}},
                    {"limit"},
                    {"model", "policy", "since", "until"},
                    {},
                    {}};
        case 1:
            return {with({"runs", "show", id, "--db", c.db}, rng, {{"--json"}}),
                    {{"db", FileKind::Db}},
                    {},
                    {},
                    {},
                    {}};
        case 2:
            return {with({"runs", "compare", "1", "2", "--db", c.db}, rng, {{"--json"}}),
                    {{"db", FileKind::Db}},
                    {},
                    {},
                    {},
                    {}};
        case 3:
            return {with({"runs", "export", id, "--db", c.db, "--output", out}, rng,
                         {{"--format", "csv"}}),
                    {{"db", FileKind::Db}},
                    {},
                    {"format"},
                    {"output"},
                    {}};
        case 4:
            return {{"runs", "import", c.runJson, "--db", "COPY"},
                    {{"db", FileKind::Db}},
                    {},
                    {},
                    {},
                    {}};
        case 5:
            return {with({"runs", "delete", id, "--db", "COPY"}, rng, {{"--json"}}),
                    {{"db", FileKind::Db}},
                    {},
                    {},
                    {},
                    {}};
        default:
            return {with({"runs", "check", "--db", c.db}, rng, {{"--json"}, {"--read-only"}}),
                    {{"db", FileKind::Db}},
                    {},
                    {},
                    {},
                    {}};
        }
    }
    }
}

// One random case: a working command line with up to three things broken.
CaseSpec makeCase(const Corpus& c, Rng& rng, const std::string& caseDir) {
    const std::string out = caseDir + "/out";
    Template t = makeTemplate(c, rng, out);
    CaseSpec cs;
    cs.args = t.args;
    cs.options.timeoutMs = static_cast<int>(envNumber("DASH_FUZZ_CASE_TIMEOUT_MS", 60000));
    // Databases that a command may change are private copies.
    for (std::string& a : cs.args) {
        if (a == "COPY") {
            cs.dbCopy = caseDir + "/runs.sqlite";
            fs::copy_file(c.db, cs.dbCopy);
            a = cs.dbCopy;
        } else if (a == "CHECKPOINT") {
            a = caseDir + "/checkpoint.json";
            fs::copy_file(c.checkpoint, a);
        }
    }
    cs.control = chance(rng, 0.05);
    if (cs.control)
        return cs;
    const size_t count = 1 + pick(rng, 3);
    for (size_t m = 0; m < count; ++m) {
        switch (pick(rng, 9)) {
        case 0:
        case 1:
        case 2: { // an input file
            if (t.files.empty())
                break;
            const auto& [name, kind] = oneOf(rng, t.files);
            std::string* v = optionValue(cs.args, name);
            if (!v)
                break;
            if (kind == FileKind::Db && !cs.dbCopy.empty() && *v == cs.dbCopy) {
                // Damage the private copy in place.
                std::string bytes = readFile(cs.dbCopy);
                writeFile(cs.dbCopy, chance(rng, 0.5) && !c.pool.at(kind).empty()
                                         ? readFile(oneOf(rng, c.pool.at(kind)))
                                         : mutateBytes(bytes, rng));
                cs.mutations += " db-copy";
                break;
            }
            *v = chance(rng, 0.75) ? oneOf(rng, c.pool.at(kind)) : oneOf(rng, c.specialInputs);
            cs.mutations += " file:" + name;
            break;
        }
        case 3:
        case 4: { // a numeric option
            if (t.numbers.empty())
                break;
            const std::string name = oneOf(rng, t.numbers);
            const std::string value = oneOf(rng, kHostileOptionValues);
            if (std::string* v = optionValue(cs.args, name))
                *v = value;
            else
                cs.args.insert(cs.args.end(), {"--" + name, value});
            cs.mutations += " number:" + name;
            break;
        }
        case 5: { // a word option
            if (t.words.empty())
                break;
            const std::string name = oneOf(rng, t.words);
            const std::string value = oneOf(rng, kHostileWords);
            if (std::string* v = optionValue(cs.args, name))
                *v = value;
            else
                cs.args.insert(cs.args.end(), {"--" + name, value});
            cs.mutations += " word:" + name;
            break;
        }
        case 6: { // an output path
            if (t.outputs.empty())
                break;
            const std::string name = oneOf(rng, t.outputs);
            if (std::string* v = optionValue(cs.args, name))
                *v = oneOf(rng, c.hostileOutputs);
            cs.mutations += " output:" + name;
            break;
        }
        case 7: { // the command line itself
            switch (pick(rng, 4)) {
            case 0:
                if (!t.required.empty()) {
                    const std::string name = "--" + oneOf(rng, t.required);
                    for (size_t i = 0; i + 1 < cs.args.size(); ++i)
                        if (cs.args[i] == name) {
                            cs.args.erase(cs.args.begin() + static_cast<long>(i),
                                          cs.args.begin() + static_cast<long>(i) + 2);
                            break;
                        }
                }
                cs.mutations += " drop";
                break;
            case 1:
                cs.args.insert(cs.args.end(), {"--bogus", "1"});
                cs.mutations += " unknown";
                break;
            case 2:
                // A value option at the end without its value.
                cs.args.push_back(t.numbers.empty() ? "--json=1" : "--" + t.numbers.front());
                cs.mutations += " dangling";
                break;
            default: {
                const std::string sub = cs.args.front() == "runs" ? cs.args[1] : "";
                if (sub == "import")
                    cs.args[2] = chance(rng, 0.7) ? oneOf(rng, c.pool.at(FileKind::RunJson))
                                                  : oneOf(rng, c.specialInputs);
                else if (sub == "show" || sub == "compare" || sub == "export" || sub == "delete")
                    cs.args[2] =
                        oneOf(rng, std::vector<std::string>{"0", "-1", "999", "abc",
                                                            "99999999999999999999", "1e3"});
                else
                    cs.args.push_back("stray");
                cs.mutations += " positional";
                break;
            }
            }
            break;
        }
        default: // standard output on a full device
            cs.options.stdoutPath = "/dev/full";
            cs.mutations += " stdout-full";
            break;
        }
    }
    if (cs.mutations.empty())
        cs.control = true; // nothing applied: it is a control case after all
    return cs;
}

// The verdict on one finished case: empty when it passed.
std::string judge(const CaseSpec& cs, const test::CliResult& r) {
    if (r.timedOut || !r.exited)
        return r.status();
    if (r.err.find("Sanitizer") != std::string::npos ||
        r.err.find("runtime error:") != std::string::npos)
        return r.status() + " with a sanitizer report";
    if (r.code == 0)
        return {};
    if (cs.control)
        return "the unchanged command failed: " + r.status();
    if (r.code != 1)
        return r.status() + " (a refusal exits 1)";
    // The last line of stderr is the one-line reason.
    std::string err = r.err;
    while (!err.empty() && err.back() == '\n')
        err.pop_back();
    const std::string last = err.substr(err.find_last_of('\n') + 1);
    const std::string prefix = "dash-cli " + cs.args.front();
    if (last.compare(0, prefix.size(), prefix) != 0 ||
        last.find(": ", prefix.size()) == std::string::npos || last.size() < prefix.size() + 4)
        return "exit 1 without a one-line reason on stderr (last line '" + last + "')";
    return {};
}

} // namespace

class TestCliFuzz : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void randomisedCommandLines();

private:
    std::string run(const std::vector<std::string>& args, const char* what);

    QTemporaryDir m_dir;
    Corpus m_corpus;
};

// What run() returns for a command that failed.
const std::string kFailed = "<failed>";

std::string TestCliFuzz::run(const std::vector<std::string>& args, const char* what) {
    test::CliOptions o;
    o.scratchDir = m_corpus.dir;
    o.timeoutMs = 300000;
    const test::CliResult r = test::runCliForked(args, o);
    if (!(r.exited && r.code == 0))
        qWarning("%s: %s: %s\n%s", what, test::shellLine(args).c_str(), r.status().c_str(),
                 r.err.c_str());
    return r.exited && r.code == 0 ? r.out : std::string(kFailed);
}

void TestCliFuzz::initTestCase() {
    QVERIFY(m_dir.isValid());
    Corpus& c = m_corpus;
    c.dir = m_dir.path().toStdString();
    Rng rng(static_cast<uint64_t>(envNumber("DASH_FUZZ_SEED", 1)));

    // The working inputs.
    test::TinyModelSpec spec;
    spec.layers = 3;
    spec.dim = 32;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.ffn = 64;
    spec.vocab = 96;
    spec.context = 48;
    c.model = c.dir + "/model.gguf";
    {
        const std::vector<uint8_t> bytes = test::buildTinyModel(spec);
        writeFile(c.model, std::string(bytes.begin(), bytes.end()));
    }
    test::TinyModelSpec qwen = spec;
    qwen.arch = "qwen2";
    c.qwenModel = c.dir + "/qwen2.gguf";
    {
        const std::vector<uint8_t> bytes = test::buildTinyModel(qwen);
        writeFile(c.qwenModel, std::string(bytes.begin(), bytes.end()));
    }
    std::string text;
    const std::vector<std::string> words = {"the",  "cat",  "sat",  "on",    "a",
                                            "mat",  "and",  "dog",  "ran",   "far",
                                            "away", "from", "home", "zebra", "quiz"};
    while (text.size() < 2400)
        text += oneOf(rng, words) + (chance(rng, 0.1) ? ".\n" : " ");
    c.text = c.dir + "/text.txt";
    writeFile(c.text, text);

    c.calibration = c.dir + "/calibration.json";
    QVERIFY(run({"calibrate", "--model", c.model, "--file", c.text, "--sequences", "2", "--seq-len",
                 "16", "--out", c.calibration, "--quiet", "--threads", "1"},
                "calibrate") != kFailed);
    c.dashPolicy = c.dir + "/dash.policy";
    c.checkpoint = c.dir + "/checkpoint.json";
    QVERIFY(run({"train-policy",
                 "--model",
                 c.model,
                 "--calibration",
                 c.calibration,
                 "--file",
                 c.text,
                 "--out",
                 c.dashPolicy,
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
                 "1",
                 "--checkpoint",
                 c.checkpoint},
                "train-policy") != kFailed);
    c.trace = c.dir + "/trace.json";
    QVERIFY(run({"trace", "--model", c.model, "--prompt", c.prompt, "--n", "2", "--format", "json",
                 "--out", c.trace, "--threads", "1"},
                "trace") != kFailed);
    const std::string sweep = run({"sweep",
                                   "--model",
                                   c.model,
                                   "--file",
                                   c.text,
                                   "--tune-file",
                                   c.text,
                                   "--calibration",
                                   c.calibration,
                                   "--methods",
                                   "adaskip,static",
                                   "--ratios",
                                   "1.5",
                                   "--max-tokens",
                                   "48",
                                   "--speed-repeats",
                                   "1",
                                   "--quiet",
                                   "--json",
                                   "--threads",
                                   "1"},
                                  "sweep");
    QVERIFY(sweep != kFailed);
    c.sweep = c.dir + "/sweep.json";
    writeFile(c.sweep, sweep);

    // Baseline policy files, written as the app writes them.
    {
        auto model = Model::load(c.model);
        QVERIFY(model.ok());
        auto calibration = loadCalibration(c.calibration);
        QVERIFY(calibration.ok());
        const int32_t layers = (*model)->config().layers;
        std::vector<std::unique_ptr<Policy>> policies;
        policies.emplace_back(new AdaSkipPolicy(layers, 1.5));
        policies.emplace_back(new RandomSkipPolicy(layers, 0.3, 7));
        policies.emplace_back(new SkipDecodePolicy(layers, 16, 0.5));
        policies.emplace_back(new EarlyExitPolicy(layers, 0.9));
        policies.emplace_back(new StaticSimilarityPolicy(layers, calibration->meanCos, 1.0));
        for (size_t i = 0; i < policies.size(); ++i) {
            const std::string path = c.dir + "/baseline" + std::to_string(i) + ".policy";
            QVERIFY(savePolicyFile(path, *policies[i], **model).ok());
            c.baselinePolicies.push_back(path);
        }
    }

    // A run database with three runs, and one run exported.
    c.db = c.dir + "/runs.sqlite";
    {
        auto store = RunStore::open(c.db);
        QVERIFY(store.ok());
        for (uint64_t i = 1; i <= 3; ++i)
            QVERIFY(store->save(test::makeRun(i, 12, 3)).ok());
    }
    c.runJson = c.dir + "/run.json";
    QVERIFY(run({"runs", "export", "1", "--db", c.db, "--output", c.runJson}, "runs export") !=
            kFailed);

    // Places that are not regular files.
    const std::string fifo = c.dir + "/fifo";
    QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
    const std::string folder = c.dir + "/folder";
    fs::create_directory(folder);
    const std::string loop = c.dir + "/loop";
    fs::create_symlink(loop, loop);
    const std::string empty = c.dir + "/empty";
    writeFile(empty, "");
    const std::string linkToFolder = c.dir + "/link-to-folder";
    fs::create_directory_symlink(folder, linkToFolder);
    c.specialInputs = {"/dev/zero", "/dev/null", "/dev/full",        fifo,         folder,
                       loop,        empty,       c.dir + "/missing", linkToFolder, ""};
    c.hostileOutputs = {folder, "/dev/full", fifo, loop, c.dir + "/missing/out", linkToFolder, ""};

    // Mutated copies of every kind of input file.
    const int perKind = 150;
    auto& models = c.pool[FileKind::Model];
    const std::string valid = readFile(c.model);
    for (int i = 0; i < perKind; ++i) {
        const std::string path = c.dir + "/m" + std::to_string(i) + ".gguf";
        if (i % 2 == 0) {
            const std::vector<uint8_t> bytes = brokenModel(chance(rng, 0.7) ? spec : qwen, rng);
            writeFile(path, std::string(bytes.begin(), bytes.end()));
        } else {
            writeFile(path, mutateBytes(valid, rng));
        }
        models.push_back(path);
    }
    auto& texts = c.pool[FileKind::Text];
    for (int i = 0; i < 20; ++i) {
        const std::string path = c.dir + "/t" + std::to_string(i) + ".txt";
        writeFile(path,
                  i % 4 == 0 ? std::string(static_cast<size_t>(i), 'x') : mutateBytes(text, rng));
        texts.push_back(path);
    }
    const std::pair<FileKind, std::string> jsonKinds[] = {{FileKind::Calibration, c.calibration},
                                                          {FileKind::Policy, c.dashPolicy},
                                                          {FileKind::Trace, c.trace},
                                                          {FileKind::Sweep, c.sweep},
                                                          {FileKind::RunJson, c.runJson},
                                                          {FileKind::Checkpoint, c.checkpoint}};
    for (const auto& [kind, source] : jsonKinds) {
        auto parsed = readJsonFile(source);
        QVERIFY2(parsed.ok(), source.c_str());
        std::vector<std::string> sources = {source};
        if (kind == FileKind::Policy)
            sources.insert(sources.end(), c.baselinePolicies.begin(), c.baselinePolicies.end());
        for (int i = 0; i < perKind; ++i) {
            const std::string from = oneOf(rng, sources);
            const std::string path = c.dir + "/j" + std::to_string(static_cast<int>(kind)) + "-" +
                                     std::to_string(i) + ".json";
            if (i % 5 == 0) {
                writeFile(path, mutateBytes(readFile(from), rng));
            } else {
                Json j = *readJsonFile(from);
                const size_t edits = 1 + pick(rng, 2);
                for (size_t e = 0; e < edits; ++e)
                    j = mutateJson(j, rng);
                if (kind == FileKind::Policy && chance(rng, 0.7))
                    resealPolicy(j);
                writeFile(path, j.dump(1));
            }
            c.pool[kind].push_back(path);
        }
    }
    auto& dbs = c.pool[FileKind::Db];
    const std::string dbBytes = readFile(c.db);
    for (int i = 0; i < 40; ++i) {
        const std::string path = c.dir + "/db" + std::to_string(i) + ".sqlite";
        if (i % 2 == 0) {
            writeFile(path, mutateBytes(dbBytes, rng));
        } else {
            // Damage inside one run's data that SQLite cannot see: the checksum's case.
            fs::copy_file(c.db, path);
            auto db = sql::Database::open(path, sql::Database::Mode::ReadWrite);
            QVERIFY(db.ok());
            const char* column =
                oneOf(rng, std::vector<const char*>{"states", "cos_in_out", "token_ids", "spans"});
            QVERIFY(db->exec(std::string("UPDATE run_cells SET ") + column +
                             " = randomblob(length(" + column +
                             ")) WHERE run_id = " + std::to_string(1 + pick(rng, 3)))
                        .ok());
        }
        dbs.push_back(path);
    }
}

void TestCliFuzz::randomisedCommandLines() {
    const long long cases = envNumber("DASH_FUZZ_CASES", 20000);
    const uint64_t seed = static_cast<uint64_t>(envNumber("DASH_FUZZ_SEED", 1));
    const int jobs = static_cast<int>(
        envNumber("DASH_FUZZ_JOBS", std::max(1u, std::thread::hardware_concurrency())));
    Rng rng(seed * 0x9E3779B97F4A7C15ull + 1);
    const std::string caseRoot = m_corpus.dir + "/cases";
    fs::create_directory(caseRoot);

    struct Slot {
        CaseSpec spec;
        std::string dir;
        std::unique_ptr<test::CliProcess> process;
    };
    std::vector<Slot> workers(static_cast<size_t>(jobs));
    std::vector<std::string> failures;
    std::map<std::string, int> started, refused;
    std::map<std::string, double> seconds; // child CPU time per command
    double cpu = 0;
    std::map<std::string, int> failuresOf;
    long long done = 0, controls = 0, next = 0, failed = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (done < cases) {
        for (Slot& s : workers) {
            if (s.process && s.process->poll()) {
                const test::CliResult& r = s.process->result();
                const std::string verdict = judge(s.spec, r);
                failed += !verdict.empty();
                // At most 4 reported per command, so that one command's many
                // failures do not hide another's.
                if (!verdict.empty() && failures.size() < 25 &&
                    failuresOf[s.spec.args.front()]++ < 4)
                    failures.push_back(verdict + ": " + test::shellLine(s.spec.args) +
                                       (s.spec.options.stdoutPath.empty() ? "" : " > /dev/full") +
                                       "  [broken:" + s.spec.mutations + "]\n" +
                                       r.err.substr(0, 2000));
                if (r.exited && r.code == 1)
                    ++refused[s.spec.args.front()];
                seconds[s.spec.args.front()] += r.cpuSeconds;
                cpu += r.cpuSeconds;
                controls += s.spec.control;
                ++done;
                s.process.reset();
                fs::remove_all(s.dir);
            }
            if (!s.process && next < cases) {
                s.dir = caseRoot + "/" + std::to_string(next);
                fs::create_directory(s.dir);
                s.spec = makeCase(m_corpus, rng, s.dir);
                ++started[s.spec.args.front()];
                s.process =
                    std::make_unique<test::CliProcess>(s.spec.args, s.spec.options, s.dir + "/std");
                QVERIFY(s.process->start());
                ++next;
            }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // CPU time of the children says what the run costs on an idle machine;
    // the wall time depends on what else runs.
    qInfo("%lld cases (%lld unchanged controls) in %.1f s with %d jobs (children's CPU time "
          "%.1f s), seed %llu",
          cases, controls, wall, jobs, cpu, static_cast<unsigned long long>(seed));
    for (const auto& [command, n] : started)
        qInfo("  %-13s %6d cases, %6d refused with a reason, %6.1f ms CPU per case",
              command.c_str(), n, refused[command], 1000.0 * seconds[command] / n);
    QVERIFY(controls > 0);
    if (!failures.empty()) {
        // Keep the inputs so that the command lines above can be rerun.
        m_dir.setAutoRemove(false);
        fs::remove_all(caseRoot);
        qWarning("inputs kept in %s", m_corpus.dir.c_str());
        std::string report;
        for (const std::string& f : failures)
            report += "\n" + f;
        QFAIL(qPrintable(QStringLiteral("%1 failing case(s) with seed %2 (%3 of them):%4")
                             .arg(failed)
                             .arg(seed)
                             .arg(failures.size())
                             .arg(QString::fromStdString(report))));
    }
}

int main(int argc, char** argv) {
    // All cases run in one test function, each with its own time limit;
    // QtTest's watchdog (5 minutes a function by default) must not end it.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "7200000");
    QCoreApplication app(argc, argv);
    TestCliFuzz test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_cli_fuzz.moc"
