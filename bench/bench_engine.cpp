// SPDX-License-Identifier: MIT
// CPU engine throughput:
//   (a) the demo model: decode tokens/s (prompt 64, decode 64) of the engine,
//       the engine again (the A/A control) and PyTorch eager on the same file
//       (torch_reference.py bench, one child process per run), in the
//       alternating schedule of core/util/stats.h; the engine / PyTorch ratio
//       per round; prefill tokens/s of the engine runs;
//   (b) a synthetic Qwen2.5-0.5B-shaped F16 model (random weights, written to
//       /tmp once and reused): decode tokens/s (and its A/A control) beside
//       the memory-bandwidth roofline, in the same alternating schedule as the
//       bandwidth probes: read-only bandwidth (a multithreaded sum over a
//       buffer far larger than the last-level cache, what decoding does with
//       the weights) / weight bytes read per token. A memcpy figure (reads and
//       writes every byte) is printed beside it, not used.
//
//   bench_engine [MODEL.gguf] [--threads 2] [--rounds 3] [--synthetic PATH]
//                [--probe-mib 1024]
//
// MODEL defaults to $DASH_MODEL_DIR/dash-demo-16L.gguf, else the shared models
// directory this build was configured with.
#include "bench/bench_harness.h"
#include "core/engine/engine.h"
#include "core/engine/generate.h"
#include "core/gguf/gguf.h"
#include "core/gguf/quant.h"
#include "core/model/model.h"
#include "core/util/json.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace dash;

