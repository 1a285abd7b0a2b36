// SPDX-License-Identifier: MIT
// bench_cuda: decode speed of the CUDA backend on one GPU.
//
//   bench_cuda [--sections micro,decode,states,dash,cupti] [--shapes qwen0.5b,qwen7b]
//              [--steps N] [--repeats R] [--json PATH]
//
// Sections:
//   micro   kernel-boundary cost in a graph with and without programmatic
//           dependent launch, event fork/join (eager and graph), one SWITCH
//           node, HBM read bandwidth.
//   decode  tokens/s of synthetic FP16 models in the shapes of Qwen2.5-0.5B
//           and -7B (random weights made on the device), in three decision
//           modes with every layer at full precision, beside the roofline
//           (weight bytes per token / measured read bandwidth).
//   states  a decode step with layers 1..L-1 in one state; per-layer time
//           estimated as (T(state) - T(skip, mask KV)) / (L - 1).
//   dash    fixed state mixes at nominal 1.33/1.67/2.0x, decided by a scorer
//           kernel (random weights, forced states) in the four decision modes:
//           measured speedup over the all-full graph, the scorer's visible
//           cost, and the fraction of policy-stream time under compute
//           (CUPTI, kernel granularity).
//   cupti   decode with CUPTI tracing against without.
// Every timing is the median of R runs of N steps (min and max beside it),
// configurations alternating in order between runs; the all-full graph is
// measured twice (A/A control). Correctness of the kernels is checked on real
// models by cuda_check, which scripts/gpu-check.sh runs first.
#include "core/util/clock.h"
#include "cuda/bench/micro_kernels.h"
#include "cuda/cuda_check.h"
#include "cuda/device_model.h"
#include "cuda/device_runner.h"
#include "profiler/cupti_profiler.h"
#include "profiler/kernel_records.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace dash;
using namespace dash::cuda;
using dash::cuda::bench::Timing;

