// SPDX-License-Identifier: MIT
// dash-cli runs: list, show, compare, export, import, delete and check saved runs.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/store/run_json.h"
#include "core/store/run_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

namespace dash::cli {

namespace {

constexpr const char* kName = "runs";

const std::set<std::string> kValueOptions = {"db",    "model", "policy", "since", "until",
                                             "label", "limit", "format", "output"};
const std::set<std::string> kFlags = {"json", "read-only"};

Expected<std::string> databasePath(const Args& args) {
    if (auto db = args.get("db"))
        return *db;
    return defaultDatabasePath();
}

// Reading commands never create a database. They open it read-write when they
// can, so an older schema is upgraded as the GUI would, and read-only
// otherwise; --read-only never writes (nor upgrades) it.
Expected<RunStore> openForReading(const Args& args, const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return notFoundError("no run database at '" + path + "' (save a run first, or pass --db)");
    if (args.flag("read-only"))
        return RunStore::open(path, RunStore::OpenMode::ReadOnly);
    auto store = RunStore::open(path, RunStore::OpenMode::ReadWrite);
    if (store.ok() || store.error().code() == ErrorCode::Invalid ||
        store.error().code() == ErrorCode::Unsupported)
        return store;
    auto readOnly = RunStore::open(path, RunStore::OpenMode::ReadOnly);
    if (readOnly.ok())
        return readOnly;
    return store.error();
}

// Commands that change the database.
Expected<RunStore> openForWriting(const Args& args, const std::string& path) {
    if (args.flag("read-only"))
        return invalidError("--read-only: this subcommand changes the run database");
    return RunStore::open(path);
}

Expected<int64_t> parseId(const std::string& text) {
    int64_t id = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), id);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || id <= 0)
        return invalidError("'" + text + "' is not a run id (a positive integer)");
    return id;
}

// The positional arguments after the subcommand, exactly `count` of them.
Status expectPositionals(const Args& args, size_t count, const char* what) {
    const size_t given = args.positional().size() - 1;
    if (given != count)
        return invalidError(std::string("expected ") + what + ", got " + std::to_string(given) +
                            " argument" + (given == 1 ? "" : "s"));
    return {};
}

void printJsonValue(const Json& value) {
    printText(value.dump(1) + "\n");
}