namespace {

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string sharedDir() {
    const char* env = std::getenv("DASH_SHARED_DIR");
    return env && *env ? env : DASH_SHARED_DIR;
}

std::string defaultModelPath() {
    const char* env = std::getenv("DASH_MODEL_DIR");
    const std::string dir = env && *env ? env : sharedDir() + "/models";
    return dir + "/dash-demo-16L.gguf";
}

// ---------------------------------------------------------------------------
// Engine timings

// One run: prefill `prompt` on an empty cache, then `decode` greedy
// single-token steps. Returns the decode seconds; the prefill rate is
// appended to *prefillRates.
Expected<double> decodeRun(Engine& engine, const std::vector<int32_t>& prompt, int32_t decode,
                           std::vector<double>* prefillRates) {
    GenerateOptions options;
    // generate() feeds back all but the last sampled token: decode + 1 samples
    // take `decode` single-token passes.
    options.maxNewTokens = decode + 1;
    options.stopAtEos = false;
    engine.reset();
    DASH_ASSIGN_OR_RETURN(GenerateResult r, generate(engine, prompt, options));
    if (prefillRates)
        prefillRates->push_back(static_cast<double>(prompt.size()) / (r.prefillNs * 1e-9));
    return r.decodeNs * 1e-9;
}

// ---------------------------------------------------------------------------
// PyTorch eager reference (a child process)

struct TorchResult {
    bool available = false;
    std::string reason; // when not available
};

// Whether the PyTorch reference can run; the reason when not.
TorchResult torchAvailable() {
    TorchResult t;
    const std::string python = "/usr/bin/python3";
    const std::string script = sharedDir() + "/tools/torch_reference.py";
    if (!std::filesystem::exists(script)) {
        t.reason = script + " not found";
        return t;
    }
    if (std::system((python + " -c 'import torch' >/dev/null 2>&1").c_str()) != 0) {
        t.reason = "python3-torch is not installed (scripts/install-deps.sh --bench installs it)";
        return t;
    }
    t.available = true;
    return t;
}

// One run of the reference (a child process: one warm-up, one timed run of
// `decode` tokens after a prompt of `prompt`). The decode seconds.
Expected<double> torchRun(const std::string& modelPath, int threads, int32_t prompt, int32_t decode,
                          std::string* blas) {
    const std::string command = "/usr/bin/python3 '" + sharedDir() +
                                "/tools/torch_reference.py' bench '" + modelPath + "' --threads " +
                                std::to_string(threads) + " --prompt " + std::to_string(prompt) +
                                " --tokens " + std::to_string(decode) + " --repeats 1 2>&1";
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return ioError("cannot start /usr/bin/python3");
    std::string output, jsonLine;
    char line[4096];
    while (std::fgets(line, sizeof line, pipe)) {
        output += line;
        if (line[0] == '{')
            jsonLine = line;
    }
    const int status = pclose(pipe);
    auto json = Json::parse(jsonLine);
    if (status != 0 || !json.ok() || !json->find("decode_tok_per_s") ||
        !((*json)["decode_tok_per_s"].asNumber() > 0))
        return internalError("torch_reference.py failed: " + output.substr(0, 300));
    if ((*json)["blas"].isString())
        *blas = (*json)["blas"].asString();
    return decode / (*json)["decode_tok_per_s"].asNumber();
}

// ---------------------------------------------------------------------------
// Synthetic Qwen2.5-0.5B-shaped model, streamed to disk

constexpr const char* kMarkerKey = "dash.bench.synthetic";
constexpr const char* kMarker = "qwen2-0.5b-f16 random v1";
constexpr uint64_t kAlignment = 32;

struct SyntheticShape {
    uint32_t layers = 24, dim = 896, heads = 14, kvHeads = 2, ffn = 4864, vocab = 151936;
    uint32_t headDim() const { return dim / heads; }
};

struct TensorSpec {
    std::string name;
    std::vector<uint64_t> shape; // ggml order
    TensorType type;             // F16 matrices, F32 norms and biases
    uint64_t bytes() const {
        uint64_t n = 1;
        for (uint64_t d : shape)
            n *= d;
        return n * (type == TensorType::F16 ? 2 : 4);
    }
};

std::vector<TensorSpec> syntheticTensors(const SyntheticShape& s) {
    const uint64_t qDim = s.dim, kvDim = uint64_t{s.kvHeads} * s.headDim();
    std::vector<TensorSpec> t = {{"token_embd.weight", {s.dim, s.vocab}, TensorType::F16},
                                 {"output_norm.weight", {s.dim}, TensorType::F32}};
    for (uint32_t i = 0; i < s.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        t.push_back({p + "attn_norm.weight", {s.dim}, TensorType::F32});
        t.push_back({p + "ffn_norm.weight", {s.dim}, TensorType::F32});
        t.push_back({p + "attn_q.weight", {s.dim, qDim}, TensorType::F16});
        t.push_back({p + "attn_k.weight", {s.dim, kvDim}, TensorType::F16});
        t.push_back({p + "attn_v.weight", {s.dim, kvDim}, TensorType::F16});
        t.push_back({p + "attn_q.bias", {qDim}, TensorType::F32});
        t.push_back({p + "attn_k.bias", {kvDim}, TensorType::F32});
        t.push_back({p + "attn_v.bias", {kvDim}, TensorType::F32});
        t.push_back({p + "attn_output.weight", {qDim, s.dim}, TensorType::F16});
        t.push_back({p + "ffn_gate.weight", {s.dim, s.ffn}, TensorType::F16});
        t.push_back({p + "ffn_up.weight", {s.dim, s.ffn}, TensorType::F16});
        t.push_back({p + "ffn_down.weight", {s.ffn, s.dim}, TensorType::F16});
    }
    return t;
}

// Little-endian GGUF v3 header pieces.
class HeaderWriter {
public:
    template <class T>
    void put(T v) {
        uint8_t raw[sizeof(T)];
        std::memcpy(raw, &v, sizeof(T));
        m_bytes.insert(m_bytes.end(), raw, raw + sizeof(T));
    }
    void string(const std::string& s) {
        put<uint64_t>(s.size());
        m_bytes.insert(m_bytes.end(), s.begin(), s.end());
    }
    void keyU32(const std::string& key, uint32_t v) {
        string(key);
        put<uint32_t>(static_cast<uint32_t>(GgufValueType::U32));
        put<uint32_t>(v);
    }
    void keyF32(const std::string& key, float v) {
        string(key);
        put<uint32_t>(static_cast<uint32_t>(GgufValueType::F32));
        put<float>(v);
    }
    void keyString(const std::string& key, const std::string& v) {
        string(key);
        put<uint32_t>(static_cast<uint32_t>(GgufValueType::String));
        string(v);
    }
    void keyStrings(const std::string& key, const std::vector<std::string>& v) {
        string(key);
        put<uint32_t>(static_cast<uint32_t>(GgufValueType::Array));
        put<uint32_t>(static_cast<uint32_t>(GgufValueType::String));
        put<uint64_t>(v.size());
        for (const std::string& s : v)
            string(s);
    }
    void pad() { m_bytes.resize((m_bytes.size() + kAlignment - 1) / kAlignment * kAlignment, 0); }
    const std::vector<uint8_t>& bytes() const { return m_bytes; }

private:
    std::vector<uint8_t> m_bytes;
};

uint64_t alignUp(uint64_t v) {
    return (v + kAlignment - 1) / kAlignment * kAlignment;
}

// Header bytes (metadata, tensor infos, padding); `total` gets the file size.
std::vector<uint8_t> syntheticHeader(const SyntheticShape& s,
                                     const std::vector<TensorSpec>& tensors, uint64_t& total) {
    HeaderWriter h;
    h.put<uint32_t>(0x46554747); // "GGUF"
    h.put<uint32_t>(3);
    h.put<uint64_t>(tensors.size());
    h.put<uint64_t>(13);
    h.keyString("general.architecture", "qwen2");
    h.keyString("general.name", "synthetic Qwen2.5-0.5B shape (random weights)");
    h.keyString(kMarkerKey, kMarker);
    h.keyU32("qwen2.block_count", s.layers);
    h.keyU32("qwen2.embedding_length", s.dim);
    h.keyU32("qwen2.attention.head_count", s.heads);
    h.keyU32("qwen2.attention.head_count_kv", s.kvHeads);
    h.keyU32("qwen2.feed_forward_length", s.ffn);
    h.keyU32("qwen2.context_length", 4096);
    h.keyF32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    h.keyF32("qwen2.rope.freq_base", 1000000.0f);
    // The smallest tokenizer the loader accepts: SentencePiece-style with the
    // conventional unknown / BOS / EOS ids (the bench feeds ids directly).
    h.keyString("tokenizer.ggml.model", "llama");
    h.keyStrings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>"});
    uint64_t offset = 0;
    for (const TensorSpec& t : tensors) {
        h.string(t.name);
        h.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
        for (uint64_t d : t.shape)
            h.put<uint64_t>(d);
        h.put<uint32_t>(static_cast<uint32_t>(t.type));
        h.put<uint64_t>(offset);
        offset = alignUp(offset + t.bytes());
    }
    h.pad();
    total = h.bytes().size() + offset;
    return h.bytes();
}

bool syntheticFileValid(const std::string& path, uint64_t size) {
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) != size || ec)
        return false;
    auto file = GgufFile::open(path);
    if (!file.ok())
        return false;
    auto marker = (*file)->getString(kMarkerKey);
    return marker.ok() && *marker == kMarker;
}

