// SPDX-License-Identifier: MIT
#include "cuda_checks.h"

#include "backend_parity.h"
#include "tiny_model.h"

#include "core/dash/dash_controller.h"
#include "core/dash/scorer.h"
#include "core/engine/backend_registry.h"
#include "core/engine/cpu/cpu_backend.h"
#include "core/engine/engine.h"
#include "core/engine/generate.h"
#include "core/engine/sampler.h"
#include "core/util/clock.h"
#include "cuda/cuda_backend.h"
#include "cuda/device_info.h"
#include "cuda/device_scorer.h"
#include "profiler/chrome_trace.h"
#include "profiler/cupti_profiler.h"
#include "profiler/kernel_records.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace dash::test {

namespace {

#define REQUIRE(condition, message)                                                                \
    do {                                                                                           \
        if (!(condition))                                                                          \
            return internalError(std::string(#condition " does not hold: ") + (message));          \
    } while (false)

// Tolerances of the CUDA backend against the CPU reference (normalised error
// Σ(d²)/Σ(ref²), see backend_parity.h) for a model whose layer matrices are
// `weights`. On F16 files float ops differ in summation order only (1e-10
// leaves ample room above float rounding, ~1e-14). The INT8/INT4 states
// differ by design: the CPU rounds activations to 7 or 8 bits per group, the
// GPU keeps them in float32; tst_cuda_host measures that difference on the
// host at a relative L2 of 1e-2 (nmse 1e-4) per product, and a layer stacks a
// few products. The full-precision state of other files differs too: the GPU
// holds F32 weights as F16 (a relative rounding of up to 2^-11 per weight,
// nmse about 5e-8 per product), and the CPU multiplies Q8_0/Q4_0 weights with
// its integer kernels, activations rounded as in the INT states.
ParityTolerance cudaTolerance(TensorType weights) {
    ParityTolerance t;
    t.elementwise = 1e-10;
    t.linear = 1e-9;
    t.linearInt = 4e-4;
    t.attention = 1e-10;
    t.layer = 1e-8;
    t.logits = 1e-8;
    t.layerInt = 4e-3;
    t.logitsInt = 4e-3;
    if (weights == TensorType::F32) {
        t.linear = 1e-6;
        t.layer = 1e-5;
        t.logits = 1e-5;
    } else if (weights != TensorType::F16 && weights != TensorType::BF16) {
        t.linear = t.linearInt;
        t.layer = t.layerInt;
        t.logits = t.logitsInt;
    }
    return t;
}

template <class T>
Status statusOf(const Expected<T>& e) {
    if (!e.ok())
        return e.error();
    return {};
}

double relativeL2(std::span<const float> test, std::span<const float> ref) {
    double d = 0, r = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double e = static_cast<double>(test[i]) - ref[i];
        d += e * e;
        r += static_cast<double>(ref[i]) * ref[i];
    }
    return r > 0 ? std::sqrt(d / r) : std::sqrt(d);
}

// ropeFreqFactors: rope_freqs.weight (Llama-3.x's rotary scaling), when given.
Expected<std::shared_ptr<const Model>> tiny(const char* arch, TensorType type,
                                            std::vector<float> ropeFreqFactors = {}) {
    TinyModelSpec spec;
    spec.arch = arch;
    spec.layers = 4;
    spec.dim = 64;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.ffn = 128;
    spec.vocab = 96;
    spec.context = 64;
    spec.weightType = type;
    spec.ropeFreqFactors = std::move(ropeFreqFactors);
    std::string error;
    auto model = loadModelBytes(buildTinyModel(spec), std::string("tiny ") + arch, &error);
    if (!model)
        return internalError("cannot build a tiny model: " + error);
    return std::shared_ptr<const Model>(std::move(model));
}

Expected<std::shared_ptr<const Model>> shared(const CudaCheckOptions& o, const char* file) {
    auto model = Model::load(o.modelDir + "/" + file);
    if (!model)
        return model.error();
    return std::shared_ptr<const Model>(std::move(model).value());
}

Expected<std::unique_ptr<Backend>> backend(const char* name, std::shared_ptr<const Model> model,
                                           int64_t maxContext = 0) {
    BackendOptions options;
    options.maxContext = maxContext;
    options.threads = 0;
    return createBackend(name, std::move(model), options);
}

// ---- Parity harness

Expected<std::string> parity(std::shared_ptr<const Model> model) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gpu, backend("cuda", model));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> cpu, backend("cpu", model));
    ParityOptions options;
    options.tolerance = cudaTolerance(model->layer(0).matrix(LayerMatrix::Q).type);
    const std::vector<ParityCase> cases = runParity(*gpu, *cpu, options);
    int failed = 0;
    double worstInt = 0, worstFloat = 0;
    std::string failures;
    for (const ParityCase& c : cases) {
        if (!c.passed) {
            ++failed;
            failures += "\n    " + formatParity({c});
        }
        // Cases with INT8/INT4 layers name their state or the "mixed" pattern.
        const bool integer = c.name.find("int8") != std::string::npos ||
                             c.name.find("int4") != std::string::npos ||
                             c.name.find("mixed") != std::string::npos;
        (integer ? worstInt : worstFloat) = std::max(integer ? worstInt : worstFloat, c.nmse);
    }
    char note[160];
    std::snprintf(note, sizeof note,
                  "%zu cases, worst nmse %.2g (float states) and %.2g (INT8/INT4)", cases.size(),
                  worstFloat, worstInt);
    if (failed > 0)
        return internalError(std::to_string(failed) + " of " + std::to_string(cases.size()) +
                             " parity cases failed:" + failures);
    return std::string(note);
}