namespace {

struct Options {
    std::set<std::string> sections = {"micro", "decode", "states", "dash", "cupti"};
    std::vector<std::string> shapes = {"qwen0.5b", "qwen7b"};
    int steps = 64;
    int repeats = 5;
    std::string json;
};

std::FILE* g_json = nullptr;

// One JSON object per line: {"section": ..., key: value, ...}.
void emit(const std::string& section, const std::vector<std::pair<std::string, std::string>>& text,
          const std::vector<std::pair<std::string, double>>& numbers) {
    if (!g_json)
        return;
    std::ostringstream o;
    o << "{\"section\": \"" << section << "\"";
    for (const auto& [k, v] : text)
        o << ", \"" << k << "\": \"" << v << "\"";
    for (const auto& [k, v] : numbers) {
        if (std::isfinite(v))
            o << ", \"" << k << "\": " << v;
        else
            o << ", \"" << k << "\": null";
    }
    o << "}\n";
    std::fputs(o.str().c_str(), g_json);
    std::fflush(g_json);
}

ModelConfig shapeConfig(const std::string& name) {
    ModelConfig c;
    c.architecture = Architecture::Qwen2;
    c.architectureName = "qwen2";
    c.rmsEps = 1e-6f;
    c.ropeBase = 1e6;
    c.ropeLayout = RopeLayout::HalfSplit;
    c.qkvBias = true;
    c.contextLength = 32768;
    if (name == "qwen7b") { // Qwen2.5-7B
        c.name = "synthetic Qwen2.5-7B shape";
        c.layers = 28;
        c.dim = 3584;
        c.heads = 28;
        c.kvHeads = 4;
        c.headDim = 128;
        c.ffnDim = 18944;
        c.vocabSize = 152064;
        c.tiedOutput = false;
    } else { // Qwen2.5-0.5B
        c.name = "synthetic Qwen2.5-0.5B shape";
        c.layers = 24;
        c.dim = 896;
        c.heads = 14;
        c.kvHeads = 2;
        c.headDim = 64;
        c.ffnDim = 4864;
        c.vocabSize = 151936;
        c.tiedOutput = true;
    }
    return c;
}

// Milliseconds per run of `steps` greedy decode steps, for each named
// configuration, R runs each with the order rotating between runs.
struct Config {
    std::string name;
    std::function<Status()> prepare;
};

Expected<std::map<std::string, Timing>>
timeConfigs(DeviceRunner& runner, const std::vector<Config>& configs, int steps, int repeats) {
    std::map<std::string, std::vector<double>> ms;
    for (int r = -1; r < repeats; ++r) { // r = -1: warm-up (captures graphs)
        for (size_t k = 0; k < configs.size(); ++k) {
            const Config& c = configs[(k + static_cast<size_t>(r < 0 ? 0 : r)) % configs.size()];
            DASH_TRY(c.prepare());
            // One untimed step captures the graph again where the
            // configuration changed it.
            DASH_TRY(runner.generate(1, 0, 1, nullptr));
            DASH_TRY(runner.synchronize());
            const int64_t start = steadyNowNs();
            DASH_TRY(runner.generate(1, 0, steps, nullptr));
            DASH_TRY(runner.synchronize());
            const double elapsed = static_cast<double>(steadyNowNs() - start) / 1e6;
            if (r >= 0)
                ms[c.name].push_back(elapsed);
        }
    }
    std::map<std::string, Timing> out;
    for (auto& [name, v] : ms)
        out[name] = bench::summarize(v);
    return out;
}

// States with nominal ratio 4L / Σ states >= `ratio`: starting from all
// full precision, layers 1..L-1 (in a fixed shuffled order) step down one
// state at a time (Full -> Int8 -> Int4 -> Skip; the last layer never
// skips) until the sum is at most 4L / ratio.
std::vector<LayerState> stateMix(int32_t layers, double ratio) {
    std::vector<LayerState> s(static_cast<size_t>(layers), LayerState::Full);
    std::vector<int32_t> order;
    for (int32_t l = 1; l < layers; ++l)
        order.push_back(l);
    std::mt19937 rng(17);
    std::shuffle(order.begin(), order.end(), rng);
    const double target = 4.0 * layers / ratio;
    auto sum = [&] {
        double t = 0;
        for (LayerState x : s)
            t += static_cast<int>(x);
        return t;
    };
    auto lower = [](LayerState x) {
        return x == LayerState::Full   ? LayerState::Int8
               : x == LayerState::Int8 ? LayerState::Int4
                                       : LayerState::Skip;
    };
    bool changed = true;
    while (sum() > target + 1e-9 && changed) {
        changed = false;
        for (int32_t l : order) {
            if (sum() <= target + 1e-9)
                break;
            const LayerState next = lower(s[static_cast<size_t>(l)]);
            if (s[static_cast<size_t>(l)] == LayerState::Skip ||
                (l == layers - 1 && next == LayerState::Skip))
                continue;
            s[static_cast<size_t>(l)] = next;
            changed = true;
        }
    }
    return s;
}

double nominalRatio(const std::vector<LayerState>& s) {
    double t = 0;
    for (LayerState x : s)
        t += static_cast<int>(x);
    return 4.0 * static_cast<double>(s.size()) / t;
}

DeviceScorer randomScorer(const ModelConfig& c, std::vector<LayerState> forced) {
    DeviceScorer s;
    s.dim = c.dim;
    s.layers = c.layers;
    s.hidden = 64;
    s.lambda = 0.05f;
    s.b2 = 0.1f;
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    auto fill = [&](std::vector<float>& v, size_t n) {
        v.resize(n);
        for (float& x : v)
            x = normal(rng);
    };
    fill(s.w1t, static_cast<size_t>(c.dim) * 64);
    fill(s.constant, static_cast<size_t>(c.layers) * 4 * 64);
    fill(s.candidate, 4 * 64);
    fill(s.w2, 64);
    s.gamma.assign(static_cast<size_t>(c.layers), std::vector<float>{1.0f});
    s.forcedStates = std::move(forced);
    return s;
}

uint64_t decodeBytes(const DeviceModel& m, const std::vector<LayerState>& states, bool project) {
    uint64_t total = m.headReadBytes();
    for (size_t l = 0; l < states.size(); ++l)
        total += m.layerReadBytes(static_cast<int32_t>(l), states[l], project);
    return total;
}

Status runMicro(const Options& o, double& bandwidth) {
    cudaStream_t stream = nullptr;
    DASH_CUDA_TRY(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    std::printf("\n== micro (median [min, max] over %d runs)\n", o.repeats);
    for (bool pdl : {false, true}) {
        DASH_ASSIGN_OR_RETURN(bench::Timing t, bench::kernelBoundary(pdl, 1000, o.repeats, stream));
        std::printf("kernel in a graph%-9s %7.2f us per kernel [%.2f, %.2f]\n",
                    pdl ? " with PDL" : "", t.median, t.min, t.max);
        emit("micro", {{"name", pdl ? "kernel boundary, PDL" : "kernel boundary"}},
             {{"us", t.median}, {"min", t.min}, {"max", t.max}});
    }
    for (bool graph : {false, true}) {
        DASH_ASSIGN_OR_RETURN(bench::Timing t, bench::forkJoinCost(graph, 500, o.repeats));
        std::printf("event fork/join (%s) %7.2f us extra [%.2f, %.2f]\n", graph ? "graph" : "eager",
                    t.median, t.min, t.max);
        emit("micro", {{"name", graph ? "fork/join, graph" : "fork/join, eager"}},
             {{"us", t.median}, {"min", t.min}, {"max", t.max}});
    }
    DASH_ASSIGN_OR_RETURN(bench::Timing sw, bench::switchNodeCost(500, o.repeats, stream));
    std::printf("SWITCH node             %7.2f us extra [%.2f, %.2f]\n", sw.median, sw.min, sw.max);
    emit("micro", {{"name", "SWITCH node"}}, {{"us", sw.median}, {"min", sw.min}, {"max", sw.max}});
    DASH_ASSIGN_OR_RETURN(bench::Timing bw,
                          bench::readBandwidth(size_t{4} << 30, o.repeats, stream));
    std::printf("HBM read bandwidth      %7.0f GB/s [%.0f, %.0f]\n", bw.median, bw.min, bw.max);
    emit("micro", {{"name", "read bandwidth"}},
         {{"gb_s", bw.median}, {"min", bw.min}, {"max", bw.max}});
    bandwidth = bw.median;
    cudaStreamDestroy(stream);
    return {};
}

Status runShape(const Options& o, const std::string& shape, double bandwidth) {
    const ModelConfig c = shapeConfig(shape);
    const bool quantized = o.sections.count("states") || o.sections.count("dash");
    std::printf("\n== %s: %d layers, dim %d, FFN %d, vocab %d\n", c.name.c_str(), c.layers, c.dim,
                c.ffnDim, c.vocabSize);
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<DeviceModel> model,
                          DeviceModel::synthetic(c, 42, quantized ? 32 : 0));
    RunnerOptions ro;
    ro.maxContext = o.steps + 8;
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<DeviceRunner> runner, DeviceRunner::create(model, ro));
    const std::vector<LayerState> full(static_cast<size_t>(c.layers), LayerState::Full);
    auto fixed = [&](DecisionMode mode, std::vector<LayerState> states, KvMode kv) {
        return [&runner, mode, states, kv]() -> Status {
            runner->setKvMode(kv);
            DASH_TRY(runner->setScorer(nullptr));
            DASH_TRY(runner->setLayerStates(states));
            return runner->setDecisionMode(mode);
        };
    };
    const double fullBytes = static_cast<double>(decodeBytes(*model, full, true));