// Writes the model in 8 MiB chunks to `path`.tmp and renames it, so that an
// interrupted run never leaves a file that looks complete. Matrices hold
// random halves of magnitude 2^-8..2^-6 (a plausible weight scale; no
// subnormals, infinities or NaNs), norms 1, biases 0.
Status writeSynthetic(const std::string& path, const SyntheticShape& s) {
    const std::vector<TensorSpec> tensors = syntheticTensors(s);
    uint64_t total = 0;
    const std::vector<uint8_t> header = syntheticHeader(s, tensors, total);
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        return ioError("cannot create '" + tmp + "': " + std::strerror(errno));
    bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
    std::vector<uint8_t> chunk(8u << 20);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    auto nextHalf = [&]() -> uint16_t {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const auto r = static_cast<uint32_t>(state >> 32);
        // sign, exponent 7..9 (2^-8..2^-6), 10 mantissa bits
        return static_cast<uint16_t>(((r >> 31) << 15) | ((7 + (r >> 10) % 3) << 10) | (r & 0x3FF));
    };
    uint64_t written = header.size();
    for (const TensorSpec& t : tensors) {
        uint64_t left = t.bytes();
        while (ok && left > 0) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
            if (t.type == TensorType::F16) {
                for (size_t i = 0; i + 1 < n; i += 2) {
                    const uint16_t h = nextHalf();
                    std::memcpy(chunk.data() + i, &h, 2);
                }
            } else {
                const bool norm = t.name.find("norm") != std::string::npos;
                const float v = norm ? 1.0f : 0.0f;
                for (size_t i = 0; i + 3 < n; i += 4)
                    std::memcpy(chunk.data() + i, &v, 4);
            }
            ok = std::fwrite(chunk.data(), 1, n, f) == n;
            left -= n;
            written += n;
        }
        const uint64_t padded = alignUp(written - header.size()) + header.size();
        if (ok && padded > written) {
            std::fill(chunk.begin(), chunk.begin() + static_cast<long>(padded - written), 0);
            ok = std::fwrite(chunk.data(), 1, padded - written, f) == padded - written;
            written = padded;
        }
    }
    ok = std::fclose(f) == 0 && ok;
    if (!ok || written != total) {
        std::remove(tmp.c_str());
        return ioError("cannot write '" + tmp + "': " + std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
        return ioError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
    return {};
}

Expected<std::shared_ptr<const Model>> syntheticModel(const std::string& path) {
    const SyntheticShape shape;
    uint64_t total = 0;
    syntheticHeader(shape, syntheticTensors(shape), total);
    if (!syntheticFileValid(path, total)) {
        std::fprintf(stderr, "writing %s (%.2f GB)...\n", path.c_str(), total / 1e9);
        const auto start = std::chrono::steady_clock::now();
        DASH_TRY(writeSynthetic(path, shape));
        std::fprintf(stderr, "  written in %.1f s\n",
                     seconds(std::chrono::steady_clock::now() - start));
    } else {
        std::fprintf(stderr, "reusing %s\n", path.c_str());
    }
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, Model::load(path));
    return std::shared_ptr<const Model>(std::move(model));
}