// Products of 16 tokens go through cuBLAS (F16 activations): against the CPU.
Expected<std::string> cublasProducts(std::shared_ptr<const Model> model) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gpu, backend("cuda", model));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> cpu, backend("cpu", model));
    const ModelConfig& c = model->config();
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    double worst = 0;
    const int64_t n = 16;
    // Q and Down through cuBLAS; the output head (more rows than the layers'
    // scratch holds when the vocabulary outnumbers the FFN) through GEMV.
    const std::pair<int32_t, LayerMatrix> products[] = {
        {c.layers / 2, LayerMatrix::Q},
        {c.layers / 2, LayerMatrix::Down},
        {WeightRef::kOutputHead, LayerMatrix::Q}, // the matrix is not read for the head
    };
    for (const auto& [layer, which] : products) {
        const bool head = layer == WeightRef::kOutputHead;
        const WeightTensor& w = head ? model->output() : model->layer(layer).matrix(which);
        std::vector<float> x(static_cast<size_t>(n * w.cols));
        for (float& v : x)
            v = u(rng);
        std::vector<float> a(static_cast<size_t>(n * w.rows)), b(a.size());
        const WeightRef ref{layer, which, LayerState::Full};
        DASH_TRY(gpu->linear(ref, x, n, a));
        DASH_TRY(cpu->linear(ref, x, n, b));
        worst = std::max(worst, normalizedError(a, b));
    }
    // A pass of 20 tokens: cuBLAS for every full-precision product and the head.
    std::vector<int32_t> tokens;
    for (int i = 0; i < 20 && i < c.contextLength; ++i)
        tokens.push_back(static_cast<int32_t>(rng() % static_cast<uint32_t>(c.vocabSize)));
    std::vector<float> logits[2];
    int i = 0;
    for (Backend* be : {gpu.get(), cpu.get()}) {
        DASH_TRY(be->beginPass(tokens, 0));
        std::vector<LayerState> states(tokens.size(), LayerState::Full);
        for (int32_t l = 0; l < c.layers; ++l)
            DASH_TRY(be->runLayer(l, states));
        DASH_ASSIGN_OR_RETURN(std::span<const float> out, be->logits(0));
        logits[i++].assign(out.begin(), out.end());
    }
    const double pass = relativeL2(logits[0], logits[1]);
    char note[128];
    std::snprintf(note, sizeof note,
                  "16-token products nmse %.2g, 20-token pass logits rel. L2 %.2g", worst, pass);
    REQUIRE(worst <= 1e-6, note);
    REQUIRE(pass <= 1e-3, note);
    return std::string(note);
}

