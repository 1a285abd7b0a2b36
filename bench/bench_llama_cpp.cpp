// SPDX-License-Identifier: MIT
// This engine beside llama.cpp on the same GGUF files, in one run.
//
//   bench_llama_cpp [--with-llama-cpp] [--threads 2] [--rounds 5]
//                   [--models demo,F16,Q8_0,Q4_0,Q4_K] [--cache-dir DIR]
//                   [--check] [--memory] [--isa NAME] [--prompt 128] [--decode 32]
//
// Speed (default): for the demo model and synthetic Qwen2.5-0.5B-shaped
// models (bench_models.h), prefill and decode tokens/s. Each round runs the
// engines in ABBA order (AB BA, then BA AB), each slot one prefill of P tokens
// and D single-token steps fed the same ids; medians and the range over all
// slots, the ratio this engine / llama.cpp, and an A/A control row: this
// engine's first slot of each round against its second, which shows what
// the machine's noise alone does to a ratio. --prompt and --decode set P and D
// for the 0.5B-shaped models (together up to their context, 4096); the demo
// model keeps 64 and 64 of its 128. Without --with-llama-cpp only
// this engine and its A/A control run. F16 decode is also set beside the
// read-only memory-bandwidth roofline: in every round of the 0.5B F16 model
// the read probe (every thread summing a 1 GiB buffer, the fastest of three
// passes) runs before and after the slots, and the round's fraction is this
// engine's decode rate over the rate the faster of the two allows (bandwidth
// / bytes read per token: the weights and the KV cache), so that both sides
// of the fraction see the machine of the same minute.
//
// --with-llama-cpp runs scripts/fetch-llama-cpp.sh first (npm and a C++
// compiler), which fetches @node-llama-cpp/linux-x64 and builds
// llama_cpp_harness.cpp against its release's llama.h; llama.cpp then runs as
// a child process per model.
//
// --check: logits of both engines on the demo model and its Q8_0 / Q4_0
// re-encodings, against the float64 reference of the F16 model
// (../shared/models/reference/logits.json): relative L2 error of the last
// position's logits and whether the top token matches. Then the same error
// over 60 longer prompts, against float references from this engine's float
// path (see runCheckPrompts).
//
// --memory: peak resident memory of each engine on each model, each in a
// fresh process after one prefill and decode, beside the file size and the
// KV cache.
#include "bench_harness.h"
#include "bench_models.h"
#include "llama_cpp_client.h"

#include "core/engine/cpu/cpu_backend.h"
#include "core/engine/cpu/isa.h"
#include "core/engine/engine.h"
#include "core/gguf/quant.h"
#include "core/model/model.h"
#include "core/util/json.h"
#include "core/util/stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace dash;
using namespace dash::bench;

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string sharedDir() {
    const char* env = std::getenv("DASH_SHARED_DIR");
    return env && *env ? env : DASH_SHARED_DIR;
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

uint64_t peakResidentBytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    return 0;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "bench_llama_cpp: %s\n", message.c_str());
    return 1;
}

struct Options {
    bool withLlama = false;
    bool check = false;
    bool memory = false;
    int threads = 2;
    int rounds = 5;
    std::string isa;
    std::string cacheDir = "/tmp/dash-bench-models";
    std::vector<std::string> models = {"demo", "F16", "Q8_0", "Q4_0", "Q4_K"};
};

struct ModelCase {
    std::string name;
    std::string path;
    int prompt = 0; // P
    int decode = 0; // D
};

// Token ids both engines are fed: fixed pseudo-random ids above the specials.
std::vector<int32_t> benchTokens(size_t count, int32_t vocab) {
    std::vector<int32_t> ids(count);
    uint32_t state = 12345;
    for (int32_t& id : ids) {
        state = state * 1664525u + 1013904223u;
        id = 3 + static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(vocab - 3));
    }
    return ids;
}