std::string formatNumber(const char* format, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

std::string optionalText(const std::optional<double>& v, const char* format) {
    return v ? formatNumber(format, *v) : std::string("-");
}

Json optionalNumber(const std::optional<double>& v) {
    return v ? Json(*v) : Json();
}

Json summaryJson(const RunSummary& s) {
    Json o = Json::object();
    o.set("id", s.id);
    o.set("created", formatUtcTimestamp(s.createdMs));
    o.set("created_ms", s.createdMs);
    o.set("updated_ms", s.updatedMs);
    o.set("label", s.label);
    o.set("model", s.modelPath);
    o.set("model_sha256", s.modelSha256);
    o.set("architecture", s.modelArchitecture);
    o.set("policy", s.policyKind);
    o.set("backend", s.backend);
    o.set("device", s.deviceName);
    o.set("tokens", s.tokenCount);
    o.set("layers", s.layerCount);
    o.set("perplexity", optionalNumber(s.perplexity));
    o.set("nominal_ratio", s.nominalRatio);
    o.set("measured_speedup", optionalNumber(s.measuredSpeedup));
    o.set("ms_per_token", s.msPerToken);
    return o;
}

int listRuns(const Args& args, const std::string& db) {
    RunFilter filter;
    filter.model = args.get("model", "");
    filter.policyKind = args.get("policy", "");
    filter.labelContains = args.get("label", "");
    if (auto since = args.get("since")) {
        auto ms = parseUtcTimestamp(*since);
        if (!ms.ok())
            return fail(kName, ms.error().withContext("--since"));
        filter.createdFromMs = *ms;
    }
    if (auto until = args.get("until")) {
        auto ms = parseUtcTimestamp(*until);
        if (!ms.ok())
            return fail(kName, ms.error().withContext("--until"));
        // A bare date includes that whole day.
        constexpr int64_t kDayMs = 86400000;
        filter.createdBeforeMs = *ms + (until->size() == 10 ? kDayMs : 1);
    }
    auto limit = args.getInt("limit", 0, 0, std::numeric_limits<int64_t>::max());
    if (!limit.ok())
        return fail(kName, limit.error());
    filter.limit = *limit;

    auto store = openForReading(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    auto runs = store->list(filter);
    if (!runs.ok())
        return fail(kName, runs.error());
    if (args.flag("json")) {
        Json out(Json::Array{});
        for (const RunSummary& s : *runs)
            out.push(summaryJson(s));
        printJsonValue(out);
        return 0;
    }
    std::printf("%-6s %-19s %-12s %-24s %-11s %7s %8s %8s  %s\n", "ID", "CREATED (UTC)", "POLICY",
                "MODEL", "TOKENSxL", "RATIO", "SPEEDUP", "MS/TOK", "LABEL");
    for (const RunSummary& s : *runs) {
        const std::string model = std::filesystem::path(s.modelPath).filename().string();
        const std::string shape = std::to_string(s.tokenCount) + "x" + std::to_string(s.layerCount);
        std::printf("%-6lld %-19s %-12s %-24s %-11s %6.2fx %8s %8.2f  %s\n",
                    static_cast<long long>(s.id), formatUtcTimestamp(s.createdMs).c_str(),
                    s.policyKind.c_str(), model.c_str(), shape.c_str(), s.nominalRatio,
                    optionalText(s.measuredSpeedup, "%.2fx").c_str(), s.msPerToken,
                    s.label.c_str());
    }
    std::printf("%zu run%s\n", runs->size(), runs->size() == 1 ? "" : "s");
    return 0;
}

// Cells per state: [skip, int4, int8, full].
std::array<int64_t, kStateCount> stateCounts(const Trace& t) {
    std::array<int64_t, kStateCount> counts{};
    for (uint8_t s : t.states)
        ++counts[static_cast<size_t>(stateIndex(static_cast<LayerState>(s)))];
    return counts;
}

int showRun(const Args& args, const std::string& db) {
    if (auto s = expectPositionals(args, 1, "a run id"); !s.ok())
        return fail(kName, s.error());
    auto id = parseId(args.positional()[1]);
    if (!id.ok())
        return fail(kName, id.error());
    auto store = openForReading(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    auto run = store->load(*id);
    if (!run.ok())
        return fail(kName, run.error());
    const RunRecord& r = *run;
    const Trace& t = r.trace;
    const auto counts = stateCounts(t);
    if (args.flag("json")) {
        // The record without its cell arrays (export has those).
        Json out = runToJson(r);
        Json trace = Json::object();
        trace.set("tokens", t.tokenCount());
        trace.set("layers", t.layers);
        Json states = Json::object();
        for (int k = 0; k < kStateCount; ++k)
            states.set(stateName(kStates[k]), counts[static_cast<size_t>(k)]);
        trace.set("state_counts", std::move(states));
        trace.set("passes", static_cast<uint64_t>(t.passes.size()));
        trace.set("spans", static_cast<uint64_t>(t.spans.size()));
        out.set("trace", std::move(trace));
        printJsonValue(out);
        return 0;
    }
    std::printf("run %lld  created %s UTC  updated %s UTC\n", static_cast<long long>(r.id),
                formatUtcTimestamp(r.createdMs).c_str(), formatUtcTimestamp(r.updatedMs).c_str());
    // Texts go out byte for byte: generated text may hold a NUL.
    printText("label:    " + r.label + "\n");
    printText("notes:    " + r.notes + "\n");
    std::printf("model:    %s (%s, %lld bytes, sha256 %s)\n", r.model.path.c_str(),
                r.model.architecture.c_str(), static_cast<long long>(r.model.sizeBytes),
                r.model.sha256.c_str());
    std::printf("policy:   %s, KV mode %s, parameters %s%s%s\n", r.policy.kind.c_str(),
                kvModeName(r.policy.kvMode), r.policy.parametersJson.c_str(),
                r.policy.fileSha256.empty() ? "" : ", file sha256 ", r.policy.fileSha256.c_str());
    const RunEnvironment& e = r.environment;
    std::printf("backend:  %s on %s, driver %s, CUDA %s, %d threads, build %s\n", e.backend.c_str(),
                e.deviceName.c_str(), e.driverVersion.empty() ? "-" : e.driverVersion.c_str(),
                e.cudaVersion.empty() ? "-" : e.cudaVersion.c_str(), e.threads, e.buildId.c_str());
    printText("prompt:   " + std::to_string(r.promptIds.size()) + " tokens: " + r.promptText +
              "\n");
    printText("output:   " + std::to_string(r.generatedIds.size()) + " tokens: " + r.generatedText +
              "\n");
    std::printf("trace:    %d tokens x %d layers; full %lld, int8 %lld, int4 %lld, skip %lld\n",
                t.tokenCount(), t.layers, static_cast<long long>(counts[3]),
                static_cast<long long>(counts[2]), static_cast<long long>(counts[1]),
                static_cast<long long>(counts[0]));
    const RunMetrics& m = r.metrics;
    std::printf("metrics:  perplexity %s (second half %s), nominal ratio %.3fx, measured "
                "speedup %s, %.3f ms/token, policy overlap %.1f%%\n",
                optionalText(m.perplexity, "%.4f").c_str(),
                optionalText(m.perplexitySecondHalf, "%.4f").c_str(), m.nominalRatio,
                optionalText(m.measuredSpeedup, "%.3fx").c_str(), m.msPerToken,
                100.0 * m.policyOverlap);
    return 0;
}

// Mean of |v| over the finite values, NaN when there are none.
double meanAbs(const std::vector<float>& values) {
    double sum = 0;
    int64_t n = 0;
    for (float v : values) {
        if (std::isfinite(v)) {
            sum += std::fabs(static_cast<double>(v));
            ++n;
        }
    }
    return n ? sum / static_cast<double>(n) : std::nan("");
}

int compareRunsCommand(const Args& args, const std::string& db) {
    if (auto s = expectPositionals(args, 2, "two run ids"); !s.ok())
        return fail(kName, s.error());
    auto a = parseId(args.positional()[1]);
    auto b = parseId(args.positional()[2]);
    if (auto e = firstError(a, b))
        return fail(kName, *e);
    auto store = openForReading(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    auto c = store->compare(*a, *b);
    if (!c.ok())
        return fail(kName, c.error());
    const int64_t cells = int64_t{c->tokens} * c->layers;
    const double differing =
        cells ? static_cast<double>(c->differingStates) / static_cast<double>(cells) : 0.0;
    double timeDeltaNs = 0;
    for (double d : c->tokenTimeDeltaNs)
        timeDeltaNs += d;
    const double cosDelta = meanAbs(c->cosInOutDelta);
    const RunMetricsDelta& m = c->metrics;
    if (args.flag("json")) {
        Json out = Json::object();
        out.set("a", c->runA);
        out.set("b", c->runB);
        out.set("tokens", c->tokens);
        out.set("layers", c->layers);
        out.set("tokens_a", c->tokensA);
        out.set("tokens_b", c->tokensB);
        out.set("layers_a", c->layersA);
        out.set("layers_b", c->layersB);
        out.set("same_token_ids", c->sameTokenIds);
        out.set("differing_states", c->differingStates);
        out.set("differing_fraction", differing);
        out.set("mean_abs_cos_in_out_delta", std::isnan(cosDelta) ? Json() : Json(cosDelta));
        out.set("token_time_delta_ns", Json::array(c->tokenTimeDeltaNs));
        Json per = Json(Json::Array{});
        for (int32_t i = 0; i < c->tokens; ++i) {
            int count = 0;
            for (int32_t l = 0; l < c->layers; ++l)
                count += c->stateDelta[static_cast<size_t>(i) * c->layers + l] != 0;
            per.push(count);
        }
        out.set("differing_states_per_token", std::move(per));
        Json metrics = Json::object();
        metrics.set("perplexity", optionalNumber(m.perplexity));
        metrics.set("perplexity_second_half", optionalNumber(m.perplexitySecondHalf));
        metrics.set("nominal_ratio", m.nominalRatio);
        metrics.set("measured_speedup", optionalNumber(m.measuredSpeedup));
        metrics.set("ms_per_token", m.msPerToken);
        metrics.set("policy_overlap", m.policyOverlap);
        out.set("metrics_delta", std::move(metrics));
        printJsonValue(out);
        return 0;
    }
    std::printf("run %lld vs run %lld: %d of %d/%d tokens and %d of %d/%d layers aligned; %d "
                "aligned tokens have the same id\n",
                static_cast<long long>(c->runA), static_cast<long long>(c->runB), c->tokens,
                c->tokensA, c->tokensB, c->layers, c->layersA, c->layersB, c->sameTokenIds);
    std::printf("states:        %lld of %lld cells differ (%.1f%%)\n",
                static_cast<long long>(c->differingStates), static_cast<long long>(cells),
                100.0 * differing);
    std::printf("cos(in,out):   mean |delta| %s\n",
                std::isnan(cosDelta) ? "-" : formatNumber("%.5f", cosDelta).c_str());
    std::printf("layer time:    %+.3f ms over the aligned tokens\n", timeDeltaNs / 1e6);
    std::printf("metrics (b-a): perplexity %s, second half %s, nominal ratio %+.3f, measured "
                "speedup %s, ms/token %+.3f, policy overlap %+.1f points\n",
                optionalText(m.perplexity, "%+.4f").c_str(),
                optionalText(m.perplexitySecondHalf, "%+.4f").c_str(), m.nominalRatio,
                optionalText(m.measuredSpeedup, "%+.3f").c_str(), m.msPerToken,
                100.0 * m.policyOverlap);
    return 0;
}

int exportRun(const Args& args, const std::string& db) {
    if (auto s = expectPositionals(args, 1, "a run id"); !s.ok())
        return fail(kName, s.error());
    auto id = parseId(args.positional()[1]);
    if (!id.ok())
        return fail(kName, id.error());
    const std::string format = args.get("format", "json");
    if (format != "json" && format != "csv")
        return fail(kName, "--format must be 'json' or 'csv', got '" + format + "'");
    auto store = openForReading(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    if (auto output = args.get("output")) {
        Status s =
            format == "json" ? store->exportJson(*id, *output) : store->exportCsv(*id, *output);
        if (!s.ok())
            return fail(kName, s.error());
        return 0;
    }
    auto run = store->load(*id);
    if (!run.ok())
        return fail(kName, run.error());
    if (format == "json")
        printJsonValue(runToJson(*run));
    else
        printText(runToCsv(*run));
    return 0;
}

int importRun(const Args& args, const std::string& db) {
    if (auto s = expectPositionals(args, 1, "a run JSON file"); !s.ok())
        return fail(kName, s.error());
    auto store = openForWriting(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    auto id = store->importJson(args.positional()[1]);
    if (!id.ok())
        return fail(kName, id.error());
    if (args.flag("json")) {
        Json out = Json::object();
        out.set("id", *id);
        printJsonValue(out);
    } else {
        std::printf("imported run %lld\n", static_cast<long long>(*id));
    }
    return 0;
}

int deleteRuns(const Args& args, const std::string& db) {
    if (args.positional().size() < 2)
        return fail(kName, "expected one or more run ids");
    std::vector<int64_t> ids;
    for (size_t i = 1; i < args.positional().size(); ++i) {
        auto id = parseId(args.positional()[i]);
        if (!id.ok())
            return fail(kName, id.error());
        if (std::find(ids.begin(), ids.end(), *id) == ids.end())
            ids.push_back(*id);
    }
    std::error_code ec;
    if (!std::filesystem::exists(db, ec))
        return fail(kName, "no run database at '" + db + "'");
    auto store = openForWriting(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    // All or nothing: one missing id deletes none.
    bool withoutJournal = false;
    if (Status s = store->remove(ids, &withoutJournal); !s.ok())
        return fail(kName, s.error());
    if (withoutJournal)
        std::fprintf(stderr, "dash-cli runs: note: the disk is full, so the runs were deleted "
                             "in place without a journal; the database keeps its size and "
                             "reuses their space for new runs\n");
    if (args.flag("json")) {
        Json out = Json::object();
        out.set("deleted", Json::array(ids));
        printJsonValue(out);
    } else {
        for (int64_t id : ids)
            std::printf("deleted run %lld\n", static_cast<long long>(id));
    }
    return 0;
}

// Every run loaded and its checksum checked, and SQLite's integrity check:
// a damaged run is listed (the others still load); exit 1 when any is.
int checkRuns(const Args& args, const std::string& db) {
    if (auto s = expectPositionals(args, 0, "no arguments"); !s.ok())
        return fail(kName, s.error());
    auto store = openForReading(args, db);
    if (!store.ok())
        return fail(kName, store.error());
    auto integrity = store->integrityCheck();
    if (!integrity.ok())
        return fail(kName, integrity.error());
    auto damaged = store->verify();
    if (!damaged.ok())
        return fail(kName, damaged.error());
    auto runs = store->list();
    if (!runs.ok())
        return fail(kName, runs.error());
    if (args.flag("json")) {
        Json out = Json::object();
        out.set("integrity", *integrity);
        out.set("runs", static_cast<uint64_t>(runs->size()));
        Json list(Json::Array{});
        for (const RunStore::Damage& d : *damaged) {
            Json e = Json::object();
            e.set("id", d.id);
            e.set("reason", d.reason);
            list.push(std::move(e));
        }
        out.set("damaged", std::move(list));
        printJsonValue(out);
    } else {
        std::printf("SQLite integrity check: %s\n", integrity->c_str());
        for (const RunStore::Damage& d : *damaged)
            std::printf("damaged run %lld: %s\n", static_cast<long long>(d.id), d.reason.c_str());
        std::printf("%zu of %zu runs load intact\n", runs->size() - damaged->size(), runs->size());
    }
    if (*integrity != "ok" || !damaged->empty()) {
        std::fprintf(stderr, "dash-cli runs: %zu damaged run%s%s\n", damaged->size(),
                     damaged->size() == 1 ? "" : "s",
                     *integrity == "ok" ? "" : "; SQLite reports damage");
        return 1;
    }
    return 0;
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, kValueOptions, kFlags);
    if (!args.ok())
        return fail(kName, args.error());
    if (args->positional().empty())
        return fail(kName,
                    "expected a subcommand: list, show, compare, export, import, delete or check");
    auto db = databasePath(*args);
    if (!db.ok())
        return fail(kName, db.error());
    const std::string& sub = args->positional()[0];
    if (sub == "list")
        return listRuns(*args, *db);
    if (sub == "show")
        return showRun(*args, *db);
    if (sub == "compare")
        return compareRunsCommand(*args, *db);
    if (sub == "export")
        return exportRun(*args, *db);
    if (sub == "import")
        return importRun(*args, *db);
    if (sub == "delete")
        return deleteRuns(*args, *db);
    if (sub == "check")
        return checkRuns(*args, *db);
    return fail(kName, "unknown subcommand '" + sub +
                           "' (expected list, show, compare, export, import, delete or check)");
}

} // namespace

extern const Command kRunsCommand = {
    kName,
    "list, show, compare, export, import, delete and check saved runs",
    "<subcommand> [--db PATH] [--json] ...\n"
    "  list [--model TEXT] [--policy KIND] [--since DATE] [--until DATE] [--label TEXT]\n"
    "       [--limit N]            runs, newest first; --model matches a path substring or a\n"
    "                              SHA-256 prefix; dates are UTC (YYYY-MM-DD[ HH:MM[:SS]])\n"
    "  show ID                     one run's model, policy, environment, prompt and metrics\n"
    "  compare A B                 state, similarity, timing and metric differences (B - A),\n"
    "                              aligned by token up to the shorter run\n"
    "  export ID [--format json|csv] [--output FILE]\n"
    "                              the whole run as JSON (imports back identically) or one\n"
    "                              CSV row per (token, layer); standard output by default\n"
    "  import FILE                 saves a run exported as JSON as a new run\n"
    "  delete ID...                deletes runs: all of them, or none if one is missing\n"
    "  check                       loads every run and checks its checksum; lists damaged\n"
    "                              runs (exit 1 if any)\n"
    "options:\n"
    "  --db PATH   run database (default: $XDG_DATA_HOME/dash-studio/runs.sqlite, else\n"
    "              ~/.local/share/dash-studio/runs.sqlite)\n"
    "  --read-only open the database read-only: never changed, never upgraded (also\n"
    "              for a file in a folder you may not write)\n"
    "  --json      machine-readable output",
    &run,
};

} // namespace dash::cli