    if (o.sections.count("decode")) {
        const std::vector<Config> configs = {
            {"graph", fixed(DecisionMode::GraphBranch, full, KvMode::Project)},
            {"eager", fixed(DecisionMode::DeviceAsync, full, KvMode::Project)},
            {"host-sync", fixed(DecisionMode::HostSync, full, KvMode::Project)},
            {"graph (A/A control)", fixed(DecisionMode::GraphBranch, full, KvMode::Project)},
        };
        DASH_ASSIGN_OR_RETURN(auto t, timeConfigs(*runner, configs, o.steps, o.repeats));
        std::printf("weights read per token: %.3f GB\n", fullBytes / 1e9);
        for (const Config& cfg : configs) {
            const Timing& m = t[cfg.name];
            const double tokS = o.steps / (m.median / 1e3);
            const double gbs = fullBytes * tokS / 1e9;
            std::printf("decode %-20s %8.1f tok/s [%.1f, %.1f]  %6.0f GB/s  %5.1f%% of read bw\n",
                        cfg.name.c_str(), tokS, o.steps / (m.max / 1e3), o.steps / (m.min / 1e3),
                        gbs, bandwidth > 0 ? 100 * gbs / bandwidth : NAN);
            emit("decode", {{"shape", shape}, {"mode", cfg.name}},
                 {{"tok_s", tokS},
                  {"tok_s_min", o.steps / (m.max / 1e3)},
                  {"tok_s_max", o.steps / (m.min / 1e3)},
                  {"weight_gb", fullBytes / 1e9},
                  {"gb_s", gbs},
                  {"roofline_fraction", bandwidth > 0 ? gbs / bandwidth : NAN}});
        }
    }