// ---------------------------------------------------------------------------
// This engine

struct Run {
    double prefill = 0; // tokens/s
    double decode = 0;  // tokens/s
};

Expected<Run> runEngine(Engine& engine, const std::vector<int32_t>& tokens, size_t prefill) {
    engine.reset();
    const double t0 = now();
    DASH_TRY(engine.forward(std::span<const int32_t>(tokens.data(), prefill)));
    const double t1 = now();
    for (size_t i = prefill; i < tokens.size(); ++i)
        DASH_TRY(engine.forward(std::span<const int32_t>(&tokens[i], 1)));
    const double t2 = now();
    return Run{static_cast<double>(prefill) / (t1 - t0),
               static_cast<double>(tokens.size() - prefill) / (t2 - t1)};
}

std::unique_ptr<Engine> makeEngine(std::shared_ptr<const Model> model, const Options& o,
                                   int64_t context, std::string& error) {
    BackendOptions bo;
    bo.threads = o.threads;
    bo.maxContext = context;
    bo.isa = o.isa;
    auto backend = cpu::CpuBackend::create(model, bo);
    if (!backend.ok()) {
        error = backend.error().message();
        return nullptr;
    }
    return std::make_unique<Engine>(std::move(model), std::move(backend).value());
}

// This engine and, when `llama` is given, a llama.cpp process, both on the
// file at `path` for the check mode; false (after printing why) on failure.
struct CheckEngines {
    std::unique_ptr<Engine> engine;
    std::unique_ptr<LlamaCppProcess> other;
};
bool startCheckEngines(const std::string& path, const Options& o, const LlamaCppInstall* llama,
                       CheckEngines& out) {
    auto model = Model::load(path);
    if (!model.ok()) {
        fail(model.error().message());
        return false;
    }
    std::string error;
    out.engine = makeEngine(std::move(model).value(), o, 0, error);
    if (!out.engine) {
        fail(error);
        return false;
    }
    if (llama) {
        auto started = LlamaCppProcess::start(*llama, path, o.threads, 128);
        if (!started.ok()) {
            fail(started.error().message());
            return false;
        }
        out.other = std::move(started).value();
    }
    return true;
}

// ---------------------------------------------------------------------------
// Read-only bandwidth: the probe of bench_harness.h (the one bench_engine
// uses), `threads` threads summing a 1 GiB buffer: the fastest of three
// passes, 0 when a sum is wrong (a pass that did not read every byte).

double readBandwidth(const bench::ProbeBuffer& buffer, uint64_t expected, int threads) {
    double best = 0;
    for (int pass = 0; pass < 3; ++pass) {
        uint64_t sum = 0;
        const double s = bench::timeReadPass(buffer, threads, &sum);
        if (sum != expected)
            return 0;
        best = std::max(best, static_cast<double>(buffer.bytes()) / s);
    }
    return best;
}

// ---------------------------------------------------------------------------
// Speed

struct Samples {
    std::vector<double> prefill, decode;
};

