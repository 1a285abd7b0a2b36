// SPDX-License-Identifier: MIT
// CPU engine throughput, printed as one table:
//   (a) the demo model: prefill and decode tokens/s (prompt 64, decode 64,
//       medians of repeated runs) beside PyTorch eager on the same file
//       (torch_reference.py bench, run as a child process), and the ratio;
//   (b) a synthetic Qwen2.5-0.5B-shaped F16 model (random weights, written to
//       /tmp once and reused): decode tokens/s beside the memory-bandwidth
//       roofline, measured copy bandwidth / bytes of weights read per token.
//
//   bench_engine [MODEL.gguf] [--threads 2] [--synthetic PATH]
//
// MODEL defaults to $DASH_MODEL_DIR/dash-demo-16L.gguf, else the shared models
// directory this build was configured with.
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
#include <thread>
#include <vector>

using namespace dash;

namespace {

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    double a = 0, b = 0, c = 0;
    if (!(in >> a >> b >> c))
        return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", a, b, c);
    return text;
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

struct Throughput {
    double prefill = 0; // tokens/s
    double decode = 0;  // tokens/s
};

// Medians over `repeats` runs of: prefill `prompt` on an empty cache, then
// `decode` greedy single-token steps.
Expected<Throughput> measure(const std::shared_ptr<const Model>& model, int threads,
                             const std::vector<int32_t>& prompt, int32_t decode, int repeats) {
    Engine engine(model, EngineOptions{threads, 0});
    GenerateOptions options;
    // generate() feeds back all but the last sampled token: decode + 1 samples
    // take `decode` single-token passes.
    options.maxNewTokens = decode + 1;
    options.stopAtEos = false;
    std::vector<double> prefill, steps;
    for (int i = 0; i < repeats; ++i) {
        engine.reset();
        DASH_ASSIGN_OR_RETURN(GenerateResult r, generate(engine, prompt, options));
        prefill.push_back(static_cast<double>(prompt.size()) / (r.prefillNs * 1e-9));
        steps.push_back(decode / (r.decodeNs * 1e-9));
    }
    return Throughput{median(prefill), median(steps)};
}

// ---------------------------------------------------------------------------
// PyTorch eager reference (a child process)

struct TorchResult {
    bool available = false;
    std::string reason; // when not available
    double decode = 0;
    std::string blas;
};

TorchResult runTorch(const std::string& modelPath, int threads) {
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
    const std::string command = python + " '" + script + "' bench '" + modelPath + "' --threads " +
                                std::to_string(threads) + " 2>&1";
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        t.reason = "cannot start " + python;
        return t;
    }
    std::string output, jsonLine;
    char line[4096];
    while (std::fgets(line, sizeof line, pipe)) {
        output += line;
        if (line[0] == '{')
            jsonLine = line;
    }
    const int status = pclose(pipe);
    auto json = Json::parse(jsonLine);
    if (status != 0 || !json.ok() || !json->find("decode_tok_per_s")) {
        t.reason = "torch_reference.py failed: " + output.substr(0, 300);
        return t;
    }
    t.available = true;
    t.decode = (*json)["decode_tok_per_s"].asNumber();
    t.blas = (*json)["blas"].isString() ? (*json)["blas"].asString() : "unknown";
    return t;
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

// ---------------------------------------------------------------------------
// Memory bandwidth

// Median over runs of memcpy of a 1 GiB buffer split over `threads` threads;
// bytes copied per second (each byte is read once and written once).
double copyBandwidth(int threads, int runs) {
    const size_t bytes = size_t{1} << 30;
    std::vector<uint8_t> src(bytes, 1), dst(bytes, 0); // touched: pages are mapped
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        const size_t part = bytes / static_cast<size_t>(threads);
        for (int t = 0; t < threads; ++t)
            workers.emplace_back(
                [&, t] { std::memcpy(dst.data() + t * part, src.data() + t * part, part); });
        for (auto& w : workers)
            w.join();
        rates.push_back(static_cast<double>(bytes) /
                        seconds(std::chrono::steady_clock::now() - start));
    }
    if (dst[bytes / 2] != 1)
        std::fprintf(stderr, "copy check failed\n");
    return median(rates);
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

} // namespace