    if (o.sections.count("states")) {
        std::vector<Config> configs;
        struct StateRow {
            std::string name;
            LayerState state;
            KvMode kv;
        };
        const std::vector<StateRow> rows = {
            {"skip (mask KV)", LayerState::Skip, KvMode::Mask},
            {"skip (project KV)", LayerState::Skip, KvMode::Project},
            {"int4", LayerState::Int4, KvMode::Project},
            {"int8", LayerState::Int8, KvMode::Project},
            {"full", LayerState::Full, KvMode::Project}};
        for (const StateRow& r : rows) {
            std::vector<LayerState> s(static_cast<size_t>(c.layers), r.state);
            s[0] = LayerState::Full;
            configs.push_back({r.name, fixed(DecisionMode::GraphBranch, s, r.kv)});
        }
        DASH_ASSIGN_OR_RETURN(auto t, timeConfigs(*runner, configs, o.steps, o.repeats));
        const double base = t["skip (mask KV)"].median / o.steps;
        const double fullLayer = (t["full"].median / o.steps - base) / (c.layers - 1);
        std::printf("per-layer decode time, estimated as (T(state) - T(skip, mask)) / (L - 1):\n");
        for (const StateRow& r : rows) {
            const double step = t[r.name].median / o.steps;
            const double layer = (step - base) / (c.layers - 1);
            std::printf("  %-18s step %7.3f ms  layer %7.2f us  %5.2f x full\n", r.name.c_str(),
                        step, layer * 1e3, fullLayer > 0 ? layer / fullLayer : NAN);
            emit("layer_state", {{"shape", shape}, {"state", r.name}},
                 {{"step_ms", step},
                  {"layer_us", layer * 1e3},
                  {"ratio_to_full", fullLayer > 0 ? layer / fullLayer : NAN}});
        }
        runner->setKvMode(KvMode::Project);
    }