// ---- Whole model: logits and greedy tokens

std::vector<int32_t> promptFor(const Model& model) {
    std::vector<int32_t> ids =
        model.tokenizer().encode("The old house stood at the end of the lane, and", true);
    const auto limit = static_cast<size_t>(std::max(1, model.config().contextLength / 3));
    if (ids.size() > limit)
        ids.resize(limit);
    return ids;
}

Expected<std::string> logitsAndGreedy(std::shared_ptr<const Model> model) {
    const std::vector<int32_t> prompt = promptFor(*model);
    const int32_t steps =
        std::min<int32_t>(64, model->config().contextLength - static_cast<int32_t>(prompt.size()));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gb, backend("cuda", model));
    cuda::DeviceRunner& runner = static_cast<cuda::CudaBackend&>(*gb).runner();
    Engine gpu(model, std::move(gb));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> cb, backend("cpu", model));
    Engine cpu(model, std::move(cb));

    DASH_ASSIGN_OR_RETURN(std::span<const float> g, gpu.forward(prompt));
    std::vector<float> gpuLogits(g.begin(), g.end());
    DASH_ASSIGN_OR_RETURN(std::span<const float> c, cpu.forward(prompt));
    const double error = relativeL2(gpuLogits, c);
    char note[256];
    std::snprintf(note, sizeof note, "prompt of %zu tokens: last logits rel. L2 %.2g",
                  prompt.size(), error);
    REQUIRE(error <= 1e-3, note);

    GenerateOptions options;
    options.maxNewTokens = steps;
    options.stopAtEos = false;
    gpu.reset();
    cpu.reset();
    DASH_ASSIGN_OR_RETURN(GenerateResult gr, generate(gpu, prompt, options));
    DASH_ASSIGN_OR_RETURN(GenerateResult cr, generate(cpu, prompt, options));
    REQUIRE(gr.generated == cr.generated, "greedy tokens differ between the GPU and the CPU");

    // The same tokens from steps that feed each argmax back on the device,
    // in every mode that runs without a scorer (the prompt's KV cache stays).
    std::vector<LayerState> full(static_cast<size_t>(model->config().layers), LayerState::Full);
    DASH_TRY(runner.setLayerStates(full));
    for (DecisionMode mode :
         {DecisionMode::HostSync, DecisionMode::DeviceAsync, DecisionMode::GraphBranch}) {
        DASH_TRY(runner.setDecisionMode(mode));
        std::vector<int32_t> out;
        DASH_TRY(
            runner.generate(cr.generated[0], static_cast<int64_t>(prompt.size()), steps - 1, &out));
        REQUIRE(std::equal(out.begin(), out.end(), cr.generated.begin() + 1),
                std::string("device-fed greedy tokens differ in mode ") + decisionModeName(mode));
    }
    return std::string(note) + ", " + std::to_string(steps) +
           " greedy tokens equal (engine and device-fed, three modes)";
}

// ---- DASH decisions

struct ScorerSetup {
    std::shared_ptr<const ScoringModel> scorer;
    std::vector<std::vector<float>> gamma, alpha;
    DashRuntimeOptions options;
};

ScorerSetup randomScorer(const ModelConfig& c, uint64_t seed, float costBias) {
    ScorerSetup s;
    ScoringModel m(ScorerShape{c.dim, c.layers, 8, 64}, 0.05f);
    m.initialize(seed);
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::normal_distribution<float> normal(0.0f, 0.5f);
    for (float& p : m.parameters())
        if (p == 0.0f)
            p = normal(rng);
    s.scorer = std::make_shared<const ScoringModel>(std::move(m));
    std::uniform_real_distribution<float> near(0.8f, 1.2f);
    for (int32_t l = 0; l < c.layers; ++l) {
        std::vector<float> g(static_cast<size_t>(c.dim));
        for (float& v : g)
            v = near(rng);
        s.gamma.push_back(g);
        s.alpha.push_back({near(rng)});
    }
    s.options.async = true;
    s.options.costBias = costBias;
    return s;
}