std::string range(const std::vector<double>& v) {
    if (v.empty())
        return "";
    char text[64];
    std::snprintf(text, sizeof text, "%.1f-%.1f", *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    return text;
}

void printRow(const std::string& model, const std::string& who, const Samples& s) {
    std::printf("%-22s %-12s %10.1f %-15s %10.1f %-15s\n", model.c_str(), who.c_str(),
                median(s.prefill), range(s.prefill).c_str(), median(s.decode),
                range(s.decode).c_str());
}

void printRatio(const std::string& model, const std::string& who, const std::vector<double>& p,
                const std::vector<double>& d) {
    std::printf("%-22s %-12s %10.3f %-15s %10.3f %-15s\n", model.c_str(), who.c_str(), median(p),
                range(p).c_str(), median(d), range(d).c_str());
}

int runSpeed(const Options& o, const std::vector<ModelCase>& cases, const LlamaCppInstall* llama) {
    std::printf("bench_llama_cpp: %s, %d threads, %d rounds (ABBA), load average %s\n",
                cpu::processorName().c_str(), o.threads, o.rounds, loadAverage().c_str());
    if (llama)
        std::printf("llama.cpp: %s (release %s)\n", llama->package.c_str(), llama->release.c_str());
    std::printf("tokens/s: median and range over all slots; ratios per round (this engine / "
                "llama.cpp; A/A: this engine's first slot / its second)\n\n");
    std::printf("%-22s %-12s %10s %-15s %10s %-15s\n", "model", "engine", "prefill", "range",
                "decode", "range");
    std::vector<double> rooflineFractions, probeRates;
    double f16Decode = 0;
    double f16WeightBytes = 0, f16KvBytes = 0;
    for (const ModelCase& c : cases) {
        auto loaded = Model::load(c.path);
        if (!loaded.ok())
            return fail(loaded.error().message());
        std::shared_ptr<const Model> model = std::move(loaded).value();
        const int64_t context = c.prompt + c.decode;
        std::string error;
        auto engine = makeEngine(model, o, context, error);
        if (!engine)
            return fail(c.path + ": " + error);
        const std::vector<int32_t> tokens =
            benchTokens(static_cast<size_t>(context), model->config().vocabSize);
        std::unique_ptr<LlamaCppProcess> other;
        if (llama) {
            auto started =
                LlamaCppProcess::start(*llama, c.path, o.threads, static_cast<int>(context));
            if (!started.ok())
                return fail(started.error().message());
            other = std::move(started).value();
        }
        // Warm-up: pages in what is read from the file and sizes every buffer.
        if (auto r = runEngine(*engine, tokens, static_cast<size_t>(c.prompt)); !r.ok())
            return fail(r.error().message());
        if (other)
            if (auto r = other->run(tokens, static_cast<size_t>(c.prompt)); !r.ok())
                return fail(r.error().message());

        const bool roofline = c.name == "0.5B F16";
        // Bytes a decode step reads: the weights, and the F32 keys and values
        // of every layer up to its position (the mean over the D steps).
        const double kvBytesPerToken = static_cast<double>(model->config().layers) *
                                       model->config().kvDim() * 2 * sizeof(float) *
                                       (c.prompt + (c.decode + 1) / 2.0);
        const double bytesPerToken =
            static_cast<double>(model->decodeWeightBytes()) + kvBytesPerToken;
        std::unique_ptr<bench::ProbeBuffer> probe;
        uint64_t probeSum = 0;
        if (roofline) {
            probe = std::make_unique<bench::ProbeBuffer>(uint64_t{1} << 30);
            probeSum = bench::expectedSum(*probe);
        }
        Samples ours, theirs;
        std::vector<double> ratioP, ratioD, aaP, aaD;
        for (int round = 0; round < o.rounds; ++round) {
            double probeBefore = 0;
            if (probe && (probeBefore = readBandwidth(*probe, probeSum, o.threads)) == 0)
                return fail("the read probe did not read every byte");
            // AB BA in even rounds, BA AB in odd ones.
            const bool oursFirst = round % 2 == 0;
            const char slots[4] = {oursFirst ? 'A' : 'B', oursFirst ? 'B' : 'A',
                                   oursFirst ? 'B' : 'A', oursFirst ? 'A' : 'B'};
            std::vector<Run> a, b;
            for (char slot : slots) {
                if (slot == 'A') {
                    auto r = runEngine(*engine, tokens, static_cast<size_t>(c.prompt));
                    if (!r.ok())
                        return fail(r.error().message());
                    a.push_back(*r);
                } else if (other) {
                    auto r = other->run(tokens, static_cast<size_t>(c.prompt));
                    if (!r.ok())
                        return fail(r.error().message());
                    b.push_back(Run{c.prompt / r->prefillSeconds, c.decode / r->decodeSeconds});
                }
            }
            for (const Run& r : a) {
                ours.prefill.push_back(r.prefill);
                ours.decode.push_back(r.decode);
            }
            if (probe) {
                const double probeAfter = readBandwidth(*probe, probeSum, o.threads);
                if (probeAfter == 0)
                    return fail("the read probe did not read every byte");
                const double bandwidth = std::max(probeBefore, probeAfter);
                const double decodeBytesPerSecond = (a[0].decode + a[1].decode) / 2 * bytesPerToken;
                probeRates.push_back(probeBefore);
                probeRates.push_back(probeAfter);
                rooflineFractions.push_back(decodeBytesPerSecond / bandwidth);
            }
            aaP.push_back(a[0].prefill / a[1].prefill);
            aaD.push_back(a[0].decode / a[1].decode);
            if (!b.empty()) {
                for (const Run& r : b) {
                    theirs.prefill.push_back(r.prefill);
                    theirs.decode.push_back(r.decode);
                }
                ratioP.push_back((a[0].prefill + a[1].prefill) / (b[0].prefill + b[1].prefill));
                ratioD.push_back((a[0].decode + a[1].decode) / (b[0].decode + b[1].decode));
            }
        }
        const std::string label =
            c.name + " P" + std::to_string(c.prompt) + " D" + std::to_string(c.decode);
        printRow(label, "dash", ours);
        if (other) {
            printRow("", "llama.cpp", theirs);
            printRatio("", "ratio", ratioP, ratioD);
        }
        printRatio("", "A/A control", aaP, aaD);
        std::printf("%-22s %-12s %s\n", "", "dash backend",
                    engine->backend().info().detail.c_str());
        if (roofline) {
            f16Decode = median(ours.decode);
            f16WeightBytes = static_cast<double>(model->decodeWeightBytes());
            f16KvBytes = kvBytesPerToken;
        }
        std::fflush(stdout);
    }
    if (f16WeightBytes > 0) {
        const double bandwidth = median(probeRates);
        const double perToken = f16WeightBytes + f16KvBytes;
        std::printf(
            "\nread-only bandwidth %.1f GB/s [%.1f-%.1f] (%d threads, the fastest of 3 "
            "passes over 1 GiB before and after each round of 0.5B F16); it reads %.0f MB of "
            "weights and %.1f MB of KV cache per token: roofline %.1f tok/s, this engine %.1f; per "
            "round %.0f %% [%.0f-%.0f %%] of the roofline (target >= 90 %%)\n",
            bandwidth * 1e-9, *std::min_element(probeRates.begin(), probeRates.end()) * 1e-9,
            *std::max_element(probeRates.begin(), probeRates.end()) * 1e-9, o.threads,
            f16WeightBytes * 1e-6, f16KvBytes * 1e-6, bandwidth / perToken, f16Decode,
            100 * median(rooflineFractions),
            100 * *std::min_element(rooflineFractions.begin(), rooflineFractions.end()),
            100 * *std::max_element(rooflineFractions.begin(), rooflineFractions.end()));
    }
    return 0;
}

// ---------------------------------------------------------------------------
// Logits check against the float64 reference of the F16 demo model

double relativeL2(const float* got, const std::vector<double>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    return std::sqrt(num / den);
}

size_t argmax(const float* v, size_t n) {
    return static_cast<size_t>(std::max_element(v, v + n) - v);
}

// Prompts for the second part of the check: BOS, then the ids of 1 to 4
// texts of ../shared/models/reference/tokens.json (without their BOS) picked
// by a fixed xorshift, at most 64 tokens; empty on a file it cannot read.
std::vector<std::vector<int32_t>> checkPrompts(int count) {
    std::ifstream in(sharedDir() + "/models/reference/tokens.json");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = Json::parse(text.str());
    std::vector<std::vector<int32_t>> texts;
    if (parsed.ok() && parsed->isArray())
        for (const Json& c : parsed->asArray()) {
            std::vector<int32_t> ids;
            for (const Json& id : c["ids"].asArray())
                ids.push_back(static_cast<int32_t>(id.asInt()));
            if (!ids.empty() && ids.front() == 1)
                ids.erase(ids.begin());
            if (ids.size() >= 2)
                texts.push_back(std::move(ids));
        }
    std::vector<std::vector<int32_t>> prompts;
    if (texts.empty())
        return prompts;
    uint64_t state = 0x2545F4914F6CDD1Dull;
    auto next = [&state](uint64_t bound) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return (state * 0x2545F4914F6CDD1Dull >> 33) % bound;
    };
    for (int i = 0; i < count; ++i) {
        std::vector<int32_t> ids = {1};
        const uint64_t parts = 1 + next(4);
        for (uint64_t k = 0; k < parts; ++k) {
            const auto& t = texts[next(texts.size())];
            ids.insert(ids.end(), t.begin(), t.end());
        }
        ids.resize(std::min<size_t>(ids.size(), 64));
        prompts.push_back(std::move(ids));
    }
    return prompts;
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v)
        sum += x;
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