    if (o.sections.count("dash")) {
        Compensation comp;
        for (int32_t l = 0; l < c.layers; ++l)
            comp.alpha.push_back({1.0f});
        DASH_TRY(runner->setCompensation(comp));
        for (double ratio : {1.33, 1.67, 2.0}) {
            const std::vector<LayerState> mix = stateMix(c.layers, ratio);
            const DeviceScorer scorer = randomScorer(c, mix);
            auto scored = [&runner, &scorer](DecisionMode mode) {
                return [&runner, &scorer, mode]() -> Status {
                    runner->setKvMode(KvMode::Project);
                    DASH_TRY(runner->setScorer(&scorer));
                    return runner->setDecisionMode(mode);
                };
            };
            std::vector<Config> configs = {
                {"all full, graph", fixed(DecisionMode::GraphBranch, full, KvMode::Project)},
                {"mix, no scorer, graph", fixed(DecisionMode::GraphBranch, mix, KvMode::Project)},
            };
            for (DecisionMode m : kDecisionModes)
                configs.push_back({std::string("mix, scorer, ") + decisionModeName(m), scored(m)});
            DASH_ASSIGN_OR_RETURN(auto t, timeConfigs(*runner, configs, o.steps, o.repeats));
            const double nominal = nominalRatio(mix);
            const double baseMs = t["all full, graph"].median;
            const double fixedMs = t["mix, no scorer, graph"].median;
            std::printf("DASH nominal %.2fx (asked %.2f):\n", nominal, ratio);
            // Overlap of policy and compute kernels, from a separate traced run.
            std::map<std::string, double> overlap;
            auto profiler = CuptiProfiler::create(CuptiProfiler::Mode::Cupti);
            if (profiler && (*profiler)->mode() == CuptiProfiler::Mode::Cupti) {
                for (DecisionMode m : {DecisionMode::DeviceAsync, DecisionMode::GraphBranch,
                                       DecisionMode::GraphSwitch}) {
                    DASH_TRY(scored(m)());
                    DASH_TRY(runner->setProfiler(profiler->get()));
                    const int64_t origin = steadyNowNs();
                    DASH_TRY((*profiler)->beginPass());
                    const Status ran = runner->generate(1, 0, o.steps, nullptr);
                    DASH_TRY(runner->synchronize());
                    DASH_TRY((*profiler)->endPass());
                    DASH_TRY(ran);
                    auto spans = (*profiler)->collect(origin);
                    if (!spans)
                        return spans.error();
                    overlap[decisionModeName(m)] =
                        summarizeOverlap((*profiler)->lastKernels()).overlap;
                    DASH_TRY(runner->setProfiler(nullptr));
                }
            }
            for (const Config& cfg : configs) {
                const Timing& m = t[cfg.name];
                const std::string mode = cfg.name.rfind("mix, scorer, ", 0) == 0
                                             ? cfg.name.substr(std::strlen("mix, scorer, "))
                                             : std::string();
                const double ov = overlap.count(mode) ? overlap[mode] : NAN;
                const double visibleUs = mode.empty() ? NAN : (m.median - fixedMs) / o.steps * 1e3;
                std::printf("  %-30s %8.3f ms/token  speedup %5.2fx  scorer visible %7.1f us/token"
                            "  policy overlap %s\n",
                            cfg.name.c_str(), m.median / o.steps, baseMs / m.median, visibleUs,
                            std::isnan(ov) ? "-" : std::to_string(ov).c_str());
                emit("dash", {{"shape", shape}, {"config", cfg.name}, {"mode", mode}},
                     {{"asked", ratio},
                      {"nominal", nominal},
                      {"ms_per_token", m.median / o.steps},
                      {"speedup", baseMs / m.median},
                      {"speedup_min", t["all full, graph"].min / m.max},
                      {"speedup_max", t["all full, graph"].max / m.min},
                      {"scorer_visible_us", visibleUs},
                      {"overlap", ov}});
            }
        }
        DASH_TRY(runner->setScorer(nullptr));
        DASH_TRY(runner->setCompensation({}));
    }