// Hidden states of real tokens (layer inputs from a CPU pass) decided on the
// device and by the host reference of the device formulas.
Expected<std::string> decisionsMatchHost(std::shared_ptr<const Model> model) {
    const ModelConfig& c = model->config();
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gb, backend("cuda", model));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> cb, backend("cpu", model));
    DeviceDecisions* device = gb->deviceDecisions();
    REQUIRE(device != nullptr, "the CUDA backend offers no device decisions");
    REQUIRE(cb->deviceDecisions() == nullptr, "the CPU backend claims device decisions");
    const std::vector<int32_t> prompt = promptFor(*model);
    const auto n = static_cast<int64_t>(prompt.size());
    std::vector<std::vector<float>> inputs;
    DASH_TRY(cb->beginPass(prompt, 0));
    const std::vector<LayerState> full(prompt.size(), LayerState::Full);
    for (int32_t l = 0; l < c.layers; ++l) {
        DASH_ASSIGN_OR_RETURN(std::span<const float> x, cb->hidden());
        inputs.emplace_back(x.begin(), x.end());
        DASH_TRY(cb->runLayer(l, full));
    }
    int compared = 0, ties = 0;
    for (float bias : {0.0f, 0.4f, 1.0f}) {
        const ScorerSetup s = randomScorer(c, 7, bias);
        DASH_ASSIGN_OR_RETURN(DeviceScorer spec,
                              cuda::makeDeviceScorer(*s.scorer, s.gamma, s.alpha, s.options));
        DASH_TRY(device->setScorer(&spec));
        for (int32_t next = 1; next < c.layers; ++next) {
            std::vector<LayerState> current(static_cast<size_t>(n));
            for (int64_t t = 0; t < n; ++t)
                current[static_cast<size_t>(t)] = kStates[(t + next) % kStateCount];
            std::vector<LayerState> chosen(static_cast<size_t>(n));
            DASH_TRY(
                device->decide(inputs[static_cast<size_t>(next - 1)], n, next, current, chosen));
            for (int64_t t = 0; t < n; ++t) {
                float scores[kStateCount];
                const LayerState host = cuda::referenceDecision(
                    spec, inputs[static_cast<size_t>(next - 1)].data() + t * c.dim, next,
                    current[static_cast<size_t>(t)], scores);
                std::vector<float> allowed;
                for (float v : scores)
                    if (!std::isnan(v))
                        allowed.push_back(v);
                std::sort(allowed.rbegin(), allowed.rend());
                if (allowed.size() > 1 && allowed[0] - allowed[1] < 1e-4f) {
                    ++ties;
                    continue;
                }
                REQUIRE(host == chosen[static_cast<size_t>(t)],
                        "layer " + std::to_string(next) + " token " + std::to_string(t) +
                            ": the device chose " + stateName(chosen[static_cast<size_t>(t)]) +
                            ", the host " + stateName(host));
                ++compared;
            }
        }
    }
    return std::to_string(compared) + " decisions equal (" + std::to_string(ties) +
           " near-ties skipped)";
}