// The error of a quantised file's logits swings by up to 2x from prompt to
// prompt and with the order of float sums: one activation code that rounds
// the other way changes the inputs of the next layers by about a
// quantisation step, so their roundings decorrelate. Five prompts cannot
// tell two engines apart; 60 can. The references come from this engine's
// float path (the F16 row of the first table shows it within 1.5e-7 of the
// float64 reference): the F16 model, the criterion's reference, and the
// quantised file's own values dequantised to F32, against which the whole
// error is that of quantising activations.
int runCheckPrompts(const Options& o, const std::string& demo,
                    const std::vector<std::pair<std::string, std::string>>& files,
                    const LlamaCppInstall* llama) {
    const auto prompts = checkPrompts(60);
    if (prompts.empty())
        return fail("cannot read " + sharedDir() + "/models/reference/tokens.json");
    size_t shortest = prompts[0].size(), longest = 0;
    for (const auto& p : prompts) {
        shortest = std::min(shortest, p.size());
        longest = std::max(longest, p.size());
    }
    auto floatLogits = [&](const std::string& path, std::vector<std::vector<double>>& out) -> bool {
        auto model = Model::load(path);
        if (!model.ok()) {
            fail(model.error().message());
            return false;
        }
        std::string error;
        auto engine = makeEngine(std::move(model).value(), o, 0, error);
        if (!engine) {
            fail(error);
            return false;
        }
        for (const auto& ids : prompts) {
            engine->reset();
            auto logits = engine->forward(ids);
            if (!logits.ok()) {
                fail(logits.error().message());
                return false;
            }
            out.emplace_back(logits->begin(), logits->end());
        }
        return true;
    };
    std::vector<std::vector<double>> f16Ref;
    if (!floatLogits(demo, f16Ref))
        return 1;
    std::printf("\n%zu prompts of %zu-%zu tokens (texts of reference/tokens.json joined): "
                "relative L2 error of the last position's logits against this engine's float "
                "path on the F16 model and on the file's own values as F32\n\n",
                prompts.size(), shortest, longest);
    std::printf("%-6s %-16s %-22s %-22s %s\n", "file", "reference", "dash median (mean)",
                llama ? "llama.cpp median (mean)" : "(llama.cpp not run)",
                llama ? "dash closer" : "");
    for (size_t f = 1; f < files.size(); ++f) {
        const auto& [name, path] = files[f];
        auto f32 = requantizedModel(path, TensorType::F32, o.cacheDir);
        if (!f32.ok())
            return fail(f32.error().message());
        std::vector<std::vector<double>> ownRef;
        if (!floatLogits(*f32, ownRef))
            return 1;
        CheckEngines pair;
        if (!startCheckEngines(path, o, llama, pair))
            return 1;
        auto& [engine, other] = pair;
        std::vector<double> ours[2], theirs[2];
        for (size_t p = 0; p < prompts.size(); ++p) {
            engine->reset();
            auto logits = engine->forward(prompts[p]);
            if (!logits.ok())
                return fail(logits.error().message());
            ours[0].push_back(relativeL2(logits->data(), f16Ref[p]));
            ours[1].push_back(relativeL2(logits->data(), ownRef[p]));
            if (other) {
                auto l = other->logits(prompts[p], o.cacheDir + "/llama-logits.bin");
                if (!l.ok())
                    return fail(l.error().message());
                const float* last = l->data() + (prompts[p].size() - 1) * f16Ref[p].size();
                theirs[0].push_back(relativeL2(last, f16Ref[p]));
                theirs[1].push_back(relativeL2(last, ownRef[p]));
            }
        }
        const char* refNames[2] = {"F16 model", "own values, F32"};
        for (int r = 0; r < 2; ++r) {
            char mine[64], other[64] = "", closer[64] = "";
            std::snprintf(mine, sizeof mine, "%.3e (%.3e)", median(ours[r]), mean(ours[r]));
            if (!theirs[r].empty()) {
                std::snprintf(other, sizeof other, "%.3e (%.3e)", median(theirs[r]),
                              mean(theirs[r]));
                int wins = 0;
                for (size_t p = 0; p < ours[r].size(); ++p)
                    wins += ours[r][p] < theirs[r][p];
                std::snprintf(closer, sizeof closer, "%d of %zu", wins, ours[r].size());
            }
            std::printf("%-6s %-16s %-22s %-22s %s\n", name.c_str(), refNames[r], mine, other,
                        closer);
        }
    }
    return 0;
}