    if (o.sections.count("cupti") && shape == o.shapes.front()) {
        auto profiler = CuptiProfiler::create(CuptiProfiler::Mode::Cupti);
        if (!profiler || (*profiler)->mode() != CuptiProfiler::Mode::Cupti) {
            std::printf("CUPTI overhead: CUPTI unavailable (%s)\n",
                        profiler ? (*profiler)->detail().c_str()
                                 : profiler.error().message().c_str());
        } else {
            DASH_TRY(fixed(DecisionMode::GraphBranch, full, KvMode::Project)());
            std::vector<double> ratios;
            for (int r = 0; r < o.repeats; ++r) {
                double t[2] = {0, 0};
                for (int k = 0; k < 2; ++k) {
                    const bool traced = (k == 0) == (r % 2 == 0);
                    // Setting the profiler invalidates the step graph: one
                    // untimed step captures it again (and tags its nodes).
                    DASH_TRY(runner->setProfiler(traced ? profiler->get() : nullptr));
                    for (const bool timed : {false, true}) {
                        const int64_t origin = steadyNowNs();
                        if (traced)
                            DASH_TRY((*profiler)->beginPass());
                        const int64_t start = steadyNowNs();
                        DASH_TRY(runner->generate(1, 0, timed ? o.steps : 1, nullptr));
                        DASH_TRY(runner->synchronize());
                        if (timed)
                            t[traced ? 0 : 1] = static_cast<double>(steadyNowNs() - start);
                        if (traced) {
                            DASH_TRY((*profiler)->endPass());
                            auto spans = (*profiler)->collect(origin);
                            if (!spans)
                                return spans.error();
                        }
                    }
                }
                ratios.push_back(t[0] / t[1] - 1.0);
            }
            DASH_TRY(runner->setProfiler(nullptr));
            const Timing ov = bench::summarize(ratios);
            std::printf("CUPTI tracing overhead on decode: %+.1f%% [%+.1f, %+.1f]\n",
                        100 * ov.median, 100 * ov.min, 100 * ov.max);
            emit("cupti", {{"shape", shape}},
                 {{"overhead", ov.median}, {"min", ov.min}, {"max", ov.max}});
        }
    }
    return {};
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--sections" && hasValue) {
            o.sections.clear();
            for (const std::string& s : split(argv[++i]))
                o.sections.insert(s);
        } else if (a == "--shapes" && hasValue) {
            o.shapes = split(argv[++i]);
        } else if (a == "--steps" && hasValue) {
            o.steps = std::atoi(argv[++i]);
        } else if (a == "--repeats" && hasValue) {
            o.repeats = std::atoi(argv[++i]);
        } else if (a == "--json" && hasValue) {
            o.json = argv[++i];
        } else {
            std::fprintf(stderr,
                         "bench_cuda: unknown option '%s'\nusage: bench_cuda [--sections "
                         "micro,decode,states,dash,cupti] [--shapes qwen0.5b,qwen7b] [--steps N] "
                         "[--repeats R] [--json PATH]\n",
                         a.c_str());
            return 2;
        }
    }
    for (const std::string& s : o.shapes)
        if (s != "qwen0.5b" && s != "qwen7b") {
            std::fprintf(stderr, "bench_cuda: unknown shape '%s' (qwen0.5b, qwen7b)\n", s.c_str());
            return 2;
        }
    if (o.steps < 1 || o.repeats < 1) {
        std::fprintf(stderr, "bench_cuda: --steps and --repeats must be positive\n");
        return 2;
    }
    if (!o.json.empty()) {
        g_json = std::fopen(o.json.c_str(), "w");
        if (!g_json) {
            std::fprintf(stderr, "bench_cuda: cannot write '%s'\n", o.json.c_str());
            return 1;
        }
    }
    int device = 0;
    cudaDeviceProp prop{};
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
        std::fprintf(stderr, "bench_cuda: no usable CUDA device\n");
        return 77;
    }
    std::printf("bench_cuda on %s (sm_%d%d, %d SMs), %d steps x %d repeats\n", prop.name,
                prop.major, prop.minor, prop.multiProcessorCount, o.steps, o.repeats);
    emit("device", {{"name", prop.name}}, {{"sm", prop.multiProcessorCount}});
    double bandwidth = 0;
    if (o.sections.count("micro")) {
        if (const Status s = runMicro(o, bandwidth); !s) {
            std::fprintf(stderr, "bench_cuda: micro: %s\n", s.error().message().c_str());
            return 1;
        }
    }
    for (const std::string& shape : o.shapes) {
        if (const Status s = runShape(o, shape, bandwidth); !s) {
            std::fprintf(stderr, "bench_cuda: %s: %s\n", shape.c_str(),
                         s.error().message().c_str());
            return 1;
        }
    }
    if (g_json)
        std::fclose(g_json);
    return 0;
}