// Every decision mode decodes the same tokens into the same states and
// logits; the host controller (DashController on the CUDA backend, hidden
// states copied back each layer) makes the same decisions.
Expected<std::string> decisionModesAgree(std::shared_ptr<const Model> model) {
    const ModelConfig& c = model->config();
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gb, backend("cuda", model));
    DASH_TRY(gb->enableQuantizedStates(32));
    cuda::DeviceRunner& runner = static_cast<cuda::CudaBackend&>(*gb).runner();
    Engine engine(model, std::move(gb));
    const ScorerSetup s = randomScorer(c, 11, 0.3f);
    DASH_TRY(engine.setCompensation(Compensation{s.alpha}));
    DASH_ASSIGN_OR_RETURN(DeviceScorer spec,
                          cuda::makeDeviceScorer(*s.scorer, s.gamma, s.alpha, s.options));
    const std::vector<int32_t> prompt = promptFor(*model);
    const auto start = static_cast<int64_t>(prompt.size());
    const int32_t steps = std::min<int32_t>(8, c.contextLength - static_cast<int32_t>(start));
    std::vector<int32_t> feed;
    for (int32_t i = 0; i < steps; ++i)
        feed.push_back((prompt[static_cast<size_t>(i) % prompt.size()] + 3 * i) % c.vocabSize);

    struct Run {
        std::vector<std::vector<LayerState>> states;
        std::vector<std::vector<float>> logits;
    };
    std::vector<Run> runs;
    for (DecisionMode mode : kDecisionModes) {
        engine.reset();
        DASH_TRY(statusOf(engine.forward(prompt)));
        DASH_TRY(runner.setScorer(&spec));
        DASH_TRY(runner.setDecisionMode(mode));
        Run run;
        for (int32_t i = 0; i < steps; ++i) {
            DASH_TRY(runner.decodeStep(feed[static_cast<size_t>(i)], start + i));
            DASH_ASSIGN_OR_RETURN(std::vector<LayerState> st, runner.stepStates());
            DASH_ASSIGN_OR_RETURN(std::span<const float> lg, runner.logits(0));
            run.states.push_back(st);
            run.logits.emplace_back(lg.begin(), lg.end());
        }
        runs.push_back(std::move(run));
    }
    int mixed = 0;
    for (const auto& st : runs[0].states)
        for (LayerState x : st)
            mixed += x != LayerState::Full;
    for (size_t m = 1; m < runs.size(); ++m)
        for (int32_t i = 0; i < steps; ++i) {
            REQUIRE(runs[m].states[static_cast<size_t>(i)] ==
                        runs[0].states[static_cast<size_t>(i)],
                    std::string(decisionModeName(kDecisionModes[m])) +
                        " decided other states "
                        "than host-sync at step " +
                        std::to_string(i));
            // The same kernels with the same split counts in every mode: the
            // results should agree to the bit; 1e-12 allows for nothing more.
            const double e = normalizedError(runs[m].logits[static_cast<size_t>(i)],
                                             runs[0].logits[static_cast<size_t>(i)]);
            REQUIRE(e <= 1e-12, std::string(decisionModeName(kDecisionModes[m])) +
                                    " logits differ from host-sync's: nmse " + std::to_string(e));
        }

    // The host controller on the same backend, over the same tokens.
    DASH_TRY(runner.setScorer(nullptr));
    engine.reset();
    DASH_TRY(statusOf(engine.forward(prompt)));
    DashRuntimeOptions options = s.options;
    options.record = true;
    DashController controller(s.scorer, s.gamma, s.alpha, options);
    Trace trace;
    int agree = 0, ties = 0;
    // A near-tie may go either way at float rounding (the host path's passes
    // sum in another order than decode steps); after one, later hidden
    // states may legitimately differ, so the comparison stops there.
    for (int32_t i = 0; i < steps && ties == 0; ++i) {
        ForwardOptions fo;
        fo.controller = &controller;
        fo.trace = &trace;
        DASH_TRY(statusOf(
            engine.forward(std::span<const int32_t>(&feed[static_cast<size_t>(i)], 1), fo)));
        const int32_t cell = trace.tokenCount() - 1;
        for (int32_t l = 1; l < c.layers; ++l) {
            std::vector<float> sc;
            for (LayerState k : kStates)
                if (!std::isnan(trace.score(cell, l, k)))
                    sc.push_back(trace.score(cell, l, k));
            std::sort(sc.rbegin(), sc.rend());
            if (sc.size() > 1 && sc[0] - sc[1] < 1e-4f) {
                ++ties;
                break;
            }
            REQUIRE(trace.state(cell, l) ==
                        runs[0].states[static_cast<size_t>(i)][static_cast<size_t>(l)],
                    "the host controller decided other states at step " + std::to_string(i) +
                        " layer " + std::to_string(l));
            ++agree;
        }
    }
    return std::to_string(steps) + " steps x 4 modes identical (" + std::to_string(mixed) +
           " non-full layer states), host controller agrees on " + std::to_string(agree) +
           " decisions (" + std::to_string(ties) + " near-ties skipped)";
}

// ---- The profiler on decode steps