int runCheck(const Options& o, const std::string& demo, const LlamaCppInstall* llama) {
    std::ifstream in(sharedDir() + "/models/reference/logits.json");
    std::stringstream text;
    text << in.rdbuf();
    auto ref = Json::parse(text.str());
    if (!ref.ok() || !ref->isArray())
        return fail("cannot read " + sharedDir() + "/models/reference/logits.json");
    std::vector<std::pair<std::string, std::string>> files = {{"F16", demo}};
    for (TensorType type : {TensorType::Q8_0, TensorType::Q4_0}) {
        auto path = requantizedModel(demo, type, o.cacheDir);
        if (!path.ok())
            return fail(path.error().message());
        files.push_back({tensorTypeName(type), *path});
    }
    std::printf("logits of the last position against the float64 reference of the F16 demo "
                "model: relative L2 error (top-1 matches reference: yes/no)\n\n");
    std::printf("%-6s %-7s %-22s %-22s\n", "file", "prompt", "dash",
                llama ? "llama.cpp" : "(llama.cpp not run)");
    for (const auto& [name, path] : files) {
        CheckEngines pair;
        if (!startCheckEngines(path, o, llama, pair))
            return 1;
        auto& [engine, other] = pair;
        std::vector<double> oursAll, theirsAll;
        for (size_t p = 0; p < ref->asArray().size(); ++p) {
            const Json& c = (*ref)[p];
            std::vector<int32_t> ids;
            for (const Json& id : c["ids"].asArray())
                ids.push_back(static_cast<int32_t>(id.asInt()));
            std::vector<double> want;
            for (const Json& v : c["last_logits"].asArray())
                want.push_back(v.asNumber());
            const size_t top =
                static_cast<size_t>(std::max_element(want.begin(), want.end()) - want.begin());
            engine->reset();
            auto logits = engine->forward(ids);
            if (!logits.ok())
                return fail(logits.error().message());
            const double e = relativeL2(logits->data(), want);
            oursAll.push_back(e);
            char mine[64], theirs[64] = "";
            std::snprintf(mine, sizeof mine, "%.3e (%s)", e,
                          argmax(logits->data(), want.size()) == top ? "yes" : "no");
            if (other) {
                auto l = other->logits(ids, o.cacheDir + "/llama-logits.bin");
                if (!l.ok())
                    return fail(l.error().message());
                const float* last = l->data() + (ids.size() - 1) * want.size();
                const double t = relativeL2(last, want);
                theirsAll.push_back(t);
                std::snprintf(theirs, sizeof theirs, "%.3e (%s)", t,
                              argmax(last, want.size()) == top ? "yes" : "no");
            }
            std::printf("%-6s %-7zu %-22s %-22s\n", name.c_str(), p, mine, theirs);
        }
        std::printf("%-6s %-7s %-22.3e", name.c_str(), "median", median(oursAll));
        if (!theirsAll.empty())
            std::printf(" %-22.3e", median(theirsAll));
        std::printf("\n");
    }
    return runCheckPrompts(o, demo, files, llama);
}