int main(int argc, char** argv) {
    std::string modelPath = defaultModelPath();
    std::string syntheticPath = "/tmp/dash-bench-qwen2-0.5b-f16.gguf";
    int threads = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc) {
            threads = std::atoi(argv[++i]);
        } else if (a == "--synthetic" && i + 1 < argc) {
            syntheticPath = argv[++i];
        } else if (a == "--help" || a == "-h") {
            std::printf("usage: bench_engine [MODEL.gguf] [--threads N] [--synthetic PATH]\n");
            return 0;
        } else if (!a.empty() && a[0] != '-') {
            modelPath = a;
        } else {
            std::fprintf(stderr, "bench_engine: unknown argument '%s' (try --help)\n", a.c_str());
            return 2;
        }
    }
    if (threads < 1) {
        std::fprintf(stderr, "bench_engine: --threads must be at least 1\n");
        return 2;
    }
    const std::string loadBefore = loadAverage();

    // (a) demo model
    auto loaded = Model::load(modelPath);
    if (!loaded.ok()) {
        std::fprintf(stderr, "bench_engine: %s\n", loaded.error().message().c_str());
        return 1;
    }
    const std::shared_ptr<const Model> demo = std::move(loaded).value();
    const int32_t promptLength = 64, decodeLength = 64;
    std::fprintf(stderr, "demo model: engine...\n");
    auto demoRate = measure(demo, threads, demoPrompt(*demo, promptLength), decodeLength, 9);
    if (!demoRate.ok()) {
        std::fprintf(stderr, "bench_engine: %s\n", demoRate.error().message().c_str());
        return 1;
    }
    std::fprintf(stderr, "demo model: PyTorch eager...\n");
    const TorchResult torch = runTorch(modelPath, threads);

    // (b) synthetic 0.5B shape
    auto big = syntheticModel(syntheticPath);
    if (!big.ok()) {
        std::fprintf(stderr, "bench_engine: %s\n", big.error().message().c_str());
        return 1;
    }
    std::fprintf(stderr, "0.5B shape: decode...\n");
    const std::vector<int32_t> bigPrompt = {1, 1000, 2000, 3000, 4000, 5000, 6000, 7000};
    // A short first run maps the file's pages, so the timed runs read memory, not disk.
    if (auto warm = measure(*big, threads, bigPrompt, 4, 1); !warm.ok()) {
        std::fprintf(stderr, "bench_engine: %s\n", warm.error().message().c_str());
        return 1;
    }
    auto bigRate = measure(*big, threads, bigPrompt, 24, 3);
    if (!bigRate.ok()) {
        std::fprintf(stderr, "bench_engine: %s\n", bigRate.error().message().c_str());
        return 1;
    }
    std::fprintf(stderr, "memory bandwidth...\n");
    const double copy1 = copyBandwidth(1, 5);
    const double copyN = threads > 1 ? copyBandwidth(threads, 5) : copy1;
    const double bandwidth = std::max(copy1, copyN);
    const double bytesPerToken = static_cast<double>((*big)->decodeWeightBytes());
    const double roofline = bandwidth / bytesPerToken;
    const std::string loadAfter = loadAverage();

    std::printf("\nDASH CPU engine, %d threads; load average %s before, %s after\n", threads,
                loadBefore.c_str(), loadAfter.c_str());
    std::printf("%-34s %-26s %12s %14s %9s\n", "model", "measure", "engine", "PyTorch eager",
                "ratio");
    std::printf("%s\n", std::string(99, '-').c_str());
    const std::string demoName = std::filesystem::path(modelPath).filename().string();
    std::printf("%-34s %-26s %12.1f %14s %9s\n", demoName.c_str(), "prefill tok/s (prompt 64)",
                demoRate->prefill, "-", "-");
    if (torch.available) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.1fx", demoRate->decode / torch.decode);
        std::printf("%-34s %-26s %12.1f %14.1f %9s  (target >= 10x)\n", "",
                    "decode tok/s (64 tokens)", demoRate->decode, torch.decode, ratio);
    } else {
        std::printf("%-34s %-26s %12.1f %14s %9s\n", "", "decode tok/s (64 tokens)",
                    demoRate->decode, "n/a", "-");
    }
    std::printf("%-34s %-26s %12.2f\n", "synthetic qwen2 0.5B F16 (random)", "decode tok/s",
                bigRate->decode);
    std::printf("%-34s %-26s %12.1f\n", "", "weights read / token (MB)", bytesPerToken / 1e6);
    std::printf("%-34s %-26s %12.2f\n", "", "memcpy 1 GiB, 1 thread GB/s", copy1 / 1e9);
    if (threads > 1)
        std::printf("%-34s %-26s %12.2f\n", "",
                    ("memcpy 1 GiB, " + std::to_string(threads) + " thr. GB/s").c_str(),
                    copyN / 1e9);
    std::printf("%-34s %-26s %12.2f\n", "", "roofline tok/s", roofline);
    std::printf("%-34s %-26s %11.0f%%  (target >= 70%%)\n", "", "fraction of roofline",
                100 * bigRate->decode / roofline);
    std::printf("%s\n", std::string(99, '-').c_str());
    if (torch.available)
        std::printf("PyTorch eager: fp32, %d threads, BLAS %s\n", threads, torch.blas.c_str());
    else
        std::printf("PyTorch eager: skipped: %s\n", torch.reason.c_str());
    std::printf("roofline: the higher memcpy bandwidth / weight bytes per token "
                "(Model::decodeWeightBytes)\n");
    return 0;
}