Expected<std::string> profiledSteps(std::shared_ptr<const Model> model, const CudaCheckOptions& o) {
    const ModelConfig& c = model->config();
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gb, backend("cuda", model));
    DASH_TRY(gb->enableQuantizedStates(32));
    cuda::DeviceRunner& runner = static_cast<cuda::CudaBackend&>(*gb).runner();
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<CuptiProfiler> profiler,
                          CuptiProfiler::create(CuptiProfiler::Mode::Cupti));
    DASH_TRY(runner.setProfiler(profiler.get()));
    const ScorerSetup s = randomScorer(c, 13, 0.3f);
    DASH_ASSIGN_OR_RETURN(DeviceScorer spec,
                          cuda::makeDeviceScorer(*s.scorer, s.gamma, s.alpha, s.options));
    DASH_TRY(runner.setScorer(&spec));
    std::string note = profiler->name();
    for (DecisionMode mode : {DecisionMode::DeviceAsync, DecisionMode::GraphBranch}) {
        DASH_TRY(runner.setDecisionMode(mode));
        const int64_t origin = steadyNowNs();
        DASH_TRY(profiler->beginPass());
        const Status ran = runner.generate(1, 0, 16, nullptr);
        DASH_TRY(runner.synchronize());
        DASH_TRY(profiler->endPass());
        DASH_TRY(ran);
        DASH_ASSIGN_OR_RETURN(std::vector<Span> spans, profiler->collect(origin));
        const auto counts = profiler->counts();
        const std::vector<Span> kernels =
            profiler->mode() == CuptiProfiler::Mode::Cupti ? profiler->lastKernels() : spans;
        const OverlapSummary overlap = summarizeOverlap(kernels);
        int policy = 0, compute = 0;
        for (const Span& sp : spans)
            (sp.stream == StreamKind::Policy ? policy : compute) += 1;
        REQUIRE(compute > 0, std::string("no compute spans in ") + decisionModeName(mode));
        if (mode == DecisionMode::DeviceAsync)
            REQUIRE(policy > 0, "no policy spans from eager steps with a scorer");
        // Graph kernels carry cloned node ids; the tags reach them through
        // the clone callbacks.
        if (mode == DecisionMode::GraphBranch && profiler->tagsGraphKernels())
            REQUIRE(policy > 0, "no policy spans from graph steps: their kernels kept the "
                                "launch's tag");
        char text[256];
        std::snprintf(text, sizeof text,
                      "; %s: %d compute / %d policy spans, overlap %.3f, kernels %zu, "
                      "untimed %zu, dropped %zu, unmapped %zu",
                      decisionModeName(mode), compute, policy, overlap.overlap, counts.kernels,
                      counts.untimed, counts.dropped, counts.unmapped);
        note += text;
        if (!o.outputDir.empty())
            DASH_TRY(writeChromeTrace(o.outputDir + "/trace-" + decisionModeName(mode) + ".json",
                                      spans, std::string("dash ") + decisionModeName(mode)));
    }
    DASH_TRY(runner.setProfiler(nullptr));
    return note;
}

// ---- Failures are statuses

Expected<std::string> failuresAreStatuses(std::shared_ptr<const Model> model) {
    // A KV cache far beyond the GPU's memory.
    auto huge = backend("cuda", model, int64_t{1} << 34);
    REQUIRE(!huge.ok(), "a 2^34-position KV cache was accepted");
    const std::string hugeMessage = huge.error().message();
    REQUIRE(hugeMessage.find("KV cache") != std::string::npos ||
                hugeMessage.find("GPU memory") != std::string::npos,
            hugeMessage);
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Backend> gb, backend("cuda", model));
    DeviceDecisions* device = gb->deviceDecisions();
    REQUIRE(!device->decodeStep(-1, 0).ok(), "a negative token id was accepted");
    REQUIRE(!device->decodeStep(0, gb->maxContext()).ok(),
            "a position past the context was accepted");
    std::vector<LayerState> int4(static_cast<size_t>(model->config().layers), LayerState::Int4);
    int4[0] = LayerState::Full;
    DASH_TRY(device->setLayerStates(int4));
    auto unloaded = device->decodeStep(0, 0);
    REQUIRE(!unloaded.ok(), "INT4 layers ran without quantised weights");
    int4[0] = LayerState::Int4;
    REQUIRE(!device->setLayerStates(int4).ok(), "layer 0 was allowed below full precision");
    const std::vector<int32_t> tokens = {1, 2};
    REQUIRE(!gb->beginPass(tokens, gb->maxContext() - 1).ok(),
            "a pass past the context was accepted");
    return "refused: " + hugeMessage.substr(0, 120);
}

} // namespace