// ---------------------------------------------------------------------------
// Memory: each engine in a fresh process

int memoryProbe(const std::string& path, const Options& o, int prompt, int decode) {
    auto loaded = Model::load(path);
    if (!loaded.ok())
        return fail(loaded.error().message());
    std::shared_ptr<const Model> model = std::move(loaded).value();
    std::string error;
    auto engine = makeEngine(model, o, prompt + decode, error);
    if (!engine)
        return fail(error);
    const auto tokens =
        benchTokens(static_cast<size_t>(prompt + decode), model->config().vocabSize);
    if (auto r = runEngine(*engine, tokens, static_cast<size_t>(prompt)); !r.ok())
        return fail(r.error().message());
    const ModelConfig& c = model->config();
    const uint64_t kv = static_cast<uint64_t>(c.layers) * static_cast<uint64_t>(prompt + decode) *
                        static_cast<uint64_t>(c.kvDim()) * 2 * sizeof(float);
    std::printf("%llu %llu %llu\n", static_cast<unsigned long long>(peakResidentBytes()),
                static_cast<unsigned long long>(model->file().fileSize()),
                static_cast<unsigned long long>(kv));
    return 0;
}

int runMemory(const Options& o, const std::vector<ModelCase>& cases, const LlamaCppInstall* llama,
              const char* self) {
    std::printf("peak resident memory (VmHWM) after loading, one prefill and decode, each engine "
                "in a fresh process; MB = 1e6 bytes\n\n");
    std::printf("%-22s %10s %10s %12s %12s %10s %12s\n", "model", "file MB", "KV MB", "dash MB",
                "dash/(file+KV)", "", llama ? "llama.cpp MB" : "");
    for (const ModelCase& c : cases) {
        const std::string command =
            std::string("'") + self + "' --memory-probe '" + c.path + "' --threads " +
            std::to_string(o.threads) + " --prompt " + std::to_string(c.prompt) + " --decode " +
            std::to_string(c.decode) + (o.isa.empty() ? "" : " --isa " + o.isa);
        std::FILE* pipe = popen(command.c_str(), "r");
        unsigned long long peak = 0, file = 0, kv = 0;
        const bool read = pipe && std::fscanf(pipe, "%llu %llu %llu", &peak, &file, &kv) == 3;
        if (pipe)
            pclose(pipe);
        if (!read)
            return fail("memory probe of " + c.path + " failed");
        double theirs = 0;
        if (llama) {
            auto other = LlamaCppProcess::start(*llama, c.path, o.threads, c.prompt + c.decode);
            if (!other.ok())
                return fail(other.error().message());
            const auto tokens =
                benchTokens(static_cast<size_t>(c.prompt + c.decode), (*other)->vocab());
            if (auto r = (*other)->run(tokens, static_cast<size_t>(c.prompt)); !r.ok())
                return fail(r.error().message());
            auto m = (*other)->memory();
            if (!m.ok())
                return fail(m.error().message());
            theirs = static_cast<double>(m->first);
        }
        std::printf("%-22s %10.1f %10.1f %12.1f %12.3f %10s %12s\n", c.name.c_str(), file * 1e-6,
                    kv * 1e-6, peak * 1e-6,
                    static_cast<double>(peak) / static_cast<double>(file + kv), "",
                    llama ? std::to_string(static_cast<long long>(theirs * 1e-6)).c_str() : "");
        std::fflush(stdout);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    std::string probe;
    int prompt = 128, decode = 32;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_llama_cpp: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        auto number = [&]() {
            const std::string v = value();
            char* end = nullptr;
            const long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n < 1 || n > 1000000) {
                std::fprintf(stderr, "bench_llama_cpp: %s wants a positive number, got '%s'\n",
                             a.c_str(), v.c_str());
                std::exit(2);
            }
            return static_cast<int>(n);
        };
        if (a == "--with-llama-cpp") {
            o.withLlama = true;
        } else if (a == "--check") {
            o.check = true;
        } else if (a == "--memory") {
            o.memory = true;
        } else if (a == "--threads") {
            o.threads = number();
        } else if (a == "--rounds") {
            o.rounds = number();
        } else if (a == "--isa") {
            o.isa = value();
        } else if (a == "--cache-dir") {
            o.cacheDir = value();
        } else if (a == "--models") {
            std::stringstream list(value());
            o.models.clear();
            for (std::string m; std::getline(list, m, ',');)
                o.models.push_back(m);
        } else if (a == "--memory-probe") {
            probe = value();
        } else if (a == "--prompt") {
            prompt = number();
        } else if (a == "--decode") {
            decode = number();
        } else {
            std::fprintf(stderr,
                         "usage: bench_llama_cpp [--with-llama-cpp] [--threads N] [--rounds N] "
                         "[--models demo,F16,Q8_0,Q4_0,Q4_K] [--cache-dir DIR] [--check] "
                         "[--memory] [--isa NAME] [--prompt N] [--decode N]\n");
            return a == "--help" ? 0 : 2;
        }
    }
    if (!probe.empty())
        return memoryProbe(probe, o, prompt, decode);

    const std::string demo = sharedDir() + "/models/dash-demo-16L.gguf";
    std::vector<ModelCase> cases;
    for (const std::string& m : o.models) {
        if (m == "demo") {
            cases.push_back({"demo 16L F16", demo, 64, 64});
            continue;
        }
        if (prompt + decode > kQwenShapedContext) {
            std::fprintf(stderr,
                         "bench_llama_cpp: --prompt %d and --decode %d exceed the 0.5B-shaped "
                         "models' context of %d tokens\n",
                         prompt, decode, kQwenShapedContext);
            return 2;
        }
        auto path = qwenShapedModel(o.cacheDir, m);
        if (!path.ok())
            return fail(path.error().message());
        cases.push_back({"0.5B " + m, *path, prompt, decode});
    }

    std::unique_ptr<LlamaCppInstall> llama;
    if (o.withLlama) {
        const char* script = std::getenv("DASH_FETCH_LLAMA_CPP");
        auto install = fetchLlamaCpp(script && *script ? script
                                                       : std::string(DASH_SOURCE_DIR) +
                                                             "/scripts/fetch-llama-cpp.sh",
                                     o.cacheDir + "/llama-cpp");
        if (!install.ok())
            return fail(install.error().message());
        llama = std::make_unique<LlamaCppInstall>(*install);
    }
    if (o.check)
        return runCheck(o, demo, llama.get());
    if (o.memory) {
        // The probe runs through popen's shell, where /proc/self/exe would
        // name the shell: resolve this program's own path first.
        std::error_code ec;
        const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
        if (ec)
            return fail("cannot resolve /proc/self/exe: " + ec.message());
        return runMemory(o, cases, llama.get(), self.c_str());
    }
    return runSpeed(o, cases, llama.get());
}