std::vector<int32_t> demoPrompt(const Model& model, size_t length) {
    const std::string text =
        "It was a bright cold day in April, and the clocks were striking thirteen. The old "
        "captain walked slowly down to the harbour, where the ships lay waiting for the tide, "
        "and he thought of the long voyage that was still before them and of the men who "
        "would not come home again.";
    std::vector<int32_t> ids = model.tokenizer().encode(text, true);
    while (ids.size() < length)
        ids.insert(ids.end(), ids.begin() + 1, ids.end());
    ids.resize(length);
    return ids;
}

int fail(const Error& e) {
    std::fprintf(stderr, "bench_engine: %s\n", e.message().c_str());
    return 1;
}

// Per round: the decode rate (both runs of the round) over the roofline of
// the fastest read pass of that round, with N threads or one (the machine's
// best read rate that minute, as bench_llama_cpp takes it).
// seconds: [decode, decode A/A, read N threads, read 1 thread, ...].
Summary rooflineFractions(const ArmSeconds& seconds, double decodeTokens, double probeBytes,
                          double bytesPerToken) {
    std::vector<double> fractions;
    const size_t rounds = seconds[0].size() / 2;
    for (size_t r = 0; r < rounds; ++r) {
        const double decode = 2 * decodeTokens / (seconds[0][2 * r] + seconds[0][2 * r + 1]);
        double read = 0;
        for (size_t arm : {size_t{2}, size_t{3}})
            for (size_t pass : {2 * r, 2 * r + 1})
                read = std::max(read, probeBytes / seconds[arm][pass]);
        fractions.push_back(decode * bytesPerToken / read);
    }
    return summarize(std::move(fractions));
}

std::string rateText(const Summary& s, double scale) {
    char text[96];
    std::snprintf(text, sizeof text, "%.4g [%.4g - %.4g]", s.median * scale, s.min * scale,
                  s.max * scale);
    return text;
}

} // namespace