Status cudaAvailability() {
    auto runtime = cuda::queryRuntime();
    if (!runtime)
        return runtime.error();
    return {};
}

Expected<std::string> checkBackendRefusesWithoutGpu() {
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, tiny("llama", TensorType::F16));
    auto b = backend("cuda", model);
    if (b.ok())
        return internalError("the CUDA backend was created without a usable GPU");
    const std::string message = b.error().message();
    if (b.error().code() != ErrorCode::Unsupported)
        return internalError("expected an 'unsupported' status, got: " + message);
    return "refused: " + message;
}

std::vector<CudaCheck> cudaChecks(const CudaCheckOptions& o) {
    std::vector<CudaCheck> checks;
    auto add = [&](std::string name, std::function<Expected<std::string>()> run) {
        checks.push_back({std::move(name), std::move(run)});
    };
    struct Source {
        const char* name;
        std::function<Expected<std::shared_ptr<const Model>>()> load;
    };
    std::vector<Source> models = {
        {"tiny-llama-f16", [] { return tiny("llama", TensorType::F16); }},
        {"tiny-qwen2-f32", [] { return tiny("qwen2", TensorType::F32); }},
        {"tiny-llama-q8_0", [] { return tiny("llama", TensorType::Q8_0); }},
        {"tiny-qwen2-q4_0", [] { return tiny("qwen2", TensorType::Q4_0); }},
        // Head dim 32: 16 frequencies, divided by 1 to 8.5 (the low frequencies
        // most, as Llama-3.x's factors do), so that unscaled angles differ.
        {"tiny-llama-f16-rope-freqs",
         [] {
             std::vector<float> factors(16);
             for (size_t i = 0; i < factors.size(); ++i)
                 factors[i] = 1.0f + 0.5f * static_cast<float>(i);
             return tiny("llama", TensorType::F16, std::move(factors));
         }},
    };
    if (!o.quick) {
        models.push_back({"dash-demo-16L", [o] { return shared(o, "dash-demo-16L.gguf"); }});
        models.push_back({"dash-tiny-qwen2", [o] { return shared(o, "dash-tiny-qwen2.gguf"); }});
    }
    for (const Source& m : models) {
        auto load = m.load;
        add(std::string("parity_") + m.name, [load]() -> Expected<std::string> {
            DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, load());
            return parity(model);
        });
    }
    for (const Source& m : models) {
        const std::string name = m.name;
        auto load = m.load;
        if (name.rfind("tiny-", 0) == 0 && name != "tiny-llama-f16")
            continue;
        add("cublas_" + name, [load]() -> Expected<std::string> {
            DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, load());
            return cublasProducts(model);
        });
        add("decisions_match_host_" + name, [load]() -> Expected<std::string> {
            DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, load());
            return decisionsMatchHost(model);
        });
        add("decision_modes_agree_" + name, [load]() -> Expected<std::string> {
            DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, load());
            return decisionModesAgree(model);
        });
    }
    if (!o.quick) {
        for (const char* file : {"dash-demo-16L.gguf", "dash-tiny-qwen2.gguf"}) {
            add(std::string("logits_and_greedy_") + file, [o, file]() -> Expected<std::string> {
                DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, shared(o, file));
                return logitsAndGreedy(model);
            });
        }
        add("profiled_steps_demo", [o]() -> Expected<std::string> {
            DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model,
                                  shared(o, "dash-demo-16L.gguf"));
            return profiledSteps(model, o);
        });
    }
    add("failures_are_statuses", []() -> Expected<std::string> {
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, tiny("llama", TensorType::F16));
        return failuresAreStatuses(model);
    });
    return checks;
}

} // namespace dash::test