int main(int argc, char** argv) {
    static const char* kUsage =
        "usage: bench_engine [MODEL.gguf] [--threads 2] [--rounds 3] [--synthetic PATH]\n"
        "                    [--probe-mib 1024]";
    int exitCode = 0;
    auto args = bench::parseArgs(argc, argv, "bench_engine", kUsage,
                                 {"threads", "rounds", "synthetic", "probe-mib"}, {}, &exitCode);
    if (!args)
        return exitCode;
    auto threadsOption = bench::intOption(*args, "threads", 2, 1, 1024);
    auto roundsOption = bench::intOption(*args, "rounds", 3, 1, 1000);
    auto probeMib = bench::intOption(*args, "probe-mib", 1024, 16, 1 << 20);
    if (auto err = cli::firstError(threadsOption, roundsOption, probeMib))
        return bench::usageError("bench_engine", kUsage, err->message());
    if (args->positional().size() > 1)
        return bench::usageError("bench_engine", kUsage, "one model at most");
    const std::string modelPath =
        args->positional().empty() ? defaultModelPath() : args->positional()[0];
    const std::string syntheticPath = args->get("synthetic", "/tmp/dash-bench-qwen2-0.5b-f16.gguf");
    const int threads = static_cast<int>(*threadsOption);
    AlternationOptions schedule;
    schedule.rounds = static_cast<int>(*roundsOption);
    const std::string loadBefore = bench::loadAverage();

    // (a) demo model: engine, engine again, PyTorch eager.
    auto loaded = Model::load(modelPath);
    if (!loaded.ok())
        return fail(loaded.error());
    const std::shared_ptr<const Model> demo = std::move(loaded).value();
    const int32_t promptLength = 64, decodeLength = 64;
    const std::vector<int32_t> prompt = demoPrompt(*demo, promptLength);
    Engine demoEngine(demo, EngineOptions{threads, 0});
    std::vector<double> prefillRates;
    const bench::Arm engineArm{"DASH engine",
                               [&]() -> Expected<double> {
                                   return decodeRun(demoEngine, prompt, decodeLength,
                                                    &prefillRates);
                               },
                               static_cast<double>(decodeLength)};
    const TorchResult torch = torchAvailable();
    std::string blas = "unknown";
    std::vector<bench::Arm> contenders;
    if (torch.available)
        contenders.push_back(
            {"PyTorch eager (fp32)",
             [&]() { return torchRun(modelPath, threads, promptLength, decodeLength, &blas); },
             static_cast<double>(decodeLength)});
    std::fprintf(stderr, "demo model: engine%s, %d rounds...\n",
                 torch.available ? " and PyTorch eager" : "", schedule.rounds);
    auto demoComparison = bench::compare(engineArm, contenders, schedule);
    if (!demoComparison.ok())
        return fail(demoComparison.error());

    // (b) synthetic 0.5B shape: decode, decode again, read and copy probes.
    auto big = syntheticModel(syntheticPath);
    if (!big.ok())
        return fail(big.error());
    const std::vector<int32_t> bigPrompt = {1, 1000, 2000, 3000, 4000, 5000, 6000, 7000};
    const int32_t bigDecode = 24;
    Engine bigEngine(*big, EngineOptions{threads, 0});
    const uint64_t probeBytes = static_cast<uint64_t>(*probeMib) << 20;
    const uint64_t llc = bench::lastLevelCacheBytes();
    std::fprintf(stderr, "0.5B shape: allocating 2 x %llu MiB for the bandwidth probes...\n",
                 static_cast<unsigned long long>(*probeMib));
    bench::ProbeBuffer source(probeBytes), target(probeBytes);
    const uint64_t sum = bench::expectedSum(source);
    bool sumsMatched = true;
    auto readArm = [&](int probeThreads) {
        return [&, probeThreads]() -> Expected<double> {
            uint64_t got = 0;
            const double s = bench::timeReadPass(source, probeThreads, &got);
            sumsMatched = sumsMatched && got == sum;
            return s;
        };
    };
    const bench::Arm decodeArm{
        "decode",
        [&]() -> Expected<double> { return decodeRun(bigEngine, bigPrompt, bigDecode, nullptr); },
        static_cast<double>(bigDecode)};
    const std::vector<bench::Arm> probes = {
        {"read", readArm(threads), static_cast<double>(source.bytes())},
        {"read, 1 thread", readArm(1), static_cast<double>(source.bytes())},
        {"memcpy",
         [&]() -> Expected<double> { return bench::timeCopyPass(source, target, threads); },
         static_cast<double>(source.bytes())}};
    std::fprintf(stderr, "0.5B shape: decode and bandwidth probes, %d rounds...\n",
                 schedule.rounds);
    // The warm-up round also faults in what the engine reads in place of the
    // file (the float weights where memory was too short to copy them): the
    // timed runs read memory, not disk.
    auto bigComparison = bench::compare(decodeArm, probes, schedule);
    if (!bigComparison.ok())
        return fail(bigComparison.error());
    if (!sumsMatched || target.data()[target.bytes() / 16] != source.data()[source.bytes() / 16]) {
        std::fprintf(stderr, "bench_engine: a bandwidth probe did not read or copy every byte\n");
        return 1;
    }
    const double bytesPerToken = static_cast<double>((*big)->decodeWeightBytes());
    const Summary fraction = rooflineFractions(bigComparison->seconds, bigDecode,
                                               static_cast<double>(source.bytes()), bytesPerToken);
    const std::string loadAfter = bench::loadAverage();

    const std::string demoName = std::filesystem::path(modelPath).filename().string();
    std::printf("\nDASH CPU engine, %d threads; load average %s before, %s after\n\n", threads,
                loadBefore.c_str(), loadAfter.c_str());
    std::printf("(a) %s: decode %d tokens after a %d-token prompt\n", demoName.c_str(),
                decodeLength, promptLength);
    bench::printComparison(stdout, *demoComparison, "tok/s");
    if (torch.available) {
        const Summary ratio = pairedSpeedup(demoComparison->seconds[2], demoComparison->seconds[0]);
        std::printf("engine / PyTorch eager decode speed: %s (target >= 10x); PyTorch: fp32, %d "
                    "threads, BLAS %s\n",
                    bench::formatRatio(ratio).c_str(), threads, blas.c_str());
    } else {
        std::printf("PyTorch eager: skipped: %s\n", torch.reason.c_str());
    }
    std::printf("engine prefill tok/s (prompt %d), every run: %s\n\n", promptLength,
                rateText(summarize(prefillRates), 1).c_str());

    const bench::Comparison& b = *bigComparison;
    std::printf("(b) synthetic qwen2 0.5B F16 (random weights): decode %d tokens after an "
                "%zu-token prompt; bandwidth probes over %.0f MiB (last-level cache %.0f MiB)\n",
                bigDecode, bigPrompt.size(), source.bytes() / 1048576.0, llc / 1048576.0);
    std::printf("%-44s %30s\n", "measure", "median [min - max]");
    std::printf("%-44s %30s\n", "decode tok/s", rateText(b.rate(0), 1).c_str());
    std::printf("%-44s %30s\n", "decode A/A control (same code both sides)",
                bench::formatRatio(b.control()).c_str());
    std::printf("%-44s %30.1f\n", "weights read / token (MB)", bytesPerToken / 1e6);
    std::printf("%-44s %30s\n", ("read-only GB/s, " + std::to_string(threads) + " threads").c_str(),
                rateText(b.rate(2), 1e-9).c_str());
    std::printf("%-44s %30s\n", "read-only GB/s, 1 thread", rateText(b.rate(3), 1e-9).c_str());
    std::printf("%-44s %30s\n",
                ("memcpy GB/s copied, " + std::to_string(threads) + " threads (not used)").c_str(),
                rateText(b.rate(4), 1e-9).c_str());
    const double bestRead = std::max(b.rate(2).median, b.rate(3).median);
    std::printf("%-44s %30.2f\n", "roofline tok/s (faster probe median / weights)",
                bestRead / bytesPerToken);
    std::printf("%-44s %29.0f%%  [%.0f - %.0f %%] (target >= 90%%)\n",
                "fraction of the roofline (per round)", 100 * fraction.median, 100 * fraction.min,
                100 * fraction.max);
    std::printf("%d rounds after 1 warm-up, every arm twice per round in mirrored order; the "
                "fraction divides each round's decode rate by that round's fastest read pass\n",
                schedule.rounds);
    if (probeBytes < 8 * llc)
        std::printf("WARNING: the probe buffer is less than 8x the last-level cache; raise "
                    "--probe-mib\n");
    if (const std::string w = bench::controlWarning(b.control()); !w.empty())
        std::printf("%s\n", w.c_str());
    return 0;
}
